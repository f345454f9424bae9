package hclrule

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/detc/detc/internal/rule"
)

// posOf is the start of an hcl range as a rule position.
func posOf(r hcl.Range) rule.Pos {
	return rule.Pos{File: r.Filename, Line: r.Start.Line, Col: r.Start.Column}
}

// endOf is the end of an hcl range (just after its last character).
func endOf(r hcl.Range) rule.Pos {
	return rule.Pos{File: r.Filename, Line: r.End.Line, Col: r.End.Column}
}

// convert turns hcl diagnostics into rule diagnostics, keeping hcl's
// summary and detail and giving them code.
func convert(hd hcl.Diagnostics, code string) rule.Diagnostics {
	if len(hd) == 0 {
		return nil
	}
	out := make(rule.Diagnostics, 0, len(hd))
	for _, h := range hd {
		d := rule.Diagnostic{Severity: rule.Error, Summary: h.Summary, Detail: h.Detail, Code: code}
		if h.Severity == hcl.DiagWarning {
			d.Severity = rule.Warning
		}
		switch {
		case h.Subject != nil:
			d.Pos, d.End = posOf(*h.Subject), endOf(*h.Subject)
		case h.Context != nil:
			d.Pos, d.End = posOf(*h.Context), endOf(*h.Context)
		}
		out = append(out, d)
	}
	return out
}

// decoder holds the state of one Load: the evaluation context built from
// the locals and the diagnostics found so far.
type decoder struct {
	ctx *hcl.EvalContext
	// declared reports whether a local value of that name exists.
	declared func(name string) bool
	diags    rule.Diagnostics
	// unknowns counts values left unknown because a local they use failed.
	unknowns int
	// shared are the selections declared outside detections, by name.
	shared map[string]*hcl.Block
	// unloaded are the detections that failed to decode.
	unloaded []rule.Unloaded
}

// addHCL records hcl diagnostics and reports whether any is an error.
func (d *decoder) addHCL(hd hcl.Diagnostics, code string) bool {
	d.diags = append(d.diags, convert(hd, code)...)
	return hd.HasErrors()
}

// errorf records an error at the start of rng; the summary is fixed text,
// the detail says what is wrong here.
func (d *decoder) errorf(rng hcl.Range, code, summary, detail string, args ...any) {
	d.diags = append(d.diags, rule.Diagnostic{
		Severity: rule.Error, Pos: posOf(rng), End: endOf(rng), Code: code,
		Summary: summary, Detail: fmt.Sprintf(detail, args...),
	})
}

// add records diagnostics from the rule package (the modifier pipeline and
// the condition parser) and reports whether any is an error.
func (d *decoder) add(ds rule.Diagnostics) bool {
	d.diags = append(d.diags, ds...)
	return ds.HasErrors()
}

// mark records how far decoding has got, so that a caller can tell
// whether what it decoded since is complete.
type mark struct{ diags, unknowns int }

func (d *decoder) mark() mark { return mark{len(d.diags), d.unknowns} }

// failedSince reports whether an error was recorded after m, or a value
// could not be known because a local it uses failed (reported at the local).
func (d *decoder) failedSince(m mark) bool {
	return d.unknowns > m.unknowns || d.diags[m.diags:].HasErrors()
}
