package elastic

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/elastic/checker"
	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/eval"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/sigma"
	"github.com/detc/detc/internal/testutil"
	"github.com/detc/detc/internal/testutil/corpus"
)

// splitRules compare the fields the ecs profile splits: Sysmon's Hashes
// into process.hash.* / file.hash.* and *.pe.imphash, DOMAIN\name into
// user.domain and user.name.
var splitRules = []string{
	"category: process_creation\ndetection:\n  sel:\n    Hashes|contains:\n      - 'MD5=09D278F9DE118EF09163C6140255C690'\n      - 'IMPHASH=4A07F944A83E8A7C2525EFA35DD30E2F'\n    CommandLine|contains: ' -x '\n  condition: sel",
	"category: process_creation\ndetection:\n  sel:\n    User|contains:\n      - 'AUTHORI'\n      - 'AUTORI'\n  filter:\n    User|endswith: '\\SYSTEM'\n  condition: sel and not filter",
	"category: process_creation\ndetection:\n  sel:\n    User: 'NT AUTHORITY\\SYSTEM'\n    Image|endswith: '\\cmd.exe'\n  condition: sel",
	"category: image_load\ndetection:\n  sel:\n    Hashes|contains|all:\n      - 'SHA1=0A1B2C3D4E5F60718293A4B5C6D7E8F901234567'\n      - 'SHA256=6C0D4B1C1F6F1C8A0C2A5D6E1B0A9F8E7D6C5B4A392817160504F3E2D1C0B0A9'\n  condition: sel",
	"category: driver_load\ndetection:\n  sel:\n    Hashes|contains: 'SHA256=6C0D4B1C1F6F1C8A0C2A5D6E1B0A9F8E7D6C5B4A392817160504F3E2D1C0B0A9'\n  condition: sel",
}

// TestSplitsOnLucene: each rule's Lucene query for ecs, over events indexed
// as the Windows integration writes them (hashes one field per algorithm
// in lower case, all-zero ones left out; the account's domain and name
// apart), matches exactly the events the evaluator matches on Sysmon's
// form (Hashes as SHA1=...,MD5=... in any order and subset, User as
// DOMAIN\name): the test rules and SigmaHQ's rules on these fields that
// compile.
func TestSplitsOnLucene(t *testing.T) {
	var rules []*rule.Rule
	for i, body := range splitRules {
		src := fmt.Sprintf("title: t\nid: 6f1c2d3e-0000-4000-8000-%012d\nlogsource:\n  product: windows\n  %s\n", 950+i, body)
		loaded, diags := sigma.LoadFiles(map[string][]byte{"t.yml": []byte(src)})
		require.False(t, diags.HasErrors(), "%v", diags)
		rules = append(rules, loaded...)
	}
	for _, r := range corpus.Rules(t) {
		fields := corpus.Fields(r)
		if strings.EqualFold(r.LogSource.Product, "windows") && (slices.Contains(fields, "Hashes") || slices.Contains(fields, "User")) {
			rules = append(rules, r)
		}
	}
	p, err := Profile(target.Options{Profile: "ecs"})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(21, 23))
	var proofs []proof
	for _, r := range rules {
		if pr, ok := splitPlan(t, rng, p, r); ok {
			proofs = append(proofs, pr)
		}
	}
	require.GreaterOrEqual(t, len(proofs), len(splitRules)+10, "the test rules and SigmaHQ's")
	segs := make([]checker.Segment, len(proofs))
	for i, pr := range proofs {
		segs[i] = pr.segment
	}
	results, err := luceneChecker(t).Run(segs)
	require.NoError(t, err)
	require.Len(t, results, len(proofs))
	hits := 0
	for i, pr := range proofs {
		require.Empty(t, results[i].Err, "query: %s", pr.query)
		assert.Equal(t, pr.want, results[i].Matches, "%s: %s", pr.rule.File, pr.query)
		hits += len(pr.want)
	}
	t.Logf("%d rules, %d of their events match", len(proofs), hits)
	assert.Positive(t, hits, "the events must match as well as miss")
}

// splitPlan compiles r's Lucene query and makes its events: false when the
// rule is refused or compares other fields with more than plain strings
// on keyword fields.
func splitPlan(t *testing.T, rng *rand.Rand, p *mapping.Profile, r *rule.Rule) (proof, bool) {
	c, err := compile(testutil.Checked(t, r), target.Options{Profile: "ecs", Lang: Lucene})
	if err != nil {
		return proof{}, false
	}
	src := c.query.Source
	others := map[string][]string{}
	for _, s := range r.Searches {
		for _, g := range s.Groups {
			for _, m := range g.Matchers {
				if m.Field == "Hashes" || m.Field == "User" {
					continue
				}
				f, err := p.Field(src, m.Field)
				if m.Field == "" || err != nil || len(f.Names) != 1 || (f.Type != tKeyword && f.Type != "wildcard") || m.Op > rule.OpEndsWith {
					return proof{}, false
				}
				for _, v := range m.Values {
					lit, ok := v.Pattern.Literal()
					if v.Kind != rule.KindString || !ok {
						return proof{}, false
					}
					others[m.Field] = append(others[m.Field], lit, "a"+lit+"z", strings.ToUpper(lit), "other")
				}
			}
		}
	}
	prog, diags := eval.Compile(r)
	require.False(t, diags.HasErrors(), "%v", diags)
	cc := &compiler{r: c.query.Rule, profile: p, source: src, types: map[string]string{}}
	filter := cc.sourceFilter(true)
	fields := maps.Clone(c.types)
	for _, kv := range filter {
		fields[kv[0]] = tKeyword
	}
	pr := proof{rule: r, profile: "ecs", query: c.query.Text}
	hashes, _ := p.Field(src, "Hashes")
	account, _ := p.Field(src, "User")
	for i := 0; i < 60; i++ {
		id := fmt.Sprintf("e%02d", i)
		ev := eval.MapEvent{}
		doc := checker.Event{ID: id}
		add := func(sigmaField, value string) {
			f, err := p.Field(src, sigmaField)
			require.NoError(t, err)
			fields[f.Names[0]] = f.Type
			doc.Fields = append(doc.Fields, [2]string{f.Names[0], value})
		}
		for _, f := range slices.Sorted(maps.Keys(others)) {
			if rng.IntN(4) > 0 {
				v := others[f][rng.IntN(len(others[f]))]
				ev[f] = v
				add(f, v)
			}
		}
		if hashes.Hashes != nil && rng.IntN(8) > 0 {
			var parts []string
			for _, k := range rng.Perm(4) {
				algo := []string{"MD5", "SHA1", "SHA256", "IMPHASH"}[k]
				if rng.IntN(4) == 0 {
					continue
				}
				hex := randomHex(rng, mapping.HashLengths[algo])
				if vs := ruleHashes(r, algo); len(vs) > 0 && rng.IntN(2) == 0 {
					hex = strings.ToUpper(vs[rng.IntN(len(vs))])
				}
				parts = append(parts, algo+"="+hex)
				add(hashes.Hashes[algo], strings.ToLower(hex))
			}
			ev["Hashes"] = strings.Join(parts, ",")
		}
		if account.Account != nil && rng.IntN(6) > 0 {
			pieces := accountPieces(r)
			domain, name := pieces[rng.IntN(len(pieces))], pieces[rng.IntN(len(pieces))]
			ev["User"] = domain + `\` + name
			add(account.Account.Domain, domain)
			add(account.Account.Name, name)
		}
		for _, kv := range filter {
			v, _, _ := strings.Cut(kv[1], "|")
			doc.Fields = append(doc.Fields, [2]string{kv[0], v})
		}
		if prog.Match(ev) {
			pr.want = append(pr.want, id)
		}
		pr.segment.Events = append(pr.segment.Events, doc)
	}
	sort.Strings(pr.want)
	pr.segment.Fields = fields
	pr.segment.Queries = []checker.Query{{ID: r.ID + "/ecs", Text: c.query.Text}}
	return pr, true
}

func ruleHashes(r *rule.Rule, algo string) []string {
	var out []string
	for _, v := range ruleLiterals(r, "Hashes") {
		if a, hex, ok := strings.Cut(v, "="); ok && strings.EqualFold(a, algo) {
			out = append(out, hex)
		}
	}
	return out
}

// accountPieces are domains and names made of the rule's own values and
// common accounts, in several cases.
func accountPieces(r *rule.Rule) []string {
	pieces := []string{"NT AUTHORITY", "AUTORITE NT", "SYSTEM", "corp", "alice"}
	for _, v := range ruleLiterals(r, "User") {
		for _, part := range strings.Split(v, `\`) {
			if part != "" {
				pieces = append(pieces, part, strings.ToLower(part), "x"+part, part+"x")
			}
		}
	}
	return pieces
}

func ruleLiterals(r *rule.Rule, field string) []string {
	var out []string
	for _, s := range r.Searches {
		for _, g := range s.Groups {
			for _, m := range g.Matchers {
				for _, v := range m.Values {
					if lit, ok := v.Pattern.Literal(); ok && m.Field == field {
						out = append(out, lit)
					}
				}
			}
		}
	}
	return out
}

func randomHex(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = "0123456789ABCDEF"[rng.IntN(16)]
	}
	return string(b)
}
