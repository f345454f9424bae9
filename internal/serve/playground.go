package serve

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/build"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/fixture"
	"github.com/detc/detc/internal/hclrule"
	"github.com/detc/detc/internal/lint"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/sigma"
	"github.com/detc/detc/internal/site"
)

// The names the playground's text goes by in positions.
const (
	sigmaName  = "playground.yml"
	hclName    = "playground.hcl"
	eventsName = "events"
)

// A rule pasted under the wrong format is told so, beside the parser's
// errors.
var (
	looksLikeHCL   = regexp.MustCompile(`(?m)^\s*(detection|locals|selection)\s+("[^"]*"\s*)?\{`)
	looksLikeSigma = regexp.MustCompile(`(?m)^(title|detection|logsource):`)
)

// maxEventBytes bounds one pasted event.
const maxEventBytes = 64 << 10

// RuleResult is one rule of the text: its query for the chosen target,
// or the refusal, its deployment entries, runbook and events.
type RuleResult struct {
	ID         string     `json:"id"`
	Title      string     `json:"title"`
	Query      *string    `json:"query,omitempty"`
	Refusal    string     `json:"refusal,omitempty"`
	Deployment []Artifact `json:"deployment,omitempty"`
	// RunbookHTML is the runbook rendered as sanitized HTML.
	RunbookHTML string               `json:"runbook_html,omitempty"`
	Events      []fixture.EventTrace `json:"events,omitempty"`
	// EventsError says why the events could not be evaluated.
	EventsError string `json:"events_error,omitempty"`
}

// Artifact is one deployment file.
type Artifact struct {
	Path string `json:"path"`
	Text string `json:"text"`
}

func (s *server) backend(req Request) (target.Backend, target.Options, error) {
	var names []string
	for _, b := range s.opts.Backends {
		names = append(names, b.Name())
		if b.Name() != req.Target {
			continue
		}
		opts := target.Options{Profile: req.Profile, Lang: req.Lang}
		if opts.Profile == "" {
			opts.Profile = b.Profiles()[0]
		}
		if !slices.Contains(b.Profiles(), opts.Profile) {
			return nil, opts, fmt.Errorf("target %s has no profile %q (profiles: %s)", b.Name(), req.Profile, strings.Join(b.Profiles(), ", "))
		}
		if opts.Lang != "" && !slices.Contains(b.Langs(), opts.Lang) {
			return nil, opts, fmt.Errorf("target %s has no language %q (languages: %s)", b.Name(), req.Lang, strings.Join(b.Langs(), ", "))
		}
		return b, opts, nil
	}
	return nil, target.Options{}, fmt.Errorf("unknown target %q (targets: %s)", req.Target, strings.Join(names, ", "))
}

// run answers one playground request. It reads no file: the rule is the
// request's text, loaded beside the served set's shared HCL files.
func (s *server) run(req Request) Response {
	b, opts, err := s.backend(req)
	if err != nil {
		return Response{Error: err.Error()}
	}
	rules, diags, name, err := s.load(req)
	if err != nil {
		return Response{Error: err.Error()}
	}
	for _, r := range rules {
		diags = append(diags, lint.Rule(r)...)
	}
	diags.Sort()
	res := Response{Diagnostics: []Diagnostic{}, Rules: []RuleResult{}}
	for _, d := range diags {
		pd := Diagnostic{Line: d.Pos.Line, Col: d.Pos.Col, Severity: d.Severity.String(), Code: d.Code, Message: d.Summary}
		if d.Detail != "" {
			pd.Message += ": " + d.Detail
		}
		if d.Pos.File != name {
			pd.File = d.Pos.File
		}
		res.Diagnostics = append(res.Diagnostics, pd)
	}
	runbooks := site.Runbooks(append(append([]*rule.Rule(nil), s.opts.RunbookRules...), rules...), build.Defaults(s.opts.Backends), s.opts.Cards)
	for _, r := range rules {
		res.Rules = append(res.Rules, s.result(r, b, opts, runbooks, req.Events))
	}
	return res
}

func (s *server) result(r *rule.Rule, b target.Backend, opts target.Options, runbooks func(*rule.Rule) (string, error), events string) RuleResult {
	rr := RuleResult{ID: r.IDOrName(), Title: r.Title}
	md, err := runbooks(r)
	if err == nil {
		html, err := site.MarkdownHTML(md)
		if err == nil {
			rr.RunbookHTML = string(html)
		}
	} else {
		md = ""
	}
	checked, cdiags := check.Run(r)
	if checked == nil {
		// The diagnostics say why; the rule has no query.
		for _, d := range cdiags {
			if d.Severity == rule.Error {
				rr.Refusal = d.Summary
				break
			}
		}
		return rr
	}
	q, err := b.Compile(checked, opts)
	if err != nil {
		rr.Refusal = build.Refused(r, b.Name(), opts.Profile, err, rule.Error).Summary
	} else {
		text := strings.TrimRight(q.Text, "\n")
		rr.Query = &text
		arts, refusals, err := b.Package([]target.Deployable{{Query: q, Runbook: md, Version: build.Version(q)}}, opts)
		if err != nil {
			rr.Deployment = []Artifact{{Path: b.Name(), Text: "cannot package: " + err.Error()}}
		}
		for _, ref := range refusals {
			rr.Deployment = append(rr.Deployment, Artifact{Path: b.Name(), Text: "refused: " + build.Refused(r, b.Name(), opts.Profile, ref, rule.Error).Summary})
		}
		for _, a := range arts {
			rr.Deployment = append(rr.Deployment, Artifact{Path: b.Name() + "/" + a.Path, Text: string(a.Data)})
		}
	}
	if strings.TrimSpace(events) != "" {
		traces, err := fixture.TraceEvents(r, strings.NewReader(events), eventsName, "jsonl", fixture.Options{MaxEventBytes: maxEventBytes})
		rr.Events = traces
		if err != nil {
			rr.EventsError = err.Error()
		}
	}
	return rr
}

// load reads the request's rule with its front end. HCL is loaded with the
// served set's shared files (locals, shared selections), Sigma with their
// lists for %placeholders%; only the request's own rules are returned.
func (s *server) load(req Request) ([]*rule.Rule, rule.Diagnostics, string, error) {
	data := []byte(req.Rule)
	shared := make([]hclrule.File, 0, len(s.opts.Shared))
	for name, d := range s.opts.Shared {
		shared = append(shared, hclrule.File{Name: name, Data: d})
	}
	sort.Slice(shared, func(i, j int) bool { return shared[i].Name < shared[j].Name })
	switch req.Format {
	case "hcl":
		all, values, _, diags := hclrule.LoadValues(append(shared, hclrule.File{Name: hclName, Data: data}))
		var rules []*rule.Rule
		for _, r := range all {
			if r.File == hclName {
				rules = append(rules, r)
			}
		}
		diags = append(diags, rule.ResolvePlaceholders(rules, values)...)
		if diags.HasErrors() && looksLikeSigma.Match(data) {
			diags = append(diags, rule.Diagnostic{Severity: rule.Warning, Pos: rule.Pos{File: hclName, Line: 1, Col: 1}, Code: "format",
				Summary: "this looks like Sigma YAML (title: ...): pick Sigma YAML as the format"})
		}
		if len(rules) == 0 && !diags.HasErrors() {
			diags.Errorf(rule.Pos{File: hclName, Line: 1, Col: 1}, "empty", "no detection block: write detection \"name\" { ... }")
		}
		return rules, diags, hclName, nil
	case "sigma", "":
		rules, diags := sigma.Load(sigmaName, data)
		if diags.HasErrors() && looksLikeHCL.Match(data) {
			diags = append(diags, rule.Diagnostic{Severity: rule.Warning, Pos: rule.Pos{File: sigmaName, Line: 1, Col: 1}, Code: "format",
				Summary: "this looks like HCL (a detection block): pick HCL as the format"})
		}
		_, values, _, d := hclrule.LoadValues(shared)
		diags = append(diags, d...)
		diags = append(diags, rule.ResolvePlaceholders(rules, values)...)
		rules, d = sigma.ResolveCorrelations(rules)
		diags = append(diags, d...)
		return rules, diags, sigmaName, nil
	}
	return nil, nil, "", fmt.Errorf("unknown format %q (formats: sigma, hcl)", req.Format)
}
