package runbook

import (
	"strings"

	"github.com/detc/detc/internal/rule"
)

// briefSteps bounds the triage steps a brief lists.
const briefSteps = 4

// Brief is the short note deployment files carry for the analyst who
// opens an alert (Splunk Enterprise Security's next steps, Kibana's
// investigation guide, Sentinel's description): what the detection means,
// the first triage steps, when to escalate, and where the whole runbook
// is. The whole runbook, with every SIEM's queries and the playbook, is
// too long for those fields and mostly about other products.
func Brief(r *rule.Rule, card *Card, link string) string {
	w := &writer{}
	summary := ""
	if r.Runbook != nil {
		summary = strings.TrimSpace(r.Runbook.Summary)
	}
	if summary == "" {
		summary = strings.TrimSpace(r.Description)
	}
	if summary == "" {
		summary = r.Title
	}
	w.para(oneLine(summary))
	var t Triage
	if card != nil {
		t = card.Triage
	}
	steps := sectionText("l1_steps", t, r.Runbook)
	if len(steps) == 0 {
		steps = sectionText("questions", t, r.Runbook)
	}
	if len(steps) > briefSteps {
		steps = steps[:briefSteps]
	}
	if len(steps) > 0 {
		w.para("First triage steps:")
		w.numbered(steps)
	}
	if esc := sectionText("escalation", t, r.Runbook); len(esc) > 0 {
		w.para("Escalate: " + oneLine(esc[0]))
	}
	w.para("Full runbook (every SIEM's queries, investigation pivots, playbook): " + link)
	return w.String()
}

// sectionText is one triage section's items, the card's and the
// detection's merged as the runbook shows them.
func sectionText(key string, t Triage, rb *rule.Runbook) []string {
	for _, sec := range triageSections {
		if sec.key == key {
			return sec.text(t, rb)
		}
	}
	return nil
}
