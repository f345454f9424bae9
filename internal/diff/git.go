package diff

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/detc/detc/internal/load"
)

// UsageError is a problem with what detc diff was asked to do: not in a
// git repository, an unknown revision, a path outside the repository.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// Repo is the git repository detc diff runs in.
type Repo struct {
	// Root is the top folder of the work tree.
	Root string
	// prefix is the folder the command runs in, relative to Root, with
	// forward slashes and a final slash ("" at the top).
	prefix string
	// top is the folder up to which shared lists, pivots and cards are
	// read above the paths (load.Within), relative to Root like prefix.
	top string
}

// OpenRepo finds the repository holding dir.
func OpenRepo(dir string) (*Repo, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, usagef("detc diff needs git, and git is not on the PATH")
	}
	out, err := git(dir, "rev-parse", "--show-toplevel", "--show-prefix")
	if err != nil {
		return nil, usagef("%s is not in a git work tree: %v", dir, err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 {
		return nil, usagef("%s is not in a git work tree", dir)
	}
	return &Repo{Root: filepath.FromSlash(lines[0]), prefix: lines[1], top: lines[1]}, nil
}

// git runs a git command in dir and returns its output, or an error
// holding what git wrote to stderr.
func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", dir, "--literal-pathspecs"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return "", errors.New(msg)
		}
		return "", err
	}
	return stdout.String(), nil
}

// Commit resolves a revision (a branch, tag, commit, HEAD~2 ...) to its
// commit id.
func (r *Repo) Commit(rev string) (string, error) {
	if rev == "" || strings.HasPrefix(rev, "-") {
		return "", usagef("%q is not a revision", rev)
	}
	out, err := git(r.Root, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return "", usagef("unknown revision %q: no commit has that name in %s", rev, r.Root)
	}
	return strings.TrimSpace(out), nil
}

// BaseBranches are tried in order for the default base of detc diff.
var BaseBranches = []string{"main", "origin/main", "master", "origin/master"}

// DefaultBase is the merge base of head (a commit; "" for HEAD) with the
// first of BaseBranches that exists (branch): where a pull request's
// branch left the main line.
func (r *Repo) DefaultBase(head string) (commit, branch string, err error) {
	if head == "" {
		if head, err = r.Commit("HEAD"); err != nil {
			return "", "", usagef("the repository has no commit yet (HEAD does not name one); give --base")
		}
	}
	for _, b := range BaseBranches {
		if _, err := r.Commit(b); err != nil {
			continue
		}
		out, err := git(r.Root, "merge-base", head, b)
		if err != nil {
			return "", "", usagef("the head and %s have no common commit (%v); give --base", b, err)
		}
		return strings.TrimSpace(out), b, nil
	}
	return "", "", usagef("no --base given and none of %s exists; give --base REV", strings.Join(BaseBranches, ", "))
}

// RepoPaths turns paths as given on the command line (relative to dir, the
// folder the command runs in, or absolute) into slash-separated paths
// relative to the repository's top folder.
func (r *Repo) RepoPaths(dir string, paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		var rel string
		if filepath.IsAbs(p) {
			root, err := filepath.EvalSymlinks(r.Root)
			if err != nil {
				return nil, err
			}
			rp, err := filepath.Rel(root, resolve(p))
			if err != nil {
				return nil, usagef("%s is not inside the repository %s", p, r.Root)
			}
			rel = filepath.ToSlash(rp)
		} else {
			rel = path.Clean(r.prefix + filepath.ToSlash(p))
		}
		if rel == ".." || strings.HasPrefix(rel, "../") {
			return nil, usagef("%s is not inside the repository %s", p, r.Root)
		}
		out = append(out, rel)
	}
	return out, nil
}

// resolve follows symbolic links in the part of p that exists, so that a
// path under a linked folder compares with the repository's real path.
func resolve(p string) string {
	rest := ""
	for dir := filepath.Clean(p); ; dir = filepath.Dir(dir) {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(real, rest)
		}
		if filepath.Dir(dir) == dir {
			return p
		}
		rest = filepath.Join(filepath.Base(dir), rest)
	}
}

// Extract writes the files under paths (relative to the repository's top)
// as they are at commit into dst, keeping their paths. Files are read from git's object store, so
// attributes such as export-ignore change nothing; symbolic links and
// submodules are left out.
func (r *Repo) Extract(commit string, paths []string, dst string) error {
	out, err := git(r.Root, append([]string{"ls-tree", "-r", "-z", "--full-tree", commit, "--"}, paths...)...)
	if err != nil {
		return fmt.Errorf("cannot list the files of %s: %v", commit, err)
	}
	type blob struct{ id, path string }
	var blobs []blob
	for _, rec := range strings.Split(out, "\x00") {
		meta, p, ok := strings.Cut(rec, "\t")
		if !ok {
			continue
		}
		f := strings.Fields(meta) // mode type object
		if len(f) != 3 || f[1] != "blob" || f[0] == "120000" || !safePath(p) {
			continue
		}
		blobs = append(blobs, blob{f[2], p})
	}
	if len(blobs) == 0 {
		return nil
	}
	cmd := exec.Command("git", "-C", r.Root, "cat-file", "--batch")
	var stdin bytes.Buffer
	for _, b := range blobs {
		stdin.WriteString(b.id + "\n")
	}
	cmd.Stdin = &stdin
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	rd := bufio.NewReader(pipe)
	for _, b := range blobs {
		if err = readBlob(rd, b.id, filepath.Join(dst, filepath.FromSlash(b.path))); err != nil {
			err = fmt.Errorf("cannot read %s at %s: %v", b.path, commit, err)
			break
		}
	}
	if err != nil {
		io.Copy(io.Discard, rd)
		cmd.Wait()
		return err
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("git cat-file: %v %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// readBlob reads one "<id> blob <size>\n<data>\n" answer of git cat-file
// --batch into the file dst.
func readBlob(rd *bufio.Reader, id, dst string) error {
	header, err := rd.ReadString('\n')
	if err != nil {
		return err
	}
	f := strings.Fields(header)
	if len(f) != 3 || f[0] != id || f[1] != "blob" {
		return fmt.Errorf("git cat-file answered %q", strings.TrimSpace(header))
	}
	size, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		return fmt.Errorf("git cat-file answered %q", strings.TrimSpace(header))
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	file, err := os.Create(dst)
	if err != nil {
		return err
	}
	_, err = io.CopyN(file, rd, size)
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if nl, err := rd.ReadByte(); err != nil || nl != '\n' {
		return errors.New("git cat-file answer is cut short")
	}
	return nil
}

// safePath says whether a path from git stays inside the folder it is
// written to.
func safePath(p string) bool {
	return p != "" && !path.IsAbs(p) && path.Clean(p) == p && p != ".." && !strings.HasPrefix(p, "../") && !strings.Contains(p, `\`)
}

// sharedPaths lists what loading paths reads besides them from the
// folders above, up to the working folder, at a commit (load.Within): the
// .hcl files directly in each folder, for their shared lists and
// selections, and its pivots/ and cards/ folders. A revision is extracted
// with them, so that a part of the tree compiles as it does in the work
// tree.
func (r *Repo) sharedPaths(commit string, paths []string) ([]string, error) {
	top := strings.TrimSuffix(r.top, "/")
	if top == "" {
		top = "."
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range paths {
		for dir := path.Dir(p); !seen[dir]; dir = path.Dir(dir) {
			if top != "." && dir != top && !strings.HasPrefix(dir, top+"/") {
				break
			}
			seen[dir] = true
			args := []string{"ls-tree", "-z", commit}
			if dir != "." {
				args = append(args, "--", dir+"/")
			}
			list, err := git(r.Root, args...)
			if err != nil {
				return nil, fmt.Errorf("cannot list %s in %s: %v", dir, commit, err)
			}
			for _, rec := range strings.Split(list, "\x00") {
				meta, name, ok := strings.Cut(rec, "\t")
				f := strings.Fields(meta)
				if !ok || len(f) != 3 {
					continue
				}
				base := path.Base(name)
				switch {
				case f[1] == "blob" && load.IsHCL(name) && base != load.ProjectFile:
					out = append(out, name)
				case f[1] == "tree" && (base == "pivots" || base == "cards"):
					out = append(out, name)
				}
			}
			if dir == top || dir == "." {
				break
			}
		}
	}
	return out, nil
}

// SetTop makes dir (absolute, in the work tree) the folder up to which
// shared files are read; a folder outside the repository is ignored.
func (r *Repo) SetTop(dir string) {
	root, err := filepath.EvalSymlinks(r.Root)
	if err != nil {
		return
	}
	rel, err := filepath.Rel(root, resolve(dir))
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return
	}
	if rel = filepath.ToSlash(rel); rel == "." {
		r.top = ""
	} else {
		r.top = rel + "/"
	}
}
