package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/detc/detc/internal/textutil"
	"io"
	"sort"
	"strings"

	"github.com/detc/detc/internal/report"
	"github.com/detc/detc/internal/rule"
)

// Result is what a checking command (lint) reports.
type Result struct {
	Diags rule.Diagnostics
	// Sources holds file contents by path, for source snippets.
	Sources map[string][]byte
	Files   int
	Rules   int
	// FileNames are the files checked, for reports that list every file
	// (junit); Version is detc's, for reports that name the tool (sarif).
	FileNames []string
	Version   string
}

// Reporter writes a Result in one --format. A format that is a document
// (json, sarif, junit) or CI commands (github) goes to stdout; text goes to
// stderr, as diagnostics do, with a summary line on stdout.
type Reporter func(stdout, stderr io.Writer, res Result) error

// reporters maps each --format to its writer; a new format is one entry.
var reporters = map[string]Reporter{
	"text":   textReport,
	"json":   jsonReport,
	"sarif":  sarifReport,
	"junit":  junitReport,
	"github": githubReport,
}

// Formats lists the --format values, sorted.
func Formats() []string {
	names := make([]string, 0, len(reporters))
	for n := range reporters {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// LookupReporter returns the reporter for a --format value.
func LookupReporter(format string) (Reporter, bool) {
	r, ok := reporters[format]
	return r, ok
}

func textReport(stdout, stderr io.Writer, res Result) error {
	WriteDiagnostics(stderr, res.Diags, res.Sources)
	return summary(stdout, res)
}

func summary(w io.Writer, res Result) error {
	errs, warns := count(res.Diags)
	_, err := fmt.Fprintf(w, "%s in %s: %s, %s\n", textutil.Plural(res.Rules, "rule"), textutil.Plural(res.Files, "file"), textutil.Plural(errs, "error"), textutil.Plural(warns, "warning"))
	return err
}

// Tool is detc as SARIF names it.
func Tool(version string) report.Tool {
	return report.Tool{Name: "detc", Version: version, InformationURI: "https://github.com/detc/detc"}
}

func sarifReport(stdout, _ io.Writer, res Result) error {
	return report.SARIF(stdout, Tool(res.Version), report.Diagnostics(res.Diags), report.Here())
}

func junitReport(stdout, _ io.Writer, res Result) error {
	return report.LintJUnit(stdout, res.FileNames, report.Diagnostics(res.Diags), report.Here())
}

// githubReport writes annotations, then the summary line for the log.
func githubReport(stdout, _ io.Writer, res Result) error {
	if err := report.GitHub(stdout, report.Diagnostics(res.Diags), report.Here()); err != nil {
		return err
	}
	return summary(stdout, res)
}

func jsonReport(stdout, _ io.Writer, res Result) error {
	errs, warns := count(res.Diags)
	doc := struct {
		Files       int              `json:"files"`
		Rules       int              `json:"rules"`
		Errors      int              `json:"errors"`
		Warnings    int              `json:"warnings"`
		Diagnostics rule.Diagnostics `json:"diagnostics"`
	}{res.Files, res.Rules, errs, warns, append(rule.Diagnostics{}, res.Diags...)}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func count(diags rule.Diagnostics) (errs, warns int) {
	for _, d := range diags {
		if d.Severity == rule.Error {
			errs++
		} else {
			warns++
		}
	}
	return errs, warns
}

// WriteDiagnostics writes each diagnostic as file:line:col: severity:
// message, followed by the source line it points at, with a caret, when the
// file's text is known. The first line stays in the form editors and CI
// log parsers match; the snippet lines are indented so they never do.
func WriteDiagnostics(w io.Writer, diags rule.Diagnostics, sources map[string][]byte) {
	for _, d := range diags {
		fmt.Fprintln(w, d.String())
		if line, ok := sourceLine(sources[d.Pos.File], d.Pos.Line); ok && d.Pos.IsValid() {
			writeSnippet(w, d.Pos, d.End, line)
		}
	}
}

func sourceLine(src []byte, n int) (string, bool) {
	if src == nil || n < 1 {
		return "", false
	}
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(src, '\n')
		if j < 0 {
			return "", false
		}
		src = src[j+1:]
	}
	if j := bytes.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	return strings.TrimRight(string(src), "\r"), true
}

// snippetWidth caps the source shown, so a minified or generated line does
// not flood the terminal.
const snippetWidth = 160

func writeSnippet(w io.Writer, pos, stop rule.Pos, line string) {
	runes := []rune(line)
	for i, r := range runes {
		// Control characters in a file must not drive the terminal.
		if r != '\t' && (r < 0x20 || r == 0x7f) {
			runes[i] = '\uFFFD'
		}
	}
	col := pos.Col - 1
	if col < 0 || col > len(runes) {
		col = 0
	}
	start := 0
	if col > snippetWidth/2 && len(runes) > snippetWidth {
		start = col - snippetWidth/2
	}
	end := min(len(runes), start+snippetWidth)
	gutter := fmt.Sprintf("%5d | ", pos.Line)
	fmt.Fprintf(w, "%s%s\n", gutter, string(runes[start:end]))
	// Keep tabs under tabs so the caret lines up in a terminal.
	var pad strings.Builder
	for _, r := range runes[start:col] {
		if r == '\t' {
			pad.WriteByte('\t')
		} else {
			pad.WriteByte(' ')
		}
	}
	// Underline the range when it ends on this line: ^ at the start, ~
	// under the rest.
	mark := "^"
	if stop.Line == pos.Line {
		if last := min(stop.Col-1, end); last > col+1 {
			mark += strings.Repeat("~", last-col-1)
		}
	}
	fmt.Fprintf(w, "%s| %s%s\n", strings.Repeat(" ", len(gutter)-2), pad.String(), mark)
}
