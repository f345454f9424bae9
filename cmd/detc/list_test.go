package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/internal/lint"
)

func TestList(t *testing.T) {
	code, stdout, stderr := detc(t, "list", "targets")
	require.Equal(t, 0, code, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 1+len(registry.All()))
	assert.Regexp(t, `^TARGET\s+DEFAULT_PROFILE\s+LANGUAGES\s+VARIANTS\s+TITLE$`, lines[0])
	assert.Regexp(t, `^splunk\s+cim\s+spl\s+tstats\s+Splunk$`, lines[1])
	assert.Regexp(t, `^elastic\s+ecs\s+lucene,eql,esql\s+Elastic$`, lines[3])

	decode := func(kind string) []map[string]string {
		t.Helper()
		code, stdout, stderr := detc(t, "list", "--json", kind)
		require.Equal(t, 0, code, stderr)
		var rows []map[string]string
		require.NoError(t, json.Unmarshal([]byte(stdout), &rows))
		return rows
	}
	var profiles []string
	for _, r := range decode("profiles") {
		profiles = append(profiles, r["target"]+"/"+r["profile"]+" "+r["default"])
		assert.NotEmpty(t, r["description"], r["profile"])
	}
	assert.Equal(t, []string{"splunk/cim default", "splunk/raw ", "kql/sentinel-asim default", "kql/sentinel-csl ", "kql/defender-xdr ", "kql/raw ", "elastic/ecs default", "elastic/raw "}, profiles)
	var langs []string
	for _, r := range decode("languages") {
		langs = append(langs, r["target"]+"/"+r["language"])
	}
	assert.Equal(t, []string{"splunk/spl", "kql/kql", "elastic/lucene", "elastic/eql", "elastic/esql"}, langs)
	var checks []string
	for _, r := range decode("checks") {
		checks = append(checks, r["code"])
	}
	assert.Equal(t, lint.CheckCodes(), checks)
	formats := map[string][]string{}
	for _, r := range decode("formats") {
		formats[r["command"]] = append(formats[r["command"]], r["format"])
	}
	assert.Contains(t, formats["lint"], "sarif")
	assert.Contains(t, formats["test"], "junit")
	assert.Equal(t, []string{"markdown", "json"}, formats["diff"])
	assert.Contains(t, formats["hunt"], "squid")

	for _, args := range [][]string{{"list"}, {"list", "pipelines"}, {"list", "targets", "profiles"}} {
		code, _, stderr := detc(t, args...)
		assert.Equal(t, 2, code, args)
		assert.Contains(t, stderr, "say what to list: targets, profiles, languages, formats, checks")
	}
}
