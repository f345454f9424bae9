package hunt

import (
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/eval"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/logs"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil"
)

// proxyGen writes realistic proxy events (flat JSON Lines in Sigma names,
// about 480 bytes each): mostly ordinary browsing, some near misses
// (Discord in a browser, Slack's Web API) and a few webhook posts.
type proxyGen struct {
	rng  *rand.Rand
	t    time.Time
	line []byte
}

func newProxyGen(seed uint64) *proxyGen {
	return &proxyGen{rng: rand.New(rand.NewPCG(seed, 1)), t: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)}
}

var (
	normalHosts = []string{"www.google.com", "login.microsoftonline.com", "outlook.office365.com", "github.com",
		"api.github.com", "fonts.gstatic.com", "cdn.jsdelivr.net", "www.bbc.co.uk", "update.googleapis.com", "s3.amazonaws.com"}
	normalPaths = []string{"/search?q=quarterly+report+template&rlz=1C1GCEA_enGB1071GB1071&oq=quarterly", "/common/oauth2/v2.0/token",
		"/owa/service.svc?action=GetItem&app=Mail&n=52", "/detc/detc/pull/412/files", "/repos/detc/detc/commits?per_page=100",
		"/s/roboto/v30/KFOmCnqEu92Fr1Mu4mxK.woff2", "/npm/bootstrap@5.3.2/dist/js/bootstrap.bundle.min.js", "/news/technology-67512345",
		"/service/update2/json?cup2key=13:Qf3dfP&cup2hreq=5c8d", "/bucket-eu-west-1/reports/2026/q4/summary.pdf"}
	userAgents = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
		"Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)",
	}
	webhookEvents = [][3]string{
		{"discord.com", "/api/webhooks/1183723469130395718/Xr9kQ2mVb7LpT0aZc4yE8uN1oW5sD3fG6hJ9kL2mN4pQ7rS0tU3vW6xY9zA1", "python-requests/2.31.0"},
		{"hooks.slack.com", "/services/T0ABC1234/B0DEF5678/abcdefghijKLMNOP12345678", "curl/8.4.0"},
		{"contoso.webhook.office.com", "/webhookb2/9d3c2b1a-8f7e-4d6c-b5a4-3e2f1d0c9b8a@72f988bf-86f1-41af-91ab-2d7cd011db47/IncomingWebhook/4f1c2d3e", "Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.4522"},
	}
	nearMisses = [][3]string{
		{"discord.com", "/channels/@me/1183723469130395718", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) discord/1.0.9172 Chrome/124.0.6367.243 Electron/30.2.0 Safari/537.36"},
		{"slack.com", "/api/conversations.history?channel=C0123ABCD&limit=50", "Slackbot 1.0 (+https://api.slack.com/robots)"},
	}
)

// next appends one event line (with its newline) to dst.
func (g *proxyGen) next(dst []byte) []byte {
	g.t = g.t.Add(time.Duration(g.rng.IntN(20)) * time.Millisecond)
	host, path, ua, method := "", "", userAgents[g.rng.IntN(len(userAgents))], "GET"
	switch r := g.rng.IntN(100); {
	case r < 2:
		e := webhookEvents[g.rng.IntN(len(webhookEvents))]
		host, path, ua, method = e[0], e[1], e[2], "POST"
	case r < 5:
		e := nearMisses[g.rng.IntN(len(nearMisses))]
		host, path, ua = e[0], e[1], e[2]
		if g.rng.IntN(2) == 0 {
			method = "POST"
		}
	default:
		i := g.rng.IntN(len(normalHosts))
		host, path = normalHosts[i], normalPaths[i]
		if g.rng.IntN(10) == 0 {
			method = "POST"
		}
	}
	dst = append(dst, `{"@timestamp":"`...)
	dst = g.t.AppendFormat(dst, "2006-01-02T15:04:05.000Z07:00")
	dst = append(dst, `","src_ip":"10.20.`...)
	dst = strconv.AppendInt(dst, int64(g.rng.IntN(64)), 10)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, int64(1+g.rng.IntN(250)), 10)
	dst = append(dst, `","dst_ip":"142.250.`...)
	dst = strconv.AppendInt(dst, int64(g.rng.IntN(256)), 10)
	dst = append(dst, `.`...)
	dst = strconv.AppendInt(dst, int64(g.rng.IntN(256)), 10)
	dst = append(dst, `","cs-method":"`...)
	dst = append(dst, method...)
	dst = append(dst, `","cs-host":"`...)
	dst = append(dst, host...)
	dst = append(dst, `","c-uri":"https://`...)
	dst = append(dst, host...)
	dst = append(dst, path...)
	dst = append(dst, `","c-useragent":"`...)
	dst = append(dst, ua...)
	dst = append(dst, `","cs-referrer":"https://`...)
	dst = append(dst, host...)
	dst = append(dst, `/","cs-bytes":`...)
	dst = strconv.AppendInt(dst, int64(g.rng.IntN(60000)), 10)
	dst = append(dst, `,"sc-bytes":`...)
	dst = strconv.AppendInt(dst, int64(g.rng.IntN(900000)), 10)
	dst = append(dst, `,"sc-status":200,"action":"allowed","http_version":"HTTP/1.1"}`...)
	return append(dst, '\n')
}

// packRules loads the repository's detection pack (detections/), as
// `detc hunt --rules detections` does.
func packRules(b *testing.B) []*rule.Rule {
	b.Helper()
	set, diags := load.Paths([]string{filepath.Join(testutil.RepoRoot(b), "detections")})
	if diags.HasErrors() {
		// A rule the evaluator cannot run yet is left out, as detc hunt
		// leaves it out; the benchmark measures the others.
		b.Logf("detections/ loads with errors:\n%s", diags.Error())
	}
	require.NotEmpty(b, set.Rules)
	return set.Rules
}

// newHunter compiles the pack, reporting how many of its rules run; jobs
// is how many goroutines match (all cores when 0).
func newHunter(b *testing.B, rules []*rule.Rule, jobs int) *Hunter {
	h, _ := New(rules, io.Discard, Options{Format: "jsonl", Jobs: jobs})
	require.NotEmpty(b, h.progs, "no rule of the pack compiles")
	return h
}

// BenchmarkHunt measures `detc hunt` end to end (line splitting, JSON
// field extraction, every rule of the pack, alert output) over generated
// proxy events held in memory, on one goroutine.
func BenchmarkHunt(b *testing.B) {
	benchmarkHunt(b, packRules(b), 1)
}

// BenchmarkHuntAllCores is BenchmarkHunt with a worker per core.
func BenchmarkHuntAllCores(b *testing.B) {
	benchmarkHunt(b, packRules(b), 0)
}

// BenchmarkHuntOneRule is the same with one webhook rule (testdata), to
// show what reading costs apart from the pack's matching.
func BenchmarkHuntOneRule(b *testing.B) {
	var one []*rule.Rule
	for _, r := range loadRules(b, "testdata/rules") {
		if r.Name == "webhook_post" {
			one = append(one, r)
		}
	}
	benchmarkHunt(b, one, 1)
}

func benchmarkHunt(b *testing.B, rules []*rule.Rule, jobs int) {
	gen := newProxyGen(1)
	var data []byte
	const events = 50_000
	for i := 0; i < events; i++ {
		data = gen.next(data)
	}
	h := newHunter(b, rules, jobs)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	cpu0, cpuOK := cpuTime()
	for i := 0; i < b.N; i++ {
		if err := h.Reader(bytes.NewReader(data), "bench.jsonl"); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N*events)/elapsed.Seconds(), "events/s")
	if cpu1, ok := cpuTime(); ok && cpuOK {
		b.ReportMetric(float64(b.N*events)/(cpu1-cpu0).Seconds(), "events/cpu-s")
	}
	b.ReportMetric(float64(len(data))/events, "bytes/event")
	b.ReportMetric(float64(h.Stats().Alerts)/float64(b.N), "alerts/op")
	b.ReportMetric(float64(len(h.progs)), "rules")
}

// BenchmarkMatchPack is the pack's matching alone: the events are read
// once beforehand, then each is refilled into one FlatEvent with Reset and
// Add, as a reader does (Add indexes the fields and Reset forgets the
// remembered search results), and every rule that applies is matched
// against it (aggregations only match; no alert is written). It shows the
// evaluator's share of BenchmarkHunt.
func BenchmarkMatchPack(b *testing.B) {
	gen := newProxyGen(1)
	var data []byte
	const events = 4096
	for i := 0; i < events; i++ {
		data = gen.next(data)
	}
	h := newHunter(b, packRules(b), 1)
	rd, err := logs.NewReader(bytes.NewReader(data), "bench.jsonl", h.readOptions())
	require.NoError(b, err)
	var evs []*eval.FlatEvent
	var progs [][]*program
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			break
		}
		require.NoError(b, err)
		var ps []*program
		for _, p := range h.progs {
			if ev.Applies(p.rule.LogSource) {
				ps = append(ps, p)
			}
		}
		evs = append(evs, ev.Clone())
		progs = append(progs, ps)
	}
	b.ReportAllocs()
	n, matched := 0, 0
	var ev eval.FlatEvent
	cpu0, cpuOK := cpuTime()
	for b.Loop() {
		i := n % len(evs)
		ev.Reset()
		for j, name := range evs[i].Names {
			ev.Add(name, evs[i].Values[j])
		}
		for _, p := range progs[i] {
			if p.prog.Match(&ev) {
				matched++
			}
		}
		n++
	}
	if cpu1, ok := cpuTime(); ok && cpuOK {
		b.ReportMetric(float64(n)/(cpu1-cpu0).Seconds(), "events/cpu-s")
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	require.Positive(b, matched)
}

// genReader produces n bytes of generated events on the fly, so a gigabyte
// can be hunted without being stored, and samples the heap as it goes.
type genReader struct {
	gen      *proxyGen
	left     int64
	store    []byte // reused for every chunk
	pending  []byte // the part of store not read yet
	sampled  int64
	peakHeap uint64
	peakSys  uint64
}

func (g *genReader) Read(p []byte) (int, error) {
	if len(g.pending) == 0 {
		if g.left <= 0 {
			return 0, io.EOF
		}
		g.store = g.store[:0]
		for len(g.store) < 64<<10 {
			g.store = g.gen.next(g.store)
		}
		g.pending = g.store
		g.left -= int64(len(g.store))
		g.sampled += int64(len(g.store))
		if g.sampled >= 32<<20 {
			g.sampled = 0
			g.sample()
		}
	}
	n := copy(p, g.pending)
	g.pending = g.pending[n:]
	return n, nil
}

func (g *genReader) sample() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	g.peakHeap = max(g.peakHeap, m.HeapInuse)
	g.peakSys = max(g.peakSys, m.Sys)
}

// BenchmarkHuntMemory1GB hunts a generated gigabyte of proxy events with the
// pack, reporting the peak heap in use and the memory obtained from the OS
// (sampled every 32 MB). Memory stays flat: both are about the same for
// 100 MB as for 1 GB.
func BenchmarkHuntMemory1GB(b *testing.B) {
	benchmarkMemory(b, 1<<30, 1)
}

// BenchmarkHuntMemory1GBAllCores is the gigabyte with a worker per core:
// its wall time (ns/op) against BenchmarkHuntMemory1GB's is what the cores
// give.
func BenchmarkHuntMemory1GBAllCores(b *testing.B) {
	benchmarkMemory(b, 1<<30, 0)
}

// BenchmarkHuntMemory100MB is the same over a tenth of the input, to show
// that memory does not grow with it.
func BenchmarkHuntMemory100MB(b *testing.B) {
	benchmarkMemory(b, 100<<20, 1)
}

func benchmarkMemory(b *testing.B, size int64, jobs int) {
	rules := packRules(b)
	for i := 0; i < b.N; i++ {
		h := newHunter(b, rules, jobs)
		runtime.GC()
		g := &genReader{gen: newProxyGen(2), left: size}
		g.sample()
		start := time.Now()
		cpu0, cpuOK := cpuTime()
		if err := h.Reader(g, "generated.jsonl"); err != nil {
			b.Fatal(err)
		}
		g.sample()
		elapsed := time.Since(start)
		if cpu1, ok := cpuTime(); ok && cpuOK {
			// Generating the events is included here: this figure is a
			// lower bound on the hunt's own speed.
			b.ReportMetric(float64(h.Stats().Events)/(cpu1-cpu0).Seconds(), "events/cpu-s")
		}
		b.ReportMetric(float64(g.peakHeap)/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(g.peakSys)/(1<<20), "sys-MB")
		b.ReportMetric(float64(h.Stats().Events)/elapsed.Seconds(), "events/s")
		b.ReportMetric(float64(len(h.progs)), "rules")
	}
}

// BenchmarkHuntFile1GB hunts a gigabyte JSON Lines file (generated once into
// a temporary folder, then read from the page cache) with the pack, on one
// goroutine and with a worker per core: the ratio of their wall times
// (ns/op) is what the cores give a hunt.
func BenchmarkHuntFile1GB(b *testing.B) {
	rules := packRules(b)
	path := filepath.Join(b.TempDir(), "proxy.jsonl")
	f, err := os.Create(path)
	require.NoError(b, err)
	_, err = io.Copy(f, &genReader{gen: newProxyGen(3), left: 1 << 30})
	require.NoError(b, err)
	require.NoError(b, f.Close())
	for _, jobs := range []int{1, 0} {
		name := "jobs=1"
		if jobs == 0 {
			name = "jobs=all"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(1 << 30)
			for b.Loop() {
				h := newHunter(b, rules, jobs)
				cpu0, cpuOK := cpuTime()
				start := time.Now()
				require.Empty(b, h.File(path))
				elapsed := time.Since(start)
				if cpu1, ok := cpuTime(); ok && cpuOK {
					b.ReportMetric(float64(h.Stats().Events)/(cpu1-cpu0).Seconds(), "events/cpu-s")
				}
				b.ReportMetric(float64(h.Stats().Events)/elapsed.Seconds(), "events/s")
			}
		})
	}
}
