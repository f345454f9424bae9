package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
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

// DefaultMaxBytes is the default size budget of the Markdown report: a
// GitHub comment holds at most 65,536 characters.
const DefaultMaxBytes = 65536

// WriteMarkdown writes the report a CI job posts on a pull request: a
// summary table, then per detection the diff of each target's query and,
// folded, of its deployment files and runbook. When maxBytes > 0 the
// report stays within that many bytes (so as many characters or fewer):
// the summary and each detection's heading always, then the query diffs,
// then the deployment diffs, then the runbook diffs, as long as they fit;
// each diff left out is named where it would be, and the report closes
// with what it left out.
func (res *Result) WriteMarkdown(w io.Writer, maxBytes int) error {
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
	for i, e := range res.Entries {
		file := code(e.file())
		if e.Status == Renamed && e.OldFile != e.NewFile {
			file = code(e.OldFile) + " → " + code(e.NewFile)
		}
		row := fmt.Sprintf("| %s | %s %s | %s |\n", e.Status, escape(e.Title), code(e.RuleID), file)
		if maxBytes > 0 && b.Len()+len(row) > maxBytes-maxTrailer {
			fmt.Fprintf(&b, "\n**Left out** to keep this report within %d characters: %d more %s and every diff. "+
				"`detc diff --format json` has them all.\n", maxBytes, len(res.Entries)-i, plural(len(res.Entries)-i, "detection", "detections"))
			_, err := io.WriteString(w, b.String())
			return err
		}
		b.WriteString(row)
	}
	var blocks []*block
	for _, e := range res.Entries {
		blocks = append(blocks, entryBlocks(e)...)
	}
	budget := math.MaxInt
	if maxBytes > 0 {
		budget = maxBytes - b.Len() - maxTrailer
	}
	leftOut, ok := fit(blocks, budget, maxBytes)
	if !ok {
		fmt.Fprintf(&b, "\n**Left out** to keep this report within %d characters: the details of every detection (the table above lists them). "+
			"`detc diff --format json` has every diff; `--parts` chooses which parts to show.\n", maxBytes)
		_, err := io.WriteString(w, b.String())
		return err
	}
	for _, bl := range blocks {
		if bl.shown {
			b.WriteString(bl.text)
		} else {
			b.WriteString(bl.stub)
		}
	}
	b.WriteString(leftOut)
	_, err := io.WriteString(w, b.String())
	return err
}

// block is one piece of the report: a detection's heading (always shown)
// or one diff, which a stub names when the budget leaves it out.
type block struct {
	text, stub string
	// rank orders what the budget keeps first: headings, queries,
	// deployment files, runbooks.
	rank  int
	what  string
	shown bool
}

// maxTrailer is room kept for the closing note on what was left out.
const maxTrailer = 400

// fit marks the blocks shown within budget bytes, by rank then order, and
// returns the closing note on what was left out ("" when nothing was) of
// a report of at most maxBytes; ok is false when the headings alone do
// not fit.
func fit(blocks []*block, budget, maxBytes int) (note string, ok bool) {
	used := 0
	for _, bl := range blocks {
		if bl.rank == 0 {
			bl.shown = true
			used += len(bl.text)
		} else {
			used += len(bl.stub)
		}
	}
	if used > budget {
		return "", false
	}
	for rank := 1; rank <= 3; rank++ {
		for _, bl := range blocks {
			if bl.rank != rank {
				continue
			}
			if used-len(bl.stub)+len(bl.text) <= budget {
				bl.shown = true
				used += len(bl.text) - len(bl.stub)
			}
		}
	}
	left := map[string]int{}
	size := 0
	for _, bl := range blocks {
		if !bl.shown {
			left[bl.what]++
			size += len(bl.text)
		}
	}
	if len(left) == 0 {
		return "", true
	}
	var what []string
	for _, kind := range []string{PartQuery, PartDeployment, PartRunbook} {
		if n := left[kind]; n > 0 {
			what = append(what, fmt.Sprintf("%d %s %s", n, kind, plural(n, "diff", "diffs")))
		}
	}
	return fmt.Sprintf("\n---\n\n**Left out** to keep this report within %d characters: %s (%d characters). "+
		"`detc diff --format json` has every diff; `--parts` chooses which parts to show, `--max-bytes` sets the budget.\n",
		maxBytes, strings.Join(what, ", "), size), true
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// entryBlocks are a detection's heading and its diffs.
func entryBlocks(e Entry) []*block {
	var b strings.Builder
	fmt.Fprintf(&b, "\n### %s: %s\n\n", strings.ToUpper(e.Status[:1])+e.Status[1:], escape(e.Title))
	kind := "Detection"
	if e.Pivot {
		kind = "Investigation pivot"
	}
	switch e.Status {
	case Added:
		fmt.Fprintf(&b, "%s %s, new in %s.\n", kind, code(e.RuleID), code(e.NewFile))
	case Removed:
		fmt.Fprintf(&b, "%s %s, removed from %s.\n", kind, code(e.RuleID), code(e.OldFile))
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
		fmt.Fprintf(&b, "%s %s: %s.\n", kind, code(e.RuleID), strings.Join(what, "; "))
		if len(e.Changes) == 0 {
			b.WriteString("\nIts compiled output is unchanged.\n")
		}
	default:
		fmt.Fprintf(&b, "%s %s in %s.\n", kind, code(e.RuleID), code(e.NewFile))
	}
	if repeats := repeatingOnly(e.Changes); repeats != "" {
		fmt.Fprintf(&b, "\nOnly repeating the query changes: %s.\n", repeats)
	}
	blocks := []*block{{text: b.String(), rank: 0}}
	for _, c := range e.Changes {
		if c.Diff == "" {
			continue
		}
		bl := &block{what: c.Part, rank: partRank[c.Part] + 1}
		size := fmt.Sprintf("%d characters", len(c.Diff))
		if c.Part == PartQuery {
			bl.text = fmt.Sprintf("\n**%s** query:\n\n%s", escape(c.Target), fenced(c.Diff))
			bl.stub = fmt.Sprintf("\n**%s** query: diff left out (%s).\n", escape(c.Target), size)
		} else {
			summary := changeName(c)
			if c.Repeats > 0 {
				summary += fmt.Sprintf(" (%d %s repeating the query changes not shown)", c.Repeats, plural(c.Repeats, "hunk", "hunks"))
			}
			bl.text = fmt.Sprintf("\n<details><summary>%s</summary>\n\n%s\n</details>\n", summary, fenced(c.Diff))
			bl.stub = fmt.Sprintf("\n%s: diff left out (%s).\n", summary, size)
		}
		blocks = append(blocks, bl)
	}
	return blocks
}

// repeatingOnly names the deployment files and runbook whose every hunk
// repeats a query change, briefly: "the elastic, kql (2 files) and splunk
// deployment files; the runbook".
func repeatingOnly(changes []Change) string {
	var targets []string
	files := map[string]int{}
	runbook := false
	for _, c := range changes {
		switch {
		case c.Diff != "":
		case c.Part == PartRunbook:
			runbook = true
		default:
			if files[c.Target] == 0 {
				targets = append(targets, c.Target)
			}
			files[c.Target]++
		}
	}
	var parts []string
	if len(targets) > 0 {
		var names []string
		for _, t := range targets {
			name := escape(t)
			if files[t] > 1 {
				name += fmt.Sprintf(" (%d files)", files[t])
			}
			names = append(names, name)
		}
		parts = append(parts, "the "+strings.Join(names, ", ")+" deployment "+plural(len(files), "file", "files"))
	}
	if runbook {
		parts = append(parts, "the runbook")
	}
	return strings.Join(parts, "; ")
}

// changeName names a deployment file or runbook change for a summary
// line: "splunk deployment: <code>path</code>" or "runbook: ...".
func changeName(c Change) string {
	name := "runbook"
	if c.Target != "" {
		name = escape(c.Target) + " " + c.Part
	}
	if c.Name != "" {
		name += ": " + htmlCode(c.Name)
	}
	return name
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
