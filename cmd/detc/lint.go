package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/detc/detc/internal/cli"
	"github.com/detc/detc/internal/lint"
	"github.com/detc/detc/internal/project"
)

var lintCmd = &subcommand{
	Command: cli.Command{
		Name:    "lint",
		Summary: "check detections for errors and missing metadata",
		Usage:   "detc lint [--format text|json|sarif|junit|github] [--fixtures DIR] [--attack FILE] [--check CODE=off|warning|error]... [PATH...]",
		Detail: `Loads every .hcl, .yml and .yaml file under the paths and reports
problems as file:line:col: severity: message. Errors make the exit status 1;
warnings do not. Besides what the loaders find, lint checks metadata,
unique ids, ATT&CK ids, conditions against searches, values, and that every
detection is proved on fixtures (a positive and a negative case). With
--format text diagnostics go to stderr and a summary to stdout; other
formats write to stdout: json one document, sarif a SARIF 2.1.0 log for
code review, junit JUnit XML (a test case per file), github one workflow
annotation per diagnostic and the summary. sarif, junit and github name
files relative to the repository's top folder.

--check CODE=off|warning|error (repeatable) sets a check's severity, over
the project file's check blocks; 'detc list checks' lists the codes.`,
		Example: "detc lint detections/\ndetc lint --format json detections/ > lint.json\ndetc lint --check fixture-coverage=off --check unknown-field=error detections/",
	},
	run: runLint,
}

func runLint(c *cli.Command, e *env, args []string) int {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	format := fs.String("format", "text", "output format: "+strings.Join(cli.Formats(), ", "))
	pf := project.AddFlags(fs, project.Fixtures|project.Checks)
	attackFile := attackFlag(fs)
	paths, err := cli.Parse(c, fs, args, e.stdout, e.stderr)
	if err != nil {
		return cli.Exit(err)
	}
	report, ok := cli.LookupReporter(*format)
	if !ok {
		cli.Usagef(e.stderr, c.Name, "unknown format %q (formats: %s)", *format, strings.Join(cli.Formats(), ", "))
		return cli.ExitUsage
	}
	s, code := openProject(c, e, pf, paths)
	if s == nil {
		return code
	}
	if !useAttack(*attackFile, e.stderr) {
		return cli.ExitFail
	}
	set, diags := loadDetections(paths, s)
	diags = lintDetections(set, diags, s, lint.Check(set))
	if err := report(e.stdout, e.stderr, cli.Result{Diags: diags, Sources: set.Sources, Files: len(set.Files), Rules: len(set.Rules), FileNames: set.Files, Version: version}); err != nil {
		fmt.Fprintf(e.stderr, "detc lint: %v\n", err)
		return cli.ExitFail
	}
	if diags.HasErrors() {
		return cli.ExitFail
	}
	return cli.ExitOK
}
