package elastic

import (
	"errors"
	"fmt"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/testutil"
	"regexp"
	"sort"
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
// compile and parse, and every refusal must say why. The rules in ES|QL
// by choice, and the EQL and ES|QL counts with --lang, are logged.
func TestCorpus(t *testing.T) {
	rules := corpus.Rules(t)
	require.Len(t, rules, 3141)
	b := New()
	var segs []checker.Segment
	refusals := map[string]int{}
	chosen, unread := 0, 0
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
			t.Logf("rule %s: ES|QL by choice", r.ID)
			continue
		}
		if err != nil {
			var te *target.Refusal
			require.True(t, errors.As(err, &te), "rule %s: a refusal must be a *target.Refusal: %v", r.ID, err)
			assert.NotEmpty(t, te.Reason, r.ID)
			assert.NotEmpty(t, te.Construct, r.ID)
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
			// Valid syntax, but Elasticsearch's max_determinized_states
			// (10000) rejects the automaton too: counted as a failure.
			tooComplex++
			t.Logf("rule %s: regex too complex for Lucene to determinize (Elasticsearch rejects it too): %s", res.ID, shorten(res.Err))
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
