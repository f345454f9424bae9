package load

import "github.com/detc/detc/internal/rule"

// CodeNoFrontEnd marks a file whose front end is not part of this build.
const CodeNoFrontEnd = "no-front-end"

func loadSigma(f string, data []byte) ([]*rule.Rule, rule.Diagnostics) {
	var diags rule.Diagnostics
	diags.Errorf(rule.Pos{File: f, Line: 1, Col: 1}, CodeNoFrontEnd, "the Sigma front end (internal/sigma) is not in this build yet")
	return nil, diags
}

func resolve(rules []*rule.Rule) ([]*rule.Rule, rule.Diagnostics) { return rules, nil }
