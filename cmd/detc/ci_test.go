package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
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
