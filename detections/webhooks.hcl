# The webhook endpoint list: written once, used by every detection in the
# pack. HCL detections refer to these locals; Sigma rules use them as
# placeholders (for example cs-host|expand: '%webhook_hosts%').
# Source: docs/reference/webhook-endpoints.csv, which gives each
# service's host and path patterns and the public reports behind them.
#
# Each service has exact host names (*_hosts) and, where customers get
# their own subdomain, suffixes that start with a dot (*_suffixes), so that
# "notdiscord.com" never counts as Discord.
locals {
  discord_hosts = [
    "discord.com", "discordapp.com",
    "ptb.discord.com", "canary.discord.com", # test-build clients; also serve webhooks
    "ptb.discordapp.com", "canary.discordapp.com",
  ]
  slack_hosts             = ["hooks.slack.com"]
  teams_suffixes          = [".webhook.office.com"] # <tenant>.webhook.office.com/webhookb2/
  teams_legacy_hosts      = ["outlook.office.com"]  # /webhook/ connector URLs
  power_automate_suffixes = [".logic.azure.com", ".environment.api.powerplatform.com"]
  telegram_hosts          = ["api.telegram.org"]
  zapier_hosts            = ["hooks.zapier.com"]
  ifttt_hosts             = ["maker.ifttt.com"]
  make_hosts              = ["hook.eu1.make.com", "hook.eu2.make.com", "hook.us1.make.com", "hook.us2.make.com", "hook.integromat.com"]
  pipedream_suffixes      = [".m.pipedream.net"]
  google_chat_hosts       = ["chat.googleapis.com"]
  chat_bot_hosts          = ["oapi.dingtalk.com", "open.feishu.cn", "open.larksuite.com", "qyapi.weixin.qq.com"]

  # Request catchers: free services that record whatever is sent to them.
  catcher_hosts    = ["webhook.site", "requestbin.net", "requestbin.com", "run.mocky.io", "mockbin.org"]
  catcher_suffixes = [".webhook.site", ".dnshook.site", ".requestbin.net", ".free.beeceptor.com"]

  # Every webhook host, for detections that look at the host alone (DNS,
  # network connections, volume).
  webhook_hosts = concat(
    local.discord_hosts, local.slack_hosts, local.teams_legacy_hosts, local.telegram_hosts,
    local.zapier_hosts, local.ifttt_hosts, local.make_hosts, local.google_chat_hosts,
    local.chat_bot_hosts, local.catcher_hosts,
  )
  webhook_suffixes = concat(local.teams_suffixes, local.power_automate_suffixes, local.pipedream_suffixes, local.catcher_suffixes)

  # Hosts that have no use but receiving webhooks or catching requests.
  webhook_only_hosts    = concat(local.slack_hosts, local.zapier_hosts, local.make_hosts, local.catcher_hosts)
  webhook_only_suffixes = concat(local.teams_suffixes, local.pipedream_suffixes, local.catcher_suffixes)

  # The webhook path of each service, used with the service's hosts by the
  # path-aware proxy detections (proxy_webhook_post_path,
  # proxy_webhook_unapproved_endpoint). Regular expressions are RE2 and
  # case-sensitive unless the detection sets re_flags.
  discord_webhook_path_re = ["/api/(v[0-9]+/)?webhooks/[0-9]+/"] # optional API version
  # A bot's follow-up message to an interaction has an incoming webhook's
  # path with an interaction token in place of the webhook token
  # (/webhooks/<application id>/<interaction token>). Discord issues
  # interaction tokens as the base64 of "interaction:<id>:...", so they
  # start with aW50ZXJhY3Rpb246; a webhook token never does. Should
  # Discord change the form, follow-ups alert again: the safe direction.
  discord_interaction_followup_re = ["/api/(v[0-9]+/)?webhooks/[0-9]+/aW50ZXJhY3Rpb246"]
  slack_webhook_paths             = ["/services/", "/triggers/", "/workflows/"]
  teams_webhook_paths             = ["/webhookb2/"]
  teams_legacy_paths              = ["/webhook/"]
  power_automate_paths            = ["/triggers/manual/paths/invoke"]
  telegram_send_path_re           = ["/bot[0-9]+:[A-Za-z0-9_-]+/(sendDocument|sendMessage|sendPhoto|sendMediaGroup)"]
  zapier_webhook_paths            = ["/hooks/catch/"]
  ifttt_webhook_paths             = ["/with/key/"]
  google_chat_path_re             = ["/v1/spaces/[^/]+/messages"]
  chat_bot_paths                  = ["/robot/send", "/open-apis/bot/v2/hook/", "/cgi-bin/webhook/send"] # DingTalk, Feishu/Lark, WeCom
  self_hosted_hook_path_re        = ["/hooks/[a-z0-9]{26}([/?#]|$)"]                                    # Mattermost: a 26-character id

  # Webhook URLs as they appear in command lines and script text: the
  # scheme separator and the host (so that "notdiscord.com" is no match),
  # then the webhook path where the host serves other things too. "*" is a
  # wildcard (any API version).
  webhook_url_markers = concat(
    formatlist("://%s/api/webhooks/", local.discord_hosts),
    formatlist("://%s/api/v*/webhooks/", local.discord_hosts),
    formatlist("://%s/", local.slack_hosts),
    formatlist("%s/webhookb2/", local.teams_suffixes),
    formatlist("://%s/webhook/", local.teams_legacy_hosts),
    ["/triggers/manual/paths/invoke"],
    formatlist("://%s/bot", local.telegram_hosts),
    formatlist("://%s/hooks/catch/", local.zapier_hosts),
    formatlist("://%s/trigger/", local.ifttt_hosts),
    formatlist("://%s/", local.make_hosts),
    local.pipedream_suffixes,
    formatlist("://%s/v1/spaces/", local.google_chat_hosts),
    formatlist("://%s/", local.chat_bot_hosts),
    formatlist("://%s", local.catcher_hosts),
    local.catcher_suffixes,
  )

  # Clients that are not browsers: command-line tools and HTTP libraries,
  # matched as user-agent prefixes (case-insensitively).
  # Not "DiscordBot (", the agent Discord asks every bot library to send:
  # bots send it on every call, so it would make each bot of an
  # unconfigured organisation an alert source, and a stealer that sends it
  # to a webhook is caught by its URL (proxy_webhook_post_path).
  non_browser_agents = [
    "curl/", "Wget/", "python-requests/", "Python-urllib/", "aiohttp/",
    "Go-http-client/", "okhttp/", "node-fetch/", "axios/", "undici",
    "Java/", "libcurl",
  ]

  # PowerShell's Invoke-WebRequest and Invoke-RestMethod send a Mozilla/5.0
  # agent that names PowerShell later on, so it is matched with contains
  # ("PowerShell/" covers "WindowsPowerShell/").
  script_agent_markers = ["PowerShell/"]

  # Processes (Image, matched with endswith) of the Windows browsers and of
  # the chat clients whose own traffic reaches their service's hosts.
  browser_images = [
    "\\chrome.exe", "\\msedge.exe", "\\firefox.exe", "\\brave.exe", "\\opera.exe",
    "\\vivaldi.exe", "\\iexplore.exe", "\\msedgewebview2.exe",
  ]
  chat_client_images = [
    "\\Discord.exe", "\\DiscordPTB.exe", "\\DiscordCanary.exe", "\\slack.exe",
    "\\Teams.exe", "\\ms-teams.exe", "\\Telegram.exe",
  ]

  # Script hosts, interpreters and download tools (Image, endswith) that
  # have no business talking to a webhook on a workstation.
  script_host_images = [
    "\\powershell.exe", "\\pwsh.exe", "\\powershell_ise.exe", "\\wscript.exe", "\\cscript.exe",
    "\\mshta.exe", "\\rundll32.exe", "\\regsvr32.exe", "\\cmd.exe", "\\curl.exe", "\\wget.exe",
    "\\python.exe", "\\pythonw.exe", "\\node.exe", "\\certutil.exe", "\\bitsadmin.exe",
    "\\java.exe", "\\javaw.exe",
  ]
  # Folders users can write to, where a dropped stealer or RAT runs from
  # (Image, contains).
  user_writable_dirs = ["\\AppData\\Local\\Temp\\", "\\Users\\Public\\", "\\ProgramData\\", "\\Downloads\\", "\\Windows\\Temp\\"]

  # Command-line HTTP clients (Image, endswith), Windows and Unix forms.
  # Python interpreters have versioned names (python3.11) and are matched
  # by a regular expression in the detection that needs them.
  transfer_tool_images = ["\\curl.exe", "/curl", "\\wget.exe", "/wget", "/wget2"]
  powershell_images    = ["\\powershell.exe", "\\pwsh.exe", "/pwsh", "\\powershell_ise.exe"]
}

# The organisation's context (organisation.hcl) in the forms the
# detections compare.
locals {
  # URLs on the organisation's own hosts: its domains and their
  # subdomains, and its internal hosts, with an optional port. The host
  # must end where the URL's authority ends, so that look-alikes
  # (ci.corp.example.attacker.net, ci.corp.example@attacker.net) are not
  # taken for it.
  own_url_re = concat(
    formatlist("^https?://([a-z0-9-]+\\.)*%s(:[0-9]+)?([/?#]|$)", [for d in local.org_domains : replace(d, ".", "\\.")]),
    formatlist("^https?://%s(:[0-9]+)?([/?#]|$)", [for h in local.org_internal_hosts : replace(h, ".", "\\.")]),
  )
  # The organisation's bots' calls that have a webhook's path shape:
  # Discord follow-up messages (/webhooks/<application id>/<interaction
  # token>) and Telegram Bot API calls (/bot<bot id>:<token>/send...).
  own_discord_followup_re = formatlist("/api/(v[0-9]+/)?webhooks/%s/", local.approved_discord_application_ids)
  own_telegram_bot_paths  = formatlist("/bot%s:", local.approved_telegram_bot_ids)
  # Host names of the organisation's own servers, as proxies log them.
  own_hosts         = concat(local.org_domains, local.org_internal_hosts)
  own_host_suffixes = formatlist(".%s", local.org_domains)
  # The chat services a bot talks to.
  chat_service_hosts = concat(local.discord_hosts, local.telegram_hosts, local.slack_hosts)
}

# A call of one of the organisation's own bots (organisation.hcl) whose
# URL has a webhook's shape, or any bot's Discord interaction follow-up
# (an interaction token, not a webhook's): not a webhook post.
selection "bot_call" {
  group {
    match "cs-host" {
      equals = local.discord_hosts
    }
    match "c-uri" {
      re = local.discord_interaction_followup_re
    }
  }
  group {
    match "cs-host" {
      equals = local.discord_hosts
    }
    match "c-uri" {
      re = local.own_discord_followup_re
    }
  }
  group {
    match "cs-host" {
      equals = local.telegram_hosts
    }
    match "c-uri" {
      contains = local.own_telegram_bot_paths
    }
  }
}

# A request to one of the organisation's own servers (a self-hosted
# Mattermost or Rocket.Chat whose /hooks/ paths look like webhooks).
selection "own_host_request" {
  group {
    match "cs-host" {
      equals = local.own_hosts
    }
  }
  group {
    match "cs-host" {
      endswith = local.own_host_suffixes
    }
  }
}

# The hosts of the organisation's approved integrations (organisation.hcl):
# in endpoint logs by computer name, in proxy and DNS logs by source
# address.
selection "integration_host" {
  match "Computer" {
    equals = local.approved_integration_computers
  }
}

selection "integration_source" {
  match "src_ip" {
    cidr = local.approved_integration_source_ips
  }
}

# Traffic from the hosts the organisation's bots run on to the chat
# services they serve.
selection "own_bot_host_traffic" {
  match "src_ip" {
    cidr = local.approved_bot_source_ips
  }
  match "cs-host" {
    equals = local.chat_service_hosts
  }
}

# Webhook URLs, one group per service: its host and the path its webhooks
# use (the lists above). Detections that look at webhook URLs name this
# selection in use_selections, so the services and paths are written once.
selection "webhook_url" {
  group {
    match "cs-host" {
      equals = local.discord_hosts
    }
    match "c-uri" {
      re = local.discord_webhook_path_re
    }
  }
  group {
    match "cs-host" {
      equals = local.slack_hosts
    }
    match "c-uri" {
      contains = local.slack_webhook_paths
    }
  }
  group {
    match "cs-host" {
      endswith = local.teams_suffixes
    }
    match "c-uri" {
      contains = local.teams_webhook_paths
    }
  }
  group {
    match "cs-host" {
      equals = local.teams_legacy_hosts
    }
    match "c-uri" {
      contains = local.teams_legacy_paths
    }
  }
  group {
    match "cs-host" {
      endswith = local.power_automate_suffixes
    }
    match "c-uri" {
      contains = local.power_automate_paths
    }
  }
  group {
    match "cs-host" {
      equals = local.telegram_hosts
    }
    match "c-uri" {
      re       = local.telegram_send_path_re
      re_flags = ["i"]
    }
  }
  group {
    match "cs-host" {
      equals = local.zapier_hosts
    }
    match "c-uri" {
      contains = local.zapier_webhook_paths
    }
  }
  group {
    match "cs-host" {
      equals = local.ifttt_hosts
    }
    match "c-uri" {
      contains = local.ifttt_webhook_paths
    }
  }
  group {
    match "cs-host" {
      equals = local.google_chat_hosts
    }
    match "c-uri" {
      re = local.google_chat_path_re
    }
  }
  group {
    # DingTalk, Feishu/Lark and WeCom group bots.
    match "cs-host" {
      equals = local.chat_bot_hosts
    }
    match "c-uri" {
      contains = local.chat_bot_paths
    }
  }
  group {
    # Request catchers and Make: any path is a webhook.
    match "cs-host" {
      equals = concat(local.catcher_hosts, local.make_hosts)
    }
  }
  group {
    match "cs-host" {
      endswith = concat(local.pipedream_suffixes, local.catcher_suffixes)
    }
  }
  group {
    # Mattermost and Rocket.Chat are self-hosted, so only the path shows
    # them: /hooks/ followed by a 26-character id.
    match "c-uri" {
      re = local.self_hosted_hook_path_re
    }
  }
}

# A proxy request to any webhook host: a listed host or a subdomain of one.
selection "webhook_host" {
  group {
    match "cs-host" {
      equals = local.webhook_hosts
    }
  }
  group {
    match "cs-host" {
      endswith = local.webhook_suffixes
    }
  }
}

# A connection (Sysmon event 3, Defender network events) to any webhook
# host: a listed host or a subdomain of one.
selection "webhook_destination" {
  group {
    match "DestinationHostname" {
      equals = local.webhook_hosts
    }
  }
  group {
    match "DestinationHostname" {
      endswith = local.webhook_suffixes
    }
  }
}
