detection "proc_webhook_upload_cli" {
  id          = "9e5b6e85-d6ed-4dd3-b659-ff8b71902fc5"
  title       = "Command-line upload to a webhook URL"
  description = "curl, Wget, PowerShell (Invoke-WebRequest, Invoke-RestMethod) or a Python one-liner ran with a webhook URL and an upload argument (-F, -d, -T, --data*, --form, --upload-file, --post-file, --body-file, -Body, -InFile, -Form, requests.post) on its command line, on Windows, Linux or macOS. This is how the Atomic Red Team T1567.004 tests and many stealers send files and text to Discord, Slack, Teams and request catchers."
  status      = "experimental"
  level       = "high"
  author      = "detc content team"
  date        = "2026-11-30"
  references = [
    "https://attack.mitre.org/techniques/T1567/004/",
    "https://github.com/redcanaryco/atomic-red-team/blob/master/atomics/T1567.004/T1567.004.md",
    "https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_curl_upload_file_sharing_websites.yml",
  ]
  tags           = ["attack.exfiltration", "attack.t1567.004"]
  falsepositives = ["Build and deployment scripts that notify a chat channel with curl or Invoke-RestMethod: check the URL against approved_webhook_url_prefixes (approved_webhooks.hcl) and list the build servers in approved_integration_computers (organisation.hcl)"]
  fields         = ["Computer", "User", "Image", "CommandLine", "ParentImage", "ParentCommandLine"]

  logsource {
    category = "process_creation"
  }

  mitre {
    tactics    = ["TA0010"]
    techniques = ["T1567.004"]
  }

  # A webhook URL (webhook_url_markers in webhooks.hcl: scheme separator,
  # host and webhook path).
  selection "webhook_url" {
    match "CommandLine" {
      contains = local.webhook_url_markers
    }
  }

  selection "upload_curl_wget" {
    group {
      # Short curl options are case-sensitive: -F is a form upload, -f is
      # --fail; -d sends data, -D dumps headers; -T uploads a file.
      match "Image" {
        endswith = local.transfer_tool_images
      }
      match "CommandLine" {
        contains = [" -F ", " -d ", " -T "]
        cased    = true
      }
    }
    group {
      match "Image" {
        endswith = local.transfer_tool_images
      }
      match "CommandLine" {
        contains = ["--form", "--upload-file", "--data", "--json", "--post-file", "--post-data", "--body-file"]
      }
    }
  }

  selection "upload_powershell" {
    match "Image" {
      endswith = local.powershell_images
    }
    # Invoke-WebRequest and its aliases (curl and wget are aliases in
    # Windows PowerShell).
    match "CommandLine" {
      contains = ["Invoke-WebRequest", "Invoke-RestMethod", "iwr ", "irm ", "curl ", "wget "]
    }
    # PowerShell also accepts en and em dashes before parameter names.
    match "CommandLine" {
      contains = ["-Body", "-InFile", "-Form"]
      windash  = true
    }
  }

  selection "upload_python" {
    match "Image" {
      re       = ["[/\\\\]python[0-9.]*(\\.exe)?$"]
      re_flags = ["i"]
    }
    match "CommandLine" {
      contains = [" -c "]
    }
    match "CommandLine" {
      contains = [".post(", ".put(", "data="]
    }
  }

  # The hosts of approved integrations (organisation.hcl): a shared
  # selection in webhooks.hcl.
  use_selections = ["integration_host"]

  condition = "webhook_url and 1 of upload_* and not integration_host"

  # A command-line upload to a webhook from a workstation is rarely legitimate
  # and the host is where the data is: contain it at once.
  response {
    actions = ["isolate_host", "block_endpoint", "notify"]
  }

  runbook {
    summary        = "A command-line HTTP client was started with a webhook URL and an upload argument. The command line names the file or data sent: that is the first thing to secure."
    key_indicators = ["The file after -F file=@, -T, --post-file, --body-file or -InFile, or the text after -d, --data or -Body, shows what was sent."]
    l1_steps       = ["Record the command line with the webhook token redacted, the parent process and the user; collect the file named in the upload argument before it is deleted."]
    t2_actions     = ["Find how the command was started (parent process, scheduled task, script file) and whether the same webhook URL appears on other hosts (pivot_webhook_endpoint_all_hosts)."]
  }

  test "windows_sysmon_1" {
    fixture = "fixtures/process_creation/webhook_upload_cli.sysmon.json"
    format  = "sysmon-json"
    match   = ["atomic-1-discord-irm", "atomic-4-teams-irm", "curl-exe-form-discord", "pwsh-iwr-infile-webhook-site", "pwsh-form-telegram", "curl-exe-case-variant", "powershell-en-dash-slack"]
  }

  test "linux_macos" {
    fixture = "fixtures/process_creation/webhook_upload_cli_unix.jsonl"
    match   = ["atomic-2-curl-form-discord", "atomic-3-curl-data-slack", "wget-post-file-webhook-site", "python-requests-discord", "macos-curl-upload-pipedream", "macos-wget-body-file-make", "curl-json-google-chat"]
  }
}
