# The organisation's own context: maintained by you, beside
# approved_webhooks.hcl. The detections use it to tell the organisation's
# own infrastructure and chat bots from an outsider's. Every list may be
# left empty ([]): the detections then treat nothing as the
# organisation's own, which is noisier but misses nothing.
#
# Replace the examples below with your own values.
locals {
  # Its DNS domains. A URL whose host is one of these or a subdomain of
  # one (ci.corp.example) is the organisation's: saas_github_webhook_created
  # ignores GitHub webhooks pointing there. Look-alikes
  # (corp.example.attacker.net, corp-example.com) are not.
  org_domains = ["corp.example"]

  # Internal hosts outside those domains, by exact name or address (a CI
  # server known by a short name or an IP), also the organisation's.
  org_internal_hosts = ["jenkins01", "10.20.0.15"]

  # Its chat bots. A bot answers users through the chat service's
  # interaction endpoints, which look like webhooks but are not:
  #
  #   Discord   POST /api/v10/interactions/<interaction id>/<token>/callback
  #             POST /api/v10/webhooks/<application id>/<interaction token>
  #                  (follow-up messages: the path of an incoming webhook,
  #                  with the bot's application id in place of a webhook id)
  #   Telegram  POST /bot<bot id>:<token>/sendMessage (the Bot API)
  #   Slack     POST hooks.slack.com/actions/... and /commands/... (the
  #             response_url of a button or a slash command)
  #
  # Slack's response URLs and Discord follow-ups carrying an interaction
  # token are never taken for webhooks, whoever sends them. List the bots'
  # public ids (never a bot token: this file is in a code repository):
  # their Telegram Bot API calls are then not taken for webhook posts, and
  # their Discord follow-ups stay quiet even if Discord changes the form
  # of its interaction tokens.
  # Whoever holds a bot's token can post as the bot: keep the tokens in a
  # secrets store, and rotate one that shows up anywhere else.
  approved_discord_application_ids = ["1098765432109876543"] # support bot (owner: IT service desk)
  approved_telegram_bot_ids        = ["7012345678"]          # on-call bot (owner: SRE)

  # The addresses (or CIDR ranges) of the hosts the bots run on, as the
  # proxy logs the source (src_ip). Their traffic to the chat services'
  # hosts is the bots' own and is left out of the host-only detections
  # (non-browser client, upload volume); anything else they send still
  # counts.
  approved_bot_source_ips = ["10.30.8.0/28"]

  # The hosts that run the organisation's approved integrations (a CI
  # server posting build results to its approved Slack webhook, a
  # monitoring server alerting Teams): their webhook traffic is expected.
  # The host-level and endpoint detections leave them out; the URL-level
  # ones (proxy_webhook_unapproved_endpoint) still check what they post
  # to. By address or CIDR range as proxies and resolvers log the source:
  approved_integration_source_ips = ["10.20.7.40/32"] # build01 (owner: platform team)
  # and by name as endpoint logs give the computer (Sysmon Computer,
  # Defender DeviceName):
  approved_integration_computers = ["BUILD01.corp.example"]
}
