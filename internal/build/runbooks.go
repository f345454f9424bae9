package build

import (
	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/runbook"
)

// Runbooks returns the Runbook hook of Options: each rule's runbook, with
// its query compiled for every backend in its default language and each
// profile registry.Products lists, labelled with the product it runs in
// (or the reason a backend refuses it), the technique's card from cards and
// the pivot rules of rules. Queries appear in the order of backends.
func Runbooks(rules []*check.Rule, backends []target.Backend, cards map[string]*runbook.Card) func(*check.Rule) (string, error) {
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
	compile := func(r *rule.Rule) []runbook.Query {
		var qs []runbook.Query
		for _, b := range backends {
			for _, p := range registry.Products(b) {
				rq := runbook.Query{Target: p.Title, Lang: b.Langs()[0]}
				q, err := b.Compile(checked[r], target.Options{Profile: p.Profile})
				if err != nil {
					rq.Refusal = Refused(r, b.Name(), p.Profile, err, rule.Error).Summary
				} else {
					rq.Text = q.Text
					if q.Lang != "" {
						rq.Lang = q.Lang
					}
				}
				qs = append(qs, rq)
			}
		}
		return qs
	}
	return func(r *check.Rule) (string, error) {
		return runbook.Render(runbook.Input{Rule: r.Rule, Card: runbook.CardFor(r.Rule, cards), Pivots: pivots, Compile: compile})
	}
}

// Briefs returns the Brief hook of Options: each rule's short note for the
// deployment files (runbook.Brief), from the technique's card in cards,
// with link(r) as the place of the whole runbook.
func Briefs(cards map[string]*runbook.Card, link func(r *rule.Rule) string) func(*rule.Rule) string {
	return func(r *rule.Rule) string {
		return runbook.Brief(r, runbook.CardFor(r, cards), link(r))
	}
}
