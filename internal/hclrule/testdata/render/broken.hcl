locals {
  hosts = ["discord.com", "hooks.slack.com"]
}

detection "webhook_post" {
  title = "Webhook POST"
  level = 5
  logsource {
    category = "proxy"
  }
  selection "post" {
    match "cs-host" {
      endswith = local.host
    }
    match "c-uri" {
      contains = ["/api/webhooks/"]
      endswith = ["/slack"]
    }
  }
  condition = "post and not"
}
