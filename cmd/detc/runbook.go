package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/detc/detc/internal/build"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/cli"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/project"
	"github.com/detc/detc/internal/rule"
)

var runbookCmd = &subcommand{
	Command: cli.Command{
		Name:    "runbook",
		Summary: "write the analyst runbook of each detection as Markdown",
		Usage:   "detc runbook [--rule ID] [--out DIR] [--target T]... [--profile [T=]P]... [--mapping [T=]FILE]... [--lang [T=]L] [PATH...]",
		Detail: `Writes each detection's runbook: what it looks at, its query for every
target, and the triage card and playbook of its ATT&CK technique (from the
*.card.yml files under the paths), with the investigation pivots compiled.
Without --out the runbooks go to stdout, one after another; with --out each
goes to DIR/<rule id>.md. Load the whole tree so that cards and pivots are
found, and pick one detection with --rule. The queries are those of the
targets and profiles the project deploys (detc.hcl; the flags override it,
as for detc build).`,
		Example: "detc runbook --rule 7d3f6a2e-5b1c-4f0a-9e6d-2c8b1a4f5e01 detections/\ndetc runbook --out runbooks/ detections/",
	},
	run: runRunbook,
}

func runRunbook(c *cli.Command, e *env, args []string) int {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	only := fs.String("rule", "", "write only the rule with this `id` or name")
	out := fs.String("out", "", "write DIR/<rule id>.md files instead of printing")
	pf := project.AddFlags(fs, project.Compile)
	paths, err := cli.Parse(c, fs, args, e.stdout, e.stderr)
	if err != nil {
		return cli.Exit(err)
	}
	s, code := openProject(c, e, pf, paths)
	if s == nil {
		return code
	}
	set, diags := load.Within(s.Root, paths)
	cli.WriteDiagnostics(e.stderr, diags, set.Sources)
	failed := diags.HasErrors()
	var detections []*rule.Rule
	for _, r := range set.Rules {
		if !r.IsPivot() {
			detections = append(detections, r)
		}
	}
	rules, err := pick(detections, *only)
	if err != nil {
		fmt.Fprintf(e.stderr, "detc runbook: %v\n", err)
		return cli.ExitFail
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			fmt.Fprintf(e.stderr, "detc runbook: %v\n", err)
			return cli.ExitFail
		}
	}
	checked, checkDiags := check.All(set.RunbookRules())
	cli.WriteDiagnostics(e.stderr, checkDiags, set.Sources)
	failed = failed || checkDiags.HasErrors()
	byRule := map[*rule.Rule]*check.Rule{}
	for _, c := range checked {
		byRule[c.Rule] = c
	}
	render := build.Runbooks(checked, s.Deployments, set.Cards)
	for i, r := range rules {
		c := byRule[r]
		if c == nil {
			continue // its errors are reported above
		}
		md, err := render(c)
		if err != nil {
			rbErr := &build.RunbookError{Rule: r, Err: err}
			cli.WriteDiagnostics(e.stderr, rule.Diagnostics{rbErr.Diagnostic()}, set.Sources)
			failed = true
			continue
		}
		if *out == "" {
			if i > 0 {
				fmt.Fprintln(e.stdout)
			}
			fmt.Fprint(e.stdout, md)
			continue
		}
		if err := cli.WriteFile(filepath.Join(*out, build.FileName(r.ID)+".md"), []byte(md), 0o644); err != nil {
			fmt.Fprintf(e.stderr, "detc runbook: %v\n", err)
			return cli.ExitFail
		}
	}
	if failed {
		return cli.ExitFail
	}
	return cli.ExitOK
}
