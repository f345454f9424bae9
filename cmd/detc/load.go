package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/detc/detc/internal/attack"

	"github.com/detc/detc/internal/fixture"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/rule"
)

// fixturesFlag adds --fixtures, where fixture sidecars (tests of Sigma
// rules) are found.
func fixturesFlag(fs *flag.FlagSet) *string {
	return fs.String("fixtures", fixture.DefaultDir, "`folder` of fixture sidecars (*.test.yml) that hold the tests of Sigma rules")
}

// attackFlag adds --attack, a newer ATT&CK Enterprise release to check
// tags against.
func attackFlag(fs *flag.FlagSet) *string {
	return fs.String("attack", "", "ATT&CK Enterprise release in MITRE's STIX 2.1 format (enterprise-attack.json) to use instead of the bundled v"+attack.BundledVersion)
}

// useAttack reads the release --attack names, if any, and makes every
// ATT&CK lookup read it. It reports a failure on stderr and returns false.
func useAttack(file string, stderr io.Writer) bool {
	if file == "" {
		return true
	}
	f, err := os.Open(file)
	if err != nil {
		fmt.Fprintf(stderr, "detc: --attack: %v\n", err)
		return false
	}
	defer f.Close()
	d, err := attack.LoadSTIX(file, f)
	if err != nil {
		fmt.Fprintf(stderr, "detc: --attack: %v\n", err)
		return false
	}
	attack.Use(d)
	return true
}

// loadDetections loads the detections under paths and attaches the tests
// that sidecar files under fixtures declare.
func loadDetections(paths []string, fixtures string) (*load.Set, rule.Diagnostics) {
	set, diags := load.Paths(paths)
	diags = append(diags, fixture.AttachSidecars(set.Rules, fixtures)...)
	diags.Sort()
	return set, diags
}

// pick returns the rules whose id or name is only (all of them when only
// is ""), or an error when none is.
func pick(rules []*rule.Rule, only string) ([]*rule.Rule, error) {
	if only == "" {
		return rules, nil
	}
	var out []*rule.Rule
	for _, r := range rules {
		if r.ID == only || r.Name == only {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no detection has the id or name %q", only)
	}
	return out, nil
}
