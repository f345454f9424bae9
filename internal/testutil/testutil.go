// Package testutil holds helpers shared by detc's tests: golden files with
// an -update flag, and the location of the optional shared corpora.
package testutil

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/ with the current output")

// Golden compares got with the file testdata/<name>; with -update it writes
// the file instead. Golden files are the reviewed, expected output.
func Golden(t testing.TB, name string, got []byte) {
	t.Helper()
	GoldenFile(t, filepath.Join("testdata", name), got)
}

// GoldenFile is Golden for a file anywhere, such as a generated document
// under docs/; -update writes it.
func GoldenFile(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "golden file missing: run go test -update to create it")
	require.Equal(t, string(want), string(got), "output differs from %s (go test -update rewrites it)", path)
}

// RepoRoot returns the module root (the folder holding go.mod).
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "go.mod not found above the test's folder")
		dir = parent
	}
}

// SharedDir returns the project's shared reference folder (../shared from
// the checkout, or $DETC_SHARED). It exists on developer machines and in CI,
// not on users' machines; tests that need it are optional corpus checks and
// say so when it is absent.
func SharedDir(t testing.TB) (string, bool) {
	t.Helper()
	dir := os.Getenv("DETC_SHARED")
	if dir == "" {
		dir = filepath.Join(RepoRoot(t), "..", "shared")
	}
	if _, err := os.Stat(filepath.Join(dir, "sigma-corpus", "rules")); err != nil {
		return "", false
	}
	return dir, true
}

// SigmaCorpus returns the SigmaHQ rules folder, or skips the test with a
// message when the shared corpus is not on this machine (users' machines).
// CI sets DETC_REQUIRE_CORPUS=1 so that a missing corpus fails instead.
func SigmaCorpus(t testing.TB) string {
	t.Helper()
	dir, ok := SharedDir(t)
	if !ok {
		if os.Getenv("DETC_REQUIRE_CORPUS") != "" {
			t.Fatal("the shared SigmaHQ corpus is required (DETC_REQUIRE_CORPUS is set) but ../shared/sigma-corpus/rules is missing")
		}
		t.Skip("optional corpus check: ../shared/sigma-corpus/rules is not on this machine")
	}
	return filepath.Join(dir, "sigma-corpus", "rules")
}

// ReadTree reads every file under root, keyed by slash-separated path
// relative to root, so tests can compare whole output folders.
func ReadTree(t testing.TB, root string) map[string]string {
	t.Helper()
	files := map[string]string{}
	require.NoError(t, filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = string(data)
		return nil
	}))
	return files
}

// Tool returns the path of an external checker the tests run (gitleaks,
// named-checkzone, squid): on PATH, or under bin/tools of the checkout,
// where make deps installs Go tools. A missing tool fails the test, as a
// missing Kusto.Language or Lucene does: make deps installs every one.
func Tool(t testing.TB, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", filepath.Join(RepoRoot(t), "bin", "tools")} {
		p := filepath.Join(dir, name)
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			return p
		}
	}
	t.Fatalf("%s is not installed; run make deps", name)
	return ""
}
