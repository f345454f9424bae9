package sigma

import (
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/detc/detc/internal/condition"
	"github.com/detc/detc/internal/rule"
)

// detection reads the searches, the condition and the timeframe.
func (d *decoder) detection(r *rule.Rule, p pair) {
	if p.val.Kind != yaml.MappingNode {
		d.diags.Errorf(d.pos(p.val), CodeWrongType, "detection must be a map of searches and a condition, not %s", kind(p.val))
		return
	}
	var cond, timeframe *pair
	pairs := d.mapping(p.val)
	for i, q := range pairs {
		switch q.key.Value {
		case "condition":
			cond = &pairs[i]
		case "timeframe":
			timeframe = &pairs[i]
		default:
			if s := d.search(q); s != nil {
				r.Searches = append(r.Searches, s)
			}
		}
	}
	if cond == nil {
		d.diags.Errorf(d.pos(p.key), CodeMissingKey, "missing condition: the detection must say how its searches combine")
		return
	}
	r.Condition, r.Aggregation = d.condition(*cond)
	if timeframe == nil {
		if r.Aggregation != nil {
			d.diags.Errorf(r.Aggregation.Pos, CodeMissingKey, "an aggregation needs a time window: add detection.timeframe (for example 5m)")
		}
		return
	}
	window, ok := d.duration(*timeframe)
	switch {
	case !ok:
	case r.Aggregation == nil:
		d.diags.Warnf(d.pos(timeframe.key), CodeUnsupported, "timeframe has no effect: the condition has no aggregation")
	default:
		r.Aggregation.Window = window
	}
}

// condition parses detection.condition: a string, or a list of strings
// that are ORed.
func (d *decoder) condition(p pair) (rule.Expr, *rule.Aggregation) {
	switch p.val.Kind {
	case yaml.ScalarNode:
		return d.parseCondition(p.val)
	case yaml.SequenceNode:
		if len(p.val.Content) == 0 {
			d.diags.Errorf(d.pos(p.val), condition.CodeEmpty, "empty condition")
			return nil, nil
		}
		or := &rule.Or{Pos: d.pos(p.val)}
		var agg *rule.Aggregation
		for _, item := range p.val.Content {
			item = deref(item)
			if item.Kind != yaml.ScalarNode {
				d.diags.Errorf(d.pos(item), CodeWrongType, "condition must be a string or a list of strings; this item is %s", kind(item))
				continue
			}
			e, a := d.parseCondition(item)
			if a != nil {
				if len(p.val.Content) > 1 {
					d.diags.Errorf(a.Pos, CodeUnsupported, "an aggregation (| ...) is supported only in a single condition, not in a list of conditions")
				}
				agg = a
			}
			if e != nil {
				or.Terms = append(or.Terms, e)
			}
		}
		if len(or.Terms) == 1 {
			return or.Terms[0], agg
		}
		return or, agg
	}
	d.diags.Errorf(d.pos(p.val), CodeWrongType, "condition must be a string or a list of strings, not %s", kind(p.val))
	return nil, nil
}

func (d *decoder) parseCondition(n *yaml.Node) (rule.Expr, *rule.Aggregation) {
	text, base := d.scalarSource(n)
	e, agg, diags := condition.Parse(text, base)
	d.diags = append(d.diags, diags...)
	return e, agg
}

// scalarSource returns a scalar's text and the file position of its first
// character, so that condition positions point into the file. A quoted
// scalar starts after its quote; a block scalar (| or >) on the next line,
// and it is read from the file so that its lines keep their own line
// numbers (> folds them into one). A plain scalar over several lines is
// folded by YAML, so positions after its first line are approximate.
func (d *decoder) scalarSource(n *yaml.Node) (string, rule.Pos) {
	pos := d.pos(n)
	switch n.Style {
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		pos.Col++
	case yaml.LiteralStyle, yaml.FoldedStyle:
		if text, start, ok := d.blockText(n); ok {
			return text, start
		}
		pos = rule.Pos{File: d.file, Line: n.Line + 1, Col: 1}
	}
	if isNull(n) {
		return "", pos
	}
	return n.Value, pos
}

// blockText reads a block scalar's lines from the file, without their
// indentation. It gives up (ok false) when the text read does not have the
// same words as the parsed value, e.g. with an explicit indentation
// indicator; the caller then uses the parsed value.
func (d *decoder) blockText(n *yaml.Node) (string, rule.Pos, bool) {
	first, indent := 0, -1
	var lines []string
	for l := n.Line + 1; ; l++ {
		text, ok := d.line(l)
		if !ok {
			break
		}
		trimmed := strings.TrimLeft(text, " ")
		if trimmed == "" {
			if indent >= 0 {
				lines = append(lines, "")
			}
			continue
		}
		ind := len(text) - len(trimmed)
		if indent < 0 {
			first, indent = l, ind
		} else if ind < indent {
			break
		}
		lines = append(lines, text[indent:])
	}
	text := strings.Join(lines, "\n")
	if indent < 0 || strings.Join(strings.Fields(text), " ") != strings.Join(strings.Fields(n.Value), " ") {
		return "", rule.Pos{}, false
	}
	return text, rule.Pos{File: d.file, Line: first, Col: indent + 1}, true
}

// search reads one named search: a map (one group: its fields ANDed), a
// list of maps (groups ORed), or a list of keywords (one group).
func (d *decoder) search(p pair) *rule.Search {
	s := &rule.Search{Name: p.key.Value, Pos: d.pos(p.key)}
	switch p.val.Kind {
	case yaml.MappingNode:
		if g := d.group(p.key.Value, p.val); g != nil {
			s.Groups = append(s.Groups, g)
		}
	case yaml.SequenceNode:
		if len(p.val.Content) == 0 {
			d.diags.Errorf(d.pos(p.val), CodeBadValue, "search %q is an empty list", s.Name)
			return nil
		}
		// Keywords in the list form one group, placed where the first
		// keyword is; maps are groups of their own.
		var keywords []rule.RawValue
		kwAt := -1
		var kwPos rule.Pos
		for _, item := range p.val.Content {
			item = deref(item)
			switch item.Kind {
			case yaml.MappingNode:
				if g := d.group(p.key.Value, item); g != nil {
					s.Groups = append(s.Groups, g)
				}
			case yaml.ScalarNode:
				if kwAt < 0 {
					kwAt, kwPos = len(s.Groups), d.pos(item)
				}
				if v, ok := d.rawValue(item); ok {
					keywords = append(keywords, v)
				}
			default:
				d.diags.Errorf(d.pos(item), CodeWrongType, "search %q: a list item must be a map of fields or a keyword, not %s", s.Name, kind(item))
			}
		}
		if len(keywords) > 0 {
			if g := d.keywordGroup(nil, keywords, kwPos); g != nil {
				s.Groups = append(s.Groups[:kwAt], append([]*rule.Group{g}, s.Groups[kwAt:]...)...)
			}
		}
	case yaml.ScalarNode:
		if isNull(p.val) {
			d.diags.Errorf(d.pos(p.key), CodeBadValue, "search %q is empty", s.Name)
			return nil
		}
		if v, ok := d.rawValue(p.val); ok {
			if g := d.keywordGroup(nil, []rule.RawValue{v}, d.pos(p.val)); g != nil {
				s.Groups = append(s.Groups, g)
			}
		}
	default:
		d.diags.Errorf(d.pos(p.val), CodeWrongType, "search %q must be a map, a list of maps or a list of keywords, not %s", s.Name, kind(p.val))
		return nil
	}
	if len(s.Groups) == 0 {
		return nil
	}
	return s
}

func (d *decoder) keywordGroup(modifiers []string, values []rule.RawValue, pos rule.Pos) *rule.Group {
	ms, diags := rule.BuildMatchers("", modifiers, values, pos)
	d.diags = append(d.diags, diags...)
	if ms == nil {
		return nil
	}
	return &rule.Group{Matchers: ms, Pos: pos}
}

// group reads a map of field|modifiers keys: one AND group.
func (d *decoder) group(search string, n *yaml.Node) *rule.Group {
	pairs := d.mapping(n)
	if len(pairs) == 0 {
		d.diags.Errorf(d.pos(n), CodeBadValue, "search %q has an empty map: name at least one field", search)
		return nil
	}
	g := &rule.Group{Pos: d.pos(n)}
	for _, p := range pairs {
		field, rest, hasMods := strings.Cut(p.key.Value, "|")
		var mods []string
		if hasMods {
			mods = strings.Split(rest, "|")
		}
		values, ok := d.values(p)
		if !ok {
			continue
		}
		ms, diags := rule.BuildMatchers(field, mods, values, d.pos(p.key))
		d.diags = append(d.diags, diags...)
		g.Matchers = append(g.Matchers, ms...)
	}
	if len(g.Matchers) == 0 {
		return nil
	}
	return g
}

// values reads a field's value or list of values.
func (d *decoder) values(p pair) ([]rule.RawValue, bool) {
	switch p.val.Kind {
	case yaml.ScalarNode:
		v, ok := d.rawValue(p.val)
		return []rule.RawValue{v}, ok
	case yaml.SequenceNode:
		out := make([]rule.RawValue, 0, len(p.val.Content))
		ok := true
		for _, item := range p.val.Content {
			item = deref(item)
			if item.Kind != yaml.ScalarNode {
				d.diags.Errorf(d.pos(item), CodeWrongType, "field %q: a value must be a string, number, boolean or null, not %s", p.key.Value, kind(item))
				ok = false
				continue
			}
			v, vok := d.rawValue(item)
			ok = ok && vok
			out = append(out, v)
		}
		return out, ok
	}
	d.diags.Errorf(d.pos(p.val), CodeWrongType, "field %q: the value must be a string, number, boolean, null or a list of them, not %s", p.key.Value, kind(p.val))
	return nil, false
}

// rawValue gives a scalar with the type YAML resolved: a quoted 'null' or
// '5' stays a string. A number keeps its text when it is decimal; other
// forms YAML reads as numbers (0x10, 0o17) are written in decimal.
func (d *decoder) rawValue(n *yaml.Node) (rule.RawValue, bool) {
	d.nvalues++
	if d.nvalues == MaxValues+1 {
		d.diags.Errorf(d.pos(n), CodeTooMany, "the file expands to more than %d values (YAML aliases repeat lists); split it", MaxValues)
	}
	if d.nvalues > MaxValues {
		return rule.RawValue{}, false
	}
	v := rule.RawValue{Kind: rule.RawString, Text: n.Value, Pos: d.pos(n)}
	tag := n.ShortTag()
	if tag == "!!int" || tag == "!!float" {
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			v.Kind = rule.RawNumber
			return v, true
		}
	}
	switch tag {
	case "!!null":
		v.Kind, v.Text = rule.RawNull, ""
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			v.Kind, v.Text = rule.RawBool, strconv.FormatBool(b)
		}
	case "!!int":
		var i int64
		var u uint64
		switch {
		case n.Decode(&i) == nil:
			v.Kind, v.Text = rule.RawNumber, strconv.FormatInt(i, 10)
		case n.Decode(&u) == nil:
			v.Kind, v.Text = rule.RawNumber, strconv.FormatUint(u, 10)
		}
	case "!!float":
		var f float64
		if n.Decode(&f) == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			v.Kind, v.Text = rule.RawNumber, strconv.FormatFloat(f, 'g', -1, 64)
		}
	}
	return v, true
}
