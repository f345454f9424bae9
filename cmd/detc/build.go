package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/blocklist"
	"github.com/detc/detc/internal/build"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/cli"
	"github.com/detc/detc/internal/lint"
	"github.com/detc/detc/internal/navigator"
	"github.com/detc/detc/internal/project"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/secretscan"
	"github.com/detc/detc/internal/site"
	"github.com/detc/detc/internal/textutil"
)

var buildCmd = &subcommand{
	Command: cli.Command{
		Name:    "build",
		Summary: "lint, compile every rule for every target and write the deployment files",
		Usage:   "detc build [--out DIR] [--strict] [--target T]... [--profile [T=]P]... [--mapping [T=]FILE]... [--lang [T=]L] [--variant [T=]V] [--index [T=]I] [--app-name N] [--enabled-statuses S] [--attack FILE] [--check CODE=LEVEL]... [PATH...]",
		Detail: `Loads and lints the detections (lint errors stop the build), compiles every
rule for every target and profile the project deploys (detc.hcl, found in
the working folder or a folder above; every target in its default profile
without one) and writes the deployment files under DIR/<target>/ (or
DIR/<target>/<profile>/ for a target deployed in several profiles; with the
automated responses detections declare: Kibana response actions, Sentinel
automation rules and playbooks, Splunk Send to SOAR), the runbooks under
DIR/runbooks/, an ATT&CK Navigator layer under DIR/navigator/, block lists
of the webhook endpoints minus the approved ones under DIR/blocklists/ (RPZ
zone, Squid ACLs, PAN-OS EDLs, a domain list), gitleaks and GitHub
secret-scanning rules for hard-coded webhook URLs under
DIR/secret-scanning/, the browsable catalog under DIR/site/ (open
DIR/site/index.html; see detc site) and the rules a target refused in
DIR/refusals.json.
docs/response.md says how to deploy the response files. The new output
replaces DIR whole, and only once it is complete: a failed build leaves the
previous one as it was. DIR must be empty, absent or an earlier build's
output. The same input gives byte-identical files.

Each flag overrides the project file's setting. --profile, --mapping,
--lang, --variant and --index take TARGET=VALUE; a profile, language or
variant only one target has may leave the target out (--lang eql).
Rules are deployed enabled when their status is in --enabled-statuses
(default stable,test), disabled otherwise, in every target alike.

A rule whose targets (HCL targets, Sigma targets) leave a deployment out is
not compiled for it. A target refuses a rule it cannot express, or one
beyond a limit of its rule format (a Sentinel analytics rule's query of
more than 10,000 characters); every other rule is still deployed. A
refusal is reported on stderr as a warning, listed in DIR/refusals.json and
counted in the summary; with --strict it is an error and nothing is
written. A detection that every target meant for it refuses is deployed
nowhere: a warning (check undeployed), counted in the summary and marked
in refusals.json, when the refusals are what the SIEMs lack (a log source
they do not collect, a field they do not carry); an error (check
undeployed-unknown-field) when a target refuses a field that looks
misspelt: no Sigma taxonomy or profile knows it and a known field is at
most two edits away (cs-hots for cs-host). --check undeployed=error makes
every detection deployed nowhere fail the build.
'detc list' shows the targets, profiles, languages and checks.`,
		Example: "detc build --out out/ detections/\ndetc build --profile kql=sentinel-asim --profile kql=defender-xdr --lang eql --out out/ detections/\ndetc build --strict --check fixture-coverage=warning --out out/ detections/",
	},
	run: runBuild,
}

func runBuild(c *cli.Command, e *env, args []string) int {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	out := fs.String("out", "out", "output `folder`")
	strict := fs.Bool("strict", false, "fail the build when a target refuses a rule meant for it")
	pf := project.AddFlags(fs, project.Compile|project.Package|project.Fixtures|project.Checks)
	attackFile := attackFlag(fs)
	paths, err := cli.Parse(c, fs, args, e.stdout, e.stderr)
	if err != nil {
		return cli.Exit(err)
	}
	s, code := openProject(c, e, pf, paths)
	if s == nil {
		return code
	}
	if !useAttack(*attackFile, e.stderr) {
		return cli.ExitFail
	}
	set, diags := loadDetections(paths, s)
	checked, checkDiags := check.All(set.RunbookRules())
	// A rule the check phase rejects cannot be compiled, whatever
	// severity --check gives its code.
	checkFailed := checkDiags.HasErrors()
	diags = lintDetections(set, diags, s, append(checkDiags, lint.Validate(set)...))
	cli.WriteDiagnostics(e.stderr, diags, set.Sources)
	if checkFailed || diags.HasErrors() {
		fmt.Fprintf(e.stderr, "detc build: the detections have errors; nothing was written\n")
		return cli.ExitFail
	}
	// The layer shows the techniques the build deploys detections for.
	layer := build.Extra{Dir: "navigator", DeployedOnly: true, Generate: func(rules []*rule.Rule) ([]target.Artifact, error) {
		data, err := navigator.Build("detc detections", rules, func(r *rule.Rule) string { return s.RunbookURL + build.FileName(r.ID) + ".md" })
		return []target.Artifact{{Path: "layer.json", Data: data}}, err
	}}
	blocklists := build.Extra{Dir: "blocklists", Generate: func(rules []*rule.Rule) ([]target.Artifact, error) {
		cfg := blocklist.DefaultConfig()
		bl, _ := blocklist.Collect(rules, set.Lists, cfg) // lint reported its problems
		return blocklist.Files(bl, cfg)
	}}
	secrets := build.Extra{Dir: "secret-scanning", Generate: func([]*rule.Rule) ([]target.Artifact, error) {
		return secretscan.Files(set.Lists)
	}}
	// One compilation per rule and deployment serves runbooks and
	// deployment files.
	deps := build.CompileOnceFor(s.Deployments)
	// The catalog shows the runbooks the build writes.
	runbooks, siteRunbooks := site.SharedRunbooks(checked, build.Runbooks(checked, deps, set.Cards))
	// No rule had an error, so checked is set.Rules then the shared pivots.
	res, err := build.Run(checked[:len(set.Rules)], build.Options{
		Out: *out, Deployments: deps, Strict: *strict, Enabled: s.Enabled,
		Known: knownProfiles(s), Severities: s.Checks.Apply,
		Runbook: runbooks,
		Brief:   build.Briefs(set.Cards, func(r *rule.Rule) string { return runbookLink(s.RunbookURL, r) }),
		Extras:  []build.Extra{layer, blocklists, secrets, siteExtra(set, siteRunbooks)},
	})
	if res != nil {
		sev := rule.Warning
		if *strict {
			sev = rule.Error
		}
		for _, r := range res.Refusals {
			cli.WriteDiagnostics(e.stderr, rule.Diagnostics{r.Diagnostic(sev)}, set.Sources)
		}
		cli.WriteDiagnostics(e.stderr, res.UndeployedDiagnostics, set.Sources)
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
	var names []string
	for _, d := range s.Deployments {
		names = append(names, d.Name())
	}
	leftOut := ""
	if n := len(res.Untargeted); n > 0 {
		leftOut = fmt.Sprintf(", %d left out by the detections' targets", n)
	}
	fmt.Fprintf(e.stdout, "built %d detections for %s into %s: %d files, %d refusals%s\n",
		detections, strings.Join(names, ", "), *out, len(res.Files), len(res.Refusals), leftOut)
	for _, n := range res.Counts {
		fmt.Fprintf(e.stdout, "  %s: %d deployed, %d refused, %d left out by their targets\n", n.Dir, n.Deployed, n.Refused, n.Untargeted)
	}
	if n := len(res.Undeployed); n > 0 {
		fmt.Fprintf(e.stdout, "  %s deployed nowhere: every target meant for them refused them (refusals.json marks their refusals deployed_nowhere)\n", textutil.Plural(n, "detection"))
	}
	writeLanguages(e.stdout, s.Deployments, res.Languages)
	writeSources(e.stdout, res.Sources)
	return cli.ExitOK
}

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

// writeSources says, for each log source a deployment reads from
// alternative sources, how many rules read each (the profile picks one per
// rule: the first that expresses it).
func writeSources(w io.Writer, counts []build.SourceCount) {
	for i := 0; i < len(counts); {
		j := i
		var parts []string
		for ; j < len(counts) && counts[j].Deployment == counts[i].Deployment && counts[j].LogSource == counts[i].LogSource; j++ {
			parts = append(parts, fmt.Sprintf("%d from %s", counts[j].Rules, counts[j].Label))
		}
		fmt.Fprintf(w, "  %s, %s: %s\n", counts[i].Deployment, counts[i].LogSource, strings.Join(parts, ", "))
		i = j
	}
}

// writeLanguages says, for each deployment of a target with several query
// languages, how many rules it deploys in each (elastic picks the
// language per rule unless the deployment sets one).
func writeLanguages(w io.Writer, deps []build.Deployment, counts []build.LanguageCount) {
	several := map[string]bool{}
	for _, d := range deps {
		several[d.Name()] = len(d.Backend.Langs()) > 1
	}
	var order []string
	byDep := map[string][]string{}
	for _, c := range counts {
		if !several[c.Deployment] {
			continue
		}
		if _, ok := byDep[c.Deployment]; !ok {
			order = append(order, c.Deployment)
		}
		byDep[c.Deployment] = append(byDep[c.Deployment], fmt.Sprintf("%d %s", c.Rules, c.Lang))
	}
	for _, d := range order {
		fmt.Fprintf(w, "  %s: %s\n", d, strings.Join(byDep[d], ", "))
	}
}
