detection "webhook_post" {
  id          = "11111111-1111-4111-8111-111111111111"
  title       = "POST to a <b>webhook</b> host & \"friends\""
  description = "A client posted to a webhook host. <script>alert(1)</script>"
  status      = "test"
  level       = "high"
  author      = "detc tests"
  date        = "2026-11-30"
  falsepositives = ["<img src=x onerror=alert(1)> chat-ops bots"]

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
      equals = ["hooks.slack.com", "<i>discord.com</i>"]
    }
  }

  condition = "upload"

  test "posts" {
    fixture = "proxy.jsonl"
    match   = ["slack-post"]
  }
}

detection "catcher_get" {
  id          = "22222222-2222-4222-8222-222222222222"
  title       = "Request to a request catcher"
  description = "A client reached a request-catcher service."
  status      = "stable"
  level       = "medium"
  author      = "detc tests"
  date        = "2026-11-30"

  logsource {
    category = "proxy"
  }

  mitre {
    tactics    = ["TA0010"]
    techniques = ["T1567.004", "T1041"]
  }

  selection "catcher" {
    match "cs-host" {
      endswith = [".webhook.site"]
    }
  }

  condition = "catcher"

  test "catchers" {
    fixture = "proxy.jsonl"
    match   = ["catcher"]
  }
}
