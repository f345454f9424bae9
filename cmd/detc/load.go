package main

import (
	"fmt"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/internal/fixture"
	"github.com/detc/detc/internal/lint"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/project"
	"github.com/detc/detc/internal/rule"
)

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

// lintDetections adds lint's findings to the loading diagnostics, with
// the severities the project and --check give checks.
func lintDetections(set *load.Set, diags rule.Diagnostics, s *project.Settings) rule.Diagnostics {
	diags = append(diags, lint.Check(set)...)
	profiles := registry.Mappings()
	for _, d := range s.Deployments {
		if d.Options.Overrides != nil {
			profiles = append([]*mapping.Profile{d.Options.Overrides}, profiles...)
		}
	}
	diags = append(diags, lint.Fields(set.Rules, profiles)...)
	diags = append(diags, lint.Targets(set.Rules, registry.Targetable())...)
	diags = s.Checks.Apply(diags)
	diags.Sort()
	return diags
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
