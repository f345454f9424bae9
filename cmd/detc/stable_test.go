package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/detc/detc/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBuildIsLocationIndependent builds the same detections from two
// folders: the output is byte-identical and holds neither folder's path.
func TestBuildIsLocationIndependent(t *testing.T) {
	var trees []map[string]string
	var roots []string
	for range 2 {
		root := t.TempDir()
		roots = append(roots, root)
		src := copyTree(t, filepath.Join(packageDir, "testdata", "good"))
		require.NoError(t, os.Rename(src, filepath.Join(root, "detections")))
		t.Chdir(root)
		code, _, stderr := detc(t, "build", "--out", "out", "detections")
		require.Equal(t, 0, code, stderr)
		trees = append(trees, testutil.ReadTree(t, filepath.Join(root, "out")))
	}
	assert.Equal(t, trees[0], trees[1])
	for name, data := range trees[0] {
		for _, root := range roots {
			assert.NotContains(t, data, root, "%s holds an absolute path", name)
		}
	}
}
