detection "proxy_webhook_unapproved_endpoint" {
  id          = "d9fe5f97-8f97-426b-ae63-5509d300c257"
  title       = "POST to a webhook that is not on the approved list"
  description = "A client posted to a webhook URL (the same services and paths as proxy_webhook_post_path) that does not start with one of the organisation's approved webhook prefixes (approved_webhook_url_prefixes in approved_webhooks.hcl). Approved integrations are the expected webhook traffic; anything else is a new or personal endpoint."
  status      = "experimental"
  level       = "high"
  author      = "detc content team"
  date        = "2026-11-30"
  # Not Defender XDR: DeviceNetworkEvents has no HTTP method, and its
  # RemoteUrl is only the host for HTTPS, so no URL can be compared with
  # the approved prefixes.
  targets = ["splunk", "kql/sentinel-asim", "kql/sentinel-csl", "kql/raw", "elastic"]
  references = [
    "https://attack.mitre.org/techniques/T1567/004/",
  ]
  tags           = ["attack.exfiltration", "attack.t1567.004"]
  falsepositives = ["A new legitimate integration not yet added to approved_webhook_url_prefixes (approved_webhooks.hcl)", "Proxies that log only the URL path (Zeek) when the approved list has only full URLs: add the path forms to approved_webhook_url_prefixes", "The organisation's own Discord and Telegram bots answering users: list them in approved_discord_application_ids and approved_telegram_bot_ids (organisation.hcl)"]
  fields         = ["src_ip", "cs-username", "cs-host", "c-uri", "cs-method", "c-useragent", "cs-bytes"]

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

  # The organisation's approved endpoints (approved_webhooks.hcl).
  selection "approved" {
    match "c-uri" {
      startswith = local.approved_webhook_url_prefixes
    }
  }

  condition = "upload and webhook_url and not approved and not bot_call and not own_host_request"

  # The proxy log names the endpoint, not the process: block it and call an
  # analyst; isolating the host is left to them.
  response {
    actions = ["block_endpoint", "notify"]
  }

  runbook {
    summary   = "A POST or PUT reached a webhook URL that is not on the approved list (approved_webhook_url_prefixes in detections/approved_webhooks.hcl). Either a new integration was set up without being registered, or data left to an endpoint the organisation does not own."
    l1_steps  = ["Ask the owner of the source host or user whether the endpoint is a sanctioned integration; if it is, have it added to approved_webhooks.hcl (by URL prefix up to the webhook id, never the token) through a pull request."]
    questions = ["Is the webhook's workspace, server or tenant (Slack team id T..., Discord server, Teams tenant id) one the organisation owns?"]
  }

  test "unapproved" {
    fixture = "fixtures/proxy/webhook_unapproved_endpoint.jsonl"
    match   = ["discord-personal", "slack-other-bot", "slack-other-team", "teams-other-group", "webhook-site", "telegram-bot", "teams-case-host-unapproved", "attacker-botlib-ua-webhook"]
  }
}
