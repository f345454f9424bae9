# Investigation pivot named by the T1567.004 card's investigate steps
# (detections/cards/T1567.004.card.yml). Pivots are compiled into runbooks,
# never deployed, and need no fixtures.
detection "pivot_webhook_posts_by_source" {
  id          = "a1c7e0d2-3f4b-4c5a-8d6e-7f8091a2b3c1"
  title       = "Webhook POSTs per source and host, last 24 hours"
  description = "Investigation pivot: every POST or PUT from a source to a webhook host in the last 24 hours, counted per source and host. Filter on the alert's source to see all its webhook uploads."
  status      = "experimental"
  level       = "informational"
  author      = "detc content team"
  date        = "2026-11-30"
  references  = ["https://attack.mitre.org/techniques/T1567/004/"]
  tags        = ["detc.pivot", "attack.exfiltration", "attack.t1567.004"]
  fields      = ["src_ip", "cs-host", "c-uri", "cs-method"]

  logsource {
    category = "proxy"
  }

  mitre {
    tactics    = ["TA0010"]
    techniques = ["T1567.004"]
  }

  selection "upload" {
    match "cs-method" {
      equals = ["POST", "PUT"]
    }
  }

  # A webhook host: a shared selection in webhooks.hcl.
  use_selections = ["webhook_host"]

  condition = "upload and webhook_host"

  threshold {
    group_by = ["src_ip", "cs-host"]
    window   = "24h"
    count    = true
    gte      = 1
  }
}
