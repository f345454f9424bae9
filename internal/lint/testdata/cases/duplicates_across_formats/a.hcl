detection "one" {
  id          = "bbbbbbbb-0000-4000-8000-000000000001"
  title       = "Same title"
  description = "d"
  status      = "test"
  level       = "low"
  author      = "a"
  date        = "2026-01-01"
  logsource {
    category = "dns"
  }
  mitre {
    techniques = ["T1567.004"]
  }
  selection "sel" {
    match "query" {
      endswith = [".webhook.site"]
    }
  }
  condition = "sel"
}
