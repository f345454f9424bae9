detection "proxy_webhook_post_path" {
  id          = "7d3f6a2e-5b1c-4f0a-9e6d-2c8b1a4f5e01"
  title       = "HTTP POST or PUT to a webhook URL"
  description = "A client sent data with POST or PUT to the webhook path of a chat, automation or request-catcher service (Discord, Slack, Teams, Power Automate, Telegram, Zapier, IFTTT, Make, Pipedream, webhook.site, Google Chat, Mattermost). The path carries the webhook's secret, so this matches webhook use rather than ordinary visits to the service."
  status      = "experimental"
  level       = "high"
  author      = "detc content team"
  date        = "2026-11-30"
  # Not Defender XDR: DeviceNetworkEvents has no HTTP method, and its
  # RemoteUrl is only the host for HTTPS (net_webhook_non_browser_process
  # and proc_webhook_upload_cli are its counterparts there).
  targets = ["splunk", "kql/sentinel-asim", "kql/sentinel-csl", "kql/raw", "elastic"]
  references = [
    "https://attack.mitre.org/techniques/T1567/004/",
    "https://github.com/redcanaryco/atomic-red-team/blob/master/atomics/T1567.004/T1567.004.md",
  ]
  tags           = ["attack.exfiltration", "attack.t1567.004"]
  falsepositives = ["Approved integrations that post to chat webhooks (CI notifiers, monitoring alerts): list them in approved_webhook_url_prefixes (approved_webhooks.hcl) and deploy proxy_webhook_unapproved_endpoint in place of this detection", "The organisation's own Discord bots sending follow-up messages (/api/v10/webhooks/<application id>/<interaction token>) and Telegram bots calling the Bot API: list their application ids in approved_discord_application_ids and their bot ids in approved_telegram_bot_ids (organisation.hcl)", "The organisation's self-hosted Mattermost or Rocket.Chat (/hooks/<id> on its own host): list its domain in org_domains or the host in org_internal_hosts (organisation.hcl)"]
  fields         = ["src_ip", "cs-host", "c-uri", "cs-method", "c-useragent", "cs-bytes"]

  logsource {
    category = "proxy"
  }

  mitre {
    tactics    = ["TA0010"]
    techniques = ["T1567.004"]
  }

  # The webhook URLs of every service, and the organisation's own bots'
  # calls and own servers (organisation.hcl), whose URLs can have the same
  # shape: shared selections in webhooks.hcl.
  use_selections = ["webhook_url", "bot_call", "own_host_request"]

  selection "upload" {
    match "cs-method" {
      equals = ["POST", "PUT"]
    }
  }

  condition = "upload and webhook_url and not bot_call and not own_host_request"

  runbook {
    summary        = "A POST or PUT reached a webhook URL. The URL path holds the webhook's secret: anyone who has it can post to the channel, so treat the URL as sensitive in tickets (redact the token)."
    key_indicators = ["The request body size (cs-bytes) shows how much was sent; multipart uploads to Discord or Telegram sendDocument carry files."]
    questions      = ["Does the webhook belong to a channel the organisation owns (check the Discord server, Slack workspace or Teams tenant behind it)?"]
  }

  test "webhook_posts" {
    fixture = "fixtures/proxy/webhook_post_path.jsonl"
    match   = ["discord-post", "discord-ptb-v10", "slack-services", "teams-webhookb2", "telegram-senddocument", "slack-mixed-case", "pipedream-put", "webhook-site", "zapier-catch", "power-automate", "mattermost-hook", "attacker-botlib-ua-webhook", "attacker-on-bot-host", "lookalike-mattermost-hook"]
  }
}
