package hclrule

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// benchFile is a detection pack of n detections in the shape of the
// T1567.004 content: shared host lists, two selections with groups, a
// runbook and a fixture test each.
func benchFile(n int) []byte {
	var b strings.Builder
	b.WriteString(`locals {
  discord_hosts  = ["discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com"]
  slack_hosts    = ["hooks.slack.com"]
  catcher_hosts  = ["webhook.site", "requestbin.net", "requestbin.com", "run.mocky.io", "mockbin.org"]
  webhook_hosts  = concat(local.discord_hosts, local.slack_hosts, local.catcher_hosts)
  browser_agents = ["Mozilla/", "Opera/"]
}
`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `
detection "webhook_%d" {
  id          = "5f0c3a52-7d9e-4c1b-9b51-2f1e6c0d8a%02d"
  title       = "POST to a webhook service (%d)"
  description = "A client sent data to a webhook endpoint."
  status      = "experimental"
  level       = "high"
  date        = "2026-11-30"
  tags        = ["attack.exfiltration", "attack.t1567.004"]
  fields      = ["src_ip", "cs-host", "c-uri"]
  logsource {
    category = "proxy"
  }
  mitre {
    tactics    = ["TA0010"]
    techniques = ["T1567.004"]
  }
  selection "webhook_post" {
    group {
      match "cs-host" {
        endswith = local.discord_hosts
      }
      match "c-uri" {
        re = "/api/(v[0-9]+/)?webhooks/[0-9]+/"
      }
    }
    group {
      match "cs-host" {
        equals = local.webhook_hosts
      }
      match "cs-method" {
        equals = ["POST", "PUT"]
      }
    }
  }
  selection "filter_browser" {
    match "c-useragent" {
      startswith = local.browser_agents
    }
  }
  condition = "webhook_post and not 1 of filter_*"
  runbook {
    summary   = "Data left through a webhook."
    questions = ["Who owns the webhook?", "What was sent?"]
  }
  test "positive" {
    fixture = "fixtures/proxy/webhook.jsonl"
    match   = ["evt-1", "evt-2"]
  }
}
`, i, i, i)
	}
	return []byte(b.String())
}

func BenchmarkLoad(b *testing.B) {
	files := []File{{Name: "pack.hcl", Data: benchFile(10)}}
	rules, diags := Load(files)
	require.Empty(b, diags, diags.Error())
	require.Len(b, rules, 10)
	b.SetBytes(int64(len(files[0].Data)))
	b.ReportAllocs()
	for b.Loop() {
		Load(files)
	}
}

func BenchmarkFormat(b *testing.B) {
	f := File{Name: "pack.hcl", Data: benchFile(10)}
	b.SetBytes(int64(len(f.Data)))
	b.ReportAllocs()
	for b.Loop() {
		Format(f)
	}
}
