package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/internal/attack"
	"github.com/detc/detc/internal/fixture"
	"github.com/detc/detc/internal/lint"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/project"
	"github.com/detc/detc/internal/rule"
)

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
// that sidecar files under the project's fixtures folder declare.
func loadDetections(paths []string, s *project.Settings) (*load.Set, rule.Diagnostics) {
	set, diags := load.Within(s.Root, paths)
	if s.Fixtures != "" {
		diags = append(diags, fixture.AttachSidecars(set.Rules, s.Fixtures)...)
	}
	diags.Sort()
	return set, diags
}

// lintDetections adds lint's findings (found: lint.Check's, or the check
// phase's and lint.Validate's) and the project-wide checks to the loading
// diagnostics, with the severities the project and --check give checks.
func lintDetections(set *load.Set, diags rule.Diagnostics, s *project.Settings, found rule.Diagnostics) rule.Diagnostics {
	diags = append(diags, found...)
	diags = append(diags, lint.Fields(set.Rules, knownProfiles(s))...)
	diags = append(diags, lint.Targets(set.Rules, registry.Targetable())...)
	diags = s.Checks.Apply(diags)
	diags.Sort()
	return diags
}

// knownProfiles are the mapping profiles whose field names lint knows:
// detc's built-in ones and the project's overrides.
func knownProfiles(s *project.Settings) []*mapping.Profile {
	profiles := registry.Mappings()
	for _, d := range s.Deployments {
		if d.Options.Overrides != nil {
			profiles = append([]*mapping.Profile{d.Options.Overrides}, profiles...)
		}
	}
	return profiles
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
