package kql_test

import (
	"github.com/detc/detc/internal/testutil"
	"maps"
	"math/rand/v2"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/kql"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/eval"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil/corpus"
)

// candidates gives, per field, values built from the rule's own values, so
// that generated events hit and miss every comparison: the value itself
// with wildcards filled in, case variants, with text around it, numbers
// next to it, addresses inside and outside networks.
func candidates(r *rule.Rule) map[string][]string {
	out := map[string][]string{}
	add := func(f string, vs ...string) {
		for _, v := range vs {
			if v != "" && !strings.ContainsRune(v, '\u212a') && !strings.ContainsRune(v, '\u017f') {
				out[f] = append(out[f], v)
			}
		}
	}
	for _, s := range r.Searches {
		for _, g := range s.Groups {
			for _, m := range g.Matchers {
				f := m.Field
				if f == "" {
					f = "Message"
				}
				add(f, "other", "x")
				for _, v := range m.Values {
					switch v.Kind {
					case rule.KindString:
						for _, fill := range []string{"", "q", "mid dle"} {
							lit := instantiate(v.Pattern, fill)
							add(f, lit, strings.ToUpper(lit), strings.ToLower(lit), swapFirst(lit), "a"+lit, lit+"z", "pre "+lit+" post", "/"+lit+"/")
							if len(lit) > 1 {
								add(f, lit[:len(lit)-1], lit[1:])
							}
						}
					case rule.KindNumber:
						add(f, v.Text, "1"+v.Text, "-"+v.Text)
					case rule.KindBool:
						add(f, "true", "false", "TRUE")
					case rule.KindRegex:
						add(f, regexSample(v.Text), "abc", "0")
					case rule.KindCIDR:
						p := netip.MustParsePrefix(v.Text).Masked()
						add(f, p.Addr().String(), p.Addr().Next().String(), "10.1.2.3", "192.0.2.1", "2001:db8::1", "::1")
					case rule.KindFieldRef:
						add(v.Text, "other")
					}
				}
			}
		}
	}
	for f, vs := range out {
		if f != "Message" {
			for _, v := range vs {
				out["Message"] = append(out["Message"], v)
			}
		}
		out[f] = vs
	}
	return out
}

func instantiate(p rule.Pattern, fill string) string {
	var b strings.Builder
	for _, part := range p {
		switch part.Kind {
		case rule.AnyRun:
			b.WriteString(fill)
		case rule.AnyChar:
			b.WriteString("q")
		default:
			b.WriteString(part.Text)
		}
	}
	return b.String()
}

func swapFirst(s string) string {
	for i, r := range s {
		if unicode.IsLetter(r) {
			f := unicode.SimpleFold(r)
			return s[:i] + string(f) + s[i+len(string(r)):]
		}
	}
	return s
}

// regexSample takes the literal runs of a regular expression, which often
// make text that matches it.
func regexSample(re string) string {
	var b strings.Builder
	for _, c := range re {
		if unicode.IsLetter(c) || unicode.IsDigit(c) || c == '/' || c == '.' || c == ' ' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// hasEmptyValue: an empty literal compares equal to an absent field in KQL
// (a string column holds "" for it) but not in the evaluator; such rules
// are left out (docs/backends/kql.md lists the difference).
func hasEmptyValue(r *rule.Rule) bool {
	for _, s := range r.Searches {
		for _, g := range s.Groups {
			for _, m := range g.Matchers {
				for _, v := range m.Values {
					if v.Kind == rule.KindString && !v.Pattern.HasWildcards() && instantiate(v.Pattern, "") == "" {
						return true
					}
				}
			}
		}
	}
	return false
}

// agree compiles each rule (raw profile, without aggregation), reads the
// query back with the independent reader, and compares it with the
// evaluator on generated events: each field absent or one of its
// candidates.
func agree(t *testing.T, rules []*rule.Rule, events int) (checked, skipped, hit int) {
	b := kql.New()
	rng := rand.New(rand.NewPCG(7, 11))
	for _, r := range rules {
		if r.Aggregation != nil || hasEmptyValue(r) {
			skipped++
			continue
		}
		q, err := b.Compile(testutil.Checked(t, r), target.Options{Profile: "raw"})
		if err != nil {
			skipped++
			continue
		}
		match, err := readQuery(q.Text)
		require.NoError(t, err, "%s:\n%s", r.File, q.Text)
		prog, diags := eval.Compile(r)
		require.False(t, diags.HasErrors(), "%s: %v", r.File, diags)
		cands := candidates(r)
		fields := slices.Sorted(maps.Keys(cands))
		matched := false
		for i := 0; i < events; i++ {
			ev := eval.MapEvent{}
			row := map[string]string{}
			for _, f := range fields {
				if rng.IntN(4) == 0 {
					continue // absent
				}
				v := cands[f][rng.IntN(len(cands[f]))]
				ev[f], row[f] = v, v
			}
			want := prog.Match(ev)
			matched = matched || want
			if got := match(row); got != want {
				assert.Failf(t, "the query and the evaluator disagree", "%s: event %v: evaluator %v, query %v\n%s", r.File, row, want, got, q.Text)
				break
			}
		}
		checked++
		if matched {
			hit++
		}
	}
	return checked, skipped, hit
}

// TestAgreesWithEvaluator: the test rules and the SigmaHQ corpus, read
// back from KQL, decide like the evaluator on events made from their values.
func TestAgreesWithEvaluator(t *testing.T) {
	checked, skipped, hit := agree(t, loadRules(t, filepath.Join("testdata", "rules")), 400)
	assert.GreaterOrEqual(t, checked, 5)
	t.Logf("test rules: %d checked (%d matched some event), %d skipped (aggregations, empty values)", checked, hit, skipped)
	checked, skipped, hit = agree(t, corpus.Rules(t), 300)
	t.Logf("corpus: %d rules checked (%d matched some event), %d skipped (aggregations, empty values, refusals)", checked, hit, skipped)
	assert.Greater(t, checked, 3000)
	// The events must exercise matches, not only misses.
	assert.Greater(t, hit, checked/2)
}
