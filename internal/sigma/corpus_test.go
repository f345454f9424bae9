package sigma

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/testutil"
)

// corpusFiles reads every rule of the shared SigmaHQ corpus.
func corpusFiles(t testing.TB) map[string][]byte {
	t.Helper()
	dir := testutil.SigmaCorpus(t)
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yml") {
			return err
		}
		data, err := os.ReadFile(path)
		files[path] = data
		return err
	})
	require.NoError(t, err)
	return files
}

// TestCorpus loads every SigmaHQ rule: none may give an error.
func TestCorpus(t *testing.T) {
	files := corpusFiles(t)
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
