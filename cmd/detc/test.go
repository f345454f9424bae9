package main

import (
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/detc/detc/internal/cli"
	"github.com/detc/detc/internal/fixture"
)

var testCmd = &subcommand{
	Command: cli.Command{
		Name:    "test",
		Summary: "prove each detection on its fixture logs with detc's evaluator",
		Usage:   "detc test [--format text|json|junit] [--fixtures DIR] [PATH...]",
		Detail: `Runs every detection over the fixture files its tests name (HCL test
blocks, or *.test.yml sidecars under --fixtures for Sigma rules) with detc's
evaluator, and checks that exactly the events a test lists match (or, for
an aggregation, that exactly the expected alerts fire). A failure shows the
event, what was expected, what happened and which searches and fields
decided it. The report goes to stdout; the exit status is 1 if any
detection fails or does not load.`,
		Example: "detc test detections/\ndetc test --format junit detections/ > test-results.xml",
	},
	run: runTest,
}

func runTest(c *cli.Command, e *env, args []string) int {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	format := fs.String("format", "text", "report format: "+strings.Join(fixture.Formats, ", "))
	fixtures := fixturesFlag(fs)
	paths, err := cli.Parse(c, fs, args, e.stdout, e.stderr)
	if err != nil {
		return cli.Exit(err)
	}
	if !slices.Contains(fixture.Formats, *format) {
		cli.Usagef(e.stderr, c.Name, "unknown format %q (formats: %s)", *format, strings.Join(fixture.Formats, ", "))
		return cli.ExitUsage
	}
	set, diags := loadDetections(paths, *fixtures)
	cli.WriteDiagnostics(e.stderr, diags, set.Sources)
	rep := fixture.Run(set.Rules, fixture.Options{})
	if err := rep.Write(e.stdout, *format); err != nil {
		fmt.Fprintf(e.stderr, "detc test: %v\n", err)
		return cli.ExitFail
	}
	if diags.HasErrors() || rep.Failed() > 0 {
		return cli.ExitFail
	}
	return cli.ExitOK
}
