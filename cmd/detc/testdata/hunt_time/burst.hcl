# An aggregation for the --time-field tests: it can count only events
# whose time it can read.
detection "webhook_burst" {
  id          = "44444444-4444-4444-8444-444444444444"
  title       = "Webhook posts per source in ten minutes"
  description = "Counts posts to a Discord webhook per source in tumbling ten-minute windows."
  status      = "test"
  level       = "low"
  author      = "detc tests"
  date        = "2026-12-07"

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
    window   = "10m"
    count    = true
    gte      = 5
  }
}
