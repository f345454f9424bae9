package lucenere

import (
	"testing"

	"github.com/detc/detc/internal/rule"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegex(t *testing.T) {
	tests := []struct {
		name, re string
		flags    rule.RegexFlags
		want     string
		wantErr  string
	}{
		{"unanchored search is framed", `abc`, rule.RegexFlags{}, `.*abc.*`, ""},
		{"anchors drop the frame", `^abc$`, rule.RegexFlags{}, `abc`, ""},
		{"anchor in one branch", `x|^y`, rule.RegexFlags{}, `.*x.*|y.*`, ""},
		{"anchor in a leading group", `(^|\\)cmd\.exe$`, rule.RegexFlags{}, `cmd\.exe|.*\\cmd\.exe`, ""},
		{"perl classes", `\d\s\w`, rule.RegexFlags{}, ".*[0-9][\\\t\\\n\\\f\\\r\\ ][0-9A-Z\\_a-z].*", ""},
		{"dot is not newline", `a.b`, rule.RegexFlags{}, ".*a[^\n]b.*", ""},
		{"s flag: dot is any", `a.b`, rule.RegexFlags{DotAll: true}, `.*a.b.*`, ""},
		{"i flag folds letters", `Kelvin`, rule.RegexFlags{IgnoreCase: true}, ".*[Kk\u212a][Ee][Ll][Vv][Ii][Nn].*", ""},
		{"inline (?i)", `(?i)ab`, rule.RegexFlags{}, `.*[Aa][Bb].*`, ""},
		{"m flag: line anchors", `^foo$`, rule.RegexFlags{Multiline: true}, "(.*\n)?foo(\n.*)?", ""},
		{"negated class", `[^a-z]`, rule.RegexFlags{}, `.*[^a-z].*`, ""},
		{"repeats", `a{2}b{1,}c{1,3}(de)+`, rule.RegexFlags{}, `.*a{2}b{1,}c{1,3}(de)+.*`, ""},
		{"lucene operators escaped", `"#@&<>~/`, rule.RegexFlags{}, `.*\"\#\@\&\<\>\~\/.*`, ""},
		{"trailing backslash guarded", `a\\$`, rule.RegexFlags{}, `.*a[\\]`, ""},
		{"empty alternative", `a(|b)`, rule.RegexFlags{}, `.*a(()|b).*`, ""},
		{"word boundary before a word character", `\bfoo`, rule.RegexFlags{}, `foo.*|.*[^0-9A-Z\_a-z]foo.*`, ""},
		{"word boundary after a word character", `foo\b`, rule.RegexFlags{}, `.*foo|.*foo[^0-9A-Z\_a-z].*`, ""},
		{"word boundaries around a non-word character", `\b-\B`, rule.RegexFlags{}, `.*[0-9A-Z\_a-z]-|.*[0-9A-Z\_a-z]-[^0-9A-Z\_a-z].*`, ""},
		{"word boundary the neighbours decide", `a\B(b|\bc)`, rule.RegexFlags{}, `.*ab.*`, ""},
		{"word boundary that never holds refused", `a\bb`, rule.RegexFlags{}, "", `word boundary`},
		{"word boundary beside either kind refused", `a?\bb`, rule.RegexFlags{}, "", `word boundary`},
		{"word boundary after an optional group refused", `(?:ab|\.)?\b\.`, rule.RegexFlags{}, "", `word boundary`},
		{"word boundary before the end anchor", `x\b$`, rule.RegexFlags{}, `.*x`, ""},
		{"word boundary that never holds at the start refused", `^\Bx`, rule.RegexFlags{}, "", `word boundary`},
		{"word boundary beside a folded k refused", `(?i)\bk`, rule.RegexFlags{}, "", `word boundary`},
		{"word boundary in a star refused", `(a\b.)*`, rule.RegexFlags{}, "", `word boundary`},
		{"anchor inside a repeat refused", `(^a)+`, rule.RegexFlags{}, "", `anchor`},
		{"anchor in the middle refused", `a^b`, rule.RegexFlags{}, "", `anchor`},
		{"bad syntax", `(`, rule.RegexFlags{}, "", `does not compile`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Regex(tt.re, tt.flags)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestPattern(t *testing.T) {
	tests := []struct {
		name, value string
		op          rule.Op
		cased       bool
		want        string
	}{
		{"equals folds", "Ab", rule.OpEquals, false, `[Aa][Bb]`},
		{"cased keeps case", "Ab", rule.OpEquals, true, `Ab`},
		{"contains", "x", rule.OpContains, false, `.*[Xx].*`},
		{"startswith", "x", rule.OpStartsWith, true, `x.*`},
		{"endswith", "x", rule.OpEndsWith, true, `.*x`},
		{"wildcards", "a*b?c", rule.OpEquals, true, `a.*b.c`},
		{"literal wildcards", `a\*b\?`, rule.OpEquals, true, `a\*b\?`},
		{"runs collapse", "*x*", rule.OpContains, true, `.*x.*`},
		{"backslash at the end", `C:\`, rule.OpEquals, true, `C:[\\]`},
		{"non-ASCII folds", "ß", rule.OpEquals, false, `[ßẞ]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Pattern(rule.ParsePattern(tt.value), tt.op, tt.cased)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := Pattern(rule.LiteralPattern("\xff"), rule.OpEquals, true)
	assert.ErrorContains(t, err, "not valid UTF-8")
}

func TestFolds(t *testing.T) {
	assert.Equal(t, []rune{'K', 'k', '\u212a'}, Folds('k'))
	assert.Equal(t, []rune{'1'}, Folds('1'))
	assert.True(t, HasCase("a1"))
	assert.False(t, HasCase("1-2"))
}
