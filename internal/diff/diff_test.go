package diff

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/detc/detc/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func statuses(res *Result) map[string]string {
	m := map[string]string{}
	for _, e := range res.Entries {
		m[e.RuleID] = e.Status
	}
	return m
}

func markdown(t *testing.T, res *Result) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, res.WriteMarkdown(&b, 0))
	return b.Bytes()
}

func TestRunBetweenCommits(t *testing.T) {
	h := newHistory(t)
	res, err := Run(Options{Dir: h.dir, Base: "main", Head: "feature", Backends: backends})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{idB: Changed, "cccccccc-cccc-4ccc-8ccc-cccccccccccc": Removed, idD: Renamed, idE: Added}, statuses(res),
		"A is unchanged and not mentioned")
	testutil.Golden(t, "commits.md", markdown(t, res))

	var js bytes.Buffer
	require.NoError(t, res.WriteJSON(&js))
	testutil.Golden(t, "commits.json", js.Bytes())
	var entries []map[string]any
	require.NoError(t, json.Unmarshal(js.Bytes(), &entries))
	for _, e := range entries {
		for _, key := range []string{"rule_id", "title", "status", "old_file", "new_file", "changes"} {
			assert.Contains(t, e, key)
		}
	}

	// The default base is the merge base of the head and main: the same
	// comparison, named differently, whichever branch is checked out.
	def, err := Run(Options{Dir: h.dir, Head: "feature", Backends: backends})
	require.NoError(t, err)
	assert.Equal(t, res.Entries, def.Entries)
	assert.Equal(t, Rev{Commit: h.first, MergeBaseOf: "main"}, def.Base)
	runGit(t, h.dir, "checkout", "-q", "main")
	onMain, err := Run(Options{Dir: h.dir, Head: "feature", Backends: backends})
	require.NoError(t, err)
	assert.Equal(t, res.Entries, onMain.Entries)
	runGit(t, h.dir, "checkout", "-q", "feature")

	// From a subfolder, with paths relative to it: the same report, files
	// still named from the repository's top.
	sub, err := Run(Options{Dir: filepath.Join(h.dir, "detections"), Base: "main", Head: "feature", Paths: []string{"."}, Backends: backends})
	require.NoError(t, err)
	assert.Equal(t, res.Entries, sub.Entries)
	abs, err := Run(Options{Dir: t.TempDir(), Base: "main", Head: "feature", Paths: []string{filepath.Join(h.dir, "detections")}, Backends: backends})
	assert.Error(t, err, "an absolute path does not make another folder a repository")
	assert.Nil(t, abs)

	// One file only.
	one, err := Run(Options{Dir: h.dir, Base: "main", Head: "feature", Paths: []string{"detections/b.hcl"}, Backends: backends})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{idB: Changed}, statuses(one))

	// Nothing changed.
	same, err := Run(Options{Dir: h.dir, Base: "feature", Head: "HEAD", Backends: backends})
	require.NoError(t, err)
	assert.Empty(t, same.Entries)
	assert.Contains(t, string(markdown(t, same)), "## detc diff: no detection changed\n")
}

func TestRunAgainstWorkTree(t *testing.T) {
	h := newHistory(t)
	write(t, h.dir, map[string]string{
		"detections/a.hcl": hcl("alpha", idA, "Alpha", "cs-host", "hooks.slack.com\\u002e"),
	})
	res, err := Run(Options{Dir: h.dir, Base: "HEAD", Backends: backends})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{idA: Changed}, statuses(res), "uncommitted edits are the head")
	testutil.Golden(t, "worktree.md", markdown(t, res))

	// A folder that exists only in the work tree: everything in it is new.
	write(t, h.dir, map[string]string{"new/x.hcl": hcl("xray", "99999999-9999-4999-8999-999999999999", "X-ray", "cs-host", "x")})
	res, err = Run(Options{Dir: h.dir, Base: "HEAD", Paths: []string{"new"}, Backends: backends})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"99999999-9999-4999-8999-999999999999": Added}, statuses(res))
	assert.Equal(t, "new/x.hcl", res.Entries[0].NewFile)
}

func TestRunErrors(t *testing.T) {
	h := newHistory(t)
	trunk := newRepo(t, "trunk")
	commit(t, trunk, "first", map[string]string{"detections/a.hcl": hcl("alpha", idA, "Alpha", "cs-host", "x")})
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"not a repository", Options{Dir: t.TempDir()}, "is not in a git work tree"},
		{"unknown revision", Options{Dir: h.dir, Base: "no-such-branch"}, `unknown revision "no-such-branch"`},
		{"option as a revision", Options{Dir: h.dir, Base: "--all"}, `"--all" is not a revision`},
		{"unknown head", Options{Dir: h.dir, Base: "main", Head: "v9"}, `unknown revision "v9"`},
		{"no main branch", Options{Dir: trunk}, "none of main, origin/main, master, origin/master exists; give --base REV"},
		{"path outside the repository", Options{Dir: h.dir, Base: "main", Paths: []string{"../elsewhere"}}, "is not inside the repository"},
		{"path on neither side", Options{Dir: h.dir, Base: "main", Paths: []string{"nowhere"}}, "nowhere is neither in main nor in the work tree"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Backends = backends
			_, err := Run(tt.opts)
			var usage *UsageError
			require.True(t, errors.As(err, &usage), "a usage error, got %v", err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestRunLoadErrors(t *testing.T) {
	h := newHistory(t)
	broken := commit(t, h.dir, "broken", map[string]string{"detections/broken.hcl": "detection \"x\" {\n"})
	_, err := Run(Options{Dir: h.dir, Base: "main", Head: broken, Backends: backends})
	var le *LoadError
	require.True(t, errors.As(err, &le), "got %v", err)
	assert.Equal(t, broken, le.Side)
	require.NotEmpty(t, le.Diags)
	assert.Equal(t, "detections/broken.hcl", le.Diags[0].Pos.File, "named from the repository's top, not the folder it was read from")
	assert.Contains(t, le.Sources, "detections/broken.hcl")

	dup := commit(t, h.dir, "duplicate", map[string]string{
		"detections/broken.hcl": "",
		"detections/f.hcl":      hcl("foxtrot", idA, "Foxtrot", "cs-host", "x"),
	})
	_, err = Run(Options{Dir: h.dir, Base: "main", Head: dup, Backends: backends})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "rule id "+idA+" is also the id of the rule in detections/a.hcl")
}

func TestRepoPathsThroughSymlink(t *testing.T) {
	h := newHistory(t)
	link := filepath.Join(t.TempDir(), "link")
	require.NoError(t, os.Symlink(h.dir, link))
	repo, err := OpenRepo(link)
	require.NoError(t, err)
	paths, err := repo.RepoPaths(link, []string{filepath.Join(link, "detections"), "detections/b.hcl", filepath.Join(link, "gone", "x.hcl")})
	require.NoError(t, err)
	assert.Equal(t, []string{"detections", "detections/b.hcl", "gone/x.hcl"}, paths)
}
