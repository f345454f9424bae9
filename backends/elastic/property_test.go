package elastic

import (
	"fmt"
	"github.com/detc/detc/internal/testutil"
	"math/rand"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/detc/detc/backends/elastic/checker"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/eval"
	"github.com/detc/detc/internal/rule"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// alphabet holds every character query_string or Lucene's RegExp treat as
// syntax, wildcards, backslashes, white space and text beyond ASCII.
var alphabet = []rune("+-=&|><!(){}[]^\"~*?:\\/ \t\n.#@$%,;'`_aAbBzZsSkK09éÉßẞΣσςİıſ\u212a日本😀")

func randomText(rng *rand.Rand, max int) string {
	n := 1 + rng.Intn(max)
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteRune(alphabet[rng.Intn(len(alphabet))])
	}
	return b.String()
}

// randomPattern mixes literal text (which may hold literal * ? and \)
// with wildcards.
func randomPattern(rng *rand.Rand) rule.Pattern {
	var p rule.Pattern
	for i, n := 0, 1+rng.Intn(4); i < n; i++ {
		switch rng.Intn(5) {
		case 0:
			p = append(p, rule.Part{Kind: rule.AnyRun})
		case 1:
			p = append(p, rule.Part{Kind: rule.AnyChar})
		default:
			if len(p) > 0 && p[len(p)-1].Kind == rule.Literal {
				p[len(p)-1].Text += randomText(rng, 6)
			} else {
				p = append(p, rule.Part{Kind: rule.Literal, Text: randomText(rng, 6)})
			}
		}
	}
	return p
}

// swapCase changes every rune to another of its case forms.
func swapCase(s string) string {
	return strings.Map(func(r rune) rune {
		if f := unicode.SimpleFold(r); f != r {
			return f
		}
		return r
	}, s)
}

// subjects are field values around a pattern's text: itself, in other
// case, extended, cut, and with its wildcards filled.
func subjects(rng *rand.Rand, p rule.Pattern) []string {
	var filled strings.Builder
	for _, part := range p {
		switch part.Kind {
		case rule.AnyRun:
			filled.WriteString(randomText(rng, 3))
		case rule.AnyChar:
			filled.WriteRune(alphabet[rng.Intn(len(alphabet))])
		default:
			filled.WriteString(part.Text)
		}
	}
	s := filled.String()
	lit := p.String()
	r := []rune(s)
	return []string{s, swapCase(s), s + "x", "x" + s, "x" + s + "y", string(r[:len(r)/2]), lit, swapCase(lit), randomText(rng, 8)}
}

func singleMatcherRule(id string, m *rule.Matcher) *rule.Rule {
	return &rule.Rule{
		ID:        id,
		Searches:  []*rule.Search{{Name: "sel", Groups: []*rule.Group{{Matchers: []*rule.Matcher{m}}}}},
		Condition: &rule.SearchRef{Name: "sel"},
	}
}

type propCase struct {
	r     *rule.Rule
	query string
	exact string // for a cased literal: the term the query must parse to
	docs  []string
	want  []string
}

// TestEscapingProperties: random values built from every reserved
// character, wildcards, backslashes and non-ASCII text, as literals and
// as patterns, cased and not, with every string comparison and as RE2
// literals: each query parses, a cased literal parses back to exactly the
// same term, and on a keyword field the query matches exactly the values
// the evaluator matches.
func TestEscapingProperties(t *testing.T) {
	rng := rand.New(rand.NewSource(20261201))
	var cases []propCase
	add := func(m *rule.Matcher, p rule.Pattern, exact string) {
		r := singleMatcherRule(fmt.Sprintf("prop-%d", len(cases)), m)
		c, err := compile(testutil.Checked(t, r), target.Options{Profile: "raw", Lang: Lucene})
		if err != nil {
			require.Contains(t, err.Error(), "index.max_regex_length", "only over-long regexes may be refused")
			return
		}
		prog, diags := eval.Compile(r)
		require.False(t, diags.HasErrors(), "%v", diags)
		pc := propCase{r: r, query: c.query.Text, exact: exact, docs: subjects(rng, p)}
		for i, d := range pc.docs {
			if prog.Match(eval.MapEvent{"f": d}) {
				pc.want = append(pc.want, fmt.Sprint(i))
			}
		}
		cases = append(cases, pc)
	}
	ops := []rule.Op{rule.OpEquals, rule.OpContains, rule.OpStartsWith, rule.OpEndsWith}
	for i := 0; i < 60; i++ {
		lit := randomText(rng, 12)
		litPattern := rule.LiteralPattern(lit)
		pattern := randomPattern(rng)
		for _, cased := range []bool{true, false} {
			for _, op := range ops {
				exact := ""
				if cased && op == rule.OpEquals {
					exact = lit
				}
				add(&rule.Matcher{Field: "f", Op: op, Cased: cased, Values: []rule.Value{{Kind: rule.KindString, Text: lit, Pattern: litPattern}}}, litPattern, exact)
				add(&rule.Matcher{Field: "f", Op: op, Cased: cased, Values: []rule.Value{{Kind: rule.KindString, Text: pattern.String(), Pattern: pattern}}}, pattern, "")
			}
		}
		for _, fold := range []bool{false, true} {
			re := regexp.QuoteMeta(lit)
			if rng.Intn(2) == 0 {
				re = "^" + re
			}
			add(&rule.Matcher{Field: "f", Op: rule.OpRegex, Regex: rule.RegexFlags{IgnoreCase: fold}, Values: []rule.Value{{Kind: rule.KindRegex, Text: re}}}, litPattern, "")
		}
	}
	segs := make([]checker.Segment, len(cases))
	for i, pc := range cases {
		seg := checker.Segment{Fields: map[string]string{"f": "keyword"}, Queries: []checker.Query{{ID: pc.r.ID, Text: pc.query}}}
		for j, d := range pc.docs {
			seg.Events = append(seg.Events, checker.Event{ID: fmt.Sprint(j), Fields: [][2]string{{"f", d}}})
		}
		segs[i] = seg
	}
	results, err := luceneChecker(t).Run(segs)
	require.NoError(t, err)
	require.Len(t, results, len(cases))
	for i, pc := range cases {
		res := results[i]
		if !assert.Empty(t, res.Err, "query %q", pc.query) {
			continue
		}
		if pc.exact != "" {
			assert.Equal(t, "term:"+pc.exact, res.Parsed, "query %q", pc.query)
		}
		assert.Equal(t, pc.want, res.Matches, "query %q over %q", pc.query, pc.docs)
	}
	t.Logf("%d random queries agree with the evaluator", len(cases))
}
