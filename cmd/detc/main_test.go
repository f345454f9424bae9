package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/detc/detc/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// detc runs the command line in-process and returns the exit status and
// what it wrote.
func detc(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// diagLine is the diagnostic format editors and CI parsers match.
var diagLine = regexp.MustCompile(`(?m)^[^\s:]+:\d+:\d+: (error|warning): \S`)

// copyTree copies the folder src into a new temporary folder and returns it.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	require.NoError(t, filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(target), 0o755))
		return os.WriteFile(target, data, 0o644)
	}))
	return dst
}

func TestTopLevel(t *testing.T) {
	tests := []struct {
		args       []string
		code       int
		stdout     string
		stderr     string
		stdoutNone bool
	}{
		{args: nil, code: 2, stderr: "Usage:", stdoutNone: true},
		{args: []string{"--help"}, code: 0, stdout: "Commands:"},
		{args: []string{"help"}, code: 0, stdout: "Commands:"},
		{args: []string{"help", "lint"}, code: 0, stdout: "detc lint [--format"},
		{args: []string{"frobnicate"}, code: 2, stderr: `detc: unknown command "frobnicate"`, stdoutNone: true},
		{args: []string{"--version"}, code: 0, stdout: "detc dev (go1."},
		{args: []string{"version"}, code: 0, stdout: "detc dev (go1."},
		{args: []string{"version", "extra"}, code: 2, stderr: "takes no arguments"},
		{args: []string{"lint", "--bogus"}, code: 2, stderr: "detc lint: flag provided but not defined: -bogus\nRun 'detc lint --help' for usage."},
		{args: []string{"lint", "--format", "xml", "testdata/good"}, code: 2, stderr: `unknown format "xml"`},
		{args: []string{"compile", "testdata/good"}, code: 2, stderr: "--target is required"},
		{args: []string{"compile", "--target", "nope", "testdata/good"}, code: 2, stderr: `unknown target "nope"`},
		{args: []string{"lint", "testdata/good"}, code: 0, stdout: "2 rules in 2 files: 0 errors, 0 warnings\n"},
		{args: []string{"lint", "testdata/good", "--format", "json"}, code: 0, stdout: `"diagnostics": []`},
		{args: []string{"lint", "--", "testdata/good"}, code: 0, stdout: "2 rules in 2 files"},
		{args: []string{"lint", "testdata/missing"}, code: 1, stderr: "testdata/missing: error: cannot read testdata/missing: no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := detc(t, tt.args...)
			assert.Equal(t, tt.code, code, "stderr: %s", stderr)
			assert.Contains(t, stdout, tt.stdout)
			assert.Contains(t, stderr, tt.stderr)
			if tt.stdoutNone {
				assert.Empty(t, stdout)
			}
		})
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	for _, c := range commands {
		t.Run(c.Name, func(t *testing.T) {
			for _, flag := range []string{"--help", "-h"} {
				code, stdout, stderr := detc(t, c.Name, flag)
				assert.Equal(t, 0, code)
				assert.Empty(t, stderr)
				assert.Contains(t, stdout, "Usage:\n  detc "+c.Name)
				assert.Contains(t, stdout, "Example:\n  detc "+c.Name)
			}
			_, top, _ := detc(t, "--help")
			assert.Contains(t, top, "  "+c.Name+" ")
		})
	}
}

func TestLintDiagnostics(t *testing.T) {
	dir := copyTree(t, "testdata/good")
	rules := filepath.Join(dir, "proxy.hcl")
	src, err := os.ReadFile(rules)
	require.NoError(t, err)
	// Break the first rule: a condition naming a search that does not exist.
	broken := strings.Replace(string(src), `condition = "upload"`, `condition = "upload and not filter"`, 1)
	require.NoError(t, os.WriteFile(rules, []byte(broken), 0o644))

	code, stdout, stderr := detc(t, "lint", dir)
	assert.Equal(t, 1, code)
	assert.Regexp(t, `^`+regexp.QuoteMeta(rules)+`:\d+:\d+: error: .*"filter"`, stderr)
	assert.Contains(t, stderr, `condition = "upload and not filter"`, "a source snippet follows the diagnostic")
	assert.Contains(t, stdout, "1 error")

	code, stdout, stderr = detc(t, "lint", "--format", "json", dir)
	assert.Equal(t, 1, code)
	assert.Empty(t, stderr)
	var doc struct {
		Errors      int
		Diagnostics []struct {
			File     string
			Line     int
			Column   int
			Severity string
			Code     string
			Message  string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &doc))
	require.Equal(t, 1, doc.Errors)
	d := doc.Diagnostics[0]
	assert.Equal(t, rules, d.File)
	assert.Equal(t, "error", d.Severity)
	assert.NotEmpty(t, d.Code)
	assert.Positive(t, d.Line)
	assert.Positive(t, d.Column)
}

func TestFmt(t *testing.T) {
	dir := t.TempDir()
	ugly := "detection \"x\" {\nid=\"a\"\n    title = \"b\"\n}\n"
	pretty := "detection \"x\" {\n  id    = \"a\"\n  title = \"b\"\n}\n"
	broken := "detection \"x\" {\nid=\n"
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(s), 0o644))
		return p
	}
	a, b, c := write("a.hcl", ugly), write("b.hcl", pretty), write("c.hcl", broken)
	sigma := write("d.yml", "title:   x\n")

	code, stdout, stderr := detc(t, "fmt", "--check", dir)
	assert.Equal(t, 1, code)
	assert.Equal(t, a+"\n", stdout)
	assert.Regexp(t, `^`+regexp.QuoteMeta(c)+`:2:4: error: `, stderr)
	for p, want := range map[string]string{a: ugly, b: pretty, c: broken, sigma: "title:   x\n"} {
		got, _ := os.ReadFile(p)
		assert.Equal(t, want, string(got), "--check writes nothing")
	}

	code, stdout, _ = detc(t, "fmt", dir)
	assert.Equal(t, 1, code, "the broken file is an error")
	assert.Equal(t, a+"\n", stdout)
	for p, want := range map[string]string{a: pretty, b: pretty, c: broken, sigma: "title:   x\n"} {
		got, _ := os.ReadFile(p)
		assert.Equal(t, want, string(got))
	}
	require.NoError(t, os.Remove(c))
	code, stdout, stderr = detc(t, "fmt", "-check", dir)
	assert.Equal(t, 0, code, stderr)
	assert.Empty(t, stdout)
	entries, _ := os.ReadDir(dir)
	assert.Len(t, entries, 3, "no temporary files are left")
}

func TestBuild(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	code, stdout, stderr := detc(t, "build", "--out", out, "testdata/good")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "built 2 detections for elastic, kql, splunk into ")
	first := testutil.ReadTree(t, out)
	assert.Contains(t, first, ".detc-build")
	assert.Contains(t, first, "refusals.json")
	assert.Contains(t, first, "navigator/layer.json")
	assert.Contains(t, first, "runbooks/11111111-1111-4111-8111-111111111111.md")
	assert.Equal(t, "[]\n", first["refusals.json"])
	for _, target := range []string{"elastic", "kql", "splunk"} {
		n := 0
		for p := range first {
			if strings.HasPrefix(p, target+"/") {
				n++
			}
		}
		assert.Positive(t, n, "%s has deployment files", target)
	}

	// Determinism: a second build gives byte-identical files.
	again := filepath.Join(dir, "again")
	code, _, stderr = detc(t, "build", "--out", again, "testdata/good")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, first, testutil.ReadTree(t, again))

	// A build that fails leaves the previous output as it was.
	bad := copyTree(t, "testdata/good")
	require.NoError(t, os.WriteFile(filepath.Join(bad, "broken.hcl"), []byte("detection \"x\" {\n"), 0o644))
	code, _, stderr = detc(t, "build", "--out", out, bad)
	assert.Equal(t, 1, code)
	assert.Regexp(t, diagLine, stderr)
	assert.Contains(t, stderr, "nothing was written")
	assert.Equal(t, first, testutil.ReadTree(t, out))

	// An output folder that holds other files is not replaced.
	foreign := filepath.Join(dir, "foreign")
	require.NoError(t, os.MkdirAll(foreign, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(foreign, "keep.txt"), []byte("mine"), 0o644))
	code, _, stderr = detc(t, "build", "--out", foreign, "testdata/good")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "refusing to replace")
	assert.Equal(t, map[string]string{"keep.txt": "mine"}, testutil.ReadTree(t, foreign))

	// An output path under a file cannot be created.
	code, _, stderr = detc(t, "build", "--out", filepath.Join(foreign, "keep.txt", "out"), "testdata/good")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "detc build: cannot use")
	assert.Equal(t, map[string]string{"keep.txt": "mine"}, testutil.ReadTree(t, foreign))
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"again", "foreign", "out"}, names, "no temporary folders are left")
}

// TestBadInput feeds broken files to lint and build: each must exit 1 with
// a file:line:col diagnostic naming the file, never panic, and write no
// build output.
func TestBadInput(t *testing.T) {
	deepYAML := "title: x\ndetection:\n  sel:\n    f: " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "\n  condition: sel\n"
	deepHCL := "detection \"x\" {\n" + strings.Repeat("a {\n", 20000) + strings.Repeat("}\n", 20000) + "}\n"
	deepCond := strings.Replace(goodHCL, `condition = "sel"`, `condition = "`+strings.Repeat("(", 100000)+"sel"+strings.Repeat(")", 100000)+`"`, 1)
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(i*7 + i/13)
	}
	tests := []struct {
		name, file string
		data       []byte
	}{
		{"yaml syntax error", "r.yml", []byte("title: x\ndetection: [unclosed\n")},
		{"unknown modifier", "r.hcl", []byte(strings.Replace(goodHCL, `equals = ["POST"]`, `frobnicate = ["POST"]`, 1))},
		{"broken condition", "r.hcl", []byte(strings.Replace(goodHCL, `condition = "sel"`, `condition = "sel and (("`, 1))},
		{"empty yaml", "r.yml", nil},
		{"empty hcl", "r.hcl", []byte("\n\n")},
		{"binary garbage yaml", "r.yml", garbage},
		{"binary garbage hcl", "r.hcl", garbage},
		{"50 MB file", "r.yml", bytes.Repeat([]byte("# padding padding padding padding\n"), 50<<20/34)},
		{"deeply nested yaml", "r.yml", []byte(deepYAML)},
		{"deeply nested hcl", "r.hcl", []byte(deepHCL)},
		{"deeply nested condition", "r.hcl", []byte(deepCond)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, tt.file)
			require.NoError(t, os.WriteFile(file, tt.data, 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "r.jsonl"), []byte(goodFixture), 0o644))
			code, _, stderr := detc(t, "lint", dir)
			assert.Equal(t, 1, code)
			assert.Regexp(t, `(?m)^`+regexp.QuoteMeta(file)+`:\d+:\d+: error: \S`, stderr)
			assert.Less(t, len(stderr), 20000, "a diagnostic does not echo the input")

			out := filepath.Join(t.TempDir(), "out")
			code, _, stderr = detc(t, "build", "--out", out, dir)
			assert.Equal(t, 1, code)
			assert.Regexp(t, `(?m)^`+regexp.QuoteMeta(file)+`:\d+:\d+: error: \S`, stderr)
			assert.NoDirExists(t, out)

			code, _, stderr = detc(t, "test", dir)
			assert.Equal(t, 1, code)
			assert.Regexp(t, `(?m)^`+regexp.QuoteMeta(file)+`:\d+:\d+: error: \S`, stderr)
		})
	}
}

// goodHCL is one valid detection for the bad-input cases to break.
const goodHCL = `detection "x" {
  id          = "33333333-3333-4333-8333-333333333333"
  title       = "x"
  description = "x"
  status      = "test"
  level       = "low"
  author      = "x"
  date        = "2026-11-30"
  logsource {
    category = "proxy"
  }
  mitre {
    techniques = ["T1567.004"]
  }
  selection "sel" {
    match "cs-method" {
      equals = ["POST"]
    }
  }
  condition = "sel"
  test "t" {
    fixture = "r.jsonl"
    match   = ["hit"]
  }
}
`

// goodFixture proves goodHCL.
const goodFixture = `{"_id":"hit","cs-method":"POST"}
{"_id":"miss","cs-method":"GET"}
`

func TestGoodHCLIsValid(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "r.hcl"), []byte(goodHCL), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "r.jsonl"), []byte(goodFixture), 0o644))
	code, _, stderr := detc(t, "lint", dir)
	assert.Equal(t, 0, code, stderr)
	assert.Equal(t, dir+"/r.hcl:12:3: warning: rule 33333333-3333-4333-8333-333333333333: no runbook card for T1567.004: "+
		"its runbook will have no triage steps or playbook; add a card such as cards/T1567.004.card.yml under the detections (see docs/content-pack.md)\n"+
		"   12 |   mitre {\n      |   ^\n", stderr, "a technique without a card")

	card, err := os.ReadFile("testdata/good/cards/T1567.004.card.yml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "T1567.004.card.yml"), card, 0o644))
	code, _, stderr = detc(t, "lint", dir)
	assert.Equal(t, 0, code, stderr)
	assert.Empty(t, stderr)
}
