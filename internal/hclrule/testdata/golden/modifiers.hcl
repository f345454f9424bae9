# Every match attribute, and how it becomes Sigma modifiers.
locals {
  tools  = ["curl", "wget"]
  shells = formatlist("%s.exe", ["powershell", "pwsh"])
  paths  = [for t in local.tools : "/usr/bin/${t}"]
}

detection "modifiers" {
  title = "Every comparison and modifier"
  logsource {
    product  = "windows"
    category = "process_creation"
  }

  selection "strings" {
    match "Image" { endswith = local.shells }
    match "CommandLine" {
      contains = ["-enc", "/upload"]
      windash  = true
      all      = true
    }
    match "ParentImage" { startswith = local.paths }
    match "User" {
      equals = "SYSTEM"
      cased  = true
      neq    = true
    }
  }
  selection "encoded" {
    match "CommandLine" {
      contains     = "Invoke-WebRequest"
      wide         = true
      base64offset = true
    }
    match "Payload" {
      equals = ["discord"]
      base64 = true
    }
  }
  selection "typed" {
    match "cs-bytes" { gt = 1024 }
    match "sc-status" { equals = [200, 201.5, true] }
    match "referer" { exists = false }
    match "dst_ip" { cidr = "10.0.0.0/8" }
    match "c-uri" {
      re       = "^/api/v[0-9]+/webhooks/"
      re_flags = ["i", "m", "s"]
    }
    match "src_host" {
      equals   = "dst_host"
      fieldref = true
    }
    match "cs-host" {
      equals = ["%webhook_hosts%", "*.discord.com", "a\\*b"]
      expand = true
    }
  }
  keywords "words" {
    values = ["webhook", "exfil"]
    all    = true
  }
  keywords "_helper" {
    values = ["Discord"]
    cased  = true
  }
  condition = "1 of them or (all of str* and not _helper)"
}
