package sigma

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/detc/detc/internal/attack"
	"github.com/detc/detc/internal/rule"
)

// rule reads one YAML document: a detection rule or a correlation rule.
func (d *decoder) rule(root *yaml.Node) *rule.Rule {
	if root.Kind != yaml.MappingNode {
		d.diags.Errorf(d.pos(root), CodeWrongType, "a Sigma rule is a map with keys such as title, logsource and detection, not %s", kind(root))
		return nil
	}
	r := &rule.Rule{File: d.file, Pos: d.pos(root)}
	errs := len(d.diags)
	var detection, correlation, logsource, title, generate *pair
	pairs := d.mapping(root)
	r.MetaPos = map[string]rule.Pos{}
	for i, p := range pairs {
		r.MetaPos[p.key.Value] = d.pos(p.val)
		switch p.key.Value {
		case "title":
			title = &pairs[i]
			r.Title = d.str(p)
		case "id":
			r.ID = d.str(p)
		case "name":
			r.Name = d.str(p)
		case "status":
			r.Status = d.str(p)
		case "level":
			r.Level = d.str(p)
		case "description":
			r.Description = d.str(p)
		case "author":
			r.Author = d.str(p)
		case "date":
			r.Date = d.str(p)
		case "modified":
			r.Modified = d.str(p)
		case "references":
			r.References = d.strList(p)
		case "falsepositives":
			r.FalsePositives = d.strList(p)
		case "fields":
			r.Fields = d.strList(p)
		case "tags":
			r.Tags = d.strList(p)
			r.Attack = d.attack(p)
		case "logsource":
			logsource = &pairs[i]
			r.LogSource = d.logsource(p)
		case "detection":
			detection = &pairs[i]
		case "correlation":
			correlation = &pairs[i]
		case "generate":
			generate = &pairs[i]
		case "runbook":
			r.Runbook = d.runbook(p)
		case "response":
			r.Response = d.response(p)
		case "action":
			d.diags.Errorf(d.pos(p.key), CodeUnsupported, "action (sigmac rule collections) is not supported: write each rule as a complete document")
		case "filter":
			d.diags.Errorf(d.pos(p.key), CodeUnsupported, "Sigma filter rules are not supported: add the filter to the rules' conditions")
		}
		// Other keys are custom attributes, which Sigma allows.
	}
	switch {
	case title == nil:
		d.diags.Errorf(r.Pos, CodeMissingKey, "missing title: every Sigma rule has one")
	case r.Title == "" && title.val.Kind == yaml.ScalarNode:
		d.diags.Errorf(d.pos(title.val), CodeMissingKey, "title is empty")
	}
	switch {
	case detection != nil && correlation != nil:
		d.diags.Errorf(d.pos(correlation.key), CodeUnsupported, "a rule has a detection or a correlation, not both")
	case detection != nil:
		if logsource == nil {
			d.diags.Errorf(r.Pos, CodeMissingKey, "missing logsource: a detection rule says which events it reads")
		}
		d.detection(r, *detection)
	case correlation != nil:
		d.correlation(r, *correlation)
		// The specification's schema puts generate at the top level,
		// pySigma reads it inside correlation: accept both.
		if generate != nil && r.Correlation != nil {
			r.Correlation.Generate = d.boolean(*generate)
		}
	default:
		d.diags.Errorf(r.Pos, CodeMissingKey, "missing detection: a Sigma rule needs a detection (or a correlation) section")
	}
	if errors := rule.Diagnostics(d.diags[errs:]).Errors(); len(errors) > 0 {
		d.unloaded = append(d.unloaded, rule.Unloaded{Rule: r, Diags: errors})
		return nil
	}
	return r
}

// runbook reads detc's custom runbook key: the triage-card sections a
// detection adds to its technique's shared card, as HCL's runbook block
// has them (Sigma allows custom top-level keys).
func (d *decoder) runbook(p pair) *rule.Runbook {
	rb := &rule.Runbook{Pos: d.pos(p.key)}
	if p.val.Kind != yaml.MappingNode {
		d.diags.Errorf(d.pos(p.val), CodeWrongType, "runbook must be a map of sections (summary, log_sources, key_indicators, questions, escalation, l1_steps, t2_actions, containment, replace), not %s", kind(p.val))
		return nil
	}
	for _, q := range d.mapping(p.val) {
		switch q.key.Value {
		case "summary":
			rb.Summary = d.str(q)
		case "log_sources":
			rb.LogSources = d.strList(q)
		case "key_indicators":
			rb.KeyIndicators = d.strList(q)
		case "questions":
			rb.Questions = d.strList(q)
		case "escalation":
			rb.Escalation = d.strList(q)
		case "l1_steps":
			rb.L1Steps = d.strList(q)
		case "t2_actions":
			rb.T2Actions = d.strList(q)
		case "containment":
			rb.Containment = d.strList(q)
		case "replace":
			rb.Replace = d.strList(q)
		default:
			d.diags.Errorf(d.pos(q.key), CodeUnknownKey, "unknown runbook section %q (sections: summary, log_sources, key_indicators, questions, escalation, l1_steps, t2_actions, containment, replace)", q.key.Value)
		}
	}
	return rb
}

// response reads detc's custom response key, as HCL's response block:
//
//	response:
//	  actions: [isolate_host, notify]
func (d *decoder) response(p pair) *rule.Response {
	if p.val.Kind != yaml.MappingNode {
		d.diags.Errorf(d.pos(p.val), CodeWrongType, "response must be a map with actions, not %s", kind(p.val))
		return nil
	}
	var actions *pair
	for _, q := range d.mapping(p.val) {
		if q.key.Value != "actions" {
			d.diags.Errorf(d.pos(q.key), CodeUnknownKey, "unknown response key %q (the only key is actions)", q.key.Value)
			continue
		}
		actions = &q
	}
	if actions == nil {
		d.diags.Errorf(d.pos(p.key), CodeMissingKey, "response needs actions: a list of %s", strings.Join(rule.ResponseActions, ", "))
		return nil
	}
	r, problem := rule.NewResponse(d.strList(*actions), d.pos(p.key))
	if problem != "" {
		d.diags.Errorf(d.pos(actions.val), CodeBadValue, "%s", problem)
	}
	return r
}

func (d *decoder) logsource(p pair) rule.LogSource {
	ls := rule.LogSource{Pos: d.pos(p.key)}
	if p.val.Kind != yaml.MappingNode {
		d.diags.Errorf(d.pos(p.val), CodeWrongType, "logsource must be a map (category, product, service), not %s", kind(p.val))
		return ls
	}
	for _, q := range d.mapping(p.val) {
		switch q.key.Value {
		case "category":
			ls.Category = d.str(q)
		case "product":
			ls.Product = d.str(q)
		case "service":
			ls.Service = d.str(q)
		}
	}
	return ls
}

// attack maps attack.* tags onto ATT&CK: attack.t1567.004 is a technique,
// attack.exfiltration or attack.ta0010 a tactic. Techniques are kept even
// when unknown, for lint to report; a tactic name this ATT&CK version does
// not have gives a warning, as it cannot be mapped to an id.
func (d *decoder) attack(p pair) rule.Attack {
	a := rule.Attack{Pos: d.pos(p.key)}
	add := func(list *[]string, id string) {
		if !slices.Contains(*list, id) {
			*list = append(*list, id)
		}
	}
	items := []*yaml.Node{p.val}
	if p.val.Kind == yaml.SequenceNode {
		items = p.val.Content
	}
	for _, n := range items {
		n = deref(n)
		if n.Kind != yaml.ScalarNode {
			continue // strList reported it
		}
		tag := n.Value
		name, ok := strings.CutPrefix(strings.ToLower(tag), "attack.")
		if !ok {
			continue
		}
		switch {
		case isTechnique(name):
			add(&a.Techniques, strings.ToUpper(name))
		case isOtherAttackID(name):
		default:
			if tac, ok := attack.LookupTactic(name); ok {
				add(&a.Tactics, tac.ID)
			} else {
				d.diags.Warnf(d.pos(n), CodeAttackTag, "tag %q names no tactic of ATT&CK v%s; it stays a plain tag", tag, attack.Version())
			}
		}
	}
	return a
}

// isTechnique matches technique ids: t1567, t1567.004.
func isTechnique(s string) bool {
	return (len(s) == 5 || len(s) == 9 && s[5] == '.' && isDigits(s[6:])) && s[0] == 't' && isDigits(s[1:5])
}

// isOtherAttackID matches ATT&CK ids that are not tactics or techniques:
// groups, software, campaigns, mitigations and data sources (g0059,
// s0001, c0001, m1057, ds0015).
func isOtherAttackID(s string) bool {
	switch {
	case len(s) == 5 && strings.IndexByte("gscm", s[0]) >= 0:
		return isDigits(s[1:])
	case len(s) == 6 && s[:2] == "ds":
		return isDigits(s[2:])
	}
	return false
}

func isDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
