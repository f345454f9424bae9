detection "dns_webhook_lookup_non_browser" {
  id          = "e52f1941-f4bf-4b1c-bdec-c31e53649f48"
  title       = "Webhook host resolved by a process that is not a browser or chat app"
  description = "Sysmon event 22 (DNS query): a process other than a web browser or the chat service's own client looked up a webhook or request-catcher host. Stealers, RATs and scripts resolve discord.com or api.telegram.org before posting to a webhook; people reach those services through a browser or the app."
  status      = "experimental"
  level       = "medium"
  author      = "detc content team"
  date        = "2026-11-30"
  references = [
    "https://attack.mitre.org/techniques/T1567/004/",
    "https://github.com/splunk/security_content/blob/develop/detections/endpoint/suspicious_process_with_discord_dns_query.yml",
  ]
  tags           = ["attack.exfiltration", "attack.t1567.004"]
  falsepositives = ["Other chat clients, Electron apps and browsers not in browser_images or chat_client_images (webhooks.hcl): add them there", "Integration servers (CI, monitoring) whose scripts post to approved webhooks: list them in approved_integration_computers (organisation.hcl)", "Developer tools and scripts that use the Discord, Slack or Telegram APIs legitimately: list the hosts that do so on purpose in approved_integration_computers (organisation.hcl)"]
  fields         = ["Computer", "Image", "QueryName", "QueryResults", "User"]

  logsource {
    category = "dns_query"
    product  = "windows"
  }

  mitre {
    tactics    = ["TA0010"]
    techniques = ["T1567.004"]
  }

  selection "webhook_lookup" {
    group {
      match "QueryName" {
        equals = local.webhook_hosts
      }
    }
    group {
      match "QueryName" {
        endswith = local.webhook_suffixes
      }
    }
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
  use_selections = ["integration_host"]

  condition = "webhook_lookup and not 1 of filter_* and not integration_host"

  runbook {
    summary        = "A process that is not a browser or a chat client resolved a webhook host. The process (Image) is the lead: scripts (powershell.exe, python.exe), download tools (curl.exe) and binaries in user-writable folders are the usual culprits."
    key_indicators = ["The image path: a binary under AppData\\Local\\Temp, Users\\Public, ProgramData or Downloads that resolves discord.com or api.telegram.org is typical of stealers."]
    l1_steps       = ["Check the process's signature, parent and command line (Sysmon event 1 with the same ProcessGuid), and whether it also connected to the host (pivot_webhook_process)."]
  }

  test "sysmon_22" {
    fixture = "fixtures/dns/webhook_lookup_non_browser.sysmon.json"
    format  = "sysmon-json"
    match   = ["powershell-discord", "python-telegram", "temp-stealer-discord", "curl-webhook-site", "node-slack-case", "rundll32-pipedream"]
  }
}
