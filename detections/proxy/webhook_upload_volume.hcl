# Tuning knob: the bytes one source may send to webhook hosts in one window
# before this detection fires. 5 MiB is above what chat notifications and
# CI alerts send in an hour and below a typical document or archive.
locals {
  webhook_upload_volume_bytes = 5 * 1024 * 1024
}

detection "proxy_webhook_upload_volume" {
  id          = "47d6b428-e0cb-4c54-a80e-3b74f7aa8659"
  title       = "Large volume sent to webhook hosts from one source"
  description = "One source sent at least webhook_upload_volume_bytes (5 MiB by default) of request bodies (cs-bytes, client to server) to webhook and request-catcher hosts in one hour. Webhook notifications are small; megabytes mean files."
  status      = "experimental"
  level       = "high"
  author      = "detc content team"
  date        = "2026-11-30"
  # Not Defender XDR: DeviceNetworkEvents has no byte counts, so the
  # volume sent cannot be summed there.
  targets = ["splunk", "kql/sentinel-asim", "kql/sentinel-csl", "kql/raw", "elastic"]
  references = [
    "https://attack.mitre.org/techniques/T1567/004/",
    "https://github.com/splunk/security_content/blob/develop/detections/network/high_volume_of_bytes_out_to_url.yml",
  ]
  tags           = ["attack.exfiltration", "attack.t1567.004"]
  falsepositives = ["The organisation's own chat bots uploading files to their channels: list the hosts they run on in approved_bot_source_ips (organisation.hcl)", "Approved integrations that upload reports or build artefacts to a chat channel: list their hosts in approved_integration_source_ips (organisation.hcl), or raise webhook_upload_volume_bytes", "Users sharing large files through the Discord or Slack web clients (discord.com is a webhook host too): the host and byte count alone cannot tell them from a stealer, so no list silences them; raise webhook_upload_volume_bytes where such sharing is routine, and rely on proxy_webhook_post_path, which sees the URL"]
  fields         = ["src_ip", "cs-host", "cs-bytes"]

  logsource {
    category = "proxy"
  }

  mitre {
    tactics    = ["TA0010"]
    techniques = ["T1567.004"]
  }

  # The host alone: a proxy that does not inspect TLS still logs the
  # bytes of a request (or tunnel) to the host.
  # The organisation's bots talking to their chat service (organisation.hcl)
  # are left out. (Shared selections in webhooks.hcl.)
  use_selections = ["webhook_host", "own_bot_host_traffic", "integration_source"]

  condition = "webhook_host and not own_bot_host_traffic and not integration_source"

  # Tumbling one-hour windows aligned to the clock (10:00-11:00, ...).
  threshold {
    group_by = ["src_ip"]
    window   = "1h"
    sum      = "cs-bytes"
    gte      = local.webhook_upload_volume_bytes
  }

  runbook {
    summary        = "One source sent at least the byte threshold (webhook_upload_volume_bytes, 5 MiB by default) to webhook hosts within one clock hour. The alert's value is the total of request body bytes in that hour."
    key_indicators = ["The total (the alert's value) against the threshold, and how it splits over hosts and requests: use the pivot_webhook_volume pivot for the per-host split."]
    l1_steps       = ["List the requests of the source in the alert's hour, largest first, and note the webhook hosts and URLs they went to (redact the tokens)."]
    t2_actions     = ["Because windows are tumbling, an upload split across the hour boundary can stay under the threshold in both hours: check the neighbouring hours of the source too."]
  }

  test "zeek_http" {
    fixture = "fixtures/proxy/webhook_upload_volume.http.log"
    format  = "zeek-http"
    alert {
      group  = { src_ip = "10.20.4.17" }
      value  = 5500000
      window = "2026-11-30T10:00:00Z"
    }
    alert {
      group  = { src_ip = "10.20.4.17" }
      value  = 6000000
      window = "2026-11-30T11:00:00Z"
    }
    # The bot host's 7,000,000 bytes to discord.com in this hour are its
    # own (approved_bot_source_ips); its 6,000,000 to a request catcher
    # are not.
    alert {
      group  = { src_ip = "10.30.8.5" }
      value  = 6000000
      window = "2026-11-30T12:00:00Z"
    }
  }
}
