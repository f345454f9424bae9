package eval

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
)

func TestCompileDiagnostics(t *testing.T) {
	pos := rule.Pos{File: "r.yml", Line: 7, Col: 3}
	placeholder, diags := rule.BuildMatchers("User", []string{"expand"}, []rule.RawValue{{Kind: rule.RawString, Text: "%admins%", Pos: pos}}, pos)
	require.False(t, diags.HasErrors())
	tests := []struct {
		name string
		rule func(t *testing.T) *rule.Rule
		want []string
	}{
		{
			name: "unknown search",
			rule: func(t *testing.T) *rule.Rule {
				return mkRule(t, and(ref("sel"), &rule.Not{X: &rule.SearchRef{Name: "filtr", Pos: pos}}),
					search1("sel", f("a", "1")), search1("filter", f("b", "1")))
			},
			want: []string{`r.yml:7:3: error: condition refers to search "filtr", which the rule does not define`},
		},
		{
			name: "quantifier that covers nothing",
			rule: func(t *testing.T) *rule.Rule {
				return mkRule(t, &rule.Quantified{Pattern: "filter_*", Pos: pos}, search1("sel", f("a", "1")))
			},
			want: []string{`r.yml:7:3: error: no search matches "filter_*" in the condition`},
		},
		{
			name: "unresolved placeholder",
			rule: func(t *testing.T) *rule.Rule {
				r := mkRule(t, nil, search1("sel", f("a", "1")))
				r.Searches[0].Groups[0].Matchers = append(r.Searches[0].Groups[0].Matchers, placeholder...)
				return r
			},
			want: []string{`r.yml:7:3: error: field "User": unresolved placeholder %admins%: the evaluator needs its values`},
		},
		{
			name: "no condition",
			rule: func(t *testing.T) *rule.Rule {
				r := mkRule(t, nil, search1("sel", f("a", "1")))
				r.Condition, r.Pos = nil, pos
				return r
			},
			want: []string{`r.yml:7:3: error: rule "test-rule" has no condition`},
		},
		{
			name: "unresolved correlation",
			rule: func(t *testing.T) *rule.Rule {
				return &rule.Rule{ID: "corr", Pos: pos, Correlation: &rule.Correlation{Rules: []rule.RuleRef{{Name: "base"}}}}
			},
			want: []string{`r.yml:7:3: error: correlation rule "corr" is not resolved: the rules it names were not loaded with it`},
		},
		{
			name: "bad aggregation",
			rule: func(t *testing.T) *rule.Rule {
				r := mkRule(t, nil, search1("sel", f("a", "1")))
				r.Aggregation = &rule.Aggregation{Func: rule.AggSum, Pos: pos}
				return r
			},
			want: []string{
				`r.yml:7:3: error: aggregation window must be positive, not 0s`,
				`r.yml:7:3: error: aggregation sum needs a field`,
			},
		},
		{
			name: "duplicate search",
			rule: func(t *testing.T) *rule.Rule {
				r := mkRule(t, nil, search1("sel", f("a", "1")), search1("sel", f("b", "1")))
				r.Searches[1].Pos = pos
				return r
			},
			want: []string{`r.yml:7:3: error: search "sel" is defined twice`},
		},
		{
			name: "a regex value under equals, built by hand",
			rule: func(t *testing.T) *rule.Rule {
				r := mkRule(t, nil, search1("sel", f("a", "1")))
				r.Searches[0].Groups[0].Matchers[0].Values = []rule.Value{{Kind: rule.KindRegex, Text: "x", Pos: pos}}
				return r
			},
			want: []string{`r.yml:7:3: error: field "a": a regex value cannot be used with equals`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, diags := Compile(tc.rule(t))
			assert.Nil(t, p)
			var got []string
			for _, d := range diags {
				got = append(got, d.String())
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestFieldsAndKeywords(t *testing.T) {
	r := mkRule(t, nil,
		search1("sel", f("cs-host|endswith", "discord.com"), f("dst|fieldref", "src")),
		search1("kw", f("", "evil")),
	)
	r.Aggregation = &rule.Aggregation{Func: rule.AggSum, Field: "cs-bytes", GroupBy: []string{"c-ip", "cs-host"}, Window: time.Minute}
	p := compile(t, r)
	assert.Equal(t, []string{"c-ip", "cs-bytes", "cs-host", "dst", "src"}, p.Fields())
	assert.True(t, p.NeedsKeywords())
	assert.Same(t, r, p.Rule())

	p = compile(t, mkRule(t, nil, search1("sel", f("a", "1"))))
	assert.Equal(t, []string{"a"}, p.Fields())
	assert.False(t, p.NeedsKeywords())
}
