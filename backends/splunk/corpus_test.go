package splunk_test

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

	"github.com/detc/detc/backends/splunk"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/testutil/corpus"
)

// TestCorpusRaw compiles every SigmaHQ rule with the raw profile: at least
// 99.5% compile, every refusal is a target.Refusal naming the construct and
// the reason, and the reasons are listed by count.
func TestCorpusRaw(t *testing.T) {
	compiled, total, report := compileCorpus(t, target.Options{Profile: "raw"})
	t.Log(report)
	assert.GreaterOrEqual(t, float64(compiled), 0.995*float64(total), report)
}

// TestCorpusCIM: the cim profile compiles at least 2,000 of the 3,141
// rules (issue 13's floor; TestCorpusCIMSchema checks their fields against
// the published schemas); every failure is a refusal with a reason.
func TestCorpusCIM(t *testing.T) {
	compiled, _, report := compileCorpus(t, target.Options{Profile: "cim"})
	t.Log(report)
	assert.GreaterOrEqual(t, compiled, 2000, report)
}

func compileCorpus(t *testing.T, opts target.Options) (int, int, string) {
	rules := corpus.Rules(t)
	b := splunk.New()
	reasons := map[string]int{}
	compiled := 0
	for _, r := range rules {
		q, err := b.Compile(testutil.Checked(t, r), opts)
		if err == nil {
			compiled++
			// The reader knows no foreach: no query reads every field.
			_, perr := parseSPL(q.Text)
			assert.NoError(t, perr, "%s: the reader cannot parse:\n%s", r.File, q.Text)
			continue
		}
		var te *target.Refusal
		require.True(t, errors.As(err, &te), "%s: not a refusal: %v", r.File, err)
		assert.NotEmpty(t, te.Construct, "%s", err)
		assert.NotEmpty(t, te.Reason, "%s", err)
		assert.Equal(t, r.ID, te.RuleID)
		reasons[corpus.ReasonShape(te.Construct+": "+te.Reason)]++
	}
	keys := slices.Sorted(maps.Keys(reasons))
	sort.SliceStable(keys, func(i, j int) bool { return reasons[keys[i]] > reasons[keys[j]] })
	var report strings.Builder
	fmt.Fprintf(&report, "profile %s: %d of %d rules compile (%.2f%%), %d refused\n", opts.Profile, compiled, len(rules),
		100*float64(compiled)/float64(len(rules)), len(rules)-compiled)
	for i, k := range keys {
		if i == 15 {
			fmt.Fprintf(&report, "  ... %d more reasons\n", len(keys)-i)
			break
		}
		fmt.Fprintf(&report, "%5d  %s\n", reasons[k], k)
	}
	return compiled, len(rules), report.String()
}

// BenchmarkCompileCorpus compiles the whole corpus with the raw profile;
// ns/rule is the figure to read.
func BenchmarkCompileCorpus(b *testing.B) {
	rules, _ := check.All(corpus.Rules(b))
	be := splunk.New()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, r := range rules {
			_, _ = be.Compile(r, target.Options{Profile: "raw"})
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rules)), "ns/rule")
}
