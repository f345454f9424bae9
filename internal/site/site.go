// Package site writes the detection catalog: static HTML pages (an index
// with filters, a page per detection, an ATT&CK coverage matrix) that need
// no server and make no request outside their folder, so they open from
// file:// as from any static web server. detc build writes it under
// site/; detc serve serves it beside the playground.
package site

import (
	"bytes"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/attack"
	"github.com/detc/detc/internal/build"
	"github.com/detc/detc/internal/fixture"
	"github.com/detc/detc/internal/navigator"
	"github.com/detc/detc/internal/rule"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

//go:embed playground/example.yml
var exampleRule string

//go:embed playground/example.jsonl
var exampleEvents string

// Name is the catalog's title.
const Name = "detc detections"

// Input is what the catalog is written from.
type Input struct {
	// Rules are the detections (pivots are left out).
	Rules []*rule.Rule
	// Backends are the targets, in the order the pages show them.
	Backends []target.Backend
	// Runbook renders a rule's runbook as Markdown (build.Runbooks).
	Runbook func(*rule.Rule) (string, error)
	// Sources holds each rule file's text, for the rule's source.
	Sources map[string][]byte
	// Playground adds a link to the playground page (detc serve).
	Playground bool
}

// Static lists the style sheet and script every page uses.
func Static() ([]target.Artifact, error) {
	var out []target.Artifact
	for _, name := range []string{"style.css", "site.js", "favicon.svg"} {
		data, err := staticFS.ReadFile("static/" + name)
		if err != nil {
			return nil, err
		}
		out = append(out, target.Artifact{Path: name, Data: data})
	}
	return out, nil
}

// Generate writes the catalog: index.html, attack.html, one page per
// detection and the static files. The same input gives the same bytes.
func Generate(in Input) ([]target.Artifact, error) {
	var views []*detectionView
	taken := map[string]bool{}
	for _, r := range in.Rules {
		if r.IsPivot() {
			continue
		}
		v, err := newDetectionView(r, in)
		if err != nil {
			return nil, err
		}
		// Lint refuses two rules with one id, but detc serve shows sets
		// with lint errors: the second page gets a number.
		for n := 2; taken[v.Page]; n++ {
			v.Page = fmt.Sprintf("rule-%s-%d.html", build.FileName(r.IDOrName()), n)
			v.Href = url.PathEscape(v.Page)
		}
		taken[v.Page] = true
		views = append(views, v)
	}
	out, err := Static()
	if err != nil {
		return nil, err
	}
	nav := Nav{Playground: in.Playground}
	index, err := Render("index.html", Page{Title: Name, Current: "index", Nav: nav, Body: newIndexView(views, in.Backends)})
	if err != nil {
		return nil, err
	}
	out = append(out, target.Artifact{Path: "index.html", Data: index})
	matrix, err := newMatrixView(views)
	if err != nil {
		return nil, err
	}
	page, err := Render("attack.html", Page{Title: "ATT&CK coverage · " + Name, Current: "attack", Nav: nav, Body: matrix})
	if err != nil {
		return nil, err
	}
	out = append(out, target.Artifact{Path: "attack.html", Data: page})
	if in.Playground {
		pg, err := playground(in.Backends, nav)
		if err != nil {
			return nil, err
		}
		out = append(out, pg...)
	}
	for _, v := range views {
		page, err := Render("detection.html", Page{Title: v.Rule.Title + " · " + Name, Nav: nav, Body: v})
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", v.Rule.ID, err)
		}
		out = append(out, target.Artifact{Path: v.Page, Data: page})
	}
	return out, nil
}

// playgroundLink opens text in the playground: its state goes in the
// fragment as base64url JSON, as playground.js writes it.
func playgroundLink(file, text string) string {
	format := "sigma"
	if strings.HasSuffix(strings.ToLower(file), ".hcl") {
		format = "hcl"
	}
	state, _ := json.Marshal(map[string]string{"f": format, "r": text})
	return "playground.html#s=" + base64.RawURLEncoding.EncodeToString(state)
}

type playgroundView struct {
	Targets         []playgroundTarget
	Example, Events string
}

type playgroundTarget struct {
	Name, Title, Profiles, Langs string
}

// playground is the playground page and its script; they need detc serve,
// which answers their api/compile requests.
func playground(backends []target.Backend, nav Nav) ([]target.Artifact, error) {
	v := playgroundView{Example: exampleRule, Events: exampleEvents}
	for _, b := range backends {
		v.Targets = append(v.Targets, playgroundTarget{Name: b.Name(), Title: registry.Title(b.Name()),
			Profiles: strings.Join(b.Profiles(), " "), Langs: strings.Join(b.Langs(), " ")})
	}
	page, err := Render("playground.html", Page{Title: "Playground · " + Name, Current: "playground", Nav: nav, Body: v})
	if err != nil {
		return nil, err
	}
	script, err := staticFS.ReadFile("static/playground.js")
	if err != nil {
		return nil, err
	}
	return []target.Artifact{{Path: "playground.html", Data: page}, {Path: "playground.js", Data: script}}, nil
}

// Nav says which pages the navigation bar links.
type Nav struct {
	Playground bool
}

// Page is what the layout template is given.
type Page struct {
	Title   string
	Current string // index, attack, playground or "" for a detection
	Nav     Nav
	Body    any
}

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"levelRank": levelRank,
}).ParseFS(templateFS, "templates/*.html"))

// Render executes one page template inside the layout.
func Render(name string, p Page) ([]byte, error) {
	t, err := templates.Clone()
	if err != nil {
		return nil, err
	}
	if _, err := t.New("body").Parse(`{{template "` + name + `" .}}`); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout.html", p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// PageName is the file of a detection's page, relative to the catalog.
func PageName(r *rule.Rule) string { return "rule-" + build.FileName(r.IDOrName()) + ".html" }

// Href is PageName escaped for a link.
func Href(r *rule.Rule) string { return url.PathEscape(PageName(r)) }

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

func newDetectionView(r *rule.Rule, in Input) (*detectionView, error) {
	v := &detectionView{Rule: r, Page: PageName(r), Href: Href(r), LogSource: LogSourceText(r.LogSource)}
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
	for _, b := range in.Backends {
		st := targetStatus{Name: b.Name(), Title: registry.Title(b.Name()), OK: true}
		d, refusal := build.Compile(b, r, md)
		if refusal != nil {
			st.OK, st.Reason = false, refusal.Message
		} else {
			arts, err := b.Package([]target.Deployable{*d}, target.Options{})
			if err != nil {
				return nil, fmt.Errorf("%s: packaging rule %s: %w", b.Name(), r.ID, err)
			}
			for _, a := range arts {
				v.Deploy = append(v.Deploy, deployView{Target: st.Title, Path: b.Name() + "/" + a.Path, Text: string(a.Data)})
			}
		}
		v.Targets = append(v.Targets, st)
		v.Queries = append(v.Queries, queries(b, r)...)
	}
	for i := range v.Queries {
		v.Queries[i].ID = fmt.Sprintf("q%d", i+1)
	}
	v.Tests = newTestsView(r)
	v.Source = ruleSource(r, in.Sources)
	if in.Playground && v.Source.Text != "" {
		v.Playground = playgroundLink(v.Source.File, v.Source.Text)
	}
	return v, nil
}

// queries compiles r in every profile and language of b. The default is
// what a build deploys: the first profile, in the language the backend
// picks for the rule (Elastic picks ES|QL for some aggregations).
func queries(b target.Backend, r *rule.Rule) []queryView {
	defaultLang := b.Langs()[0]
	if q, err := b.Compile(r, target.Options{}); err == nil && q.Lang != "" {
		defaultLang = q.Lang
	}
	var out []queryView
	for pi, p := range b.Profiles() {
		for _, l := range b.Langs() {
			q := queryView{Target: b.Name(), Title: registry.Title(b.Name()), Profile: p, Lang: l, Default: pi == 0 && l == defaultLang}
			compiled, err := b.Compile(r, target.Options{Profile: p, Lang: l})
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

func newTestsView(r *rule.Rule) *testsView {
	rep := fixture.Run([]*rule.Rule{r}, fixture.Options{})
	tv := &testsView{}
	if len(rep.Detections) == 0 {
		return tv
	}
	d := rep.Detections[0]
	tv.Pass, tv.Errors = d.Pass, d.Errors
	traces, err := fixture.Trace(r, fixture.Options{})
	if err != nil {
		tv.Errors = append(tv.Errors, err.Error())
	}
	for i, t := range d.Tests {
		view := testView{Name: t.Name, Fixture: t.Fixture, Pass: t.Pass, Failures: t.Failures}
		if i < len(r.Tests) {
			view.Alerts = r.Tests[i].Alerts
			view.Counted = r.Aggregation != nil && len(r.Tests[i].Match) == 0
		}
		if i < len(traces) {
			view.Events, view.Error = traces[i].Events, traces[i].Error
		}
		tv.Tests = append(tv.Tests, view)
	}
	return tv
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

var levels = []string{"informational", "low", "medium", "high", "critical"}

func levelRank(level string) int {
	for i, l := range levels {
		if l == level {
			return i
		}
	}
	return -1
}

type indexView struct {
	Detections []*detectionView
	Levels     []string
	LogSources []string
	Tactics    []attackLink
	Targets    []targetStatus
}

func newIndexView(views []*detectionView, backends []target.Backend) indexView {
	// The index starts sorted by title, as its header says.
	sorted := append([]*detectionView(nil), views...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Rule.Title < sorted[j].Rule.Title })
	iv := indexView{Detections: sorted}
	levelSeen, sourceSeen, tacticSeen := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, v := range views {
		if !levelSeen[v.Rule.Level] {
			levelSeen[v.Rule.Level] = true
			iv.Levels = append(iv.Levels, v.Rule.Level)
		}
		if !sourceSeen[v.LogSource] {
			sourceSeen[v.LogSource] = true
			iv.LogSources = append(iv.LogSources, v.LogSource)
		}
		for _, t := range v.Tactics {
			if !tacticSeen[t.ID] {
				tacticSeen[t.ID] = true
				iv.Tactics = append(iv.Tactics, t)
			}
		}
	}
	sort.Slice(iv.Levels, func(i, j int) bool { return levelRank(iv.Levels[i]) < levelRank(iv.Levels[j]) })
	sort.Strings(iv.LogSources)
	sort.Slice(iv.Tactics, func(i, j int) bool { return iv.Tactics[i].ID < iv.Tactics[j].ID })
	for _, b := range backends {
		iv.Targets = append(iv.Targets, targetStatus{Name: b.Name(), Title: registry.Title(b.Name())})
	}
	return iv
}

type matrixView struct {
	Columns []matrixColumn
	Covered []matrixCell
	Max     int
}

type matrixColumn struct {
	Tactic attack.Tactic
	Cells  []matrixCell
}

type matrixCell struct {
	ID, Name, URL string
	Score         int
	Class         string
	Detections    []*detectionView
	Subs          []matrixCell
}

// newMatrixView lays the Navigator layer out as the Enterprise matrix:
// every technique of each tactic, coloured by the layer's score, with the
// covered sub-techniques under their parent. Built from the layer itself,
// so the page and the layer cannot disagree.
func newMatrixView(views []*detectionView) (*matrixView, error) {
	rules := make([]*rule.Rule, len(views))
	byID := map[string]*detectionView{}
	for i, v := range views {
		rules[i] = v.Rule
		byID[v.Rule.ID] = v
	}
	data, err := navigator.Build(Name, rules, func(*rule.Rule) string { return "" })
	if err != nil {
		return nil, err
	}
	var layer navigator.Layer
	if err := json.Unmarshal(data, &layer); err != nil {
		return nil, err
	}
	mv := &matrixView{Max: layer.Gradient.MaxValue}
	layered := map[string]navigator.Technique{}
	for _, t := range layer.Techniques {
		layered[t.TechniqueID] = t
	}
	cell := func(tech attack.Technique) matrixCell {
		lt, ok := layered[tech.ID]
		c := matrixCell{ID: tech.ID, Name: tech.Name, URL: tech.URL, Score: lt.Score, Class: scoreClass(lt.Score, ok)}
		for _, m := range lt.Metadata {
			if v := byID[m.Name]; v != nil {
				c.Detections = append(c.Detections, v)
			}
		}
		return c
	}
	all := attack.Techniques()
	for _, tac := range attack.Tactics() {
		col := matrixColumn{Tactic: tac}
		for _, tech := range all {
			if tech.Parent() != "" || !slices.Contains(tech.Tactics, tac.ID) {
				continue
			}
			c := cell(tech)
			for _, sub := range all {
				if _, covered := layered[sub.ID]; covered && sub.Parent() == tech.ID && slices.Contains(sub.Tactics, tac.ID) {
					c.Subs = append(c.Subs, cell(sub))
				}
			}
			col.Cells = append(col.Cells, c)
		}
		mv.Columns = append(mv.Columns, col)
	}
	for _, t := range layer.Techniques {
		if tech, ok := attack.LookupTechnique(t.TechniqueID); ok {
			mv.Covered = append(mv.Covered, cell(tech))
		}
	}
	return mv, nil
}

// scoreClass picks the colour the layer's gradient and legend give: none,
// one detection, several; a parent listed only for its sub-techniques is
// marked as such.
func scoreClass(score int, layered bool) string {
	switch {
	case score > 1:
		return "s2"
	case score == 1:
		return "s1"
	case layered:
		return "sp"
	}
	return "s0"
}
