package build

import (
	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/runbook"
)

// Runbooks returns the Runbook hook of Options: each rule's runbook, with
// its query compiled for every deployment meant for it
// (or the reason a backend refuses it), the technique's card from cards and
// the pivot rules of rules. Queries appear in the order of backends.
func Runbooks(rules []*rule.Rule, deps []Deployment, cards map[string]*runbook.Card) func(*rule.Rule) (string, error) {
	pivots := map[string]*rule.Rule{}
	for _, r := range rules {
		if r.IsPivot() {
			pivots[r.ID] = r
			if r.Name != "" {
				pivots[r.Name] = r
			}
		}
	}
	perTarget := map[string]int{}
	for _, dep := range deps {
		perTarget[dep.Backend.Name()]++
	}
	compile := func(r *rule.Rule) []runbook.Query {
		var qs []runbook.Query
		for _, dep := range deps {
			b := dep.Backend
			if !r.TargetedAt(b.Name(), dep.Profile()) {
				continue
			}
			rq := runbook.Query{Target: registry.Title(b.Name()), Lang: b.Langs()[0]}
			if perTarget[b.Name()] > 1 {
				rq.Target += " (" + dep.Profile() + ")"
			}
			q, err := b.Compile(r, dep.Options)
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
	return func(r *rule.Rule) (string, error) {
		return runbook.Render(runbook.Input{Rule: r, Card: runbook.CardFor(r, cards), Pivots: pivots, Compile: compile})
	}
}
