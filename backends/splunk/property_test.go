package splunk_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/detc/detc/internal/testutil"

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
	"%", "_", "<<FIELD>>", "é", "É", "ß", "Ω", "日本", "\u200b", "\x00", "\x7f", "😀", "NOT", " OR ", "\\z", "(?i)", "\r\n",
	// Splunk's breakers around words, for keywords' index terms.
	"%2B", "--", "-", "/", "<", "&", ":", "word", "Q.r", " x1.y-2 "}

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

// eventTexts are texts Splunk may hold as _raw for an event whose field
// kw has the value v: the value alone (an unstructured line), JSON as Go
// writes it (HTML-safe: \u003c for <), JSON with every optional escape
// (\/, \uXXXX for non-ASCII and < > & ', upper-case hex), Windows' XML
// rendering (named entities) and a quoted CSV column ("" for ").
func eventTexts(t testing.TB, v string) map[string]string {
	t.Helper()
	goJSON, err := json.Marshal(map[string]string{"kw": v})
	require.NoError(t, err)
	var j, x strings.Builder
	for _, r := range v {
		switch {
		case r == '"' || r == '\\' || r == '/':
			j.WriteString(`\` + string(r))
		case r == '\n':
			j.WriteString(`\n`)
		case r < 0x20 || r >= 0x7f || strings.ContainsRune("<>&'", r):
			for _, u := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(&j, `\u%04X`, u)
			}
		default:
			j.WriteRune(r)
		}
		if e, ok := map[rune]string{'&': "&amp;", '<': "&lt;", '>': "&gt;", '"': "&quot;", '\'': "&apos;"}[r]; ok {
			x.WriteString(e)
		} else {
			x.WriteRune(r)
		}
	}
	return map[string]string{
		"plain":      v,
		"go-json":    string(goJSON),
		"ascii-json": `{"kw":"` + j.String() + `"}`,
		"xml":        `<Event><EventData><Data Name='kw'>` + x.String() + `</Data></EventData></Event>`,
		"csv":        `2026-11-30,"` + strings.ReplaceAll(v, `"`, `""`) + `",x`,
	}
}

// checkKeyword runs a keyword rule's query over events holding each value
// in each raw form: an event the evaluator matches is found in every form
// (the base search's terms and the match on _raw never drop it), and where
// _raw is the value itself Splunk finds exactly what the evaluator finds,
// unless the value holds a \, a & or "" (text that reads as an escape, an
// entity or a doubled quote, such as \\ for \, matches as the character
// it stands for).
func checkKeyword(t *testing.T, r *rule.Rule, values []string) {
	t.Helper()
	q, err := splunk.New().Compile(testutil.Checked(t, r), target.Options{Profile: "raw"})
	require.NoError(t, err)
	require.NotContains(t, q.Text, "foreach", q.Text)
	require.NotContains(t, q.Text, "`", "backticks expand macros:\n%s", q.Text)
	p, err := parseSPL(q.Text)
	require.NoError(t, err, q.Text)
	require.Equal(t, []string{"search", "where"}, p.names, q.Text)
	for _, v := range values {
		want := len(evaluatorOutcome(t, r, []fixtureEvent{{id: "e", fields: map[string]any{"kw": v}}})) == 1
		for form, raw := range eventTexts(t, v) {
			rows, err := p.run([]splEvent{{"_id": {"e"}, "kw": {v}, "_raw": {raw}}})
			require.NoError(t, err, q.Text)
			if want || form == "plain" && !strings.ContainsAny(v, `\&`) && !strings.Contains(v, `""`) {
				assert.Equal(t, want, len(rows) == 1, "value %q as %s %q:\n%s", v, form, raw, q.Text)
			}
		}
	}
}

// TestKeywordLiterals: random keywords with quotes, backslashes, breakers,
// newlines and non-ASCII text, case-insensitive and cased.
func TestKeywordLiterals(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 500; i++ {
		lit := randomLiteral(rng)
		mods := [][]string{nil, {"cased"}}[i%2]
		r := literalRule(t, "", mods, lit)
		checkKeyword(t, r, []string{lit, "pre " + lit + " post", "a(" + lit + ")b", strings.ToUpper(lit), strings.ToLower(lit), lit[:len(lit)/2]})
	}
}

// TestKeywordWildcards: * and ? between random literals; ? stands for one
// character of the value, which _raw may write as an escape or entity.
func TestKeywordWildcards(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	one := []string{"x", `"`, `\`, "/", "<", "'", "é", "\n", "😀", " "}
	for i := 0; i < 300; i++ {
		a, b := randomLiteral(rng), randomLiteral(rng)
		wild := []string{"*", "?"}[i%2]
		text := rule.LiteralPattern(a).String() + wild + rule.LiteralPattern(b).String()
		ms, diags := rule.BuildMatchers("", nil, []rule.RawValue{{Kind: rule.RawString, Text: text}}, rule.Pos{})
		require.False(t, diags.HasErrors(), diags.Error())
		r := &rule.Rule{
			ID: "prop", LogSource: rule.LogSource{Category: "proxy"},
			Searches:  []*rule.Search{{Name: "sel", Groups: []*rule.Group{{Matchers: ms}}}},
			Condition: &rule.SearchRef{Name: "sel"},
		}
		c := one[rng.IntN(len(one))]
		checkKeyword(t, r, []string{a + c + b, a + b, a + c + c + b, "(" + a + c + b + ")", b + c + a})
	}
}
