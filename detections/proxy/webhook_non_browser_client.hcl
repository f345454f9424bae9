detection "proxy_webhook_non_browser_client" {
  id          = "9fb164cf-7e9e-4fb0-8537-ae8756b6df1c"
  title       = "Non-browser HTTP client talking to a webhook host"
  description = "A command-line tool, scripting runtime or HTTP library (curl, Wget, python-requests, PowerShell, Go-http-client, okhttp, node-fetch ...) sent a request to a webhook or request-catcher host. Stealers, RATs and exfiltration scripts use these clients; people use browsers and the services' own apps."
  status      = "experimental"
  level       = "medium"
  author      = "detc content team"
  date        = "2026-11-30"
  # Not Defender XDR: DeviceNetworkEvents has no user agent;
  # net_webhook_non_browser_process is its counterpart there (the process
  # instead of the client).
  targets = ["splunk", "kql/sentinel-asim", "kql/sentinel-csl", "kql/raw", "elastic"]
  references = [
    "https://attack.mitre.org/techniques/T1567/004/",
    "https://github.com/SigmaHQ/sigma/blob/master/rules/web/proxy_generic/proxy_telegram_api.yml",
  ]
  tags           = ["attack.exfiltration", "attack.t1567.004"]
  falsepositives = ["The organisation's own chat bots (their library sends a DiscordBot or HTTP-library agent): list the hosts they run on in approved_bot_source_ips (organisation.hcl)", "CI jobs, monitoring agents and chat-ops scripts that notify a chat channel through curl or an HTTP library: list their hosts in approved_integration_source_ips (organisation.hcl) and their endpoints in approved_webhook_url_prefixes (approved_webhooks.hcl)", "Developers testing webhooks from the command line: list a sanctioned test host in approved_integration_source_ips (organisation.hcl); anywhere else it is webhook use worth asking about"]
  fields         = ["src_ip", "cs-username", "cs-host", "c-uri", "cs-method", "c-useragent", "cs-bytes"]

  logsource {
    category = "proxy"
  }

  mitre {
    tactics    = ["TA0010"]
    techniques = ["T1567.004"]
  }

  # Host alone (lists in webhooks.hcl), so that the detection also works
  # when TLS is not inspected and the proxy logs no path.
  # The hosts of the organisation's bots talking to their chat service
  # (organisation.hcl) are left out. (Shared selections in webhooks.hcl.)
  use_selections = ["webhook_host", "own_bot_host_traffic", "integration_source"]

  selection "non_browser" {
    group {
      match "c-useragent" {
        startswith = local.non_browser_agents
      }
    }
    group {
      # Invoke-WebRequest and Invoke-RestMethod name PowerShell inside a
      # Mozilla/5.0 agent.
      match "c-useragent" {
        contains = local.script_agent_markers
      }
    }
  }

  condition = "webhook_host and non_browser and not own_bot_host_traffic and not integration_source"

  runbook {
    summary        = "A request to a webhook host came from a non-browser client (its user agent names curl, a scripting runtime or an HTTP library). The host alone matched, so the request may be any call to the service: check the URL (c-uri) for a webhook path first."
    key_indicators = ["The user agent (c-useragent) names the tool; the method and bytes (cs-method, cs-bytes) say whether data was sent."]
    l1_steps       = ["Check whether the source is a build agent, monitoring server or chat-ops host with a known notifier; if so, confirm the endpoint is on approved_webhooks.hcl."]
  }

  test "zscaler_like" {
    fixture = "fixtures/proxy/webhook_non_browser_client.jsonl"
    match   = ["curl-discord", "python-slack", "powershell-teams", "go-telegram", "wget-webhook-site", "okhttp-pipedream", "node-fetch-make", "curl-case-variant", "libcurl-google-chat", "bot-host-curl-catcher"]
  }
}
