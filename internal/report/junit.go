package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut *junitText    `xml:"system-out,omitempty"`
}

type junitText struct {
	Text string `xml:",cdata"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",cdata"`
}

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
	suite := junitSuite{Name: "detc lint"}
	for _, n := range names {
		c := junitCase{Name: n, ClassName: "detc.lint"}
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
			c.Failure = &junitFailure{Message: plural(errs, "error"), Type: "detc.lint", Body: text.String()}
		} else if text.Len() > 0 {
			c.SystemOut = &junitText{text.String()}
		}
		suite.Tests++
		suite.Cases = append(suite.Cases, c)
	}
	doc := junitSuites{Name: "detc lint", Tests: suite.Tests, Failures: suite.Failures, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// location writes a finding's place as file:line:col, or less of it.
func location(file string, f Finding) string {
	if f.Line > 0 {
		return fmt.Sprintf("%s:%d:%d", file, f.Line, f.Col)
	}
	return file
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
