package elastic

import (
	"errors"
	"fmt"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/testutil"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/detc/detc/backends/elastic/checker"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/testutil/corpus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// quoted and numbers are taken out of refusal reasons to count them by kind.
var (
	quoted  = regexp.MustCompile(`"[^"]*"|\([^)]*\)`)
	numbers = regexp.MustCompile(`[0-9]+`)
)

func reasonKind(err error) string {
	var te *target.Refusal
	if !errors.As(err, &te) {
		return err.Error()
	}
	construct := quoted.ReplaceAllString(te.Construct, "…")
	return numbers.ReplaceAllString(construct+": "+quoted.ReplaceAllString(te.Reason, "…"), "N")
}

// TestCorpus compiles all 3,141 SigmaHQ rules with the raw profile in the
// language the target picks for each, parses every Lucene query with
// Lucene 8 (Elasticsearch's hooks, each rule's field types) and reads
// every ES|QL query with the test's ES|QL reader: at least 99.5% must
// compile and parse, and every refusal must say why. No query may hold a
// regex Lucene cannot determinize within its limit (Elasticsearch rejects
// it when it runs): the Lucene queries run in Lucene, and every regex of
// the ES|QL (RLIKE) and EQL (regex) queries, by choice and with --lang,
// runs there too; exactly the two SigmaHQ rules whose expressions are too
// complex are refused for it. The rules in ES|QL by choice, and the EQL
// and ES|QL counts with --lang, are logged.
func TestCorpus(t *testing.T) {
	rules := corpus.Rules(t)
	require.Len(t, rules, 3141)
	b := New()
	var segs []checker.Segment
	refusals := map[string]int{}
	chosen, unread := 0, 0
	var tooComplexRefused []string
	regexes := map[string]string{} // regex of an ES|QL or EQL query -> a rule
	for _, r := range rules {
		c, err := compile(testutil.Checked(t, r), target.Options{Profile: "raw"})
		if err == nil && c.query.Lang == ESQL {
			chosen++
			if r.Aggregation == nil {
				if _, perr := parseESQL(c.query.Text); perr != nil {
					unread++
					t.Errorf("rule %s: the ES|QL reader cannot read %q: %v", r.ID, c.query.Text, perr)
				}
			}
			collectRegexes(t, regexes, r.ID, ESQL, c.query.Text)
			t.Logf("rule %s: ES|QL by choice", r.ID)
			continue
		}
		if err != nil {
			var te *target.Refusal
			require.True(t, errors.As(err, &te), "rule %s: a refusal must be a *target.Refusal: %v", r.ID, err)
			assert.NotEmpty(t, te.Reason, r.ID)
			assert.NotEmpty(t, te.Construct, r.ID)
			if strings.Contains(te.Reason, tooComplexReason) {
				tooComplexRefused = append(tooComplexRefused, r.ID)
			}
			refusals[reasonKind(err)]++
			continue
		}
		fields := map[string]string{}
		for n, typ := range c.types {
			if typ == "" {
				typ = tKeyword
			}
			fields[n] = typ
		}
		segs = append(segs, checker.Segment{Fields: fields, Queries: []checker.Query{{ID: r.ID, Text: c.query.Text}}})
	}
	results, err := luceneChecker(t).Run(segs)
	require.NoError(t, err)
	parseErrors, tooComplex := 0, 0
	for i, res := range results {
		switch {
		case res.Err == "":
		case strings.Contains(res.Err, "TooComplexToDeterminizeException"):
			// Valid syntax, but Elasticsearch rejects the automaton when
			// the query runs: detc must have refused it.
			tooComplex++
			t.Errorf("rule %s: regex too complex for Lucene to determinize (Elasticsearch rejects it): %s", res.ID, shorten(res.Err))
		default:
			parseErrors++
			t.Errorf("rule %s: Lucene cannot parse %q: %s", res.ID, segs[i].Queries[0].Text, res.Err)
		}
	}
	ok := len(results) - parseErrors - tooComplex + chosen - unread
	refused := len(rules) - len(results) - chosen
	t.Logf("elastic/raw: %d of %d rules compile and parse (%.2f%%): %d in Lucene, %d in ES|QL where Lucene cannot say them; %d refused, %d too complex to determinize, %d parse errors", ok, len(rules), 100*float64(ok)/float64(len(rules)), len(results)-parseErrors-tooComplex, chosen-unread, refused, tooComplex, parseErrors+unread)
	logCounts(t, refusals)
	assert.GreaterOrEqual(t, float64(ok), 0.995*float64(len(rules)), "at least 99.5%% of the corpus must compile and parse")
	sort.Strings(tooComplexRefused)
	assert.Equal(t, tooComplexRules, tooComplexRefused, "the rules refused as too complex to determinize")

	for _, lang := range []string{EQL, ESQL} {
		n, literals := 0, 0
		reasons := map[string]int{}
		for _, r := range rules {
			q, err := b.Compile(testutil.Checked(t, r), target.Options{Profile: "raw", Lang: lang})
			if err != nil {
				reasons[reasonKind(err)]++
				continue
			}
			n++
			collectRegexes(t, regexes, r.ID, lang, q.Text)
			if lang == EQL {
				// Every string literal lexes under Elastic's EQL grammar
				// (\u{...} with two to eight hex digits, no raw line ends).
				for _, lit := range eqlStringLiterals(q.Text) {
					literals++
					assert.Regexp(t, eqlStringToken, lit, "rule %s", r.ID)
				}
			}
		}
		checked := ""
		if lang == EQL {
			checked = fmt.Sprintf(" (%d string literals checked against the grammar's string token)", literals)
		}
		t.Logf("%s/raw: %d of %d rules compile%s", lang, n, len(rules), checked)
		logCounts(t, reasons)
	}

	// Every regex of the ES|QL and EQL queries, as a regex term on a
	// keyword field: the same RegExp, determinized with the same limit.
	res := make([]string, 0, len(regexes))
	for re := range regexes {
		res = append(res, re)
	}
	sort.Strings(res)
	seg := checker.Segment{Fields: map[string]string{"f": tKeyword}}
	for i, re := range res {
		seg.Queries = append(seg.Queries, checker.Query{ID: strconv.Itoa(i), Text: "f:/" + re + "/"})
	}
	results, err = luceneChecker(t).Run([]checker.Segment{seg})
	require.NoError(t, err)
	for i, r := range results {
		assert.Empty(t, r.Err, "rule %s: Lucene rejects the regex %q of its ES|QL or EQL query", regexes[res[i]], res[i])
	}
	t.Logf("%d distinct regexes of the ES|QL and EQL queries run in Lucene", len(res))
}

// tooComplexReason starts the refusal of a regex Lucene cannot
// determinize within its limit.
const tooComplexReason = "Elasticsearch cannot determinize this regular expression within Lucene's limit of 10,000"

// tooComplexRules are the SigmaHQ rules refused for it:
// proc_creation_win_hktl_wsass (\.exe...[^"]{0,64}werfaultsecure...) and
// posh_ps_copy_item_system_directory (.{2,128} -Destination .{1,32}).
var tooComplexRules = []string{"589ac73f-8e12-409c-964e-31a2f5775ae2", "63bf8794-9917-45bc-88dd-e1b5abc0ecfd"}

// collectRegexes adds the Lucene regexes of an ES|QL (RLIKE) or EQL
// (regex) query to regexes.
func collectRegexes(t *testing.T, regexes map[string]string, id, lang, q string) {
	t.Helper()
	var found []string
	switch lang {
	case ESQL:
		for _, cmd := range strings.Split(q, "\n| ") {
			body, ok := strings.CutPrefix(cmd, "WHERE ")
			if !ok {
				continue
			}
			toks, err := lexESQL(body)
			require.NoError(t, err, "rule %s: %q", id, body)
			for i, tok := range toks {
				if tok.kind == tWord && tok.text == "RLIKE" && i+1 < len(toks) {
					found = append(found, toks[i+1].text)
				}
			}
		}
	case EQL:
		for rest := q; ; {
			i := strings.Index(rest, " regex ")
			if i < 0 {
				break
			}
			rest = rest[i+len(" regex "):]
			lit := eqlStringLiterals(rest)
			if raw, ok := strings.CutPrefix(rest, `"""`); ok {
				end := strings.Index(raw, `"""`)
				require.GreaterOrEqual(t, end, 0, "rule %s: %q", id, q)
				found = append(found, raw[:end])
				continue
			}
			require.NotEmpty(t, lit, "rule %s: regex without a string in %q", id, q)
			found = append(found, eqlUnquote(t, lit[0]))
		}
	}
	for _, re := range found {
		regexes[re] = id
	}
}

// eqlUnquote reads an EQL string literal as eqlString writes it.
func eqlUnquote(t *testing.T, lit string) string {
	t.Helper()
	body := strings.TrimSuffix(strings.TrimPrefix(lit, `"`), `"`)
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' {
			b.WriteByte(body[i])
			continue
		}
		i++
		switch body[i] {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			end := strings.IndexByte(body[i:], '}')
			v, err := strconv.ParseUint(body[i+2:i+end], 16, 32)
			require.NoError(t, err, lit)
			b.WriteRune(rune(v))
			i += end
		default:
			b.WriteByte(body[i])
		}
	}
	return b.String()
}

func logCounts(t *testing.T, counts map[string]int) {
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool {
		if counts[kinds[i]] != counts[kinds[j]] {
			return counts[kinds[i]] > counts[kinds[j]]
		}
		return kinds[i] < kinds[j]
	})
	for _, k := range kinds {
		t.Log(fmt.Sprintf("  %4d  %s", counts[k], k))
	}
}

// BenchmarkCompileCorpus measures compiling the SigmaHQ corpus to Lucene
// (raw profile), per rule.
func BenchmarkCompileCorpus(b *testing.B) {
	rules, _ := check.All(corpus.Rules(b))
	be := New()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, r := range rules {
			_, _ = be.Compile(r, target.Options{Profile: "raw"})
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rules)), "ns/rule")
}
