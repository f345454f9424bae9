# Investigation pivot named by the T1567.004 card's investigate steps
# (detections/cards/T1567.004.card.yml). Pivots are compiled into runbooks,
# never deployed, and need no fixtures.
detection "pivot_webhook_volume" {
  id          = "d4fab3a5-6c7e-4f8d-9091-a2b3c4d5e6f4"
  title       = "Bytes sent to webhook hosts per source, last 24 hours"
  description = "Investigation pivot: the request bytes (cs-bytes, client to server) each source sent to each webhook host in the last 24 hours. Compare the alert's source with its peers."
  status      = "experimental"
  level       = "informational"
  author      = "detc content team"
  date        = "2026-11-30"
  references  = ["https://attack.mitre.org/techniques/T1567/004/"]
  tags        = ["detc.pivot", "attack.exfiltration", "attack.t1567.004"]
  fields      = ["src_ip", "cs-host", "cs-bytes"]

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
    group_by = ["src_ip", "cs-host"]
    window   = "24h"
    sum      = "cs-bytes"
    gte      = 1
  }
}
