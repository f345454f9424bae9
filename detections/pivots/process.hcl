# Investigation pivot named by the T1567.004 card's investigate steps
# (detections/cards/T1567.004.card.yml). Pivots are compiled into runbooks,
# never deployed, and need no fixtures.
detection "pivot_webhook_process" {
  id          = "c3e9a2f4-5b6d-4e7c-8f80-91a2b3c4d5e3"
  title       = "Processes connecting to webhook hosts, last 24 hours"
  description = "Investigation pivot: the processes (Sysmon event 3, Defender network events) that connected to a webhook host in the last 24 hours, per process image and host. Filter on the alert's host name."
  status      = "experimental"
  level       = "informational"
  author      = "detc content team"
  date        = "2026-11-30"
  references  = ["https://attack.mitre.org/techniques/T1567/004/"]
  tags        = ["detc.pivot", "attack.exfiltration", "attack.t1567.004"]
  fields      = ["Image", "DestinationHostname", "Computer"]

  logsource {
    category = "network_connection"
    product  = "windows"
  }

  mitre {
    tactics    = ["TA0010"]
    techniques = ["T1567.004"]
  }

  use_selections = ["webhook_destination"]

  condition = "webhook_destination"

  threshold {
    group_by = ["Image", "DestinationHostname"]
    window   = "24h"
    count    = true
    gte      = 1
  }
}
