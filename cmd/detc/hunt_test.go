package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHunt(t *testing.T) {
	code, stdout, stderr := detc(t, "hunt", "--rules", "testdata/good", "--rules", "testdata/hunt", "testdata/good/proxy.jsonl")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "detc hunt: testdata/good/proxy.jsonl: event times read from the field \"@timestamp\"\ndetc hunt: 2 rules over 5 events in 1 file: 3 alerts\n", stderr, "the pivot is neither hunted nor counted")
	var got []string
	for _, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		var alert struct {
			RuleID string `json:"rule_id"`
			File   string
			Line   int
		}
		require.NoError(t, json.Unmarshal([]byte(line), &alert), line)
		assert.Equal(t, "testdata/good/proxy.jsonl", alert.File)
		got = append(got, fmt.Sprintf("%s:%d", alert.RuleID, alert.Line))
	}
	assert.Equal(t, []string{
		"11111111-1111-4111-8111-111111111111:1",
		"11111111-1111-4111-8111-111111111111:2",
		"22222222-2222-4222-8222-222222222222:4",
	}, got)

	code, stdout, _ = detc(t, "hunt", "--rules", "testdata/good", "--rule", "catcher_get", "testdata/good/proxy.jsonl")
	assert.Equal(t, 0, code)
	assert.Equal(t, 1, strings.Count(stdout, "\n"))

	code, _, stderr = detc(t, "hunt", "--detections", "testdata/good", "testdata/good/proxy.jsonl")
	assert.Equal(t, 0, code)
	assert.Contains(t, stderr, "detc hunt: 2 rules over 5 events in 1 file: 3 alerts\n", "--detections is --rules")

	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"hunt", "--rules", "testdata/good", "--timeout", "-1s", "x.log"}, 2, "--timeout must be positive, not -1s"},
		{[]string{"hunt", "--rules", "testdata/good"}, 2, "name at least one log file"},
		{[]string{"hunt", "--log-format", "csv", "x.log"}, 2, `unknown log format "csv"`},
		{[]string{"hunt", "--rules", "testdata/good", "testdata/missing.log"}, 1, "testdata/missing.log: error: "},
		{[]string{"hunt", "--rules", "testdata/good", "--rule", "nope", "testdata/good/proxy.jsonl"}, 1, `no detection has the id or name "nope"`},
		{[]string{"hunt", "--rules", "testdata/nothere", "testdata/good/proxy.jsonl"}, 1, "testdata/nothere: error: cannot read"},
	}
	for _, tt := range tests {
		code, _, stderr := detc(t, tt.args...)
		assert.Equal(t, tt.code, code, strings.Join(tt.args, " "))
		assert.Contains(t, stderr, tt.stderr)
	}
}

// TestHuntCountsSkippedLines: each line that is not an event is one
// warning at its line, and the closing summary counts them per file.
func TestHuntCountsSkippedLines(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile("testdata/good/proxy.jsonl")
	require.NoError(t, err)
	lines := strings.SplitAfter(string(good), "\n")
	bad := filepath.Join(dir, "bad.jsonl")
	// Line 2 is cut off; line 3 is JSON but not an object.
	require.NoError(t, os.WriteFile(bad, []byte(lines[0]+`{"cs-host":"hooks.slack.com","cs-method":`+"\n[1,2]\n"+strings.Join(lines[1:], "")), 0o644))
	code, _, stderr := detc(t, "hunt", "--rules", "testdata/good", "testdata/good/proxy.jsonl", bad)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, `detc hunt: testdata/good/proxy.jsonl: event times read from the field "@timestamp"
`+bad+`:2:42: warning: malformed JSON: the line ends before the object is closed (jsonl has one JSON object a line)
`+bad+`:3:1: warning: expected a JSON object, found "[1,2]"
detc hunt: `+bad+`: event times read from the field "@timestamp"
detc hunt: 2 rules over 10 events in 2 files: 6 alerts, 2 lines skipped (`+bad+`: 2)
`, stderr)
}

// TestHuntTimeout: --timeout stops a hunt of an input that never ends.
func TestHuntTimeout(t *testing.T) {
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	defer pw.Close()
	defer pr.Close()
	good, err := os.ReadFile("testdata/good/proxy.jsonl")
	require.NoError(t, err)
	_, err = pw.Write(good)
	require.NoError(t, err)
	code, stdout, stderr := detcStdin(t, pr, "hunt", "--rules", "testdata/good", "--timeout", "300ms", "--log-format", "jsonl", "-", "testdata/good/proxy.jsonl")
	assert.Equal(t, 0, code)
	assert.Equal(t, 3, strings.Count(stdout, "\n"), "the alerts of what was read")
	assert.Equal(t, "-: warning: the hunt stopped at --timeout 300ms: this log was read in part; not read: testdata/good/proxy.jsonl\ndetc hunt: 2 rules over 5 events in 1 file: 3 alerts\n", stderr)
}

// detcStdin runs detc with in as its standard input.
func detcStdin(t *testing.T, in *os.File, args ...string) (int, string, string) {
	t.Helper()
	saved := os.Stdin
	os.Stdin = in
	defer func() { os.Stdin = saved }()
	return detc(t, args...)
}

// TestHuntTimeField: without --time-field, events timed by an unknown
// field are counted but left out of the aggregation, and the summary says
// so; with it, they are aggregated.
func TestHuntTimeField(t *testing.T) {
	log := filepath.Join(t.TempDir(), "proxy.jsonl")
	var lines []string
	for i := range 5 {
		lines = append(lines, fmt.Sprintf(`{"req_time":"2026-11-30T10:0%d:00Z","src_ip":"10.0.0.5","cs-host":"discord.com","c-uri":"/api/webhooks/1/x","cs-method":"POST"}`, i))
	}
	require.NoError(t, os.WriteFile(log, []byte(strings.Join(lines, "\n")+"\n"), 0o644))

	code, stdout, stderr := detc(t, "hunt", "--rules", "testdata/hunt_time", log)
	require.Equal(t, 0, code, stderr)
	assert.NotContains(t, stdout, `"window_end"`)
	assert.Contains(t, stderr, "detc hunt: 1 rule over 5 events in 1 file: 0 alerts\n")
	assert.Contains(t, stderr, "detc hunt: the aggregation of webhook_burst left out 5 matching events without a usable time\n")

	code, stdout, stderr = detc(t, "hunt", "--rules", "testdata/hunt_time", "--time-field", "req_time", log)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, log+`: event times read from the field "req_time"`)
	assert.NotContains(t, stderr, "left out")
	assert.Contains(t, stdout, `"value":5`)
}
