# An investigation pivot: detc hunt leaves it out, and does not count it.
detection "posts_by_source" {
  id          = "33333333-3333-4333-8333-333333333333"
  title       = "POSTs per source"
  description = "Investigation pivot: every POST, counted per source."
  status      = "test"
  level       = "informational"
  author      = "detc tests"
  date        = "2026-11-30"
  tags        = ["detc.pivot"]

  logsource {
    category = "proxy"
  }

  selection "upload" {
    match "cs-method" {
      equals = ["POST"]
    }
  }

  condition = "upload"

  threshold {
    group_by = ["src_ip"]
    window   = "1h"
    count    = true
    gte      = 1
  }
}
