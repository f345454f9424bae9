# The webhook endpoint list: written once, used by every detection in the
# pack. HCL detections refer to these locals; Sigma rules use them as
# placeholders (for example cs-host|expand: '%webhook_hosts%').
# Source: ../shared/reference/webhook-endpoints.csv, which gives each
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
  slack_hosts              = ["hooks.slack.com"]
  teams_suffixes           = [".webhook.office.com"] # <tenant>.webhook.office.com/webhookb2/
  teams_legacy_hosts       = ["outlook.office.com"]  # /webhook/ connector URLs
  power_automate_suffixes  = [".logic.azure.com", ".environment.api.powerplatform.com"]
  telegram_hosts           = ["api.telegram.org"]
  zapier_hosts             = ["hooks.zapier.com"]
  ifttt_hosts              = ["maker.ifttt.com"]
  make_hosts               = ["hook.eu1.make.com", "hook.eu2.make.com", "hook.us1.make.com", "hook.us2.make.com", "hook.integromat.com"]
  pipedream_suffixes       = [".m.pipedream.net"]
  google_chat_hosts        = ["chat.googleapis.com"]
  chat_bot_hosts           = ["oapi.dingtalk.com", "open.feishu.cn", "open.larksuite.com", "qyapi.weixin.qq.com"]

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

  # Clients that are not browsers: command-line tools and HTTP libraries,
  # matched as user-agent prefixes (case-insensitively).
  non_browser_agents = [
    "curl/", "Wget/", "python-requests/", "Python-urllib/", "aiohttp/",
    "Go-http-client/", "okhttp/", "node-fetch/", "axios/", "undici",
    "Java/", "libcurl",
  ]

  # PowerShell's Invoke-WebRequest and Invoke-RestMethod send a Mozilla/5.0
  # agent that names PowerShell later on, so it is matched with contains
  # ("PowerShell/" covers "WindowsPowerShell/").
  script_agent_markers = ["PowerShell/"]
}
