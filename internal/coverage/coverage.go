// Package coverage builds the coverage table of a detection pack: for each
// detection, its format and log source, and for every target and profile
// whether the detection compiles there or why the target refuses it. The
// table is rendered as the Markdown of docs/coverage.md.
package coverage

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/rule"
)

// Column is one target in one of its profiles.
type Column struct {
	Target  string
	Profile string
	// Default is the target's default profile (what detc build deploys).
	Default bool
}

func (c Column) String() string { return c.Target + "/" + c.Profile }

// Cell is one detection compiled for one column.
type Cell struct {
	// Refusal is empty when the detection compiles; otherwise it says
	// what the target cannot express and why.
	Refusal string
}

// OK reports whether the detection compiles for the column.
func (c Cell) OK() bool { return c.Refusal == "" }

// Row is one detection.
type Row struct {
	Rule *rule.Rule
	// Format is HCL, Sigma or Sigma correlation.
	Format    string
	LogSource string
	Cells     []Cell // one per column, in column order
}

// Table is the coverage of a set of detections.
type Table struct {
	Columns []Column
	// Rows are the deployable detections, then the investigation pivots,
	// each in the order given.
	Rows []Row
}

// Columns lists every profile of every backend, targets sorted by name and
// each target's profiles in its own order (the default first).
func Columns(backends []target.Backend) []Column {
	var cols []Column
	for _, b := range backends {
		for i, p := range b.Profiles() {
			cols = append(cols, Column{Target: b.Name(), Profile: p, Default: i == 0})
		}
	}
	return cols
}

// Build compiles every checked rule for every profile of every backend
// with the target's default language.
func Build(rules []*check.Rule, backends []target.Backend) *Table {
	t := &Table{Columns: Columns(backends)}
	byName := map[string]target.Backend{}
	for _, b := range backends {
		byName[b.Name()] = b
	}
	var pivots []Row
	for _, r := range rules {
		row := Row{Rule: r.Rule, Format: format(r.Rule), LogSource: logSource(r.LogSource)}
		for _, c := range t.Columns {
			_, err := byName[c.Target].Compile(r, target.Options{Profile: c.Profile})
			row.Cells = append(row.Cells, Cell{Refusal: refusal(err)})
		}
		if r.IsPivot() {
			pivots = append(pivots, row)
		} else {
			t.Rows = append(t.Rows, row)
		}
	}
	t.Rows = append(t.Rows, pivots...)
	return t
}

// BuildAll is Build over every registered backend.
func BuildAll(rules []*check.Rule) *Table { return Build(rules, registry.All()) }

// refusal is the text of a compile error: a target refusal names the
// construct and the reason; any other error is given as it is.
func refusal(err error) string {
	if err == nil {
		return ""
	}
	var te *target.Refusal
	if errors.As(err, &te) {
		return te.Construct + ": " + te.Reason
	}
	return err.Error()
}

func format(r *rule.Rule) string {
	switch {
	case strings.EqualFold(filepath.Ext(r.File), ".hcl"):
		return "HCL"
	case r.Correlation != nil:
		return "Sigma correlation"
	default:
		return "Sigma"
	}
}

// label names a rule in the document: its name, else its id.
func label(r *rule.Rule) string {
	if r.Name != "" {
		return r.Name
	}
	return r.ID
}

func logSource(ls rule.LogSource) string {
	var parts []string
	for _, s := range []string{ls.Category, ls.Product, ls.Service} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return "any"
	}
	return strings.Join(parts, " / ")
}

// Note is one distinct refusal of one column, numbered for the table.
type Note struct {
	N      int
	Column Column
	Text   string
	// Rules name the detections refused for this reason.
	Rules []string
}

// Notes numbers the distinct refusals, column by column in column order
// and, within a column, in row order.
func (t *Table) Notes() []Note {
	var notes []Note
	for ci, c := range t.Columns {
		index := map[string]int{}
		for _, row := range t.Rows {
			text := row.Cells[ci].Refusal
			if text == "" {
				continue
			}
			i, ok := index[text]
			if !ok {
				i = len(notes)
				index[text] = i
				notes = append(notes, Note{N: i + 1, Column: c, Text: text})
			}
			notes[i].Rules = append(notes[i].Rules, label(row.Rule))
		}
	}
	return notes
}

// noteNumbers maps a column index and refusal text to its note number.
func (t *Table) noteNumbers(notes []Note) map[string]int {
	nums := map[string]int{}
	for _, n := range notes {
		nums[n.Column.String()+"\x00"+n.Text] = n.N
	}
	return nums
}

// Markdown renders the table as the coverage document.
func (t *Table) Markdown() []byte {
	var b strings.Builder
	notes := t.Notes()
	nums := t.noteNumbers(notes)
	b.WriteString(header)

	var deployed, pivots []Row
	for _, r := range t.Rows {
		if r.Rule.IsPivot() {
			pivots = append(pivots, r)
		} else {
			deployed = append(deployed, r)
		}
	}
	b.WriteString("## Detections\n\n")
	t.writeTable(&b, deployed, nums)
	if len(pivots) > 0 {
		b.WriteString("\n## Investigation pivots\n\n")
		b.WriteString("Pivots (tagged `" + rule.PivotTag + "`) are compiled into the runbooks, not deployed.\n\n")
		t.writeTable(&b, pivots, nums)
	}

	b.WriteString("\n## What each target cannot express\n\n")
	b.WriteString("Each note is one reason a target refused detections, with the detections it refused.\n")
	var current string
	for _, n := range notes {
		if col := n.Column.String(); col != current {
			current = col
			fmt.Fprintf(&b, "\n### %s\n\n", col)
		}
		fmt.Fprintf(&b, "%d. %s (%s)\n", n.N, escape(n.Text), "`"+strings.Join(n.Rules, "`, `")+"`")
	}
	if len(notes) == 0 {
		b.WriteString("\nEvery detection compiles for every target and profile.\n")
	}
	return []byte(b.String())
}

const header = `# Coverage

<!-- Generated by internal/coverage from detections/ and the backends:
     go test ./internal/coverage -update rewrites this file. Do not edit. -->

Which detections compile for which target and field-mapping profile. A
detection either compiles with the same meaning or is refused with a
reason. ` + "`detc build`" + ` deploys each target's default profile, marked
(default) in the column names. **yes** means the detection compiles; **no**
*n* means the target refuses it, for the reason under note *n* in the last
section.

`

func (t *Table) writeTable(b *strings.Builder, rows []Row, nums map[string]int) {
	b.WriteString("| Detection | Format | Log source |")
	for _, c := range t.Columns {
		name := c.String()
		if c.Default {
			name += " (default)"
		}
		b.WriteString(" " + name + " |")
	}
	b.WriteString("\n| --- | --- | --- |")
	for range t.Columns {
		b.WriteString(" --- |")
	}
	b.WriteString("\n")
	for _, r := range rows {
		fmt.Fprintf(b, "| `%s` %s | %s | %s |", label(r.Rule), escape(r.Rule.Title), r.Format, r.LogSource)
		for ci, c := range r.Cells {
			if c.OK() {
				b.WriteString(" yes |")
				continue
			}
			fmt.Fprintf(b, " no %d |", nums[t.Columns[ci].String()+"\x00"+c.Refusal])
		}
		b.WriteString("\n")
	}
}

// escape keeps text from breaking a Markdown table row or list item.
func escape(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "|", "\\|")
}
