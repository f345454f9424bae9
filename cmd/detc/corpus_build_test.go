package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/detc/detc/backends/kql"
	"github.com/detc/detc/internal/build"
	"github.com/detc/detc/internal/testutil"
)

// corpusRules is the number of rules in the shared SigmaHQ corpus.
const corpusRules = 3141

var (
	builtLine = regexp.MustCompile(`(?m)^built (\d+) detections for .* into .*: (\d+) files, (\d+) refusals`)
	countLine = regexp.MustCompile(`(?m)^  (\S+): (\d+) deployed, (\d+) refused, (\d+) left out by their targets$`)
	// refusalWarning is a refusal's diagnostic on stderr.
	refusalWarning = regexp.MustCompile(`(?m)^\S+:\d+:\d+: warning: rule \S+: \S+/\S+ cannot express `)
	// undeployedWarning is a rule deployed nowhere for what the SIEMs lack.
	undeployedWarning = regexp.MustCompile(`(?m)^\S+:\d+:\d+: warning: rule \S+ is deployed nowhere: every target meant for it refuses it`)
	nowhereLine       = regexp.MustCompile(`(?m)^  (\d+) detections? deployed nowhere: `)
)

// TestCorpusBuild builds SigmaHQ's whole rule set (optional: it skips
// where ../shared/sigma-corpus is absent, unless DETC_REQUIRE_CORPUS=1)
// with the policy a team adopting the set chooses, no fixture tests
// (--check fixture-coverage=off and nothing else): first with issue 13's
// command (every target in its default profile), then for every target
// in each of its real-schema profiles. The build succeeds with no error
// and no ATT&CK tactic warning (SigmaHQ tags v19's tactics); the rules
// every target refuses (their log source is not collected, their fields
// not carried) are warnings, each counted in the summary and marked in
// refusals.json; every rule is counted in every deployment, and every
// deployment file parses. (--config none stands for a folder without a
// detc.hcl: the test runs inside detc's repository, whose detc.hcl would
// be found.)
func TestCorpusBuild(t *testing.T) {
	rules := testutil.SigmaCorpus(t)
	tests := []struct {
		name        string
		profiles    []string
		deployments int
	}{
		{"the issue's command", nil, 3},
		{"every real-schema profile", []string{"--profile", "splunk=cim", "--profile", "kql=sentinel-asim", "--profile", "kql=sentinel-csl", "--profile", "kql=defender-xdr", "--profile", "elastic=ecs"}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			args := append([]string{"build", "--config", "none", "--check", "fixture-coverage=off"}, tt.profiles...)
			code, stdout, stderr := detc(t, append(args, "--out", out, rules)...)
			require.Equal(t, 0, code, "stdout:\n%s\nstderr (end):\n%s", stdout, tail(stderr, 3000))
			checkCorpusBuild(t, out, stdout, stderr, tt.deployments)
		})
	}
}

// checkCorpusBuild checks a successful whole-corpus build's report and
// files.
func checkCorpusBuild(t *testing.T, out, stdout, stderr string, deployments int) {
	assert.NotRegexp(t, `(?m)^\S+: error: `, stderr)
	assert.NotContains(t, stderr, "ATT&CK tactic", "SigmaHQ's tactics are all known")
	assert.NotContains(t, stderr, "belongs to tactic")

	// The summary counts every rule in every deployment.
	m := builtLine.FindStringSubmatch(stdout)
	require.NotNil(t, m, stdout)
	assert.Equal(t, strconv.Itoa(corpusRules), m[1])
	refusalTotal, _ := strconv.Atoi(m[3])
	deployed := map[string]int{}
	refused := 0
	for _, c := range countLine.FindAllStringSubmatch(stdout, -1) {
		n := func(i int) int { v, _ := strconv.Atoi(c[i]); return v }
		assert.Equal(t, corpusRules, n(2)+n(3)+n(4), "%s: deployed, refused and left out add up to the rules", c[1])
		deployed[c[1]] = n(2)
		refused += n(3)
	}
	require.Len(t, deployed, deployments, stdout)
	assert.Equal(t, refusalTotal, refused, "the deployments' refusals add up to the total")

	var records []build.RefusalRecord
	require.NoError(t, json.Unmarshal(readFile(t, out, build.RefusalsFile), &records))
	assert.Len(t, records, refusalTotal, "refusals.json lists every refusal")
	assert.Len(t, refusalWarning.FindAllString(stderr, -1), refusalTotal, "every refusal is reported on stderr")

	// Every rule deployed nowhere is a warning, counted in the summary
	// and marked in refusals.json; none is a misspelt field.
	m = nowhereLine.FindStringSubmatch(stdout)
	require.NotNil(t, m, "the summary counts the rules deployed nowhere:\n%s", stdout)
	nowhere, _ := strconv.Atoi(m[1])
	assert.Positive(t, nowhere)
	assert.Len(t, undeployedWarning.FindAllString(stderr, -1), nowhere, "one warning for each rule deployed nowhere")
	marked := map[string]bool{}
	for _, r := range records {
		if r.DeployedNowhere {
			marked[r.RuleID] = true
		}
	}
	assert.Len(t, marked, nowhere, "refusals.json marks the refusals of each rule deployed nowhere")
	assert.NotContains(t, stderr, "would be deployed nowhere")
	t.Logf("%d rules deployed nowhere, %d refusals", nowhere, refusalTotal)

	for dir, n := range deployed {
		switch strings.SplitN(dir, "/", 2)[0] {
		case "elastic":
			checkKibana(t, filepath.Join(out, dir), n)
		case "kql":
			checkSentinel(t, filepath.Join(out, dir), n)
		case "splunk":
			checkSplunk(t, filepath.Join(out, dir), n)
		default:
			t.Errorf("unexpected deployment %s", dir)
		}
	}
}

// checkKibana: one Kibana rule per deployed rule, each line JSON.
func checkKibana(t *testing.T, dir string, deployed int) {
	lines := 0
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, dir, "detection-rules.ndjson")))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var v map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &v), "%s: line %d", dir, lines+1)
		require.NotEmpty(t, v["query"])
		lines++
	}
	require.NoError(t, sc.Err())
	assert.Equal(t, deployed, lines, dir)
}

// checkSentinel: one YAML file per deployed rule and the ARM template
// holding them all; every file ASCII, as the Azure-Sentinel repository
// requires.
func checkSentinel(t *testing.T, dir string, deployed int) {
	yamls, err := filepath.Glob(filepath.Join(dir, kql.AnalyticsDir, "*.yaml"))
	require.NoError(t, err)
	assert.Len(t, yamls, deployed, dir)
	for _, p := range yamls {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		var doc map[string]any
		require.NoError(t, yaml.Unmarshal(data, &doc), p)
		require.NotEmpty(t, doc["query"], p)
		requireASCII(t, p, data)
	}
	arm := readFile(t, dir, kql.ARMFile)
	requireASCII(t, dir+"/"+kql.ARMFile, arm)
	var template struct{ Resources []struct{ Type string } }
	require.NoError(t, json.Unmarshal(arm, &template))
	alertRules := 0
	for _, r := range template.Resources {
		if r.Type == "Microsoft.SecurityInsights/alertRules" {
			alertRules++
		}
	}
	assert.Equal(t, deployed, alertRules, dir)
}

// checkSplunk: one correlation search per deployed rule.
func checkSplunk(t *testing.T, dir string, deployed int) {
	confs, err := filepath.Glob(filepath.Join(dir, "*", "default", "savedsearches.conf"))
	require.NoError(t, err)
	require.Len(t, confs, 1, dir)
	conf, err := os.ReadFile(confs[0])
	require.NoError(t, err)
	assert.Len(t, regexp.MustCompile(`(?m)^\[detc - .*\]$`).FindAll(conf, -1), deployed, "%s: one stanza per deployed rule", dir)
}

func readFile(t *testing.T, root, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	require.NoError(t, err)
	return data
}

func requireASCII(t *testing.T, name string, data []byte) {
	t.Helper()
	if i := bytes.IndexFunc(data, func(r rune) bool { return r > 0x7E }); i >= 0 {
		t.Fatalf("%s: byte %d is not ASCII", name, i)
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
