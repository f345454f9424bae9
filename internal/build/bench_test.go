package build

import (
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil/corpus"
)

var ruleInError = regexp.MustCompile(`rule ([0-9a-f-]{36}):`)

// BenchmarkCorpusBuild builds the SigmaHQ corpus (3,141 rules; skipped
// where it is absent) for every target with runbooks, as detc build does
// after lint: `detc build` itself stops at lint over the corpus, whose
// rules have no fixture tests. Each rule is compiled once per target.
func BenchmarkCorpusBuild(b *testing.B) {
	rules := corpus.Rules(b)
	// A few corpus rules cannot be deployed (a Sentinel query past 10,000
	// characters fails packaging, as it should): they are left out.
	left := 0
	for {
		_, err := Run(rules, Options{Out: filepath.Join(b.TempDir(), "out"), Backends: registry.All()})
		if err == nil {
			break
		}
		m := ruleInError.FindStringSubmatch(err.Error())
		require.NotNil(b, m, "%v", err)
		rules = slices.DeleteFunc(rules, func(r *rule.Rule) bool { return r.ID == m[1] })
		left++
	}
	b.Logf("%d rules built, %d left out as they cannot be packaged", len(rules), left)
	var backends []target.Backend
	b.ReportAllocs()
	for b.Loop() {
		backends = CompileOnce(registry.All())
		res, err := Run(rules, Options{Out: filepath.Join(b.TempDir(), "out"), Backends: backends,
			Runbook: Runbooks(rules, backends, nil)})
		require.NoError(b, err)
		require.NotEmpty(b, res.Files)
	}
}
