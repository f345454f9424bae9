package check

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
)

var pos = rule.Pos{File: "r.yml", Line: 7, Col: 3}

// matchers builds "field|mods: values" as the front ends do.
func matchers(t *testing.T, field string, mods []string, vals ...string) []*rule.Matcher {
	t.Helper()
	raws := make([]rule.RawValue, len(vals))
	for i, v := range vals {
		raws[i] = rule.RawValue{Kind: rule.RawString, Text: v, Pos: pos}
	}
	ms, diags := rule.BuildMatchers(field, mods, raws, pos)
	require.False(t, diags.HasErrors(), diags.Error())
	return ms
}

func search(name string, ms ...*rule.Matcher) *rule.Search {
	return &rule.Search{Name: name, Groups: []*rule.Group{{Matchers: ms}}}
}

func ref(name string) *rule.SearchRef { return &rule.SearchRef{Name: name, Pos: pos} }

func TestRunReportsRuleErrors(t *testing.T) {
	tests := []struct {
		name string
		rule func(t *testing.T) *rule.Rule
		want []string
	}{
		{
			name: "unknown search",
			rule: func(t *testing.T) *rule.Rule {
				return &rule.Rule{ID: "r1", Condition: &rule.And{Terms: []rule.Expr{ref("sel"), &rule.Not{X: ref("filtr")}}},
					Searches: []*rule.Search{search("sel", matchers(t, "a", nil, "1")...), search("filter", matchers(t, "b", nil, "1")...)}}
			},
			want: []string{
				`r.yml:7:3: error: condition names search "filtr", which rule r1 does not define (searches: sel, filter): did you mean "filter"?`,
				`-: warning: search "filter" is not used by the condition of rule r1`,
			},
		},
		{
			name: "quantifier that covers nothing",
			rule: func(t *testing.T) *rule.Rule {
				return &rule.Rule{ID: "r1", Condition: &rule.Or{Terms: []rule.Expr{ref("sel"), &rule.Quantified{Pattern: "filter_*", Pos: pos}}},
					Searches: []*rule.Search{search("sel", matchers(t, "a", nil, "1")...)}}
			},
			want: []string{`r.yml:7:3: error: "1 of filter_*" matches no search of rule r1 (searches: sel)`},
		},
		{
			name: "unresolved placeholder",
			rule: func(t *testing.T) *rule.Rule {
				return &rule.Rule{ID: "r1", Condition: ref("sel"), Searches: []*rule.Search{search("sel", matchers(t, "User", []string{"expand"}, "%admins%")...)}}
			},
			want: []string{`r.yml:7:3: error: field "User": unresolved placeholder %admins%: define the list it names`},
		},
		{
			name: "no condition",
			rule: func(t *testing.T) *rule.Rule {
				return &rule.Rule{ID: "r1", Pos: pos, Searches: []*rule.Search{search("sel", matchers(t, "a", nil, "1")...)}}
			},
			want: []string{`r.yml:7:3: error: rule r1 has no condition`},
		},
		{
			name: "unresolved correlation",
			rule: func(t *testing.T) *rule.Rule {
				return &rule.Rule{ID: "corr", Pos: pos, Correlation: &rule.Correlation{Rules: []rule.RuleRef{{Name: "base"}}}}
			},
			want: []string{`r.yml:7:3: error: correlation rule corr is not resolved: the rules it names were not loaded with it`},
		},
		{
			name: "bad aggregation",
			rule: func(t *testing.T) *rule.Rule {
				return &rule.Rule{ID: "r1", Condition: ref("sel"), Searches: []*rule.Search{search("sel", matchers(t, "a", nil, "1")...)},
					Aggregation: &rule.Aggregation{Func: rule.AggSum, Pos: pos}}
			},
			want: []string{
				`r.yml:7:3: error: aggregation window must be positive, not 0s`,
				`r.yml:7:3: error: aggregation sum needs a field`,
			},
		},
		{
			name: "duplicate search",
			rule: func(t *testing.T) *rule.Rule {
				dup := search("sel", matchers(t, "b", nil, "1")...)
				dup.Pos = pos
				return &rule.Rule{ID: "r1", Condition: ref("sel"), Searches: []*rule.Search{search("sel", matchers(t, "a", nil, "1")...), dup}}
			},
			want: []string{`r.yml:7:3: error: search "sel" is defined twice`},
		},
		{
			name: "empty group",
			rule: func(t *testing.T) *rule.Rule {
				s := search("sel", matchers(t, "a", nil, "1")...)
				s.Groups = append(s.Groups, &rule.Group{Pos: pos})
				return &rule.Rule{ID: "r1", Condition: ref("sel"), Searches: []*rule.Search{s}}
			},
			want: []string{`r.yml:7:3: error: search "sel" has an empty group: it would match every event`},
		},
		{
			name: "empty search",
			rule: func(t *testing.T) *rule.Rule {
				return &rule.Rule{ID: "r1", Condition: ref("sel"), Searches: []*rule.Search{{Name: "sel", Pos: pos}}}
			},
			want: []string{`r.yml:7:3: error: search "sel" has no field or keyword to match`},
		},
		{
			name: "a regex value under equals, built by hand",
			rule: func(t *testing.T) *rule.Rule {
				s := search("sel", matchers(t, "a", nil, "1")...)
				s.Groups[0].Matchers[0].Values = []rule.Value{{Kind: rule.KindRegex, Text: "x", Pos: pos}}
				return &rule.Rule{ID: "r1", Condition: ref("sel"), Searches: []*rule.Search{s}}
			},
			want: []string{`r.yml:7:3: error: field "a": a regex value cannot be used with equals`},
		},
		{
			name: "a regex RE2 cannot compile",
			rule: func(t *testing.T) *rule.Rule {
				s := search("sel", matchers(t, "a", []string{"re"}, "ab")...)
				s.Groups[0].Matchers[0].Values[0].Text = "a(?=b)" // the front ends check this too
				return &rule.Rule{ID: "r1", Condition: ref("sel"), Searches: []*rule.Search{s}}
			},
			want: []string{`r.yml:7:3: error: field "a": regular expression "a(?=b)" uses lookahead, which RE2 (the regular expression syntax detc uses) does not support`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, diags := Run(tc.rule(t))
			assert.Nil(t, c)
			var got []string
			for _, d := range diags {
				got = append(got, d.String())
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

// A checked rule has its quantifiers expanded and its references bound;
// an unused search is a warning beside it.
func TestRunExpandsAndBinds(t *testing.T) {
	r := &rule.Rule{ID: "r1",
		Condition: &rule.And{Terms: []rule.Expr{ref("sel"), &rule.Not{X: &rule.Quantified{Pattern: "filter_*", Pos: pos}}}},
		Searches: []*rule.Search{
			search("sel", matchers(t, "a", nil, "1")...),
			search("filter_a", matchers(t, "b", nil, "1")...),
			search("filter_b", matchers(t, "c", nil, "1")...),
			search("spare", matchers(t, "d", nil, "1")...),
		},
		Aggregation: &rule.Aggregation{Func: rule.AggTemporal, Window: time.Minute, Parts: []rule.Expr{&rule.Quantified{All: true, Pattern: "filter_*"}}},
	}
	c, diags := Run(r)
	require.NotNil(t, c)
	require.Len(t, diags, 1)
	assert.Equal(t, `search "spare" is not used by the condition of rule r1`, diags[0].Summary)
	assert.Equal(t, "sel and not (filter_a or filter_b)", c.Condition.String())
	assert.Equal(t, "1 of filter_*", r.Condition.(*rule.And).Terms[1].(*rule.Not).X.String(), "the rule itself is left as written")
	require.Len(t, c.Parts, 1)
	assert.Equal(t, "filter_a and filter_b", c.Parts[0].String())
	rule.Walk(c.Condition, func(e rule.Expr) {
		if ref, ok := e.(*rule.SearchRef); ok {
			assert.Same(t, r.Search(ref.Name), c.Search(ref))
		}
	})
}

// An unknown search is reported as a range over its name, for underlines
// and SARIF's endColumn.
func TestUnknownSearchRange(t *testing.T) {
	r := &rule.Rule{ID: "r1", Condition: ref("filtr"), Searches: []*rule.Search{search("sel", matchers(t, "a", nil, "1")...)}}
	_, diags := Run(r)
	require.NotEmpty(t, diags)
	assert.Equal(t, rule.Pos{File: "r.yml", Line: 7, Col: 8}, diags[0].End)
}
