// Package site writes the detection catalog: static HTML pages (an index
// with filters, a page per detection, an ATT&CK coverage matrix) that need
// no server and make no request outside their folder, so they open from
// file:// as from any static web server. detc build writes it under
// site/; detc serve serves it beside the playground.
package site

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/url"
	"sync"

	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/build"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/parallel"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/runbook"
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
	// FixtureRoots, when set, are the absolute folders fixture files may
	// be read from; a test naming a file elsewhere is shown unread (detc
	// serve reads nothing outside the folders it is given).
	FixtureRoots []string
}

// Runbooks is build.Runbooks for rules that have not been checked: each
// rule is checked (check.All), and a rule with errors has no runbook.
func Runbooks(rules []*rule.Rule, deps []build.Deployment, cards map[string]*runbook.Card) func(*rule.Rule) (string, error) {
	checked, _ := check.All(rules)
	byRule := map[*rule.Rule]*check.Rule{}
	for _, c := range checked {
		byRule[c.Rule] = c
	}
	render := build.Runbooks(checked, deps, cards)
	return func(r *rule.Rule) (string, error) {
		c := byRule[r]
		if c == nil {
			if c, _ = check.Run(r); c == nil {
				return "", nil
			}
		}
		return render(c)
	}
}

// SharedRunbooks lets a build and its catalog render each runbook once:
// render is the build's Runbook hook (build.Runbooks over checked), and
// forBuild, which build.Options takes instead, remembers what it writes
// for forCatalog (Input.Runbook) to give again. A rule forBuild was not
// asked for is rendered when the catalog asks.
func SharedRunbooks(checked []*check.Rule, render func(*check.Rule) (string, error)) (forBuild func(*check.Rule) (string, error), forCatalog func(*rule.Rule) (string, error)) {
	type rendered struct {
		once sync.Once
		md   string
		err  error
	}
	// Filled here and only read after, so the hooks can run on every core.
	byRule := map[*rule.Rule]*rendered{}
	checkedOf := map[*rule.Rule]*check.Rule{}
	for _, c := range checked {
		byRule[c.Rule] = &rendered{}
		checkedOf[c.Rule] = c
	}
	forBuild = func(c *check.Rule) (string, error) {
		m := byRule[c.Rule]
		if m == nil {
			return render(c)
		}
		m.once.Do(func() { m.md, m.err = render(c) })
		return m.md, m.err
	}
	forCatalog = func(r *rule.Rule) (string, error) {
		c := checkedOf[r]
		if c == nil {
			if c, _ = check.Run(r); c == nil {
				return "", nil
			}
		}
		return forBuild(c)
	}
	return forBuild, forCatalog
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
	var pages []target.Artifact
	head, err := makeCatalog(in, func(n int) { pages = make([]target.Artifact, n) }, func(i int, a target.Artifact) error {
		pages[i] = a
		return nil
	})
	if err != nil {
		return nil, err
	}
	return append(head, pages...), nil
}

// GenerateTo writes the catalog as Generate does, handing each file to add
// as soon as it is made, so that the pages are never all in memory at
// once (a build's out/site/). add is called from several goroutines.
func GenerateTo(in Input, add func(target.Artifact) error) error {
	head, err := makeCatalog(in, func(int) {}, func(_ int, a target.Artifact) error { return add(a) })
	if err != nil {
		return err
	}
	for _, a := range head {
		if err := add(a); err != nil {
			return err
		}
	}
	return nil
}

// makeCatalog makes the catalog: each detection's page goes to page (with
// its place among the detections, from several goroutines) as soon as it
// is written, after count is told how many there are; the other files
// are returned.
func makeCatalog(in Input, count func(int), page func(i int, a target.Artifact) error) ([]target.Artifact, error) {
	var detections []*rule.Rule
	var names []string
	taken := map[string]bool{}
	for _, r := range in.Rules {
		if r.IsPivot() {
			continue
		}
		// Lint refuses two rules with one id, but detc serve shows sets
		// with lint errors: the second page gets a number.
		name := PageName(r)
		for n := 2; taken[name]; n++ {
			name = fmt.Sprintf("rule-%s-%d.html", build.FileName(r.IDOrName()), n)
		}
		taken[name] = true
		detections = append(detections, r)
		names = append(names, name)
	}
	count(len(detections))
	nav := Nav{Playground: in.Playground}
	type made struct {
		v   *detectionView
		err error
	}
	// Each detection's page is made and written on every core; only what
	// the index and the matrix show is kept of its view. The first error
	// in the rules' order is returned, as one at a time would.
	order := make([]int, len(detections))
	for i := range order {
		order[i] = i
	}
	results := parallel.Map(order, func(i int) made {
		r := detections[i]
		v, err := newDetectionView(r, in)
		if err != nil {
			return made{err: err}
		}
		v.Page, v.Href = names[i], url.PathEscape(names[i])
		data, err := Render("detection.html", Page{Title: v.Rule.Title + " · " + Name, Nav: nav, Body: v})
		if err == nil {
			err = page(i, target.Artifact{Path: v.Page, Data: data})
		}
		if err != nil {
			return made{err: fmt.Errorf("rule %s: %w", r.ID, err)}
		}
		return made{v: v.listing()}
	})
	views := make([]*detectionView, len(results))
	for i := range results {
		if results[i].err != nil {
			return nil, results[i].err
		}
		views[i] = results[i].v
	}
	out, err := Static()
	if err != nil {
		return nil, err
	}
	index, err := Render("index.html", Page{Title: Name, Current: "index", Nav: nav, Body: newIndexView(views, in.Backends)})
	if err != nil {
		return nil, err
	}
	out = append(out, target.Artifact{Path: "index.html", Data: index})
	matrix, err := newMatrixView(views)
	if err != nil {
		return nil, err
	}
	attackPage, err := Render("attack.html", Page{Title: "ATT&CK coverage · " + Name, Current: "attack", Nav: nav, Body: matrix})
	if err != nil {
		return nil, err
	}
	out = append(out, target.Artifact{Path: "attack.html", Data: attackPage})
	if in.Playground {
		pg, err := playground(in.Backends, nav)
		if err != nil {
			return nil, err
		}
		out = append(out, pg...)
	}
	return out, nil
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

// pageLayouts holds, per page template, the layout with that page as its body,
// made once: html/template escapes a template set on its first execution,
// which cost as much as executing a detection page when every page had a
// fresh clone. An escaped template is safe to execute concurrently.
var pageLayouts sync.Map // page template name → *pageTemplate

type pageTemplate struct {
	once sync.Once
	t    *template.Template
	err  error
}

func pageLayout(name string) (*template.Template, error) {
	v, _ := pageLayouts.LoadOrStore(name, &pageTemplate{})
	pt := v.(*pageTemplate)
	pt.once.Do(func() {
		if pt.t, pt.err = templates.Clone(); pt.err != nil {
			return
		}
		_, pt.err = pt.t.New("body").Parse(`{{template "` + name + `" .}}`)
	})
	return pt.t, pt.err
}

// Render executes one page template inside the layout.
func Render(name string, p Page) ([]byte, error) {
	t, err := pageLayout(name)
	if err != nil {
		return nil, err
	}
	b := buffers.Get().(*bytes.Buffer)
	defer buffers.Put(b)
	b.Reset()
	if err := t.ExecuteTemplate(b, "layout.html", p); err != nil {
		return nil, err
	}
	// The page is copied out at its size: the buffer, grown to the largest
	// page, serves the next one.
	return bytes.Clone(b.Bytes()), nil
}

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// PageName is the file of a detection's page, relative to the catalog.
func PageName(r *rule.Rule) string { return "rule-" + build.FileName(r.IDOrName()) + ".html" }

// Href is PageName escaped for a link.
func Href(r *rule.Rule) string { return url.PathEscape(PageName(r)) }
