package main

import (
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/detc/detc/internal/cli"
	"github.com/detc/detc/internal/fixture"
	"github.com/detc/detc/internal/project"
	"github.com/detc/detc/internal/report"
)

var testCmd = &subcommand{
	Command: cli.Command{
		Name:    "test",
		Summary: "prove each detection on its fixture logs with detc's evaluator",
		Usage:   "detc test [--format text|json|junit|sarif|github] [--fixtures DIR] [--attack FILE] [--check CODE=LEVEL]... [PATH...]",
		Detail: `Runs every detection over the fixture files its tests name (HCL test
blocks, or *.test.yml sidecars under --fixtures for Sigma rules) with detc's
evaluator, and checks that exactly the events a test lists match (or, for
an aggregation, that exactly the expected alerts fire). A failure shows the
event, what was expected, what happened and which searches and fields
decided it. The report goes to stdout; the exit status is 1 if any
detection fails or does not load. --format junit writes a test suite per
detection file; sarif (SARIF 2.1.0) and github (workflow annotations, then
the count) place each failure at the test that failed.

A detection without tests fails, unless the fixture-coverage check is off
or a warning (--check fixture-coverage=off, or a check block in detc.hcl):
it is then reported as skipped. --fixtures is relative to the project root
(the folder of detc.hcl, else the repository's top).`,
		Example: "detc test detections/\ndetc test --format junit detections/ > test-results.xml",
	},
	run: runTest,
}

func runTest(c *cli.Command, e *env, args []string) int {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	format := fs.String("format", "text", "report format: "+strings.Join(report.TestFormats, ", "))
	pf := project.AddFlags(fs, project.Fixtures|project.Checks)
	attackFile := attackFlag(fs)
	paths, err := cli.Parse(c, fs, args, e.stdout, e.stderr)
	if err != nil {
		return cli.Exit(err)
	}
	if !slices.Contains(report.TestFormats, *format) {
		cli.Usagef(e.stderr, c.Name, "unknown format %q (formats: %s)", *format, strings.Join(report.TestFormats, ", "))
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
	diags = s.Checks.Apply(diags)
	cli.WriteDiagnostics(e.stderr, diags, set.Sources)
	rep := fixture.Run(set.Rules, fixture.Options{SkipUntested: s.Checks.Below(fixture.CodeCoverage, project.LevelError)})
	rep.AddUnloaded(set.Unloaded, diags)
	if err := report.WriteTest(e.stdout, *format, rep, cli.Tool(version), report.Here()); err != nil {
		fmt.Fprintf(e.stderr, "detc test: %v\n", err)
		return cli.ExitFail
	}
	if diags.HasErrors() || rep.Failed() > 0 {
		return cli.ExitFail
	}
	return cli.ExitOK
}
