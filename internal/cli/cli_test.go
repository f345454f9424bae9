package cli

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/detc/detc/internal/report"
	"github.com/detc/detc/internal/rule"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testCmd = &Command{Name: "lint", Summary: "check", Usage: "detc lint [PATH...]", Example: "detc lint detections/"}

func TestParse(t *testing.T) {
	tests := []struct {
		args   []string
		paths  []string
		format string
		strict bool
		err    error
		stderr string
	}{
		{args: nil, paths: nil, format: "text"},
		{args: []string{"a", "b"}, paths: []string{"a", "b"}, format: "text"},
		{args: []string{"--format", "json", "a"}, paths: []string{"a"}, format: "json"},
		{args: []string{"a", "--format", "json", "b", "-strict"}, paths: []string{"a", "b"}, format: "json", strict: true},
		{args: []string{"a", "--format=json"}, paths: []string{"a"}, format: "json"},
		{args: []string{"a", "--", "--format", "-x"}, paths: []string{"a", "--format", "-x"}, format: "text"},
		{args: []string{"a", "--nope"}, err: ErrUsage, stderr: "detc lint: flag provided but not defined: -nope\nRun 'detc lint --help' for usage.\n"},
		{args: []string{"a", "--format"}, err: ErrUsage, stderr: "detc lint: flag needs an argument: -format\n"},
		{args: []string{"a", "--help"}, err: flag.ErrHelp},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			fs := flag.NewFlagSet("lint", flag.ContinueOnError)
			format := fs.String("format", "text", "output format")
			strict := fs.Bool("strict", false, "")
			var stdout, stderr bytes.Buffer
			paths, err := Parse(testCmd, fs, tt.args, &stdout, &stderr)
			if tt.err != nil {
				assert.True(t, errors.Is(err, tt.err), "got %v", err)
				assert.Contains(t, stderr.String(), tt.stderr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.paths, paths)
			assert.Equal(t, tt.format, *format)
			assert.Equal(t, tt.strict, *strict)
			assert.Empty(t, stderr.String())
		})
	}
	assert.Equal(t, ExitOK, Exit(flag.ErrHelp))
	assert.Equal(t, ExitUsage, Exit(ErrUsage))
}

func TestHelp(t *testing.T) {
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	fs.String("format", "text", "output `format`")
	fs.Bool("strict", false, "fail on warnings")
	var stdout bytes.Buffer
	_, err := Parse(testCmd, fs, []string{"-h"}, &stdout, &bytes.Buffer{})
	require.ErrorIs(t, err, flag.ErrHelp)
	assert.Equal(t, `check

Usage:
  detc lint [PATH...]

Flags:
  --format format
      output format (default "text")
  --strict
      fail on warnings

Example:
  detc lint detections/
`, stdout.String())
}

func TestWriteDiagnostics(t *testing.T) {
	sources := map[string][]byte{
		"a.hcl": []byte("line one\n\tmatch \"x\" {\r\n\x1b[31mred\n" + strings.Repeat("x", 300) + "y\n"),
	}
	diags := rule.Diagnostics{
		{Severity: rule.Error, Pos: rule.Pos{File: "a.hcl", Line: 2, Col: 8}, End: rule.Pos{File: "a.hcl", Line: 2, Col: 11}, Summary: "bad", Detail: "why"},
		{Severity: rule.Error, Pos: rule.Pos{File: "a.hcl", Line: 1, Col: 6}, End: rule.Pos{File: "a.hcl", Line: 2, Col: 3}, Summary: "over two lines"},
		{Severity: rule.Warning, Pos: rule.Pos{File: "a.hcl", Line: 3, Col: 1}, Summary: "control characters"},
		{Severity: rule.Error, Pos: rule.Pos{File: "a.hcl", Line: 4, Col: 301}, Summary: "long line"},
		{Severity: rule.Error, Pos: rule.Pos{File: "a.hcl", Line: 99, Col: 1}, Summary: "past the end"},
		{Severity: rule.Error, Pos: rule.Pos{File: "other.yml", Line: 1, Col: 1}, Summary: "no source"},
		{Severity: rule.Error, Pos: rule.Pos{File: "dir"}, Summary: "no position"},
	}
	var b bytes.Buffer
	WriteDiagnostics(&b, diags, sources)
	want := "a.hcl:2:8: error: bad: why\n" +
		"    2 | \tmatch \"x\" {\n" +
		"      | \t      ^~~\n" +
		"a.hcl:1:6: error: over two lines\n" +
		"    1 | line one\n" +
		"      |      ^\n" +
		"a.hcl:3:1: warning: control characters\n" +
		"    3 | \uFFFD[31mred\n" +
		"      | ^\n" +
		"a.hcl:4:301: error: long line\n" +
		"    4 | " + strings.Repeat("x", 80) + "y\n" +
		"      | " + strings.Repeat(" ", 80) + "^\n" +
		"a.hcl:99:1: error: past the end\n" +
		"other.yml:1:1: error: no source\n" +
		"dir: error: no position\n"
	assert.Equal(t, want, b.String())
}

func TestReporters(t *testing.T) {
	assert.Equal(t, []string{"github", "json", "junit", "sarif", "text"}, Formats())
	res := Result{
		Diags: rule.Diagnostics{
			{Severity: rule.Error, Pos: rule.Pos{File: "a.yml", Line: 3, Col: 5}, Code: "unknown-search", Summary: "no such search", Detail: "d"},
			{Severity: rule.Warning, Pos: rule.Pos{File: "a.yml", Line: 9, Col: 1}, Code: "missing-metadata", Summary: "no author"},
		},
		Files: 1, Rules: 1,
	}
	text, _ := LookupReporter("text")
	var stdout, stderr bytes.Buffer
	require.NoError(t, text(&stdout, &stderr, res))
	assert.Equal(t, "1 rule in 1 file: 1 error, 1 warning\n", stdout.String())
	assert.Equal(t, "a.yml:3:5: error: no such search: d\na.yml:9:1: warning: no author\n", stderr.String())

	js, _ := LookupReporter("json")
	stdout.Reset()
	stderr.Reset()
	require.NoError(t, js(&stdout, &stderr, res))
	assert.Empty(t, stderr.String())
	assert.JSONEq(t, `{"files":1,"rules":1,"errors":1,"warnings":1,"diagnostics":[
		{"file":"a.yml","line":3,"column":5,"severity":"error","code":"unknown-search","message":"no such search","detail":"d"},
		{"file":"a.yml","line":9,"column":1,"severity":"warning","code":"missing-metadata","message":"no author"}]}`, stdout.String())

	stdout.Reset()
	require.NoError(t, js(&stdout, &stderr, Result{}))
	assert.Contains(t, stdout.String(), `"diagnostics": []`, "an empty list, not null")

	gh, _ := LookupReporter("github")
	stdout.Reset()
	require.NoError(t, gh(&stdout, &stderr, res))
	// Files are named from the repository's top (internal/cli/a.yml in a
	// checkout).
	a := report.Here().Rel("a.yml")
	assert.Equal(t, "::error file="+a+",line=3,col=5,title=unknown-search::no such search: d\n"+
		"::warning file="+a+",line=9,col=1,title=missing-metadata::no author\n"+
		"1 rule in 1 file: 1 error, 1 warning\n", stdout.String())

	sarif, _ := LookupReporter("sarif")
	stdout.Reset()
	res.Version = "1.2.3"
	require.NoError(t, sarif(&stdout, &stderr, res))
	assert.Contains(t, stdout.String(), `"version": "1.2.3"`)
	assert.Contains(t, stdout.String(), `"uri": "`+a+`"`)

	junit, _ := LookupReporter("junit")
	stdout.Reset()
	res.FileNames = []string{"a.yml", "b.yml"}
	require.NoError(t, junit(&stdout, &stderr, res))
	assert.Contains(t, stdout.String(), `<testsuites name="detc lint" tests="2" failures="1">`)
	assert.Empty(t, stderr.String())

	_, ok := LookupReporter("xml")
	assert.False(t, ok)
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.hcl")
	require.NoError(t, WriteFile(p, []byte("one"), 0o600))
	require.NoError(t, os.Chmod(p, 0o640))
	require.NoError(t, WriteFile(p, []byte("two"), 0o600))
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, "two", string(data))
	info, err := os.Stat(p)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), info.Mode().Perm(), "an existing file keeps its mode")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left")

	assert.Error(t, WriteFile(filepath.Join(dir, "missing", "a.hcl"), []byte("x"), 0o644))
}
