package hclrule

import (
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/detc/detc/internal/rule"
)

var detectionSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "id"}, {Name: "title"}, {Name: "description"}, {Name: "status"},
		{Name: "level"}, {Name: "author"}, {Name: "date"}, {Name: "modified"},
		{Name: "references"}, {Name: "tags"}, {Name: "falsepositives"},
		{Name: "fields"}, {Name: "condition"}, {Name: "use_selections"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "logsource"},
		{Type: "mitre"},
		{Type: "selection", LabelNames: []string{"name"}},
		{Type: "keywords", LabelNames: []string{"name"}},
		{Type: "threshold"},
		{Type: "runbook"},
		{Type: "response"},
		{Type: "test", LabelNames: []string{"name"}},
	},
}

// detection decodes one detection block. It returns nil when the block has
// errors, so that later stages see only complete rules.
func (d *decoder) detection(b *hcl.Block) *rule.Rule {
	m := d.mark()
	content, hd := b.Body.Content(detectionSchema)
	d.addHCL(hd, CodeSchema)
	r := &rule.Rule{Name: b.Labels[0], File: b.DefRange.Filename, Pos: posOf(b.DefRange)}

	strs := map[string]*string{
		"id": &r.ID, "title": &r.Title, "description": &r.Description,
		"status": &r.Status, "level": &r.Level, "author": &r.Author,
		"date": &r.Date, "modified": &r.Modified,
	}
	lists := map[string]*[]string{
		"references": &r.References, "tags": &r.Tags,
		"falsepositives": &r.FalsePositives, "fields": &r.Fields,
	}
	r.MetaPos = map[string]rule.Pos{}
	for _, attr := range sortedAttributes(content.Attributes) {
		r.MetaPos[attr.Name] = posOf(attr.Expr.Range())
		switch {
		case strs[attr.Name] != nil:
			*strs[attr.Name], _ = d.str(attr)
		case lists[attr.Name] != nil:
			*lists[attr.Name], _ = d.strList(attr)
		}
	}
	if r.ID == "" {
		r.ID = r.Name // a slug id, until the author gives a stable one
	}
	if attr := content.Attributes["title"]; attr == nil {
		d.errorf(b.DefRange, CodeSchema, "Missing required argument", "detection %q needs a title.", r.Name)
	} else if r.Title == "" && !d.failedSince(m) {
		d.errorf(attr.Expr.Range(), CodeValue, "Empty title", "detection %q needs a title that says what it detects.", r.Name)
	}

	once := map[string]hcl.Range{}
	names := map[string]hcl.Range{}
	tests := map[string]hcl.Range{}
	for _, blk := range content.Blocks {
		switch blk.Type {
		case "selection", "keywords":
			if blk.Labels[0] == "" {
				d.errorf(blk.LabelRanges[0], CodeValue, "Empty search name", "The condition refers to a %s block by its label.", blk.Type)
				continue
			}
			if prev, dup := names[blk.Labels[0]]; dup {
				d.errorf(blk.LabelRanges[0], CodeDuplicate, "Duplicate search",
					"A selection or keywords block named %q is already defined at %s.", blk.Labels[0], posOf(prev))
				continue
			}
			names[blk.Labels[0]] = blk.DefRange
			var s *rule.Search
			if blk.Type == "selection" {
				s = d.selection(blk)
			} else {
				s = d.keywords(blk)
			}
			if s != nil {
				r.Searches = append(r.Searches, s)
			}
			continue
		case "test":
			if prev, dup := tests[blk.Labels[0]]; dup {
				d.errorf(blk.LabelRanges[0], CodeDuplicate, "Duplicate test",
					"A test named %q is already defined at %s.", blk.Labels[0], posOf(prev))
				continue
			}
			tests[blk.Labels[0]] = blk.DefRange
			if t := d.test(blk); t != nil {
				r.Tests = append(r.Tests, t)
			}
			continue
		}
		if prev, dup := once[blk.Type]; dup {
			d.errorf(blk.DefRange, CodeSchema, "Duplicate "+blk.Type+" block",
				"A detection has at most one %s block; the first is at %s.", blk.Type, posOf(prev))
			continue
		}
		once[blk.Type] = blk.DefRange
		switch blk.Type {
		case "logsource":
			r.LogSource = d.logsource(blk)
		case "mitre":
			r.Attack = d.mitre(blk)
		case "threshold":
			r.Aggregation = d.threshold(blk)
		case "runbook":
			r.Runbook = d.runbook(blk)
		case "response":
			r.Response = d.response(blk)
		}
	}

	if attr := content.Attributes["use_selections"]; attr != nil {
		d.useSelections(r, attr, names)
	}
	if once["logsource"] == (hcl.Range{}) {
		d.errorf(b.DefRange, CodeSchema, "Missing logsource block",
			"detection %q needs a logsource block saying which events it reads, such as logsource { category = \"proxy\" }.", r.Name)
	}
	if attr := content.Attributes["condition"]; attr != nil {
		r.Condition = d.condition(attr)
		d.add(rule.RemoveNeverSearches(r))
	} else {
		d.errorf(b.DefRange, CodeSchema, "Missing required argument",
			"detection %q needs a condition, such as condition = \"selection_name\".", r.Name)
	}
	if d.failedSince(m) {
		d.unload(r, m)
		return nil
	}
	return r
}

// unload records r as a detection that did not load, with the errors
// reported since m.
func (d *decoder) unload(r *rule.Rule, m mark) {
	u := rule.Unloaded{Rule: r, Diags: d.diags[m.diags:].Errors()}
	if len(u.Diags) == 0 {
		u.Reason = "a local value it uses has an error"
	}
	d.unloaded = append(d.unloaded, u)
}

// share records a selection declared outside any detection.
func (d *decoder) share(b *hcl.Block) {
	name := b.Labels[0]
	if d.shared == nil {
		d.shared = map[string]*hcl.Block{}
	}
	if prev, dup := d.shared[name]; dup {
		d.errorf(b.LabelRanges[0], CodeDuplicate, "Duplicate shared selection",
			"A shared selection named %q is already defined at %s.", name, posOf(prev.DefRange))
		return
	}
	d.shared[name] = b
}

// useSelections adds the shared selections a detection names to its
// searches, under their own names. Each is decoded for the detection, so
// its diagnostics point at the shared block.
func (d *decoder) useSelections(r *rule.Rule, attr *hcl.Attribute, names map[string]hcl.Range) {
	list, ok := d.strList(attr)
	if !ok {
		return
	}
	for _, name := range list {
		b, found := d.shared[name]
		switch {
		case !found:
			d.errorf(attr.Expr.Range(), CodeValue, "Unknown shared selection",
				"use_selections names %q, but no selection block of that name stands outside a detection (known: %s).", name, sortedNames(d.shared))
		case names[name] != (hcl.Range{}):
			d.errorf(attr.Expr.Range(), CodeDuplicate, "Duplicate search",
				"The detection has its own search named %q at %s; a shared selection cannot take the same name.", name, posOf(names[name]))
		default:
			names[name] = b.DefRange
			if s := d.selection(b); s != nil {
				r.Searches = append(r.Searches, s)
			}
		}
	}
}

func sortedNames(m map[string]*hcl.Block) string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	if len(names) == 0 {
		return "none"
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

var logsourceSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "category"}, {Name: "product"}, {Name: "service"}},
}

func (d *decoder) logsource(b *hcl.Block) rule.LogSource {
	content, hd := b.Body.Content(logsourceSchema)
	d.addHCL(hd, CodeSchema)
	ls := rule.LogSource{Pos: posOf(b.DefRange)}
	fields := map[string]*string{"category": &ls.Category, "product": &ls.Product, "service": &ls.Service}
	for _, attr := range sortedAttributes(content.Attributes) {
		*fields[attr.Name], _ = d.str(attr)
	}
	return ls
}

var mitreSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "tactics"}, {Name: "techniques"}},
}

func (d *decoder) mitre(b *hcl.Block) rule.Attack {
	content, hd := b.Body.Content(mitreSchema)
	d.addHCL(hd, CodeSchema)
	a := rule.Attack{Pos: posOf(b.DefRange)}
	if attr := content.Attributes["tactics"]; attr != nil {
		a.Tactics, _ = d.strList(attr)
	}
	if attr := content.Attributes["techniques"]; attr != nil {
		a.Techniques, _ = d.strList(attr)
	}
	return a
}
