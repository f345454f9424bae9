package build

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/testutil/corpus"
)

// BenchmarkCorpusBuild builds the SigmaHQ corpus (3,141 rules; skipped
// where it is absent) for every target with runbooks, as detc build does
// after lint: `detc build` itself stops at lint over the corpus, whose
// rules have no fixture tests. Each rule is compiled once per target.
func BenchmarkCorpusBuild(b *testing.B) {
	rules, _ := check.All(corpus.Rules(b))
	// A few corpus rules cannot be deployed (a Sentinel query past 10,000
	// characters fails packaging, as it should): they are left out.
	var kept []*check.Rule
	for _, r := range rules {
		ok := true
		for _, be := range registry.All() {
			if d, refusal := Compile(Deployment{Backend: be}, r, "", nil); refusal == nil {
				if _, err := be.Package([]target.Deployable{*d}, target.Options{}); err != nil {
					ok = false
				}
			}
		}
		if ok {
			kept = append(kept, r)
		}
	}
	b.Logf("%d rules built, %d left out as they cannot be packaged", len(kept), len(rules)-len(kept))
	rules = kept
	b.ReportAllocs()
	for b.Loop() {
		deps := CompileOnceFor(Defaults(registry.All()))
		res, err := Run(rules, Options{Out: filepath.Join(b.TempDir(), "out"), Deployments: deps,
			Runbook: Runbooks(rules, deps, nil)})
		require.NoError(b, err)
		require.NotEmpty(b, res.Files)
	}
}
