package sigma

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil"
)

// corpusFiles reads every rule of the shared SigmaHQ corpus.
// TestCorpus loads every SigmaHQ rule: none may give an error.
func TestCorpus(t *testing.T) {
	files := testutil.SigmaCorpusFiles(t)
	require.Len(t, files, 3141)
	rules, diags := LoadFiles(files)
	var errs []string
	for _, d := range diags {
		if d.Severity == 0 {
			errs = append(errs, d.String())
		}
	}
	require.Empty(t, errs)
	require.Len(t, rules, 3141)
}

// BenchmarkLoadCorpus loads the 3,141 SigmaHQ rules on one goroutine.
func BenchmarkLoadCorpus(b *testing.B) {
	files := testutil.SigmaCorpusFiles(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var all []*rule.Rule
		for name, data := range files {
			rules, _ := Load(name, data)
			all = append(all, rules...)
		}
		if rules, _ := ResolveCorrelations(all); len(rules) != len(files) {
			b.Fatalf("loaded %d rules from %d files", len(rules), len(files))
		}
	}
}

// BenchmarkLoadFilesCorpus loads the corpus with LoadFiles, in parallel
// over GOMAXPROCS.
func BenchmarkLoadFilesCorpus(b *testing.B) {
	files := testutil.SigmaCorpusFiles(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if rules, _ := LoadFiles(files); len(rules) != len(files) {
			b.Fatalf("loaded %d rules from %d files", len(rules), len(files))
		}
	}
}
