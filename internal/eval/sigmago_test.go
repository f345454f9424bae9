package eval

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	sigmago "github.com/bradleyjkemp/sigma-go"
	sigmaeval "github.com/bradleyjkemp/sigma-go/evaluator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/detc/detc/internal/condition"
	"github.com/detc/detc/internal/rule"
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
detection:
  sel:
    cs-host: [discord.com, hooks.slack.com]
  condition: sel
`, `
title: contains all
detection:
  sel:
    c-uri|contains|all: [/api/, webhooks]
  condition: sel
`, `
title: startswith and a list of maps
detection:
  sel:
    - c-uri|startswith: [/bot, /services/]
    - cs-host|endswith: .site
      cs-method: post
  condition: sel
`, `
title: regex without flags is case-sensitive
detection:
  sel:
    c-uri|re: '^/bot[0-9]+:[A-Za-z0-9_-]+/send'
  condition: sel
`, `
title: cidr v4 and v6
detection:
  sel:
    c-ip|cidr: [10.0.0.0/8, 192.168.0.0/16, 2001:db8::/32]
  condition: sel
`, `
title: numeric ranges
detection:
  sel_big:
    sc-bytes|gt: 100000
  sel_small:
    sc-bytes|lt: 150000
  condition: all of sel_*
`, `
title: gte lte and one of
detection:
  sel_bytes:
    sc-bytes|gte: 180000
  sel_event:
    EventID|lte: 4103
    cs-method: GET
  condition: 1 of sel_*
`, `
title: number equality
detection:
  sel:
    EventID: 4104
    cs-method: POST
  condition: sel
`, `
title: nesting with parentheses
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

// crossCheckModel builds the rule model from the YAML: searches through
// sigma-go's parse and rule.BuildMatchers (the shared modifier pipeline),
// the condition through internal/condition.
func crossCheckModel(t *testing.T, src string) *rule.Rule {
	t.Helper()
	parsed, err := sigmago.ParseRule([]byte(src))
	require.NoError(t, err)
	var raw struct {
		Detection struct {
			Condition string `yaml:"condition"`
		} `yaml:"detection"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(src), &raw))
	r := &rule.Rule{ID: parsed.Title}
	var names []string
	for name := range parsed.Detection.Searches {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		s := &rule.Search{Name: name}
		for _, em := range parsed.Detection.Searches[name].EventMatchers {
			g := &rule.Group{}
			for _, fm := range em {
				var raws []rule.RawValue
				for _, v := range fm.Values {
					switch v := v.(type) {
					case string:
						raws = append(raws, rule.RawValue{Kind: rule.RawString, Text: v})
					case int, float64:
						raws = append(raws, rule.RawValue{Kind: rule.RawNumber, Text: fmt.Sprint(v)})
					default:
						t.Fatalf("cross-check rules use strings and numbers only, not %T", v)
					}
				}
				ms, diags := rule.BuildMatchers(fm.Field, fm.Modifiers, raws, rule.Pos{})
				require.False(t, diags.HasErrors(), diags)
				g.Matchers = append(g.Matchers, ms...)
			}
			s.Groups = append(s.Groups, g)
		}
		r.Searches = append(r.Searches, s)
	}
	cond, _, diags := condition.Parse(raw.Detection.Condition, rule.Pos{Line: 1, Col: 1})
	require.False(t, diags.HasErrors(), diags)
	r.Condition = cond
	return r
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
