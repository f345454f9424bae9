package elastic

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/detc/detc/backends/elastic/checker"
	"github.com/detc/detc/backends/elastic/lucenere"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDeterminizeAgainstLucene runs lucenere's determinization estimate
// and the real Lucene 8 (RegexpQuery with maxDeterminizedStates 10,000,
// as Elasticsearch builds it) on regexes of known automaton sizes around
// the limit. detc must refuse every regex Lucene rejects; it may refuse a
// few more (its budget is 9,000 states), and the table says which.
func TestDeterminizeAgainstLucene(t *testing.T) {
	tests := []struct {
		name, re      string
		detcRefuses   bool
		luceneRejects bool
	}{
		{"2^12 states", `(a|b)*a(a|b){11}`, false, false},
		{"2^13 states", `(a|b)*a(a|b){12}`, false, false},
		{"2^14 states", `(a|b)*a(a|b){13}`, true, true},
		{"2^15 states", `(a|b)*a(a|b){14}`, true, true},
		// Lucene skips determinizing an automaton that is deterministic
		// already: the union of branches that start with different
		// characters; detc counts it anyway.
		{"2^13 and 2,000 states in branches Lucene needs not determinize", `(a|b)*a(a|b){12}|c{2000}`, true, false},
		// With a common first character the union is determinized:
		// 2^13 + n + 2 states.
		{"8,994 states", `d(a|b)*a(a|b){12}|dc{800}`, false, false},
		{"9,194 states: inside detc's margin", `d(a|b)*a(a|b){12}|dc{1000}`, true, false},
		{"10,000 states: Lucene's limit", `d(a|b)*a(a|b){12}|dc{1806}`, true, false},
		{"10,001 states", `d(a|b)*a(a|b){12}|dc{1807}`, true, true},
		// Lucene 8 determinizes the concatenation of the minimized parts:
		// a bounded gap after a search's .* makes a set of offsets.
		{"endswith a then 12 characters", `.*a.{12}`, false, false},
		{"endswith a then 13 characters", `.*a.{13}`, true, true},
		{"contains a then 11 characters", `.*a.{11}.*`, false, false},
		{"contains a then 12 characters", `.*a.{12}.*`, true, true},
		{"a gap of up to 10 in a search", `.*x[^y]{0,10}z.*`, false, false},
		{"a gap of up to 11 in a search", `.*x[^y]{0,11}z.*`, true, true},
		{"a long literal search", ".*" + strings.Repeat("[Aa][Bb]", 100) + ".*", false, false},
		{"a long bounded run", `x[^\n]{1,900}`, false, false},
		{"case-folded search", `.*[Ww][Ee][Rr][Ff][Aa][Uu][Ll][Tt][Ssſ][Ee][Cc][Uu][Rr][Ee]\.[Ee][Xx][Ee].*`, false, false},
		// The translations of the two SigmaHQ expressions Elasticsearch
		// rejects (proc_creation_win_hktl_wsass,
		// posh_ps_copy_item_system_directory).
		{"SigmaHQ wsass", ".*\\.[Ee][Xx][Ee][\\\"\\']?[\\\t\\\n\\\f\\\r\\ ]+[^\\\"]{0,64}[Ww][Ee][Rr][Ff][Aa][Uu][Ll][Tt][Ssſ][Ee][Cc][Uu][Rr][Ee]\\.[Ee][Xx][Ee][\\\"\\']?[\\\t\\\n\\\f\\\r\\ ]+[0-9]{2,10}.*", true, true},
		{"SigmaHQ copy-item", ".*(Copy-Item|cpi) [^\n]{2,128} -Destination [^\n]{1,32}\\\\Windows\\\\Sys(tem32|WOW64).*", true, true},
	}
	seg := checker.Segment{Fields: map[string]string{"f": tKeyword}}
	for i, tt := range tests {
		seg.Queries = append(seg.Queries, checker.Query{ID: tt.name, Text: "f:/" + tt.re + "/"})
		require.Equal(t, tt.name, seg.Queries[i].ID)
	}
	results, err := luceneChecker(t).Run([]checker.Segment{seg})
	require.NoError(t, err)
	require.Len(t, results, len(tests))
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := results[i]
			rejected := strings.Contains(res.Err, "TooComplexToDeterminizeException")
			require.True(t, res.Err == "" || rejected, "Lucene cannot parse %q: %s", tt.re, res.Err)
			assert.Equal(t, tt.luceneRejects, rejected, "Lucene's verdict on %q", tt.re)
			err := lucenere.CheckDeterminizable(tt.re)
			var tc *lucenere.TooComplex
			if err != nil {
				require.True(t, errors.As(err, &tc), "%v", err)
			}
			assert.Equal(t, tt.detcRefuses, err != nil, "detc's verdict on %q: %v", tt.re, err)
			if rejected {
				assert.Error(t, err, "Lucene rejects %q, detc must refuse it", tt.re)
			}
		})
	}
}

// TestWildcardsAgainstLucene: a wildcard term is an automaton too
// (WildcardQuery, determinized with the same limit), and a pattern Lucene
// rejects is refused in every language, with a reason.
func TestWildcardsAgainstLucene(t *testing.T) {
	tests := []struct {
		name, term    string
		value         string
		op            rule.Op
		luceneRejects bool
	}{
		{"endswith a then 11 characters", `*a???????????`, "a???????????", rule.OpEndsWith, false},
		{"endswith a then 13 characters", `*a?????????????`, "a?????????????", rule.OpEndsWith, true},
		{"a path", `*\\AppData\\*\\Temp\\*.exe`, `*\AppData\*\Temp\*.exe`, rule.OpEquals, false},
	}
	seg := checker.Segment{Fields: map[string]string{"f": tKeyword}}
	for _, tt := range tests {
		seg.Queries = append(seg.Queries, checker.Query{ID: tt.name, Text: "f:" + tt.term})
	}
	results, err := luceneChecker(t).Run([]checker.Segment{seg})
	require.NoError(t, err)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rejected := strings.Contains(results[i].Err, "TooComplexToDeterminizeException")
			require.True(t, results[i].Err == "" || rejected, results[i].Err)
			assert.Equal(t, tt.luceneRejects, rejected, "Lucene's verdict on %s", tt.term)
			modifiers := "|cased"
			if tt.op != rule.OpEquals {
				modifiers = "|" + tt.op.String() + modifiers
			}
			r := sigmaRule(t, "category: proxy", fmt.Sprintf("sel:\n  c-uri%s: '%s'\ncondition: sel", modifiers, tt.value))
			for _, lang := range []string{Lucene, EQL, ESQL} {
				_, err := New().Compile(testutil.Checked(t, r), target.Options{Profile: "raw", Lang: lang})
				if !tt.luceneRejects {
					assert.NoError(t, err, lang)
					continue
				}
				require.Error(t, err, lang)
				assert.Contains(t, err.Error(), "Elasticsearch cannot determinize this wildcard pattern within Lucene's limit of 10,000", lang)
			}
		})
	}
}
