package sigma

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/testutil"
)

// TestGolden loads each file under testdata/rules and compares the dump of
// its rules and diagnostics with testdata/golden/<name>.txt.
func TestGolden(t *testing.T) {
	paths, err := filepath.Glob("testdata/rules/*.yml")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".yml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			rules, diags := LoadFiles(map[string][]byte{path: data})
			var b strings.Builder
			b.WriteString(testutil.Dump(rules, true))
			for _, d := range diags {
				b.WriteString(d.String() + "\n")
			}
			testutil.Golden(t, filepath.Join("golden", name+".txt"), []byte(b.String()))
		})
	}
}
