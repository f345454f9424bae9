package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func TestCompileText(t *testing.T) {
	code, stdout, stderr := detc(t, "compile", "--target", "elastic", "testdata/good")
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stderr)
	blocks := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n\n")
	require.Len(t, blocks, 2, stdout)
	// Rules come in file order, then in their order in the file.
	assert.True(t, strings.HasPrefix(blocks[0], "# 11111111-1111-4111-8111-111111111111 POST to a webhook host\n"), blocks[0])
	assert.True(t, strings.HasPrefix(blocks[1], "# 22222222-2222-4222-8222-222222222222 Request to a request catcher\n"), blocks[1])
	for _, b := range blocks {
		lines := strings.SplitN(b, "\n", 2)
		require.Len(t, lines, 2)
		assert.NotEmpty(t, strings.TrimSpace(lines[1]), "a query follows the comment line")
	}
}

func TestCompileJSON(t *testing.T) {
	code, stdout, stderr := detc(t, "compile", "--target", "elastic", "--json", "testdata/good", "testdata/refused")
	assert.Equal(t, 1, code, "a refused rule makes the exit status 1")
	assert.Regexp(t, `^testdata/refused/unmapped\.hcl:19:5: error: rule 44444444-4444-4444-8444-444444444444: elastic/ecs cannot express field "x-no-such-field"`, stderr)
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	require.Len(t, lines, 3)
	var objs []map[string]any
	for _, l := range lines {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		objs = append(objs, m)
	}
	for _, m := range objs[:2] {
		assert.Equal(t, []string{"file", "lang", "profile", "query", "rule_id", "target", "title"}, keys(m))
		assert.Equal(t, "elastic", m["target"])
		assert.Equal(t, "lucene", m["lang"], "the language elastic picked for the rule")
		assert.Equal(t, "ecs", m["profile"])
		assert.Equal(t, "testdata/good/proxy.hcl", m["file"])
		assert.NotEmpty(t, m["query"])
	}
	assert.Equal(t, "11111111-1111-4111-8111-111111111111", objs[0]["rule_id"])
	assert.Equal(t, "POST to a webhook host", objs[0]["title"])

	refused := objs[2]
	assert.Equal(t, []string{"error", "file", "profile", "rule_id", "target", "title"}, keys(refused))
	assert.Equal(t, "44444444-4444-4444-8444-444444444444", refused["rule_id"])
	e := refused["error"].(map[string]any)
	assert.Equal(t, []string{"column", "line", "message"}, keys(e))
	assert.Equal(t, float64(19), e["line"])
	assert.Equal(t, float64(5), e["column"])
	assert.Contains(t, e["message"], `elastic/ecs cannot express field "x-no-such-field"`)
}

// TestCompileMappingErrors: a mapping file's problems are diagnostics at
// their file:line:col with the source line, every one of them, and
// nothing is compiled.
func TestCompileMappingErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yml")
	require.NoError(t, os.WriteFile(bad, []byte("target: elastic\nsources:\n  - logsource: {category: proxy}\n    atrs:\n      index: logs-*\n  - logsource: {category: dns}\n    attrs: {indx: logs-dns}\n"), 0o644))
	code, stdout, stderr := detc(t, "compile", "--target", "elastic", "--mapping", bad, "testdata/good")
	assert.Equal(t, 1, code)
	assert.Empty(t, stdout)
	assert.Equal(t, bad+`:4:5: error: unknown key "atrs" in a source (did you mean "attrs"?); the keys are logsource, label, attrs, fields, unsupported
    4 |     atrs:
      |     ^
`+bad+`:7:13: error: unknown elastic source attribute "indx" (did you mean "index"?); elastic reads category, filter, index, only_product
    7 |     attrs: {indx: logs-dns}
      |             ^
`, stderr)

	// A file over the cap is refused before it is read.
	big := filepath.Join(dir, "big.yml")
	f, err := os.Create(big)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(10<<20))
	require.NoError(t, f.Close())
	code, _, stderr = detc(t, "compile", "--target", "elastic", "--mapping", big, "testdata/good")
	assert.Equal(t, 1, code)
	assert.Equal(t, big+":1:1: error: file is 10 MB; a mapping file may be at most 1 MB\n", stderr)
}

func TestCompileOptions(t *testing.T) {
	mapping := filepath.Join(t.TempDir(), "map.yml")
	require.NoError(t, os.WriteFile(mapping, []byte("target: elastic\nfields:\n  x-no-such-field:\n    name: labels.x\n    type: keyword\n"), 0o644))
	otherTarget := filepath.Join(t.TempDir(), "map.yml")
	require.NoError(t, os.WriteFile(otherTarget, []byte("target: splunk\n"), 0o644))
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"raw profile keeps field names", []string{"--profile", "raw"}, 0, `x\-no\-such\-field:"1"`, ""},
		{"mapping file maps the field", []string{"--mapping", mapping}, 0, `labels.x:"1"`, ""},
		{"mapping for another target", []string{"--mapping", otherTarget}, 1, "", `the mapping is for target "splunk", not "elastic"`},
		{"missing mapping file", []string{"--mapping", "nope.yml"}, 1, "", "nope.yml: error: cannot read nope.yml: no such file or directory"},
		{"another language", []string{"--lang", "eql", "--profile", "raw"}, 0, "any where", ""},
		{"unknown profile", []string{"--profile", "nope"}, 2, "", `target elastic has no profile "nope"`},
		{"unknown language", []string{"--lang", "sql"}, 2, "", `target elastic has no language "sql"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"compile", "--target", "elastic"}, tt.args...)
			code, stdout, stderr := detc(t, append(args, "testdata/refused")...)
			assert.Equal(t, tt.code, code, stderr)
			assert.Contains(t, stdout, tt.stdout)
			assert.Contains(t, stderr, tt.stderr)
		})
	}
}

// A mistake in the rule is the rule's error, at its position, for every
// target: never a target's refusal ("cannot express search ...").
func TestCompileMissingSearchIsARuleError(t *testing.T) {
	for _, target := range []string{"splunk", "kql", "elastic"} {
		t.Run(target, func(t *testing.T) {
			code, stdout, stderr := detc(t, "compile", "--target", target, "--json", "testdata/broken")
			assert.Equal(t, 1, code)
			assert.Regexp(t, `^testdata/broken/missing_search\.hcl:24:28: error: condition names search "filtr", which rule 55555555-5555-4555-8555-555555555555 does not define \(searches: sel\)`, stderr)
			assert.NotContains(t, stderr, "cannot express")
			var line map[string]any
			require.NoError(t, json.Unmarshal([]byte(stdout), &line), stdout)
			e := line["error"].(map[string]any)
			assert.Equal(t, float64(24), e["line"])
			assert.Equal(t, float64(28), e["column"])
			assert.Contains(t, e["message"], `condition names search "filtr"`)
		})
	}
}

// An option a target does not have is a usage error (exit 2) for every
// target, before any rule is compiled.
func TestCompileUnsupportedOptionIsUsage(t *testing.T) {
	tests := []struct {
		target string
		args   []string
		stderr string
	}{
		{"kql", []string{"--variant", "tstats"}, `target kql has no variant "tstats"`},
		{"elastic", []string{"--variant", "tstats"}, `target elastic has no variant "tstats"`},
		{"splunk", []string{"--variant", "fast"}, `target splunk has no variant "fast" (variants: tstats)`},
		{"kql", []string{"--lang", "eql"}, `target kql has no language "eql"`},
	}
	for _, tt := range tests {
		t.Run(tt.target+" "+strings.Join(tt.args, " "), func(t *testing.T) {
			args := append([]string{"compile", "--target", tt.target}, tt.args...)
			code, stdout, stderr := detc(t, append(args, "testdata/good")...)
			assert.Equal(t, 2, code, stderr)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tt.stderr)
		})
	}
}

// Every command runs the check phase: a missing search is the rule's error
// at its position in each, and nothing is compiled, run or written for it.
func TestEveryCommandReportsTheRuleError(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	for _, args := range [][]string{
		{"lint", "testdata/broken"},
		{"test", "testdata/broken"},
		{"compile", "--target", "splunk", "testdata/broken"},
		{"build", "--out", out, "testdata/broken"},
		{"runbook", "testdata/broken"},
	} {
		t.Run(args[0], func(t *testing.T) {
			code, stdout, stderr := detc(t, args...)
			assert.Equal(t, 1, code)
			assert.Contains(t, stderr+stdout, `testdata/broken/missing_search.hcl:24:28: error: condition names search "filtr"`)
			assert.NotContains(t, stderr+stdout, "cannot express")
			assert.NotContains(t, stdout, "# Runbook", "no runbook for a rule with errors")
		})
	}
	assert.NoDirExists(t, out, "build writes nothing")
}

// TestCompileJSONLanguagePerRule: without --lang, the elastic target
// writes a rule Lucene cannot express (two fields compared) in ES|QL and
// says so in the JSON line; --lang lucene forces Lucene and is refused.
func TestCompileJSONLanguagePerRule(t *testing.T) {
	dir := t.TempDir()
	rule := "title: Own image\nid: 5e1f0000-0000-4000-8000-000000000001\nlogsource:\n  category: process_creation\n  product: windows\ndetection:\n  same:\n    Image|fieldref: ParentImage\n  condition: same\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "own.yml"), []byte(rule), 0o644))
	code, stdout, stderr := detc(t, "compile", "--target", "elastic", "--json", dir)
	require.Equal(t, 0, code, stderr)
	var line map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &line), stdout)
	assert.Equal(t, "esql", line["lang"])
	assert.Contains(t, line["query"], "TO_LOWER(process.executable) == TO_LOWER(process.parent.executable)")

	code, _, stderr = detc(t, "compile", "--target", "elastic", "--lang", "lucene", "--json", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "a Lucene query cannot compare two fields of an event")
}

// TestCompileJSONNamesTheSource: where the profile reads a log source from
// alternative sources, the JSON line names the one the rule reads.
func TestCompileJSONNamesTheSource(t *testing.T) {
	dir := t.TempDir()
	for name, sel := range map[string]string{"image.yml": "Image|endswith: '\\whoami.exe'", "original.yml": "OriginalFileName: whoami.exe", "user.yml": "User|contains: AUTHORI"} {
		rule := "title: " + name + "\nid: 5e1f0000-0000-4000-8000-00000000000" + string(name[0]) + "\nlogsource:\n  category: process_creation\n  product: windows\ndetection:\n  sel:\n    " + sel + "\n  condition: sel\n"
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(rule), 0o644))
	}
	code, stdout, stderr := detc(t, "compile", "--config", "none", "--target", "kql", "--profile", "sentinel-csl", "--profile", "sentinel-asim", "--profile", "defender-xdr", "--json", dir)
	require.Equal(t, 0, code, stderr)
	sources := map[string]any{}
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var line map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &line), l)
		sources[line["title"].(string)+" "+line["profile"].(string)] = line["source"]
	}
	assert.Equal(t, map[string]any{
		"image.yml sentinel-csl":     "event 4688 (SecurityEvent)",
		"original.yml sentinel-csl":  "Sysmon event 1 (WindowsEvent)",
		"user.yml sentinel-csl":      "Sysmon event 1 (WindowsEvent)",
		"image.yml sentinel-asim":    "every parser (_Im_ProcessEvent)",
		"original.yml sentinel-asim": "every parser (_Im_ProcessEvent)",
		"user.yml sentinel-asim":     "Sysmon rows (_Im_ProcessEvent, EventOriginalType 1)",
		"image.yml defender-xdr":     nil, // one source: no name to give
		"original.yml defender-xdr":  nil,
		"user.yml defender-xdr":      nil,
	}, sources)
}
