package sigma

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
)

const baseRule = "title: failed\nname: failed\nid: 11111111-0000-0000-0000-000000000000\nlogsource: {product: windows, service: security}\ndetection: {sel: {EventID: 4625}, condition: sel}\n"

func TestResolveAcrossFiles(t *testing.T) {
	corr := "title: many\ncorrelation:\n    type: value_sum\n    rules: [failed]\n    group-by: [host]\n    timespan: 90s\n    condition: {field: bytes, gte: 1.5}\n"
	rules, diags := LoadFiles(map[string][]byte{"b.yml": []byte(baseRule), "a.yml": []byte(corr)})
	require.Empty(t, diags)
	require.Len(t, rules, 1, "the base rule is absorbed (generate is false)")
	r := rules[0]
	assert.Equal(t, "a.yml", r.File)
	assert.Equal(t, &rule.Aggregation{Func: rule.AggSum, Field: "bytes", GroupBy: []string{"host"}, Window: 90 * time.Second,
		Op: rule.CmpGte, Threshold: 1.5, Pos: rule.Pos{File: "a.yml", Line: 2, Col: 1}}, r.Aggregation)
	assert.Equal(t, "sel@5:46", dumpExpr(r.Condition))
	assert.Equal(t, "b.yml", r.Searches[0].Pos.File)
	assert.Equal(t, "windows", r.LogSource.Product)
}

func TestResolveKeepsOrder(t *testing.T) {
	other := "title: other\nlogsource: {product: linux}\ndetection: {sel: {a: b}, condition: sel}\n"
	corr := "title: many\ncorrelation: {type: event_count, rules: [failed], timespan: 1m, condition: {gt: 3}, generate: true}\n"
	rules, diags := LoadFiles(map[string][]byte{"c.yml": []byte(other), "a.yml": []byte(baseRule), "b.yml": []byte(corr)})
	require.Empty(t, diags)
	var titles []string
	for _, r := range rules {
		titles = append(titles, r.Title)
	}
	assert.Equal(t, []string{"failed", "many", "other"}, titles)
}

func TestCorrelationErrors(t *testing.T) {
	win := "logsource: {product: windows}\n"
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"unknown rule", map[string]string{"c.yml": "title: c\ncorrelation: {type: event_count, rules: [nope], timespan: 5m, condition: {gt: 1}}\n"}, []string{
			`c.yml:2:42: error: correlation refers to rule "nope", but no loaded rule has that name or id`}},
		{"temporal_ordered", map[string]string{"c.yml": "title: c\ncorrelation: {type: temporal_ordered, rules: [a, b], timespan: 5m}\n"}, []string{
			"c.yml:2:21: error: correlation type temporal_ordered is not supported: the rule model has no event order; use temporal if order does not matter"}},
		{"value_percentile", map[string]string{"c.yml": "title: c\ncorrelation: {type: value_percentile, rules: [a], timespan: 5m, condition: {field: x, gt: 90}}\n"}, []string{
			"c.yml:2:21: error: correlation type value_percentile is not supported: no target detc compiles to has a streaming percentile"}},
		{"unknown type", map[string]string{"c.yml": "title: c\ncorrelation: {type: magic, rules: [a], timespan: 5m, condition: {gt: 1}}\n"}, []string{
			`c.yml:2:21: error: unknown correlation type "magic": expected event_count, value_count, value_sum, value_avg or temporal`}},
		{"missing keys", map[string]string{"c.yml": "title: c\ncorrelation: {type: event_count}\n"}, []string{
			"c.yml:2:1: error: correlation has no condition",
			"c.yml:2:1: error: correlation has no rules",
			"c.yml:2:1: error: correlation has no timespan"}},
		{"aliases", map[string]string{"c.yml": "title: c\ncorrelation: {type: temporal, rules: [a, b], timespan: 5m, aliases: {ip: {a: x, b: y}}}\n"}, []string{
			"c.yml:2:60: error: correlation aliases are not supported: the rule model groups every rule by the same field names"}},
		{"range", map[string]string{"c.yml": "title: c\ncorrelation: {type: event_count, rules: [a], timespan: 5m, condition: {gt: 1, lte: 5}}\n"}, []string{
			"c.yml:2:79: error: a range of two comparisons is not supported: the rule model has one threshold (chain two correlations instead)"}},
		{"temporal some", map[string]string{"c.yml": "title: c\ncorrelation: {type: temporal, rules: [a, b, c], timespan: 5m, condition: {gte: 2}}\n"}, []string{
			`c.yml:2:63: error: a temporal correlation must match all its rules (gte: 3): the rule model has no "some of the rules"`}},
		{"temporal one rule", map[string]string{"c.yml": "title: c\ncorrelation: {type: temporal, rules: [a], timespan: 5m}\n"}, []string{
			"c.yml:2:31: error: a temporal correlation needs at least two rules"}},
		{"value_count without field", map[string]string{"c.yml": "title: c\ncorrelation: {type: value_count, rules: [a], timespan: 5m, condition: {gt: 1}}\n"}, []string{
			"c.yml:2:60: error: correlation type value_count needs condition.field"}},
		{"bad timespan", map[string]string{"c.yml": "title: c\ncorrelation: {type: event_count, rules: [a], timespan: 1M, condition: {gt: 1}}\n"}, []string{
			`c.yml:2:56: error: timespan "1M" is not a time span: write a whole number and a unit s, m, h or d (for example 5m)`}},
		{"negative timespan", map[string]string{"c.yml": "title: c\ncorrelation: {type: event_count, rules: [a], timespan: -5m, condition: {gt: 1}}\n"}, []string{
			`c.yml:2:56: error: timespan "-5m" is negative: a time span is at least 1s`}},
		{"zero timespan", map[string]string{"c.yml": "title: c\ncorrelation: {type: event_count, rules: [a], timespan: 0s, condition: {gt: 1}}\n"}, []string{
			`c.yml:2:56: error: timespan "0s" is zero: a time span is at least 1s`}},
		{"timespan overflows", map[string]string{"c.yml": "title: c\ncorrelation: {type: event_count, rules: [a], timespan: 99999999999d, condition: {gt: 1}}\n"}, []string{
			`c.yml:2:56: error: timespan "99999999999d" is longer than the longest time span, 365d`}},
		{"group-by with a control character", map[string]string{"c.yml": "title: c\ncorrelation: {type: event_count, rules: [a], group-by: [ok, \"src\\x1b\"], timespan: 5m, condition: {gt: 1}}\n"}, []string{
			`c.yml:2:61: error: field name "src\x1b" has a control character (U+001B) at byte 3: no target can name it`}},
		{"condition field with a TAB", map[string]string{"c.yml": "title: c\ncorrelation: {type: value_count, rules: [a], timespan: 5m, condition: {field: \"a\\tb\", gt: 1}}\n"}, []string{
			`c.yml:2:79: error: field name "a\tb" has a control character (U+0009) at byte 1: no target can name it`}},
		{"chained", map[string]string{
			"a.yml": "title: a\nname: a\n" + win + "detection: {sel: {x: y}, condition: sel}\n",
			"b.yml": "title: b\nname: b\ncorrelation: {type: event_count, rules: [a], timespan: 5m, condition: {gt: 1}}\n",
			"c.yml": "title: c\ncorrelation: {type: event_count, rules: [b], timespan: 5m, condition: {gt: 1}}\n"}, []string{
			`c.yml:2:42: error: rule "b" is itself a correlation: chained correlations are not supported`}},
		{"aggregating base", map[string]string{
			"a.yml": "title: a\nname: a\n" + win + "detection: {sel: {x: y}, timeframe: 1m, condition: sel | count() > 1}\n",
			"c.yml": "title: c\ncorrelation: {type: event_count, rules: [a], timespan: 5m, condition: {gt: 1}}\n"}, []string{
			`c.yml:2:42: error: rule "a" has an aggregation in its condition: a correlation can only use plain rules`}},
		{"ambiguous", map[string]string{
			"a.yml": "title: a\nname: a\n" + win + "detection: {sel: {x: y}, condition: sel}\n",
			"b.yml": "title: a2\nname: a\n" + win + "detection: {sel: {x: y}, condition: sel}\n",
			"c.yml": "title: c\ncorrelation: {type: event_count, rules: [a], timespan: 5m, condition: {gt: 1}}\n"}, []string{
			`c.yml:2:42: error: correlation refers to rule "a", which names 2 rules (a.yml:1:1 and b.yml:1:1)`}},
		{"different log sources", map[string]string{
			"a.yml": "title: a\nname: a\n" + win + "detection: {sel: {x: y}, condition: sel}\n",
			"b.yml": "title: b\nname: b\nlogsource: {product: linux}\ndetection: {sel: {x: y}, condition: sel}\n",
			"c.yml": "title: c\ncorrelation: {type: temporal, rules: [a, b], timespan: 5m}\n"}, []string{
			`c.yml:2:1: error: correlated rules "a" and "b" read different log sources: the rule model has one log source per rule`}},
		{"listed twice", map[string]string{"c.yml": "title: c\ncorrelation: {type: temporal, rules: [a, a, b], timespan: 5m}\n"}, []string{
			`c.yml:2:42: error: rule "a" is listed twice`}},
		{"both sections", map[string]string{"c.yml": "title: c\n" + win + "detection: {sel: {x: y}, condition: sel}\ncorrelation: {type: event_count, rules: [a], timespan: 5m, condition: {gt: 1}}\n"}, []string{
			"c.yml:4:1: error: a rule has a detection or a correlation, not both"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string][]byte{}
			for name, src := range tt.files {
				files[name] = []byte(src)
			}
			rules, diags := LoadFiles(files)
			assert.Equal(t, tt.want, diagStrings(diags))
			for _, r := range rules {
				assert.NotNil(t, r.Condition, "a rule that reaches the caller has a condition")
			}
		})
	}
}

func TestGenerateTopLevel(t *testing.T) {
	corr := "title: many\ngenerate: true\ncorrelation: {type: event_count, rules: [failed], timespan: 1m, condition: {gt: 3}}\n"
	rules, diags := LoadFiles(map[string][]byte{"a.yml": []byte(baseRule), "b.yml": []byte(corr)})
	require.Empty(t, diags)
	require.Len(t, rules, 2, "generate keeps the base rule")
	assert.True(t, rules[1].Correlation.Generate)
}
