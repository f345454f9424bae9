package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Rev names one side of a diff.
type Rev struct {
	// Commit is the commit id; "" for the work tree.
	Commit string
	// Name is the revision as given ("" for the default base).
	Name string
	// MergeBaseOf is the branch whose merge base with the head the
	// default base is.
	MergeBaseOf string
}

// String is the side as the Markdown report names it.
func (r Rev) String() string {
	switch {
	case r.Commit == "":
		return "the work tree"
	case r.MergeBaseOf != "":
		return fmt.Sprintf("%s (merge base with %s)", code(shortCommit(r.Commit)), code(r.MergeBaseOf))
	}
	return fmt.Sprintf("%s (%s)", code(shortCommit(r.Commit)), code(r.Name))
}

// name is the side in plain text, for messages.
func (r Rev) name() string {
	switch {
	case r.Commit == "":
		return "the work tree"
	case r.MergeBaseOf != "":
		return "the merge base with " + r.MergeBaseOf
	}
	return r.Name
}

// shortCommit is a commit id cut to 12 hex digits, a fixed length so the
// report does not depend on how many objects the repository holds.
func shortCommit(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// Result is a finished diff.
type Result struct {
	Base, Head Rev
	Entries    []Entry
}

// WriteJSON writes the entries as one JSON array.
func (res *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	entries := res.Entries
	if entries == nil {
		entries = []Entry{}
	}
	return enc.Encode(entries)
}

// WriteMarkdown writes the report a CI job posts on a pull request: a
// summary table, then per detection the diff of each target's query and,
// folded, of its deployment files and runbook.
func (res *Result) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	sides := fmt.Sprintf("Base %s, head %s", res.Base, res.Head)
	if len(res.Entries) == 0 {
		fmt.Fprintf(&b, "## detc diff: no detection changed\n\n%s.\n", sides)
		_, err := io.WriteString(w, b.String())
		return err
	}
	counts := map[string]int{}
	for _, e := range res.Entries {
		counts[e.Status]++
	}
	var parts []string
	for _, s := range []string{Added, Removed, Renamed, Changed} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	noun := "detections differ"
	if len(res.Entries) == 1 {
		noun = "detection differs"
	}
	fmt.Fprintf(&b, "## detc diff: %d %s\n\n%s: %s.\n\n", len(res.Entries), noun, sides, strings.Join(parts, ", "))
	b.WriteString("| change | detection | file |\n| --- | --- | --- |\n")
	for _, e := range res.Entries {
		file := code(e.file())
		if e.Status == Renamed && e.OldFile != e.NewFile {
			file = code(e.OldFile) + " → " + code(e.NewFile)
		}
		fmt.Fprintf(&b, "| %s | %s %s | %s |\n", e.Status, escape(e.Title), code(e.RuleID), file)
	}
	for _, e := range res.Entries {
		writeEntry(&b, e)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeEntry(b *strings.Builder, e Entry) {
	fmt.Fprintf(b, "\n### %s: %s\n\n", strings.ToUpper(e.Status[:1])+e.Status[1:], escape(e.Title))
	kind := "Detection"
	if e.Pivot {
		kind = "Investigation pivot"
	}
	switch e.Status {
	case Added:
		fmt.Fprintf(b, "%s %s, new in %s.\n", kind, code(e.RuleID), code(e.NewFile))
	case Removed:
		fmt.Fprintf(b, "%s %s, removed from %s.\n", kind, code(e.RuleID), code(e.OldFile))
	case Renamed:
		var what []string
		if e.OldTitle != "" {
			what = append(what, fmt.Sprintf("title was \"%s\"", escape(e.OldTitle)))
		}
		if e.OldName != e.Name {
			what = append(what, fmt.Sprintf("name %s → %s", code(e.OldName), code(e.Name)))
		}
		if e.OldFile != e.NewFile {
			what = append(what, fmt.Sprintf("moved from %s to %s", code(e.OldFile), code(e.NewFile)))
		} else {
			what = append(what, "in "+code(e.NewFile))
		}
		fmt.Fprintf(b, "%s %s: %s.\n", kind, code(e.RuleID), strings.Join(what, "; "))
		if len(e.Changes) == 0 {
			b.WriteString("\nIts compiled output is unchanged.\n")
		}
	default:
		fmt.Fprintf(b, "%s %s in %s.\n", kind, code(e.RuleID), code(e.NewFile))
	}
	for _, c := range e.Changes {
		if c.Part == PartQuery {
			fmt.Fprintf(b, "\n**%s** query:\n\n%s", escape(c.Target), fenced(c.Diff))
			continue
		}
		summary := "runbook"
		if c.Target != "" {
			summary = escape(c.Target) + " " + c.Part
		}
		if name := diffName(c.Diff); name != "" {
			summary += ": " + htmlCode(name)
		}
		fmt.Fprintf(b, "\n<details><summary>%s</summary>\n\n%s\n</details>\n", summary, fenced(c.Diff))
	}
}

// diffName is the file a unified diff is about, from its header.
func diffName(d string) string {
	for _, line := range strings.SplitN(d, "\n", 3)[:2] {
		for _, prefix := range []string{"+++ b/", "--- a/"} {
			if name, ok := strings.CutPrefix(line, prefix); ok {
				return name
			}
		}
	}
	return ""
}

// fenced puts text in a ```diff block whose fence is longer than any run
// of backticks in it (a runbook holds fenced queries of its own).
func fenced(text string) string {
	fence := strings.Repeat("`", max(3, longestRun(text, '`')+1))
	return fence + "diff\n" + text + fence + "\n"
}

func longestRun(s string, c byte) int {
	best, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return best
}

// code writes s as a Markdown code span, with a fence of backticks longer
// than any in s.
func code(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// htmlCode writes s as an HTML <code> element, for places (such as a
// <summary>) where Markdown is not read.
func htmlCode(s string) string {
	return "<code>" + strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s) + "</code>"
}

// escape makes text written by a detection's author (a title) plain text
// in Markdown: its punctuation cannot start emphasis, links, HTML or a
// table cell, and it stays on one line.
var escape = strings.NewReplacer(
	"\\", "\\\\", "`", "\\`", "*", "\\*", "_", "\\_", "[", "\\[", "]", "\\]",
	"<", "&lt;", ">", "&gt;", "#", "\\#", "|", "\\|", "~", "\\~", "!", "\\!",
	"\r", " ", "\n", " ",
).Replace
