package report

import (
	"fmt"
	"github.com/detc/detc/internal/textutil"
	"io"
	"sort"
	"strings"

	"github.com/detc/detc/internal/junit"
)

// noFile names the test case of findings that are about no file.
const noFile = "(no file)"

// LintJUnit writes lint's findings as JUnit XML: one test case per file
// checked (files, and any other file a finding names), failed when the
// file has an error. The failure lists the file's findings, one per
// line as file:line:col: severity: message; a file with only warnings
// passes and lists them as its output. Files are named relative to the
// repository's top.
func LintJUnit(w io.Writer, files []string, findings []Finding, paths Paths) error {
	byFile := map[string][]Finding{}
	for _, f := range files {
		byFile[paths.Rel(f)] = nil
	}
	for _, f := range findings {
		name := noFile
		if f.File != "" {
			name = paths.Rel(f.File)
		}
		byFile[name] = append(byFile[name], f)
	}
	names := make([]string, 0, len(byFile))
	for n := range byFile {
		names = append(names, n)
	}
	sort.Strings(names)
	suite := junit.Suite{Name: "detc lint"}
	for _, n := range names {
		c := junit.Case{Name: n, ClassName: "detc.lint"}
		if n != noFile {
			c.File = n
		}
		var text strings.Builder
		errs := 0
		for _, f := range byFile[n] {
			if f.Level == LevelError {
				errs++
			}
			fmt.Fprintf(&text, "%s: %s: %s [%s]\n", location(n, f), f.Level, f.Message, f.Code)
		}
		if errs > 0 {
			suite.Failures++
			c.Failure = &junit.Failure{Message: textutil.Plural(errs, "error"), Type: "detc.lint", Body: text.String()}
		} else if text.Len() > 0 {
			c.SystemOut = &junit.Text{Text: text.String()}
		}
		suite.Tests++
		suite.Cases = append(suite.Cases, c)
	}
	doc := junit.Suites{Name: "detc lint", Tests: suite.Tests, Failures: suite.Failures, Suites: []junit.Suite{suite}}
	return junit.Write(w, doc)
}

// location writes a finding's place as file:line:col, or less of it.
func location(file string, f Finding) string {
	if f.Line > 0 {
		return fmt.Sprintf("%s:%d:%d", file, f.Line, f.Col)
	}
	return file
}
