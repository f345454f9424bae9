package eval

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/detc/detc/internal/rule"
)

func TestStrMatcher(t *testing.T) {
	tests := []struct {
		pattern string
		op      rule.Op
		cased   bool
		subject string
		want    bool
	}{
		{"abc", rule.OpEquals, false, "ABC", true},
		{"abc", rule.OpEquals, true, "ABC", false},
		{"", rule.OpEquals, false, "", true},
		{"", rule.OpEquals, false, "x", false},
		{"", rule.OpContains, false, "x", true},
		{"*", rule.OpEquals, false, "", true},
		{"a*", rule.OpEquals, false, "A", true},
		{"*a*b*", rule.OpEquals, false, "xxAyyBzz", true},
		{"*a*b", rule.OpEquals, false, "ab ab ax", false},
		{"a*b*c", rule.OpEquals, false, "abbbbbbbbc", true},
		{"a*b*c", rule.OpEquals, false, "abcbc", true},
		{"a*b*c", rule.OpEquals, false, "acb", false},
		{"??", rule.OpEquals, false, "日本", true},
		{"??", rule.OpEquals, false, "日", false},
		{"?", rule.OpEquals, false, "\xff", true}, // an invalid byte is one character
		{"a?c", rule.OpEquals, true, "aBc", true},
		{"a?C", rule.OpEquals, true, "aBc", false},
		{"x*", rule.OpStartsWith, false, "XyZ", true},
		{"z", rule.OpEndsWith, false, "xyZ", true},
		{"y", rule.OpEndsWith, false, "xyZ", false},
		{"Y", rule.OpContains, true, "xyz", false},
		{"é", rule.OpContains, false, "CAFÉ", true},
		{"É", rule.OpEndsWith, true, "café", false},
		{"straße", rule.OpEquals, false, "STRAẞE", true}, // ẞ (U+1E9E) folds to ß
		{"k", rule.OpEquals, false, "\u212A", true},      // Kelvin sign
		{"\u212A", rule.OpStartsWith, false, "kelvin", true},
		{"s", rule.OpEquals, false, "\u017F", true}, // long s
		{"slack", rule.OpContains, false, "hooks.\u017Flack.com", true},
		{"xyz", rule.OpContains, false, "日本XYZ", true},
		{"xyz", rule.OpEndsWith, false, "日本xy", false},
		// Invalid UTF-8 bytes are compared as bytes, not as U+FFFD.
		{"\xff", rule.OpEquals, false, "\xfe", false},
		{"\xff", rule.OpEquals, false, "\xff", true},
		{"a\xffb", rule.OpContains, false, "xxA\xffBxx", true},
		{"a\xffb", rule.OpContains, false, "xxA\xfeBxx", false},
		{"\ufffd", rule.OpEquals, false, "\xff", false},
	}
	for _, tc := range tests {
		m := newStrMatcher(rule.ParsePattern(tc.pattern), tc.op, tc.cased)
		assert.Equal(t, tc.want, m.match(&subject{text: tc.subject}), "%q %s cased=%t on %q", tc.pattern, tc.op, tc.cased, tc.subject)
	}
}

func TestStrMatcherHugeInput(t *testing.T) {
	// The glob matcher backtracks only to the last star, so a pathological
	// pattern on a long subject stays polynomial.
	long := strings.Repeat("a", 20000)
	m := newStrMatcher(rule.ParsePattern("*a*a*a*a*a*b"), rule.OpEquals, false)
	assert.False(t, m.match(&subject{text: long}))
	m = newStrMatcher(rule.ParsePattern("needle"), rule.OpContains, false)
	assert.True(t, m.match(&subject{text: long + "NEEDLE"}))
	assert.True(t, m.match(&subject{text: "日本" + long + "NEEDLE"}))
}

func TestCompareText(t *testing.T) {
	tests := []struct {
		s, other string
		op       rule.Op
		cased    bool
		want     bool
	}{
		{"Host-A", "host-a", rule.OpEquals, false, true},
		{"Host-A", "host-a", rule.OpEquals, true, false},
		{"Host-A", "host", rule.OpEquals, false, false},
		{"https://Discord.com/x", "discord.COM", rule.OpContains, false, true},
		{"https://Discord.com/x", "discord.COM", rule.OpContains, true, false},
		{"abc", "", rule.OpContains, false, true},
		{"abc", "ABC", rule.OpStartsWith, false, true},
		{"abc", "abcd", rule.OpStartsWith, false, false},
		{"xÄPFEL", "äpfel", rule.OpEndsWith, false, true},
		{"ÄPFELx", "äpfel", rule.OpEndsWith, false, false},
		{"\u212Aelvin", "kel", rule.OpStartsWith, false, true},
		{"a\xff", "A\xfe", rule.OpEquals, false, false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, compareText(tc.s, tc.other, tc.op, tc.cased), "%q %s %q cased=%t", tc.s, tc.op, tc.other, tc.cased)
	}
}

func TestFoldsWide(t *testing.T) {
	assert.False(t, foldsWide("mozilla/"), "no letter of mozilla/ folds outside ASCII")
	assert.True(t, foldsWide("discord.com"), "s folds with the long s")
	assert.True(t, foldsWide("k"), "k folds with the Kelvin sign")
}
