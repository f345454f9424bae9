// Package testutil holds helpers shared by detc's tests: golden files with
// an -update flag, and the location of the optional shared corpora.
package testutil

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/rule"
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
	if d := firstDifference(string(want), string(got)); d != "" {
		t.Fatalf("output differs from %s (go test -update rewrites it):\n%s", path, d)
	}
}

// Part is one named piece of a golden file, such as one rule's query.
type Part struct {
	Name string
	// Text starts with a line that appears once in the file (a header
	// such as "# <rule id> <title>"), by which the file is split.
	Text string
}

// GoldenParts is Golden for a file made of parts, one per rule: the file
// is the parts joined, and each part is compared in a subtest named after
// it, so that a failure names the rule and shows only its diff.
func GoldenParts(t *testing.T, name string, parts []Part) {
	t.Helper()
	path := filepath.Join("testdata", name)
	var all strings.Builder
	for _, p := range parts {
		all.WriteString(p.Text)
	}
	if *update {
		GoldenFile(t, path, []byte(all.String()))
		return
	}
	data, err := os.ReadFile(path)
	require.NoError(t, err, "golden file missing: run go test -update to create it")
	want := string(data)
	if want == all.String() {
		return
	}
	// Where each part's header line starts in the file; a part runs to
	// the next header.
	starts := make([]int, len(parts))
	for i, p := range parts {
		header, _, _ := strings.Cut(p.Text, "\n")
		starts[i] = -1
		if strings.HasPrefix(want, header+"\n") {
			starts[i] = 0
		} else if at := strings.Index(want, "\n"+header+"\n"); at >= 0 {
			starts[i] = at + 1
		}
	}
	for i, p := range parts {
		t.Run(p.Name, func(t *testing.T) {
			if starts[i] < 0 {
				t.Fatalf("%s has no part %q (go test -update rewrites it)", path, p.Name)
			}
			end := len(want)
			for _, s := range starts {
				if s > starts[i] && s < end {
					end = s
				}
			}
			if d := firstDifference(want[starts[i]:end], p.Text); d != "" {
				t.Fatalf("part %q differs from %s (go test -update rewrites it):\n%s", p.Name, path, d)
			}
		})
	}
	if !t.Failed() {
		t.Fatalf("%s differs from the parts in what lies outside them (go test -update rewrites it):\n%s", path, firstDifference(want, all.String()))
	}
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

// RequireChecker skips a test that needs an external checker (Microsoft's
// Kusto.Language parser, Lucene) when unavailable says it cannot run here,
// so that a plain `go test ./...` passes on a fresh clone. `make test`
// installs the checkers and CI sets DETC_REQUIRE_CHECKERS=1, under which a
// missing checker fails the test instead.
func RequireChecker(t testing.TB, name string, unavailable error) {
	t.Helper()
	if unavailable == nil {
		return
	}
	if os.Getenv("DETC_REQUIRE_CHECKERS") != "" {
		t.Fatalf("the %s checker is required (DETC_REQUIRE_CHECKERS is set) but cannot run: %v", name, unavailable)
	}
	t.Skipf("needs the %s checker, which cannot run here (%v): run `make deps`, or set DETC_REQUIRE_CHECKERS=1 to fail instead", name, unavailable)
}

// Checked runs the check phase on a rule built or loaded by a test, which
// must pass it, for the backends and the evaluator that take checked rules.
func Checked(t testing.TB, r *rule.Rule) *check.Rule {
	t.Helper()
	c, diags := check.Run(r)
	require.False(t, diags.HasErrors(), "the test's rule must pass the check phase: %v", diags)
	return c
}

// SigmaCorpusFiles reads every rule file of the shared SigmaHQ corpus, by
// path (skipping the test where the corpus is absent, as SigmaCorpus does).
func SigmaCorpusFiles(t testing.TB) map[string][]byte {
	t.Helper()
	dir := SigmaCorpus(t)
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

// Tool returns the path of an external checker the tests run (gitleaks,
// named-checkzone, squid): on PATH, or under bin/tools of the checkout,
// where make deps installs Go tools. A missing tool skips the test, or
// fails it under DETC_REQUIRE_CHECKERS=1, as a missing Kusto.Language or
// Lucene does (RequireChecker): make deps installs every one.
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
	RequireChecker(t, name, fmt.Errorf("%s is not installed", name))
	return ""
}

// firstDifference shows where got first departs from want: the lines
// around it, "-" for the golden file's and "+" for the output's, so that a
// failure prints a few lines instead of two whole files. "" when equal.
func firstDifference(want, got string) string {
	if want == got {
		return ""
	}
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "first difference at line %d:\n", i+1)
	for _, l := range w[max(0, i-2):i] {
		b.WriteString("  " + l + "\n")
	}
	for _, l := range w[i:min(len(w), i+3)] {
		b.WriteString("- " + l + "\n")
	}
	for _, l := range g[i:min(len(g), i+3)] {
		b.WriteString("+ " + l + "\n")
	}
	return b.String()
}
