package hunt

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/hclrule"
	"github.com/detc/detc/internal/logs/jsonscan"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/sigma"
	"github.com/detc/detc/internal/testutil"
)

func loadRules(t testing.TB, dir string) []*rule.Rule {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*"))
	require.NoError(t, err)
	sort.Strings(names)
	var hclFiles []hclrule.File
	var rules []*rule.Rule
	for _, n := range names {
		data, err := os.ReadFile(n)
		require.NoError(t, err)
		switch filepath.Ext(n) {
		case ".hcl":
			hclFiles = append(hclFiles, hclrule.File{Name: n, Data: data})
		case ".yml":
			rs, diags := sigma.Load(n, data)
			require.False(t, diags.HasErrors(), diags.Error())
			rules = append(rules, rs...)
		}
	}
	rs, diags := hclrule.Load(hclFiles)
	require.False(t, diags.HasErrors(), diags.Error())
	return append(rs, rules...)
}

var testLogs = []string{"testdata/logs/proxy.jsonl", "testdata/logs/access.log", "testdata/logs/dns.log", "testdata/logs/sysmon.jsonl"}

func hunt(t *testing.T, files []string, opts Options) (string, []string, Stats) {
	t.Helper()
	var out bytes.Buffer
	var warnings []string
	opts.Diag = func(d rule.Diagnostic) { warnings = append(warnings, d.String()) }
	stats, diags := Run(loadRules(t, "testdata/rules"), files, &out, opts)
	require.Empty(t, diags)
	return out.String(), warnings, stats
}

func TestHuntGolden(t *testing.T) {
	out, warnings, stats := hunt(t, testLogs, Options{})
	testutil.Golden(t, "alerts.jsonl", []byte(out))
	assert.Equal(t, []string{
		"testdata/logs/proxy.jsonl:3:128: warning: malformed JSON: the line ends before the object is closed (jsonl has one JSON object a line)",
	}, warnings)
	assert.Equal(t, Stats{Files: 4, Bytes: 2072, Events: 11, BadEvents: 1, Alerts: 8,
		SkippedLines: 1, Skipped: []FileCount{{"testdata/logs/proxy.jsonl", 1}}}, stats)
}

func TestHuntGzipMatchesPlain(t *testing.T) {
	plain, _, _ := hunt(t, testLogs, Options{})
	dir := t.TempDir()
	var gzFiles []string
	for _, f := range testLogs {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, err = zw.Write(data)
		require.NoError(t, err)
		require.NoError(t, zw.Close())
		gz := filepath.Join(dir, filepath.Base(f)+".gz")
		require.NoError(t, os.WriteFile(gz, buf.Bytes(), 0o644))
		gzFiles = append(gzFiles, gz)
	}
	compressed, _, _ := hunt(t, gzFiles, Options{})
	for i, f := range testLogs {
		plain = strings.ReplaceAll(plain, `"file":"`+f+`"`, `"file":"`+gzFiles[i]+`"`)
	}
	assert.Equal(t, plain, compressed)
}

func TestHuntErrors(t *testing.T) {
	var out bytes.Buffer
	bad := &rule.Rule{ID: "bad", Searches: []*rule.Search{{Name: "s"}}, Condition: &rule.SearchRef{Name: "missing"}}
	stats, diags := Run([]*rule.Rule{bad}, []string{"testdata/logs/none.log", "testdata/rules/keyword.yml"}, &out, Options{})
	var got []string
	for _, d := range diags {
		got = append(got, d.String())
	}
	assert.Equal(t, []string{
		`-: error: search "s" has no field or keyword to match`,
		`-: error: condition names search "missing", which rule bad does not define (searches: s)`,
		`-: warning: search "s" is not used by the condition of rule bad`,
		"testdata/logs/none.log: error: open testdata/logs/none.log: no such file or directory",
		"testdata/rules/keyword.yml: error: testdata/rules/keyword.yml: cannot tell the log's format from its first line; name it (jsonl, zeek-http, zeek-dns, squid, sysmon-json)",
	}, got)
	assert.Equal(t, Stats{}, stats)
}

func TestHuntOutOfOrderWarning(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "late.jsonl")
	require.NoError(t, os.WriteFile(log, []byte(strings.Join([]string{
		`{"@timestamp":"2026-11-30T10:06:00Z","src_ip":"10.0.0.5","cs-host":"discord.com","c-uri":"/api/webhooks/1/x","cs-method":"POST"}`,
		`{"@timestamp":"2026-11-30T10:01:00Z","src_ip":"10.0.0.5","cs-host":"discord.com","c-uri":"/api/webhooks/1/x","cs-method":"POST"}`,
		`{"src_ip":"10.0.0.5","cs-host":"discord.com","c-uri":"/api/webhooks/1/x","cs-method":"POST"}`,
	}, "\n")), 0o644))
	_, warnings, stats := hunt(t, []string{log}, Options{})
	assert.Equal(t, []string{
		log + `: warning: 1 events older than the open window were left out of the aggregation of "0b000000-0000-4000-8000-000000000002": give logs in time order`,
		log + `: warning: 1 matching events without a time were left out of the aggregation of "0b000000-0000-4000-8000-000000000002" (times are read from "_time", "@timestamp", "timestamp", "ts", "time", "TimeCreated", "UtcTime", "EventTime", "eventTime"; name another field with --time-field)`,
	}, warnings)
	assert.Equal(t, int64(3), stats.Alerts, "the three posts alert one by one")
}

func TestHuntCapsWarnings(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "bad.jsonl")
	require.NoError(t, os.WriteFile(log, []byte(strings.Repeat("{oops}\n", MaxWarningsPerFile+5)), 0o644))
	_, warnings, stats := hunt(t, []string{log}, Options{Format: "jsonl"})
	require.Len(t, warnings, MaxWarningsPerFile+1)
	assert.Equal(t, log+": warning: 5 more bad events not shown (25 in all)", warnings[MaxWarningsPerFile])
	assert.Equal(t, int64(MaxWarningsPerFile+5), stats.BadEvents)
	assert.Equal(t, []FileCount{{log, MaxWarningsPerFile + 5}}, stats.Skipped, "every skipped line is counted, shown or not")
}

// TestHuntTimeoutOnEndlessPipe: with a timeout, a hunt over an input that
// never ends stops while waiting for more, with the alerts of what it read.
func TestHuntTimeoutOnEndlessPipe(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	data, err := os.ReadFile("testdata/logs/access.log")
	require.NoError(t, err)
	go func() { _, _ = pw.Write(data) }() // then nothing more, never EOF
	var out bytes.Buffer
	h, diags := New(loadRules(t, "testdata/rules"), &out, Options{Timeout: 200 * time.Millisecond})
	require.Empty(t, diags)
	require.NoError(t, h.Reader(pr, "pipe"))
	assert.True(t, h.TimedOut())
	assert.True(t, h.CutShort())
	require.NoError(t, h.Finish())
	assert.Equal(t, int64(strings.Count(string(data), "\n")), h.Stats().Events, "every event written before the wait was read")
	assert.NotZero(t, h.Stats().Alerts)
	// A log after the timeout is not read at all.
	require.NoError(t, h.Reader(strings.NewReader(string(data)), "later"))
	assert.Equal(t, 1, h.Stats().Files)
}

func TestHuntWithoutTimeoutDoesNotStop(t *testing.T) {
	var out bytes.Buffer
	h, diags := New(loadRules(t, "testdata/rules"), &out, Options{})
	require.Empty(t, diags)
	require.NoError(t, h.Reader(strings.NewReader("{\"cs-host\":\"x\"}\n"), "one.jsonl"))
	assert.False(t, h.TimedOut())
	assert.False(t, h.CutShort())
}

func TestReaderStream(t *testing.T) {
	var out bytes.Buffer
	h, diags := New(loadRules(t, "testdata/rules"), &out, Options{})
	require.Empty(t, diags)
	assert.Equal(t, []string{"CommandLine", "Image", "c-uri", "cs-host", "cs-method", "src_ip"}, h.Fields())
	data, err := os.ReadFile("testdata/logs/access.log")
	require.NoError(t, err)
	require.NoError(t, h.Reader(bytes.NewReader(data), "stdin"))
	require.NoError(t, h.Finish())
	assert.Contains(t, out.String(), `"file":"stdin","line":1,`)
	assert.Equal(t, 1, strings.Count(out.String(), "\n"))
}

func TestProgress(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, "http.log.gz", 3<<30)
	p.update(1<<30, 10, 0)
	assert.Empty(t, buf.String(), "no redraw before the interval")
	p.start = p.start.Add(-time.Second)
	p.last = p.last.Add(-time.Second)
	p.update(1<<30, 2_000_000, 3)
	assert.Regexp(t, `^\r\x1b\[Khttp\.log\.gz  33% of 3\.0 GB  2000000 events  \d\.\d\dM events/s  3 alerts$`, buf.String())
	buf.Reset()
	p.done()
	assert.Equal(t, "\r\x1b[K", buf.String())

	silent := newProgress(nil, "x", 0)
	silent.last = time.Time{}
	silent.update(1, 1, 1)
	silent.done()
}

func TestIsTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	require.NoError(t, err)
	defer f.Close()
	assert.False(t, IsTerminal(f), "a file is not a terminal")
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	assert.False(t, IsTerminal(w), "a pipe is not a terminal")
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " and \ backslash`, "tab\tnew\nline\x00\x1f", "é 😀 <&> \u2028", "bad \xff utf8"} {
		var back string
		require.NoError(t, json.Unmarshal(appendString(nil, s), &back), s)
		assert.Equal(t, strings.ToValidUTF8(s, "\uFFFD"), back)
	}
}

func TestPivotsAreNotHunted(t *testing.T) {
	rules := loadRules(t, "testdata/rules")
	h, diags := New(rules, io.Discard, Options{})
	require.Empty(t, diags)
	assert.Equal(t, len(rules), h.Rules())
	rules[0].Tags = append(rules[0].Tags, rule.PivotTag)
	h, _ = New(rules, io.Discard, Options{})
	assert.Equal(t, len(rules)-1, h.Rules(), "a pivot is not counted")
	for _, r := range rules {
		r.Tags = append(r.Tags, rule.PivotTag)
	}
	var out bytes.Buffer
	stats, diags := Run(rules, testLogs, &out, Options{})
	require.Empty(t, diags)
	assert.Empty(t, out.String())
	assert.Equal(t, int64(11), stats.Events)
}

// FuzzIsCompact: an object the reader accepts and isCompact passes is
// exactly what json.Compact makes of it.
func FuzzIsCompact(f *testing.F) {
	for _, seed := range []string{
		`{"a":1}`, `{"a": 1}`, `{"a":"x y","b":[1,2,{"c":null}]}`, "{\"a\":\"x\ty\"}", `{"a":"\u00e9\n\"\\\/"}`,
		`{"a":"\x"}`, `{"a":"\u12"}`, `{"a":"\ud800"}`, "{\"a\":\"\xff\"}", "{\n\"a\":1}", `{"a":[ ]}`,
	} {
		f.Add([]byte(seed))
	}
	scanner := jsonscan.New([]string{"a"}, false)
	f.Fuzz(func(t *testing.T, data []byte) {
		if scanner.Scan(data) != nil || !isCompact(data) {
			return
		}
		var buf bytes.Buffer
		require.NoError(t, json.Compact(&buf, data), "%q", data)
		require.Equal(t, string(data), buf.String())
	})
}

func TestIsCompact(t *testing.T) {
	assert.True(t, isCompact([]byte(`{"a":"x y","b":[1,{"c":"\u00e9\n"}]}`)))
	assert.False(t, isCompact([]byte(`{"a": 1}`)), "space outside a string")
	assert.False(t, isCompact([]byte("{\"a\":\"x\ty\"}")), "a raw tab in a string")
	assert.False(t, isCompact([]byte(`{"a":"\x"}`)), "an invalid escape")
	assert.False(t, isCompact([]byte(`{"a":"\u12"}`)), "a short \\u escape")
}

// TestHuntZeekTSV: a Zeek log in its tab-separated form raises the alerts
// of the same log as JSON; its short row is one warning at its line, and
// counted.
func TestHuntZeekTSV(t *testing.T) {
	fromJSON, _, _ := hunt(t, []string{"testdata/logs/dns.log"}, Options{})
	fromTSV, warnings, stats := hunt(t, []string{"testdata/logs/dns.tsv.log"}, Options{})
	ruleIDs := func(alerts string) []string {
		var ids []string
		for _, line := range strings.Split(strings.TrimSpace(alerts), "\n") {
			var a struct {
				RuleID string `json:"rule_id"`
				Time   string
			}
			require.NoError(t, json.Unmarshal([]byte(line), &a))
			ids = append(ids, a.RuleID+" "+a.Time)
		}
		return ids
	}
	require.NotEmpty(t, fromJSON)
	assert.Equal(t, ruleIDs(fromJSON), ruleIDs(fromTSV))
	assert.Equal(t, []string{"testdata/logs/dns.tsv.log:10:1: warning: a row has 3 columns; the #fields header on line 7 names 11"}, warnings)
	assert.Equal(t, []FileCount{{"testdata/logs/dns.tsv.log", 1}}, stats.Skipped)
}

// TestHuntReadsCommonTimeFields: in a Zeek-style JSON Lines log timed by
// ts, an ECS log timed by @timestamp and a Sysmon log timed by UtcTime,
// each aggregation counts every matching event (the alert values add up
// to them), none is left out, and the hunt says which field it used.
func TestHuntReadsCommonTimeFields(t *testing.T) {
	rules := loadRules(t, "testdata/timefields/rules")
	tests := []struct {
		log, field, rule string
		matching         int
		values           []float64
	}{
		{"zeek_style.jsonl", "ts", "0c000000-0000-4000-8000-000000000001", 6, []float64{4, 2}},
		{"ecs.jsonl", "@timestamp", "0c000000-0000-4000-8000-000000000002", 5, []float64{2, 1, 1, 1}},
		{"sysmon.jsonl", "UtcTime", "0c000000-0000-4000-8000-000000000003", 4, []float64{2, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.log, func(t *testing.T) {
			log := filepath.Join("testdata/timefields/logs", tc.log)
			var out bytes.Buffer
			var notes, warnings []string
			stats, diags := Run(rules, []string{log}, &out, Options{
				Diag: func(d rule.Diagnostic) { warnings = append(warnings, d.String()) },
				Note: func(file, note string) { notes = append(notes, file+": "+note) },
			})
			require.Empty(t, diags)
			assert.Empty(t, warnings)
			assert.Empty(t, stats.LeftOut)
			assert.Equal(t, []string{log + `: event times read from the field "` + tc.field + `"`}, notes)
			var values []float64
			total := 0.0
			for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				var a struct {
					RuleID string  `json:"rule_id"`
					Value  float64 `json:"value"`
				}
				require.NoError(t, json.Unmarshal([]byte(line), &a))
				require.Equal(t, tc.rule, a.RuleID, line)
				values = append(values, a.Value)
				total += a.Value
			}
			assert.Equal(t, tc.values, values)
			assert.Equal(t, float64(tc.matching), total, "every matching event is counted")
		})
	}
}

// TestHuntTimeFieldFlag: a time in a field no format knows is read when
// --time-field names it; without the flag the events are left out, the
// warning says where times were looked for, and the stats say how many
// each aggregation left out.
func TestHuntTimeFieldFlag(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "custom.jsonl")
	var lines []string
	for i := range 4 {
		lines = append(lines, fmt.Sprintf(`{"logged_at":"Dec  1 10:0%d:00","src_ip":"10.0.0.5","cs-host":"discord.com","c-uri":"/api/webhooks/1/x","cs-method":"POST"}`, i))
	}
	require.NoError(t, os.WriteFile(log, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	rules := loadRules(t, "testdata/timefields/rules")

	var out bytes.Buffer
	var warnings []string
	stats, diags := Run(rules, []string{log}, &out, Options{Diag: func(d rule.Diagnostic) { warnings = append(warnings, d.String()) }})
	require.Empty(t, diags)
	assert.Equal(t, []string{log + `: warning: 4 matching events without a time were left out of the aggregation of "0c000000-0000-4000-8000-000000000001" (times are read from "_time", "@timestamp", "timestamp", "ts", "time", "TimeCreated", "UtcTime", "EventTime", "eventTime"; name another field with --time-field)`}, warnings)
	require.Len(t, stats.LeftOut, 1)
	assert.Equal(t, "zeek_style_posts", stats.LeftOut[0].Rule.Name)
	assert.Equal(t, LeftOut{Rule: stats.LeftOut[0].Rule, NoTime: 4}, stats.LeftOut[0])
	assert.Equal(t, int64(4), stats.Events, "events without a time are still counted")

	out.Reset()
	var notes []string
	now := time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC)
	stats, diags = Run(rules, []string{log}, &out, Options{TimeField: "logged_at", Now: now, Note: func(file, note string) { notes = append(notes, note) }})
	require.Empty(t, diags)
	assert.Empty(t, stats.LeftOut)
	assert.Equal(t, []string{`event times read from the field "logged_at"`}, notes)
	assert.Contains(t, out.String(), `"time":"2026-12-01T10:00:00Z"`)
	assert.Contains(t, out.String(), `"value":4`)
}
