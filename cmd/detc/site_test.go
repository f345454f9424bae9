package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/testutil"
)

func TestSiteCommand(t *testing.T) {
	good := filepath.Join(packageDir, "testdata", "good")
	out := filepath.Join(t.TempDir(), "catalog")
	code, stdout, stderr := detc(t, "site", "--out", out, good)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "wrote the catalog of 2 detections into "+out)
	first := testutil.ReadTree(t, out)
	assert.Contains(t, first, "index.html")
	assert.Contains(t, first, "attack.html")
	assert.Contains(t, first, ".detc-build")

	code, _, stderr = detc(t, "site", "--out", out, good)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, first, testutil.ReadTree(t, out), "the same input gives the same catalog")

	// A folder of other files is not replaced.
	other := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(other, "notes.txt"), []byte("mine"), 0o644))
	code, _, stderr = detc(t, "site", "--out", other, good)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "refusing to replace")
	data, err := os.ReadFile(filepath.Join(other, "notes.txt"))
	require.NoError(t, err)
	assert.Equal(t, "mine", string(data))

	// Lint errors stop it before anything is written.
	bad := filepath.Join(t.TempDir(), "bad")
	code, _, stderr = detc(t, "site", "--out", bad, filepath.Join(packageDir, "testdata", "refused", "unmapped.hcl"), filepath.Join(t.TempDir(), "missing.yml"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "nothing was written")
	assert.NoDirExists(t, bad)
}

func TestBuildWritesTheCatalog(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := detc(t, "build", "--out", out, filepath.Join(packageDir, "testdata", "good"))
	require.Equal(t, 0, code, stderr)
	assert.FileExists(t, filepath.Join(out, "site", "index.html"))
	assert.FileExists(t, filepath.Join(out, "site", "attack.html"))
}

func TestServeRefusesABadAddress(t *testing.T) {
	code, _, stderr := detc(t, "serve", "--addr", "256.0.0.1:http-nope", filepath.Join(packageDir, "testdata", "good"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "detc serve:")
}
