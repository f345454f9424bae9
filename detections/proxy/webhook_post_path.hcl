detection "proxy_webhook_post_path" {
  id          = "7d3f6a2e-5b1c-4f0a-9e6d-2c8b1a4f5e01"
  title       = "HTTP POST or PUT to a webhook URL"
  description = "A client sent data with POST or PUT to the webhook path of a chat, automation or request-catcher service (Discord, Slack, Teams, Power Automate, Telegram, Zapier, IFTTT, Make, Pipedream, webhook.site, Google Chat, Mattermost). The path carries the webhook's secret, so this matches webhook use rather than ordinary visits to the service."
  status      = "experimental"
  level       = "high"
  author      = "detc content team"
  date        = "2026-11-30"
  references = [
    "https://attack.mitre.org/techniques/T1567/004/",
    "https://github.com/redcanaryco/atomic-red-team/blob/master/atomics/T1567.004/T1567.004.md",
  ]
  tags           = ["attack.exfiltration", "attack.t1567.004"]
  falsepositives = ["Approved integrations that post to chat webhooks (CI notifiers, monitoring alerts, chat-ops bots): add them to the approved-endpoint list"]
  fields         = ["src_ip", "cs-host", "c-uri", "cs-method", "c-useragent", "cs-bytes"]

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

  # One group per service: its host and the path its webhooks use. The
  # host and path lists are in webhooks.hcl.
  selection "webhook_url" {
    group {
      match "cs-host" {
        equals = local.discord_hosts
      }
      match "c-uri" {
        re = local.discord_webhook_path_re
      }
    }
    group {
      match "cs-host" {
        equals = local.slack_hosts
      }
      match "c-uri" {
        contains = local.slack_webhook_paths
      }
    }
    group {
      match "cs-host" {
        endswith = local.teams_suffixes
      }
      match "c-uri" {
        contains = local.teams_webhook_paths
      }
    }
    group {
      match "cs-host" {
        equals = local.teams_legacy_hosts
      }
      match "c-uri" {
        contains = local.teams_legacy_paths
      }
    }
    group {
      match "cs-host" {
        endswith = local.power_automate_suffixes
      }
      match "c-uri" {
        contains = local.power_automate_paths
      }
    }
    group {
      match "cs-host" {
        equals = local.telegram_hosts
      }
      match "c-uri" {
        re       = local.telegram_send_path_re
        re_flags = ["i"]
      }
    }
    group {
      match "cs-host" {
        equals = local.zapier_hosts
      }
      match "c-uri" {
        contains = local.zapier_webhook_paths
      }
    }
    group {
      match "cs-host" {
        equals = local.ifttt_hosts
      }
      match "c-uri" {
        contains = local.ifttt_webhook_paths
      }
    }
    group {
      match "cs-host" {
        equals = local.google_chat_hosts
      }
      match "c-uri" {
        re = local.google_chat_path_re
      }
    }
    group {
      # DingTalk, Feishu/Lark and WeCom group bots.
      match "cs-host" {
        equals = local.chat_bot_hosts
      }
      match "c-uri" {
        contains = local.chat_bot_paths
      }
    }
    group {
      # Request catchers and Make: any path is a webhook.
      match "cs-host" {
        equals = concat(local.catcher_hosts, local.make_hosts)
      }
    }
    group {
      match "cs-host" {
        endswith = concat(local.pipedream_suffixes, local.catcher_suffixes)
      }
    }
    group {
      # Mattermost and Rocket.Chat are self-hosted, so only the path shows
      # them: /hooks/ followed by a 26-character id.
      match "c-uri" {
        re = local.self_hosted_hook_path_re
      }
    }
  }

  condition = "upload and webhook_url"

  runbook {
    summary        = "A POST or PUT reached a webhook URL. The URL path holds the webhook's secret: anyone who has it can post to the channel, so treat the URL as sensitive in tickets (redact the token)."
    key_indicators = ["The request body size (cs-bytes) shows how much was sent; multipart uploads to Discord or Telegram sendDocument carry files."]
    questions      = ["Does the webhook belong to a channel the organisation owns (check the Discord server, Slack workspace or Teams tenant behind it)?"]
  }

  test "webhook_posts" {
    fixture = "fixtures/proxy/webhook_post_path.jsonl"
    match   = ["discord-post", "discord-ptb-v10", "slack-services", "teams-webhookb2", "telegram-senddocument", "slack-mixed-case", "pipedream-put", "webhook-site", "zapier-catch", "power-automate", "mattermost-hook"]
  }
}
