package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/build"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/rule"
)

// Parts of a detection's output, as detc diff names them.
const (
	PartQuery      = "query"
	PartDeployment = "deployment"
	PartRunbook    = "runbook"
)

// Output is one text a detection compiles to.
type Output struct {
	// Target is the backend; "" for the runbook, which all targets share.
	Target string
	Part   string
	// Name is how the diff names the text: "splunk.spl" for a query,
	// "splunk/savedsearches.conf" for a deployment file (its path in a
	// build's output), "runbooks/<id>.md" for the runbook.
	Name string
	Text string
}

// Detection is one rule as one side of a diff compiles it.
type Detection struct {
	ID, Name, Title string
	// File is the rule's file, relative to the repository's top folder.
	File  string
	Pivot bool
	// Outputs are sorted by target, then part, then name, the runbook
	// last.
	Outputs []Output
}

// Compile compiles each rule of set the way detc build does (build.Compile
// for every deployment meant for the rule, build.Runbooks for the
// runbook), and packages each rule alone so that its deployment files hold
// only its own entry, with the brief they carry (build.Briefs, linking to
// runbooks/<id>.md). Investigation pivots get their queries only: they are
// never deployed and have no runbook of their own. Rules are keyed by id;
// a rule with no id, or an id two rules share, is an error, as detc lint
// reports it.
func Compile(set *load.Set, deps []build.Deployment, enabled func(*rule.Rule) bool) (map[string]*Detection, error) {
	deps = append([]build.Deployment(nil), deps...)
	sort.SliceStable(deps, func(i, j int) bool { return deps[i].Dir < deps[j].Dir })
	deps = build.CompileOnceFor(deps)
	var checked []*check.Rule
	byRule := map[*rule.Rule]*check.Rule{}
	failed := map[*rule.Rule]rule.Diagnostics{}
	for _, r := range set.RunbookRules() {
		c, diags := check.Run(r)
		if c == nil {
			failed[r] = diags
			continue
		}
		checked = append(checked, c)
		byRule[r] = c
	}
	runbook := build.Runbooks(checked, deps, set.Cards)
	brief := build.Briefs(set.Cards, func(r *rule.Rule) string { return "runbooks/" + build.FileName(r.ID) + ".md" })
	out := map[string]*Detection{}
	for _, r := range set.Rules {
		if r.ID == "" {
			return nil, fmt.Errorf("%s: rule %s has no id; detc diff matches detections by id", r.Pos, r.Name)
		}
		if prev, dup := out[r.ID]; dup {
			return nil, fmt.Errorf("%s: rule id %s is also the id of the rule in %s; detc diff matches detections by id", r.Pos, r.ID, prev.File)
		}
		d := &Detection{ID: r.ID, Name: r.Name, Title: r.Title, File: r.File, Pivot: r.IsPivot()}
		c := byRule[r]
		if c == nil {
			// The rule has errors at this revision: what it compiles to is
			// the errors, the same for every target.
			text := ruleErrors(failed[r])
			for _, dep := range deps {
				if r.TargetedAt(dep.Backend.Name(), dep.Profile()) {
					name := depName(dep)
					d.Outputs = append(d.Outputs, Output{Target: name, Part: PartQuery, Name: name + "." + dep.Backend.Langs()[0], Text: text})
				}
			}
			out[r.ID] = d
			continue
		}
		md, note := "", ""
		if !d.Pivot {
			text, err := runbook(c)
			if err != nil {
				text = fmt.Sprintf("the runbook cannot be written: %v\n", err)
			}
			md, note = text, brief(r)
		}
		for _, dep := range deps {
			if r.TargetedAt(dep.Backend.Name(), dep.Profile()) {
				d.Outputs = append(d.Outputs, compileFor(dep, c, note, d.Pivot, enabled)...)
			}
		}
		if !d.Pivot {
			d.Outputs = append(d.Outputs, Output{Part: PartRunbook, Name: "runbooks/" + build.FileName(r.ID) + ".md", Text: md})
		}
		out[r.ID] = d
	}
	return out, nil
}

// diffAppVersion is the app version of the one-rule packages a diff shows.
const diffAppVersion = "0.0.0"

// compileFor is one rule's query and deployment files for one deployment.
// Outputs are named by the deployment's folder (the target, and the
// profile when the target deploys several).
func compileFor(dep build.Deployment, r *check.Rule, brief string, pivot bool, enabled func(*rule.Rule) bool) []Output {
	b := dep.Backend
	name := depName(dep)
	d, refusal := build.Compile(dep, r, brief, enabled)
	if refusal != nil {
		return []Output{{Target: name, Part: PartQuery, Name: name + "." + b.Langs()[0], Text: "refused: " + refusal.Message + "\n"}}
	}
	lang := d.Query.Lang
	if lang == "" {
		lang = b.Langs()[0]
	}
	outs := []Output{{Target: name, Part: PartQuery, Name: name + "." + lang, Text: withNewline(d.Query.Text)}}
	if pivot {
		return outs
	}
	opts := dep.Options
	if opts.App.Version == "" {
		// A package version derived from its content is the whole app's;
		// this one-rule package's would change with every query change
		// and repeat it, so it is pinned here.
		opts.App.Version = diffAppVersion
	}
	arts, refusals, err := b.Package([]target.Deployable{*d}, opts)
	if err != nil {
		return append(outs, Output{Target: name, Part: PartDeployment, Name: name, Text: fmt.Sprintf("packaging failed: %v\n", err)})
	}
	if len(refusals) > 0 {
		msg := build.Refused(r.Rule, b.Name(), dep.Profile(), refusals[0], rule.Error).Summary
		return append(outs, Output{Target: name, Part: PartDeployment, Name: name, Text: "refused: " + msg + "\n"})
	}
	sort.Slice(arts, func(i, j int) bool { return arts[i].Path < arts[j].Path })
	for _, a := range arts {
		outs = append(outs, Output{Target: name, Part: PartDeployment, Name: name + "/" + a.Path, Text: readable(a)})
	}
	return outs
}

// depName names a deployment's outputs: its folder (the target, and the
// profile when the target deploys several).
func depName(dep build.Deployment) string {
	if dep.Dir == "" {
		return dep.Backend.Name()
	}
	return dep.Dir
}

// ruleErrors lists the errors the check phase found in a rule.
func ruleErrors(diags rule.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		if d.Severity == rule.Error {
			fmt.Fprintf(&b, "rule error: %s\n", d.Summary)
		}
	}
	return b.String()
}

func withNewline(s string) string {
	if s == "" || strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// readable is a deployment file as a reviewer reads it: an NDJSON file
// (one JSON object per line, as Kibana imports rules) is shown with each
// object indented, so that a change shows as the lines that changed
// rather than one long line.
func readable(a target.Artifact) string {
	if !strings.HasSuffix(a.Path, ".ndjson") {
		return string(a.Data)
	}
	var b strings.Builder
	for _, line := range bytes.Split(bytes.TrimRight(a.Data, "\n"), []byte("\n")) {
		var buf bytes.Buffer
		if err := json.Indent(&buf, line, "", "  "); err != nil {
			b.Write(line)
		} else {
			b.Write(buf.Bytes())
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// LoadError says the detections on one side of a diff do not load.
type LoadError struct {
	Side  string
	Diags rule.Diagnostics
	// Sources hold the files' text on that side, for source snippets.
	Sources map[string][]byte
}

func (e *LoadError) Error() string {
	return fmt.Sprintf("the detections in %s have errors", e.Side)
}

// loadSide loads the detection files under paths (relative to root) and
// names every file relative to root, with forward slashes, whatever
// folder they were read from. Paths that do not exist under root are
// skipped (a folder added or removed on one side is empty on the other);
// found says which do.
func loadSide(root, top string, paths []string, side string) (set *load.Set, found map[string]bool, err error) {
	var abs []string
	found = map[string]bool{}
	for _, p := range paths {
		full := filepath.Join(root, filepath.FromSlash(p))
		if _, err := os.Stat(full); err == nil {
			abs = append(abs, full)
			found[p] = true
		}
	}
	if len(abs) == 0 {
		return &load.Set{Sources: map[string][]byte{}}, found, nil
	}
	set, diags := load.Within(top, abs)
	rel := func(f string) string {
		if r, err := filepath.Rel(root, f); err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return filepath.ToSlash(r)
		}
		return f
	}
	for _, r := range set.Rules {
		r.File, r.Pos.File = rel(r.File), rel(r.Pos.File)
	}
	sources := map[string][]byte{}
	for f, data := range set.Sources {
		sources[rel(f)] = data
	}
	set.Sources = sources
	if diags.HasErrors() {
		var errs rule.Diagnostics
		for _, d := range diags {
			if d.Severity == rule.Error {
				d.Pos.File = rel(d.Pos.File)
				d.Summary = strings.ReplaceAll(d.Summary, root+string(filepath.Separator), "")
				errs = append(errs, d)
			}
		}
		return nil, nil, &LoadError{Side: side, Diags: errs, Sources: sources}
	}
	return set, found, nil
}
