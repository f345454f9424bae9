locals {
hosts=["a",
"b"]   # shared
    long_name = 1
}



detection "x" {
	title="t"
  logsource {   category = "proxy" }
  selection "sel" {
  match "f" { equals = ["x"] }
    match "g" {
  contains=["y"]
  all=true
  }
  }
  condition = "sel"    // why
}


