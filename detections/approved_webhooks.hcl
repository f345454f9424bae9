# The organisation's approved webhook endpoints: maintained by you.
#
# proxy_webhook_unapproved_endpoint fires on posts to webhook URLs that do
# not start with one of these prefixes, and saas_github_webhook_created
# ignores GitHub webhooks pointing at them. Each entry is the start of the
# URL as your proxy logs it, up to the webhook's id:
#
#   Slack    https://hooks.slack.com/services/<team id>/<bot id>/
#   Discord  https://discord.com/api/webhooks/<webhook id>/
#   Teams    https://<tenant>.webhook.office.com/webhookb2/<group>@<tenant id>/
#
# Never write the secret part of a webhook URL (the token after the id)
# here: this file is in a code repository. Prefixes compare
# case-insensitively. Proxies that log only the path (Zeek http.log) need
# the path form as well, such as "/services/<team id>/<bot id>/".
#
# Replace the examples below with your own endpoints; an empty list
# ([]) approves nothing. The organisation's own hosts, bots and
# integration servers are described in organisation.hcl.
locals {
  approved_webhook_url_prefixes = [
    # CI build notifications to #builds (owner: platform team)
    "https://hooks.slack.com/services/T0ABC1234/B0CINOTIFY/",
    # Monitoring alerts to the operations channel (owner: SRE)
    "https://contoso.webhook.office.com/webhookb2/7b1f0c2e-3d4a-4b5c-8e6f-9a0b1c2d3e4f@72f988bf-86f1-41af-91ab-2d7cd011db47/",
    # GitHub pushes to the internal CI server (owner: platform team)
    "https://ci.corp.example/github-webhook/",
  ]
}
