package lint

import (
	"testing"

	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/testutil"
)

// BenchmarkLoadCorpus loads the 3,000-odd SigmaHQ rules, as `detc lint`
// over the corpus does before checking.
func BenchmarkLoadCorpus(b *testing.B) {
	dir := testutil.SigmaCorpus(b)
	for b.Loop() {
		load.Paths([]string{dir})
	}
}

// BenchmarkCheckCorpus lints the loaded SigmaHQ rules.
func BenchmarkCheckCorpus(b *testing.B) {
	set, _ := load.Paths([]string{testutil.SigmaCorpus(b)})
	b.ResetTimer()
	for b.Loop() {
		Check(set)
	}
}
