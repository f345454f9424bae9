# Webhook endpoints to block everywhere, beyond the service patterns the
# detections already block: known-bad URLs from incidents and threat
# intelligence. Maintained by you.
#
# Each entry is a URL prefix up to the webhook's id, as in
# approved_webhooks.hcl, never the secret token. They go into the URL block
# lists (Squid, PAN-OS) that detc build writes under out/blocklists/. An
# entry that covers an approved endpoint, or lies inside one, is a lint
# error naming both: an approved webhook is never blocked.
#
#   "https://discord.com/api/webhooks/<webhook id>/",
locals {
  blocked_webhook_urls = []
}
