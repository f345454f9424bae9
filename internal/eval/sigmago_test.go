package eval

import (
	"context"
	"math/rand/v2"
	"testing"

	sigmago "github.com/bradleyjkemp/sigma-go"
	sigmaeval "github.com/bradleyjkemp/sigma-go/evaluator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/sigma"
)

// The cross-check runs the same Sigma rules through sigma-go v0.6.6 and
// through this evaluator over generated proxy events and requires the same
// verdicts. The rules stay within what sigma-go gets right (see
// docs/evaluator.md): no wildcards, no null, no keywords, no modifiers it
// lacks, no "_" searches with "them", and no values that its "<nil>"
// rendering of an absent field could satisfy.
var crossCheckRules = []string{
	`
title: webhook post from a non-browser
logsource: {category: proxy}
detection:
  selection:
    cs-host|endswith: [discord.com, discordapp.com, hooks.slack.com, webhook.office.com, webhook.site,
                       api.telegram.org, hooks.zapier.com, m.pipedream.net, ifttt.com, outlook.office.com]
    cs-method: [POST, PUT]
  filter:
    c-useragent|contains: [Mozilla/, Chrome/]
  condition: selection and not filter
`, `
title: plain equality folds case
logsource: {category: proxy}
detection:
  sel:
    cs-host: [discord.com, hooks.slack.com]
  condition: sel
`, `
title: contains all
logsource: {category: proxy}
detection:
  sel:
    c-uri|contains|all: [/api/, webhooks]
  condition: sel
`, `
title: startswith and a list of maps
logsource: {category: proxy}
detection:
  sel:
    - c-uri|startswith: [/bot, /services/]
    - cs-host|endswith: .site
      cs-method: post
  condition: sel
`, `
title: regex without flags is case-sensitive
logsource: {category: proxy}
detection:
  sel:
    c-uri|re: '^/bot[0-9]+:[A-Za-z0-9_-]+/send'
  condition: sel
`, `
title: cidr v4 and v6
logsource: {category: proxy}
detection:
  sel:
    c-ip|cidr: [10.0.0.0/8, 192.168.0.0/16, 2001:db8::/32]
  condition: sel
`, `
title: numeric ranges
logsource: {category: proxy}
detection:
  sel_big:
    sc-bytes|gt: 100000
  sel_small:
    sc-bytes|lt: 150000
  condition: all of sel_*
`, `
title: gte lte and one of
logsource: {category: proxy}
detection:
  sel_bytes:
    sc-bytes|gte: 180000
  sel_event:
    EventID|lte: 4103
    cs-method: GET
  condition: 1 of sel_*
`, `
title: number equality
logsource: {category: proxy}
detection:
  sel:
    EventID: 4104
    cs-method: POST
  condition: sel
`, `
title: nesting with parentheses
logsource: {category: proxy}
detection:
  a:
    cs-host|contains: discord
  b:
    c-uri|contains: webhook
  c:
    c-useragent|startswith: python
  condition: (a or b) and not c
`,
}

// crossCheckModel loads the same YAML through detc's Sigma front end.
func crossCheckModel(t *testing.T, src string) *rule.Rule {
	t.Helper()
	rules, diags := sigma.Load("crosscheck.yml", []byte(src))
	require.False(t, diags.HasErrors(), diags)
	require.Len(t, rules, 1)
	return rules[0]
}

// crossCheckEvents generates proxy events from a fixed seed. Values mix
// case, near misses (discord.com.evil.net) and absent fields.
func crossCheckEvents(n int) []map[string]any {
	rng := rand.New(rand.NewPCG(1567, 4))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	events := make([]map[string]any, n)
	for i := range events {
		ev := map[string]any{
			"cs-host": pick("discord.com", "Discord.COM", "cdn.discordapp.com", "hooks.slack.com", "HOOKS.SLACK.COM",
				"webhook.site", "api.telegram.org", "example.org", "discord.com.evil.net", "mydiscord.com", "google.com",
				"evil-webhook.site", "m.pipedream.net", "outlook.office.com"),
			"cs-method": pick("GET", "POST", "post", "PUT", "HEAD"),
			"c-useragent": pick("Mozilla/5.0 (Windows NT 10.0) Chrome/120.0", "python-requests/2.31", "curl/8.4.0",
				"Go-http-client/1.1", "MOZILLA/4.0", "PowerShell/7.4", "Python-urllib/3.11"),
			"c-uri": pick("/api/webhooks/123/abc", "/API/WEBHOOKS/9/x?wait=true", "/bot123456:AAE_x/sendDocument",
				"/BOT1:x/send", "/services/T0/B0/xyz", "/index.html", "/upload", "/api/v2/items"),
			"c-ip": pick("10.1.2.3", "10.200.0.1", "192.168.1.20", "172.16.5.4", "8.8.8.8", "2001:db8::5",
				"fe80::1", "2001:db9::1"),
			"sc-bytes": float64(rng.IntN(200000)),
			"EventID":  float64([]int{4104, 4103, 1}[rng.IntN(3)]),
		}
		for k := range ev {
			if rng.IntN(10) == 0 {
				delete(ev, k)
			}
		}
		events[i] = ev
	}
	return events
}

func TestCrossCheckSigmaGo(t *testing.T) {
	events := crossCheckEvents(400)
	for _, src := range crossCheckRules {
		theirs, err := sigmago.ParseRule([]byte(src))
		require.NoError(t, err)
		t.Run(theirs.Title, func(t *testing.T) {
			ref := sigmaeval.ForRule(theirs)
			p := compile(t, crossCheckModel(t, src))
			matched := 0
			flat := &FlatEvent{}
			for _, ev := range events {
				want, err := ref.Matches(context.Background(), ev)
				require.NoError(t, err)
				Flatten(ev, flat)
				assert.Equal(t, want.Match, p.Match(MapEvent(ev)), "MapEvent %v", ev)
				assert.Equal(t, want.Match, p.Match(flat), "FlatEvent %v", ev)
				if want.Match {
					matched++
				}
			}
			// A cross-check where every verdict is the same proves nothing.
			assert.Greater(t, matched, 10, "too few events match")
			assert.Less(t, matched, len(events)-10, "too few events miss")
		})
	}
}

// TestSigmaFrontEnd runs YAML that sigma-go cannot evaluate (wildcards,
// escapes, null, keywords, "_" searches, re flags, windash) through the
// Sigma loader and this evaluator.
func TestSigmaFrontEnd(t *testing.T) {
	tests := []struct {
		src    string
		events []evCase
	}{
		{`
title: wildcards, escapes and null
logsource: {category: proxy}
detection:
  sel:
    cs-host: '*.discord.com'
    c-uri|contains: '/webhooks/*/'
    referer: null
  filter:
    c-uri|endswith: '\*'
  condition: sel and not filter
`, []evCase{
			{`{"cs-host": "ptb.Discord.com", "c-uri": "/api/webhooks/1/t"}`, true},
			{`{"cs-host": "ptb.Discord.com", "c-uri": "/api/webhooks/1/t", "referer": ""}`, true},
			{`{"cs-host": "ptb.Discord.com", "c-uri": "/api/webhooks/1/t", "referer": "x"}`, false},
			{`{"cs-host": "ptb.Discord.com", "c-uri": "/api/webhooks/1/*"}`, false},
			{`{"cs-host": "discord.com", "c-uri": "/api/webhooks/1/t"}`, false},
		}},
		{`
title: keywords and them
logsource: {category: proxy}
detection:
  keywords:
    - 'api/webhooks'
    - 'hooks.slack.com/services'
  _helper:
    cs-method: GET
  condition: 1 of them
`, []evCase{
			{`{"url": "https://discord.com/API/Webhooks/1/t"}`, true},
			{`{"x": {"y": ["https://hooks.slack.com/services/T0/B0/z"]}}`, true},
			{`{"cs-method": "GET"}`, false},
		}},
		{`
title: re flags and windash
logsource: {category: process_creation, product: windows}
detection:
  sel:
    CommandLine|re|i: 'invoke-webrequest.+-method\s+post'
  enc:
    CommandLine|windash|contains: ' -enc '
  condition: sel or enc
`, []evCase{
			{`{"CommandLine": "powershell Invoke-WebRequest -Uri x -Method POST"}`, true},
			{`{"CommandLine": "powershell /enc SQBFAFgA"}`, true},
			{`{"CommandLine": "powershell Invoke-WebRequest -Uri x"}`, false},
		}},
	}
	for _, tc := range tests {
		r := crossCheckModel(t, tc.src)
		t.Run(r.Title, func(t *testing.T) {
			p := compile(t, r)
			for _, ev := range tc.events {
				for form, e := range eventForms(t, ev.doc) {
					assert.Equal(t, ev.want, p.Match(e), "%s event %s", form, ev.doc)
				}
			}
		})
	}
}

// TestSigmaCorrelations runs Sigma correlation rules, loaded and resolved
// by the Sigma front end, through the Aggregator.
func TestSigmaCorrelations(t *testing.T) {
	src := `
title: webhook post
name: webhook_post
logsource: {category: proxy}
detection:
  sel:
    cs-host|endswith: discord.com
    cs-method: POST
  condition: sel
---
title: webhook lookup
name: webhook_get
logsource: {category: proxy}
detection:
  sel:
    cs-host|endswith: discord.com
    cs-method: GET
  condition: sel
---
title: many webhook posts
correlation:
  type: event_count
  rules: [webhook_post]
  group-by: [c-ip]
  timespan: 10m
  condition: {gte: 3}
---
title: get and post
correlation:
  type: temporal
  rules: [webhook_get, webhook_post]
  group-by: [c-ip]
  timespan: 5m
  condition: {gte: 2}
`
	loaded, diags := sigma.Load("corr.yml", []byte(src))
	require.False(t, diags.HasErrors(), diags)
	rules, diags := sigma.ResolveCorrelations(loaded)
	require.False(t, diags.HasErrors(), diags)
	require.Len(t, rules, 2)
	events := []timedEvent{
		{"2026-03-01T10:00:00Z", `{"c-ip": "a", "cs-host": "discord.com", "cs-method": "GET"}`},
		{"2026-03-01T10:01:00Z", `{"c-ip": "a", "cs-host": "discord.com", "cs-method": "POST"}`},
		{"2026-03-01T10:02:00Z", `{"c-ip": "a", "cs-host": "ptb.discord.com", "cs-method": "POST"}`},
		{"2026-03-01T10:03:00Z", `{"c-ip": "b", "cs-host": "discord.com", "cs-method": "POST"}`},
		{"2026-03-01T10:06:00Z", `{"c-ip": "a", "cs-host": "discord.com", "cs-method": "POST"}`},
		{"2026-03-01T10:07:00Z", `{"c-ip": "b", "cs-host": "discord.com", "cs-method": "GET"}`},
	}
	want := map[string][]Alert{
		"many webhook posts": {alert(t, "2026-03-01T10:00:00Z", 3, "c-ip", "a")},
		"get and post":       {alert(t, "2026-03-01T10:00:00Z", 2, "c-ip", "a")},
	}
	for _, r := range rules {
		assert.Equal(t, want[r.Title], runAgg(t, r, events), r.Title)
	}
}
