# How this team deploys: Sentinel (ASIM) and Defender XDR, Splunk with an
# index and a mapping override, Elastic with EQL.
targets          = ["splunk", "kql", "elastic"]
enabled_statuses = ["stable"]

runbook {
  base_url = "https://wiki.example.com/runbooks/"
}

target "splunk" {
  index    = "proxy"
  mappings = ["mappings/splunk.yml"]

  app {
    name   = "acme_detections"
    author = "ACME SOC"
  }
}

target "kql" {
  profiles = ["sentinel-asim", "defender-xdr"]
}

target "elastic" {
  lang = "eql"
}
