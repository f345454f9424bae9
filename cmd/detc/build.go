package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/blocklist"
	"github.com/detc/detc/internal/build"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/cli"
	"github.com/detc/detc/internal/lint"
	"github.com/detc/detc/internal/navigator"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/secretscan"
)

var buildCmd = &subcommand{
	Command: cli.Command{
		Name:    "build",
		Summary: "lint, compile every rule for every target and write the deployment files",
		Usage:   "detc build [--out DIR] [--strict] [--fixtures DIR] [--runbook-url URL] [PATH...]",
		Detail: `Loads and lints the detections (lint errors stop the build), compiles every
rule for every target in its default profile and writes the deployment
files under DIR/<target>/ (with the automated responses detections declare:
Kibana response actions, Sentinel automation rules and playbooks, Splunk
Send to SOAR), the runbooks under DIR/runbooks/, an ATT&CK Navigator layer
under DIR/navigator/, block lists of the webhook endpoints minus the
approved ones under DIR/blocklists/ (RPZ zone, Squid ACLs, PAN-OS EDLs, a
domain list), gitleaks and GitHub secret-scanning rules for hard-coded
webhook URLs under DIR/secret-scanning/, the browsable catalog under
DIR/site/ (open DIR/site/index.html; see detc site) and the rules a
target refused in DIR/refusals.json. docs/response.md says how to deploy
the response files. The new output replaces DIR whole, and only once it
is complete: a failed build leaves the previous one as it was. DIR must
be empty, absent or an earlier build's output. The same input gives
byte-identical files.

A refusal is reported on stderr as a warning; with --strict it is an error
and nothing is written.`,
		Example: "detc build --out out/ detections/",
	},
	run: runBuild,
}

func runBuild(c *cli.Command, e *env, args []string) int {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	out := fs.String("out", "out", "output `folder`")
	strict := fs.Bool("strict", false, "fail the build when a target refuses a rule")
	fixtures := fixturesFlag(fs)
	attackFile := attackFlag(fs)
	runbookURL := fs.String("runbook-url", defaultRunbookURL, "base `URL` of the runbooks, for the links in the Navigator layer and the deployment files")
	paths, err := cli.Parse(c, fs, args, e.stdout, e.stderr)
	if err != nil {
		return cli.Exit(err)
	}
	if !useAttack(*attackFile, e.stderr) {
		return cli.ExitFail
	}
	set, diags := loadDetections(paths, *fixtures)
	checked, checkDiags := check.All(set.RunbookRules())
	diags = append(diags, checkDiags...)
	diags = append(diags, lint.Validate(set)...)
	diags.Sort()
	cli.WriteDiagnostics(e.stderr, diags, set.Sources)
	if diags.HasErrors() {
		fmt.Fprintf(e.stderr, "detc build: the detections have errors; nothing was written\n")
		return cli.ExitFail
	}
	layer := build.Extra{Dir: "navigator", Generate: func(rules []*rule.Rule) ([]target.Artifact, error) {
		data, err := navigator.Build("detc detections", rules, func(r *rule.Rule) string { return *runbookURL + build.FileName(r.ID) + ".md" })
		return []target.Artifact{{Path: "layer.json", Data: data}}, err
	}}
	blocklists := build.Extra{Dir: "blocklists", Generate: func(rules []*rule.Rule) ([]target.Artifact, error) {
		cfg := blocklist.DefaultConfig()
		s, _ := blocklist.Collect(rules, set.Lists, cfg) // lint reported its problems
		return blocklist.Files(s, cfg)
	}}
	secrets := build.Extra{Dir: "secret-scanning", Generate: func([]*rule.Rule) ([]target.Artifact, error) {
		return secretscan.Files(set.Lists)
	}}
	// One compilation per rule and target serves runbooks and deployment.
	backends := build.CompileOnce(registry.All())
	// No rule had an error, so checked is set.Rules then the shared pivots.
	res, err := build.Run(checked[:len(set.Rules)], build.Options{
		Out: *out, Backends: backends, Strict: *strict,
		Runbook: build.Runbooks(checked, backends, set.Cards),
		Brief:   build.Briefs(set.Cards, func(r *rule.Rule) string { return runbookLink(*runbookURL, r) }),
		Extras:  []build.Extra{layer, blocklists, secrets, siteExtra(set)},
	})
	if res != nil {
		sev := rule.Warning
		if *strict {
			sev = rule.Error
		}
		for _, r := range res.Refusals {
			cli.WriteDiagnostics(e.stderr, rule.Diagnostics{r.Diagnostic(sev)}, set.Sources)
		}
	}
	var rbErr *build.RunbookError
	switch {
	case errors.As(err, &rbErr):
		cli.WriteDiagnostics(e.stderr, rule.Diagnostics{rbErr.Diagnostic()}, set.Sources)
		fmt.Fprintf(e.stderr, "detc build: nothing was written\n")
		return cli.ExitFail
	case err != nil:
		fmt.Fprintf(e.stderr, "detc build: %v; %s was left as it was\n", err, *out)
		return cli.ExitFail
	}
	detections := countDetections(set.Rules)
	fmt.Fprintf(e.stdout, "built %d detections for %s into %s: %d files, %d refusals\n",
		detections, strings.Join(registry.Names(), ", "), *out, len(res.Files), len(res.Refusals))
	return cli.ExitOK
}

// defaultRunbookURL is where the Navigator layer finds the runbooks in
// the build output.
const defaultRunbookURL = "file:../runbooks/"

// runbookLink is where a deployment file says the rule's whole runbook
// is: under --runbook-url when that is a web address, otherwise in the
// build output (a file: link means nothing in a SIEM).
func runbookLink(base string, r *rule.Rule) string {
	name := build.FileName(r.ID) + ".md"
	if strings.HasPrefix(base, "https://") || strings.HasPrefix(base, "http://") {
		return base + name
	}
	return "runbooks/" + name + " in the detc build output"
}
