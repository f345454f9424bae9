package main

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/project"
	"github.com/detc/detc/internal/testutil"
)

// projectRepo copies testdata/project (a team repository whose detc.hcl
// deploys Sentinel ASIM and Defender XDR, Splunk with an index and a
// mapping override, and Elastic with EQL) and works in its detections/
// folder, so the project file is found above the working folder.
func projectRepo(t *testing.T) string {
	t.Helper()
	dir := copyTree(t, "testdata/project")
	t.Setenv(project.ConfigEnv, "")
	t.Chdir(filepath.Join(dir, "detections"))
	return dir
}

func fileList(tree map[string]string) []string {
	var out []string
	for p := range tree {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func TestBuildFollowsTheProjectFile(t *testing.T) {
	dir := projectRepo(t)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := detc(t, "build", "--strict", "--out", out, ".")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "built 2 detections for splunk/cim, kql/sentinel-asim, kql/defender-xdr, elastic/ecs into "+out+": 21 files, 0 refusals, 1 left out by the detections' targets\n"+
		"  elastic: 2 deployed, 0 refused, 0 left out by their targets\n"+
		"  kql/defender-xdr: 1 deployed, 0 refused, 1 left out by their targets\n"+
		"  kql/sentinel-asim: 2 deployed, 0 refused, 0 left out by their targets\n"+
		"  splunk: 2 deployed, 0 refused, 0 left out by their targets\n"+
		"  elastic/ecs: 2 eql\n", stdout)
	tree := testutil.ReadTree(t, out)
	assert.Equal(t, []string{
		".detc-build",
		"elastic/detection-rules.ndjson",
		"kql/defender-xdr/analytics-rules.arm.json",
		"kql/defender-xdr/analytics-rules/22222222-2222-4222-8222-222222222222.yaml",
		"kql/sentinel-asim/analytics-rules.arm.json",
		"kql/sentinel-asim/analytics-rules/11111111-1111-4111-8111-111111111111.yaml",
		"kql/sentinel-asim/analytics-rules/22222222-2222-4222-8222-222222222222.yaml",
		"navigator/layer.json",
		"refusals.json",
		"runbooks/11111111-1111-4111-8111-111111111111.md",
		"runbooks/22222222-2222-4222-8222-222222222222.md",
		"site/attack.html", "site/favicon.svg", "site/index.html",
		"site/rule-11111111-1111-4111-8111-111111111111.html", "site/rule-22222222-2222-4222-8222-222222222222.html",
		"site/site.js", "site/style.css",
		"splunk/acme_detections/default/app.conf",
		"splunk/acme_detections/default/savedsearches.conf",
		"splunk/acme_detections/metadata/default.meta",
	}, fileList(tree), "webhook_post is meant for kql/sentinel-asim only, not Defender XDR")

	conf := tree["splunk/acme_detections/default/savedsearches.conf"]
	assert.Contains(t, conf, `from datamodel=Web where index="proxy" Web.http_method_raw="POST" `, "the index and the mapping override (build deploys tstats searches)")
	assert.Contains(t, tree["splunk/acme_detections/default/app.conf"], "author = ACME SOC\n")
	assert.Regexp(t, `(?m)^version = 1\.\d+\.\d+$`, tree["splunk/acme_detections/default/app.conf"])

	kibana := strings.Split(strings.TrimSpace(tree["elastic/detection-rules.ndjson"]), "\n")
	require.Len(t, kibana, 2)
	for _, line := range kibana {
		assert.Contains(t, line, `"language":"eql"`)
	}

	// One policy: the stable rule is enabled, the experimental one is
	// deployed disabled, in every target.
	assert.Equal(t, []string{"disabled = 0", "disabled = 1"}, regexp.MustCompile(`(?m)^disabled = \d$`).FindAllString(conf, -1))
	assert.Contains(t, kibana[0]+kibana[1], `"enabled":true`)
	assert.Contains(t, kibana[0]+kibana[1], `"enabled":false`)
	assert.Contains(t, tree["kql/sentinel-asim/analytics-rules.arm.json"], `"enabled": true`)
	assert.Contains(t, tree["kql/defender-xdr/analytics-rules.arm.json"], `"enabled": false`)
	assert.NotContains(t, tree["kql/defender-xdr/analytics-rules.arm.json"], `"enabled": true`)

	assert.Contains(t, tree["navigator/layer.json"], "https://wiki.example.com/runbooks/11111111-1111-4111-8111-111111111111.md")
	assert.Contains(t, tree["runbooks/11111111-1111-4111-8111-111111111111.md"], "index=\"proxy\"", "runbooks show the deployed queries")
}

// A run from outside the repository, given the repository's detections,
// reads the detc.hcl above them: the same deployments as from inside.
func TestProjectFileFoundFromTheInputs(t *testing.T) {
	dir := projectRepo(t)
	inside := filepath.Join(dir, "out-inside")
	code, want, stderr := detc(t, "build", "--strict", "--out", inside, ".")
	require.Equal(t, 0, code, stderr)

	t.Chdir(t.TempDir()) // no detc.hcl here or above
	outside := filepath.Join(dir, "out-outside")
	code, got, stderr := detc(t, "build", "--strict", "--out", outside, filepath.Join(dir, "detections"))
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, strings.ReplaceAll(want, inside, outside), got)
	in, out := testutil.ReadTree(t, inside), testutil.ReadTree(t, outside)
	require.Equal(t, fileList(in), fileList(out))
	for name, data := range in {
		if !strings.HasPrefix(name, "site/") { // the catalog shows the paths as given
			assert.Equal(t, data, out[name], name)
		}
	}
}

func TestFlagsOverrideTheProjectFile(t *testing.T) {
	dir := projectRepo(t)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := detc(t, "build", "--out", out, "--profile", "kql=defender-xdr", "--lang", "esql",
		"--index", "splunk=web", "--app-name", "other_app", "--app-version", "3.1.0", "--enabled-statuses", "stable,experimental",
		"--runbook-url", "https://kb.example.com/", ".")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "for splunk/cim, kql/defender-xdr, elastic/ecs into ")
	tree := testutil.ReadTree(t, out)
	assert.Contains(t, tree, "kql/analytics-rules.arm.json", "one profile: the target's own folder")
	assert.NotContains(t, tree, "kql/sentinel-asim/analytics-rules.arm.json")
	conf := tree["splunk/other_app/default/savedsearches.conf"]
	assert.Contains(t, conf, `index="web"`)
	assert.NotContains(t, conf, "disabled = 1")
	assert.Contains(t, tree["splunk/other_app/default/app.conf"], "version = 3.1.0\n")
	assert.Contains(t, tree["elastic/detection-rules.ndjson"], `"language":"esql"`)
	assert.Contains(t, tree["navigator/layer.json"], "https://kb.example.com/")

	// A build restricted to one target writes only its files.
	code, _, stderr = detc(t, "build", "--out", out, "--target", "elastic", ".")
	require.Equal(t, 0, code, stderr)
	for p := range testutil.ReadTree(t, out) {
		assert.False(t, strings.HasPrefix(p, "splunk/") || strings.HasPrefix(p, "kql/"), p)
	}
}

// A source block for a log source whose rules the profile partly reads
// from more specific sources is reported: it does not reach those rules.
func TestShadowedSourceWarned(t *testing.T) {
	dir := projectRepo(t)
	hcl := "targets = [\"splunk\"]\n\ntarget \"splunk\" {\n  source {\n    category = \"process_creation\"\n    index    = \"edr\"\n  }\n}\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "detc.hcl"), []byte(hcl), 0o644))
	code, _, stderr := detc(t, "lint", ".")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "detc.hcl:4:3: warning: target splunk, profile cim: this source for log source category=process_creation is not read by rules of category=process_creation,product=windows, which the profile reads from its own sources for them")

	// Naming the Windows log source too covers every process rule.
	hcl = strings.Replace(hcl, "}\n}\n", "}\n  source {\n    category = \"process_creation\"\n    product  = \"windows\"\n    index    = \"edr\"\n  }\n}\n", 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "detc.hcl"), []byte(hcl), 0o644))
	code, _, stderr = detc(t, "lint", ".")
	require.Equal(t, 0, code, stderr)
	assert.NotContains(t, stderr, "shadowed")
	assert.NotContains(t, stderr, "is not read by rules of")
}

func TestProjectFileErrors(t *testing.T) {
	dir := projectRepo(t)
	write := func(text string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "detc.hcl"), []byte(text), 0o644))
	}
	for _, tt := range []struct {
		name, file string
		args       []string
		code       int
		stderr     string
	}{
		{"misspelt attribute", "target \"kql\" {\n  profile = [\"defender-xdr\"]\n}\n", nil, 1, `detc.hcl:2:3: error: Unsupported argument: An argument named "profile" is not expected here. Did you mean "profiles"?`},
		{"misspelt block", "targt \"kql\" {\n}\n", nil, 1, `detc.hcl:1:1: error: Unsupported block type: Blocks of type "targt" are not expected here. Did you mean "target"?`},
		{"unknown profile", "target \"kql\" {\n  profiles = [\"defender\"]\n}\n", nil, 1, `detc.hcl:2:14: error: target kql has no profile "defender"`},
		{"unknown target", "targets = [\"splnk\"]\n", nil, 1, `detc.hcl:1:11: error: unknown target "splnk" (did you mean "splunk"?)`},
		{"index on kql", "target \"kql\" {\n  index = \"x\"\n}\n", nil, 1, "detc.hcl:2:11: error: target kql reads tables, not indexes"},
		{"bad severity", "check \"fixture-coverage\" {\n  severity = \"ignore\"\n}\n", nil, 1, `detc.hcl:2:14: error: check "fixture-coverage": severity "ignore" is not off, warning or error`},
		{"unknown check", "check \"fixture-coverag\" {\n  severity = \"off\"\n}\n", nil, 1, `unknown check "fixture-coverag" (did you mean "fixture-coverage"?)`},
		{"missing mapping", "target \"splunk\" {\n  mappings = [\"nope.yml\"]\n}\n", nil, 1, "nope.yml: error: cannot read"},
		{"flag: ambiguous index", "", []string{"--index", "main"}, 2, "--index main: say which target it is for, as TARGET=main"},
		{"flag: unknown check", "", []string{"--check", "fixture-coverag=off"}, 2, `unknown check "fixture-coverag" (did you mean "fixture-coverage"?)`},
		{"flag: unknown profile", "", []string{"--profile", "kql=asim"}, 2, `target kql has no profile "asim"`},
		{"flag: profile no target has", "", []string{"--profile", "nope"}, 2, "--profile nope: no target has it"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			write(tt.file)
			code, _, stderr := detc(t, append([]string{"build", "--out", filepath.Join(dir, "out")}, append(tt.args, ".")...)...)
			assert.Equal(t, tt.code, code, stderr)
			assert.Contains(t, stderr, tt.stderr)
		})
	}
}

// TestCheckSeverities: --check and check blocks set a check's severity in
// lint, test and build, the flag over the file.
func TestCheckSeverities(t *testing.T) {
	dir := copyTree(t, "testdata/good")
	file := filepath.Join(dir, "proxy.hcl")
	src, err := os.ReadFile(file)
	require.NoError(t, err)
	// Drop the first detection's test: it is no longer proved on fixtures.
	text := string(src)
	start := strings.Index(text, `  test "posts" {`)
	end := start + strings.Index(text[start:], "  }\n") + len("  }\n")
	require.NoError(t, os.WriteFile(file, []byte(text[:start]+text[end:]), 0o644))
	out := filepath.Join(t.TempDir(), "out")

	code, _, stderr := detc(t, "lint", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "error: detection \"11111111-1111-4111-8111-111111111111\" has no fixture tests")
	code, stdout, _ := detc(t, "test", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, stdout, "1 passed, 1 failed\n")
	code, _, _ = detc(t, "build", "--out", out, dir)
	assert.Equal(t, 1, code)

	code, stdout, stderr = detc(t, "lint", "--check", "fixture-coverage=warning", dir)
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "warning: detection \"11111111-1111-4111-8111-111111111111\" has no fixture tests")
	assert.Contains(t, stdout, "0 errors, 1 warning\n")
	code, _, stderr = detc(t, "lint", "--check", "fixture-coverage=off", dir)
	assert.Equal(t, 0, code, stderr)
	assert.NotContains(t, stderr, "fixture tests")
	code, stdout, _ = detc(t, "test", "--check", "fixture-coverage=off", dir)
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, "SKIP 11111111-1111-4111-8111-111111111111 ")
	assert.Contains(t, stdout, "1 passed, 0 failed, 1 skipped\n")
	code, stdout, _ = detc(t, "test", "--check", "fixture-coverage=off", "--format", "junit", dir)
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, `<skipped message="no fixture tests`)

	// The same from a check block; the flag still wins.
	conf := filepath.Join(dir, "detc.hcl")
	require.NoError(t, os.WriteFile(conf, []byte("check \"fixture-coverage\" {\n  severity = \"off\"\n}\n"), 0o644))
	code, _, stderr = detc(t, "build", "--config", conf, "--out", out, dir)
	assert.Equal(t, 0, code, stderr)
	code, _, _ = detc(t, "build", "--config", conf, "--check", "fixture-coverage=error", "--out", out, dir)
	assert.Equal(t, 1, code)
	code, _, _ = detc(t, "lint", "--check", "unused-search=error", "--check", "missing-metadata=off", dir)
	assert.Equal(t, 1, code, "other checks keep their severity")
}

// TestRuleTargets: a Sigma rule's targets key and an HCL detection's
// targets attribute keep it out of the other targets' files; a misspelt
// target is an error with the name it meant.
func TestRuleTargets(t *testing.T) {
	dir := copyTree(t, "testdata/good")
	sigmaRule := `title: Webhook DNS lookup
id: 33333333-3333-4333-8333-333333333333
status: test
level: low
description: A host resolved a webhook host.
author: detc tests
date: 2026-11-30
tags: [attack.exfiltration, attack.t1567.004]
targets: [kql/sentinel-asim]
logsource: {category: dns}
detection:
  sel: {query: hooks.slack.com}
  condition: sel
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "dns.yml"), []byte(sigmaRule), 0o644))
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := detc(t, "build", "--check", "fixture-coverage=off", "--out", out, dir)
	require.Equal(t, 0, code, stderr)
	tree := testutil.ReadTree(t, out)
	assert.Contains(t, tree, "kql/analytics-rules/33333333-3333-4333-8333-333333333333.yaml")
	assert.NotContains(t, tree["splunk/detc_detections/default/savedsearches.conf"], "33333333-3333-4333-8333-333333333333")
	assert.NotContains(t, tree["elastic/detection-rules.ndjson"], "Webhook DNS lookup")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "dns.yml"), []byte(strings.Replace(sigmaRule, "kql/sentinel-asim", "kql/sentinel-asm", 1)), 0o644))
	code, _, stderr = detc(t, "lint", "--check", "fixture-coverage=off", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, `dns.yml:9:10: error: rule 33333333-3333-4333-8333-333333333333: unknown target "kql/sentinel-asm" (did you mean "kql/sentinel-asim"?)`)
}

func TestCompileHelpListsProfiles(t *testing.T) {
	code, stdout, _ := detc(t, "compile", "--help")
	require.Equal(t, 0, code)
	for _, p := range []string{"cim", "sentinel-asim", "sentinel-csl", "defender-xdr", "ecs", "lucene, eql, esql", "variants: tstats"} {
		assert.Contains(t, stdout, p)
	}
}

// noProject is the settings of a run without a project file: every target
// in its default profile, the fixtures folder of the working folder.
func noProject(t *testing.T) *project.Settings {
	t.Helper()
	s, _, err := project.Open(&project.Flags{Config: project.NoConfig}, nil)
	require.NoError(t, err)
	return s
}

// The build summary says, for a log source the profile reads from
// alternative sources, how many rules read each.
func TestBuildCountsAlternativeSources(t *testing.T) {
	dir := t.TempDir()
	rules := map[string]string{
		// Event 4688 has every field: the first source.
		"whoami.yml": "title: whoami\nid: 0f0c2a54-6d3e-4b8e-9a51-1d1f0e7c2a01\nstatus: test\nlevel: low\nlogsource:\n  category: process_creation\n  product: windows\ndetection:\n  sel:\n    Image|endswith: '\\whoami.exe'\n  condition: sel\n",
		// Event 4688 has no original file name: Sysmon's event 1.
		"renamed.yml": "title: renamed whoami\nid: 0f0c2a54-6d3e-4b8e-9a51-1d1f0e7c2a02\nstatus: test\nlevel: low\nlogsource:\n  category: process_creation\n  product: windows\ndetection:\n  sel:\n    OriginalFileName: 'whoami.exe'\n  filter:\n    Image|endswith: '\\whoami.exe'\n  condition: sel and not filter\n",
	}
	for name, text := range rules {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := detc(t, "build", "--config", "none", "--check", "fixture-coverage=off", "--target", "kql", "--profile", "kql=sentinel-csl", "--out", out, dir)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "  kql/sentinel-csl, category=process_creation,product=windows: 1 from Sysmon event 1 (WindowsEvent), 1 from event 4688 (SecurityEvent)\n")
}
