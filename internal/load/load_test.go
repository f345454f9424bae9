package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/detc/detc/internal/rule"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tree writes files (path -> content) under a new temporary folder.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(content), 0o644))
	}
	return dir
}

func strs(diags rule.Diagnostics) []string {
	var out []string
	for _, d := range diags {
		out = append(out, d.String())
	}
	return out
}

func TestFind(t *testing.T) {
	dir := tree(t, map[string]string{
		"b/z.yml": "x", "b/a.hcl": "x", "a.yaml": "x", "c.YML": "x",
		"notes.md": "x", "cards/T1567.004.card.yml": "x", "b/z.test.yml": "x",
		".hidden/x.yml": "x", "b/.swap.yml": "x",
	})
	rel := func(files []string) []string {
		for i, f := range files {
			files[i] = strings.TrimPrefix(filepath.ToSlash(f), filepath.ToSlash(dir)+"/")
		}
		return files
	}
	files, diags := Find([]string{dir})
	assert.Empty(t, diags)
	assert.Equal(t, []string{"a.yaml", "b/a.hcl", "b/z.yml", "c.YML"}, rel(files))

	// A file named twice, or inside a folder also named, is read once.
	files, diags = Find([]string{filepath.Join(dir, "b"), filepath.Join(dir, "b", "z.yml"), dir + "/b/"})
	assert.Empty(t, diags)
	assert.Equal(t, []string{"b/a.hcl", "b/z.yml"}, rel(files))

	missing := filepath.Join(dir, "nope")
	notes := filepath.Join(dir, "notes.md")
	files, diags = Find([]string{missing, notes})
	assert.Empty(t, files)
	assert.Equal(t, []string{
		missing + ": error: cannot read " + missing + ": no such file or directory",
		notes + ": error: " + notes + " is not a detection file: detc reads .yml, .yaml (Sigma) and .hcl files",
	}, strs(diags))
}

func TestFindDefaultPath(t *testing.T) {
	dir := tree(t, map[string]string{"detections/x.hcl": "x"})
	t.Chdir(dir)
	files, diags := Find(nil)
	assert.Empty(t, diags)
	assert.Equal(t, []string{filepath.Join("detections", "x.hcl")}, files)
}

func TestRead(t *testing.T) {
	dir := tree(t, map[string]string{
		"ok.yml":     "title: x\n",
		"empty.yml":  "",
		"blank.hcl":  " \n\t\n",
		"nul.yml":    "title: x\nid: a\x00b\n",
		"latin1.yml": "title: caf\xe9\n",
	})
	tests := []struct {
		file string
		want string // "" when the file reads
	}{
		{"ok.yml", ""},
		{"empty.yml", ":1:1: error: file is empty: a detection file holds at least one rule"},
		{"blank.hcl", ":1:1: error: file is empty: a detection file holds at least one rule"},
		{"nul.yml", ":2:6: error: file is not UTF-8 text (binary data at this position)"},
		{"latin1.yml", ":1:11: error: file is not UTF-8 text (binary data at this position)"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f := filepath.Join(dir, tt.file)
			data, diags := Read(f)
			if tt.want == "" {
				assert.Empty(t, diags)
				assert.NotNil(t, data)
				return
			}
			assert.Nil(t, data)
			assert.Equal(t, []string{f + tt.want}, strs(diags))
			assert.Equal(t, rule.Error, diags[0].Severity)
			assert.NotEmpty(t, diags[0].Code)
		})
	}
}

func TestReadTooLarge(t *testing.T) {
	f := filepath.Join(t.TempDir(), "big.yml")
	require.NoError(t, os.WriteFile(f, make([]byte, MaxFileSize+1), 0o644))
	data, diags := Read(f)
	assert.Nil(t, data)
	assert.Equal(t, []string{f + ":1:1: error: file is 10485761 bytes; a detection file may be at most 10 MB"}, strs(diags))
}

// Sigma rules fill %name% placeholders from the HCL locals of the same run,
// so the webhook list is written once for both formats.
func TestPathsResolvesSigmaPlaceholdersFromHCLLocals(t *testing.T) {
	dir := tree(t, map[string]string{
		"lists.hcl": "locals {\n  webhook_hosts = [\"webhook.site\", \"hooks.slack.com\"]\n}\n",
		"dns.yml": `title: DNS lookup of a webhook host
id: 0b6f1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d
status: test
level: medium
logsource:
  category: dns
detection:
  selection:
    query|endswith|expand: '%webhook_hosts%'
  unknown:
    query|expand: '%no_such_list%'
  condition: selection or unknown
`,
	})
	set, diags := Paths([]string{dir})
	require.Len(t, diags, 1, strs(diags))
	assert.Contains(t, diags[0].String(), "dns.yml:11:19: error: placeholder %no_such_list% names no list")
	require.Len(t, set.Rules, 1)
	m := set.Rules[0].Search("selection").Groups[0].Matchers[0]
	assert.Equal(t, rule.OpEndsWith, m.Op)
	require.Len(t, m.Values, 2)
	assert.Equal(t, "webhook.site", m.Values[0].Text)
	assert.Equal(t, "hooks.slack.com", m.Values[1].Text)
}

// Loading a subfolder still gives its detections the shared lists and the
// pivots of the folders above it, but not their detections.
func TestPathsSubfolderSeesSharedListsAndPivots(t *testing.T) {
	dir := tree(t, map[string]string{
		"detections/lists.hcl": "locals {\n  hosts = [\"webhook.site\"]\n}\n" +
			"detection \"top\" {\n  title = \"top\"\n  logsource {\n    category = \"proxy\"\n  }\n  selection \"s\" {\n    match \"cs-host\" {\n      equals = local.hosts\n    }\n  }\n  condition = \"s\"\n}\n",
		"detections/pivots/p.hcl": "detection \"pivot_hosts\" {\n  title = \"pivot\"\n  tags = [\"detc.pivot\"]\n  logsource {\n    category = \"proxy\"\n  }\n  selection \"s\" {\n    match \"cs-host\" {\n      equals = local.hosts\n    }\n  }\n  condition = \"s\"\n}\n",
		"detections/proxy/d.hcl":  "detection \"sub\" {\n  title = \"sub\"\n  logsource {\n    category = \"proxy\"\n  }\n  selection \"s\" {\n    match \"cs-host\" {\n      endswith = local.hosts\n    }\n  }\n  condition = \"s\"\n}\n",
	})
	wd, err := os.Getwd()
	require.NoError(t, err)
	require.NoError(t, os.Chdir(dir))
	defer func() { require.NoError(t, os.Chdir(wd)) }()

	set, diags := Paths([]string{filepath.Join("detections", "proxy")})
	require.False(t, diags.HasErrors(), strs(diags))
	names := func(rs []*rule.Rule) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Name)
		}
		return out
	}
	assert.Equal(t, []string{"sub"}, names(set.Rules), "the parent's detection and pivot are not rules of the run")
	assert.Equal(t, []string{"pivot_hosts"}, names(set.SharedPivots), "but its pivot is there for runbooks")
	assert.Equal(t, []string{"sub", "pivot_hosts"}, names(set.RunbookRules()))
	assert.Equal(t, []string{filepath.Join("detections", "proxy", "d.hcl")}, set.Files, "only the requested files are the run's detection files")
}
