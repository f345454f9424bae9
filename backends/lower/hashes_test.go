package lower_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/elastic"
	"github.com/detc/detc/backends/kql"
	"github.com/detc/detc/backends/lower"
	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/eval"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/sigma"
	"github.com/detc/detc/internal/testutil"
	"github.com/detc/detc/internal/testutil/corpus"
)

// hashRules are the forms SigmaHQ's rules compare Hashes with, and the
// ones the split must refuse.
var hashRules = []string{
	"Hashes|contains: 'MD5=09D278F9DE118EF09163C6140255C690'",
	"Hashes|contains:\n      - 'SHA256=6C0D4B1C1F6F1C8A0C2A5D6E1B0A9F8E7D6C5B4A392817160504F3E2D1C0B0A9'\n      - 'SHA1=0A1B2C3D4E5F60718293A4B5C6D7E8F901234567'\n      - 'IMPHASH=4A07F944A83E8A7C2525EFA35DD30E2F'\n      - 'MD5=FEDCBA98765432100123456789ABCDEF'\n    CommandLine|contains: ' -x '",
	"Hashes|contains|all:\n      - 'SHA1=0A1B2C3D4E5F60718293A4B5C6D7E8F901234567'\n      - 'MD5=FEDCBA98765432100123456789ABCDEF'",
}

// hashProfile keeps every algorithm in a field of its own, as the
// Windows integration does; its one source, for no log source in
// particular, serves the Hashes rules of every Sysmon category.
func hashProfile(t *testing.T) *mapping.Profile {
	p, err := mapping.Parse("hashes.yml", []byte(`name: hashes
sources:
  - logsource: {}
    fields:
      Hashes: {hashes: {MD5: md5, SHA1: sha1, SHA256: sha256, IMPHASH: imphash}}
      md5: md5
      sha1: sha1
      sha256: sha256
      imphash: imphash
      CommandLine: CommandLine
`), mapping.Schema{})
	require.NoError(t, err)
	return p
}

func loadRule(t *testing.T, selection string, n int) *rule.Rule {
	src := fmt.Sprintf("title: t\nid: 6f1c2d3e-0000-4000-8000-%012d\nlogsource: {category: process_creation, product: windows}\n"+
		"detection:\n  sel:\n    %s\n  condition: sel\n", n, selection)
	rules, diags := sigma.LoadFiles(map[string][]byte{"t.yml": []byte(src)})
	require.False(t, diags.HasErrors(), "%v", diags)
	return rules[0]
}

// TestHashesSplitAgreesWithEvaluator: on generated Sysmon events (any
// subset of the algorithms, in any order, hashes from the rule or not, in
// either case), the rule on Sysmon's Hashes string and the split rule on
// the per-algorithm fields (lower case, as Defender and the Elastic
// Windows integration write them) decide alike: the test rules and every
// SigmaHQ rule the split accepts.
func TestHashesSplitAgreesWithEvaluator(t *testing.T) {
	var rules []*rule.Rule
	for i, s := range hashRules {
		rules = append(rules, loadRule(t, s, i))
	}
	checkHashAgreement(t, rules)
}

func TestHashesSplitAgreesWithEvaluatorOnCorpus(t *testing.T) {
	var rules []*rule.Rule
	for _, r := range corpus.Rules(t) {
		if slices.Contains(corpus.Fields(r), "Hashes") && r.Aggregation == nil {
			rules = append(rules, r)
		}
	}
	checked := checkHashAgreement(t, rules)
	assert.Greater(t, checked, 40, "SigmaHQ's Hashes rules that the split accepts")
}

func checkHashAgreement(t *testing.T, rules []*rule.Rule) (checked int) {
	p := hashProfile(t)
	return checkSplitAgreement(t, rules, p, func(rng *rand.Rand, r *rule.Rule, sysmon, split eval.MapEvent) {
		tokens, _ := ruleValues(r)
		if rng.IntN(8) == 0 {
			return // no Hashes
		}
		var parts []string
		for _, algo := range rng.Perm(4) {
			name := []string{"MD5", "SHA1", "SHA256", "IMPHASH"}[algo]
			if rng.IntN(4) == 0 {
				continue // not configured
			}
			hex := randomHex(rng, mapping.HashLengths[name])
			if vs := tokens[name]; len(vs) > 0 && rng.IntN(2) == 0 {
				hex = strings.ToUpper(vs[rng.IntN(len(vs))])
			}
			parts = append(parts, name+"="+hex)
			split[strings.ToLower(name)] = strings.ToLower(hex)
		}
		sysmon["Hashes"] = strings.Join(parts, ",")
	})
}

// checkSplitAgreement compares, on 300 generated events per rule, the
// evaluator on the rule and Sysmon's event with the evaluator on the
// rule as lower.Source rewrites it for p and the target's event: fields
// the split leaves alone get the same candidate values in both, gen
// writes the split field in each form. It returns the rules compared
// (the refused ones are not).
func checkSplitAgreement(t *testing.T, rules []*rule.Rule, p *mapping.Profile, gen func(*rand.Rand, *rule.Rule, eval.MapEvent, eval.MapEvent)) (checked int) {
	rng := rand.New(rand.NewPCG(3, 5))
	hits := 0
	for _, r := range rules {
		c := testutil.Checked(t, r)
		_, split, err := lower.Source(c, p, "test")
		if err != nil {
			continue // refused: nothing to compare
		}
		want, diags := eval.Compile(r)
		require.False(t, diags.HasErrors(), "%v", diags)
		got := eval.New(split)
		_, others := ruleValues(r)
		for i := 0; i < 300; i++ {
			sysmon, fields := eval.MapEvent{}, eval.MapEvent{}
			for _, f := range slices.Sorted(maps.Keys(others)) {
				if rng.IntN(3) > 0 {
					v := others[f][rng.IntN(len(others[f]))]
					sysmon[f], fields[f] = v, v
				}
			}
			gen(rng, r, sysmon, fields)
			w := want.Match(sysmon)
			if w {
				hits++
			}
			if !assert.Equal(t, w, got.Match(fields), "%s: Sysmon event %v, target's event %v", r.File, sysmon, fields) {
				break
			}
		}
		checked++
	}
	assert.Positive(t, hits, "the events must match as well as miss")
	return checked
}

// ruleValues collects the hashes a rule's Hashes comparisons name, by
// algorithm, and candidate values of its other fields.
func ruleValues(r *rule.Rule) (map[string][]string, map[string][]string) {
	tokens, others := map[string][]string{}, map[string][]string{}
	for _, s := range r.Searches {
		for _, g := range s.Groups {
			for _, m := range g.Matchers {
				for _, v := range m.Values {
					lit, ok := v.Pattern.Literal()
					switch {
					case m.Field == "Hashes":
						if algo, hex, found := strings.Cut(lit, "="); ok && found {
							tokens[strings.ToUpper(algo)] = append(tokens[strings.ToUpper(algo)], hex)
						}
					case m.Field != "" && m.Field != "User" && m.Field != "ParentUser" && ok:
						others[m.Field] = append(others[m.Field], lit, "pre"+lit+"post", "other")
					}
				}
			}
		}
	}
	return tokens, others
}

func randomHex(rng *rand.Rand, n int) string {
	const digits = "0123456789ABCDEF"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[rng.IntN(16)]
	}
	return string(b)
}

// Through the backends: each target's query compares its own
// per-algorithm columns and fields, and an algorithm a target lacks is its
// refusal at the value.
func TestHashesThroughBackends(t *testing.T) {
	md5 := "Hashes|contains: 'MD5=09D278F9DE118EF09163C6140255C690'"
	imphash := "Hashes|contains: 'IMPHASH=4A07F944A83E8A7C2525EFA35DD30E2F'"
	tests := []struct {
		name      string
		backend   target.Backend
		opts      target.Options
		selection string
		want      []string // in the query; nil when refused
		refusal   string
	}{
		{"defender md5", kql.New(), target.Options{Profile: "defender-xdr"}, md5, []string{`MD5 =~ "09d278f9de118ef09163c6140255c690"`}, ""},
		{"defender has no import hash", kql.New(), target.Options{Profile: "defender-xdr"}, imphash, nil, "compares the IMPHASH hash, which the target does not record"},
		{"ecs md5", elastic.New(), target.Options{Profile: "ecs", Lang: "eql"}, md5, []string{"process.hash.md5"}, ""},
		{"ecs import hash", elastic.New(), target.Options{Profile: "ecs", Lang: "eql"}, imphash, []string{"process.pe.imphash"}, ""},
		{"partial hash", kql.New(), target.Options{Profile: "defender-xdr"}, "Hashes|contains: 'MD5=09D278F9'", nil, "is not a whole MD5 hash"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := tt.backend.Compile(testutil.Checked(t, loadRule(t, tt.selection, 100+i)), tt.opts)
			if tt.refusal != "" {
				var ref *target.Refusal
				require.ErrorAs(t, err, &ref)
				assert.Equal(t, `field "Hashes"`, ref.Construct)
				assert.Contains(t, ref.Reason, tt.refusal)
				assert.Equal(t, 6, ref.Pos.Line)
				return
			}
			require.NoError(t, err)
			for _, w := range tt.want {
				assert.Contains(t, q.Text, w)
			}
			assert.NotContains(t, q.Text, "Hashes")
		})
	}
}
