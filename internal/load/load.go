// Package load finds detection files under the paths a command is given and
// reads them with the right front end (Sigma YAML or HCL) into one set of
// rules, in a deterministic order, keeping each file's text so that
// diagnostics can show the source line they are about.
package load

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/detc/detc/internal/fixture"
	"github.com/detc/detc/internal/hclrule"
	"github.com/detc/detc/internal/parallel"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/runbook"
	"github.com/detc/detc/internal/sigma"
)

// DefaultPath is what commands load when they are given no path.
const DefaultPath = "detections"

// MaxFileSize bounds one detection file. Real rules are a few kilobytes;
// the cap keeps a stray log dump or binary from being read into memory.
const MaxFileSize = 10 << 20

// Diagnostic codes.
const (
	CodeMissingPath = "missing-path"
	CodeReadFailed  = "read-failed"
	CodeTooLarge    = "file-too-large"
	CodeNotText     = "not-text"
	CodeEmptyFile   = "empty-file"
	CodeNotRuleFile = "not-a-rule-file"
)

// Set is what one run loaded.
type Set struct {
	// Rules in file order, then position in the file.
	Rules []*rule.Rule
	// Files lists every detection file read, sorted.
	Files []string
	// Sources holds each file's text, for source snippets in diagnostics.
	Sources map[string][]byte
	// Cards are the runbook cards (*.card.yml) under the paths, by
	// technique id.
	Cards map[string]*runbook.Card
	// SharedPivots are the investigation pivots of the folders above the
	// paths: not rules of this run, but runbooks show their queries.
	SharedPivots []*rule.Rule
	// Unloaded are the rules of the run that did not load, in file then
	// position order, so that reports count every rule given.
	Unloaded []rule.Unloaded
	// Lists are the HCL locals that are lists of plain values, by name,
	// each value at its position: the approved and blocked webhook lists
	// that blocklists and lint read.
	Lists hclrule.Values
}

// RunbookRules is what runbooks are written from: the run's rules and the
// shared pivots.
func (s *Set) RunbookRules() []*rule.Rule {
	return append(append([]*rule.Rule(nil), s.Rules...), s.SharedPivots...)
}

// Paths loads the detection files Find lists under paths: .yml and .yaml
// files are Sigma, .hcl files are HCL, read together (they share locals);
// and the runbook cards. The set holds every rule that loaded even when
// diagnostics report errors in others, so that one run reports every
// problem.
func Paths(paths []string) (*Set, rule.Diagnostics) { return Within("", paths) }

// Within is Paths with top, not the working folder, as the folder up to
// which a path's ancestors are searched for shared lists, pivots and
// cards: detc diff loads a revision extracted elsewhere as if it ran in
// the same folder of it. top "" is the working folder.
func Within(top string, paths []string) (*Set, rule.Diagnostics) {
	if len(paths) == 0 {
		paths = []string{DefaultPath}
	}
	set := &Set{Sources: map[string][]byte{}}
	files, diags := Find(paths)
	var hclFiles []hclrule.File
	// Sigma files are read and parsed on every core; HCL files are parsed
	// together below, as they share locals.
	for i, l := range parallel.Map(files, readFile) {
		f := files[i]
		diags = append(diags, l.diags...)
		if l.data == nil {
			continue
		}
		set.Files = append(set.Files, f)
		set.Sources[f] = l.data
		if IsHCL(f) {
			hclFiles = append(hclFiles, hclrule.File{Name: f, Data: l.data})
			continue
		}
		set.Rules = append(set.Rules, l.rules...)
		set.Unloaded = append(set.Unloaded, l.unloaded...)
	}
	// A subfolder still sees the shared lists of the folders above it, and
	// their investigation pivots, which its runbooks show.
	locals, pivots := sharedFiles(top, paths, files)
	shared := map[string]bool{}
	for _, f := range append(locals, pivots...) {
		data, d := Read(f)
		diags = append(diags, d...)
		if data == nil {
			continue
		}
		set.Sources[f] = data
		if IsHCL(f) {
			shared[f] = true
			hclFiles = append(hclFiles, hclrule.File{Name: f, Data: data})
			continue
		}
		rules, d := sigma.Load(f, data)
		diags = append(diags, d...)
		set.SharedPivots = append(set.SharedPivots, pivotsOnly(rules)...)
	}
	var lists hclrule.Values
	if len(hclFiles) > 0 {
		rules, values, unloaded, d := hclrule.LoadValues(hclFiles)
		diags = append(diags, d...)
		for _, u := range unloaded {
			if !shared[u.Rule.File] {
				set.Unloaded = append(set.Unloaded, u)
			}
		}
		for _, r := range rules {
			// A shared file lends its locals and pivots, not its detections.
			switch {
			case !shared[r.File]:
				set.Rules = append(set.Rules, r)
			case r.IsPivot():
				set.SharedPivots = append(set.SharedPivots, r)
			}
		}
		lists = values
	}
	set.Lists = lists
	// Sigma rules name the lists written once as HCL locals with
	// |expand '%name%'.
	diags = append(diags, rule.ResolvePlaceholders(set.Rules, lists)...)
	// A Sigma correlation may name a rule in any file.
	rules, unloaded, d := sigma.Resolve(set.Rules)
	diags = append(diags, d...)
	set.Rules = rules
	set.Unloaded = append(set.Unloaded, unloaded...)
	set.Cards, d = runbook.LoadCards(append(append([]string(nil), paths...), cardDirs(top, paths)...)...)
	diags = append(diags, d...)
	sortRules(set.Rules)
	sortRules(set.SharedPivots)
	slices.SortStableFunc(set.Unloaded, func(a, b rule.Unloaded) int { return compareRules(a.Rule, b.Rule) })
	diags.Sort()
	return set, diags
}

// loadedFile is one file read, and parsed when it is Sigma.
type loadedFile struct {
	data     []byte
	rules    []*rule.Rule
	unloaded []rule.Unloaded
	diags    rule.Diagnostics
}

func readFile(f string) loadedFile {
	data, diags := Read(f)
	l := loadedFile{data: data, diags: diags}
	if data != nil && !IsHCL(f) {
		var d rule.Diagnostics
		l.rules, l.unloaded, d = sigma.Decode(f, data)
		l.diags = append(l.diags, d...)
	}
	return l
}

// Find lists the detection files under paths (DefaultPath when empty),
// sorted and without repeats. Folders are walked skipping hidden entries,
// runbook cards, fixture sidecars and files that are not .yml, .yaml or
// .hcl; a file named explicitly must be one of those.
func Find(paths []string) ([]string, rule.Diagnostics) {
	if len(paths) == 0 {
		paths = []string{DefaultPath}
	}
	var diags rule.Diagnostics
	seen := map[string]bool{}
	for _, p := range paths {
		diags = append(diags, collect(p, seen)...)
	}
	files := make([]string, 0, len(seen))
	for f := range seen {
		files = append(files, f)
	}
	sort.Strings(files)
	return files, diags
}

// collect adds the detection files under p to files.
func collect(p string, files map[string]bool) rule.Diagnostics {
	var diags rule.Diagnostics
	p = filepath.Clean(p)
	info, err := os.Stat(p)
	if err != nil {
		diags.Errorf(rule.Pos{File: p}, CodeMissingPath, "cannot read %s: %v", p, pathError(err))
		return diags
	}
	if !info.IsDir() {
		if !isRuleFile(p) {
			if filepath.Base(p) == ProjectFile {
				diags.Errorf(rule.Pos{File: p}, CodeNotRuleFile, "%s is the project file, not a detection file: detc reads it by itself", p)
				return diags
			}
			diags.Errorf(rule.Pos{File: p}, CodeNotRuleFile, "%s is not a detection file: detc reads .yml, .yaml (Sigma) and .hcl files", p)
			return diags
		}
		files[p] = true
		return nil
	}
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			diags.Errorf(rule.Pos{File: path}, CodeReadFailed, "cannot read %s: %v", path, pathError(err))
			return nil
		}
		if path != p && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && isRuleFile(path) && !strings.HasSuffix(path, runbook.CardSuffix) && !fixture.IsSidecar(path) {
			files[path] = true
		}
		return nil
	})
	if err != nil {
		diags.Errorf(rule.Pos{File: p}, CodeReadFailed, "cannot walk %s: %v", p, err)
	}
	return diags
}

// pathError drops the path os errors repeat, since the message names it.
func pathError(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// ProjectFile is the name of the project configuration (internal/project),
// which is HCL but holds no detections: the loader never reads it.
const ProjectFile = "detc.hcl"

func isRuleFile(p string) bool {
	if filepath.Base(p) == ProjectFile {
		return false
	}
	switch strings.ToLower(filepath.Ext(p)) {
	case ".yml", ".yaml", ".hcl":
		return true
	}
	return false
}

// IsHCL reports whether a detection file is HCL (else it is Sigma YAML).
func IsHCL(p string) bool { return strings.EqualFold(filepath.Ext(p), ".hcl") }

// Read returns a detection file's contents, or nil with a diagnostic when the file is
// too large, unreadable, empty or not UTF-8 text (both formats are text, and
// a parser given binary data reports something far less clear).
func Read(f string) ([]byte, rule.Diagnostics) {
	data, diags := ReadText(f, "a detection file", MaxFileSize)
	if data != nil && len(bytes.TrimSpace(data)) == 0 {
		diags.Errorf(rule.Pos{File: f, Line: 1, Col: 1}, CodeEmptyFile, "file is empty: a detection file holds at least one rule")
		return nil, diags
	}
	return data, diags
}

// ReadText reads a text file of at most limit bytes: a larger file is
// refused before it is read, and one that is not UTF-8 text is refused
// with the position of the first bad byte. what names the kind of file in
// messages ("a mapping file").
func ReadText(f, what string, limit int64) ([]byte, rule.Diagnostics) {
	var diags rule.Diagnostics
	start := rule.Pos{File: f, Line: 1, Col: 1}
	info, err := os.Stat(f)
	if err != nil {
		diags.Errorf(rule.Pos{File: f}, CodeReadFailed, "cannot read %s: %v", f, pathError(err))
		return nil, diags
	}
	if info.Size() > limit {
		diags.Errorf(start, CodeTooLarge, "file is %s; %s may be at most %s", size(info.Size()), what, size(limit))
		return nil, diags
	}
	in, err := os.Open(f)
	if err != nil {
		diags.Errorf(rule.Pos{File: f}, CodeReadFailed, "cannot read %s: %v", f, pathError(err))
		return nil, diags
	}
	defer in.Close()
	// Read one byte past the limit: a file that grew after Stat, or a
	// pipe, is refused without being read whole.
	data, err := io.ReadAll(io.LimitReader(in, limit+1))
	if err != nil {
		diags.Errorf(rule.Pos{File: f}, CodeReadFailed, "cannot read %s: %v", f, pathError(err))
		return nil, diags
	}
	if int64(len(data)) > limit {
		diags.Errorf(start, CodeTooLarge, "file is over %s; %s may be at most %s", size(limit), what, size(limit))
		return nil, diags
	}
	if pos, ok := firstNonText(f, data); !ok {
		diags.Errorf(pos, CodeNotText, "file is not UTF-8 text (binary data at this position)")
		return nil, diags
	}
	return data, nil
}

// firstNonText finds the first invalid UTF-8 sequence or NUL byte.
func firstNonText(f string, data []byte) (rule.Pos, bool) {
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if (r == utf8.RuneError && n == 1) || r == 0 {
			return rule.Pos{File: f, Line: line, Col: col}, false
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += n
	}
	return rule.Pos{}, true
}

func size(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// sortRules orders rules by file, then position, so output does not depend
// on the order front ends return them in.
func sortRules(rules []*rule.Rule) {
	slices.SortStableFunc(rules, compareRules)
}

// compareRules orders rules by file, then position.
func compareRules(a, b *rule.Rule) int {
	return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
}

// ancestors lists the folders above each path, up to and including the
// working folder (or top, when set), nearest first and without repeats.
// Paths outside it have none: detc never reads above where it runs.
func ancestors(top string, paths []string) []string {
	cwd, err := os.Getwd()
	if err != nil {
		return nil
	}
	from := "."
	if top != "" {
		cwd, from = top, top
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
			rel, err := filepath.Rel(cwd, dir)
			if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				break
			}
			if !seen[dir] {
				seen[dir] = true
				out = append(out, filepath.Join(from, rel))
			}
			if rel == "." {
				break
			}
		}
	}
	return out
}

// sharedFiles lists what a run over part of a tree needs from the folders
// above its paths (up to the working folder) that it does not load
// already: the .hcl files directly in them, for their shared lists (such as
// detections/webhooks.hcl for detections/proxy/), and the detection files
// of their pivots/ subfolders.
func sharedFiles(top string, paths, loaded []string) (locals, pivots []string) {
	have := map[string]bool{}
	for _, f := range loaded {
		have[filepath.Clean(f)] = true
	}
	add := func(dir string, keep func(string) bool, to *[]string) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return
		}
		for _, e := range entries {
			f := filepath.Join(dir, e.Name())
			if !e.IsDir() && keep(f) && !strings.HasPrefix(e.Name(), ".") && !have[f] {
				have[f] = true
				*to = append(*to, f)
			}
		}
	}
	for _, dir := range ancestors(top, paths) {
		add(dir, func(f string) bool { return IsHCL(f) && filepath.Base(f) != ProjectFile }, &locals)
		add(filepath.Join(dir, "pivots"), isRuleFile, &pivots)
	}
	sort.Strings(locals)
	sort.Strings(pivots)
	return locals, pivots
}

func pivotsOnly(rules []*rule.Rule) []*rule.Rule {
	var out []*rule.Rule
	for _, r := range rules {
		if r.IsPivot() {
			out = append(out, r)
		}
	}
	return out
}

// cardDirs lists the folders above the paths and their cards/ subfolders,
// where a subfolder's runbook cards live.
func cardDirs(top string, paths []string) []string {
	var out []string
	for _, dir := range ancestors(top, paths) {
		out = append(out, filepath.Join(dir, "cards"))
	}
	return out
}
