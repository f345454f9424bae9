// Package diff compares the compiled output of the detections at two git
// revisions (or a revision and the work tree): per detection, matched by
// id, and per target, the query, the deployment files and the runbook, as
// detc build would write them. It reports added, removed, renamed and
// changed detections as Markdown for a pull-request comment or as JSON.
package diff

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/detc/detc/internal/build"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/rule"
)

// Options say what to compare.
type Options struct {
	// Dir is the folder the command runs in; Paths are relative to it.
	Dir string
	// Base is the old revision; "" means the merge base of the head (HEAD
	// for the work tree) and the main branch (DefaultBase).
	Base string
	// Head is the new revision; "" means the work tree as it is.
	Head string
	// Paths are the detection files and folders (load.DefaultPath when
	// empty).
	Paths []string
	// Top is the folder up to which the folders above the paths lend
	// their shared lists, pivots and cards (the project root); "" is Dir.
	Top string
	// Deployments are the targets and profiles to compile for, as detc
	// build deploys them; Enabled is its enablement policy.
	Deployments []build.Deployment
	Enabled     func(*rule.Rule) bool
}

// Run compiles both sides and compares them. Problems with the request
// (no repository, an unknown revision) are *UsageError; detections that
// do not load on one side are *LoadError.
func Run(opts Options) (*Result, error) {
	repo, err := OpenRepo(opts.Dir)
	if err != nil {
		return nil, err
	}
	if opts.Top != "" {
		repo.SetTop(opts.Top)
	}
	paths := opts.Paths
	if len(paths) == 0 {
		paths = []string{load.DefaultPath}
	}
	rel, err := repo.RepoPaths(opts.Dir, paths)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	if opts.Head != "" {
		res.Head.Name = opts.Head
		if res.Head.Commit, err = repo.Commit(opts.Head); err != nil {
			return nil, err
		}
	}
	if opts.Base == "" {
		res.Base.Commit, res.Base.MergeBaseOf, err = repo.DefaultBase(res.Head.Commit)
	} else {
		res.Base.Name = opts.Base
		res.Base.Commit, err = repo.Commit(opts.Base)
	}
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "detc-diff-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	old, inOld, err := repo.side(res.Base, rel, filepath.Join(tmp, "base"), opts)
	if err != nil {
		return nil, err
	}
	new, inNew, err := repo.side(res.Head, rel, filepath.Join(tmp, "head"), opts)
	if err != nil {
		return nil, err
	}
	for i, p := range rel {
		if !inOld[p] && !inNew[p] {
			return nil, usagef("%s is neither in %s nor in %s", paths[i], res.Base.name(), res.Head.name())
		}
	}
	res.Entries = Compare(old, new)
	return res, nil
}

// side loads and compiles the detections under paths at one revision,
// extracted into dir, or in the work tree; found says which paths exist
// there.
func (r *Repo) side(rev Rev, paths []string, dir string, opts Options) (dets map[string]*Detection, found map[string]bool, err error) {
	root := r.Root
	if rev.Commit != "" {
		root = dir
		shared, err := r.sharedPaths(rev.Commit, paths)
		if err != nil {
			return nil, nil, err
		}
		if err := r.Extract(rev.Commit, append(append([]string(nil), paths...), shared...), dir); err != nil {
			return nil, nil, err
		}
	}
	set, found, err := loadSide(root, filepath.Join(root, filepath.FromSlash(r.top)), paths, rev.name())
	if err != nil {
		return nil, nil, err
	}
	dets, err = Compile(set, opts.Deployments, opts.Enabled)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", rev.name(), err)
	}
	return dets, found, nil
}
