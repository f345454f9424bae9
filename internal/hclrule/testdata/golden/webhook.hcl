# Shared by every .hcl file loaded together, like a Terraform module's locals.
locals {
  webhook_hosts = ["discord.com", "discordapp.com", "hooks.slack.com", "webhook.office.com", "webhook.site"]
  chat_hosts    = concat(local.webhook_hosts, ["api.telegram.org"])
  large_upload  = 5 * 1024 * 1024
}

detection "webhook_post_proxy" {
  id          = "5f0c3a52-7d9e-4c1b-9b51-2f1e6c0d8a41"
  title       = "POST or PUT to a webhook service"
  description = "A client sent data to a webhook endpoint of a chat or automation service."
  status      = "experimental"
  level       = "high"
  author      = "detc"
  date        = "2026-11-30"
  modified    = "2026-12-01"
  references  = ["https://attack.mitre.org/techniques/T1567/004/"]
  tags        = ["attack.exfiltration", "attack.t1567.004"]
  falsepositives = ["Chat-ops integrations that post to webhooks"]
  fields      = ["src_ip", "cs-host", "c-uri"]

  logsource {
    category = "proxy"
  }
  mitre {
    tactics    = ["TA0010"]
    techniques = ["T1567.004"]
  }

  selection "webhook_post" {
    match "cs-method" { equals = ["POST", "PUT"] }
    match "cs-host"   { endswith = local.webhook_hosts }
    match "c-uri"     {
      contains = ["/api/webhooks/", "/services/"]
    }
  }
  selection "filter_browser" {
    group {
      match "c-useragent" { startswith = "Mozilla/" }
    }
    group {
      match "c-useragent" {
        re       = "^curl/[0-9.]+$"
        re_flags = ["i"]
      }
    }
  }
  keywords "kw" {
    values = ["webhook"]
  }

  condition = "webhook_post and not 1 of filter_*"

  runbook {
    summary        = "Data left through a webhook."
    key_indicators = ["POST to ${local.webhook_hosts[0]}"]
    replace        = ["questions"]
    questions      = ["Who owns the webhook?"]
  }

  test "positive" {
    fixture = "fixtures/proxy/webhook.jsonl"
    match   = ["evt-1", "evt-2"]
  }
  test "benign" {
    fixture = "fixtures/proxy/benign.jsonl"
  }
}

detection "webhook_upload_volume" {
  title = "Large upload volume to webhook services"
  level = "medium"
  logsource {
    category = "proxy"
  }
  selection "sel" {
    match "cs-host" {
      endswith = local.chat_hosts
    }
    match "cs-bytes" {
      gte = 1
    }
    match "c-uri" {
      contains = ["/api/webhooks/", "/bot"]
      all      = false
      cased    = true
    }
    match "referer" { equals = null }
    match "src_ip" {
      cidr = ["10.0.0.0/8", "192.168.0.0/16"]
      neq  = true
    }
  }
  condition = <<-EOT
    sel
  EOT
  threshold {
    group_by = ["src_ip", "cs-host"]
    window   = "10m"
    sum      = "cs-bytes"
    gte      = local.large_upload
  }
  test "volume" {
    fixture = "fixtures/proxy/volume.jsonl"
    alert {
      group  = { src_ip = "10.0.0.5", "cs-host" = "discord.com" }
      value  = 6291456
      window = "2026-11-30T10:00:00Z"
    }
  }
}
