package sigma

import (
	"slices"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/detc/detc/internal/rule"
)

var correlationTypes = map[string]rule.AggFunc{
	"event_count": rule.AggCount,
	"value_count": rule.AggDistinctCount,
	"value_sum":   rule.AggSum,
	"value_avg":   rule.AggAvg,
	"temporal":    rule.AggTemporal,
}

// unsupportedTypes are Sigma correlation types the rule model cannot express.
var unsupportedTypes = map[string]string{
	"temporal_ordered": "the rule model has no event order; use temporal if order does not matter",
	"value_percentile": "no target detc compiles to has a streaming percentile",
	"value_median":     "no target detc compiles to has a streaming median",
}

var conditionOps = map[string]rule.CmpOp{
	"gt": rule.CmpGt, "gte": rule.CmpGte, "lt": rule.CmpLt, "lte": rule.CmpLte, "eq": rule.CmpEq, "neq": rule.CmpNeq,
}

// correlation reads a correlation section into r.Aggregation and
// r.Correlation; ResolveCorrelations later fills in the searches.
func (d *decoder) correlation(r *rule.Rule, p pair) {
	if p.val.Kind != yaml.MappingNode {
		d.diags.Errorf(d.pos(p.val), CodeWrongType, "correlation must be a map (type, rules, group-by, timespan, condition), not %s", kind(p.val))
		return
	}
	agg := &rule.Aggregation{Pos: d.pos(p.key)}
	corr := &rule.Correlation{Pos: d.pos(p.key)}
	var typ, rules, timespan, cond *pair
	pairs := d.mapping(p.val)
	for i, q := range pairs {
		switch q.key.Value {
		case "type":
			typ = &pairs[i]
		case "rules":
			rules = &pairs[i]
		case "group-by":
			agg.GroupBy = d.strList(q)
			d.checkFieldNames(q.val)
		case "timespan":
			timespan = &pairs[i]
		case "condition":
			cond = &pairs[i]
		case "generate":
			corr.Generate = d.boolean(q)
		case "aliases":
			d.diags.Errorf(d.pos(q.key), CodeUnsupported, "correlation aliases are not supported: the rule model groups every rule by the same field names")
		}
	}
	missing := func(key string) {
		d.diags.Errorf(d.pos(p.key), CodeMissingKey, "correlation has no %s", key)
	}
	known := false
	if typ == nil {
		missing("type")
	} else if name := d.str(*typ); name != "" {
		f, ok := correlationTypes[name]
		switch {
		case ok:
			agg.Func, known = f, true
		case unsupportedTypes[name] != "":
			d.diags.Errorf(d.pos(typ.val), CodeUnsupported, "correlation type %s is not supported: %s", name, unsupportedTypes[name])
		default:
			d.diags.Errorf(d.pos(typ.val), CodeBadValue, "unknown correlation type %q: expected event_count, value_count, value_sum, value_avg or temporal", name)
		}
	}
	if rules == nil {
		missing("rules")
	} else {
		corr.Rules = d.ruleRefs(*rules)
	}
	if timespan == nil {
		missing("timespan")
	} else if w, ok := d.duration(*timespan); ok {
		agg.Window = w
	}
	if cond != nil {
		d.correlationCondition(agg, *cond)
	} else if known && agg.Func != rule.AggTemporal {
		missing("condition")
	}
	switch agg.Func {
	case rule.AggTemporal:
		all := float64(len(corr.Rules))
		switch {
		case rules != nil && len(corr.Rules) < 2:
			d.diags.Errorf(d.pos(rules.key), CodeBadValue, "a temporal correlation needs at least two rules")
		case cond != nil && !((agg.Op == rule.CmpGte || agg.Op == rule.CmpEq) && agg.Threshold == all):
			d.diags.Errorf(d.pos(cond.key), CodeUnsupported, "a temporal correlation must match all its rules (gte: %d): the rule model has no \"some of the rules\"", len(corr.Rules))
		}
		agg.Op, agg.Threshold = rule.CmpGte, all
	case rule.AggDistinctCount, rule.AggSum, rule.AggAvg:
		if cond != nil && agg.Field == "" {
			d.diags.Errorf(d.pos(cond.key), CodeMissingKey, "correlation type %s needs condition.field", typ.val.Value)
		}
	}
	r.Aggregation, r.Correlation = agg, corr
}

func (d *decoder) ruleRefs(p pair) []rule.RuleRef {
	items := []*yaml.Node{p.val}
	if p.val.Kind == yaml.SequenceNode {
		items = p.val.Content
	}
	var refs []rule.RuleRef
	seen := map[string]bool{}
	for _, n := range items {
		n = deref(n)
		if n.Kind != yaml.ScalarNode || isNull(n) {
			d.diags.Errorf(d.pos(n), CodeWrongType, "correlation rules must be rule names or ids, not %s", kind(n))
			continue
		}
		if seen[n.Value] {
			d.diags.Errorf(d.pos(n), CodeDuplicate, "rule %q is listed twice", n.Value)
			continue
		}
		seen[n.Value] = true
		refs = append(refs, rule.RuleRef{Name: n.Value, Pos: d.pos(n)})
	}
	if len(refs) == 0 && len(items) == 0 {
		d.diags.Errorf(d.pos(p.val), CodeMissingKey, "correlation rules is empty")
	}
	return refs
}

// correlationCondition reads {gt: 10, field: x}: exactly one comparison.
func (d *decoder) correlationCondition(agg *rule.Aggregation, p pair) {
	if p.val.Kind != yaml.MappingNode {
		d.diags.Errorf(d.pos(p.val), CodeWrongType, "correlation condition must be a map such as {gte: 10}, not %s", kind(p.val))
		return
	}
	ops := 0
	for _, q := range d.mapping(p.val) {
		if q.key.Value == "field" {
			agg.Field = d.str(q)
			d.checkFieldNames(q.val)
			continue
		}
		op, ok := conditionOps[q.key.Value]
		if !ok {
			d.diags.Errorf(d.pos(q.key), CodeBadValue, "unknown condition %q: expected gt, gte, lt, lte, eq, neq or field", q.key.Value)
			continue
		}
		ops++
		if ops > 1 {
			d.diags.Errorf(d.pos(q.key), CodeUnsupported, "a range of two comparisons is not supported: the rule model has one threshold (chain two correlations instead)")
			continue
		}
		n, err := strconv.ParseFloat(q.val.Value, 64)
		if q.val.Kind != yaml.ScalarNode || err != nil {
			d.diags.Errorf(d.pos(q.val), CodeBadValue, "condition %s needs a number, not %s", q.key.Value, kind(q.val))
			continue
		}
		agg.Op, agg.Threshold = op, n
	}
	if ops == 0 {
		d.diags.Errorf(d.pos(p.val), CodeMissingKey, "correlation condition has no comparison (gt, gte, lt, lte, eq or neq)")
	}
}

func (d *decoder) boolean(p pair) bool {
	var b bool
	if p.val.Kind != yaml.ScalarNode || p.val.ShortTag() != "!!bool" || p.val.Decode(&b) != nil {
		d.diags.Errorf(d.pos(p.val), CodeWrongType, "%s must be true or false, not %s", p.key.Value, kind(p.val))
	}
	return b
}

// checkFieldNames reports each field name in a scalar or a list of scalars
// that no target can name, at its own position.
func (d *decoder) checkFieldNames(n *yaml.Node) {
	nodes := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		nodes = n.Content
	}
	for _, v := range nodes {
		if v.Kind != yaml.ScalarNode || isNull(v) {
			continue
		}
		if err := rule.CheckFieldName(v.Value); err != nil {
			d.diags.Errorf(d.pos(v), CodeBadValue, "%v", err)
		}
	}
}

// duration reads a Sigma time span such as 90s, 5m, 12h or 7d.
func (d *decoder) duration(p pair) (time.Duration, bool) {
	if p.val.Kind != yaml.ScalarNode {
		d.diags.Errorf(d.pos(p.val), CodeWrongType, "%s must be a time span such as 5m, not %s", p.key.Value, kind(p.val))
		return 0, false
	}
	span, err := rule.ParseTimespan(p.val.Value)
	if err != nil {
		d.diags.Errorf(d.pos(p.val), CodeBadValue, "%s %v", p.key.Value, err)
		return 0, false
	}
	return span, true
}

// ResolveCorrelations completes the correlation rules among rules: each
// takes the searches and condition of the rules it names (by name, else by
// id). Over one rule, the correlation has that rule's searches and
// condition as they are; over several, each search is renamed
// "<rule>.<search>" so names stay unique, and the condition is the OR of
// the rules' conditions (for temporal, each is also one of
// Aggregation.Parts). Referenced rules are dropped from the result unless
// a correlation naming them sets generate: true, as Sigma specifies. A
// correlation that cannot be resolved is dropped with a diagnostic.
func ResolveCorrelations(rules []*rule.Rule) ([]*rule.Rule, rule.Diagnostics) {
	out, _, diags := Resolve(rules)
	return out, diags
}

// Resolve is ResolveCorrelations that also returns the correlation rules
// that failed, with their errors.
func Resolve(rules []*rule.Rule) ([]*rule.Rule, []rule.Unloaded, rule.Diagnostics) {
	if !slices.ContainsFunc(rules, func(r *rule.Rule) bool { return r.Correlation != nil && r.Condition == nil }) {
		return slices.Clone(rules), nil, nil // nothing to resolve: skip the indexes
	}
	var diags rule.Diagnostics
	byName := make(map[string][]*rule.Rule, len(rules))
	byID := make(map[string][]*rule.Rule, len(rules))
	for _, r := range rules {
		if r.Name != "" {
			byName[r.Name] = append(byName[r.Name], r)
		}
		if r.ID != "" {
			byID[r.ID] = append(byID[r.ID], r)
		}
	}
	absorbed := map[*rule.Rule]bool{}
	generated := map[*rule.Rule]bool{}
	failed := map[*rule.Rule]bool{}
	var unloaded []rule.Unloaded
	fail := func(r *rule.Rule, d rule.Diagnostics) {
		failed[r] = true
		unloaded = append(unloaded, rule.Unloaded{Rule: r, Diags: d.Errors()})
	}
	for _, r := range rules {
		if r.Correlation == nil || r.Condition != nil {
			continue
		}
		bases, d := lookup(r, byName, byID)
		diags = append(diags, d...)
		if d.HasErrors() {
			fail(r, d)
			continue
		}
		if d := combine(r, bases); d.HasErrors() {
			diags = append(diags, d...)
			fail(r, d)
			continue
		}
		for _, b := range bases {
			absorbed[b.rule] = true
			if r.Correlation.Generate {
				generated[b.rule] = true
			}
		}
	}
	out := make([]*rule.Rule, 0, len(rules))
	for _, r := range rules {
		if failed[r] || absorbed[r] && !generated[r] {
			continue
		}
		out = append(out, r)
	}
	return out, unloaded, diags
}

// base is a referenced rule and the name its searches get as a prefix.
type base struct {
	rule   *rule.Rule
	prefix string
}

func lookup(r *rule.Rule, byName, byID map[string][]*rule.Rule) ([]base, rule.Diagnostics) {
	var diags rule.Diagnostics
	var bases []base
	for _, ref := range r.Correlation.Rules {
		found := byName[ref.Name]
		if len(found) == 0 {
			found = byID[ref.Name]
		}
		switch {
		case len(found) == 0:
			diags.Errorf(ref.Pos, CodeUnknownRule, "correlation refers to rule %q, but no loaded rule has that name or id", ref.Name)
			continue
		case len(found) > 1:
			diags.Errorf(ref.Pos, CodeUnknownRule, "correlation refers to rule %q, which names %d rules (%s and %s)", ref.Name, len(found), found[0].Pos, found[1].Pos)
			continue
		}
		b := found[0]
		switch {
		case b == r:
			diags.Errorf(ref.Pos, CodeBadValue, "correlation refers to itself")
		case b.Correlation != nil:
			diags.Errorf(ref.Pos, CodeUnsupported, "rule %q is itself a correlation: chained correlations are not supported", ref.Name)
		case b.Aggregation != nil:
			diags.Errorf(ref.Pos, CodeUnsupported, "rule %q has an aggregation in its condition: a correlation can only use plain rules", ref.Name)
		case b.Condition == nil:
			diags.Errorf(ref.Pos, CodeBadValue, "rule %q has no condition", ref.Name)
		default:
			prefix := b.Name
			if prefix == "" {
				prefix = ref.Name
			}
			bases = append(bases, base{rule: b, prefix: prefix + "."})
		}
	}
	return bases, diags
}

// combine copies the base rules' searches and conditions into r. Searches
// are shared, not copied: the model is read-only once loaded.
func combine(r *rule.Rule, bases []base) rule.Diagnostics {
	var diags rule.Diagnostics
	first := bases[0].rule
	for _, b := range bases[1:] {
		if !sameLogSource(b.rule.LogSource, first.LogSource) {
			diags.Errorf(r.Correlation.Pos, CodeUnsupported, "correlated rules %q and %q read different log sources: the rule model has one log source per rule", bases[0].prefix[:len(bases[0].prefix)-1], b.prefix[:len(b.prefix)-1])
			return diags
		}
	}
	r.LogSource = first.LogSource
	if len(bases) == 1 {
		r.Searches, r.Condition = first.Searches, first.Condition
		return nil
	}
	parts := make([]rule.Expr, len(bases))
	for i, b := range bases {
		for _, s := range b.rule.Searches {
			r.Searches = append(r.Searches, &rule.Search{Name: b.prefix + s.Name, Groups: s.Groups, Pos: s.Pos})
		}
		parts[i] = prefixed(rule.Expand(b.rule.Condition, b.rule.Searches), b.prefix)
	}
	r.Condition = &rule.Or{Terms: parts, Pos: r.Correlation.Pos}
	if r.Aggregation.Func == rule.AggTemporal {
		r.Aggregation.Parts = parts
	}
	return nil
}

func sameLogSource(a, b rule.LogSource) bool {
	return a.Category == b.Category && a.Product == b.Product && a.Service == b.Service
}

// prefixed copies a condition with every search name prefixed. Quantifiers
// are expanded before, so only one that matched no search is left; its
// pattern is prefixed too, so lint reports it against the renamed searches.
func prefixed(e rule.Expr, prefix string) rule.Expr {
	switch e := e.(type) {
	case *rule.And:
		return &rule.And{Terms: prefixedAll(e.Terms, prefix), Pos: e.Pos}
	case *rule.Or:
		return &rule.Or{Terms: prefixedAll(e.Terms, prefix), Pos: e.Pos}
	case *rule.Not:
		return &rule.Not{X: prefixed(e.X, prefix), Pos: e.Pos}
	case *rule.SearchRef:
		return &rule.SearchRef{Name: prefix + e.Name, Pos: e.Pos}
	case *rule.Quantified:
		return &rule.Quantified{All: e.All, Pattern: prefix + e.Pattern, Pos: e.Pos}
	}
	return e
}

func prefixedAll(terms []rule.Expr, prefix string) []rule.Expr {
	out := make([]rule.Expr, len(terms))
	for i, t := range terms {
		out[i] = prefixed(t, prefix)
	}
	return out
}
