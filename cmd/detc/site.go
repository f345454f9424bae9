package main

import (
	"flag"
	"fmt"
	"github.com/detc/detc/internal/project"

	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/build"
	"github.com/detc/detc/internal/cli"
	"github.com/detc/detc/internal/lint"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/site"
)

var siteCmd = &subcommand{
	Command: cli.Command{
		Name:    "site",
		Summary: "write the browsable detection catalog (HTML) into a folder",
		Usage:   "detc site [--out DIR] [--fixtures DIR] [--check CODE=LEVEL]... [PATH...]",
		Detail: `Loads and lints the detections (lint errors stop it) and writes the
catalog that detc build also writes under out/site/: index.html lists
every detection with filters and sorting, attack.html is the ATT&CK
coverage matrix, and each detection has a page with its queries for every
target and profile, deployment entries, runbook, fixture tests with the
evaluator's explanation of each event, and its source. The pages need no
server and make no request outside the folder: open DIR/index.html in a
browser. DIR is replaced whole, as detc build replaces its output; it must
be empty, absent or an earlier output of detc site. See docs/site.md.`,
		Example: "detc site --out catalog/ detections/",
	},
	run: runSite,
}

func runSite(c *cli.Command, e *env, args []string) int {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	out := fs.String("out", "site", "output `folder`")
	pf := project.AddFlags(fs, project.Fixtures|project.Checks)
	paths, err := cli.Parse(c, fs, args, e.stdout, e.stderr)
	if err != nil {
		return cli.Exit(err)
	}
	s, code := openProject(c, e, pf, paths)
	if s == nil {
		return code
	}
	set, diags := loadDetections(paths, s)
	diags = lintDetections(set, diags, s, lint.Check(set))
	cli.WriteDiagnostics(e.stderr, diags, set.Sources)
	if diags.HasErrors() {
		fmt.Fprintf(e.stderr, "detc site: the detections have errors; nothing was written\n")
		return cli.ExitFail
	}
	arts, err := site.Generate(siteInput(set, set.Rules, false, siteRunbooks(set, s.Deployments)))
	if err == nil {
		err = build.WriteFolder(*out, arts)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "detc site: %v; %s was left as it was\n", err, *out)
		return cli.ExitFail
	}
	fmt.Fprintf(e.stdout, "wrote the catalog of %d detections into %s (open %s/index.html)\n", countDetections(set.Rules), *out, *out)
	return cli.ExitOK
}

// siteInput is what the catalog of a loaded set is written from, by detc
// build, site and serve alike, with runbook rendering each rule's runbook.
func siteInput(set *load.Set, rules []*rule.Rule, playground bool, runbook func(*rule.Rule) (string, error)) site.Input {
	return site.Input{Rules: rules, Backends: registry.All(), Runbook: runbook, Sources: set.Sources, Playground: playground}
}

// siteRunbooks renders the runbooks of a catalog written on its own (detc
// site and serve).
func siteRunbooks(set *load.Set, deps []build.Deployment) func(*rule.Rule) (string, error) {
	return site.Runbooks(set.RunbookRules(), deps, set.Cards)
}

// siteExtra is the catalog as a build output (out/site/), showing the
// runbooks the build wrote (runbook, from site.SharedRunbooks).
func siteExtra(set *load.Set, runbook func(*rule.Rule) (string, error)) build.Extra {
	return build.Extra{Dir: "site", Write: func(rules []*rule.Rule, add func(target.Artifact) error) error {
		return site.GenerateTo(siteInput(set, rules, false, runbook), add)
	}}
}

func countDetections(rules []*rule.Rule) int {
	n := 0
	for _, r := range rules {
		if !r.IsPivot() {
			n++
		}
	}
	return n
}
