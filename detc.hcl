# How this repository deploys its detections: docs/configuration.md lists
# every setting. These are detc's defaults, written out; the checks stay
# strict (no check block lowers a severity).
fixtures         = "fixtures"
enabled_statuses = ["stable", "test"]

target "splunk" {
  profiles = ["cim"]
}

target "kql" {
  profiles = ["sentinel-asim", "defender-xdr"]
}

target "elastic" {
  # No lang: Lucene, and ES|QL for an aggregation a Kibana threshold rule
  # cannot express.
  profiles = ["ecs"]
}
