package sigma

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConditionPositions checks that condition nodes point into the file
// whatever the YAML style of the condition.
func TestConditionPositions(t *testing.T) {
	tests := []struct {
		name, cond, want string
	}{
		{"plain", "    condition: sel and not other\n", "and@9:16(sel@9:16, not@9:24(other@9:28))"},
		{"single quoted", "    condition: 'sel and not other'\n", "and@9:17(sel@9:17, not@9:25(other@9:29))"},
		{"double quoted", "    condition: \"sel or other\"\n", "or@9:17(sel@9:17, other@9:24)"},
		{"literal block", "    condition: |\n        sel\n          and not other\n", "and@10:9(sel@10:9, not@11:15(other@11:19))"},
		{"folded block", "    condition: >-\n\n        sel and\n        not other\n", "and@11:9(sel@11:9, not@12:9(other@12:13))"},
		{"list", "    condition:\n        - sel\n        - 'not other'\n", "or@10:9(sel@10:11, not@11:12(other@11:16))"},
		{"upper case keywords", "    condition: sel AND NOT 1 OF oth*\n", "and@9:16(sel@9:16, not@9:24(1_of(oth*)@9:28))"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := head + "detection:\n    sel:\n        a: b\n    other:\n        c: d\n" + tt.cond
			rules, diags := Load("f.yml", []byte(src))
			require.Empty(t, diags)
			require.Len(t, rules, 1)
			assert.Equal(t, tt.want, dumpExpr(rules[0].Condition))
		})
	}
}

func TestConditionErrorInBlock(t *testing.T) {
	src := head + "detection:\n    sel:\n        a: b\n    condition: |\n        sel and\n            (not sel\n"
	_, diags := Load("f.yml", []byte(src))
	assert.Equal(t, []string{"f.yml:9:13: error: unbalanced parentheses: '(' is never closed"}, diagStrings(diags))
}

func TestValueKinds(t *testing.T) {
	src := head + `detection:
    sel:
        a:
            - 5
            - '5'
            - 0o17
            - 1e3
            - .inf
            - ~
            - 'null'
            - yes
            - FALSE
            - 2026-01-02
    condition: sel
`
	rules, diags := Load("f.yml", []byte(src))
	require.Empty(t, diags)
	var got []string
	for _, v := range rules[0].Searches[0].Groups[0].Matchers[0].Values {
		got = append(got, v.Kind.String()+":"+v.Text)
	}
	assert.Equal(t, []string{"number:5", "string:5", "number:15", "number:1e3", "string:.inf", "null:", "string:null", "string:yes", "bool:false", "string:2026-01-02"}, got)
}

func TestMultiDocument(t *testing.T) {
	src := head + "name: one\ndetection: {sel: {a: b}, condition: sel}\n---\n" + head + "name: two\ndetection: {sel: {a: c}, condition: sel}\n...\n"
	rules, diags := Load("f.yml", []byte(src))
	require.Empty(t, diags)
	require.Len(t, rules, 2)
	assert.Equal(t, "one", rules[0].Name)
	assert.Equal(t, "two", rules[1].Name)
	assert.Equal(t, 7, rules[1].Pos.Line)
	assert.Equal(t, 11, rules[1].Searches[0].Pos.Line)
}

// TestNumberTextKept: an unquoted number keeps its text, so a substring
// search looks for what was written; only equality compares numbers.
func TestNumberTextKept(t *testing.T) {
	src := head + "detection:\n    sel:\n        Details|contains: 00000429\n        Code: 00000429\n    condition: sel\n"
	rules, diags := Load("f.yml", []byte(src))
	require.Empty(t, diags)
	ms := rules[0].Searches[0].Groups[0].Matchers
	assert.Equal(t, "string:00000429", ms[0].Values[0].Kind.String()+":"+ms[0].Values[0].Text)
	assert.Equal(t, "number:00000429", ms[1].Values[0].Kind.String()+":"+ms[1].Values[0].Text)
	assert.Equal(t, 429.0, ms[1].Values[0].Number)
}

func TestLoadFilesEmpty(t *testing.T) {
	rules, diags := LoadFiles(nil)
	assert.Empty(t, rules)
	assert.Empty(t, diags)
}
