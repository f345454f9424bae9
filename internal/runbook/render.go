package runbook

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/detc/detc/internal/attack"
	"github.com/detc/detc/internal/rule"
)

// Query is one compiled form of a rule, shown in a runbook.
type Query struct {
	// Target is the SIEM as analysts name it ("Splunk", "Microsoft Sentinel").
	Target string
	// Lang is the code fence's info string (spl, kql, lucene, esql).
	Lang string
	Text string
	// Refusal says why the target cannot express the rule ("" when it can).
	Refusal string
}

// Compiler compiles a rule for every target, in a fixed target order.
type Compiler func(r *rule.Rule) []Query

// Input is what a runbook is written from.
type Input struct {
	Rule *rule.Rule
	// Card is the technique's shared card; nil when the tree has none.
	Card *Card
	// Pivots are the pivot rules, by name and by id.
	Pivots  map[string]*rule.Rule
	Compile Compiler
}

// Render writes the runbook as Markdown. The text is deterministic for the
// same input.
func Render(in Input) (string, error) {
	r := in.Rule
	w := &writer{}
	w.heading(1, "Runbook: "+r.Title)
	w.para(fmt.Sprintf("Detection `%s`, level **%s**, status **%s**.", r.ID, orDash(r.Level), orDash(r.Status)))
	if r.Description != "" {
		w.para(r.Description)
	}
	if r.Runbook != nil && r.Runbook.Summary != "" {
		w.para(r.Runbook.Summary)
	}

	w.heading(2, "What this detection looks at")
	describeRule(w, r)

	w.heading(2, "Detection query")
	w.queries(in.Compile(r))

	writeTriage(w, r, in.Card)
	if in.Card != nil {
		if err := writePlaybook(w, in); err != nil {
			return "", err
		}
	}
	return w.String(), nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func describeRule(w *writer, r *rule.Rule) {
	var items []string
	items = append(items, "Log source: "+describeLogSource(r.LogSource)+".")
	if fields := ruleFields(r); len(fields) > 0 {
		items = append(items, "Fields: "+codeList(fields)+".")
	}
	w.bullets(items)
	cond := ""
	if r.Condition != nil {
		cond = r.Condition.String()
	}
	w.para("It matches when `" + cond + "` holds, where:")
	var searches []string
	for _, s := range r.Searches {
		searches = append(searches, "`"+s.Name+"`: "+describeSearch(s))
	}
	w.bullets(searches)
	if a := r.Aggregation; a != nil {
		w.para("It alerts per " + groupText(a) + " when " + aggText(a) + " in a " + durationText(a.Window) + " window (windows are aligned to the clock, as `bin` does).")
	}
	if len(r.FalsePositives) > 0 {
		w.para("Known false positives:")
		w.bullets(r.FalsePositives)
	}
}

func describeLogSource(ls rule.LogSource) string {
	var parts []string
	for _, kv := range [][2]string{{"category", ls.Category}, {"product", ls.Product}, {"service", ls.Service}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+" `"+kv[1]+"`")
		}
	}
	if len(parts) == 0 {
		return "any"
	}
	return strings.Join(parts, ", ")
}

// ruleFields lists the fields a rule reads, sorted.
func ruleFields(r *rule.Rule) []string {
	seen := map[string]bool{}
	for _, s := range r.Searches {
		for _, g := range s.Groups {
			for _, m := range g.Matchers {
				if m.Field != "" {
					seen[m.Field] = true
				}
			}
		}
	}
	if a := r.Aggregation; a != nil {
		for _, f := range append([]string{a.Field}, a.GroupBy...) {
			if f != "" {
				seen[f] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

func codeList(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = code(s)
	}
	return strings.Join(quoted, ", ")
}

// code wraps s in a code span, using a longer fence when s holds backticks.
func code(s string) string {
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || s == "" {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

func describeSearch(s *rule.Search) string {
	groups := make([]string, len(s.Groups))
	for i, g := range s.Groups {
		ms := make([]string, len(g.Matchers))
		for j, m := range g.Matchers {
			ms[j] = describeMatcher(m)
		}
		groups[i] = strings.Join(ms, " and ")
	}
	if len(groups) == 1 {
		return groups[0]
	}
	return "either " + strings.Join(groups, "; or ")
}

var opWords = map[rule.Op]string{
	rule.OpEquals: "is", rule.OpContains: "contains", rule.OpStartsWith: "starts with",
	rule.OpEndsWith: "ends with", rule.OpRegex: "matches the regular expression",
	rule.OpCIDR: "is in the network", rule.OpGt: "is greater than", rule.OpGte: "is at least",
	rule.OpLt: "is less than", rule.OpLte: "is at most",
}

func describeMatcher(m *rule.Matcher) string {
	subject := "the event"
	if m.Field != "" {
		subject = code(m.Field)
	}
	if m.Op == rule.OpExists {
		if len(m.Values) == 1 && m.Values[0].Text == "false" {
			return subject + " is absent"
		}
		return subject + " is present"
	}
	vals := make([]string, len(m.Values))
	for i, v := range m.Values {
		vals[i] = valueText(v)
	}
	verb := opWords[m.Op]
	if m.Negate {
		verb = "does not satisfy: " + verb
	}
	if m.FieldRef {
		verb += " the value of field"
	}
	var flags []string
	if m.Cased {
		flags = append(flags, "case-sensitive")
	}
	if m.Regex.IgnoreCase {
		flags = append(flags, "ignoring case")
	}
	text := subject + " " + verb + " "
	if len(vals) > 1 {
		text += "any of "
	}
	text += strings.Join(vals, ", ")
	if len(flags) > 0 {
		text += " (" + strings.Join(flags, ", ") + ")"
	}
	return text
}

func valueText(v rule.Value) string {
	switch v.Kind {
	case rule.KindString:
		return code(v.Pattern.String())
	case rule.KindNull:
		return "empty or absent"
	case rule.KindPlaceholder:
		return "the list " + code("%"+v.Text+"%")
	default:
		return code(v.Text)
	}
}

func groupText(a *rule.Aggregation) string {
	if len(a.GroupBy) == 0 {
		return "window"
	}
	return codeList(a.GroupBy)
}

func aggText(a *rule.Aggregation) string {
	threshold := strconv.FormatFloat(a.Threshold, 'f', -1, 64)
	var subject string
	switch a.Func {
	case rule.AggCount:
		subject = "the number of matching events"
	case rule.AggDistinctCount:
		subject = "the number of distinct " + code(a.Field) + " values"
	case rule.AggSum:
		subject = "the sum of " + code(a.Field)
	case rule.AggAvg:
		subject = "the average of " + code(a.Field)
	case rule.AggMin:
		subject = "the minimum of " + code(a.Field)
	case rule.AggMax:
		subject = "the maximum of " + code(a.Field)
	case rule.AggTemporal:
		return fmt.Sprintf("all %d parts of the correlation match", len(a.Parts))
	}
	return subject + " " + a.Op.Symbol() + " " + threshold
}

func durationText(d time.Duration) string {
	switch {
	case d == 0:
		return "whole-search"
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "-hour"
	case d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + "-minute"
	}
	return d.String()
}

// triageSection is one section of the triage card: its name, as HCL,
// Sigma and Runbook.Replace spell it, its heading, and where the card and
// a detection's runbook keep its text.
type triageSection struct {
	key, heading string
	card         func(Triage) []string
	own          func(*rule.Runbook) []string
}

var triageSections = []triageSection{
	{"log_sources", "Log sources to investigate", func(t Triage) []string { return t.LogSources }, func(r *rule.Runbook) []string { return r.LogSources }},
	{"key_indicators", "Key indicators", func(t Triage) []string { return t.KeyIndicators }, func(r *rule.Runbook) []string { return r.KeyIndicators }},
	{"questions", "Questions for analysis", func(t Triage) []string { return t.Questions }, func(r *rule.Runbook) []string { return r.Questions }},
	{"escalation", "Decision for escalation", func(t Triage) []string { return t.Escalation }, func(r *rule.Runbook) []string { return r.Escalation }},
	{"l1_steps", "Additional analysis steps for L1", func(t Triage) []string { return t.L1Steps }, func(r *rule.Runbook) []string { return r.L1Steps }},
	{"t2_actions", "T2 analyst actions", func(t Triage) []string { return t.T2Actions }, func(r *rule.Runbook) []string { return r.T2Actions }},
	{"containment", "Containment and further analysis", func(t Triage) []string { return t.Containment }, func(r *rule.Runbook) []string { return r.Containment }},
}

// text is the section's card text followed by the detection's own, or the
// detection's alone when its runbook replaces the section.
func (sec triageSection) text(t Triage, rb *rule.Runbook) []string {
	shared := sec.card(t)
	if rb == nil {
		return shared
	}
	own := sec.own(rb)
	if slices.Contains(rb.Replace, sec.key) {
		return own
	}
	return append(append([]string(nil), shared...), own...)
}

func writeTriage(w *writer, r *rule.Rule, card *Card) {
	w.heading(2, "Triage card")
	w.heading(3, "MITRE ATT&CK")
	var rows [][]string
	for _, id := range r.Attack.Techniques {
		tech, ok := attack.LookupTechnique(id)
		if !ok {
			continue
		}
		var tactics []string
		for _, ta := range tech.Tactics {
			if tac, ok := attack.LookupTactic(ta); ok {
				tactics = append(tactics, tac.Name+" ("+tac.ID+")")
			}
		}
		parentName, subName := tech.Name, "-"
		if p := tech.Parent(); p != "" {
			if pt, ok := attack.LookupTechnique(p); ok {
				parentName, subName = pt.Name, tech.Name
			}
		}
		rows = append(rows, []string{strings.Join(tactics, ", "), "[" + tech.ID + "](" + tech.URL + ")", parentName, subName})
	}
	if len(rows) == 0 {
		w.para("This detection has no ATT&CK technique.")
	} else {
		w.table([]string{"Tactic", "Technique ID", "Technique", "Sub-technique"}, rows)
	}
	var t Triage
	if card != nil {
		t = card.Triage
	}
	for _, sec := range triageSections {
		items := sec.text(t, r.Runbook)
		if len(items) == 0 {
			continue
		}
		w.heading(3, sec.heading)
		w.bullets(items)
	}
}

// writeAutomation says which containment steps the detection's declared
// response automates (docs/response.md) and which stay with the analyst.
func writeAutomation(w *writer, r *rule.Rule) {
	if r.Response == nil {
		w.para("Nothing here is automated: this detection declares no response, so every containment step is manual.")
		return
	}
	describe := func(actions []string) []string {
		var out []string
		for _, a := range actions {
			out = append(out, fmt.Sprintf("`%s`: %s", a, rule.ResponseDescriptions[a]))
		}
		return out
	}
	w.para("**Automated** when this detection alerts (its response; Elastic response actions and SOAR webhook, Sentinel automation rule and playbooks, Splunk Send to SOAR). Check that each ran:")
	w.bullets(describe(r.Response.Actions))
	if manual := r.Response.Manual(); len(manual) > 0 {
		w.para("**Manual**: decide and do these yourself:")
		w.bullets(describe(manual))
	}
}

func writePlaybook(w *writer, in Input) error {
	pb := in.Card.Playbook
	w.heading(2, "Playbook")
	w.para("Assign steps to individuals or teams to work concurrently where possible; the playbook is not purely sequential.")
	w.heading(3, "Preparation")
	w.numbered(pb.Preparation)

	w.heading(3, "Investigate")
	w.heading(4, "Key questions")
	w.bullets(pb.Investigate.KeyQuestions)
	w.heading(4, "Steps")
	for i, s := range pb.Investigate.Steps {
		w.line(fmt.Sprintf("%d. %s", i+1, s.Text))
		w.blank()
		if s.Pivot == "" {
			continue
		}
		p, ok := in.Pivots[s.Pivot]
		if !ok {
			return fmt.Errorf("%s: investigation step %d names pivot %q, which is not loaded (pivots are rules tagged %s)", in.Card.File, i+1, s.Pivot, rule.PivotTag)
		}
		w.para("Pivot `" + p.Name + "`: " + p.Title + ". Filter the results on the values in the alert.")
		w.queries(in.Compile(p))
	}

	w.heading(3, "Remediate")
	w.bullets([]string{
		"Plan remediation events so that these steps are launched together, with the right teams ready to respond to any disruption.",
		"Consider the timing and trade-offs of remediation actions: the response has consequences.",
	})
	w.heading(4, "Contain")
	w.actions(pb.Contain)
	writeAutomation(w, in.Rule)
	w.heading(4, "Eradicate")
	w.actions(pb.Eradicate)
	w.heading(3, "Communicate")
	w.bullets(pb.Communicate)
	w.heading(3, "Recover")
	w.numbered(pb.Recover)
	w.heading(3, "Lessons learned")
	w.para("Answer these questions with the incident report:")
	w.bullets(pb.LessonsLearned.Questions)
	w.numbered(pb.LessonsLearned.Actions)
	w.heading(4, "Incident report")
	w.para("Write the incident report with the corporate template. It should include:")
	w.numbered(pb.LessonsLearned.ReportOutline)
	return nil
}
