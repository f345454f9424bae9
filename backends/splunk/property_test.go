package splunk_test

import (
	"github.com/detc/detc/internal/testutil"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/splunk"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/rule"
)

// literalRule is a rule whose one value is exactly lit: the value is
// written in Sigma syntax with its wildcards escaped and read back through
// the modifier pipeline, as a front end would.
func literalRule(t testing.TB, field string, mods []string, lit string) *rule.Rule {
	t.Helper()
	written := rule.LiteralPattern(lit).String()
	ms, diags := rule.BuildMatchers(field, mods, []rule.RawValue{{Kind: rule.RawString, Text: written}}, rule.Pos{})
	require.False(t, diags.HasErrors(), diags.Error())
	if len(ms[0].Values[0].Pattern) > 0 || lit != "" {
		got, _ := ms[0].Values[0].Pattern.Literal()
		require.Equal(t, lit, got, "the Sigma form %q does not read back", written)
	}
	return &rule.Rule{
		ID: "prop", LogSource: rule.LogSource{Category: "proxy"},
		Searches:  []*rule.Search{{Name: "sel", Groups: []*rule.Group{{Matchers: ms}}}},
		Condition: &rule.SearchRef{Name: "sel"},
	}
}

// searchValues returns the unquoted values of field="value" terms in the
// search part of a query, as the reader reads them.
func searchValues(t testing.TB, spl string) []string {
	t.Helper()
	segs, err := splitPipes(spl)
	require.NoError(t, err)
	first := segs[0]
	if strings.TrimSpace(first) == "" && len(segs) > 2 && strings.HasPrefix(strings.TrimSpace(segs[2]), "search ") {
		first = strings.TrimPrefix(strings.TrimSpace(segs[2]), "search ")
	}
	toks, err := lexSearch(first)
	require.NoError(t, err)
	var out []string
	for i, tok := range toks {
		if tok.quoted && i > 0 && strings.HasSuffix(toks[i-1].text, "=") {
			out = append(out, unquote(tok.text))
		}
	}
	return out
}

// alphabet mixes the characters that matter to SPL and to wildcards.
var alphabet = []string{"a", "B", "z", "0", " ", `"`, `\`, `\\`, "|", "*", "?", "\n", "\t", "'", "`", "(", ")", "[", "]", "=", "$", ".", "^",
	"%", "_", "<<FIELD>>", "é", "É", "ß", "Ω", "日本", "\u200b", "\x00", "\x7f", "😀", "NOT", " OR ", "\\z", "(?i)", "\r\n"}

func randomLiteral(rng *rand.Rand) string {
	var b strings.Builder
	for n := 1 + rng.IntN(8); n > 0; n-- {
		b.WriteString(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}

// mutate changes a literal so that it must no longer match: another case
// where that matters, a character more, a character less.
func mutations(lit string) []string {
	out := []string{lit + "x", "x" + lit}
	if r := []rune(lit); len(r) > 1 {
		out = append(out, string(r[1:]), string(r[:len(r)-1]))
	}
	return out
}

// TestLiteralsRoundTrip: random literals with quotes, backslashes, pipes,
// wildcards, newlines and non-ASCII text, under every string comparison
// and case mode, come back through the reader as the same literal: the
// event holding exactly the literal matches, events that differ do not
// (as the evaluator also says), and the query holds no other command than
// the form chosen.
func TestLiteralsRoundTrip(t *testing.T) {
	b := splunk.New()
	rng := rand.New(rand.NewPCG(4104, 1567))
	modes := [][]string{nil, {"cased"}, {"contains"}, {"startswith", "cased"}, {"endswith"}}
	for i := 0; i < 3000; i++ {
		lit := randomLiteral(rng)
		mods := modes[i%len(modes)]
		r := literalRule(t, "c-uri", mods, lit)
		q, err := b.Compile(testutil.Checked(t, r), target.Options{Profile: "raw"})
		require.NoError(t, err, "%q", lit)
		p, err := parseSPL(q.Text)
		require.NoError(t, err, "%q:\n%s", lit, q.Text)
		for _, name := range p.names {
			require.Contains(t, []string{"search", "where"}, name, "%q:\n%s", lit, q.Text)
		}
		for _, v := range searchValues(t, q.Text) {
			require.Equal(t, strings.Trim(v, "*"), strings.Trim(lit, "*"), "%q:\n%s", lit, q.Text)
		}
		matches := func(value string) bool {
			rows, err := p.run([]splEvent{{"_id": {"e"}, "c-uri": {value}}})
			require.NoError(t, err, q.Text)
			return len(rows) == 1
		}
		assert.True(t, matches(lit), "%q %v does not match itself:\n%s", lit, mods, q.Text)
		want := evaluatorOutcome(t, r, []fixtureEvent{{id: "e", fields: map[string]any{"c-uri": lit}}})
		assert.Equal(t, []string{"e"}, want)
		for _, m := range append(mutations(lit), strings.ToUpper(lit), strings.ToLower(lit)) {
			want := len(evaluatorOutcome(t, r, []fixtureEvent{{id: "e", fields: map[string]any{"c-uri": m}}})) == 1
			assert.Equal(t, want, matches(m), "literal %q %v, event value %q:\n%s", lit, mods, m, q.Text)
		}
	}
}

// TestKeywordLiterals: the same for keyword searches, read through foreach.
func TestKeywordLiterals(t *testing.T) {
	b := splunk.New()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 500; i++ {
		lit := randomLiteral(rng)
		r := literalRule(t, "", nil, lit)
		q, err := b.Compile(testutil.Checked(t, r), target.Options{Profile: "raw"})
		require.NoError(t, err)
		p, err := parseSPL(q.Text)
		require.NoError(t, err, q.Text)
		assert.Equal(t, []string{"search", "eval", "foreach", "where"}, p.names, q.Text)
		for _, v := range []string{lit, "pre" + lit + "post", strings.ToUpper(lit), lit[:len(lit)/2]} {
			want := len(evaluatorOutcome(t, r, []fixtureEvent{{id: "e", fields: map[string]any{"other": v}}})) == 1
			rows, err := p.run([]splEvent{{"_id": {"e"}, "other": {v}}})
			require.NoError(t, err, q.Text)
			assert.Equal(t, want, len(rows) == 1, "keyword %q, value %q:\n%s", lit, v, q.Text)
		}
	}
}
