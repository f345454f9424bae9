package project

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
)

func TestFindWalksUp(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "detections", "proxy")
	require.NoError(t, os.MkdirAll(deep, 0o755))
	got, err := Find(deep)
	require.NoError(t, err)
	assert.Empty(t, got, "no project file anywhere above")

	require.NoError(t, os.WriteFile(filepath.Join(root, FileName), nil, 0o644))
	got, err = Find(deep)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(root, FileName), got)

	// The nearest wins.
	require.NoError(t, os.WriteFile(filepath.Join(root, "detections", FileName), nil, 0o644))
	got, err = Find(deep)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(root, "detections", FileName), got)

	// A folder of that name is not a project file.
	require.NoError(t, os.Mkdir(filepath.Join(deep, FileName), 0o755))
	got, err = Find(deep)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(root, "detections", FileName), got)
}

func TestFindForFallsBackToTheFirstInput(t *testing.T) {
	team := t.TempDir()
	rules := filepath.Join(team, "detections", "proxy")
	require.NoError(t, os.MkdirAll(rules, 0o755))
	rule := filepath.Join(rules, "post.yml")
	require.NoError(t, os.WriteFile(rule, nil, 0o644))
	teamFile := filepath.Join(team, FileName)
	require.NoError(t, os.WriteFile(teamFile, nil, 0o644))
	elsewhere := t.TempDir()
	here := t.TempDir()
	hereFile := filepath.Join(here, FileName)
	require.NoError(t, os.WriteFile(hereFile, nil, 0o644))

	for _, tc := range []struct {
		name   string
		wd     string
		inputs []string
		want   string
	}{
		{"a folder input", elsewhere, []string{rules}, teamFile},
		{"a file input", elsewhere, []string{rule}, teamFile},
		{"only the first input counts", elsewhere, []string{elsewhere, rule}, ""},
		{"a missing input is the loader's to report", elsewhere, []string{filepath.Join(team, "nope")}, ""},
		{"no inputs", elsewhere, nil, ""},
		{"the working folder's file wins", here, []string{rule}, hereFile},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := findFor(tc.wd, tc.inputs)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

const fullConfig = `
targets          = ["splunk", "kql"]
fixtures         = "tests/fixtures"
enabled_statuses = ["stable"]

runbook {
  base_url = "https://wiki/"
}

target "splunk" {
  profiles = ["cim"]
  mappings = ["m/splunk.yml"]
  index    = "main"
  variant  = "tstats"

  app {
    name    = "acme"
    label   = "ACME"
    author  = "SOC"
    version = "2.0.0"
  }

  source {
    category   = "proxy"
    sourcetype = "squid"
  }
}

target "kql" {
  profiles = ["sentinel-asim", "defender-xdr"]
}

check "fixture-coverage" {
  severity = "warning"
}
`

func TestParse(t *testing.T) {
	c, diags := Parse("/repo/detc.hcl", []byte(fullConfig))
	require.Empty(t, diags)
	assert.Equal(t, "/repo", c.Root)
	assert.Equal(t, []string{"splunk", "kql"}, c.Targets)
	assert.Equal(t, "tests/fixtures", c.Fixtures)
	assert.Equal(t, []string{"stable"}, c.EnabledStatuses)
	assert.Equal(t, "https://wiki/", c.RunbookURL)
	assert.Equal(t, []string{"kql", "splunk"}, c.TargetNames())
	s := c.Target["splunk"]
	assert.Equal(t, &Target{Name: "splunk", Profiles: []string{"cim"}, Mappings: []string{"m/splunk.yml"}, Index: "main", Variant: "tstats",
		App:     AppConfig{Name: "acme", Label: "ACME", Author: "SOC", Version: "2.0.0"},
		Sources: []Source{{LogSource: rule.LogSource{Category: "proxy"}, Attrs: map[string]string{"sourcetype": "squid"}, Pos: rule.Pos{File: "/repo/detc.hcl", Line: 23, Col: 3}}}}, s)
	assert.Equal(t, []string{"sentinel-asim", "defender-xdr"}, c.Target["kql"].Profiles)
	assert.Equal(t, map[string]Level{"fixture-coverage": LevelWarning}, c.Checks)
	assert.Equal(t, rule.Pos{File: "/repo/detc.hcl", Line: 30, Col: 14}, c.Pos["target.kql.profiles"])
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct{ name, text, want string }{
		{"syntax", "targets = [\n", "detc.hcl:2:1: error: Missing expression"},
		{"misspelt attribute", "target \"kql\" {\n  profile = [\"raw\"]\n}\n", `detc.hcl:2:3: error: Unsupported argument: An argument named "profile" is not expected here. Did you mean "profiles"?`},
		{"misspelt block", "runbok {\n}\n", `detc.hcl:1:1: error: Unsupported block type: Blocks of type "runbok" are not expected here. Did you mean "runbook"?`},
		{"misspelt app attribute", "target \"splunk\" {\n  app {\n    autor = \"x\"\n  }\n}\n", `Did you mean "author"?`},
		{"wrong type", "targets = \"splunk\"\n", "detc.hcl:1:11: error: targets must be a list of strings"},
		{"list of numbers", "enabled_statuses = [1]\n", "enabled_statuses must be a list of strings"},
		{"string wanted", "fixtures = [\"a\"]\n", "detc.hcl:1:12: error: fixtures must be a string, not tuple"},
		{"duplicate target", "target \"kql\" {\n}\ntarget \"kql\" {\n}\n", "detc.hcl:3:1: error: duplicate target kql block: the first is at detc.hcl:1:1"},
		{"bad severity", "check \"x\" {\n  severity = \"fatal\"\n}\n", `detc.hcl:2:14: error: check "x": severity "fatal" is not off, warning or error`},
		{"missing severity", "check \"x\" {\n}\n", `Missing required argument`},
		{"source without log source", "target \"kql\" {\n  source {\n    table = \"T\"\n  }\n}\n", "detc.hcl:2:3: error: a source block names its log source"},
		{"source without attributes", "target \"kql\" {\n  source {\n    category = \"dns\"\n  }\n}\n", "a source block sets index, sourcetype or table"},
		{"variables are not allowed", "fixtures = local.x\n", "detc.hcl:1:12: error: Variables not allowed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, diags := Parse("detc.hcl", []byte(tt.text))
			assert.Nil(t, c)
			require.True(t, diags.HasErrors())
			var all []string
			for _, d := range diags {
				all = append(all, d.String())
				assert.Equal(t, CodeConfig, d.Code)
			}
			assert.Contains(t, strings.Join(all, "\n"), tt.want)
		})
	}
}

func TestSeveritiesApply(t *testing.T) {
	diags := rule.Diagnostics{
		{Severity: rule.Error, Code: "fixture-coverage", Summary: "a"},
		{Severity: rule.Warning, Code: "unused-search", Summary: "b"},
		{Severity: rule.Error, Code: "bad-regex", Summary: "c"},
		{Severity: rule.Warning, Code: "duplicate-title", Summary: "d"},
	}
	got := Severities{"fixture-coverage": LevelOff, "unused-search": LevelError, "bad-regex": LevelWarning}.Apply(diags)
	assert.Equal(t, rule.Diagnostics{
		{Severity: rule.Error, Code: "unused-search", Summary: "b"},
		{Severity: rule.Warning, Code: "bad-regex", Summary: "c"},
		{Severity: rule.Warning, Code: "duplicate-title", Summary: "d"},
	}, got)
	assert.Equal(t, diags, Severities{}.Apply(diags))
	assert.True(t, Severities{"x": LevelOff}.Below("x", LevelError))
	assert.True(t, Severities{"x": LevelWarning}.Below("x", LevelError))
	assert.False(t, Severities{"x": LevelError}.Below("x", LevelError))
	assert.False(t, Severities{}.Below("x", LevelError))
}
