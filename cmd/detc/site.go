package main

import (
	"flag"
	"fmt"

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
		Usage:   "detc site [--out DIR] [--fixtures DIR] [PATH...]",
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
	fixtures := fixturesFlag(fs)
	paths, err := cli.Parse(c, fs, args, e.stdout, e.stderr)
	if err != nil {
		return cli.Exit(err)
	}
	set, diags := loadDetections(paths, *fixtures)
	diags = append(diags, lint.Check(set)...)
	diags.Sort()
	cli.WriteDiagnostics(e.stderr, diags, set.Sources)
	if diags.HasErrors() {
		fmt.Fprintf(e.stderr, "detc site: the detections have errors; nothing was written\n")
		return cli.ExitFail
	}
	arts, err := site.Generate(siteInput(set, set.Rules, false))
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
// build, site and serve alike.
func siteInput(set *load.Set, rules []*rule.Rule, playground bool) site.Input {
	backends := registry.All()
	return site.Input{Rules: rules, Backends: backends, Runbook: site.Runbooks(set.RunbookRules(), backends, set.Cards),
		Sources: set.Sources, Playground: playground}
}

// siteExtra is the catalog as a build output (out/site/).
func siteExtra(set *load.Set) build.Extra {
	return build.Extra{Dir: "site", Generate: func(rules []*rule.Rule) ([]target.Artifact, error) {
		return site.Generate(siteInput(set, rules, false))
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
