package rule

import (
	"fmt"
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
	Summary  string
	Detail   string
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
