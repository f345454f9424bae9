detection "volume" {
  id    = "volume-pair"
  title = "Large upload volume to webhook services"
  level = "medium"
  logsource {
    category = "proxy"
  }
  selection "sel" {
    match "cs-host" {
      endswith = ["discord.com", "hooks.slack.com"]
    }
  }
  condition = "sel"
  threshold {
    sum      = "cs-bytes"
    group_by = ["src_ip"]
    gte      = 5 * 1024 * 1024
    window   = "10m"
  }
}
