package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gitIn runs git in dir with no user configuration and fixed dates.
func gitIn(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=detc", "GIT_AUTHOR_EMAIL=detc@example.com", "GIT_AUTHOR_DATE=2026-12-01T00:00:00Z",
		"GIT_COMMITTER_NAME=detc", "GIT_COMMITTER_EMAIL=detc@example.com", "GIT_COMMITTER_DATE=2026-12-01T00:00:00Z")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %s: %s", strings.Join(args, " "), out)
}

// diffRepo is a repository whose main branch holds testdata/good under
// detections/, and whose checked-out feature branch changes the webhook
// hosts of one detection and adds the refused one.
func diffRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	gitIn(t, dir, "init", "-q", "-b", "main")
	det := filepath.Join(dir, "detections")
	require.NoError(t, os.MkdirAll(det, 0o755))
	for _, f := range []string{"proxy.hcl", "locals.hcl", "proxy.jsonl"} {
		data, err := os.ReadFile(filepath.Join("testdata/good", f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(det, f), data, 0o644))
	}
	gitIn(t, dir, "add", "-A")
	gitIn(t, dir, "commit", "-q", "-m", "first")
	gitIn(t, dir, "checkout", "-q", "-b", "feature")
	require.NoError(t, os.WriteFile(filepath.Join(det, "locals.hcl"), []byte("locals {\n  hosts = [\"hooks.slack.com\", \"discord.com\", \"api.telegram.org\"]\n}\n"), 0o644))
	data, err := os.ReadFile("testdata/refused/unmapped.hcl")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(det, "unmapped.hcl"), data, 0o644))
	gitIn(t, dir, "add", "-A")
	gitIn(t, dir, "commit", "-q", "-m", "second")
	return dir
}

func TestDiffCommand(t *testing.T) {
	dir := diffRepo(t)
	t.Chdir(dir)

	code, stdout, stderr := detc(t, "diff")
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stderr)
	assert.True(t, strings.HasPrefix(stdout, "## detc diff: 2 detections differ\n"), stdout)
	assert.Regexp(t, "Base `[0-9a-f]{12}` \\(merge base with `main`\\), head the work tree: 1 added, 1 changed", stdout)
	assert.Contains(t, stdout, "| changed | POST to a webhook host `11111111-1111-4111-8111-111111111111` | `detections/proxy.hcl` |")
	assert.Contains(t, stdout, "| added | A field no profile maps `44444444-4444-4444-8444-444444444444` | `detections/unmapped.hcl` |")
	assert.NotContains(t, stdout, "22222222-2222-4222-8222-222222222222", "the unchanged detection is not mentioned")
	for _, target := range []string{"elastic", "kql", "splunk"} {
		assert.Contains(t, stdout, "**"+target+"** query:", "every target's query diff")
	}
	assert.Contains(t, stdout, "Only repeating the query changes: the elastic, kql (2 files), splunk deployment files; the runbook.",
		"the deployment files only repeat the query change")
	assert.Regexp(t, `(?m)^\+.*api\.telegram\.org`, stdout, "the new host is an added line")
	assert.Contains(t, stdout, "+refused: rule 44444444-4444-4444-8444-444444444444: splunk/cim cannot express", "a refusal is shown as the query")
	assert.NotContains(t, stdout, dir, "no absolute paths")

	// The same from a subfolder, and as JSON.
	t.Chdir(filepath.Join(dir, "detections"))
	code, stdout, stderr = detc(t, "diff", "--base", "main", "--format", "json", ".")
	require.Equal(t, 0, code, stderr)
	var entries []struct {
		RuleID  string `json:"rule_id"`
		Status  string
		OldFile string `json:"old_file"`
		NewFile string `json:"new_file"`
		Changes []struct{ Target, Part, Diff string }
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &entries))
	require.Len(t, entries, 2)
	changed, added := entries[0], entries[1]
	assert.Equal(t, "11111111-1111-4111-8111-111111111111", changed.RuleID, "ordered by file")
	assert.Equal(t, "changed", changed.Status)
	assert.Equal(t, "detections/proxy.hcl", changed.OldFile)
	assert.Equal(t, "detections/proxy.hcl", changed.NewFile)
	assert.Equal(t, "44444444-4444-4444-8444-444444444444", added.RuleID)
	assert.Equal(t, "added", added.Status)
	assert.Equal(t, "", added.OldFile)
	assert.Equal(t, "detections/unmapped.hcl", added.NewFile)
	parts := func(cs []struct{ Target, Part, Diff string }) map[string]bool {
		m := map[string]bool{}
		for _, c := range cs {
			m[c.Target+" "+c.Part] = true
		}
		return m
	}
	assert.Equal(t, map[string]bool{
		"elastic query": true, "elastic deployment": true, "kql query": true, "kql deployment": true,
		"splunk query": true, "splunk deployment": true, " runbook": true,
	}, parts(changed.Changes))
	assert.Equal(t, map[string]bool{"elastic query": true, "kql query": true, "splunk query": true, " runbook": true}, parts(added.Changes),
		"every target refuses the added detection: no deployment files")

	// Nothing differs between the branch and its own work tree.
	code, stdout, stderr = detc(t, "diff", "--base", "HEAD", ".")
	assert.Equal(t, 0, code, stderr)
	assert.True(t, strings.HasPrefix(stdout, "## detc diff: no detection changed\n"), stdout)
}

func TestDiffErrors(t *testing.T) {
	dir := diffRepo(t)
	t.Chdir(dir)
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"diff", "--format", "html"}, 2, `detc diff: unknown format "html" (formats: markdown, json)`},
		{[]string{"diff", "--base", "nope"}, 2, `detc diff: unknown revision "nope"`},
		{[]string{"diff", "--base", "main", "--head", "nope"}, 2, `unknown revision "nope"`},
		{[]string{"diff", "--base", "main", "no-such-folder"}, 2, "no-such-folder is neither in main nor in the work tree"},
		{[]string{"diff", "--base", "main", "../outside"}, 2, "is not inside the repository"},
		{[]string{"diff", "--parts", "query,tests"}, 2, `unknown part "tests" (parts: query, deployment, runbook)`},
		{[]string{"diff", "--max-bytes", "-1"}, 2, "--max-bytes must be 0 (no limit) or more"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := detc(t, tt.args...)
			assert.Equal(t, tt.code, code)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tt.stderr)
		})
	}

	// Detections that do not load are reported with their position, and
	// no diff is printed.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "detections", "broken.hcl"), []byte("detection \"x\" {\n"), 0o644))
	code, stdout, stderr := detc(t, "diff", "--base", "main")
	assert.Equal(t, 1, code)
	assert.Empty(t, stdout)
	assert.Regexp(t, regexp.MustCompile(`(?m)^detections/broken\.hcl:\d+:\d+: error: `), stderr)
	assert.Contains(t, stderr, "detc diff: the detections in the work tree have errors")

	t.Chdir(t.TempDir())
	code, _, stderr = detc(t, "diff")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "is not in a git work tree")
}

// packRepo is a repository whose main branch holds the shipped pack
// (detections/ and fixtures/), with the work tree as it is.
func packRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	gitIn(t, dir, "init", "-q", "-b", "main")
	for _, sub := range []string{"detections", "fixtures"} {
		require.NoError(t, os.CopyFS(filepath.Join(dir, sub), os.DirFS(filepath.Join("..", "..", sub))))
	}
	gitIn(t, dir, "add", "-A")
	gitIn(t, dir, "commit", "-q", "-m", "pack")
	return dir
}

// One host added to the pack's shared webhook list changes every
// detection that uses it: the report still fits a GitHub comment, names
// each changed detection and shows the new host in each query diff.
func TestDiffSharedListChange(t *testing.T) {
	dir := packRepo(t)
	p := filepath.Join(dir, "detections", "webhooks.hcl")
	src, err := os.ReadFile(p)
	require.NoError(t, err)
	changed := strings.Replace(string(src), `slack_hosts             = ["hooks.slack.com"]`, `slack_hosts             = ["hooks.slack.com", "hooks.slack-gov.com"]`, 1)
	require.NotEqual(t, string(src), changed)
	require.NoError(t, os.WriteFile(p, []byte(changed), 0o644))
	t.Chdir(dir)

	code, stdout, stderr := detc(t, "diff", "--format", "json")
	require.Equal(t, 0, code, stderr)
	var entries []struct {
		RuleID  string `json:"rule_id"`
		Status  string
		Changes []struct{ Target, Part, Diff string }
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &entries))
	require.Greater(t, len(entries), 10, "the list is shared by most of the pack")

	code, stdout, stderr = detc(t, "diff")
	require.Equal(t, 0, code, stderr)
	t.Logf("markdown report: %d bytes for %d detections", len(stdout), len(entries))
	assert.LessOrEqual(t, len(stdout), 65536, "fits a GitHub comment")
	assert.NotContains(t, stdout, "**Left out**", "this change fits whole")
	for _, e := range entries {
		assert.Equal(t, "changed", e.Status)
		assert.Contains(t, stdout, "`"+e.RuleID+"`", "every changed detection is named")
		section := stdout[strings.Index(stdout, "Detection `"+e.RuleID+"`")+1:]
		if strings.Contains(stdout, "pivot `"+e.RuleID+"`") {
			section = stdout[strings.Index(stdout, "pivot `"+e.RuleID+"`")+1:]
		}
		if i := strings.Index(section, "\n### "); i >= 0 {
			section = section[:i]
		}
		queries := 0
		for _, c := range e.Changes {
			if c.Part == "query" {
				queries++
			}
		}
		if queries == 0 {
			// Its runbook shows the changed pivots' queries, and nothing else.
			assert.Contains(t, section, "Only repeating the query changes: the runbook.")
			continue
		}
		assert.Regexp(t, `(?m)^\+.*hooks\.slack-gov\.com`, section, "the new value is shown for %s", e.RuleID)
	}
	for _, line := range strings.Split(stdout, "\n") {
		assert.LessOrEqual(t, len(line), 1000, "no whole one-line query: %.100s", line)
	}

	// A smaller budget keeps the summary and every heading, and says what
	// it left out.
	code, stdout, _ = detc(t, "diff", "--max-bytes", "14000")
	require.Equal(t, 0, code)
	assert.LessOrEqual(t, len(stdout), 14000)
	for _, e := range entries {
		assert.Contains(t, stdout, "`"+e.RuleID+"`")
		assert.Contains(t, stdout, "### Changed: ", "headings kept")
	}
	assert.Regexp(t, `\*\*Left out\*\* to keep this report within 14000 characters: \d+ query diffs`, stdout)
	assert.Contains(t, stdout, "query: diff left out (")
	assert.Regexp(t, `(?m)^\+.*hooks\.slack-gov\.com`, stdout, "the first query diffs are kept")

	// Smaller still: the table alone.
	code, stdout, _ = detc(t, "diff", "--max-bytes", "5000")
	require.Equal(t, 0, code)
	assert.LessOrEqual(t, len(stdout), 5000)
	assert.Contains(t, stdout, "| changed | ")
	assert.Contains(t, stdout, "**Left out** to keep this report within 5000 characters")

	// --parts runbook: only runbook changes, and those that only repeat
	// the queries are counted, not shown.
	code, stdout, _ = detc(t, "diff", "--parts", "runbook", "--format", "json")
	require.Equal(t, 0, code)
	var runbooks []struct {
		Changes []struct {
			Part    string
			Diff    string
			Repeats int `json:"repeats_query"`
		}
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &runbooks))
	require.NotEmpty(t, runbooks)
	repeats := 0
	for _, e := range runbooks {
		for _, c := range e.Changes {
			assert.Equal(t, "runbook", c.Part)
			repeats += c.Repeats
		}
	}
	assert.Positive(t, repeats)
}
