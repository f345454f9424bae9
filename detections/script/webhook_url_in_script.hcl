detection "script_webhook_url_in_powershell" {
  id          = "43bc9d1c-beba-45a1-b21d-f13ea8ce8637"
  title       = "Webhook URL hard-coded in a PowerShell script block"
  description = "PowerShell script block logging (event 4104) recorded a script that contains a webhook URL (webhook_url_markers in webhooks.hcl: Discord, Slack, Teams, Power Automate, Telegram bot, Zapier, IFTTT, Make, Pipedream, Google Chat, request catchers). Stealers and exfiltration scripts carry their webhook in the code; the playbook's preparation step says webhook URLs must never be hard-coded in scripts, so a legitimate hit is also a finding."
  status      = "experimental"
  level       = "medium"
  author      = "detc content team"
  date        = "2026-11-30"
  # Not Defender XDR: the script content it records (DeviceEvents
  # AmsiScriptContent) is not documented as the 4104 script block text;
  # proc_webhook_url_powershell_cmdline is its counterpart there. Elastic
  # compiles it to ES|QL, which compares the analysed script text's whole
  # value (Lucene and EQL would match its words).
  targets = ["splunk", "kql/sentinel-asim", "kql/sentinel-csl", "kql/raw", "elastic"]
  references = [
    "https://attack.mitre.org/techniques/T1567/004/",
    "https://github.com/splunk/security_content/blob/develop/detections/endpoint/windows_exfiltration_over_c2_via_invoke_restmethod.yml",
  ]
  tags           = ["attack.exfiltration", "attack.t1567.004"]
  falsepositives = ["Administrative and monitoring scripts that post alerts to a chat webhook; they should read the URL from a secrets store instead (the playbook's preparation step 7). Integration servers that run such scripts on purpose: list them in approved_integration_computers (organisation.hcl)"]
  fields         = ["Computer", "Path", "ScriptBlockId", "ScriptBlockText"]

  logsource {
    category = "ps_script"
    product  = "windows"
  }

  mitre {
    tactics    = ["TA0010"]
    techniques = ["T1567.004"]
  }

  selection "webhook_url" {
    match "ScriptBlockText" {
      contains = local.webhook_url_markers
    }
  }

  # The hosts of approved integrations (organisation.hcl): a shared
  # selection in webhooks.hcl.
  use_selections = ["integration_host"]

  condition = "webhook_url and not integration_host"

  runbook {
    summary        = "A PowerShell script block contains a webhook URL. Whether it is a stealer or an admin script, the URL is a secret that now sits in logs and on disk: it must be rotated."
    key_indicators = ["What the script sends (Invoke-RestMethod or Invoke-WebRequest with -Body, -InFile or -Form) and where the script came from (Path, the parent process of the PowerShell session)."]
    l1_steps       = ["Reassemble the whole script from its 4104 parts (same ScriptBlockId, MessageNumber 1..MessageTotal) and record the webhook URL with the token redacted."]
    containment    = ["Whether malicious or not, have the webhook's owner revoke the URL, and move legitimate scripts to read webhook URLs from a secrets store."]
  }

  test "powershell_4104" {
    fixture = "fixtures/script/webhook_url_in_powershell.jsonl"
    match   = ["stealer-discord", "atomic-teams", "monitoring-slack", "telegram-bot-url", "power-automate", "case-variant-slack"]
  }
}
