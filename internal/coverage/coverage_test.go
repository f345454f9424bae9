package coverage

import (
	"github.com/detc/detc/internal/check"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil"
	"github.com/detc/detc/internal/testutil/corpus"
)

// fake refuses dns rules in its "strict" profile, and fails with a plain
// error (not a refusal) on rules named "broken".
type fake struct{}

func (fake) Name() string       { return "fake" }
func (fake) Profiles() []string { return []string{"strict", "loose"} }
func (fake) Langs() []string    { return []string{"q"} }
func (fake) Title() string      { return "fake" }
func (fake) Variants() []string { return nil }
func (fake) Package([]target.Deployable, target.Options) ([]target.Artifact, []*target.Refusal, error) {
	return nil, nil, nil
}
func (fake) Compile(r *check.Rule, opts target.Options) (*target.Query, error) {
	switch {
	case r.Name == "broken":
		return nil, assert.AnError
	case opts.Profile == "strict" && r.LogSource.Category == "dns":
		return nil, target.Refuse(r.Rule, "fake", opts.Profile, r.Pos, "log source category=dns", "no | DNS table")
	}
	return &target.Query{Rule: r, Target: "fake", Profile: opts.Profile, Text: "q", Source: &mapping.Source{}}, nil
}

// rules are stand-ins for checked rules: the fake backend reads only
// their metadata.
func rules() []*check.Rule {
	return []*check.Rule{
		{Rule: &rule.Rule{Name: "proxy_post", Title: "Proxy post", File: "d/proxy.hcl", LogSource: rule.LogSource{Category: "proxy"}}},
		{Rule: &rule.Rule{Name: "dns_a", Title: "DNS a", File: "d/dns.yml", LogSource: rule.LogSource{Category: "dns"}}},
		{Rule: &rule.Rule{Name: "pivot_x", Title: "Pivot", File: "d/p.hcl", Tags: []string{rule.PivotTag}, LogSource: rule.LogSource{Category: "dns"}}},
		{Rule: &rule.Rule{Name: "dns_burst", Title: "DNS burst", File: "d/burst.yml", Correlation: &rule.Correlation{}, LogSource: rule.LogSource{Category: "dns", Product: "zeek", Service: "dns"}}},
		{Rule: &rule.Rule{ID: "0a0b", Title: "No name", File: "d/x.HCL", LogSource: rule.LogSource{}}},
		{Rule: &rule.Rule{Name: "broken", Title: "Broken", File: "d/b.hcl", LogSource: rule.LogSource{Product: "windows"}}},
	}
}

func TestBuild(t *testing.T) {
	tab := Build(rules(), []target.Backend{fake{}})
	assert.Equal(t, []Column{{"fake", "strict", true}, {"fake", "loose", false}}, tab.Columns)

	tests := []struct {
		name, format, logSource string
		refusals                []string
	}{
		{"proxy_post", "HCL", "proxy", []string{"", ""}},
		{"dns_a", "Sigma", "dns", []string{"log source category=dns: no | DNS table", ""}},
		{"dns_burst", "Sigma correlation", "dns / zeek / dns", []string{"log source category=dns: no | DNS table", ""}},
		{"0a0b", "HCL", "any", []string{"", ""}},
		{"broken", "HCL", "windows", []string{assert.AnError.Error(), assert.AnError.Error()}},
		{"pivot_x", "HCL", "dns", []string{"log source category=dns: no | DNS table", ""}},
	}
	require.Len(t, tab.Rows, len(tests), "pivots come last")
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := tab.Rows[i]
			assert.Equal(t, tt.name, label(row.Rule))
			assert.Equal(t, tt.format, row.Format)
			assert.Equal(t, tt.logSource, row.LogSource)
			var got []string
			for _, c := range row.Cells {
				got = append(got, c.Refusal)
				assert.Equal(t, c.Refusal == "", c.OK())
			}
			assert.Equal(t, tt.refusals, got)
		})
	}
}

func TestNotesNumberDistinctReasonsPerColumn(t *testing.T) {
	notes := Build(rules(), []target.Backend{fake{}}).Notes()
	require.Len(t, notes, 3)
	assert.Equal(t, Note{N: 1, Column: Column{"fake", "strict", true}, Text: "log source category=dns: no | DNS table", Rules: []string{"dns_a", "dns_burst", "pivot_x"}}, notes[0])
	assert.Equal(t, 2, notes[1].N)
	assert.Equal(t, []string{"broken"}, notes[1].Rules)
	assert.Equal(t, Column{"fake", "loose", false}, notes[2].Column, "the same reason in another column is another note")
	assert.Equal(t, 3, notes[2].N)
}

func TestMarkdown(t *testing.T) {
	testutil.Golden(t, "fake.md", Build(rules(), []target.Backend{fake{}}).Markdown())
}

func TestMarkdownWithoutRefusals(t *testing.T) {
	md := string(Build(rules()[:1], []target.Backend{fake{}}).Markdown())
	assert.Contains(t, md, "Every detection compiles for every target and profile.")
	assert.NotContains(t, md, "## Investigation pivots")
}

// TestCoverageDoc keeps docs/coverage.md in step with detections/ and the
// backends: it fails when the document is stale, and -update rewrites it.
func TestCoverageDoc(t *testing.T) {
	root := testutil.RepoRoot(t)
	t.Chdir(root)
	set, diags := load.Paths(nil)
	require.False(t, diags.HasErrors(), "detections/ must load: %v", diags)
	require.NotEmpty(t, set.Rules)
	checked, diags := check.All(set.Rules)
	require.False(t, diags.HasErrors(), "detections/ must pass the check: %v", diags)
	testutil.GoldenFile(t, "docs/coverage.md", BuildAll(checked).Markdown())
}

// TestSigmaHQCoverageDoc keeps docs/coverage-sigmahq.md, the coverage of
// SigmaHQ's rules by log source, in step with the backends (a corpus
// check: it needs ../shared/sigma-corpus; -update rewrites the document).
func TestSigmaHQCoverageDoc(t *testing.T) {
	checked, diags := check.All(corpus.Rules(t))
	require.False(t, diags.HasErrors(), "the corpus must pass the check: %v", diags)
	t.Chdir(testutil.RepoRoot(t))
	tab := BuildBySource(checked, registry.All())
	doc := tab.Markdown("Coverage of SigmaHQ's rules", sigmaHQIntro)
	testutil.GoldenFile(t, "docs/coverage-sigmahq.md", doc)
}

const sigmaHQIntro = `<!-- Generated by internal/coverage from the SigmaHQ corpus
     (../shared/sigma-corpus/rules, 3,141 rules) and the backends:
     DETC_REQUIRE_CORPUS=1 go test ./internal/coverage -run SigmaHQ -update
     rewrites this file. Do not edit. -->

How many of SigmaHQ's rules each target compiles in each field-mapping
profile, by the rules' log source (category / product / service), and why
it refuses the others. A rule compiles with its meaning or is refused; the
corpus tests check every compiled query's tables, columns and fields
against the target's published schema (docs/mappings.md).
`

// TestProfilesDoc keeps docs/profiles.md in step with the built-in
// profiles (-update rewrites it).
func TestProfilesDoc(t *testing.T) {
	t.Chdir(testutil.RepoRoot(t))
	doc, err := Profiles(registry.All())
	require.NoError(t, err)
	assert.Contains(t, string(doc), "## kql/defender-xdr")
	testutil.GoldenFile(t, "docs/profiles.md", doc)
}

// mapped is the fake backend with a real-schema profile "strict" that
// maps proxy and dns: it shows its mapping, as the real backends do.
type mapped struct{ fake }

func (mapped) Mapping(profile string) (*mapping.Profile, error) {
	if profile == "loose" {
		return &mapping.Profile{Name: profile, Passthrough: true}, nil
	}
	return &mapping.Profile{Name: profile, Sources: []*mapping.Source{
		{LogSource: rule.LogSource{Category: "proxy"}},
		{LogSource: rule.LogSource{Category: "dns"}},
	}}, nil
}

// TestCollections: a real-schema profile's share counts the rules on the
// sources it maps and, against it, those on sources the SIEM collects
// that it does not map; other sources and passthrough profiles are left
// out.
func TestCollections(t *testing.T) {
	collected["fake/strict"] = []carried{{Product: "windows", Via: "the fake connector"}}
	defer delete(collected, "fake/strict")
	tab := BuildBySource(rules(), []target.Backend{mapped{}})
	require.Len(t, tab.Collections, 1, "loose takes any source: no figure")
	c := tab.Collections[0]
	assert.Equal(t, Column{"fake", "strict", true}, c.Column)
	assert.Equal(t, 4, c.Mapped, "proxy_post, dns_a, pivot_x, dns_burst")
	assert.Equal(t, 1, c.MappedCompiled, "strict refuses dns")
	assert.Equal(t, 1, c.Gap, "broken's windows source is collected, not mapped")
	assert.Equal(t, []GapSource{{LogSource: "windows", Rules: 1, Via: "the fake connector"}}, c.GapSources)
	assert.InDelta(t, 20.0, c.Percent(), 0.001)
	md := string(tab.Markdown("t", ""))
	assert.Contains(t, md, "| fake/strict | 4 | 1 | 1 | 5 | 1 (20.0%) |")
	assert.Contains(t, md, "fake/strict collects but does not map: windows (1 rule; the fake connector).")
}
