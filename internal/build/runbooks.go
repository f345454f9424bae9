package build

import (
	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/runbook"
)

// Runbooks returns the Runbook hook of Options: each rule's runbook, with
// its query for every deployment meant for it, and for each other profile
// registry.Products lists for a deployed target (Defender XDR beside
// Sentinel), each labelled with the product it runs in (or the reason a
// backend refuses it), the technique's card from cards and the pivot rules
// of rules. Queries appear in the order of the deployments.
func Runbooks(rules []*check.Rule, deps []Deployment, cards map[string]*runbook.Card) func(*check.Rule) (string, error) {
	pivots := map[string]*rule.Rule{}
	checked := map[*rule.Rule]*check.Rule{}
	for _, r := range rules {
		checked[r.Rule] = r
		if r.IsPivot() {
			pivots[r.ID] = r.Rule
			if r.Name != "" {
				pivots[r.Name] = r.Rule
			}
		}
	}
	shown := runbookDeployments(deps)
	compile := func(r *rule.Rule) []runbook.Query {
		var qs []runbook.Query
		for _, dep := range shown {
			b := dep.Backend
			if !r.TargetedAt(b.Name(), dep.Profile()) {
				continue
			}
			rq := runbook.Query{Target: productTitle(b, dep.Profile()), Lang: b.Langs()[0]}
			q, err := b.Compile(checked[r], dep.Options)
			if err != nil {
				rq.Refusal = Refused(r, b.Name(), dep.Profile(), err, rule.Error).Summary
			} else {
				rq.Text = q.Text
				if q.Lang != "" {
					rq.Lang = q.Lang
				}
			}
			qs = append(qs, rq)
		}
		return qs
	}
	return func(r *check.Rule) (string, error) {
		return runbook.Render(runbook.Input{Rule: r.Rule, Card: runbook.CardFor(r.Rule, cards), Pivots: pivots, Compile: compile})
	}
}

// runbookDeployments are the deployments, each target followed by the
// products registry.Products lists for it that no deployment covers (in
// their built-in profile), so an analyst sees where else the query runs.
func runbookDeployments(deps []Deployment) []Deployment {
	var out []Deployment
	for i, dep := range deps {
		out = append(out, dep)
		name := dep.Backend.Name()
		if i+1 < len(deps) && deps[i+1].Backend.Name() == name {
			continue // the target's last deployment adds its other products
		}
		for _, p := range registry.Products(dep.Backend) {
			covered := false
			for _, d := range deps {
				covered = covered || (d.Backend.Name() == name && d.Profile() == p.Profile)
			}
			if !covered {
				out = append(out, Deployment{Backend: dep.Backend, Options: target.Options{Profile: p.Profile}, Dir: name + "/" + p.Profile})
			}
		}
	}
	return out
}

// productTitle names the product a target's query in a profile runs in.
func productTitle(b target.Backend, profile string) string {
	for _, p := range registry.Products(b) {
		if p.Profile == profile {
			return p.Title
		}
	}
	return b.Name() + " (" + profile + ")"
}

// Briefs returns the Brief hook of Options: each rule's short note for the
// deployment files (runbook.Brief), from the technique's card in cards,
// with link(r) as the place of the whole runbook.
func Briefs(cards map[string]*runbook.Card, link func(r *rule.Rule) string) func(*rule.Rule) string {
	return func(r *rule.Rule) string {
		return runbook.Brief(r, runbook.CardFor(r, cards), link(r))
	}
}
