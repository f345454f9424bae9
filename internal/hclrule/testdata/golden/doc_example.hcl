# detections/webhooks/locals.hcl would usually hold these, shared by every
# .hcl file loaded in the same run.
locals {
  discord_hosts = ["discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com"]
  slack_hosts   = ["hooks.slack.com"]
  catcher_hosts = ["webhook.site", "requestbin.net", "pipedream.net"]
  webhook_hosts = concat(local.discord_hosts, local.slack_hosts, local.catcher_hosts)

  # Command-line tools and HTTP libraries, matched as user-agent prefixes.
  script_agents = ["curl/", "Wget/", "python-requests/", "Go-http-client/", "PowerShell/"]
}

detection "webhook_post_proxy" {
  id          = "5f0c3a52-7d9e-4c1b-9b51-2f1e6c0d8a41"
  title       = "Script client posts to a webhook service"
  description = "A command-line tool or HTTP library sent data with POST or PUT to a chat or request-catcher webhook."
  status      = "experimental"
  level       = "high"
  author      = "detc content team"
  date        = "2026-11-30"
  references = [
    "https://attack.mitre.org/techniques/T1567/004/",
  ]
  tags           = ["attack.exfiltration", "attack.t1567.004"]
  falsepositives = ["CI notifiers and monitoring bots that post to chat webhooks"]
  fields         = ["src_ip", "cs-host", "c-uri", "c-useragent", "cs-bytes"]

  logsource {
    category = "proxy"
  }

  mitre {
    tactics    = ["TA0010"]
    techniques = ["T1567.004"]
  }

  selection "upload" {
    match "cs-method" {
      equals = ["POST", "PUT"]
    }
  }

  # Each group is one service: its host AND its webhook path.
  selection "webhook_url" {
    group {
      match "cs-host" {
        equals = local.discord_hosts
      }
      match "c-uri" {
        re       = "^/api/(v[0-9]+/)?webhooks/[0-9]+/"
        re_flags = ["i"]
      }
    }
    group {
      match "cs-host" {
        equals = local.slack_hosts
      }
      match "c-uri" {
        startswith = ["/services/", "/triggers/", "/workflows/"]
      }
    }
    group {
      match "cs-host" {
        endswith = local.catcher_hosts
      }
    }
  }

  selection "script_client" {
    match "c-useragent" {
      startswith = [for a in local.script_agents : a if a != "PowerShell/"]
    }
  }
  selection "powershell" {
    match "c-useragent" {
      contains = "PowerShell/"
    }
  }

  condition = "upload and webhook_url and (script_client or powershell)"

  runbook {
    summary        = "A script client sent data to a webhook. The URL path holds the webhook's secret: redact it in tickets."
    key_indicators = ["cs-bytes shows how much was sent; multipart uploads carry files."]
    questions      = ["Does the webhook belong to a channel the organisation owns?"]
    l1_steps       = ["List every request from src_ip to ${join(", ", local.slack_hosts)} and Discord in the last 24 hours."]
  }

  test "script_posts" {
    fixture = "fixtures/proxy/webhook_post_path.jsonl"
    match   = ["discord-post", "slack-services"]
  }
  test "browsers_and_gets" {
    fixture = "fixtures/proxy/benign.jsonl"
  }
}

detection "webhook_upload_volume" {
  title = "Large upload volume to webhook services"
  level = "medium"
  logsource {
    category = "proxy"
  }
  mitre {
    tactics    = ["TA0010"]
    techniques = ["T1567.004"]
  }
  selection "to_webhook" {
    match "cs-host" {
      endswith = local.webhook_hosts
    }
  }
  condition = "to_webhook"

  threshold {
    group_by = ["src_ip", "cs-host"]
    window   = "10m"
    sum      = "cs-bytes"
    gte      = 5 * 1024 * 1024 # 5 MiB
  }

  test "exfil_burst" {
    fixture = "fixtures/proxy/webhook_volume.jsonl"
    alert {
      group  = { src_ip = "10.0.0.5", "cs-host" = "discord.com" }
      value  = 6291456
      window = "2026-11-30T10:00:00Z"
    }
  }
}
