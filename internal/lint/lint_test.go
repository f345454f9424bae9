package lint

import (
	"testing"
	"time"

	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/rule"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func pos(line int) rule.Pos { return rule.Pos{File: "r.yml", Line: line, Col: 1} }

// valid is a rule that passes every check; each case breaks one thing.
func valid() *rule.Rule {
	m, diags := rule.BuildMatchers("cs-host", []string{"endswith"}, []rule.RawValue{{Kind: rule.RawString, Text: ".webhook.office.com", Pos: pos(12)}}, pos(12))
	if diags.HasErrors() {
		panic(diags.Error())
	}
	return &rule.Rule{
		ID: "6f1e2a4c-0000-4000-8000-000000000001", Title: "Webhook upload", Description: "d",
		Status: "test", Level: "high", Author: "a", Date: "2025-01-31",
		Attack:    rule.Attack{Tactics: []string{"TA0010"}, Techniques: []string{"T1567.004"}, Pos: pos(5)},
		LogSource: rule.LogSource{Category: "proxy", Pos: pos(8)},
		Searches:  []*rule.Search{{Name: "selection", Groups: []*rule.Group{{Matchers: m}}, Pos: pos(11)}},
		Condition: &rule.SearchRef{Name: "selection", Pos: pos(14)},
		File:      "r.yml", Pos: pos(1),
	}
}

func matcher(t *testing.T, field string, mods []string, values ...string) *rule.Matcher {
	t.Helper()
	var raw []rule.RawValue
	for _, v := range values {
		raw = append(raw, rule.RawValue{Kind: rule.RawString, Text: v, Pos: pos(20)})
	}
	ms, diags := rule.BuildMatchers(field, mods, raw, pos(20))
	require.False(t, diags.HasErrors(), diags.Error())
	require.Len(t, ms, 1)
	return ms[0]
}

func TestRule(t *testing.T) {
	type want struct {
		code string
		sev  rule.Severity
		line int
	}
	tests := []struct {
		name   string
		change func(t *testing.T, r *rule.Rule)
		want   []want
	}{
		{"valid", func(*testing.T, *rule.Rule) {}, nil},
		{"no id", func(_ *testing.T, r *rule.Rule) { r.ID = "" }, []want{{CodeMissing, rule.Error, 1}}},
		{"no title", func(_ *testing.T, r *rule.Rule) { r.Title = "" }, []want{{CodeMissing, rule.Error, 1}}},
		{"no level", func(_ *testing.T, r *rule.Rule) { r.Level = "" }, []want{{CodeMissing, rule.Error, 1}}},
		{"bad level", func(_ *testing.T, r *rule.Rule) { r.Level = "severe" }, []want{{CodeInvalidLevel, rule.Error, 1}}},
		{"no status", func(_ *testing.T, r *rule.Rule) { r.Status = "" }, []want{{CodeMissing, rule.Warning, 1}}},
		{"bad status", func(_ *testing.T, r *rule.Rule) { r.Status = "done" }, []want{{CodeInvalidStatus, rule.Error, 1}}},
		{"no logsource", func(_ *testing.T, r *rule.Rule) { r.LogSource = rule.LogSource{Pos: pos(8)} }, []want{{CodeMissing, rule.Error, 1}}},
		{"no condition", func(_ *testing.T, r *rule.Rule) { r.Condition = nil }, []want{{check.CodeNoCondition, rule.Error, 1}}},
		{"no description", func(_ *testing.T, r *rule.Rule) { r.Description = "" }, []want{{CodeMissing, rule.Warning, 1}}},
		{"no author", func(_ *testing.T, r *rule.Rule) { r.Author = "" }, []want{{CodeMissing, rule.Warning, 1}}},
		{"no date", func(_ *testing.T, r *rule.Rule) { r.Date = "" }, []want{{CodeMissing, rule.Warning, 1}}},
		{"slash date", func(_ *testing.T, r *rule.Rule) { r.Date = "2025/01/31" }, []want{{CodeInvalidDate, rule.Error, 1}}},
		{"impossible date", func(_ *testing.T, r *rule.Rule) { r.Modified = "2025-02-30" }, []want{{CodeInvalidDate, rule.Error, 1}}},
		{"no technique", func(_ *testing.T, r *rule.Rule) { r.Attack.Techniques = nil }, []want{{CodeNoAttack, rule.Warning, 5}}},
		{"technique of a newer release", func(_ *testing.T, r *rule.Rule) { r.Attack.Techniques = []string{"T1567.999"} }, []want{{CodeUnknownTech, rule.Warning, 5}}},
		{"malformed technique id", func(_ *testing.T, r *rule.Rule) { r.Attack.Techniques = []string{"T15670"} }, []want{{CodeUnknownTech, rule.Error, 5}}},
		{"v19 tactic of a v18.1 technique", func(_ *testing.T, r *rule.Rule) {
			r.Attack.Tactics, r.Attack.Techniques = []string{"defense-impairment"}, []string{"T1562.001"}
		}, nil},
		{"unknown tactic", func(_ *testing.T, r *rule.Rule) { r.Attack.Tactics = []string{"TA9999"} }, []want{{CodeUnknownTactic, rule.Error, 5}}},
		{"tactic by short name", func(_ *testing.T, r *rule.Rule) { r.Attack.Tactics = []string{"exfiltration"} }, nil},
		{"technique of another tactic", func(_ *testing.T, r *rule.Rule) { r.Attack.Tactics = []string{"TA0011"} }, []want{{CodeTacticMismatch, rule.Warning, 5}}},
		{"technique without tactics", func(_ *testing.T, r *rule.Rule) { r.Attack.Tactics = nil }, nil},
		{"attack without position", func(_ *testing.T, r *rule.Rule) { r.Attack = rule.Attack{} }, []want{{CodeNoAttack, rule.Warning, 1}}},
		{"unknown search", func(_ *testing.T, r *rule.Rule) {
			r.Condition = &rule.And{Terms: []rule.Expr{r.Condition, &rule.Not{X: &rule.SearchRef{Name: "filter", Pos: pos(14)}}}}
		}, []want{{check.CodeUnknownSearch, rule.Error, 14}}},
		{"unused search", func(t *testing.T, r *rule.Rule) {
			r.Searches = append(r.Searches, &rule.Search{Name: "filter", Groups: []*rule.Group{{Matchers: []*rule.Matcher{matcher(t, "cs-method", nil, "GET")}}}, Pos: pos(13)})
		}, []want{{check.CodeUnusedSearch, rule.Warning, 13}}},
		{"quantifier covers searches", func(t *testing.T, r *rule.Rule) {
			r.Searches = append(r.Searches, &rule.Search{Name: "filter_get", Groups: []*rule.Group{{Matchers: []*rule.Matcher{matcher(t, "cs-method", nil, "GET")}}}, Pos: pos(13)})
			r.Condition = &rule.And{Terms: []rule.Expr{r.Condition, &rule.Not{X: &rule.Quantified{Pattern: "filter_*", Pos: pos(14)}}}}
		}, nil},
		{"quantifier matching nothing", func(_ *testing.T, r *rule.Rule) {
			r.Condition = &rule.And{Terms: []rule.Expr{r.Condition, &rule.Not{X: &rule.Quantified{Pattern: "filter_*", Pos: pos(14)}}}}
		}, []want{{check.CodeEmptyQuantifier, rule.Error, 14}}},
		{"them ignores underscore searches", func(t *testing.T, r *rule.Rule) {
			r.Searches = append(r.Searches, &rule.Search{Name: "_helper", Groups: []*rule.Group{{Matchers: []*rule.Matcher{matcher(t, "cs-method", nil, "GET")}}}, Pos: pos(13)})
			r.Condition = &rule.Quantified{All: true, Pattern: "them", Pos: pos(14)}
		}, []want{{check.CodeUnusedSearch, rule.Warning, 13}}},
		{"aggregation parts use searches", func(t *testing.T, r *rule.Rule) {
			r.Searches = append(r.Searches, &rule.Search{Name: "second", Groups: []*rule.Group{{Matchers: []*rule.Matcher{matcher(t, "cs-method", nil, "POST")}}}, Pos: pos(13)})
			r.Aggregation = &rule.Aggregation{Func: rule.AggTemporal, Window: time.Minute, Parts: []rule.Expr{&rule.SearchRef{Name: "second", Pos: pos(15)}}}
		}, nil},
		{"regex that RE2 rejects", func(_ *testing.T, r *rule.Rule) {
			r.Searches[0].Groups[0].Matchers = append(r.Searches[0].Groups[0].Matchers, &rule.Matcher{Field: "c-uri", Op: rule.OpRegex,
				Values: []rule.Value{{Kind: rule.KindRegex, Text: `api(?=/v1)`, Pos: pos(21)}}, Pos: pos(21)})
		}, []want{{check.CodeBadRegex, rule.Error, 21}}},
		{"cidr with host bits", func(t *testing.T, r *rule.Rule) {
			r.Searches[0].Groups[0].Matchers = append(r.Searches[0].Groups[0].Matchers, matcher(t, "src_ip", []string{"cidr"}, "10.1.2.3/8"))
		}, []want{{CodeCIDRHostBits, rule.Warning, 20}}},
		{"canonical cidr", func(t *testing.T, r *rule.Rule) {
			r.Searches[0].Groups[0].Matchers = append(r.Searches[0].Groups[0].Matchers, matcher(t, "src_ip", []string{"cidr"}, "10.0.0.0/8", "fd00::/8"))
		}, nil},
		{"star on contains", func(t *testing.T, r *rule.Rule) {
			r.Searches[0].Groups[0].Matchers = append(r.Searches[0].Groups[0].Matchers, matcher(t, "c-uri", []string{"contains"}, "*/hooks/"))
		}, []want{{CodeRedundantStar, rule.Warning, 20}}},
		{"star inside contains", func(t *testing.T, r *rule.Rule) {
			r.Searches[0].Groups[0].Matchers = append(r.Searches[0].Groups[0].Matchers, matcher(t, "c-uri", []string{"contains"}, "/hooks/*/x", `\*`))
		}, nil},
		{"trailing star on startswith", func(t *testing.T, r *rule.Rule) {
			r.Searches[0].Groups[0].Matchers = append(r.Searches[0].Groups[0].Matchers, matcher(t, "c-uri", []string{"startswith"}, "/api*"))
		}, []want{{CodeRedundantStar, rule.Warning, 20}}},
		{"leading star on startswith", func(t *testing.T, r *rule.Rule) {
			r.Searches[0].Groups[0].Matchers = append(r.Searches[0].Groups[0].Matchers, matcher(t, "c-uri", []string{"startswith"}, "*/api"))
		}, nil},
		{"windash without a dash", func(t *testing.T, r *rule.Rule) {
			r.Searches[0].Groups[0].Matchers = append(r.Searches[0].Groups[0].Matchers, matcher(t, "CommandLine", []string{"windash", "contains"}, "curl"))
		}, []want{{CodeWindashNoDash, rule.Warning, 20}}},
		{"windash with a dash", func(t *testing.T, r *rule.Rule) {
			r.Searches[0].Groups[0].Matchers = append(r.Searches[0].Groups[0].Matchers, matcher(t, "CommandLine", []string{"windash", "contains"}, " -d "))
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid()
			tt.change(t, r)
			var got []want
			for _, d := range Rule(r) {
				got = append(got, want{d.Code, d.Severity, d.Pos.Line})
				assert.NotEmpty(t, d.Summary)
				assert.Equal(t, "r.yml", d.Pos.File, d.String())
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestMessages(t *testing.T) {
	r := valid()
	r.Attack.Tactics = []string{"TA0011"}
	r.Condition = &rule.Quantified{Pattern: "filter_*", Pos: pos(14)}
	var got []string
	for _, d := range Rule(r) {
		got = append(got, d.String())
	}
	assert.Equal(t, []string{
		"r.yml:5:1: warning: rule 6f1e2a4c-0000-4000-8000-000000000001: technique T1567.004 (Exfiltration Over Webhook) belongs to tactic TA0010 Exfiltration, which the rule does not name",
		`r.yml:14:1: error: "1 of filter_*" matches no search of rule 6f1e2a4c-0000-4000-8000-000000000001 (searches: selection)`,
		`r.yml:11:1: warning: search "selection" is not used by the condition of rule 6f1e2a4c-0000-4000-8000-000000000001`,
	}, got)

	bad := valid()
	bad.Searches[0].Groups[0].Matchers[0] = &rule.Matcher{Field: "c-uri", Op: rule.OpRegex, Values: []rule.Value{{Kind: rule.KindRegex, Text: `(a)\1`, Pos: pos(12)}}}
	diags := Rule(bad)
	require.Len(t, diags, 1)
	assert.Equal(t, `r.yml:12:1: error: field "c-uri": regular expression "(a)\\1" uses backreferences, which RE2 (the regular expression syntax detc uses) does not support`, diags[0].String())
}

func TestCheckDuplicates(t *testing.T) {
	a, b, c := valid(), valid(), valid()
	b.File, b.Pos = "s.yml", rule.Pos{File: "s.yml", Line: 3, Col: 1}
	c.ID, c.Title, c.Pos = "other", "Something else", rule.Pos{File: "t.yml", Line: 1, Col: 1}
	diags := Check(&load.Set{Rules: []*rule.Rule{a, b, c}})
	var got []string
	for _, d := range diags {
		if d.Code == CodeDuplicateID || d.Code == CodeDuplicateTitle {
			got = append(got, d.String())
		}
	}
	assert.Equal(t, []string{
		`r.yml:1:1: error: rule id "6f1e2a4c-0000-4000-8000-000000000001" is also used at s.yml:3:1`,
		`r.yml:1:1: warning: title "Webhook upload" is also used at s.yml:3:1`,
		`s.yml:3:1: error: rule id "6f1e2a4c-0000-4000-8000-000000000001" is also used at r.yml:1:1`,
		`s.yml:3:1: warning: title "Webhook upload" is also used at r.yml:1:1`,
	}, got)
}
