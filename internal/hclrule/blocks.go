package hclrule

import (
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/detc/detc/internal/condition"
	"github.com/detc/detc/internal/rule"
)

// condition parses the condition attribute with the Sigma condition parser.
// Positions in the parser's diagnostics point into the .hcl file: for a
// literal string the base is its first character inside the quotes, for a
// heredoc the first character of its first line.
func (d *decoder) condition(attr *hcl.Attribute) rule.Expr {
	src, ok := d.str(attr)
	if !ok {
		return nil
	}
	// A heredoc ends in a newline; without it, "unexpected end of
	// condition" points just after the last word rather than below it.
	src = strings.TrimRight(src, " \t\r\n")
	expr, agg, diags := condition.Parse(src, conditionBase(attr.Expr))
	if d.add(diags) {
		return nil
	}
	if agg != nil {
		d.errorf(attr.Expr.Range(), CodeValue, "Aggregation in condition",
			"HCL detections write aggregations as a threshold block, not as a \"| count() ...\" suffix of the condition.")
		return nil
	}
	return expr
}

func conditionBase(expr hcl.Expression) rule.Pos {
	pos := posOf(expr.Range())
	t, ok := expr.(*hclsyntax.TemplateExpr)
	if !ok || len(t.Parts) != 1 {
		return pos
	}
	if _, lit := t.Parts[0].(*hclsyntax.LiteralValueExpr); !lit {
		return pos
	}
	if lit := t.Parts[0].Range(); lit.Start.Line > pos.Line {
		return posOf(lit) // a heredoc: its text starts on the next line
	}
	pos.Col++ // past the opening quote
	return pos
}

var thresholdSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "group_by"}, {Name: "window", Required: true},
		{Name: "count"}, {Name: "distinct_count"}, {Name: "sum"}, {Name: "avg"}, {Name: "min"}, {Name: "max"},
		{Name: "gt"}, {Name: "gte"}, {Name: "lt"}, {Name: "lte"}, {Name: "eq"}, {Name: "neq"},
	},
}

// aggregates are the threshold attributes that name the aggregate; count
// takes true, the others the field they work on.
var aggregates = []struct {
	name string
	fn   rule.AggFunc
}{
	{"count", rule.AggCount}, {"distinct_count", rule.AggDistinctCount}, {"sum", rule.AggSum},
	{"avg", rule.AggAvg}, {"min", rule.AggMin}, {"max", rule.AggMax},
}

var thresholdOps = []struct {
	name string
	op   rule.CmpOp
}{
	{"gt", rule.CmpGt}, {"gte", rule.CmpGte}, {"lt", rule.CmpLt},
	{"lte", rule.CmpLte}, {"eq", rule.CmpEq}, {"neq", rule.CmpNeq},
}

// checkFieldNames reports, at attr's value, each name no target can name.
func (d *decoder) checkFieldNames(attr *hcl.Attribute, names ...string) {
	for _, n := range names {
		if err := rule.CheckFieldName(n); err != nil {
			d.errorf(attr.Expr.Range(), CodeValue, "Invalid field name", "%v.", err)
		}
	}
}

// threshold decodes the aggregation: one aggregate, one comparison.
func (d *decoder) threshold(b *hcl.Block) *rule.Aggregation {
	content, hd := b.Body.Content(thresholdSchema)
	if d.addHCL(hd, CodeSchema) {
		return nil
	}
	attrs := content.Attributes
	agg := &rule.Aggregation{Pos: posOf(b.DefRange)}
	if attr := attrs["group_by"]; attr != nil {
		agg.GroupBy, _ = d.strList(attr)
		d.checkFieldNames(attr, agg.GroupBy...)
	}
	if attr := attrs["window"]; attr != nil {
		if s, ok := d.str(attr); ok {
			w, err := rule.ParseTimespan(s)
			if err != nil {
				d.errorf(attr.Expr.Range(), CodeValue, "Invalid window", "window %v.", err)
			}
			agg.Window = w
		}
	}

	m := d.mark()
	var fn *hcl.Attribute
	for _, a := range aggregates {
		attr := attrs[a.name]
		if attr == nil {
			continue
		}
		if a.fn == rule.AggCount {
			if on, _ := d.boolean(attr); !on {
				continue
			}
		} else if f, ok := d.str(attr); !ok || f == "" {
			if ok {
				d.errorf(attr.Expr.Range(), CodeValue, "Missing field", "%s names the field it aggregates.", a.name)
			}
			continue
		} else {
			agg.Field = f
			d.checkFieldNames(attr, f)
		}
		if fn != nil {
			d.errorf(attr.NameRange, CodeValue, "More than one aggregate", "threshold already aggregates with %s; use one of %s.", fn.Name, aggregateNames())
			continue
		}
		fn = attr
		agg.Func = a.fn
	}
	if fn == nil && !d.failedSince(m) {
		d.errorf(b.DefRange, CodeValue, "Missing aggregate", "threshold needs one of count = true, %s.", strings.TrimPrefix(aggregateNames(), "count, "))
	}

	var cmp *hcl.Attribute
	for _, o := range thresholdOps {
		attr := attrs[o.name]
		if attr == nil {
			continue
		}
		if cmp != nil {
			d.errorf(attr.NameRange, CodeValue, "More than one comparison", "threshold already compares with %s; use one of gt, gte, lt, lte, eq, neq.", cmp.Name)
			continue
		}
		cmp = attr
		agg.Op = o.op
		agg.Threshold, _ = d.number(attr)
	}
	if cmp == nil {
		d.errorf(b.DefRange, CodeValue, "Missing comparison", "threshold needs one of gt, gte, lt, lte, eq, neq = <number>.")
	}
	return agg
}

func aggregateNames() string {
	names := make([]string, len(aggregates))
	for i, a := range aggregates {
		names[i] = a.name
	}
	return strings.Join(names, ", ")
}

var runbookSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "summary"}, {Name: "log_sources"}, {Name: "key_indicators"}, {Name: "questions"},
		{Name: "escalation"}, {Name: "l1_steps"}, {Name: "t2_actions"}, {Name: "containment"}, {Name: "replace"},
	},
}

func (d *decoder) runbook(b *hcl.Block) *rule.Runbook {
	content, hd := b.Body.Content(runbookSchema)
	d.addHCL(hd, CodeSchema)
	rb := &rule.Runbook{Pos: posOf(b.DefRange)}
	sections := map[string]*[]string{
		"log_sources": &rb.LogSources, "key_indicators": &rb.KeyIndicators,
		"questions": &rb.Questions, "escalation": &rb.Escalation, "l1_steps": &rb.L1Steps,
		"t2_actions": &rb.T2Actions, "containment": &rb.Containment,
	}
	for _, attr := range sortedAttributes(content.Attributes) {
		switch attr.Name {
		case "summary":
			rb.Summary, _ = d.str(attr)
		case "replace":
			rb.Replace, _ = d.strList(attr)
			for _, s := range rb.Replace {
				if sections[s] == nil {
					d.errorf(attr.Expr.Range(), CodeValue, "Unknown runbook section",
						"%q is not a section that can be replaced: use log_sources, key_indicators, questions, escalation, l1_steps, t2_actions or containment.", s)
				}
			}
		default:
			*sections[attr.Name], _ = d.strList(attr)
		}
	}
	return rb
}

var responseSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "actions", Required: true}},
}

// response decodes the automated responses of a detection.
func (d *decoder) response(b *hcl.Block) *rule.Response {
	content, hd := b.Body.Content(responseSchema)
	if d.addHCL(hd, CodeSchema) {
		return nil
	}
	attr := content.Attributes["actions"]
	actions, ok := d.strList(attr)
	if !ok {
		return nil
	}
	r, problem := rule.NewResponse(actions, posOf(b.DefRange))
	if problem != "" {
		d.errorf(attr.Expr.Range(), CodeValue, "Invalid response", "%s.", problem)
	}
	return r
}

var testSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "fixture", Required: true}, {Name: "format"}, {Name: "match"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "alert"}},
}

var alertSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "group"}, {Name: "value", Required: true}, {Name: "window"}},
}

// test decodes a fixture test: the file, and the events (match) or alerts
// (alert blocks, for a threshold) it must give. With neither, nothing in
// the fixture may match.
func (d *decoder) test(b *hcl.Block) *rule.FixtureTest {
	content, hd := b.Body.Content(testSchema)
	if d.addHCL(hd, CodeSchema) {
		return nil
	}
	t := &rule.FixtureTest{Name: b.Labels[0], Pos: posOf(b.DefRange)}
	t.File, _ = d.str(content.Attributes["fixture"])
	if attr := content.Attributes["format"]; attr != nil {
		t.Format, _ = d.str(attr)
	}
	if attr := content.Attributes["match"]; attr != nil {
		t.Match, _ = d.strList(attr)
	}
	for _, blk := range content.Blocks {
		ac, hd := blk.Body.Content(alertSchema)
		if d.addHCL(hd, CodeSchema) {
			continue
		}
		a := rule.ExpectedAlert{Pos: posOf(blk.DefRange)}
		a.Value, _ = d.number(ac.Attributes["value"])
		if attr := ac.Attributes["window"]; attr != nil {
			if s, ok := d.str(attr); ok {
				if _, err := time.Parse(time.RFC3339, s); err != nil {
					d.errorf(attr.Expr.Range(), CodeValue, "Invalid window start",
						"window is the RFC 3339 time the alert's window starts, such as 2026-11-30T10:00:00Z, not %q.", s)
				}
				a.Window = s
			}
		}
		if attr := ac.Attributes["group"]; attr != nil {
			a.Group = d.alertGroup(attr)
		}
		t.Alerts = append(t.Alerts, a)
	}
	return t
}

// alertGroup reads an alert's group-by values: an object from field name
// to the value, written as text (numbers and bools as the event has them).
func (d *decoder) alertGroup(attr *hcl.Attribute) map[string]string {
	v, ok := d.value(attr)
	if !ok || v.IsNull() {
		return nil
	}
	if t := v.Type(); !t.IsObjectType() && !t.IsMapType() {
		d.typeError(attr, "an object such as { src_ip = \"10.0.0.5\" }", v)
		return nil
	}
	group := map[string]string{}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		switch {
		case e.IsNull():
			d.errorf(attr.Expr.Range(), CodeType, "Incorrect attribute value type", "group value %q is null.", k.AsString())
		case e.Type() == cty.String:
			group[k.AsString()] = e.AsString()
		case e.Type() == cty.Bool:
			group[k.AsString()] = strconv.FormatBool(e.True())
		case e.Type() == cty.Number:
			text, _, ok := numberText(e)
			if !ok {
				d.errorf(attr.Expr.Range(), CodeValue, "Number out of range", "group value %q is too large.", k.AsString())
			}
			group[k.AsString()] = text
		default:
			d.errorf(attr.Expr.Range(), CodeType, "Incorrect attribute value type",
				"group value %q must be a string, number or bool, not %s.", k.AsString(), describeType(e))
		}
	}
	return group
}
