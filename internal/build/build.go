// Package build compiles every rule for every target and writes the
// deployment files into one output folder, replacing the previous build
// atomically: a failed build leaves the previous output as it was.
package build

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/lint"
	"github.com/detc/detc/internal/parallel"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/textutil"
)

// Marker is the file every build output holds. A build replaces an
// existing folder only when it has the marker (or is empty), so that
// --out pointing at a folder of other files never deletes them.
const Marker = ".detc-build"

const markerText = "This folder is written by `detc build` and replaced whole on every build.\n"

// RefusalsFile lists the rules a target could not express.
const RefusalsFile = "refusals.json"

// Options configure a build.
type Options struct {
	// Out is the output folder.
	Out string
	// Deployments are the targets, each in a profile and language, with
	// the folder its files go to.
	Deployments []Deployment
	// Strict makes any refusal fail the build.
	Strict bool
	// Known are the mapping profiles lint knows field names from (the
	// built-in ones and the project's overrides): a rule deployed nowhere
	// because a target refused a field that none of them nor the Sigma
	// taxonomy knows, and that is a near miss of one they know, has a
	// misspelt field (target.CodeUndeployedUnknownField, an error); any
	// other rule deployed nowhere is refused for what the SIEMs lack
	// (target.CodeUndeployed, a warning).
	Known []*mapping.Profile
	// Severities, when set, applies the project's check severities to the
	// diagnostics of the rules deployed nowhere; an error among them fails
	// the build.
	Severities func(rule.Diagnostics) rule.Diagnostics
	// Enabled says which rules are deployed enabled (the enablement
	// policy); nil deploys every rule enabled.
	Enabled func(r *rule.Rule) bool
	// Runbook, when set, renders a rule's runbook Markdown; it goes under
	// runbooks/.
	Runbook func(r *check.Rule) (string, error)
	// Brief, when set, writes the short note (summary, first triage steps,
	// link to the runbook) each target's deployment files carry.
	Brief func(r *rule.Rule) string
	// Extras add files outside the targets' folders, such as an ATT&CK
	// Navigator layer.
	Extras []Extra
}

// Deployment is one target in one profile: what build compiles and
// packages, into Dir under the output folder.
type Deployment struct {
	Backend target.Backend
	Options target.Options
	Dir     string
}

// Name is "target/profile", as messages and rule targeting write it.
func (d Deployment) Name() string { return d.Backend.Name() + "/" + d.Profile() }

// Profile is the deployment's profile name (the backend's default when
// Options leave it out).
func (d Deployment) Profile() string {
	if d.Options.Profile != "" {
		return d.Options.Profile
	}
	return d.Backend.Profiles()[0]
}

// Defaults deploys each backend in its default profile and language into
// a folder named after it.
func Defaults(backends []target.Backend) []Deployment {
	out := make([]Deployment, len(backends))
	for i, b := range backends {
		out[i] = Deployment{Backend: b, Dir: b.Name()}
	}
	return out
}

// Extra writes files under Out/Dir from the rules of a build.
type Extra struct {
	Dir      string
	Generate func(rules []*rule.Rule) ([]target.Artifact, error)
	// Write, set instead of Generate, hands each file to add as soon as it
	// is made (add may be called from several goroutines), so that a large
	// extra such as the catalog is never held whole in memory.
	Write func(rules []*rule.Rule, add func(target.Artifact) error) error
	// DeployedOnly leaves out the rules every deployment meant for them
	// refused (Result.Undeployed), for an extra that says what the
	// build deploys, such as the Navigator layer of the techniques covered.
	DeployedOnly bool
}

// RefusalRecord is one rule a target could not express, as refusals.json
// lists it (the backend gave a *target.Refusal).
type RefusalRecord struct {
	RuleID  string `json:"rule_id"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Target  string `json:"target"`
	Profile string `json:"profile"`
	Message string `json:"message"`
	// DeployedNowhere marks the refusals of a rule that every deployment
	// meant for it refused.
	DeployedNowhere bool `json:"deployed_nowhere,omitempty"`
}

// Diagnostic renders the refusal for stderr.
func (r RefusalRecord) Diagnostic(sev rule.Severity) rule.Diagnostic {
	return rule.Diagnostic{Severity: sev, Pos: rule.Pos{File: r.File, Line: r.Line, Col: r.Column}, Code: target.CodeRefused, Summary: r.Message}
}

// Result says what a build did.
type Result struct {
	// Files are the written paths, relative to Out, sorted.
	Files    []string
	Refusals []RefusalRecord
	// Untargeted are the rules left out of a deployment because they say
	// they are meant for other targets or profiles.
	Untargeted []Untargeted
	// Undeployed are the rules every deployment meant for them refused,
	// and UndeployedDiagnostics say why, one for each (the project's
	// severities applied, so fewer when it turned a check off; with
	// Strict, errors).
	Undeployed            []*rule.Rule
	UndeployedDiagnostics rule.Diagnostics
	// Counts say, per deployment in folder order, what became of every
	// rule the build was given that is not a pivot.
	Counts []Count
	// Languages count, per deployment in build order, the rules deployed
	// in each query language (a target such as elastic picks it per rule).
	Languages []LanguageCount
	// Sources count, per deployment in build order, the rules deployed
	// from each source of a log source the profile reads from several
	// (alternatives, chosen per rule), so a review sees which rules read
	// which table.
	Sources []SourceCount
}

// SourceCount is how many rules one deployment deploys from one of the
// alternative sources of a log source.
type SourceCount struct {
	Deployment string
	LogSource  string // mapping.Describe of the log source
	Label      string // the source's label
	Rules      int
}

// Count is what one deployment did with the build's rules: each rule is
// deployed, refused (by the compiler or the packager) or left out by its
// targets, so the three add up to the rules the build deploys.
type Count struct {
	Dir                           string
	Deployed, Refused, Untargeted int
}

// LanguageCount is how many rules one deployment deploys in one language.
type LanguageCount struct {
	Deployment string
	Lang       string
	Rules      int
}

// Untargeted is a rule a deployment leaves out by the rule's targets.
type Untargeted struct {
	RuleID     string
	Deployment string
}

// RunbookError says a rule's runbook could not be written.
type RunbookError struct {
	Rule *rule.Rule
	Err  error
}

func (e *RunbookError) Error() string { return e.Diagnostic().String() }

func (e *RunbookError) Unwrap() error { return e.Err }

// Diagnostic places the failure at the rule.
func (e *RunbookError) Diagnostic() rule.Diagnostic {
	return rule.Diagnostic{Severity: rule.Error, Pos: e.Rule.Pos, Code: "runbook", Summary: fmt.Sprintf("runbook of rule %s: %v", e.Rule.ID, e.Err)}
}

// ErrRefused is returned (wrapped) when Strict is set and a target refused a rule.
var ErrRefused = errors.New("a target refused a rule")

// ErrUndeployed is returned (wrapped) when every deployment meant for a
// rule refused it and its diagnostic is an error: a misspelt field, or a
// project that makes the undeployed check an error.
var ErrUndeployed = errors.New("every target refuses a detection")

// packedQueries are the queries of ds the packager did not refuse: the
// rules a deployment deploys.
func packedQueries(ds []target.Deployable, packRefusals []*target.Refusal) []*target.Query {
	unpacked := map[string]bool{}
	for _, pr := range packRefusals {
		unpacked[pr.RuleID] = true
	}
	var out []*target.Query
	for _, d := range ds {
		if !unpacked[d.Query.Rule.ID] {
			out = append(out, d.Query)
		}
	}
	return out
}

// countSources counts a deployment's rules by the alternative source each
// reads (sources with a label), by log source, then most rules first.
func countSources(dep Deployment, packed []*target.Query) []SourceCount {
	type key struct{ logSource, label string }
	n := map[key]int{}
	for _, q := range packed {
		if src := q.Source; src != nil && src.Label != "" {
			n[key{mapping.Describe(src.LogSource), src.Label}]++
		}
	}
	out := make([]SourceCount, 0, len(n))
	for k, c := range n {
		out = append(out, SourceCount{Deployment: dep.Name(), LogSource: k.logSource, Label: k.label, Rules: c})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.LogSource != b.LogSource:
			return a.LogSource < b.LogSource
		case a.Rules != b.Rules:
			return a.Rules > b.Rules
		}
		return a.Label < b.Label
	})
	return out
}

// countLanguages counts a deployment's rules by query language, in the
// order the backend lists its languages.
func countLanguages(dep Deployment, packed []*target.Query) []LanguageCount {
	n := map[string]int{}
	for _, q := range packed {
		n[q.Lang]++
	}
	out := make([]LanguageCount, 0, len(n))
	for lang, c := range n {
		out = append(out, LanguageCount{Deployment: dep.Name(), Lang: lang, Rules: c})
	}
	rank := func(lang string) int {
		if i := slices.Index(dep.Backend.Langs(), lang); i >= 0 {
			return i
		}
		return len(dep.Backend.Langs())
	}
	sort.Slice(out, func(i, j int) bool {
		if ri, rj := rank(out[i].Lang), rank(out[j].Lang); ri != rj {
			return ri < rj
		}
		return out[i].Lang < out[j].Lang
	})
	return out
}

// Run compiles and packages checked rules. Pivot rules are compiled only
// for runbooks, never deployed. Nothing is written unless every step
// succeeds.
func Run(rules []*check.Rule, opts Options) (*Result, error) {
	// Each file goes to disk as soon as it is made, into a new folder that
	// replaces the output only when every step succeeded.
	files, err := newTree(opts.Out)
	if err != nil {
		return nil, err
	}
	defer files.discard()
	res := &Result{}
	var deployable []*check.Rule
	var deployed []*rule.Rule
	for _, r := range rules {
		if !r.IsPivot() {
			deployable = append(deployable, r)
			deployed = append(deployed, r.Rule)
		}
	}
	if opts.Runbook != nil {
		type rendered struct {
			md  string
			err error
		}
		// Runbooks are written on every core, in the rules' order.
		mds := parallel.Map(deployable, func(r *check.Rule) rendered {
			md, err := opts.Runbook(r)
			return rendered{md, err}
		})
		for i, r := range deployable {
			md, err := mds[i].md, mds[i].err
			if err != nil {
				return nil, &RunbookError{Rule: r.Rule, Err: err}
			}
			if err := files.add("runbooks", target.Artifact{Path: FileName(r.ID) + ".md", Data: []byte(md)}); err != nil {
				return nil, err
			}
		}
	}
	deps := append([]Deployment(nil), opts.Deployments...)
	sort.SliceStable(deps, func(i, j int) bool { return deps[i].Dir < deps[j].Dir })
	// targeted counts, per rule, the deployments meant for it, and refused
	// holds the refusals (indexes in res.Refusals) of those that refused
	// it: a rule every one of them refuses is deployed nowhere.
	targeted, refused := map[*check.Rule]int{}, map[*check.Rule][]int{}
	for _, dep := range deps {
		var ds []target.Deployable
		var meant []*check.Rule
		count := Count{Dir: dep.Dir}
		for _, r := range deployable {
			if !r.TargetedAt(dep.Backend.Name(), dep.Profile()) {
				res.Untargeted = append(res.Untargeted, Untargeted{RuleID: r.ID, Deployment: dep.Name()})
				count.Untargeted++
				continue
			}
			targeted[r]++
			meant = append(meant, r)
		}
		type result struct {
			d       *target.Deployable
			refusal *RefusalRecord
		}
		// Rules compile on every core, in the rules' order.
		results := parallel.Map(meant, func(r *check.Rule) result {
			brief := ""
			if opts.Brief != nil {
				brief = opts.Brief(r.Rule)
			}
			d, refusal := Compile(dep, r, brief, opts.Enabled)
			return result{d, refusal}
		})
		byID := map[string]*check.Rule{}
		for i, r := range meant {
			d, refusal := results[i].d, results[i].refusal
			if refusal != nil {
				refused[r] = append(refused[r], len(res.Refusals))
				res.Refusals = append(res.Refusals, *refusal)
				continue
			}
			ds = append(ds, *d)
			byID[r.ID] = r
		}
		arts, packRefusals, err := dep.Backend.Package(ds, dep.Options)
		if err != nil {
			return nil, fmt.Errorf("%s: packaging failed: %w", dep.Dir, err)
		}
		// A rule the deployment format cannot hold is refused like one
		// the query language cannot express; the others are deployed.
		for _, pr := range packRefusals {
			r, ok := byID[pr.RuleID]
			if !ok {
				return nil, fmt.Errorf("%s: packaging refused rule %q, which it was not given", dep.Dir, pr.RuleID)
			}
			refused[r] = append(refused[r], len(res.Refusals))
			res.Refusals = append(res.Refusals, refusalRecord(r, dep, pr))
		}
		packed := packedQueries(ds, packRefusals)
		res.Languages = append(res.Languages, countLanguages(dep, packed)...)
		res.Sources = append(res.Sources, countSources(dep, packed)...)
		count.Refused = len(meant) - len(ds) + len(packRefusals)
		count.Deployed = len(ds) - len(packRefusals)
		res.Counts = append(res.Counts, count)
		for _, a := range arts {
			if err := files.add(dep.Dir, a); err != nil {
				return nil, err
			}
		}
	}
	var somewhere []*rule.Rule
	var undeployed rule.Diagnostics
	for _, r := range deployable {
		if n := targeted[r]; n == 0 || len(refused[r]) < n {
			somewhere = append(somewhere, r.Rule)
			continue
		}
		res.Undeployed = append(res.Undeployed, r.Rule)
		var recs []RefusalRecord
		for _, i := range refused[r] {
			res.Refusals[i].DeployedNowhere = true
			recs = append(recs, res.Refusals[i])
		}
		undeployed = append(undeployed, Undeployed(r.Rule, recs, opts.Known))
	}
	if opts.Severities != nil {
		undeployed = opts.Severities(undeployed)
	}
	if opts.Strict {
		// A rule deployed nowhere has refusals, which --strict makes errors.
		for i := range undeployed {
			undeployed[i].Severity = rule.Error
		}
	}
	res.UndeployedDiagnostics = undeployed
	for _, x := range opts.Extras {
		rules := deployed
		if x.DeployedOnly {
			rules = somewhere
		}
		if x.Write != nil {
			var addErr error // add's errors name the folder already
			var once sync.Once
			err := x.Write(rules, func(a target.Artifact) error {
				err := files.add(x.Dir, a)
				if err != nil {
					once.Do(func() { addErr = err })
				}
				return err
			})
			if err != nil && addErr != nil && errors.Is(err, addErr) {
				return nil, err
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", x.Dir, err)
			}
			continue
		}
		arts, err := x.Generate(rules)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", x.Dir, err)
		}
		for _, a := range arts {
			if err := files.add(x.Dir, a); err != nil {
				return nil, err
			}
		}
	}
	if n := countErrors(undeployed); n > 0 {
		return res, fmt.Errorf("%w (%s)", ErrUndeployed, textutil.Plural(n, "detection"))
	}
	if opts.Strict && len(res.Refusals) > 0 {
		return res, fmt.Errorf("%w (%d refusals; --strict)", ErrRefused, len(res.Refusals))
	}
	refusals, err := json.MarshalIndent(append([]RefusalRecord{}, res.Refusals...), "", "  ")
	if err != nil {
		return nil, err
	}
	if err := files.add("", target.Artifact{Path: RefusalsFile, Data: append(refusals, '\n')}); err != nil {
		return nil, err
	}
	if err := files.commit(); err != nil {
		return nil, err
	}
	res.Files = files.names()
	return res, nil
}

// Undeployed is the diagnostic of a rule every deployment meant for it
// refused (refusals are theirs). When a refusal is at a field that no
// taxonomy or profile knows (lint.UnknownFields, over the known profiles)
// and that is a near miss of a field they know, the rule's author
// misspelt it: an error at the field, with the name it meant. Otherwise
// the refusals are facts about the SIEMs (a log source they do not
// collect, a field or value they do not carry): a warning at the rule.
func Undeployed(r *rule.Rule, refusals []RefusalRecord, known []*mapping.Profile) rule.Diagnostic {
	refusedAt := map[rule.Pos]bool{}
	for _, rec := range refusals {
		refusedAt[rule.Pos{File: rec.File, Line: rec.Line, Col: rec.Column}] = true
	}
	for _, u := range lint.UnknownFields(r, known) {
		if _, misspelt := u.Misspelt(); !misspelt {
			continue
		}
		for _, at := range u.At {
			if refusedAt[at] {
				return rule.Diagnostic{Severity: rule.Error, Pos: at, Code: target.CodeUndeployedUnknownField,
					Summary: fmt.Sprintf("rule %s would be deployed nowhere: %s, and every target meant for the rule refuses it", r.Label(), u)}
			}
		}
	}
	return rule.Diagnostic{Severity: rule.Warning, Pos: r.Pos, Code: target.CodeUndeployed,
		Summary: fmt.Sprintf("rule %s is deployed nowhere: every target meant for it refuses it (the refusals above say why); map what they lack (--mapping) or say which targets it is for (targets)", r.Label())}
}

func countErrors(diags rule.Diagnostics) int {
	n := 0
	for _, d := range diags {
		if d.Severity == rule.Error {
			n++
		}
	}
	return n
}

// Refused turns a Compile error into a diagnostic at the construct the
// target refused, or at the rule when the error has no position of its own.
func Refused(r *rule.Rule, targetName, profile string, err error, sev rule.Severity) rule.Diagnostic {
	d := rule.Diagnostic{Severity: sev, Pos: r.Pos, Code: target.CodeRefused}
	var te *target.Refusal
	if errors.As(err, &te) {
		if te.Pos.IsValid() {
			d.Pos = te.Pos
		}
		d.Summary = fmt.Sprintf("rule %s: %s/%s cannot express %s: %s", te.RuleID, te.Target, te.Profile, te.Construct, te.Reason)
		return d
	}
	d.Summary = fmt.Sprintf("rule %s: %s/%s: %v", r.ID, targetName, profile, err)
	return d
}

// Compile compiles one checked rule for one deployment, as Run does: the
// deployable, with its brief, version and enablement (enabled nil: every
// rule enabled), or the refusal. detc diff compiles through it too, so
// that what it compares is what a build deploys.
func Compile(dep Deployment, r *check.Rule, brief string, enabled func(*rule.Rule) bool) (*target.Deployable, *RefusalRecord) {
	b := dep.Backend
	q, err := b.Compile(r, dep.Options)
	if err != nil {
		rec := refusalRecord(r, dep, err)
		return nil, &rec
	}
	return &target.Deployable{Query: q, Runbook: brief, Version: Version(q), Enabled: enabled == nil || enabled(r.Rule)}, nil
}

// refusalRecord is the line of refusals.json for a deployment's refusal
// of a rule (err a *target.Refusal, or another compile error).
func refusalRecord(r *check.Rule, dep Deployment, err error) RefusalRecord {
	d := Refused(r.Rule, dep.Backend.Name(), dep.Profile(), err, rule.Error)
	return RefusalRecord{RuleID: r.ID, File: d.Pos.File, Line: d.Pos.Line, Column: d.Pos.Col,
		Target: dep.Backend.Name(), Profile: dep.Profile(), Message: d.Summary}
}

// Version is a content hash of what a compiled rule means: its target,
// profile, language and query text, the source attributes it reads (index,
// table) and its aggregation (a Kibana threshold rule carries that beside
// the query). Title, description, level, runbook and other metadata are
// left out, so a deployed rule's version changes only when what it matches
// does, and re-importing unchanged logic does not churn versions.
func Version(q *target.Query) string {
	h := sha256.New()
	field := func(s string) { fmt.Fprintf(h, "%d:%s;", len(s), s) }
	for _, s := range []string{q.Target, q.Profile, q.Lang, q.Text} {
		field(s)
	}
	var attrs []string
	if q.Source != nil {
		for k := range q.Source.Attrs {
			attrs = append(attrs, k)
		}
	}
	sort.Strings(attrs)
	field(strconv.Itoa(len(attrs)))
	for _, k := range attrs {
		field(k)
		field(q.Source.Attrs[k])
	}
	if q.Rule != nil && q.Rule.Aggregation != nil {
		a := q.Rule.Aggregation
		field(fmt.Sprintf("%s %s by %s over %s %s %g", a.Func, a.Field, strings.Join(a.GroupBy, ","), a.Window, a.Op.Symbol(), a.Threshold))
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// FileName makes a rule id safe as a file name.
func FileName(id string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 || r == ':' {
			return '_'
		}
		return r
	}, id)
}

// tree is a build's output being written: a new folder beside the output
// (named with a prefix removeStale knows, the marker written first) that
// commit swaps in and discard removes.
type tree struct {
	out, tmp string
	mu       sync.Mutex
	files    map[string]bool // paths written, relative to tmp
	dirs     map[string]bool // folders made
	done     bool
}

func newTree(out string) (*tree, error) {
	out = filepath.Clean(out)
	// Checked before anything is made, and again before the swap.
	if err := checkReplaceable(out); err != nil {
		return nil, err
	}
	parent, base := filepath.Split(out)
	if parent == "" {
		parent = "."
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", parent, err)
	}
	removeStale(parent, "."+base+".new-")
	tmp, err := os.MkdirTemp(parent, "."+base+".new-")
	if err != nil {
		return nil, fmt.Errorf("cannot create a folder beside %s: %w", out, err)
	}
	t := &tree{out: out, tmp: tmp, files: map[string]bool{}, dirs: map[string]bool{".": true}}
	if err := os.Chmod(tmp, 0o755); err != nil {
		t.discard()
		return nil, err
	}
	if err := t.add("", target.Artifact{Path: Marker, Data: []byte(markerText)}); err != nil {
		t.discard()
		return nil, err
	}
	return t, nil
}

// add writes an artifact under dir, refusing paths that would escape the
// output folder and two artifacts with one path: both are backend bugs
// that would otherwise lose or misplace files. It is safe for concurrent
// use.
func (t *tree) add(dir string, a target.Artifact) error {
	clean := path.Clean(a.Path)
	if a.Path == "" || path.IsAbs(a.Path) || clean == ".." || strings.HasPrefix(clean, "../") || strings.Contains(a.Path, `\`) {
		return fmt.Errorf("%s: artifact path %q is not a relative path inside the output folder", dir, a.Path)
	}
	p := path.Join(dir, clean)
	t.mu.Lock()
	if t.files[p] {
		t.mu.Unlock()
		return fmt.Errorf("%s: two artifacts are written to %s", dir, p)
	}
	t.files[p] = true
	folder := path.Dir(p)
	made := t.dirs[folder]
	t.mu.Unlock()
	dst := filepath.Join(t.tmp, filepath.FromSlash(p))
	if !made {
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("cannot create %s: %w", filepath.Dir(dst), err)
		}
		t.mu.Lock()
		t.dirs[folder] = true
		t.mu.Unlock()
	}
	if err := os.WriteFile(dst, a.Data, 0o644); err != nil {
		return fmt.Errorf("cannot write %s: %w", dst, err)
	}
	return nil
}

// names are the paths written, sorted.
func (t *tree) names() []string {
	out := make([]string, 0, len(t.files))
	for p := range t.files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// discard removes the new folder unless it was swapped in.
func (t *tree) discard() {
	if !t.done {
		os.RemoveAll(t.tmp)
		t.done = true
	}
}

// commit swaps the new folder in: the old output is renamed away, the new
// one renamed in, the old removed. Until the swap, out is untouched; a
// failure leaves it as it was.
func (t *tree) commit() error {
	if err := checkReplaceable(t.out); err != nil {
		return err
	}
	old := ""
	if _, err := os.Lstat(t.out); err == nil {
		old = t.tmp + ".old"
		if err := os.Rename(t.out, old); err != nil {
			return fmt.Errorf("cannot move the previous %s aside: %w", t.out, err)
		}
	}
	if err := os.Rename(t.tmp, t.out); err != nil {
		if old != "" {
			os.Rename(old, t.out)
		}
		return fmt.Errorf("cannot move the new build into %s: %w", t.out, err)
	}
	t.done = true
	if old != "" {
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("the build is in %s, but the previous one could not be removed from %s: %w", t.out, old, err)
		}
	}
	return nil
}

// removeStale removes the folders an interrupted build left beside the
// output (a killed process cannot remove its own): those named with the
// prefix of writeTree's new folders that hold the marker, written first.
// It is best effort: a folder it cannot remove stays, and harms nothing.
func removeStale(parent, prefix string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		dir := filepath.Join(parent, e.Name())
		if _, err := os.Stat(filepath.Join(dir, Marker)); err == nil {
			os.RemoveAll(dir)
		}
	}
}

func checkReplaceable(out string) error {
	info, err := os.Lstat(out)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot use %s as the output folder: %w", out, err)
	}
	if !info.IsDir() {
		return fmt.Errorf("cannot use %s as the output folder: it is not a folder", out)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		return fmt.Errorf("cannot use %s as the output folder: %w", out, err)
	}
	if len(entries) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(out, Marker)); err != nil {
		return fmt.Errorf("refusing to replace %s: it holds files that detc build did not write (no %s in it)", out, Marker)
	}
	return nil
}
