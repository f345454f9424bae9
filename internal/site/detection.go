package site

import (
	"fmt"
	"html/template"
	"path/filepath"
	"strings"

	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/attack"
	"github.com/detc/detc/internal/build"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/fixture"
	"github.com/detc/detc/internal/rule"
)

type detectionView struct {
	Rule       *rule.Rule
	Page, Href string
	LogSource  string
	Techniques []attackLink
	Tactics    []attackLink
	// Targets say whether each target compiles the rule in its default
	// profile and language.
	Targets []targetStatus
	Queries []queryView
	Deploy  []deployView
	Runbook template.HTML
	Tests   *testsView
	Source  sourceView
	// Playground opens the rule in the playground ("" in a static catalog).
	Playground string
}

type attackLink struct{ ID, Name, URL string }

type targetStatus struct {
	Name, Title string
	OK          bool
	Reason      string
}

type queryView struct {
	ID, Target, Title, Profile, Lang string
	Default                          bool
	Text, Refusal                    string
}

type deployView struct {
	Target, Path, Text string
}

type testsView struct {
	Pass   bool
	Errors []string
	Tests  []testView
}

type testView struct {
	Name, Fixture, Error string
	Pass                 bool
	// Counted is set for a test of an aggregating rule that lists no
	// events: its events are counted towards Alerts, none must match.
	Counted  bool
	Alerts   []rule.ExpectedAlert
	Failures []fixture.Failure
	Events   []fixture.EventTrace
}

type sourceView struct {
	File        string
	First, Last int
	Text        string
}

// listing is what the index and the matrix show of a detection, without
// the page's queries, deployment entries, runbook, tests and source.
func (v *detectionView) listing() *detectionView {
	return &detectionView{Rule: v.Rule, Page: v.Page, Href: v.Href, LogSource: v.LogSource,
		Techniques: v.Techniques, Tactics: v.Tactics, Targets: v.Targets}
}

func newDetectionView(r *rule.Rule, in Input) (*detectionView, error) {
	v := &detectionView{Rule: r, LogSource: LogSourceText(r.LogSource)}
	for _, id := range r.Attack.Techniques {
		link := attackLink{ID: id}
		if t, ok := attack.LookupTechnique(id); ok {
			link = attackLink{ID: t.ID, Name: t.Name, URL: t.URL}
		}
		v.Techniques = append(v.Techniques, link)
	}
	for _, id := range r.Attack.Tactics {
		link := attackLink{ID: id}
		if t, ok := attack.LookupTactic(id); ok {
			link = attackLink{ID: t.ID, Name: t.Name, URL: t.URL()}
		}
		v.Tactics = append(v.Tactics, link)
	}
	md := ""
	if in.Runbook != nil {
		var err error
		if md, err = in.Runbook(r); err != nil {
			return nil, &build.RunbookError{Rule: r, Err: err}
		}
		html, err := MarkdownHTML(md)
		if err != nil {
			return nil, err
		}
		v.Runbook = html
	}
	checked, cdiags := check.Run(r)
	for _, b := range in.Backends {
		st := targetStatus{Name: b.Name(), Title: targetTitle(b), OK: true}
		if checked == nil {
			// A mistake in the rule, not a limit of the target.
			st.OK, st.Reason = false, firstError(cdiags)
			v.Targets = append(v.Targets, st)
			v.Queries = append(v.Queries, queries(b, r, nil, b.Langs()[0], st.Reason)...)
			continue
		}
		d, refusal := build.Compile(build.Deployment{Backend: b, Dir: b.Name()}, checked, md, nil)
		defaultLang := b.Langs()[0]
		if refusal != nil {
			st.OK, st.Reason = false, refusal.Message
		} else {
			arts, refusals, err := b.Package([]target.Deployable{*d}, target.Options{})
			if err != nil {
				return nil, fmt.Errorf("%s: packaging rule %s: %w", b.Name(), r.ID, err)
			}
			if len(refusals) > 0 {
				// Beyond a limit of the target's deployment format.
				st.OK, st.Reason = false, build.Refused(r, b.Name(), d.Query.Profile, refusals[0], rule.Error).Summary
				arts = nil
			}
			for _, a := range arts {
				v.Deploy = append(v.Deploy, deployView{Target: st.Title, Path: b.Name() + "/" + a.Path, Text: string(a.Data)})
			}
			if d.Query.Lang != "" {
				defaultLang = d.Query.Lang
			}
		}
		v.Targets = append(v.Targets, st)
		v.Queries = append(v.Queries, queries(b, r, checked, defaultLang, "")...)
	}
	for i := range v.Queries {
		v.Queries[i].ID = fmt.Sprintf("q%d", i+1)
	}
	v.Tests = newTestsView(r, in.FixtureRoots)
	v.Source = ruleSource(r, in.Sources)
	if in.Playground && v.Source.Text != "" {
		v.Playground = playgroundLink(v.Source.File, v.Source.Text)
	}
	return v, nil
}

// queries compiles r in every profile and language of b. The default is
// what a build deploys: the first profile, in defaultLang, the language
// the backend picks for the rule (Elastic picks ES|QL for some rules).
func queries(b target.Backend, r *rule.Rule, checked *check.Rule, defaultLang, invalid string) []queryView {
	var out []queryView
	for pi, p := range b.Profiles() {
		for _, l := range b.Langs() {
			q := queryView{Target: b.Name(), Title: productTitle(b, p), Profile: p, Lang: l, Default: pi == 0 && l == defaultLang}
			if checked == nil {
				q.Refusal = invalid
				out = append(out, q)
				continue
			}
			compiled, err := b.Compile(checked, target.Options{Profile: p, Lang: l})
			if err != nil {
				q.Refusal = build.Refused(r, b.Name(), p, err, rule.Error).Summary
			} else {
				q.Text = strings.TrimRight(compiled.Text, "\n")
				if compiled.Lang != "" {
					q.Lang = compiled.Lang
				}
			}
			out = append(out, q)
		}
	}
	return out
}

func newTestsView(r *rule.Rule, roots []string) *testsView {
	tv := &testsView{}
	// A fixture outside the roots is not read: its test is listed with the
	// reason, the others run.
	readable := *r
	readable.Tests = nil
	outside := map[int]string{}
	for i, t := range r.Tests {
		if path, err := fixture.Resolve(t, r); err == nil && !within(roots, path) {
			outside[i] = path
			continue
		}
		readable.Tests = append(readable.Tests, t)
	}
	rep := fixture.Run([]*rule.Rule{&readable}, fixture.Options{})
	if len(rep.Detections) == 0 {
		return tv
	}
	d := rep.Detections[0]
	tv.Pass = d.Pass && len(outside) == 0
	for _, e := range d.Errors {
		tv.Errors = append(tv.Errors, e.String())
	}
	traces, err := fixture.Trace(&readable, fixture.Options{})
	if err != nil {
		tv.Errors = append(tv.Errors, err.Error())
	}
	next := 0
	for i, t := range r.Tests {
		if path, ok := outside[i]; ok {
			tv.Tests = append(tv.Tests, testView{Name: t.Name, Fixture: path,
				Error: "not read: the fixture is outside the folders detc serve was given"})
			continue
		}
		if next >= len(d.Tests) {
			break
		}
		res := d.Tests[next]
		view := testView{Name: res.Name, Fixture: res.Fixture, Pass: res.Pass, Failures: res.Failures,
			Alerts: t.Alerts, Counted: r.Aggregation != nil && len(t.Match) == 0}
		if next < len(traces) {
			view.Events, view.Error = traces[next].Events, traces[next].Error
		}
		tv.Tests = append(tv.Tests, view)
		next++
	}
	return tv
}

// firstError is the summary of the first error among diags.
func firstError(diags rule.Diagnostics) string {
	for _, d := range diags {
		if d.Severity == rule.Error {
			return d.Summary
		}
	}
	return "the rule has errors"
}

// within reports whether path lies under one of roots (every path when
// there are none).
func within(roots []string, path string) bool {
	if len(roots) == 0 {
		return true
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	for _, root := range roots {
		if rel, err := filepath.Rel(root, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// ruleSource is the rule's text: its detection block in an HCL file (from
// its first line to the closing brace at the start of a line, as detc fmt
// writes it), its document in a Sigma file.
func ruleSource(r *rule.Rule, sources map[string][]byte) sourceView {
	data, ok := sources[r.File]
	if !ok {
		return sourceView{File: r.File}
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	first := max(r.Pos.Line, 1)
	if first > len(lines) {
		first = 1
	}
	hcl := strings.HasSuffix(strings.ToLower(r.File), ".hcl")
	last := len(lines)
	for i := first; i < len(lines); i++ { // lines[i] is line i+1
		if hcl && lines[i-1] == "}" {
			last = i
			break
		}
		if !hcl && lines[i] == "---" {
			last = i
			break
		}
	}
	return sourceView{File: r.File, First: first, Last: last, Text: strings.Join(lines[first-1:last], "\n")}
}

// LogSourceText names a log source as "category / product / service".
func LogSourceText(ls rule.LogSource) string {
	var parts []string
	for _, s := range []string{ls.Category, ls.Product, ls.Service} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return "any"
	}
	return strings.Join(parts, " / ")
}
