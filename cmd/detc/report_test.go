package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// brokenGood is testdata/good with one condition naming a search that does
// not exist and one test expecting an event that does not match, in a
// repository of its own.
func brokenGood(t *testing.T) string {
	t.Helper()
	dir := copyTree(t, "testdata/good")
	require.NoError(t, os.Mkdir(filepath.Join(dir, ".git"), 0o755))
	p := filepath.Join(dir, "proxy.hcl")
	src, err := os.ReadFile(p)
	require.NoError(t, err)
	s := strings.Replace(string(src), `condition = "upload"`, `condition = "upload and not filter"`, 1)
	s = strings.Replace(s, `match   = ["catcher-get"]`, `match   = ["catcher-get", "lookalike"]`, 1)
	require.NoError(t, os.WriteFile(p, []byte(s), 0o644))
	return dir
}

// sarifLog is what the tests read of a SARIF log.
type sarifLog struct {
	Version string
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name, Version string
				Rules         []struct{ ID string }
			}
		}
		Results []struct {
			RuleID    string
			Level     string
			Message   struct{ Text string }
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct{ URI string }
					Region           struct{ StartLine, StartColumn int }
				}
			}
		}
	}
}

func TestLintFormats(t *testing.T) {
	dir := brokenGood(t)
	t.Chdir(dir)

	code, stdout, stderr := detc(t, "lint", "--format", "sarif", ".")
	assert.Equal(t, 1, code)
	assert.Empty(t, stderr)
	var log sarifLog
	require.NoError(t, json.Unmarshal([]byte(stdout), &log))
	assert.Equal(t, "2.1.0", log.Version)
	run := log.Runs[0]
	assert.Equal(t, "detc", run.Tool.Driver.Name)
	assert.Equal(t, "dev", run.Tool.Driver.Version)
	require.Len(t, run.Results, 1)
	r := run.Results[0]
	assert.Equal(t, "error", r.Level)
	assert.Equal(t, run.Tool.Driver.Rules[0].ID, r.RuleID)
	loc := r.Locations[0].PhysicalLocation
	assert.Equal(t, "proxy.hcl", loc.ArtifactLocation.URI, "relative to the repository's top")
	assert.Positive(t, loc.Region.StartLine)
	assert.Positive(t, loc.Region.StartColumn)

	code, stdout, _ = detc(t, "lint", "--format", "github", ".")
	assert.Equal(t, 1, code)
	assert.Regexp(t, `^::error file=proxy\.hcl,line=\d+,col=\d+,title=\S+::.*filter`, stdout)
	assert.True(t, strings.HasSuffix(stdout, "2 rules in 2 files: 1 error, 0 warnings\n"), stdout)

	code, stdout, _ = detc(t, "lint", "--format", "junit", ".")
	assert.Equal(t, 1, code)
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	require.NoError(t, xml.Unmarshal([]byte(stdout), &suites))
	assert.Equal(t, 2, suites.Tests, "one test case per file")
	assert.Equal(t, 1, suites.Failures)
}

func TestTestFormats(t *testing.T) {
	dir := brokenGood(t)
	// The broken condition would stop the detection from compiling; test
	// only the wrong expectation here.
	p := filepath.Join(dir, "proxy.hcl")
	src, err := os.ReadFile(p)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(p, []byte(strings.Replace(string(src), `condition = "upload and not filter"`, `condition = "upload"`, 1)), 0o644))
	t.Chdir(dir)

	code, stdout, _ := detc(t, "test", "--format", "github", ".")
	assert.Equal(t, 1, code)
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	require.Len(t, lines, 2)
	assert.Regexp(t, `^::error file=proxy\.hcl,line=\d+,col=\d+,title=fixture-test::detection 22222222-2222-4222-8222-222222222222 .*test "catchers".*%0A- event lookalike`, lines[0])
	assert.Equal(t, "1 passed, 1 failed", lines[1])

	code, stdout, _ = detc(t, "test", "--format", "sarif", ".")
	assert.Equal(t, 1, code)
	var log map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &log))
	assert.Equal(t, "2.1.0", log["version"])
	assert.Contains(t, stdout, `"ruleId": "fixture-test"`)

	code, _, stderr := detc(t, "test", "--format", "tap", ".")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "formats: text, json, junit, sarif, github")
}

// A detection that does not load is a failed test in every format, with
// its error at its position, and the counts add up to the detections given.
func TestTestFormatsCountUnloaded(t *testing.T) {
	dir := copyTree(t, "testdata/good")
	require.NoError(t, os.Mkdir(filepath.Join(dir, ".git"), 0o755))
	p := filepath.Join(dir, "proxy.hcl")
	src, err := os.ReadFile(p)
	require.NoError(t, err)
	broken := strings.Replace(string(src), `condition = "upload"`, `condition = "(upload"`, 1)
	require.NotEqual(t, string(src), broken)
	require.NoError(t, os.WriteFile(p, []byte(broken), 0o644))
	t.Chdir(dir)
	const failing = "11111111-1111-4111-8111-111111111111"
	const reason = "unbalanced parentheses"

	code, stdout, _ := detc(t, "test", ".")
	assert.Equal(t, 1, code)
	assert.Contains(t, stdout, "FAIL "+failing+" POST to a webhook host\n    proxy.hcl:28:16: error: "+reason, "the diagnostic once, not \"error: file:l:c: error:\"")
	assert.True(t, strings.HasSuffix(stdout, "1 passed, 1 failed\n"), stdout)

	code, stdout, _ = detc(t, "test", "--format", "json", ".")
	assert.Equal(t, 1, code)
	var doc struct {
		Passed, Failed int
		Detections     []struct {
			ID     string
			Pass   bool
			Errors []struct {
				File           string
				Line, Column   int
				Severity, Code string
				Message        string
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &doc))
	assert.Equal(t, 1, doc.Passed)
	assert.Equal(t, 1, doc.Failed)
	require.Len(t, doc.Detections, 2)
	assert.Equal(t, failing, doc.Detections[0].ID)
	assert.False(t, doc.Detections[0].Pass)
	require.Len(t, doc.Detections[0].Errors, 1)
	e := doc.Detections[0].Errors[0]
	assert.Equal(t, "proxy.hcl", e.File)
	assert.Equal(t, 28, e.Line)
	assert.Equal(t, 16, e.Column)
	assert.Equal(t, "error", e.Severity)
	assert.Contains(t, e.Message, reason)

	code, stdout, _ = detc(t, "test", "--format", "junit", ".")
	assert.Equal(t, 1, code)
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal([]byte(stdout), &suites))
	assert.Equal(t, 2, suites.Tests)
	assert.Equal(t, 1, suites.Failures)
	require.Len(t, suites.Suites, 1)
	require.Len(t, suites.Suites[0].Cases, 2)
	require.NotNil(t, suites.Suites[0].Cases[0].Failure)
	assert.Contains(t, suites.Suites[0].Cases[0].Failure.Message, reason)

	code, stdout, _ = detc(t, "test", "--format", "sarif", ".")
	assert.Equal(t, 1, code)
	var log sarifLog
	require.NoError(t, json.Unmarshal([]byte(stdout), &log))
	require.Len(t, log.Runs[0].Results, 1)
	res := log.Runs[0].Results[0]
	assert.Equal(t, "fixture-error", res.RuleID)
	assert.Contains(t, res.Message.Text, failing)
	assert.Contains(t, res.Message.Text, reason)
	loc := res.Locations[0].PhysicalLocation
	assert.Equal(t, "proxy.hcl", loc.ArtifactLocation.URI)
	assert.Equal(t, 28, loc.Region.StartLine)
	assert.Equal(t, 16, loc.Region.StartColumn)

	code, stdout, _ = detc(t, "test", "--format", "github", ".")
	assert.Equal(t, 1, code)
	assert.Equal(t, "::error file=proxy.hcl,line=28,col=16,title=fixture-error::detection "+failing+
		" POST to a webhook host cannot be tested: unbalanced parentheses: '(' is never closed\n1 passed, 1 failed\n", stdout)
}

// A syntax error in one .hcl file keeps every .hcl detection from loading
// (they are loaded together): each is still counted, as a failure that
// says why.
func TestTestCountsSyntaxError(t *testing.T) {
	dir := copyTree(t, "testdata/good")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "broken.hcl"), []byte("locals {\n  x = [\n}\n"), 0o644))
	code, stdout, _ := detc(t, "test", dir)
	assert.Equal(t, 1, code)
	assert.Regexp(t, `(?m)^FAIL .*broken\.hcl did not load$`, stdout)
	assert.Contains(t, stdout, "FAIL 11111111-1111-4111-8111-111111111111 POST to a webhook host\n")
	assert.Contains(t, stdout, "FAIL 22222222-2222-4222-8222-222222222222 Request to a request catcher\n")
	assert.Contains(t, stdout, "broken.hcl has errors, and all .hcl files of a run are loaded together")
	assert.True(t, strings.HasSuffix(stdout, "0 passed, 3 failed\n"), stdout)
}
