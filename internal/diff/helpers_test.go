package diff

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/build"
	"github.com/detc/detc/internal/check"
	"github.com/stretchr/testify/require"
)

// fake is a backend whose query lists the rule's matchers, and whose
// deployment file holds the title, the version, the query and the runbook
// it is given. It refuses rules whose title contains "refused".
type fake struct{}

func (fake) Name() string       { return "fake" }
func (fake) Profiles() []string { return []string{"default"} }
func (fake) Langs() []string    { return []string{"q"} }
func (fake) Title() string      { return "fake" }
func (fake) Variants() []string { return nil }

func (fake) Compile(r *check.Rule, opts target.Options) (*target.Query, error) {
	if strings.Contains(r.Title, "refused") {
		return nil, target.Refuse(r.Rule, "fake", "default", r.Pos, "the title", "it says refused")
	}
	var b strings.Builder
	for _, s := range r.Searches {
		for _, g := range s.Groups {
			for _, m := range g.Matchers {
				var vals []string
				for _, v := range m.Values {
					vals = append(vals, v.Text)
				}
				fmt.Fprintf(&b, "%s: %s = %s\n", s.Name, m.Field, strings.Join(vals, " | "))
			}
		}
	}
	return &target.Query{Rule: r, Target: "fake", Profile: "default", Lang: "q", Text: strings.TrimSuffix(b.String(), "\n")}, nil
}

func (fake) Package(ds []target.Deployable, opts target.Options) ([]target.Artifact, []*target.Refusal, error) {
	var out []target.Artifact
	for _, d := range ds {
		r := d.Query.Rule
		out = append(out, target.Artifact{Path: "rules/" + r.ID + ".conf", Data: []byte(fmt.Sprintf(
			"title = %s\nversion = %s\nquery = %s\nrunbook = %q\n", r.Title, d.Version, strings.ReplaceAll(d.Query.Text, "\n", "; "), d.Runbook))})
	}
	return out, nil, nil
}

var backends = build.Defaults([]target.Backend{fake{}})

// gitEnv makes commits the same on every machine: no user or system
// configuration, fixed names and dates.
var gitEnv = []string{
	"GIT_CONFIG_GLOBAL=" + os.DevNull, "GIT_CONFIG_NOSYSTEM=1",
	"GIT_AUTHOR_NAME=detc", "GIT_AUTHOR_EMAIL=detc@example.com", "GIT_AUTHOR_DATE=2026-12-01T00:00:00Z",
	"GIT_COMMITTER_NAME=detc", "GIT_COMMITTER_EMAIL=detc@example.com", "GIT_COMMITTER_DATE=2026-12-01T00:00:00Z",
}

func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), gitEnv...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %s: %s", strings.Join(args, " "), out)
	return strings.TrimSpace(string(out))
}

// newRepo makes an empty repository on branch branch.
func newRepo(t *testing.T, branch string) string {
	t.Helper()
	dir := t.TempDir()
	runGit(t, dir, "init", "-q", "--object-format=sha1", "-b", branch)
	return dir
}

// write sets files in the work tree; an empty content removes the file.
func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if content == "" {
			require.NoError(t, os.Remove(p))
			continue
		}
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

// commit writes files, commits everything and returns the commit id.
func commit(t *testing.T, dir, msg string, files map[string]string) string {
	t.Helper()
	write(t, dir, files)
	runGit(t, dir, "add", "-A")
	runGit(t, dir, "commit", "-q", "-m", msg)
	return runGit(t, dir, "rev-parse", "HEAD")
}

// hcl is a detection with one selection matching field against value.
func hcl(name, id, title, field, value string) string {
	return fmt.Sprintf(`detection %q {
  id          = %q
  title       = %q
  description = "Test detection %s."
  status      = "test"
  level       = "high"
  logsource {
    category = "proxy"
  }
  selection "sel" {
    match %q {
      equals = [%q]
    }
  }
  condition = "sel"
}
`, name, id, title, name, field, value)
}

const sigmaRule = `title: Catcher lookup
id: cccccccc-cccc-4ccc-8ccc-cccccccccccc
name: catcher_lookup
status: test
description: Test Sigma detection.
level: medium
logsource:
  category: dns
detection:
  sel:
    query|endswith: .webhook.site
  condition: sel
`

const (
	idA = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
	idB = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
	idD = "dddddddd-dddd-4ddd-8ddd-dddddddddddd"
	idE = "eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee"
)

// history is a repository whose main branch has the first commit and
// whose feature branch (checked out) adds, changes, renames and deletes
// detections in a second: E added, B changed, D moved to another file
// and retitled, the Sigma rule C removed, A unchanged.
type history struct {
	dir           string
	first, second string
}

func newHistory(t *testing.T) history {
	t.Helper()
	dir := newRepo(t, "main")
	h := history{dir: dir}
	h.first = commit(t, dir, "first", map[string]string{
		"README.md":               "not a detection\n",
		"detections/a.hcl":        hcl("alpha", idA, "Alpha", "cs-host", "hooks.slack.com"),
		"detections/b.hcl":        hcl("bravo", idB, "Bravo", "cs-method", "POST"),
		"detections/c.yml":        sigmaRule,
		"detections/d.hcl":        hcl("delta", idD, "Delta", "c-uri", "/api/webhooks/"),
		"fixtures/not-loaded.yml": "title: outside the paths\n",
	})
	runGit(t, dir, "checkout", "-q", "-b", "feature")
	h.second = commit(t, dir, "second", map[string]string{
		"detections/b.hcl":       hcl("bravo", idB, "Bravo", "cs-method", "PUT"),
		"detections/c.yml":       "",
		"detections/d.hcl":       "",
		"detections/moved/d.hcl": hcl("delta", idD, "Delta, renamed", "c-uri", "/api/webhooks/"),
		"detections/e.hcl":       hcl("echo", idE, "Echo", "cs-host", "discord.com"),
	})
	return h
}
