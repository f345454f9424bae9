package eval

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	sigmago "github.com/bradleyjkemp/sigma-go"
	sigmaeval "github.com/bradleyjkemp/sigma-go/evaluator"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/sigma"
)

// benchProxyEvents makes proxy events like those of the performance notes:
// 16 hosts (8 webhook services), common methods and user agents.
func benchProxyEvents(n int) []map[string]any {
	rng := rand.New(rand.NewPCG(42, 1567))
	hosts := []string{"discord.com", "ptb.discord.com", "hooks.slack.com", "webhook.office.com", "webhook.site",
		"api.telegram.org", "hooks.zapier.com", "m.pipedream.net", "www.google.com", "login.microsoftonline.com",
		"github.com", "cdn.jsdelivr.net", "update.googleapis.com", "example.org", "news.ycombinator.com", "s3.amazonaws.com"}
	agents := []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
		"python-requests/2.31.0", "curl/8.4.0", "Go-http-client/1.1", "PowerShell/7.4.1",
	}
	methods := []string{"GET", "GET", "GET", "POST", "PUT", "HEAD"}
	events := make([]map[string]any, n)
	for i := range events {
		events[i] = map[string]any{
			"cs-host":     hosts[rng.IntN(len(hosts))],
			"c-uri":       fmt.Sprintf("/api/webhooks/%d/%x", rng.Int64(), rng.Int64()),
			"cs-method":   methods[rng.IntN(len(methods))],
			"c-useragent": agents[rng.IntN(len(agents))],
			"sc-bytes":    float64(rng.IntN(50000)),
			"cs-bytes":    float64(rng.IntN(5000000)),
			"c-ip":        fmt.Sprintf("10.0.%d.%d", rng.IntN(256), rng.IntN(256)),
			"sc-status":   float64([]int{200, 204, 301, 404}[rng.IntN(4)]),
		}
	}
	return events
}

const benchWebhookYAML = `
title: webhook post from a non-browser
logsource: {category: proxy}
detection:
  selection:
    cs-host|endswith: [discord.com, discordapp.com, hooks.slack.com, webhook.office.com, webhook.site,
                       api.telegram.org, hooks.zapier.com, m.pipedream.net, ifttt.com, outlook.office.com]
    cs-method: [POST, PUT]
  filter_browser:
    c-useragent|contains: [Mozilla/, Chrome/]
  condition: selection and not filter_browser
`

// benchWebhookProgram loads the YAML that sigma-go's benchmark parses,
// through detc's Sigma front end.
func benchWebhookProgram(b *testing.B) *Program {
	rules, diags := sigma.Load("webhook.yml", []byte(benchWebhookYAML))
	require.False(b, diags.HasErrors(), diags)
	return compile(b, rules[0])
}

func reportRate(b *testing.B, n int) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkMatchWebhookRule is the hot path: one rule over events in the
// flat form a streaming reader fills. Each event is refilled (Reset, then
// Add for its 8 fields) before it is matched, as a reader does: a
// FlatEvent remembers search results until it changes, so matching one
// unchanged event again would measure nothing. Target: 2M events/s,
// 0 allocs/op.
func BenchmarkMatchWebhookRule(b *testing.B) {
	p := benchWebhookProgram(b)
	raw := benchProxyEvents(1024)
	events := make([]FlatEvent, len(raw))
	for i, m := range raw {
		Flatten(m, &events[i])
	}
	b.ReportAllocs()
	var ev FlatEvent
	n, matched := 0, 0
	for b.Loop() {
		src := &events[n%len(events)]
		ev.Reset()
		for i, name := range src.Names {
			ev.Add(name, src.Values[i])
		}
		if p.Match(&ev) {
			matched++
		}
		n++
	}
	reportRate(b, n)
	require.Positive(b, matched)
}

// BenchmarkMatchWebhookRuleMapEvent is the same rule over encoding/json
// maps (decoding not included).
func BenchmarkMatchWebhookRuleMapEvent(b *testing.B) {
	p := benchWebhookProgram(b)
	raw := benchProxyEvents(1024)
	b.ReportAllocs()
	n, matched := 0, 0
	for b.Loop() {
		if p.Match(MapEvent(raw[n%len(raw)])) {
			matched++
		}
		n++
	}
	reportRate(b, n)
	require.Positive(b, matched)
}

// BenchmarkSigmaGoWebhookRule is sigma-go v0.6.6's evaluator on the same
// rule and events, for comparison.
func BenchmarkSigmaGoWebhookRule(b *testing.B) {
	r, err := sigmago.ParseRule([]byte(benchWebhookYAML))
	require.NoError(b, err)
	ev := sigmaeval.ForRule(r)
	raw := benchProxyEvents(1024)
	ctx := context.Background()
	b.ReportAllocs()
	n, matched := 0, 0
	for b.Loop() {
		res, err := ev.Matches(ctx, raw[n%len(raw)])
		if err != nil {
			b.Fatal(err)
		}
		if res.Match {
			matched++
		}
		n++
	}
	reportRate(b, n)
	require.Positive(b, matched)
}

// BenchmarkCompileWebhookRule measures Compile itself.
func BenchmarkCompileWebhookRule(b *testing.B) {
	r := mkRule(b, and(ref("selection"), not(ref("filter_browser"))), webhookSearches()...)
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := Compile(r); diags.HasErrors() {
			b.Fatal(diags)
		}
	}
}

// The webhook host lists of the detection pack (detections/webhooks.hcl),
// for the litSet benchmarks.
var (
	benchWebhookHosts = []string{"discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com", "ptb.discordapp.com",
		"canary.discordapp.com", "hooks.slack.com", "outlook.office.com", "api.telegram.org", "hooks.zapier.com", "maker.ifttt.com",
		"hook.eu1.make.com", "hook.eu2.make.com", "hook.us1.make.com", "hook.us2.make.com", "hook.integromat.com", "chat.googleapis.com",
		"oapi.dingtalk.com", "open.feishu.cn", "open.larksuite.com", "qyapi.weixin.qq.com", "webhook.site", "requestbin.net",
		"requestbin.com", "run.mocky.io", "mockbin.org"}
	benchWebhookSuffixes = []string{".webhook.office.com", ".logic.azure.com", ".environment.api.powerplatform.com", ".m.pipedream.net",
		".webhook.site", ".dnshook.site", ".requestbin.net", ".free.beeceptor.com"}
	benchHosts = []string{"www.google.com", "login.microsoftonline.com", "outlook.office365.com", "github.com", "api.github.com",
		"fonts.gstatic.com", "cdn.jsdelivr.net", "www.bbc.co.uk", "update.googleapis.com", "s3.amazonaws.com", "discord.com",
		"hooks.slack.com", "contoso.webhook.office.com", "Discord.COM", "x.m.pipedream.net", "news.ycombinator.com"}
)

// BenchmarkLitSet compares one litSet with the same literals compared value
// by value (a strMatcher each), over 16 hosts of a proxy log.
func BenchmarkLitSet(b *testing.B) {
	for _, bc := range []struct {
		name string
		op   rule.Op
		lits []string
	}{
		{"equals26", rule.OpEquals, benchWebhookHosts},
		{"endswith8", rule.OpEndsWith, benchWebhookSuffixes},
		{"equals4", rule.OpEquals, benchWebhookHosts[:4]},
		{"endswith4", rule.OpEndsWith, benchWebhookSuffixes[:4]},
	} {
		set := buildSet(bc.lits, bc.op, false)
		var each []*strMatcher
		for _, lit := range bc.lits {
			each = append(each, newStrMatcher(rule.LiteralPattern(lit), bc.op, false))
		}
		b.Run(bc.name+"/set", func(b *testing.B) {
			n := 0
			for b.Loop() {
				set.match(benchHosts[n%len(benchHosts)])
				n++
			}
		})
		b.Run(bc.name+"/each", func(b *testing.B) {
			n := 0
			for b.Loop() {
				sub := subject{text: benchHosts[n%len(benchHosts)]}
				for _, m := range each {
					if m.match(&sub) {
						break
					}
				}
				n++
			}
		})
	}
}

// BenchmarkCompileDistinctSearches compiles rules whose searches are all
// new to the process, as a corpus build does: numbering a new search
// must not cost more as the table grows.
func BenchmarkCompileDistinctSearches(b *testing.B) {
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		n++
		r := mkRule(b, nil, search1("sel", f("cs-host|endswith", fmt.Sprintf("host%d.example", n))))
		if _, diags := Compile(r); diags.HasErrors() {
			b.Fatal(diags)
		}
	}
}
