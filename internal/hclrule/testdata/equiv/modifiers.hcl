detection "modifiers" {
  id    = "modifiers-pair"
  title = "Encoded and typed values"
  level = "medium"
  logsource {
    product  = "windows"
    category = "process_creation"
  }
  selection "encoded" {
    match "CommandLine" {
      contains = [" -enc "]
      windash  = true
    }
    match "Payload" {
      contains     = "Invoke-WebRequest"
      wide         = true
      base64offset = true
    }
    match "Data" {
      equals = "discord"
      base64 = true
    }
  }
  selection "typed" {
    match "cs-bytes" {
      gte = 1048576
    }
    match "sc-status" {
      equals = [200, 204, null]
    }
    match "referer" {
      exists = false
    }
    match "dst_ip" {
      cidr = ["10.0.0.0/8", "192.168.0.0/16"]
      neq  = true
    }
    match "src_host" {
      equals   = "dst_host"
      fieldref = true
    }
    match "cs-host" {
      equals = "%webhook_hosts%"
      expand = true
    }
    match "Image" {
      endswith = "\\curl.exe"
      cased    = true
    }
  }
  keywords "keywords" {
    values = ["webhook", "exfil*"]
  }
  condition = "1 of them"
}
