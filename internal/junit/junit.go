// Package junit writes JUnit XML, the test-report format CI systems display,
// for detc lint and detc test. No timings, so output is deterministic.
package junit

import (
	"encoding/xml"
	"io"
)

// Suites is the document: a named list of test suites.
type Suites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Skipped  int      `xml:"skipped,attr,omitempty"`
	Suites   []Suite  `xml:"testsuite"`
}

// Suite is one test suite.
type Suite struct {
	Name     string `xml:"name,attr"`
	Tests    int    `xml:"tests,attr"`
	Failures int    `xml:"failures,attr"`
	Skipped  int    `xml:"skipped,attr,omitempty"`
	Cases    []Case `xml:"testcase"`
}

// Case is one test case, failed when Failure is set.
type Case struct {
	Name      string   `xml:"name,attr"`
	ClassName string   `xml:"classname,attr"`
	File      string   `xml:"file,attr,omitempty"`
	Failure   *Failure `xml:"failure,omitempty"`
	Skipped   *Skipped `xml:"skipped,omitempty"`
	SystemOut *Text    `xml:"system-out,omitempty"`
}

// Skipped says why a case was not run.
type Skipped struct {
	Message string `xml:"message,attr"`
}

// Text is character data kept as CDATA.
type Text struct {
	Text string `xml:",cdata"`
}

// Failure says why a case failed.
type Failure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",cdata"`
}

// Write writes the document with an XML header, indented.
func Write(w io.Writer, doc Suites) error {
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
