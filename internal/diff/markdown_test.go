package diff

import (
	"bytes"
	"github.com/detc/detc/internal/unified"
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
				{Target: "kql", Part: PartQuery, Diff: unified.Diff("kql.kql", "kql.kql", "T\n| where x == 1\n", "T\n| where x == 2\n")},
			}},
			{RuleID: "r2", Title: "Runbook with fences", Status: Changed, OldFile: "r.hcl", NewFile: "r.hcl", Changes: []Change{
				{Target: "splunk", Part: PartDeployment, Diff: unified.Diff("splunk/<app>/savedsearches.conf", "splunk/<app>/savedsearches.conf", "a = 1\n", "a = 2\n")},
				{Part: PartRunbook, Diff: unified.Diff("runbooks/r2.md", "runbooks/r2.md", "```spl\nold\n```\n", "````spl\nnew\n````\n")},
			}},
		},
	}
	var b bytes.Buffer
	require.NoError(t, res.WriteMarkdown(&b))
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
	assert.Equal(t, "x.conf", diffName("--- a/x.conf\n+++ b/x.conf\n@@"))
	assert.Equal(t, "old.conf", diffName("--- a/old.conf\n+++ /dev/null\n@@"))
}
