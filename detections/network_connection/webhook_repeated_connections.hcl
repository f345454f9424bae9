# The endpoint form of proxy_webhook_repeated_posts: where no proxy logs
# the method and URL (Defender XDR, Sysmon without a proxy), repeated
# connections of one process to one webhook host stand in for repeated
# posts (HTTP clients in scripts and stealers open a connection per post).
detection "net_webhook_repeated_connections" {
  id             = "8e2b7f31-4c6a-4d09-b5e8-93a1d7c4f2b6"
  title          = "Repeated connections from one process to a webhook host"
  description    = "Sysmon event 3 or Defender DeviceNetworkEvents: one process (Image on one Computer), other than a browser or chat client, connected to the same webhook or request-catcher host five or more times within ten minutes (tumbling windows aligned to the clock). The endpoint counterpart of proxy_webhook_repeated_posts: stealers send files one post at a time."
  status         = "experimental"
  level          = "high"
  author         = "detc content team"
  date           = "2026-12-07"
  references     = ["https://attack.mitre.org/techniques/T1567/004/"]
  tags           = ["attack.exfiltration", "attack.t1567.004"]
  falsepositives = ["Monitoring or CI servers that post a burst of alerts to one chat channel: list them in approved_integration_computers (organisation.hcl)", "Browsers and chat clients not in browser_images or chat_client_images (webhooks.hcl): add them there"]
  fields         = ["Computer", "Image", "DestinationHostname"]

  logsource {
    category = "network_connection"
    product  = "windows"
  }

  mitre {
    tactics    = ["TA0010"]
    techniques = ["T1567.004"]
  }

  selection "filter_browser" {
    match "Image" {
      endswith = concat(local.browser_images, local.chat_client_images)
    }
  }

  # The hosts of approved integrations (organisation.hcl): a shared
  # selection in webhooks.hcl.
  use_selections = ["webhook_destination", "integration_host"]

  condition = "webhook_destination and not filter_browser and not integration_host"

  threshold {
    group_by = ["Computer", "Image", "DestinationHostname"]
    window   = "10m"
    count    = true
    gte      = 5
  }

  runbook {
    summary        = "One process connected to the same webhook host at least five times in ten minutes. Each connection is usually one post: a burst means files or command output leaving one by one."
    key_indicators = ["The count (the alert's value) and the process: an image in a user-writable folder or a script host is the stealer pattern."]
    l1_steps       = ["List the process's connections and file reads around the window on the Computer, and collect the Image for analysis."]
  }

  test "sysmon_3" {
    fixture = "fixtures/network_connection/webhook_repeated_connections.sysmon.json"
    format  = "sysmon-json"
    alert {
      group  = { Computer = "WS-0417.corp.example", Image = "C:\\Users\\bob\\AppData\\Local\\Temp\\upd4412.exe", DestinationHostname = "discord.com" }
      value  = 5
      window = "2026-11-30T10:00:00Z"
    }
  }
}
