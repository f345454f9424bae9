package hunt

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/sigma"
)

// parallelLog writes a log of generated proxy events a second or so
// apart (so that the five-minute aggregations close many windows), with
// what a reader must cope with sprinkled in: malformed lines, a
// pretty-printed object, a line past the event limit, blank and CRLF lines.
func parallelLog(seed uint64, events int, start time.Time) []byte {
	gen := newProxyGen(seed)
	gen.t = start
	var data []byte
	for i := 0; i < events; i++ {
		gen.t = gen.t.Add(time.Duration(gen.rng.IntN(2000)) * time.Millisecond)
		data = gen.next(data)
		switch i % 397 {
		case 13:
			data = append(data, "{\"broken\": \n"...)
		case 101:
			data = append(data, "{\n  \"@timestamp\": \""+gen.t.Format(time.RFC3339)+"\",\n  \"src_ip\": \"10.0.0.9\",\n  \"cs-method\": \"POST\",\n  \"cs-host\": \"discord.com\",\n  \"c-uri\": \"/api/webhooks/1/x\"\n}\n"...)
		case 211:
			data = append(data, `{"pad":"`+strings.Repeat("x", 5000)+`"}`+"\n"...)
		case 307:
			data = append(data, "\n   \n"...)
		case 389:
			data = bytes.TrimSuffix(data, []byte("\n"))
			data = append(data, "\r\n"...)
		}
	}
	// Few clients, so that groups fill up.
	n := 0
	return srcIP.ReplaceAllFunc(data, func([]byte) []byte {
		n++
		return fmt.Appendf(nil, `"src_ip":"10.0.0.%d"`, n%3)
	})
}

var srcIP = regexp.MustCompile(`"src_ip":"10\.\d+\.\d+\.\d+"`)

func parallelRules(t *testing.T) []*rule.Rule {
	rules := loadRules(t, "testdata/rules")
	data, err := os.ReadFile("testdata/parallel/temporal.yml")
	require.NoError(t, err)
	more, diags := sigma.Load("temporal.yml", data)
	require.False(t, diags.HasErrors(), diags.Error())
	rules = append(rules, more...)
	resolved, diags := sigma.ResolveCorrelations(rules)
	require.False(t, diags.HasErrors(), diags.Error())
	return resolved
}

type huntResult struct {
	alerts   string
	warnings []string
	stats    Stats
}

func runHunt(t *testing.T, rules []*rule.Rule, files []string, stdin []byte, opts Options) huntResult {
	t.Helper()
	var out bytes.Buffer
	var res huntResult
	opts.Diag = func(d rule.Diagnostic) { res.warnings = append(res.warnings, d.String()) }
	opts.MaxEventBytes = 4096
	h, diags := New(rules, &out, opts)
	require.Empty(t, diags)
	for _, f := range files {
		require.Empty(t, h.File(f))
	}
	if stdin != nil {
		require.NoError(t, h.Reader(bytes.NewReader(stdin), "-"))
	}
	require.NoError(t, h.Finish())
	res.alerts, res.stats = out.String(), h.Stats()
	return res
}

// TestJobsAgree: whatever the number of workers, and however small the
// pieces, a hunt writes the same alerts in the same order, the same
// aggregation results (windows open across pieces and files) and the same
// warnings as one piece read by one goroutine, for plain and gzip files
// and for stdin.
func TestJobsAgree(t *testing.T) {
	rules := parallelRules(t)
	dir := t.TempDir()
	start := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	first := parallelLog(1, 3000, start)
	second := parallelLog(2, 2000, start.Add(3000*time.Second))
	plain1, plain2 := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	require.NoError(t, os.WriteFile(plain1, first, 0o644))
	require.NoError(t, os.WriteFile(plain2, second, 0o644))
	gz := filepath.Join(dir, "b.jsonl.gz")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(second)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	require.NoError(t, os.WriteFile(gz, buf.Bytes(), 0o644))

	for _, input := range []struct {
		name  string
		files []string
		stdin []byte
	}{
		{"plain", []string{plain1, plain2}, nil},
		{"gzip", []string{plain1, gz}, nil},
		{"stdin", []string{plain1}, buf.Bytes()},
	} {
		want := runHunt(t, rules, input.files, input.stdin, Options{Jobs: 1, PieceBytes: 1 << 30})
		require.Positive(t, want.stats.Alerts)
		require.Contains(t, want.alerts, `"window_end"`, "aggregations alert")
		require.Contains(t, want.alerts, `"rule_id":"webhook_then_chat"`, "the temporal rule alerts")
		require.NotEmpty(t, want.warnings)
		for _, jobs := range []int{1, 2, 3, 8} {
			for _, piece := range []int{1000, 4 << 10, 64 << 10} {
				t.Run(fmt.Sprintf("%s/jobs=%d/piece=%d", input.name, jobs, piece), func(t *testing.T) {
					got := runHunt(t, rules, input.files, input.stdin, Options{Jobs: jobs, PieceBytes: piece})
					assert.Equal(t, want.alerts, got.alerts)
					assert.Equal(t, want.warnings, got.warnings)
					assert.Equal(t, want.stats, got.stats)
				})
			}
		}
	}
}
