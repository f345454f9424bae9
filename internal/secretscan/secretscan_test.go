package secretscan

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func packLists(t *testing.T) Lists {
	t.Helper()
	set, diags := load.Paths([]string{filepath.Join(testutil.RepoRoot(t), "detections")})
	require.False(t, diags.HasErrors(), "%v", diags)
	return set.Lists
}

func packFiles(t *testing.T) map[string][]byte {
	t.Helper()
	arts, err := Files(packLists(t))
	require.NoError(t, err)
	out := map[string][]byte{}
	for _, a := range arts {
		out[a.Path] = a.Data
	}
	return out
}

func TestGolden(t *testing.T) {
	files := packFiles(t)
	testutil.Golden(t, "pack/"+GitleaksFile, files[GitleaksFile])
	testutil.Golden(t, "pack/"+GitHubFile, files[GitHubFile])
}

// finding is what the test compares: where and which rule.
type finding struct {
	File string `json:"File"`
	Line int    `json:"StartLine"`
	Rule string `json:"RuleID"`
}

func (f finding) String() string { return fmt.Sprintf("%s:%d %s", f.File, f.Line, f.Rule) }

// runGitleaks scans dir with config ("" for gitleaks' own default rules)
// and returns the findings, paths relative to dir.
func runGitleaks(t *testing.T, dir, config string) []finding {
	t.Helper()
	bin := testutil.Tool(t, "gitleaks")
	report := filepath.Join(t.TempDir(), "report.json")
	args := []string{"dir", "--no-banner", "--exit-code", "0", "--report-format", "json", "--report-path", report, "--log-level", "error"}
	if config != "" {
		args = append(args, "--config", config)
	}
	cmd := exec.Command(bin, append(args, dir)...)
	// gitleaks would read a config from these; the default run must use
	// its built-in rules.
	cmd.Env = append(os.Environ(), "GITLEAKS_CONFIG=", "GITLEAKS_CONFIG_TOML=")
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "gitleaks failed:\n%s", out)
	data, err := os.ReadFile(report)
	require.NoError(t, err)
	var found []finding
	require.NoError(t, json.Unmarshal(data, &found), "gitleaks report:\n%s", data)
	for i := range found {
		rel, err := filepath.Rel(dir, found[i].File)
		require.NoError(t, err)
		found[i].File = filepath.ToSlash(rel)
	}
	sort.Slice(found, func(i, j int) bool { return found[i].String() < found[j].String() })
	return found
}

func expected(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "expected.txt"))
	require.NoError(t, err)
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

// TestGitleaksFindsEveryFake runs gitleaks itself with the generated
// configuration over fixture files: every fake webhook URL and token is
// found at its file and line by the right rule, and nothing in the
// look-alikes (placeholders, documentation links, the services' other
// URLs) is reported. It also counts what gitleaks' default rules find on
// the same files, the figure docs/response.md quotes.
func TestGitleaksFindsEveryFake(t *testing.T) {
	config := filepath.Join(t.TempDir(), GitleaksFile)
	require.NoError(t, os.WriteFile(config, packFiles(t)[GitleaksFile], 0o644))
	fixtures, err := filepath.Abs("testdata")
	require.NoError(t, err)

	// gitleaks also scans the percent-decoded text of a line, so a URL
	// with %2F or %3D in it is reported twice at the same place.
	var got []string
	for _, f := range runGitleaks(t, fixtures, config) {
		if len(got) == 0 || got[len(got)-1] != f.String() {
			got = append(got, f.String())
		}
	}
	want := expected(t)
	assert.Equal(t, want, got, "the detc rules: findings differ from testdata/expected.txt")

	var inFakes, inLookalikes int
	seen := map[string]bool{}
	for _, f := range runGitleaks(t, fixtures, "") {
		if seen[f.String()] {
			continue
		}
		seen[f.String()] = true
		if strings.HasPrefix(f.File, "lookalikes/") {
			inLookalikes++
		} else if strings.HasPrefix(f.File, "fakes/") {
			inFakes++
		}
	}
	t.Logf("fakes: %d planted; detc rules find %d, gitleaks' default rules %d (and %d in the look-alikes)", len(want), len(got), inFakes, inLookalikes)
	assert.Greater(t, len(got), inFakes, "the detc rules must find more than gitleaks' defaults")

	// The allow list does work the shapes alone do not: without it, a
	// placeholder look-alike is reported.
	toml := string(packFiles(t)[GitleaksFile])
	bare := filepath.Join(t.TempDir(), "bare.toml")
	require.NoError(t, os.WriteFile(bare, []byte(toml[:strings.Index(toml, "# Placeholders")]), 0o644))
	var placeholders []string
	for _, f := range runGitleaks(t, filepath.Join(fixtures, "lookalikes"), bare) {
		placeholders = append(placeholders, f.String())
	}
	assert.Contains(t, placeholders, "config.env:7 make-webhook-url")
}

// TestEveryPackHostHasARule: each host and suffix the detections know
// appears in some rule, so a service added to webhooks.hcl without a
// secret-scanning rule fails here.
func TestEveryPackHostHasARule(t *testing.T) {
	lists := packLists(t)
	config := string(packFiles(t)[GitleaksFile])
	for _, name := range []string{"webhook_hosts", "webhook_suffixes"} {
		require.NotEmpty(t, lists[name], name)
		for _, v := range lists[name] {
			assert.Contains(t, config, regexp.QuoteMeta(v.Text), "no secret-scanning rule covers %s (%s)", v.Text, name)
		}
	}
}

// TestMissingLists: services whose lists are absent are left out and
// named; with none of them there is no file at all.
func TestMissingLists(t *testing.T) {
	arts, err := Files(Lists{})
	require.NoError(t, err)
	assert.Empty(t, arts)

	lists := packLists(t)
	delete(lists, "discord_hosts")
	arts, err = Files(lists)
	require.NoError(t, err)
	require.Len(t, arts, 2)
	assert.Contains(t, string(arts[0].Data), "# Left out: discord-webhook-url (no list discord_hosts)\n")
	assert.NotContains(t, string(arts[0].Data), `id = "discord-webhook-url"`)
}

// TestGitHubPatterns: each pattern's parts compile and, put together,
// match what the gitleaks rule matches in the fakes.
func TestGitHubPatterns(t *testing.T) {
	var patterns []gitHubPattern
	require.NoError(t, json.Unmarshal(packFiles(t)[GitHubFile], &patterns))
	require.Len(t, patterns, len(Services))
	fakes, err := os.ReadDir(filepath.Join("testdata", "fakes"))
	require.NoError(t, err)
	var text strings.Builder
	for _, f := range fakes {
		data, err := os.ReadFile(filepath.Join("testdata", "fakes", f.Name()))
		require.NoError(t, err)
		text.Write(data)
	}
	for _, p := range patterns {
		re := regexp.MustCompile(p.BeforeSecret + "(" + p.SecretFormat + ")" + p.AfterSecret)
		assert.True(t, re.MatchString(text.String()), "%s matches none of the fakes", p.Name)
		for _, m := range p.MustNotMatch {
			regexp.MustCompile(m)
		}
	}
}
