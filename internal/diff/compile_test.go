package diff

import (
	"errors"
	"testing"

	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/build"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/rule"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// searching gives rules a search and a condition, so that they pass the
// check phase.
func searching(rs ...*rule.Rule) []*rule.Rule {
	for _, r := range rs {
		v := rule.Value{Kind: rule.KindString, Text: "x", Pattern: rule.LiteralPattern("x")}
		r.Searches = []*rule.Search{{Name: "sel", Groups: []*rule.Group{{Matchers: []*rule.Matcher{{Field: "a", Values: []rule.Value{v}}}}}}}
		r.Condition = &rule.SearchRef{Name: "sel"}
	}
	return rs
}

func TestCompile(t *testing.T) {
	set := &load.Set{Rules: searching(
		&rule.Rule{ID: "d1", Name: "det", Title: "Detection", File: "a.hcl", Pos: rule.Pos{File: "a.hcl", Line: 1, Col: 1}},
		&rule.Rule{ID: "p1", Name: "piv", Title: "Pivot", File: "p.hcl", Tags: []string{rule.PivotTag}, Pos: rule.Pos{File: "p.hcl", Line: 1, Col: 1}},
		&rule.Rule{ID: "r1", Name: "ref", Title: "This one is refused", File: "a.hcl", Pos: rule.Pos{File: "a.hcl", Line: 9, Col: 1}},
	)}
	set.Rules = append(set.Rules, &rule.Rule{ID: "e1", Name: "err", Title: "No condition", File: "a.hcl", Pos: rule.Pos{File: "a.hcl", Line: 20, Col: 1}})
	got, err := Compile(set, backends, nil)
	require.NoError(t, err)

	parts := func(d *Detection) []string {
		var out []string
		for _, o := range d.Outputs {
			out = append(out, o.Target+" "+o.Part+" "+o.Name)
		}
		return out
	}
	assert.Equal(t, []string{"fake query fake.q", "fake deployment fake/rules/d1.conf", " runbook runbooks/d1.md"}, parts(got["d1"]))
	assert.Equal(t, []string{"fake query fake.q"}, parts(got["p1"]), "a pivot is never deployed and has no runbook of its own")
	assert.True(t, got["p1"].Pivot)
	assert.Equal(t, []string{"fake query fake.q", " runbook runbooks/r1.md"}, parts(got["r1"]))
	assert.Equal(t, "refused: rule r1: fake/default cannot express the title: it says refused\n", got["r1"].Outputs[0].Text)
	assert.Equal(t, []Output{{Target: "fake", Part: PartQuery, Name: "fake.q", Text: "rule error: rule e1 has no condition\n"}}, got["e1"].Outputs,
		"a rule with errors at a revision shows them, not a target's refusal")

	// The deployment file carries the brief, as a build writes it, which
	// links to the runbook.
	dep := got["d1"].Outputs[1].Text
	assert.Contains(t, dep, `runbook = "Detection\n\nFull runbook (every SIEM's queries, investigation pivots, playbook): runbooks/d1.md\n"`)
	assert.NotContains(t, dep, "## What this detection looks at")
	assert.Contains(t, got["d1"].Outputs[2].Text, "## What this detection looks at", "the runbook itself is whole")
}

func TestCompileNeedsUniqueIDs(t *testing.T) {
	dup := &load.Set{Rules: []*rule.Rule{
		{ID: "x", File: "a.hcl", Pos: rule.Pos{File: "a.hcl", Line: 1, Col: 1}},
		{ID: "x", File: "b.hcl", Pos: rule.Pos{File: "b.hcl", Line: 2, Col: 1}},
	}}
	_, err := Compile(dup, backends, nil)
	require.Error(t, err)
	assert.Equal(t, "b.hcl:2:1: rule id x is also the id of the rule in a.hcl; detc diff matches detections by id", err.Error())

	noID := &load.Set{Rules: []*rule.Rule{{Name: "anon", File: "a.hcl", Pos: rule.Pos{File: "a.hcl", Line: 3, Col: 1}}}}
	_, err = Compile(noID, backends, nil)
	require.Error(t, err)
	assert.Equal(t, "a.hcl:3:1: rule anon has no id; detc diff matches detections by id", err.Error())
}

// failing packages nothing.
type failing struct{ fake }

func (failing) Package([]target.Deployable, target.Options) ([]target.Artifact, []*target.Refusal, error) {
	return nil, nil, errors.New("disk on fire")
}

func TestCompilePackagingFails(t *testing.T) {
	set := &load.Set{Rules: searching(&rule.Rule{ID: "d1", Title: "D", File: "a.hcl"})}
	got, err := Compile(set, build.Defaults([]target.Backend{failing{}}), nil)
	require.NoError(t, err, "a packaging failure is shown in the diff, not fatal")
	assert.Equal(t, Output{Target: "fake", Part: PartDeployment, Name: "fake", Text: "packaging failed: disk on fire\n"}, got["d1"].Outputs[1])
}

func TestReadable(t *testing.T) {
	nd := target.Artifact{Path: "rules.ndjson", Data: []byte("{\"a\":1,\"b\":[2]}\nnot json\n")}
	assert.Equal(t, "{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}\nnot json\n", readable(nd))
	conf := target.Artifact{Path: "x.conf", Data: []byte("{\"a\":1}")}
	assert.Equal(t, "{\"a\":1}", readable(conf), "other files as they are")
}
