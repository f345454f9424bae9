detection "saas_github_webhook_created" {
  id          = "f69bb141-762b-4519-9dd2-eaab8b7a9a3e"
  title       = "GitHub webhook created or pointed at a new URL"
  description = "The GitHub audit log shows a repository, organisation or enterprise webhook created (hook.create) or its configuration changed (hook.config_changed), and its URL is neither on the approved list nor on one of the organisation's own hosts. This is the linked-SaaS form of T1567.004: an attacker with admin rights registers a webhook so that pushes, issues or secrets scanning alerts flow to an endpoint they own."
  status      = "experimental"
  level       = "medium"
  author      = "detc content team"
  date        = "2026-11-30"
  references = [
    "https://attack.mitre.org/techniques/T1567/004/",
    "https://docs.github.com/en/organizations/keeping-your-organization-secure/managing-security-settings-for-your-organization/audit-log-events-for-your-organization",
    "https://github.com/panther-labs/panther-analysis/blob/main/rules/github_rules/github_webhook_modified.yml",
  ]
  tags           = ["attack.exfiltration", "attack.t1567.004"]
  falsepositives = ["Administrators pointing hooks at the organisation's own CI or tools: list its domains in org_domains and other internal hosts in org_internal_hosts (organisation.hcl)", "Administrators adding a third-party integration (chat notifications, project tools) not yet in approved_webhook_url_prefixes (approved_webhooks.hcl)"]
  fields         = ["actor", "action", "org", "repo", "hook_id", "config.url", "actor_location.country_code"]

  logsource {
    product = "github"
    service = "audit"
  }

  mitre {
    tactics    = ["TA0010"]
    techniques = ["T1567.004"]
  }

  selection "hook_change" {
    match "action" {
      equals = ["hook.create", "hook.config_changed"]
    }
  }

  # The organisation's approved endpoints (approved_webhooks.hcl). Audit
  # entries without a URL stay in: an unknown URL is not an approved one.
  selection "approved" {
    match "config.url" {
      startswith = local.approved_webhook_url_prefixes
    }
  }

  # The organisation's own hosts (org_domains and org_internal_hosts in
  # organisation.hcl): the whole host must be one, so look-alikes such as
  # ci.corp.example.attacker.net stay in.
  selection "own_host" {
    match "config.url" {
      re       = local.own_url_re
      re_flags = ["i"]
    }
  }

  condition = "hook_change and not approved and not own_host"

  # A repository webhook to an unapproved URL sends every push there:
  # SOAR disables it through the GitHub API.
  response {
    actions = ["disable_webhook", "notify"]
  }

  runbook {
    summary        = "A GitHub webhook was created or re-pointed to a URL that is not on the approved list. Every event the hook subscribes to (pushes, issues, pull requests) now goes to that URL, with the repository content the event carries."
    log_sources    = ["The GitHub audit log (audit-log API or streaming) with the hook's configuration: config.url is the URL the hook posts to. Elastic: the GitHub integration's audit data stream keeps it as github.config.url only in versions whose pipeline keeps every audit key under github.* (elastic/integrations#13092, 2025); an older version drops it, and then every hook change alerts, approved ones too, because no URL can be approved: upgrade the integration."]
    key_indicators = ["The hook's URL (config.url) and events: a Discord, Slack, Telegram or request-catcher URL, or a push subscription on a private repository, is the exfiltration pattern."]
    l1_steps       = ["Ask the actor (and the repository's owners) whether the webhook is a sanctioned integration; if not, disable it in the repository or organisation settings at once and keep the audit entry."]
    containment    = ["Delete the webhook, review the actor's other recent audit entries (new deploy keys, personal access tokens, OAuth apps) and rotate any secret the hooked events could have carried."]
  }

  test "github_audit" {
    fixture = "fixtures/saas/github_webhook_created.jsonl"
    match   = ["repo-hook-discord", "org-hook-config-webhook-site", "repo-hook-no-url", "repo-hook-unapproved-slack", "lookalike-company-domain", "lookalike-hyphen-domain", "lookalike-userinfo", "repo-hook-repointed-from-ci"]
  }
}
