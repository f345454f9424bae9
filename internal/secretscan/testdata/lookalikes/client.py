import requests
# ordinary API calls on the same hosts: no webhook, no secret
requests.get('https://discord.com/api/v10/channels/123456789012345678/messages')
requests.get('https://discord.com/api/v10/users/@me', headers=auth)
requests.get('https://notdiscord.com/api/webhooks/12345678901234567/abc')
requests.get('https://api.telegram.org/file/bot/documents/file_1.pdf')
requests.get('https://chat.googleapis.com/v1/spaces/AAAAabc/messages', headers=oauth)
requests.get('https://www.zapier.com/apps/webhook/integrations')
requests.get('https://pipedream.com/docs/workflows/triggers')
requests.get('https://mattermost.example.com/hooks/')
requests.get('https://discord.com/api/webhooks/123456789012345678/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')  # no entropy
