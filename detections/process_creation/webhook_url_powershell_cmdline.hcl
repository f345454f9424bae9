# The command-line form of script_webhook_url_in_powershell: where no
# script block logging is collected (Defender XDR records PowerShell's
# commands, not its script text), a script passed on PowerShell's command
# line still shows its webhook URL in the process creation event.
detection "proc_webhook_url_powershell_cmdline" {
  id          = "b7a4c2e9-1d3f-4a86-9c50-6e2f8b1d7a34"
  title       = "Webhook URL in a PowerShell command line"
  description = "Process creation (Sysmon event 1, Defender DeviceProcessEvents, Security 4688): PowerShell (Windows PowerShell, pwsh) started with a webhook URL on its command line (webhook_url_markers in webhooks.hcl), whatever it does with it. The command-line counterpart of script_webhook_url_in_powershell for SIEMs without script block logging; proc_webhook_upload_cli is the narrower, higher-confidence form that also requires an upload argument."
  status      = "experimental"
  level       = "medium"
  author      = "detc content team"
  date        = "2026-12-07"
  references = [
    "https://attack.mitre.org/techniques/T1567/004/",
    "https://github.com/redcanaryco/atomic-red-team/blob/master/atomics/T1567.004/T1567.004.md",
  ]
  tags           = ["attack.exfiltration", "attack.t1567.004"]
  falsepositives = ["Administrative and monitoring scripts started with a webhook URL as an argument: they should read it from a secrets store (the playbook's preparation step 7); exclude them by ParentImage or script path until they do", "Approved notifiers on integration servers: list the servers in approved_integration_computers (organisation.hcl)"]
  fields         = ["Computer", "User", "Image", "CommandLine", "ParentImage"]

  logsource {
    category = "process_creation"
  }

  mitre {
    tactics    = ["TA0010"]
    techniques = ["T1567.004"]
  }

  selection "powershell" {
    match "Image" {
      endswith = local.powershell_images
    }
  }

  selection "webhook_url" {
    match "CommandLine" {
      contains = local.webhook_url_markers
    }
  }

  # The hosts of approved integrations (organisation.hcl): a shared
  # selection in webhooks.hcl.
  use_selections = ["integration_host"]

  condition = "powershell and webhook_url and not integration_host"

  runbook {
    summary        = "PowerShell was started with a webhook URL on its command line. The URL is a secret now sitting in process logs: whatever the script did, the webhook must be rotated."
    key_indicators = ["What the command does with the URL: Invoke-RestMethod or Invoke-WebRequest with -Body, -InFile or -Form sends data (proc_webhook_upload_cli fires too)."]
    l1_steps       = ["Record the command line with the token redacted, the parent process and the user; find the script or task that started it."]
  }

  test "windows_sysmon_1" {
    fixture = "fixtures/process_creation/webhook_upload_cli.sysmon.json"
    format  = "sysmon-json"
    match   = ["atomic-1-discord-irm", "atomic-4-teams-irm", "pwsh-iwr-infile-webhook-site", "pwsh-form-telegram", "powershell-en-dash-slack", "irm-get-webhook"]
  }
}
