package diff

import (
	"bytes"
	"strings"
	"testing"

	"github.com/detc/detc/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func det(id, file, title string, outputs ...Output) *Detection {
	return &Detection{ID: id, Name: id, Title: title, File: file, Outputs: outputs}
}

func q(target, text string) Output {
	return Output{Target: target, Part: PartQuery, Name: target + ".q", Text: text}
}

func TestCompare(t *testing.T) {
	runbook := Output{Part: PartRunbook, Name: "runbooks/x.md", Text: "# x\n"}
	old := map[string]*Detection{
		"same":    det("same", "a.hcl", "Same", q("splunk", "s\n"), runbook),
		"changed": det("changed", "a.hcl", "Changed", q("splunk", "old\n"), q("kql", "k\n"), runbook),
		"moved":   det("moved", "a.hcl", "Moved", q("splunk", "m\n")),
		"gone":    det("gone", "z.hcl", "Gone", q("splunk", "g\n")),
		"refused": det("refused", "a.hcl", "Refused", q("kql", "refused: no\n")),
	}
	new := map[string]*Detection{
		"same":    det("same", "a.hcl", "Same", q("splunk", "s\n"), runbook),
		"changed": det("changed", "a.hcl", "Changed", q("splunk", "new\n"), q("kql", "k\n"), Output{Part: PartRunbook, Name: "runbooks/x.md", Text: "# y\n"}),
		"moved":   det("moved", "b.hcl", "Moved", q("splunk", "m\n")),
		"fresh":   det("fresh", "0.hcl", "Fresh", q("splunk", "f\n")),
		"refused": det("refused", "a.hcl", "Refused", q("kql", "refused: no\n")),
	}
	new["moved"].Name = "moved_too"
	entries := Compare(old, new)
	var got []string
	for _, e := range entries {
		got = append(got, e.Status+" "+e.RuleID)
	}
	assert.Equal(t, []string{"added fresh", "changed changed", "renamed moved", "removed gone"}, got, "ordered by file, then id; unchanged detections left out")

	changed := entries[1]
	require.Len(t, changed.Changes, 2, "the kql query did not change")
	assert.Equal(t, "splunk", changed.Changes[0].Target)
	assert.Equal(t, "", changed.Changes[1].Target, "the runbook comes last")
	assert.Equal(t, PartRunbook, changed.Changes[1].Part)

	moved := entries[2]
	assert.Empty(t, moved.Changes)
	assert.Equal(t, "a.hcl", moved.OldFile)
	assert.Equal(t, "b.hcl", moved.NewFile)
	assert.Equal(t, "moved", moved.OldName)
	assert.Equal(t, "moved_too", moved.Name)
	assert.Empty(t, moved.OldTitle)

	assert.Equal(t, "z.hcl", entries[3].OldFile)
	assert.Equal(t, "", entries[3].NewFile)
	assert.Equal(t, "--- a/splunk.q\n+++ /dev/null\n@@ -1 +0,0 @@\n-g\n", entries[3].Changes[0].Diff)
}

func TestWriteMarkdown(t *testing.T) {
	res := &Result{
		Base: Rev{Commit: "0123456789abcdef0123456789abcdef01234567", Name: "v1.0"},
		Head: Rev{},
		Entries: []Entry{
			{RuleID: "r1", Title: "Title with *stars*, _under_ | pipes <b>html</b> and `ticks`", Status: Renamed,
				OldFile: "a.hcl", NewFile: "a.hcl", OldTitle: "Old [link](x)", Name: "new_name", OldName: "old_name", Changes: []Change{}},
			{RuleID: "p1", Title: "A pivot", Status: Changed, OldFile: "p.hcl", NewFile: "p.hcl", Pivot: true, Changes: []Change{
				{Target: "kql", Part: PartQuery, Diff: Unified("kql.kql", "kql.kql", "T\n| where x == 1\n", "T\n| where x == 2\n")},
			}},
			{RuleID: "r2", Title: "Runbook with fences", Status: Changed, OldFile: "r.hcl", NewFile: "r.hcl", Changes: []Change{
				{Target: "splunk", Part: PartDeployment, Name: "splunk/<app>/savedsearches.conf", Diff: Unified("splunk/<app>/savedsearches.conf", "splunk/<app>/savedsearches.conf", "a = 1\n", "a = 2\n")},
				{Part: PartRunbook, Name: "runbooks/r2.md", Diff: Unified("runbooks/r2.md", "runbooks/r2.md", "```spl\nold\n```\n", "````spl\nnew\n````\n")},
			}},
		},
	}
	var b bytes.Buffer
	require.NoError(t, res.WriteMarkdown(&b, 0))
	testutil.Golden(t, "report.md", b.Bytes())
	md := b.String()
	assert.Contains(t, md, "\\*stars\\*, \\_under\\_ \\| pipes &lt;b&gt;html&lt;/b&gt; and \\`ticks\\`", "a title cannot format the report")
	assert.Contains(t, md, "`````diff\n", "the fence is longer than the runbook's own fences")
	assert.Contains(t, md, "<code>splunk/&lt;app&gt;/savedsearches.conf</code>")
	assert.Contains(t, md, "Its compiled output is unchanged.")
	assert.Contains(t, md, "Investigation pivot `p1`")
}

func TestMarkdownHelpers(t *testing.T) {
	assert.Equal(t, "`a`", code("a"))
	assert.Equal(t, "``a`b``", code("a`b"))
	assert.Equal(t, "`` `a ``", code("`a"))
	assert.Equal(t, "`a b`", code("a\nb"))
	assert.Equal(t, "```diff\nx\n```\n", fenced("x\n"))
	assert.Equal(t, "`````diff\n````\n`````\n", fenced("````\n"))
	assert.Equal(t, "a  b", escape("a\r\nb"), "a title stays on one line")
}

// A budget keeps the summary and the headings, then query diffs before
// deployment and runbook diffs, names each diff it leaves out and closes
// with what it left out.
func TestWriteMarkdownBudget(t *testing.T) {
	long := strings.Repeat("x", 3000)
	res := &Result{Base: Rev{Commit: "0123456789abcdef0123456789abcdef01234567", Name: "v1.0"}}
	for _, id := range []string{"r1", "r2", "r3"} {
		res.Entries = append(res.Entries, Entry{RuleID: id, Title: "Rule " + id, Status: Changed, OldFile: "a.hcl", NewFile: "a.hcl", Changes: []Change{
			{Target: "splunk", Part: PartQuery, Name: "splunk.spl", Diff: Unified("splunk.spl", "splunk.spl", "a\n", "b\n")},
			{Target: "splunk", Part: PartDeployment, Name: "splunk/x.conf", Diff: Unified("splunk/x.conf", "splunk/x.conf", "a\n", long+"\n")},
			{Part: PartRunbook, Name: "runbooks/" + id + ".md", Diff: Unified("runbooks/r.md", "runbooks/r.md", "a\n", long+"\n")},
		}})
	}
	var whole bytes.Buffer
	require.NoError(t, res.WriteMarkdown(&whole, 0))
	require.Greater(t, whole.Len(), 18000)

	var b bytes.Buffer
	require.NoError(t, res.WriteMarkdown(&b, 8000))
	md := b.String()
	assert.LessOrEqual(t, len(md), 8000)
	for _, id := range []string{"r1", "r2", "r3"} {
		assert.Contains(t, md, "### Changed: Rule "+id)
	}
	assert.Equal(t, 3, strings.Count(md, "**splunk** query:\n\n```diff"), "every query diff fits first")
	assert.Contains(t, md, "<details><summary>splunk deployment: <code>splunk/x.conf</code></summary>", "then a deployment diff")
	assert.Contains(t, md, "runbook: <code>runbooks/r3.md</code>: diff left out (")
	assert.Regexp(t, `\*\*Left out\*\* to keep this report within 8000 characters: 1 deployment diff, 3 runbook diffs \(\d+ characters\)`, md)
}

// A deployment or runbook hunk that only repeats the query's change is
// left out and counted; one that changes anything else stays.
func TestDropRepeats(t *testing.T) {
	query := Readable("splunk.spl", "splunk.spl", "host=\"a.com\"\n", "host=\"a.com\" OR host=\"b.com\"\n")
	conf := Readable("splunk/x.conf", "splunk/x.conf",
		"# version 0a1b2c\nsearch = host=\"a.com\"\ndescription = old\n",
		"# version 3d4e5f\nsearch = host=\"a.com\" OR host=\"b.com\"\ndescription = old\n")
	json := Readable("elastic/x.ndjson", "elastic/x.ndjson",
		"{\"query\": \"host:\\\"a.com\\\"\"}\n\n\n\n\n\n\n\n{\"note\": \"x\"}\n",
		"{\"query\": \"host:\\\"a.com\\\" OR host:\\\"b.com\\\"\"}\n\n\n\n\n\n\n\n{\"note\": \"new words here\"}\n")
	entries := []Entry{{RuleID: "r", Status: Changed, Changes: []Change{
		{Target: "splunk", Part: PartQuery, Diff: query},
		{Target: "splunk", Part: PartDeployment, Diff: conf},
		{Target: "elastic", Part: PartDeployment, Diff: json},
	}}}
	dropRepeats(entries)
	c := entries[0].Changes
	assert.Equal(t, query, c[0].Diff, "queries are kept")
	assert.Empty(t, c[1].Diff, "the conf file only repeats the query (and its version)")
	assert.Equal(t, 1, c[1].Repeats)
	assert.Equal(t, 1, c[2].Repeats)
	assert.Contains(t, c[2].Diff, "new words here", "the other hunk is kept")
	assert.NotContains(t, c[2].Diff, "b.com")
}
