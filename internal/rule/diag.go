package rule

import (
	"encoding/json"
	"fmt"
	"github.com/detc/detc/internal/suggest"
	"sort"
	"strings"
)

// Severity orders diagnostics: errors fail a run, warnings do not.
type Severity int

// Severities, from most to least severe.
const (
	Error Severity = iota
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Diagnostic is one problem found in the input, modelled on hcl.Diagnostic:
// a one-line summary, an optional detail and the position it is about.
type Diagnostic struct {
	Severity Severity
	Pos      Pos
	// End, when known, is where the text the diagnostic is about ends:
	// the position just after its last character, as in hcl.Range and
	// SARIF's endColumn. A zero End means only the start is known.
	End     Pos
	Summary string
	Detail  string
	// Code is a short stable identifier (for example "unknown-modifier")
	// that tools such as SARIF consumers can key on.
	Code string
}

// String renders the diagnostic as "file:line:col: severity: summary: detail".
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.Pos.String())
	b.WriteString(": ")
	b.WriteString(d.Severity.String())
	b.WriteString(": ")
	b.WriteString(d.Summary)
	if d.Detail != "" {
		b.WriteString(": ")
		b.WriteString(d.Detail)
	}
	return b.String()
}

// jsonDiagnostic is the one JSON form of a diagnostic, in every report
// that writes one.
type jsonDiagnostic struct {
	File      string `json:"file"`
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	EndLine   int    `json:"end_line,omitempty"`
	EndColumn int    `json:"end_column,omitempty"`
	Severity  string `json:"severity"`
	Code      string `json:"code"`
	Message   string `json:"message"`
	Detail    string `json:"detail,omitempty"`
}

// MarshalJSON writes the diagnostic as {"file","line","column",
// "end_line","end_column","severity","code","message","detail"}, the end
// and the detail only when known.
func (d Diagnostic) MarshalJSON() ([]byte, error) {
	return json.Marshal(jsonDiagnostic{
		File: d.Pos.File, Line: d.Pos.Line, Column: d.Pos.Col, EndLine: d.End.Line, EndColumn: d.End.Col,
		Severity: d.Severity.String(), Code: d.Code, Message: d.Summary, Detail: d.Detail,
	})
}

// Diagnostics is a list of problems. Loaders return it beside partial
// results, the way hcl does, so that one run reports every problem.
type Diagnostics []Diagnostic

// Errorf appends an error at pos.
func (ds *Diagnostics) Errorf(pos Pos, code, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Severity: Error, Pos: pos, Code: code, Summary: fmt.Sprintf(format, args...)})
}

// Warnf appends a warning at pos.
func (ds *Diagnostics) Warnf(pos Pos, code, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Severity: Warning, Pos: pos, Code: code, Summary: fmt.Sprintf(format, args...)})
}

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Errors are the diagnostics that are errors.
func (ds Diagnostics) Errors() Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == Error {
			out = append(out, d)
		}
	}
	return out
}

// Sort orders diagnostics by file, line, column and summary so that output
// is deterministic whatever order the checks ran in.
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Pos, ds[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return ds[i].Summary < ds[j].Summary
	})
}

// Error makes Diagnostics usable as an error; it lists every diagnostic.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// DidYouMean is the detail of a diagnostic about an unknown name: the
// known name nearest it (internal/suggest), or "" when none is close.
func DidYouMean(name string, known []string) string {
	if c, ok := suggest.Closest(name, known); ok {
		return fmt.Sprintf("did you mean %q?", c)
	}
	return ""
}
