# One counting aggregation per log shape: each alert's value is how many
# matching events its window holds, so the values add up to every
# matching event only when every event's time was read.
detection "zeek_style_posts" {
  id          = "0c000000-0000-4000-8000-000000000001"
  title       = "Webhook posts in a JSON Lines proxy log timed by ts"
  description = "Counts posts to Discord webhooks per client and hour."
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
    window   = "1h"
    count    = true
    gte      = 1
  }
}

detection "ecs_posts" {
  id          = "0c000000-0000-4000-8000-000000000002"
  title       = "Webhook posts in an ECS log"
  description = "Counts posts to Discord webhooks per client and hour, in ECS names."
  status      = "test"
  level       = "low"
  author      = "detc tests"
  date        = "2026-12-07"

  logsource {
    category = "proxy"
  }

  selection "post" {
    match "http.request.method" {
      equals = ["POST"]
    }
    match "url.path" {
      contains = ["/api/webhooks/"]
    }
  }

  condition = "post"

  threshold {
    group_by = ["source.ip"]
    window   = "1h"
    count    = true
    gte      = 1
  }
}

detection "sysmon_connections" {
  id          = "0c000000-0000-4000-8000-000000000003"
  title       = "Connections to Discord in a Sysmon log"
  description = "Counts Sysmon event 3 connections to discord.com per image and hour."
  status      = "test"
  level       = "low"
  author      = "detc tests"
  date        = "2026-12-07"

  logsource {
    category = "network_connection"
    product  = "windows"
  }

  selection "discord" {
    match "DestinationHostname" {
      equals = ["discord.com"]
    }
  }

  condition = "discord"

  threshold {
    group_by = ["Image"]
    window   = "1h"
    count    = true
    gte      = 1
  }
}
