// Package report writes the results of detc lint and detc test in the
// forms CI systems read: SARIF 2.1.0 (shown inline in code review),
// GitHub Actions workflow annotations, and JUnit XML for lint. Every
// writer takes Findings: a problem at a place in a file.
package report

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/detc/detc/internal/fixture"
	"github.com/detc/detc/internal/rule"
)

// Levels of a finding, as SARIF names them.
const (
	LevelError   = "error"
	LevelWarning = "warning"
)

// Codes of the findings detc test reports.
const (
	CodeTestFailed = "fixture-test"  // a fixture test's expectation does not hold
	CodeNotTested  = "fixture-error" // the detection could not be tested
)

// Finding is one problem at a place in a file.
type Finding struct {
	// Code is a stable identifier of the kind of problem (a lint
	// diagnostic code, or CodeTestFailed / CodeNotTested).
	Code  string
	Level string
	// File is the path as the command named it ("" when there is none);
	// Line and Col are 1-based, 0 when unknown.
	File      string
	Line, Col int
	// EndLine and EndCol end the range the finding is about (the column
	// just after it), 0 when only the start is known.
	EndLine, EndCol int
	Message         string
}

// Diagnostics are lint's findings.
func Diagnostics(diags rule.Diagnostics) []Finding {
	out := make([]Finding, 0, len(diags))
	for _, d := range diags {
		f := Finding{Code: d.Code, Level: LevelError, Line: d.Pos.Line, Col: d.Pos.Col, EndLine: d.End.Line, EndCol: d.End.Col, Message: d.Summary}
		if d.Pos.File != "-" {
			f.File = d.Pos.File
		}
		if d.Severity == rule.Warning {
			f.Level = LevelWarning
		}
		if d.Detail != "" {
			f.Message += ": " + d.Detail
		}
		if f.Code == "" {
			f.Code = "detc"
		}
		out = append(out, f)
	}
	return out
}

// Tests are the findings of a detc test run: one per fixture test that
// failed, at the test's declaration, and one per problem that stopped a
// detection from being tested (it does not compile, it has no tests).
func Tests(rep *fixture.Report) []Finding {
	var out []Finding
	for _, d := range rep.Detections {
		name := strings.TrimSpace(d.ID + " " + d.Title)
		for _, e := range d.Errors {
			f := Finding{Code: CodeNotTested, Level: LevelError, File: d.File}
			if e.Pos.IsValid() {
				f.File, f.Line, f.Col, f.EndLine, f.EndCol = e.Pos.File, e.Pos.Line, e.Pos.Col, e.End.Line, e.End.Col
			}
			msg := e.Summary
			if e.Detail != "" {
				msg += ": " + e.Detail
			}
			f.Message = fmt.Sprintf("detection %s cannot be tested: %s", name, msg)
			out = append(out, f)
		}
		for _, t := range d.Tests {
			if t.Pass {
				continue
			}
			f := Finding{Code: CodeTestFailed, Level: LevelError, File: d.File}
			if t.Pos.IsValid() {
				f.File, f.Line, f.Col = t.Pos.File, t.Pos.Line, t.Pos.Col
			}
			var b strings.Builder
			fmt.Fprintf(&b, "detection %s: fixture test %q on %s failed", name, t.Name, t.Fixture)
			for _, fl := range t.Failures {
				b.WriteString("\n- ")
				if fl.Event != "" {
					fmt.Fprintf(&b, "event %s", fl.Event)
					if fl.Where != "" {
						fmt.Fprintf(&b, " (%s)", fl.Where)
					}
					b.WriteString(": ")
				} else if fl.Where != "" {
					fmt.Fprintf(&b, "%s: ", fl.Where)
				}
				fmt.Fprintf(&b, "expected %s, got %s", fl.Expected, fl.Actual)
			}
			f.Message = b.String()
			out = append(out, f)
		}
	}
	return out
}

// Paths names files relative to the top of the repository they are in, so
// that CI systems can place a finding on the file they show.
type Paths struct {
	// Root is the repository's top folder (the nearest folder above Dir
	// with a .git entry), or Dir when there is none.
	Root string
	// Dir is the folder relative file names are relative to.
	Dir string
}

// Here is Paths for the current folder.
func Here() Paths {
	dir, err := os.Getwd()
	if err != nil {
		return Paths{}
	}
	return PathsFrom(dir)
}

// PathsFrom is Paths for file names relative to dir.
func PathsFrom(dir string) Paths {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return Paths{Root: d, Dir: dir}
		}
		if filepath.Dir(d) == d {
			return Paths{Root: dir, Dir: dir}
		}
	}
}

// Rel is file relative to the repository's top, with forward slashes; a
// file outside it is kept as named.
func (p Paths) Rel(file string) string {
	if file == "" || p.Root == "" {
		return filepath.ToSlash(file)
	}
	abs := file
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(p.Dir, file)
	}
	rel, err := filepath.Rel(p.Root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(file)
	}
	return filepath.ToSlash(rel)
}
