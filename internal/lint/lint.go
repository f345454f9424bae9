// Package lint checks loaded rules for problems the front ends cannot see
// one file at a time: missing or invalid metadata, ids shared by two rules,
// ATT&CK ids that do not exist, searches and conditions that do not fit
// together, values that cannot mean what their author meant.
package lint

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/attack"
	"github.com/detc/detc/internal/blocklist"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/fixture"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/runbook"
)

// Diagnostic codes, one per check.
const (
	CodeMissing        = "missing-metadata"
	CodeInvalidLevel   = "invalid-level"
	CodeInvalidStatus  = "invalid-status"
	CodeInvalidDate    = "invalid-date"
	CodeDuplicateID    = "duplicate-id"
	CodeDuplicateTitle = "duplicate-title"
	CodeNoAttack       = "missing-attack"
	CodeUnknownTech    = "unknown-technique"
	CodeUnknownTactic  = "unknown-tactic"
	CodeTacticMismatch = "tactic-mismatch"
	CodeCIDRHostBits   = "cidr-host-bits"
	CodeRedundantStar  = "redundant-wildcard"
	CodeWindashNoDash  = "windash-no-dash"
	CodeUnknownField   = "unknown-field"
	CodeNoCard         = "missing-runbook-card"
)

// CheckInfo describes one check by its diagnostic code, for `detc list
// checks` and for validating severities a project sets (--check, check
// blocks).
type CheckInfo struct {
	Code     string `json:"code"`
	Severity string `json:"severity"` // its default: error, warning or "error or warning"
	What     string `json:"what"`
}

// Checks lists every check whose severity a project can change. The check
// phase's errors (internal/check) are not among them: a rule with one
// cannot be compiled, whatever a project says.
var Checks = []CheckInfo{
	{CodeMissing, "error or warning", "no id, title, level, log source or condition (error); no status, description, author or date (warning)"},
	{CodeInvalidLevel, "error", "a level outside the Sigma specification's list"},
	{CodeInvalidStatus, "error", "a status outside the Sigma specification's list"},
	{CodeInvalidDate, "error", "a date or modified date that is not a valid YYYY-MM-DD date"},
	{CodeDuplicateID, "error", "two rules with one id"},
	{CodeDuplicateTitle, "warning", "two rules with one title"},
	{CodeNoAttack, "warning", "no ATT&CK technique"},
	{CodeUnknownTech, "error or warning", "a technique id that is not in ATT&CK (an error when malformed, a warning when the release detc reads does not have it)"},
	{CodeUnknownTactic, "error", "a tactic that is not in ATT&CK"},
	{CodeTacticMismatch, "warning", "a technique none of whose tactics the rule names"},
	{check.CodeUnusedSearch, "warning", "a search the condition never uses"},
	{CodeCIDRHostBits, "warning", "a CIDR value with host bits set"},
	{CodeRedundantStar, "warning", "a * that the modifier makes redundant"},
	{CodeWindashNoDash, "warning", "windash on a value with no - or / option"},
	{CodeUnknownField, "warning", "a field that neither the Sigma taxonomy of the rule's log source nor any mapping profile knows"},
	{CodeNoCard, "warning", "a detection whose ATT&CK technique has no runbook card"},
	{fixture.CodeCoverage, "error", "a detection without a positive and a negative fixture case"},
	{target.CodeUndeployed, "warning", "a detection that every target meant for it refuses, for what the SIEMs lack (a log source or field they do not carry), so that detc build deploys it nowhere"},
	{target.CodeUndeployedUnknownField, "error", "a detection that detc build would deploy nowhere because a target refuses a field that looks misspelt: no taxonomy or profile knows it, and a known field is at most two edits away"},
}

// CheckCodes lists the codes of Checks.
func CheckCodes() []string {
	out := make([]string, len(Checks))
	for i, c := range Checks {
		out[i] = c.Code
	}
	return out
}

// Levels and Statuses are the values the Sigma specification allows.
var (
	Levels   = []string{"informational", "low", "medium", "high", "critical"}
	Statuses = []string{"stable", "test", "experimental", "deprecated", "unsupported"}
)

// Check lints every rule of a set, and the set as a whole: the check
// phase (internal/check) and lint's validators on every rule (Rule), then
// the checks of the whole set (unique ids, fixture coverage). Diagnostics
// come sorted by position.
func Check(set *load.Set) rule.Diagnostics {
	var diags rule.Diagnostics
	for _, r := range set.Rules {
		diags = append(diags, Rule(r)...)
	}
	diags = append(diags, whole(set)...)
	diags.Sort()
	return diags
}

// Validate is Check without the check phase, for a command that has run
// it itself: metadata, ATT&CK ids, values that compile but look wrong,
// unique ids, and fixture coverage (every detection proved on a positive
// and a negative case; attach fixture sidecars to the rules first).
func Validate(set *load.Set) rule.Diagnostics {
	var diags rule.Diagnostics
	for _, r := range set.Rules {
		diags = append(diags, metadata(r)...)
		diags = append(diags, attackIDs(r)...)
		diags = append(diags, values(r)...)
	}
	diags = append(diags, whole(set)...)
	diags.Sort()
	return diags
}

// whole checks the set as a whole: unique ids, fixture coverage, runbook
// cards, and the
// approved and blocked webhook URLs (malformed entries, and block entries
// that would block an approved endpoint).
func whole(set *load.Set) rule.Diagnostics {
	diags := append(duplicates(set.Rules), fixture.CheckCoverage(set.Rules)...)
	diags = append(diags, cards(set)...)
	_, d := blocklist.Collect(set.Rules, set.Lists, blocklist.DefaultConfig())
	return append(diags, d...)
}

// cards warns about a detection whose techniques have no runbook card
// (nor their parent techniques): its runbook's triage section would hold
// only the detection's own text. Pivots have no runbook of their own.
func cards(set *load.Set) rule.Diagnostics {
	var diags rule.Diagnostics
	for _, r := range set.Rules {
		techs := r.Attack.Techniques
		if r.IsPivot() || len(techs) == 0 || runbook.CardFor(r, set.Cards) != nil {
			continue
		}
		pos := r.Attack.Pos
		if !pos.IsValid() {
			pos = r.Pos
		}
		diags = append(diags, rule.Diagnostic{Severity: rule.Warning, Pos: pos, Code: CodeNoCard,
			Summary: fmt.Sprintf("rule %s: no runbook card for %s", r.Label(), strings.Join(techs, ", ")),
			Detail:  fmt.Sprintf("its runbook will have no triage steps or playbook; add a card such as cards/%s.card.yml under the detections (see docs/content-pack.md)", techs[0])})
	}
	return diags
}

// Rule lints one rule on its own: the check phase and the validators.
func Rule(r *rule.Rule) rule.Diagnostics {
	var diags rule.Diagnostics
	diags = append(diags, metadata(r)...)
	diags = append(diags, attackIDs(r)...)
	_, checked := check.Run(r)
	diags = append(diags, checked...)
	diags = append(diags, values(r)...)
	return diags
}

func metadata(r *rule.Rule) rule.Diagnostics {
	var diags rule.Diagnostics
	missing := func(sev rule.Severity, what, why string) {
		d := rule.Diagnostic{Severity: sev, Pos: r.Pos, Code: CodeMissing, Summary: fmt.Sprintf("rule %s has no %s", r.Label(), what), Detail: why}
		diags = append(diags, d)
	}
	if r.ID == "" {
		missing(rule.Error, "id", "every rule needs a stable id (a UUID) that deployments key on")
	}
	if r.Title == "" {
		missing(rule.Error, "title", "")
	}
	if r.Level == "" {
		missing(rule.Error, "level", "set one of "+strings.Join(Levels, ", "))
	} else if !slices.Contains(Levels, r.Level) {
		diags.Errorf(r.PosOf("level"), CodeInvalidLevel, "rule %s: level %q is not one of %s", r.Label(), r.Level, strings.Join(Levels, ", "))
	}
	if r.Status == "" {
		missing(rule.Warning, "status", "set one of "+strings.Join(Statuses, ", "))
	} else if !slices.Contains(Statuses, r.Status) {
		diags.Errorf(r.PosOf("status"), CodeInvalidStatus, "rule %s: status %q is not one of %s", r.Label(), r.Status, strings.Join(Statuses, ", "))
	}
	if r.LogSource == (rule.LogSource{Pos: r.LogSource.Pos}) {
		missing(rule.Error, "log source", "set at least one of category, product, service")
	}
	if r.Description == "" {
		missing(rule.Warning, "description", "")
	}
	if r.Author == "" {
		missing(rule.Warning, "author", "")
	}
	if r.Date == "" {
		missing(rule.Warning, "date", "")
	}
	for _, d := range []struct{ key, value string }{{"date", r.Date}, {"modified", r.Modified}} {
		if d.value == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, d.value); err != nil {
			diags.Errorf(r.PosOf(d.key), CodeInvalidDate, "rule %s: %s %q is not a valid date written YYYY-MM-DD", r.Label(), d.key, d.value)
		}
	}
	return diags
}

func attackIDs(r *rule.Rule) rule.Diagnostics {
	var diags rule.Diagnostics
	pos := r.Attack.Pos
	if !pos.IsValid() {
		pos = r.Pos
	}
	if len(r.Attack.Techniques) == 0 {
		diags.Warnf(pos, CodeNoAttack, "rule %s names no ATT&CK technique", r.Label())
	}
	tactics := map[string]bool{}
	for _, t := range r.Attack.Tactics {
		tac, ok := attack.LookupTactic(t)
		if !ok {
			diags.Errorf(pos, CodeUnknownTactic, "rule %s: ATT&CK tactic %q does not exist in ATT&CK v%s", r.Label(), t, attack.Version())
			continue
		}
		tactics[tac.ID] = true
	}
	for _, id := range r.Attack.Techniques {
		tech, ok := attack.LookupTechnique(id)
		switch {
		case !ok && attack.WellFormed(id):
			// A newer release may have it: a warning naming the release
			// detc reads (--attack points detc at a newer one).
			diags.Warnf(pos, CodeUnknownTech, "rule %s: ATT&CK technique %q is not in ATT&CK v%s, the release detc reads (give a newer enterprise-attack.json with --attack)", r.Label(), id, attack.Version())
			continue
		case !ok:
			diags.Errorf(pos, CodeUnknownTech, "rule %s: %q is not an ATT&CK technique id (T1234 or T1234.001)", r.Label(), id)
			continue
		}
		if len(tactics) == 0 || slices.ContainsFunc(tech.Tactics, func(id string) bool { return tactics[id] }) {
			continue
		}
		// A warning: ATT&CK moves techniques between tactics across
		// releases, and rules written for another release still compile.
		diags.Warnf(pos, CodeTacticMismatch, "rule %s: technique %s (%s) belongs to tactic %s, which the rule does not name",
			r.Label(), tech.ID, tech.Name, describeTactics(tech.Tactics))
	}
	return diags
}

func describeTactics(ids []string) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = id
		if tac, ok := attack.LookupTactic(id); ok {
			parts[i] = id + " " + tac.Name
		}
	}
	return strings.Join(parts, " or ")
}

// values checks each matcher's values for what compiles but cannot be
// what the author meant.
func values(r *rule.Rule) rule.Diagnostics {
	var diags rule.Diagnostics
	for _, s := range r.Searches {
		for _, g := range s.Groups {
			for _, m := range g.Matchers {
				for _, v := range m.Values {
					diags = append(diags, value(r, m, v)...)
				}
			}
		}
	}
	return diags
}

func value(r *rule.Rule, m *rule.Matcher, v rule.Value) rule.Diagnostics {
	var diags rule.Diagnostics
	pos, field := m.ValuePos(v), m.FieldLabel()
	switch v.Kind {
	case rule.KindCIDR:
		if p, err := netip.ParsePrefix(v.Text); err == nil && p.Masked() != p {
			diags.Warnf(pos, CodeCIDRHostBits, "field %q: %s has host bits set; it means the network %s", field, v.Text, p.Masked())
		}
	case rule.KindString:
		if len(v.Pattern) > 0 && (m.Op == rule.OpContains || m.Op == rule.OpStartsWith || m.Op == rule.OpEndsWith) {
			if redundantStar(m.Op, v.Pattern) {
				diags.Warnf(pos, CodeRedundantStar, "field %q: the * at the edge of %q is redundant with %s", field, v.Pattern.String(), m.Op)
			}
		}
	}
	if slices.Contains(m.Modifiers, "windash") && v.Kind == rule.KindString && !strings.ContainsAny(v.Text, "-/\u2013\u2014\u2015") {
		diags.Warnf(pos, CodeWindashNoDash, "field %q: windash on %q changes nothing: the value has no - or / option", field, v.Text)
	}
	return diags
}

// redundantStar reports a * where the comparison already allows any text.
func redundantStar(op rule.Op, p rule.Pattern) bool {
	first, last := p[0].Kind == rule.AnyRun, p[len(p)-1].Kind == rule.AnyRun
	switch op {
	case rule.OpContains:
		return first || last
	case rule.OpStartsWith:
		return last
	default:
		return first
	}
}

// duplicates reports ids and titles used by more than one rule, naming
// every position.
func duplicates(rules []*rule.Rule) rule.Diagnostics {
	var diags rule.Diagnostics
	byID := map[string][]*rule.Rule{}
	byTitle := map[string][]*rule.Rule{}
	for _, r := range rules {
		if r.ID != "" {
			byID[r.ID] = append(byID[r.ID], r)
		}
		if r.Title != "" {
			byTitle[strings.ToLower(r.Title)] = append(byTitle[strings.ToLower(r.Title)], r)
		}
	}
	report := func(groups map[string][]*rule.Rule, sev rule.Severity, code, what string, label func(*rule.Rule) string) {
		for _, rs := range groups {
			if len(rs) < 2 {
				continue
			}
			for i, r := range rs {
				var others []string
				for j, o := range rs {
					if j != i {
						others = append(others, o.Pos.String())
					}
				}
				sort.Strings(others)
				diags = append(diags, rule.Diagnostic{Severity: sev, Pos: r.Pos, Code: code,
					Summary: fmt.Sprintf("%s %q is also used at %s", what, label(r), strings.Join(others, ", "))})
			}
		}
	}
	report(byID, rule.Error, CodeDuplicateID, "rule id", func(r *rule.Rule) string { return r.ID })
	report(byTitle, rule.Warning, CodeDuplicateTitle, "title", func(r *rule.Rule) string { return r.Title })
	return diags
}
