detection "webhook_post" {
  id          = "0b000000-0000-4000-8000-000000000001"
  title       = "POST to a Discord or Slack webhook"
  description = "A client posted to a Discord or Slack webhook URL."
  status      = "test"
  level       = "high"
  author      = "detc tests"
  date        = "2026-11-30"

  logsource {
    category = "proxy"
  }

  selection "upload" {
    match "cs-method" {
      equals = ["POST", "PUT"]
    }
  }

  selection "webhook" {
    group {
      match "cs-host" {
        equals = ["discord.com", "ptb.discord.com"]
      }
      match "c-uri" {
        contains = ["/api/webhooks/"]
      }
    }
    group {
      match "cs-host" {
        equals = ["hooks.slack.com"]
      }
      match "c-uri" {
        contains = ["/services/"]
      }
    }
  }

  condition = "upload and webhook"
}

detection "webhook_burst" {
  id          = "0b000000-0000-4000-8000-000000000002"
  title       = "Three or more webhook posts from one client in five minutes"
  description = "Counts webhook posts per client in tumbling five-minute windows."
  status      = "test"
  level       = "medium"
  author      = "detc tests"
  date        = "2026-11-30"

  logsource {
    category = "proxy"
  }

  selection "post" {
    match "cs-method" {
      equals = ["POST"]
    }
    match "c-uri" {
      contains = ["/api/webhooks/"]
    }
  }

  condition = "post"

  threshold {
    group_by = ["src_ip"]
    window   = "5m"
    count    = true
    gte      = 3
  }
}

detection "curl_upload" {
  id          = "0b000000-0000-4000-8000-000000000003"
  title       = "curl uploads a file to a webhook"
  description = "curl.exe with an upload flag and a webhook URL."
  status      = "test"
  level       = "high"
  author      = "detc tests"
  date        = "2026-11-30"

  logsource {
    category = "process_creation"
    product  = "windows"
  }

  selection "curl" {
    match "Image" {
      endswith = ["\\curl.exe"]
    }
    match "CommandLine" {
      contains = ["/api/webhooks/"]
    }
    match "CommandLine" {
      contains = [" -F ", " --form "]
    }
  }

  condition = "curl"
}
