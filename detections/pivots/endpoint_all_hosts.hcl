# Investigation pivot named by the T1567.004 card's investigate steps
# (detections/cards/T1567.004.card.yml). Pivots are compiled into runbooks,
# never deployed, and need no fixtures.
detection "pivot_webhook_endpoint_all_hosts" {
  id          = "b2d8f1e3-4a5c-4d6b-9e7f-8091a2b3c4d2"
  title       = "Sources reaching each webhook endpoint, last 24 hours"
  description = "Investigation pivot: for each webhook host and URL, how many distinct sources reached it in the last 24 hours. Filter on the alert's URL to find every other host that used the same webhook."
  status      = "experimental"
  level       = "informational"
  author      = "detc content team"
  date        = "2026-11-30"
  references  = ["https://attack.mitre.org/techniques/T1567/004/"]
  tags        = ["detc.pivot", "attack.exfiltration", "attack.t1567.004"]
  fields      = ["cs-host", "c-uri", "src_ip"]

  logsource {
    category = "proxy"
  }

  mitre {
    tactics    = ["TA0010"]
    techniques = ["T1567.004"]
  }

  # A webhook host: a shared selection in webhooks.hcl.
  use_selections = ["webhook_host"]

  condition = "webhook_host"

  threshold {
    group_by       = ["cs-host", "c-uri"]
    window         = "24h"
    distinct_count = "src_ip"
    gte            = 1
  }
}
