detection "webhook_post" {
  id          = "11111111-1111-4111-8111-111111111111"
  title       = "POST to a webhook host"
  description = "A client posted to a webhook host."
  status      = "stable"
  level       = "high"
  author      = "detc tests"
  date        = "2026-11-30"
  # Defender XDR records no HTTP method.
  targets = ["splunk", "kql/sentinel-asim", "elastic"]

  logsource {
    category = "proxy"
  }

  mitre {
    tactics    = ["TA0010"]
    techniques = ["T1567.004"]
  }

  selection "upload" {
    match "cs-method" {
      equals = ["POST"]
    }
    match "cs-host" {
      equals = local.hosts
    }
  }

  condition = "upload"

  test "posts" {
    fixture = "proxy.jsonl"
    match   = ["slack-post", "discord-post"]
  }
}

detection "catcher_get" {
  id          = "22222222-2222-4222-8222-222222222222"
  title       = "Request to a request catcher"
  description = "A client reached a request-catcher service."
  status      = "experimental"
  level       = "medium"
  author      = "detc tests"
  date        = "2026-11-30"

  logsource {
    category = "proxy"
  }

  mitre {
    tactics    = ["TA0010"]
    techniques = ["T1567.004"]
  }

  selection "catcher" {
    match "cs-host" {
      endswith = [".webhook.site"]
    }
  }

  condition = "catcher"

  test "catchers" {
    fixture = "proxy.jsonl"
    match   = ["catcher-get"]
  }
}
