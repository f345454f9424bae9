// Package kqlcheck runs Microsoft's Kusto.Language parser and binder (the
// npm package @kusto/language-service-next, driven by check.js) over KQL
// queries, with the tables and functions they may use declared, so that
// syntax errors, unknown names and operators on the wrong types are
// reported as Microsoft's own tools report them.
//
// A whole batch runs in one node process: loading the library costs about
// half a second, each query a few milliseconds.
package kqlcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Column is a declared column.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"` // string, long, int, real, bool, datetime, dynamic ...
}

// Table is a declared table.
type Table struct {
	Name    string   `json:"name"`
	Columns []Column `json:"columns"`
}

// Function is a declared tabular function: its parameter list as KQL
// writes it, for example "(starttime:datetime=datetime(null))", and the
// columns it returns.
type Function struct {
	Name    string   `json:"name"`
	Params  string   `json:"params"`
	Columns []Column `json:"columns"`
}

// Database is what a query may refer to.
type Database struct {
	Tables    []Table    `json:"tables"`
	Functions []Function `json:"functions"`
}

// Query is one query to check against the named database.
type Query struct {
	ID   string `json:"id"`
	DB   string `json:"db"`
	Text string `json:"text"`
	// Literals asks for the decoded value of every string literal token.
	Literals bool `json:"literals,omitempty"`
}

// Diagnostic is one problem the parser or binder found.
type Diagnostic struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Start    int    `json:"start"`
	Length   int    `json:"length"`
	Message  string `json:"message"`
}

// Result is the outcome for one query.
type Result struct {
	ID          string       `json:"id"`
	Diagnostics []Diagnostic `json:"diagnostics"`
	Literals    []string     `json:"literals"`
}

// Dir is the folder holding check.js and, once installed, node_modules.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// ErrNotInstalled says the parser package is missing.
var ErrNotInstalled = errors.New("Microsoft's Kusto.Language parser is not installed: run `make deps` (or backends/kql/kqlcheck/install.sh)")

// Available reports whether node and the parser package are installed.
func Available() error {
	if _, err := os.Stat(filepath.Join(Dir(), "node_modules", "@kusto", "language-service-next", "Kusto.Language.Bridge.min.js")); err != nil {
		return ErrNotInstalled
	}
	if _, err := exec.LookPath("node"); err != nil {
		return fmt.Errorf("node is not on PATH; the KQL checker needs Node.js 20 or later: %w", err)
	}
	return nil
}

// Check runs the parser over every query in one node process and returns
// the results in the queries' order.
func Check(dbs map[string]*Database, queries []Query) ([]Result, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	req, err := json.Marshal(struct {
		Databases map[string]*Database `json:"databases"`
		Queries   []Query              `json:"queries"`
	}{dbs, queries})
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("node", filepath.Join(Dir(), "check.js"))
	cmd.Stdin = bytes.NewReader(req)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("kqlcheck: node check.js: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var out struct {
		Results []Result `json:"results"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("kqlcheck: reading check.js output: %w", err)
	}
	if len(out.Results) != len(queries) {
		return nil, fmt.Errorf("kqlcheck: %d results for %d queries", len(out.Results), len(queries))
	}
	return out.Results, nil
}

// Errors returns the diagnostics of severity Error, as "CODE at offset:
// message (near `text`)" lines, for test failure messages.
func (r Result) Errors(text string) []string {
	var out []string
	for _, d := range r.Diagnostics {
		if d.Severity != "Error" {
			continue
		}
		start, end := clamp(d.Start-10, len(text)), clamp(d.Start+d.Length+10, len(text))
		out = append(out, fmt.Sprintf("%s at %d: %s (near `%s`)", d.Code, d.Start, d.Message, text[start:end]))
	}
	return out
}

func clamp(i, n int) int {
	switch {
	case i < 0:
		return 0
	case i > n:
		return n
	}
	return i
}
