package build

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/testutil/corpus"
)

// BenchmarkCorpusBuild builds the SigmaHQ corpus (3,141 rules; skipped
// where it is absent) for every target in its default profile with
// runbooks, as detc build does after lint. Each rule is compiled once per
// target; a rule a target refuses (in its compiler or its packager) is
// left out of that target, and one every target refuses is a warning
// (undeployed), as in detc build: the corpus's rules deployed nowhere are
// refused for what the SIEMs lack, not for a misspelt field.
func BenchmarkCorpusBuild(b *testing.B) {
	rules, _ := check.All(corpus.Rules(b))
	b.ReportAllocs()
	for b.Loop() {
		deps := CompileOnceFor(Defaults(registry.All()))
		res, err := Run(rules, Options{Out: filepath.Join(b.TempDir(), "out"), Deployments: deps,
			Runbook: Runbooks(rules, deps, nil), Known: registry.Mappings()})
		require.NoError(b, err)
		require.NotEmpty(b, res.Files)
	}
}
