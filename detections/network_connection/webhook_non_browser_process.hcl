# The endpoint form of proxy_webhook_non_browser_client: where no proxy
# sees the user agent (Defender XDR, Sysmon without a proxy), the process
# that connects is the client.
detection "net_webhook_non_browser_process" {
  id          = "5c0d8e4a-7b2f-4e91-a3d6-18f4c2b9e705"
  title       = "Process that is not a browser or chat app connecting to a webhook host"
  description = "Sysmon event 3 or Defender DeviceNetworkEvents: a process other than a web browser or the chat service's own client connected to a webhook or request-catcher host (webhook_hosts, webhook_suffixes in webhooks.hcl). The endpoint counterpart of proxy_webhook_non_browser_client, for SIEMs that see connections but no user agent: stealers, RATs, scripts and unknown agents post to webhooks; people use browsers and the chat apps."
  status      = "experimental"
  level       = "medium"
  author      = "detc content team"
  date        = "2026-12-07"
  references = [
    "https://attack.mitre.org/techniques/T1567/004/",
    "https://github.com/SigmaHQ/sigma/blob/master/rules/windows/network_connection/net_connection_win_domain_telegram_api_non_browser_access.yml",
  ]
  tags           = ["attack.exfiltration", "attack.t1567.004"]
  falsepositives = ["Browsers and chat clients not in browser_images or chat_client_images (webhooks.hcl): add them there", "Office and Outlook reaching outlook.office.com, which also serves legacy Teams connectors: add their images to chat_client_images if they alert", "Integration servers (CI, monitoring) whose agents post to approved webhooks: list them in approved_integration_computers (organisation.hcl)"]
  fields         = ["Computer", "User", "Image", "DestinationHostname", "DestinationIp", "DestinationPort"]

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
      endswith = local.browser_images
    }
  }

  selection "filter_chat_client" {
    match "Image" {
      endswith = local.chat_client_images
    }
  }

  # The hosts of approved integrations (organisation.hcl): a shared
  # selection in webhooks.hcl.
  use_selections = ["webhook_destination", "integration_host"]

  condition = "webhook_destination and not 1 of filter_* and not integration_host"

  runbook {
    summary        = "A process that is neither a browser nor a chat client connected to a webhook host. The process (Image) is the lead: what it is, who started it and whether it is signed."
    key_indicators = ["An image under AppData\\Local\\Temp, Users\\Public, ProgramData or Downloads, or a script host, connecting to discord.com, api.telegram.org or a request catcher is typical of stealers."]
    l1_steps       = ["Open the process tree of the Image on the Computer at the alert time; record its command line, parent and signature, and whether other hosts run the same Image."]
  }

  test "sysmon_3" {
    fixture = "fixtures/network_connection/webhook_non_browser_process.sysmon.json"
    format  = "sysmon-json"
    match   = ["python-discord", "vendor-agent-slack", "stealer-telegram", "node-webhook-site", "java-pipedream"]
  }
}
