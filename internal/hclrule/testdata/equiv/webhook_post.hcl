locals {
  discord_hosts = ["discord.com", "discordapp.com"]
}

detection "webhook_post" {
  id             = "5f0c3a52-7d9e-4c1b-9b51-2f1e6c0d8a41"
  title          = "POST or PUT to a webhook service"
  status         = "experimental"
  description    = "A client sent data to a webhook endpoint of a chat or automation service."
  references     = ["https://attack.mitre.org/techniques/T1567/004/"]
  author         = "detc"
  date           = "2026-11-30"
  modified       = "2026-12-01"
  tags           = ["attack.exfiltration", "attack.t1567.004"]
  falsepositives = ["Approved chat-ops integrations"]
  level          = "high"
  fields         = ["src_ip", "cs-host", "c-uri"]

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
  selection "webhook_url" {
    group {
      match "cs-host" {
        endswith = local.discord_hosts
      }
      match "c-uri" {
        re       = "/api/(v[0-9]+/)?webhooks/[0-9]+/"
        re_flags = ["i"]
      }
    }
    group {
      match "cs-host" {
        equals = "hooks.slack.com"
      }
      match "c-uri" {
        contains = ["/services/", "/triggers/"]
      }
    }
  }
  selection "filter_browser" {
    match "c-useragent" {
      startswith = "Mozilla/"
    }
    match "c-useragent" {
      contains = ["Chrome/", "Safari/"]
      all      = true
    }
  }
  condition = "upload and webhook_url and not 1 of filter_*"
}
