detection "missing_search" {
  id          = "55555555-5555-4555-8555-555555555555"
  title       = "A condition naming a search that does not exist"
  description = "Compiles only where field names pass through."
  status      = "test"
  level       = "low"
  author      = "detc tests"
  date        = "2026-11-30"

  logsource {
    category = "proxy"
  }

  mitre {
    techniques = ["T1567.004"]
  }

  selection "sel" {
    match "cs-method" {
      equals = ["1"]
    }
  }

  condition = "sel and not filtr"
}
