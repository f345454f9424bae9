package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/detc/detc/internal/project"
)

// ciExamples are the CI files docs/ci.md shows.
var ciExamples = []string{"../../docs/ci/github-actions.yml", "../../docs/ci/gitlab-ci.yml"}

func TestCIDocShowsTheExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/ci.md")
	require.NoError(t, err)
	for _, f := range ciExamples {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.Contains(t, string(doc), "```yaml\n"+string(data)+"```\n", "docs/ci.md shows %s as it is", f)
	}
}

// detcCommands finds the detc command lines in a CI file's run and
// script entries.
func detcCommands(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	var doc any
	require.NoError(t, yaml.Unmarshal(data, &doc))
	var cmds []string
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				walk(k, x)
			}
		case []any:
			for _, x := range v {
				walk(key, x)
			}
		case string:
			if key != "run" && key != "script" {
				return
			}
			for _, line := range strings.Split(v, "\n") {
				if line = strings.TrimSpace(line); strings.HasPrefix(line, "detc ") {
					cmds = append(cmds, line)
				}
			}
		}
	}
	walk("", doc)
	return cmds
}

// TestCIExamplesRun runs every detc command of the CI examples, as the
// shell would, in a repository holding good detections: each must exist,
// take the flags it is given and pass.
func TestCIExamplesRun(t *testing.T) {
	dir := diffRepo(t)
	gitIn(t, dir, "checkout", "-q", "main")
	gitIn(t, dir, "update-ref", "refs/remotes/origin/main", "main")
	base, err := exec.Command("git", "-C", dir, "rev-parse", "main").Output()
	require.NoError(t, err)
	vars := map[string]string{"BASE_REF": "main", "CI_MERGE_REQUEST_DIFF_BASE_SHA": strings.TrimSpace(string(base))}
	t.Chdir(dir)

	ran := map[string]bool{}
	for _, file := range ciExamples {
		cmds := detcCommands(t, filepath.Join(packageDir, file))
		require.NotEmpty(t, cmds, file)
		for _, line := range cmds {
			t.Run(filepath.Base(file)+": "+line, func(t *testing.T) {
				var args []string
				for _, f := range strings.Fields(os.Expand(line, func(k string) string { return vars[k] })) {
					if f == ">" || f == "||" {
						break
					}
					args = append(args, strings.Trim(f, `"`))
				}
				code, stdout, stderr := detc(t, args[1:]...)
				assert.Equal(t, 0, code, "stdout: %s\nstderr: %s", stdout, stderr)
				ran[args[1]] = true
			})
		}
	}
	for _, c := range []string{"fmt", "lint", "test", "build", "diff"} {
		assert.True(t, ran[c], "the examples run detc %s", c)
	}
}

// packageDir is the folder the tests start in, which the examples' paths
// are relative to, kept for tests that change folder.
var packageDir, _ = os.Getwd()

// packRepo is a git repository holding the shipped pack (detections/,
// fixtures/ and detc.hcl of this checkout) on main, with origin/main.
func packRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join(packageDir, "..", "..")
	for _, p := range []string{"detections", "fixtures", "detc.hcl"} {
		src := filepath.Join(root, p)
		info, err := os.Stat(src)
		require.NoError(t, err)
		if !info.IsDir() {
			data, err := os.ReadFile(src)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, p), data, 0o644))
			continue
		}
		require.NoError(t, os.CopyFS(filepath.Join(dir, p), os.DirFS(src)))
	}
	gitIn(t, dir, "init", "-q", "-b", "main")
	gitIn(t, dir, "add", "-A")
	gitIn(t, dir, "commit", "-q", "-m", "pack")
	gitIn(t, dir, "update-ref", "refs/remotes/origin/main", "main")
	return dir
}

// runCI runs every detc command of the CI examples in the current
// folder, as the shell would, and returns each command's exit status and
// stderr by command line.
func runCI(t *testing.T, vars map[string]string) (codes map[string]int, stderrs map[string]string) {
	t.Helper()
	codes, stderrs = map[string]int{}, map[string]string{}
	for _, file := range ciExamples {
		for _, line := range detcCommands(t, filepath.Join(packageDir, file)) {
			var args []string
			for _, f := range strings.Fields(os.Expand(line, func(k string) string { return vars[k] })) {
				if f == ">" || f == "||" {
					break
				}
				args = append(args, strings.Trim(f, `"`))
			}
			code, _, stderr := detc(t, args[1:]...)
			codes[line], stderrs[line] = code, stderr
		}
	}
	return codes, stderrs
}

// TestCIPipelineOnTheShippedPack: docs/ci.md's pipeline passes on the
// pack as shipped, with its detc.hcl, and fails on a field typo that no
// target can map (the rule would be deployed nowhere), pointing at the
// typo with the field it meant.
func TestCIPipelineOnTheShippedPack(t *testing.T) {
	dir := packRepo(t)
	t.Setenv(project.ConfigEnv, "")
	t.Chdir(dir)
	vars := map[string]string{"BASE_REF": "main", "CI_MERGE_REQUEST_DIFF_BASE_SHA": "main"}
	codes, stderrs := runCI(t, vars)
	require.NotEmpty(t, codes)
	for line, code := range codes {
		assert.Equal(t, 0, code, "%s\n%s", line, stderrs[line])
	}

	// From the detections folder, the same tests and diff.
	t.Chdir(filepath.Join(dir, "detections"))
	code, stdout, stderr := detc(t, "test", ".")
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "14 passed, 0 failed", "the Sigma rules' sidecars are found from the project root")
	code, _, stderr = detc(t, "diff", ".")
	assert.Equal(t, 0, code, stderr)
	// A folder below: its shared lists (detections/webhooks.hcl) come
	// along at the base revision too.
	t.Chdir(filepath.Join(dir, "detections", "proxy"))
	code, _, stderr = detc(t, "diff", "--base", "main", ".")
	assert.Equal(t, 0, code, stderr)
	t.Chdir(dir)

	file := filepath.Join(dir, "detections", "proxy", "webhook_post_path.hcl")
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Contains(t, string(data), `match "cs-method"`)
	require.NoError(t, os.WriteFile(file, []byte(strings.Replace(string(data), `match "cs-method"`, `match "cs-hots"`, 1)), 0o644))
	codes, stderrs = runCI(t, vars)
	build := "detc build --strict --out out/ detections/"
	require.Contains(t, codes, build)
	assert.Equal(t, 1, codes[build], "the build is red")
	assert.Contains(t, stderrs[build], `warning: rule `+"7d3f6a2e-5b1c-4f0a-9e6d-2c8b1a4f5e01"+`: field "cs-hots" is not a field of log source category=proxy in the Sigma taxonomy or any mapping profile (did you mean "cs-host"?)`)
	// The error is at the misspelt field, and a plain build fails on it
	// too (undeployed-unknown-field), not only --strict on the refusals.
	typo := regexp.MustCompile(`(?m)^detections/proxy/webhook_post_path\.hcl:(\d+):(\d+): error: rule 7d3f6a2e-5b1c-4f0a-9e6d-2c8b1a4f5e01 would be deployed nowhere: field "cs-hots" is not a field of log source category=proxy in the Sigma taxonomy or any mapping profile \(did you mean "cs-host"\?\), and every target meant for the rule refuses it$`)
	m := typo.FindStringSubmatch(stderrs[build])
	require.NotNil(t, m, stderrs[build])
	line, _ := strconv.Atoi(m[1])
	col, _ := strconv.Atoi(m[2])
	lines := strings.Split(strings.Replace(string(data), `match "cs-method"`, `match "cs-hots"`, 1), "\n")
	require.Less(t, line-1, len(lines))
	assert.True(t, strings.HasPrefix(lines[line-1][col-1:], `match "cs-hots"`), "the error is at the field: %q", lines[line-1])
	code, _, stderr = detc(t, "build", "--out", "out/", "detections/")
	assert.Equal(t, 1, code, "a plain build is red on the typo")
	assert.Regexp(t, typo, stderr)
	lint := "detc lint detections/"
	assert.Contains(t, stderrs[lint], `(did you mean "cs-host"?)`, "lint names the typo")
}

// TestHelpExamplesRun runs every example of every command's help in a
// repository holding the shipped pack: each must succeed. Examples that
// read a pipe, and detc serve's (it runs until stopped), are left out (the harness has no stdin); a tag v1.2.0 and
// a second commit give diff's examples their revisions.
func TestHelpExamplesRun(t *testing.T) {
	dir := packRepo(t)
	gitIn(t, dir, "tag", "v1.2.0")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "README.md"), []byte("detections\n"), 0o644))
	gitIn(t, dir, "add", "-A")
	gitIn(t, dir, "commit", "-q", "-m", "readme")
	t.Setenv(project.ConfigEnv, "")
	t.Chdir(dir)
	ran := 0
	for _, c := range commands {
		if c == serveCmd {
			continue // it serves until stopped; its handler has tests of its own
		}
		for _, line := range strings.Split(c.Example, "\n") {
			if strings.Contains(line, "|") {
				continue
			}
			line, _, _ = strings.Cut(line, "#")
			line, _, _ = strings.Cut(line, ">")
			args := strings.Fields(line)
			require.Equal(t, "detc", args[0], line)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				code, _, stderr := detc(t, args[1:]...)
				assert.Equal(t, 0, code, "%s\n%s", line, stderr)
			})
			ran++
		}
	}
	assert.Greater(t, ran, len(commands))
}
