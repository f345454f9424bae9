locals {
  approved_webhook_url_prefixes = [
    "https://hooks.slack.com/services/T0ABC1234/B0CINOTIFY/",
    "/services/T0PATH0000/B0PATH0000/",
  ]
  blocked_webhook_urls = [
    "https://hooks.slack.com/services/T0ABC1234/",
    "https://hooks.slack.com/services/T0EVIL000/B0EVIL000/",
    "https://example.net/services/T0PATH0000/B0PATH0000/x",
    "hooks.slack.com/services/T0NOSCHEME/",
  ]
}

detection "webhook_post" {
  id          = "aaaaaaaa-0000-4000-8000-000000000017"
  title       = "A rule so the set is not empty"
  description = "d"
  status      = "experimental"
  level       = "low"
  author      = "a"
  date        = "2026-12-07"

  logsource {
    category = "proxy"
  }

  selection "sel" {
    match "cs-host" {
      equals = ["hooks.slack.com"]
    }
  }
  condition = "sel"
}
