detection "searches" {
  id          = "aaaaaaaa-0000-4000-8000-000000000001"
  title       = "Searches that do not fit the condition"
  description = "d"
  status      = "experimental"
  level       = "low"
  author      = "a"
  date        = "2026-02-30"

  logsource {
    category = "process_creation"
    product  = "windows"
  }

  mitre {
    tactics    = ["TA0011"]
    techniques = ["T1567.004"]
  }

  selection "curl" {
    match "CommandLine" {
      contains = ["curl"]
      windash  = true
    }
    match "DestinationIp" {
      cidr = ["192.168.1.1/16"]
    }
  }

  selection "unused" {
    match "Image" {
      endswith = ["\\curl.exe"]
    }
  }

  condition = "curl and not 1 of filter_*"
}
