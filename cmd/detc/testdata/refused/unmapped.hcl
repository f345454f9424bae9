detection "unmapped_field" {
  id          = "44444444-4444-4444-8444-444444444444"
  title       = "A field no profile maps"
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
    match "x-no-such-field" {
      equals = ["1"]
    }
  }

  condition = "sel"
}
