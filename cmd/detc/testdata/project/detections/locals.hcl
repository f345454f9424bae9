locals {
  hosts = ["hooks.slack.com", "discord.com"]
}
