package runbook

import (
	"strconv"
	"strings"
)

// writer builds Markdown with one blank line between blocks.
type writer struct {
	b strings.Builder
}

func (w *writer) String() string { return strings.TrimRight(w.b.String(), "\n") + "\n" }

func (w *writer) line(s string) { w.b.WriteString(s + "\n") }

func (w *writer) blank() { w.b.WriteString("\n") }

func (w *writer) heading(level int, text string) {
	w.line(strings.Repeat("#", level) + " " + oneLine(text))
	w.blank()
}

func (w *writer) para(text string) {
	w.line(text)
	w.blank()
}

func (w *writer) bullets(items []string) {
	if len(items) == 0 {
		return
	}
	for _, it := range items {
		w.line("- " + oneLine(it))
	}
	w.blank()
}

func (w *writer) numbered(items []string) {
	if len(items) == 0 {
		return
	}
	for i, it := range items {
		w.line(strconv.Itoa(i+1) + ". " + oneLine(it))
	}
	w.blank()
}

func (w *writer) actions(as []Action) {
	for i, a := range as {
		w.line(strconv.Itoa(i+1) + ". **" + oneLine(a.Title) + "**")
		if a.Procedure != "" {
			w.line("   - Procedure: " + oneLine(a.Procedure))
		}
		if a.Automate != "" {
			w.line("   - Automate: " + oneLine(a.Automate))
		}
		if a.Tools != "" {
			w.line("   - Tools: " + oneLine(a.Tools))
		}
	}
	w.blank()
}

func (w *writer) table(header []string, rows [][]string) {
	w.line("| " + strings.Join(escapeCells(header), " | ") + " |")
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = "---"
	}
	w.line("| " + strings.Join(sep, " | ") + " |")
	for _, r := range rows {
		w.line("| " + strings.Join(escapeCells(r), " | ") + " |")
	}
	w.blank()
}

// queries writes one fenced block per target, or the target's refusal.
func (w *writer) queries(qs []Query) {
	for _, q := range qs {
		w.line("**" + q.Target + "**")
		w.blank()
		if q.Refusal != "" {
			w.para("> Not expressible for this target: " + oneLine(q.Refusal))
			continue
		}
		fence := "```"
		for strings.Contains(q.Text, fence) {
			fence += "`"
		}
		w.line(fence + q.Lang)
		w.line(strings.TrimRight(q.Text, "\n"))
		w.line(fence)
		w.blank()
	}
}

func escapeCells(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = strings.ReplaceAll(oneLine(c), "|", `\|`)
	}
	return out
}

// oneLine keeps a block on one line, so user text cannot start a new
// Markdown block.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
