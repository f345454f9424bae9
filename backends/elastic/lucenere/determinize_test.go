package lucenere

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/detc/detc/internal/rule"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMeasure pins the subset construction on automata of known sizes:
// (a|b)*a(a|b){n} remembers which of the last n+1 characters were a (2^(n+1)
// subsets, and the start); the work is the positions of every subset.
// backends/elastic's TestDeterminizeAgainstLucene checks the verdicts
// against Lucene itself.
func TestMeasure(t *testing.T) {
	tests := []struct {
		re          string
		states      int
		work        int
		withinLimit bool
	}{
		{`ab`, 3, 3, true},
		{`a|b`, 3, 3, true},
		{`.*`, 2, 2, true},
		{`a*a`, 2, 3, true},      // {start}, {a*'s a, the last a}
		{`[ab]c|ac`, 5, 7, true}, // a reaches both branches, b one
		{`(a|b)*a(a|b){1}`, 1<<2 + 1, 0, true},
		{`(a|b)*a(a|b){6}`, 1<<7 + 1, 0, true},
		{`(a|b)*a(a|b){12}`, 1<<13 + 1, 61441, true},
		{`(a|b)*a(a|b){13}`, stateBudget + 1, 0, false},
		{`a{8999}`, 9000, 9000, true},
		{`a{9000}`, stateBudget + 1, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.re, func(t *testing.T) {
			n, err := parseLucene(tt.re)
			require.NoError(t, err)
			states, work, over := measure(n)
			assert.Equal(t, tt.withinLimit, over == "", over)
			assert.Equal(t, tt.states, states)
			if tt.work > 0 {
				assert.Equal(t, tt.work, work)
			}
		})
	}
}

func TestCheckDeterminizable(t *testing.T) {
	tests := []struct {
		name, re, wantErr string
	}{
		{"small", `.*[Aa][Bb].*`, ""},
		{"too many states", `(a|b)*a(a|b){13}`, "more than 9,000 states"},
		{"too much work", `(a|b|a|b)*a(a|b|a|b){12}`, "90,000 units of work or more"},
		{"too many positions", `a{60000}`, "more than 50,000 character positions"},
		{"escapes and classes", `[^\n]\.\[x\]()`, ""},
		{"syntax detc never writes", `a~b`, "does not write"},
		{"unclosed group", `(ab`, "unclosed group"},
		{"unclosed class", `[ab`, "unclosed class"},
		{"bad repetition", `a{3,2}`, "bad repetition"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckDeterminizable(tt.re)
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			var tc *TooComplex
			if errors.As(err, &tc) {
				assert.Equal(t, tt.re, tc.Regex)
			}
		})
	}
}

// TestTranslationsAreChecked: Regex and Pattern refuse what Lucene could
// not determinize, with the reason Elasticsearch would give.
func TestTranslationsAreChecked(t *testing.T) {
	_, err := Regex(`(Copy-Item|cpi) .{2,128} -Destination .{1,32}\\Windows\\(System32|SysWOW64)`, rule.RegexFlags{})
	var tc *TooComplex
	require.True(t, errors.As(err, &tc), "%v", err)
	assert.Contains(t, err.Error(), "Elasticsearch cannot determinize this regular expression within Lucene's limit of 10,000")
	assert.Contains(t, err.Error(), `.*(Copy-Item|cpi) [^\n]{2,128}`)

	_, err = Regex(`x.{0,8}y`, rule.RegexFlags{})
	assert.NoError(t, err)

	// endswith "a" then 13 single-character wildcards.
	_, err = Pattern(rule.ParsePattern("a"+strings.Repeat("?", 13)), rule.OpEndsWith, true)
	require.True(t, errors.As(err, &tc), "%v", err)
	_, err = Pattern(rule.ParsePattern("a"+strings.Repeat("?", 11)), rule.OpEndsWith, true)
	assert.NoError(t, err)
}

func TestCheckWildcards(t *testing.T) {
	tests := []struct {
		value   string
		op      rule.Op
		wantErr bool
	}{
		{`*\AppData\*\Temp\*.exe`, rule.OpEquals, false},
		{"a" + strings.Repeat("?", 11), rule.OpEndsWith, false},
		{"a" + strings.Repeat("?", 13), rule.OpEndsWith, true},
		{"a" + strings.Repeat("?", 13), rule.OpStartsWith, false}, // anchored: a chain
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			err := CheckWildcards(rule.ParsePattern(tt.value), tt.op)
			if !tt.wantErr {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "Elasticsearch cannot determinize this wildcard pattern within Lucene's limit of 10,000")
		})
	}
}

// TestVerdictsRemembered: a verdict comes back the same the second time,
// and a wildcard pattern's refusal does not change the regex's.
func TestVerdictsRemembered(t *testing.T) {
	p := rule.ParsePattern("1" + strings.Repeat("?", 13)) // the same regex, cased or not
	re, err := Pattern(p, rule.OpEndsWith, true)
	require.Empty(t, re)
	require.ErrorContains(t, err, "this regular expression")
	require.ErrorContains(t, CheckWildcards(p, rule.OpEndsWith), "this wildcard pattern")
	_, err = Pattern(p, rule.OpEndsWith, true)
	assert.ErrorContains(t, err, "this regular expression")
	assert.Equal(t, CheckDeterminizable(`.*[Aa][Bb][Cc][Dd][Ee][Ff][Gg].*`), CheckDeterminizable(`.*[Aa][Bb][Cc][Dd][Ee][Ff][Gg].*`))
}

func BenchmarkCheckDeterminizable(b *testing.B) {
	for _, re := range []string{
		`.*[Ww][Ee][Rr][Ff][Aa][Uu][Ll][Tt][Ssſ][Ee][Cc][Uu][Rr][Ee]\.[Ee][Xx][Ee].*`,
		`.*\\[Rr][Uu][Nn][Dd][Ll][Ll]32\.[Ee][Xx][Ee]([\"\'])?[\t\n\f\r\ ]+[^\n]{0,8}\,.*`,
		`.*(Copy-Item|cpi) [^\n]{2,128} -Destination [^\n]{1,32}\\Windows\\Sys(tem32|WOW64).*`,
	} {
		b.Run(fmt.Sprintf("%.30s", re), func(b *testing.B) {
			for b.Loop() {
				// What CheckDeterminizable does the first time (then it
				// remembers the verdict).
				n, err := parseLucene(re)
				require.NoError(b, err)
				measure(n)
			}
		})
	}
}

// TestPatternBound checks the bound Pattern trusts instead of measuring
// against the measure, on random patterns of case-folded letters that
// overlap (a, A, k and the Kelvin sign, b) joined by *.
func TestPatternBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	letters := []string{"a", "A", "b", "k", "\u212a", "-"}
	for i := 0; i < 2000; i++ {
		var b strings.Builder
		for j := rng.IntN(12); j >= 0; j-- {
			if rng.IntN(4) == 0 {
				b.WriteByte('*')
			} else {
				b.WriteString(letters[rng.IntN(len(letters))])
			}
		}
		p := rule.ParsePattern(b.String())
		op := []rule.Op{rule.OpEquals, rule.OpContains, rule.OpStartsWith, rule.OpEndsWith}[rng.IntN(4)]
		cased := rng.IntN(2) == 0
		re, err := Pattern(p, op, cased)
		require.NoError(t, err)
		bound, _, ok := patternBound(p.Framed(op))
		require.True(t, ok)
		n, err := parseLucene(re)
		require.NoError(t, err)
		states, _, over := measure(n)
		require.Empty(t, over)
		assert.LessOrEqual(t, states, bound, "pattern %q (%v, cased %v): %s", b.String(), op, cased, re)
	}
}
