package sigma

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
)

// head is a valid rule prefix; tests append a detection to it.
const head = "title: t\nlogsource:\n    category: proxy\n"

func diagStrings(diags rule.Diagnostics) []string {
	out := make([]string, len(diags))
	for i, d := range diags {
		out[i] = d.String()
	}
	return out
}

func TestLoadBadInput(t *testing.T) {
	deep := strings.Repeat("(", 600) + "sel" + strings.Repeat(")", 600)
	var aliases strings.Builder
	aliases.WriteString(head + "x: &x [" + strings.Repeat("a, ", 999) + "a]\ndetection:\n    sel:\n")
	for i := 0; i < 101; i++ {
		fmt.Fprintf(&aliases, "        f%d: *x\n", i)
	}
	aliases.WriteString("    condition: sel\n")
	tests := []struct {
		name string
		data string
		want []string
	}{
		{"yaml syntax", "title: x\ndetection: [a\n", []string{
			"f.yml:2:1: error: YAML syntax error: did not find expected ',' or ']'"}},
		{"yaml indentation", "title: x\n  bad: indent\n", []string{
			"f.yml:2:1: error: YAML syntax error: mapping values are not allowed in this context"}},
		{"empty file", "", []string{"f.yml:1:1: error: empty file: a Sigma file holds at least one rule"}},
		{"comments only", "# nothing here\n", []string{"f.yml:1:1: error: empty file: a Sigma file holds at least one rule"}},
		{"empty documents", "---\n---\n", []string{"f.yml:1:1: error: empty file: a Sigma file holds at least one rule"}},
		{"binary", "\x00\x01\xfe\xff garbage", []string{"f.yml:1:1: error: YAML syntax error: control characters are not allowed"}},
		{"deep yaml", strings.Repeat("[", 20000), []string{"f.yml:1:1: error: YAML syntax error: exceeded max depth of 10000"}},
		{"not a map", "- a\n- b\n", []string{
			"f.yml:1:1: error: a Sigma rule is a map with keys such as title, logsource and detection, not a list"}},
		{"title list", "title: [a]\nlogsource: {category: proxy}\ndetection: {sel: {a: b}, condition: sel}\n", []string{
			"f.yml:1:8: error: title must be a string, not a list"}},
		{"missing title", "logsource: {category: proxy}\ndetection: {sel: {a: b}, condition: sel}\n", []string{
			"f.yml:1:1: error: missing title: every Sigma rule has one"}},
		{"detection number", head + "detection: 5\n", []string{
			"f.yml:4:12: error: detection must be a map of searches and a condition, not a number"}},
		{"missing detection", head, []string{
			"f.yml:1:1: error: missing detection: a Sigma rule needs a detection (or a correlation) section"}},
		{"missing logsource", "title: t\ndetection: {sel: {a: b}, condition: sel}\n", []string{
			"f.yml:1:1: error: missing logsource: a detection rule says which events it reads"}},
		{"logsource list", "title: t\nlogsource: [a]\ndetection: {sel: {a: b}, condition: sel}\n", []string{
			"f.yml:2:12: error: logsource must be a map (category, product, service), not a list"}},
		{"missing condition", head + "detection:\n    sel:\n        a: b\n", []string{
			"f.yml:4:1: error: missing condition: the detection must say how its searches combine"}},
		{"empty condition", head + "detection:\n    sel:\n        a: b\n    condition:\n", []string{
			"f.yml:7:15: error: empty condition"}},
		{"condition map", head + "detection:\n    sel:\n        a: b\n    condition: {a: b}\n", []string{
			"f.yml:7:16: error: condition must be a string or a list of strings, not a map"}},
		{"condition syntax", head + "detection:\n    sel:\n        a: b\n    condition: 'sel and'\n", []string{
			`f.yml:7:24: error: unexpected end of condition: expected a search name, "not", '(', "1 of" or "all of"`}},
		{"condition too deep", head + "detection:\n    sel:\n        a: b\n    condition: " + deep + "\n", []string{
			`f.yml:7:516: error: condition nests deeper than 500 levels of parentheses and "not"`}},
		{"condition near", head + "detection:\n    sel:\n        a: b\n    condition: sel | near other\n", []string{
			`f.yml:7:22: error: the "near" aggregation is not supported: write a temporal correlation rule instead`}},
		{"aggregation without timeframe", head + "detection:\n    sel:\n        a: b\n    condition: sel | count() > 5\n", []string{
			"f.yml:7:22: error: an aggregation needs a time window: add detection.timeframe (for example 5m)"}},
		{"aggregation in a condition list", head + "detection:\n    sel:\n        a: b\n    timeframe: 5m\n    condition:\n        - sel | count() > 5\n        - sel\n", []string{
			"f.yml:9:17: error: an aggregation (| ...) is supported only in a single condition, not in a list of conditions"}},
		{"bad timeframe", head + "detection:\n    sel:\n        a: b\n    timeframe: 5x\n    condition: sel | count() > 5\n", []string{
			`f.yml:7:16: error: timeframe "5x" is not a time span: write a whole number and a unit s, m, h or d (for example 5m)`}},
		{"negative timeframe", head + "detection:\n    sel:\n        a: b\n    timeframe: -5m\n    condition: sel | count() > 5\n", []string{
			`f.yml:7:16: error: timeframe "-5m" is negative: a time span is at least 1s`}},
		{"zero timeframe", head + "detection:\n    sel:\n        a: b\n    timeframe: 0s\n    condition: sel | count() > 5\n", []string{
			`f.yml:7:16: error: timeframe "0s" is zero: a time span is at least 1s`}},
		{"timeframe beyond a year", head + "detection:\n    sel:\n        a: b\n    timeframe: 99999999999d\n    condition: sel | count() > 5\n", []string{
			`f.yml:7:16: error: timeframe "99999999999d" is longer than the longest time span, 365d`}},
		{"timeframe list", head + "detection:\n    sel:\n        a: b\n    timeframe: [5m]\n    condition: sel | count() > 5\n", []string{
			`f.yml:7:16: error: timeframe must be a time span such as 5m, not a list`}},
		{"field name with ESC", head + "detection:\n    sel:\n        \"cs-\\ehost\": b\n    condition: sel\n", []string{
			`f.yml:6:9: error: field name "cs-\x1bhost" has a control character (U+001B) at byte 3: no target can name it`}},
		{"field name with U+0001", head + "detection:\n    sel:\n        \"a\\x01|contains\": b\n    condition: sel\n", []string{
			`f.yml:6:9: error: field name "a\x01" has a control character (U+0001) at byte 1: no target can name it`}},
		{"field name with a bidi override", head + "detection:\n    sel:\n        \"user\\u202Ename\": b\n    condition: sel\n", []string{
			`f.yml:6:9: error: field name "user\u202ename" has an invisible format character (U+202E) at byte 4: no target can name it`}},
		{"fieldref to a field with a tab", head + "detection:\n    sel:\n        a|fieldref: \"b\\tc\"\n    condition: sel\n", []string{
			`f.yml:6:21: error: field "a": fieldref: field name "b\tc" has a control character (U+0009) at byte 1: no target can name it`}},
		{"unknown modifier", head + "detection:\n    sel:\n        a|containz: b\n    condition: sel\n", []string{
			`f.yml:6:9: error: unknown modifier "containz" on field "a": did you mean "contains"?`}},
		{"bad regex", head + "detection:\n    sel:\n        a|re: '(x'\n    condition: sel\n", []string{
			"f.yml:6:15: error: field \"a\": regular expression does not compile: error parsing regexp: missing closing ): `(x`"}},
		{"regex lookbehind", head + "detection:\n    sel:\n        a|re: '(?<!x)y'\n    condition: sel\n", []string{
			`f.yml:6:15: error: field "a": regular expression "(?<!x)y" uses negative lookbehind, which RE2 (the regular expression syntax detc uses) does not support`}},
		{"nested list value", head + "detection:\n    sel:\n        a: [[x]]\n    condition: sel\n", []string{
			`f.yml:6:13: error: field "a": a value must be a string, number, boolean or null, not a list`}},
		{"map value", head + "detection:\n    sel:\n        a: {b: c}\n    condition: sel\n", []string{
			`f.yml:6:12: error: field "a": the value must be a string, number, boolean, null or a list of them, not a map`}},
		{"empty search", head + "detection:\n    sel:\n    condition: sel\n", []string{
			`f.yml:5:5: error: search "sel" is empty`}},
		{"empty list search", head + "detection:\n    sel: []\n    condition: sel\n", []string{
			`f.yml:5:10: error: search "sel" is an empty list`}},
		{"empty map search", head + "detection:\n    sel: {}\n    condition: sel\n", []string{
			`f.yml:5:10: error: search "sel" has an empty map: name at least one field`}},
		{"empty values", head + "detection:\n    sel:\n        a: []\n    condition: sel\n", []string{
			`f.yml:6:9: error: field "a" has no values`}},
		{"duplicate field", head + "detection:\n    sel:\n        a: b\n        a: c\n    condition: sel\n", []string{
			`f.yml:7:9: error: duplicate key "a" (first at line 6)`}},
		{"duplicate search", head + "detection:\n    sel:\n        a: b\n    sel:\n        a: c\n    condition: sel\n", []string{
			`f.yml:7:5: error: duplicate key "sel" (first at line 5)`}},
		{"merge key", head + "base: &b {a: b}\ndetection:\n    sel:\n        <<: *b\n    condition: sel\n", []string{
			"f.yml:7:9: error: YAML merge keys (<<) are not supported in Sigma rules",
			`f.yml:7:9: error: search "sel" has an empty map: name at least one field`}},
		{"tags map", "title: t\ntags: {a: b}\nlogsource: {category: proxy}\ndetection: {sel: {a: b}, condition: sel}\n", []string{
			"f.yml:2:7: error: tags must be a list of strings, not a map"}},
		{"unknown attack tactic", "title: t\ntags: [attack.exfiltraton]\nlogsource: {category: proxy}\ndetection: {sel: {a: b}, condition: sel}\n", []string{
			`f.yml:2:8: warning: tag "attack.exfiltraton" names no tactic of ATT&CK v18.1; it stays a plain tag`}},
		{"action global", head + "action: global\ndetection: {sel: {a: b}, condition: sel}\n", []string{
			"f.yml:4:1: error: action (sigmac rule collections) is not supported: write each rule as a complete document"}},
		{"alias bomb", aliases.String(), []string{
			"f.yml:4:8: error: the file expands to more than 100000 values (YAML aliases repeat lists); split it"}},
		{"second document bad", head + "detection: {sel: {a: b}, condition: sel}\n---\ntitle: [x]\n", []string{
			"f.yml:6:1: error: missing detection: a Sigma rule needs a detection (or a correlation) section",
			"f.yml:6:8: error: title must be a string, not a list"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := Load("f.yml", []byte(tt.data))
			assert.Equal(t, tt.want, diagStrings(diags))
		})
	}
}

func TestLoadTooLarge(t *testing.T) {
	data := bytes.Repeat([]byte("- aaaaaaaaaaaaaaaaa\n"), 50<<20/20) // 50 MB
	rules, diags := Load("big.yml", data)
	assert.Nil(t, rules)
	assert.Equal(t, []string{"big.yml:1:1: error: file is 52428800 bytes; a Sigma file may be at most 1048576 bytes (1 MiB)"}, diagStrings(diags))
}

// TestLoadPartial checks that one bad rule does not hide the good ones.
func TestLoadPartial(t *testing.T) {
	data := head + "detection: {sel: {a: b}, condition: sel}\n---\ntitle: [x]\n---\n" + head + "name: third\ndetection: {sel: {a: b}, condition: sel}\n"
	rules, diags := Load("f.yml", []byte(data))
	require.Len(t, rules, 2)
	assert.Equal(t, rule.Pos{File: "f.yml", Line: 1, Col: 1}, rules[0].Pos)
	assert.Equal(t, "third", rules[1].Name)
	assert.Equal(t, rule.Pos{File: "f.yml", Line: 8, Col: 1}, rules[1].Pos)
	assert.Len(t, diags, 2)
}

func TestLoadRunbookKey(t *testing.T) {
	const base = "title: t\nid: x\nlogsource: {category: dns}\ndetection:\n  sel: {query: a}\n  condition: sel\n"
	rules, diags := Load("r.yml", []byte(base+"runbook:\n  summary: Check the process first.\n  questions: ['Is the host a build agent?']\n  replace: [escalation]\n  escalation: [Escalate every hit.]\n"))
	require.False(t, diags.HasErrors(), diags.Error())
	require.Len(t, rules, 1)
	rb := rules[0].Runbook
	require.NotNil(t, rb)
	assert.Equal(t, "Check the process first.", rb.Summary)
	assert.Equal(t, []string{"Is the host a build agent?"}, rb.Questions)
	assert.Equal(t, []string{"escalation"}, rb.Replace)
	assert.Equal(t, []string{"Escalate every hit."}, rb.Escalation)

	_, diags = Load("r.yml", []byte(base+"runbook:\n  questionz: [x]\n"))
	assert.Contains(t, diags.Error(), `r.yml:8:3: error: unknown runbook section "questionz"`)
	_, diags = Load("r.yml", []byte(base+"runbook: text\n"))
	assert.Contains(t, diags.Error(), "r.yml:7:10: error: runbook must be a map of sections")
}

func TestLoadAttackTags(t *testing.T) {
	tags := []string{"attack.t1567", "attack.T1567.004", "attack.t1567", "attack.exfiltration", "attack.ta0010",
		"attack.g0059", "attack.s0001", "attack.c0001", "attack.m1057", "attack.ds0015",
		"attack.t156", "attack.t1567.04", "attack.t1567x004", "attack.d0015", "attack.s001", "car.2016-04-005"}
	data := "title: t\ntags: [" + strings.Join(tags, ", ") + "]\nlogsource: {category: proxy}\ndetection: {sel: {a: b}, condition: sel}\n"
	rules, diags := Load("f.yml", []byte(data))
	require.Len(t, rules, 1)
	assert.Equal(t, []string{"T1567", "T1567.004"}, rules[0].Attack.Techniques)
	assert.Equal(t, []string{"TA0010"}, rules[0].Attack.Tactics)
	var warned []string
	for _, d := range diags {
		warned = append(warned, strings.Split(d.Summary, `"`)[1])
	}
	assert.Equal(t, []string{"attack.t156", "attack.t1567.04", "attack.t1567x004", "attack.d0015", "attack.s001"}, warned)
}
