package kql_test

import (
	"errors"
	"fmt"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/testutil"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/kql"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/testutil/corpus"
)

// corpusFloor is how many of the 3,141 rules each real-schema profile must
// compile at least (issue 13's figures, where the profile reaches them).
var corpusFloor = map[string]int{"sentinel-asim": 1630, "sentinel-csl": 1230, "defender-xdr": 1840}

// TestCorpus compiles every SigmaHQ rule for every profile and parses and
// binds every query with Microsoft's parser in one batch, against the
// declared workspace (every table, function and column the profiles read,
// from Microsoft's references): zero diagnostics. With the raw profile at
// least 99.5% of the rules compile, the others at least their
// corpusFloor; every refusal is a target.Refusal with a construct and a
// reason. Counts and reasons are logged (go test -v).
func TestCorpus(t *testing.T) {
	rules := corpus.Rules(t)
	require.Len(t, rules, 3141)
	b := kql.New()
	check := newChecker(t)
	var report strings.Builder
	compiledRaw := 0
	for _, p := range b.Profiles() {
		reasons := map[string]int{}
		compiled := 0
		for _, r := range rules {
			q, err := b.Compile(testutil.Checked(t, r), target.Options{Profile: p})
			if err == nil {
				compiled++
				check.add(t, p+" "+r.File, q, q.Text, nil)
				continue
			}
			var te *target.Refusal
			require.True(t, errors.As(err, &te), "%s: not a refusal: %v", r.File, err)
			assert.NotEmpty(t, te.Construct, "%s", err)
			assert.NotEmpty(t, te.Reason, "%s", err)
			assert.Equal(t, r.ID, te.RuleID)
			reasons[corpus.ReasonShape(te.Construct+": "+te.Reason)]++
		}
		if p == "raw" {
			compiledRaw = compiled
		}
		assert.GreaterOrEqual(t, compiled, corpusFloor[p], p)
		fmt.Fprintf(&report, "%s: %d of %d rules compile (%.2f%%), %d refused\n", p, compiled, len(rules), 100*float64(compiled)/float64(len(rules)), len(rules)-compiled)
		keys := slices.Sorted(maps.Keys(reasons))
		sort.SliceStable(keys, func(i, j int) bool { return reasons[keys[i]] > reasons[keys[j]] })
		for i, k := range keys {
			if p != "raw" && i == 8 {
				fmt.Fprintf(&report, "        ... %d more reasons\n", len(keys)-8)
				break
			}
			fmt.Fprintf(&report, "%6d  %s\n", reasons[k], k)
		}
	}
	bad := check.run(t)
	fmt.Fprintf(&report, "Kusto.Language: %d queries parsed, %d with errors\n", len(check.queries), len(bad))
	t.Log(report.String())
	for _, q := range check.queries {
		assert.Empty(t, bad[q.name], "%s:\n%s", q.name, q.text)
	}
	assert.GreaterOrEqual(t, float64(compiledRaw), 0.995*float64(len(rules)), report.String())
}

// BenchmarkCompileCorpus compiles the whole corpus with the raw profile;
// ns/rule is the figure to read.
func BenchmarkCompileCorpus(b *testing.B) {
	rules, _ := check.All(corpus.Rules(b))
	be := kql.New()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, r := range rules {
			_, _ = be.Compile(r, target.Options{Profile: "raw"})
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rules)), "ns/rule")
}
