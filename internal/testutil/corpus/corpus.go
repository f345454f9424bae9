// Package corpus loads the shared SigmaHQ corpus for the backends' corpus
// checks, so that each test reads it the same way.
package corpus

import (
	"regexp"
	"sort"
	"testing"

	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/sigma"
	"github.com/detc/detc/internal/testutil"
	"github.com/stretchr/testify/require"
)

// Rules loads every rule of the corpus, sorted by id. It fails the test if
// any rule does not load, and skips it where the corpus is absent (see
// testutil.SigmaCorpus).
func Rules(t testing.TB) []*rule.Rule {
	t.Helper()
	files := testutil.SigmaCorpusFiles(t)
	rules, diags := sigma.LoadFiles(files)
	require.False(t, diags.HasErrors(), "the corpus must load: %v", diags)
	sort.Slice(rules, func(i, j int) bool { return rules[i].ID < rules[j].ID })
	return rules
}

var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|%[^%]+%`)

// ReasonShape blanks the quoted values of a refusal reason, so that
// refusals can be counted by kind.
func ReasonShape(reason string) string {
	return quoted.ReplaceAllString(reason, `"…"`)
}

// Fields lists the fields a rule reads: matched fields, fields its values
// refer to, and its aggregation's group-by and counted fields, sorted.
func Fields(r *rule.Rule) []string {
	seen := map[string]bool{}
	for _, s := range r.Searches {
		for _, g := range s.Groups {
			for _, m := range g.Matchers {
				if m.Field != "" {
					seen[m.Field] = true
				}
				for _, v := range m.Values {
					if v.Kind == rule.KindFieldRef {
						seen[v.Text] = true
					}
				}
			}
		}
	}
	if a := r.Aggregation; a != nil {
		for _, g := range a.GroupBy {
			seen[g] = true
		}
		if a.Field != "" {
			seen[a.Field] = true
		}
	}
	names := make([]string, 0, len(seen))
	for k := range seen {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
