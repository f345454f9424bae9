package hclrule

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/detc/detc/internal/rule"
)

var selectionSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "match", LabelNames: []string{"field"}},
		{Type: "group"},
	},
}

var groupSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{{Type: "match", LabelNames: []string{"field"}}},
}

// comparisons are the match attributes that choose the comparison, in the
// order the documentation lists them. "equals" is Sigma's default and has
// no modifier.
var comparisons = []string{"equals", "contains", "startswith", "endswith", "re", "cidr", "gt", "gte", "lt", "lte", "exists"}

// flags are match attributes that add a Sigma modifier of the same name
// when true.
var flags = []string{"all", "cased", "neq", "fieldref", "expand"}

// transforms are the value modifiers, in the only order in which they
// compose: the text is rewritten (windash), then encoded as UTF-16, then as
// base64. Within each set at most one may be used.
var transforms = [][]string{
	{"windash"},
	{"wide", "utf16le", "utf16be", "utf16"},
	{"base64", "base64offset"},
}

var matchSchema = func() *hcl.BodySchema {
	s := &hcl.BodySchema{}
	add := func(names ...string) {
		for _, n := range names {
			s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: n})
		}
	}
	add(comparisons...)
	add(flags...)
	for _, set := range transforms {
		add(set...)
	}
	add("re_flags")
	return s
}()

// selection decodes a selection block: its match blocks are one group (an
// AND), or its group blocks are alternatives (an OR of ANDs).
func (d *decoder) selection(b *hcl.Block) *rule.Search {
	content, hd := b.Body.Content(selectionSchema)
	if d.addHCL(hd, CodeSchema) {
		return nil
	}
	s := &rule.Search{Name: b.Labels[0], Pos: posOf(b.DefRange)}
	var matches, groups []*hcl.Block
	for _, blk := range content.Blocks {
		if blk.Type == "match" {
			matches = append(matches, blk)
		} else {
			groups = append(groups, blk)
		}
	}
	switch {
	case len(matches) > 0 && len(groups) > 0:
		d.errorf(groups[0].DefRange, CodeSchema, "Mixed match and group blocks",
			"selection %q has both match blocks and group blocks: put every match inside a group (the groups are alternatives), or use match blocks only (they must all hold).", s.Name)
		return nil
	case len(matches) == 0 && len(groups) == 0:
		d.errorf(b.DefRange, CodeSchema, "Empty selection", "selection %q has no match block.", s.Name)
		return nil
	case len(matches) > 0:
		g, ok := d.group(matches, b.DefRange)
		if !ok {
			return nil
		}
		if g != nil {
			s.Groups = []*rule.Group{g}
		}
		return s
	}
	ok := true
	for _, gb := range groups {
		gc, hd := gb.Body.Content(groupSchema)
		if d.addHCL(hd, CodeSchema) {
			ok = false
			continue
		}
		if len(gc.Blocks) == 0 {
			d.errorf(gb.DefRange, CodeSchema, "Empty group", "A group in selection %q has no match block.", s.Name)
			ok = false
			continue
		}
		g, gok := d.group(gc.Blocks, gb.DefRange)
		ok = ok && gok
		if g != nil {
			s.Groups = append(s.Groups, g)
		}
	}
	if !ok {
		return nil
	}
	return s
}

// group decodes match blocks into one AND group; a nil group with ok set
// can never match (one of its comparisons names an empty list).
func (d *decoder) group(matches []*hcl.Block, rng hcl.Range) (*rule.Group, bool) {
	g := &rule.Group{Pos: posOf(rng)}
	ok, never := true, false
	for _, m := range matches {
		ms, mok := d.match(m)
		ok = ok && mok
		never = never || (mok && ms == nil)
		g.Matchers = append(g.Matchers, ms...)
	}
	if never {
		return nil, ok
	}
	return g, ok
}

func isLiteralEmptyList(expr hcl.Expression) bool {
	t, ok := expr.(*hclsyntax.TupleConsExpr)
	return ok && len(t.Exprs) == 0
}

// match turns a match block into Sigma's field, modifiers and values and
// hands them to the shared modifier pipeline. No matchers with ok set
// means the comparison can never hold: it names an empty list.
func (d *decoder) match(b *hcl.Block) ([]*rule.Matcher, bool) {
	field := b.Labels[0]
	if field == "" {
		d.errorf(b.LabelRanges[0], CodeValue, "Empty field name",
			"A match block names the event field it compares; use a keywords block to search whole events.")
		return nil, false
	}
	content, hd := b.Body.Content(matchSchema)
	if d.addHCL(hd, CodeSchema) {
		return nil, false
	}
	attrs := content.Attributes
	var comparison *hcl.Attribute
	for _, name := range comparisons {
		attr := attrs[name]
		if attr == nil {
			continue
		}
		if comparison != nil {
			first, second := comparison, attr
			if attr.Range.Start.Byte < comparison.Range.Start.Byte {
				first, second = attr, comparison
			}
			d.errorf(second.NameRange, CodeComparison, "More than one comparison",
				"match %q already compares with %s at %s; one match block makes one comparison, so write a second match block for %s.",
				field, first.Name, posOf(first.NameRange), second.Name)
			return nil, false
		}
		comparison = attr
	}
	if comparison == nil {
		d.errorf(b.DefRange, CodeComparison, "Missing comparison",
			"match %q needs one comparison: %s.", field, strings.Join(comparisons, ", "))
		return nil, false
	}

	m := d.mark()
	var mods []string
	for _, set := range transforms {
		var chosen *hcl.Attribute
		for _, name := range set {
			attr := attrs[name]
			if attr == nil {
				continue
			}
			if on, _ := d.boolean(attr); !on {
				continue
			}
			if chosen != nil {
				d.errorf(attr.NameRange, CodeValue, "Conflicting value modifiers",
					"%s and %s cannot both be set: they are alternative encodings.", chosen.Name, attr.Name)
				continue
			}
			chosen = attr
			mods = append(mods, name)
		}
	}
	if comparison.Name != "equals" {
		mods = append(mods, comparison.Name)
	}
	if attr := attrs["re_flags"]; attr != nil {
		mods = d.reFlags(attr, comparison, mods)
	}
	for _, name := range flags {
		if attr := attrs[name]; attr != nil {
			if on, _ := d.boolean(attr); on {
				mods = append(mods, name)
			}
		}
	}
	values, _ := d.rawValues(comparison)
	if d.failedSince(m) {
		return nil, false
	}
	if len(values) == 0 && !isLiteralEmptyList(comparison.Expr) {
		// A configuration list left empty (an approved list with no
		// entries): the comparison can never hold, so neither can its
		// group. A literal [] is a mistake, which BuildMatchers reports.
		return nil, true
	}
	ms, diags := rule.BuildMatchers(field, mods, values, posOf(b.DefRange))
	if d.add(diags) {
		return nil, false
	}
	return ms, true
}

// reFlags adds re's sub-flags, which follow it in Sigma.
func (d *decoder) reFlags(attr, comparison *hcl.Attribute, mods []string) []string {
	flags, ok := d.strList(attr)
	if !ok {
		return mods
	}
	if comparison.Name != "re" {
		d.errorf(attr.NameRange, CodeValue, "re_flags without re", "re_flags apply to a regular expression (re = ...), not to %s.", comparison.Name)
		return mods
	}
	for _, f := range flags {
		switch f {
		case "i", "m", "s":
			mods = append(mods, f)
		default:
			d.errorf(attr.Expr.Range(), CodeValue, "Unknown regular expression flag",
				"%q is not a flag: use \"i\" (ignore case), \"m\" (multi-line) or \"s\" (dot matches newline).", f)
		}
	}
	return mods
}

var keywordsSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "values", Required: true}, {Name: "all"}, {Name: "cased"}},
}

// keywords decodes a keywords block: strings searched for anywhere in the
// event.
func (d *decoder) keywords(b *hcl.Block) *rule.Search {
	content, hd := b.Body.Content(keywordsSchema)
	if d.addHCL(hd, CodeSchema) {
		return nil
	}
	m := d.mark()
	var mods []string
	for _, name := range []string{"all", "cased"} {
		if attr := content.Attributes[name]; attr != nil {
			if on, _ := d.boolean(attr); on {
				mods = append(mods, name)
			}
		}
	}
	values, _ := d.rawValues(content.Attributes["values"])
	if d.failedSince(m) {
		return nil
	}
	pos := posOf(b.DefRange)
	ms, diags := rule.BuildMatchers("", mods, values, pos)
	if d.add(diags) {
		return nil
	}
	return &rule.Search{Name: b.Labels[0], Pos: pos, Groups: []*rule.Group{{Matchers: ms, Pos: pos}}}
}
