package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/detc/detc/internal/cli"
	"github.com/detc/detc/internal/diff"
	"github.com/detc/detc/internal/project"
)

var diffCmd = &subcommand{
	Command: cli.Command{
		Name:    "diff",
		Summary: "show what changed in the compiled detections between two git revisions",
		Usage:   "detc diff [--base REV] [--head REV] [--format markdown|json] [--parts query,deployment,runbook] [--max-bytes N] [PATH...]",
		Detail: `Compiles the detections under the paths at two git revisions, the way
detc build does, and prints for each detection that differs (matched by id)
and each target the diff of its query, its deployment files and its
runbook. Added, removed and renamed detections (same id, another file, name
or title) are named as such; unchanged detections are not mentioned.

--head defaults to the work tree as it is; --base defaults to the merge
base of the head (HEAD for the work tree) and the main branch (main,
origin/main, master or origin/master, the first that exists). Paths are relative to the current
folder, as for the other commands; files in the report are relative to the
repository's top folder.

--format markdown (the default) writes a report to post as a pull-request
comment; --format json writes an array of
{"rule_id","title","status","old_file","new_file","changes":[{"target","part","diff"}]}
with status added, removed, renamed or changed and part query, deployment
or runbook.

Long changed lines (a query compiled to one line) are diffed word by
word. A deployment file or runbook hunk that only repeats a query change
is left out and counted. --parts shows only some parts (for example
--parts query). The markdown report stays within --max-bytes (default
65536, what a GitHub comment holds): the summary and every detection's
heading always, then query, deployment and runbook diffs while they fit,
and a closing note on what was left out.

The exit status is 0 whether or not anything changed; 1 when the
detections on either side do not load; 2 for a usage error (not in a git
repository, an unknown revision). Both sides are compiled for the targets
and profiles the project deploys (detc.hcl of the working tree; the flags
override it, as for detc build).`,
		Example: "detc diff\ndetc diff --base origin/main --format json detections/ > diff.json\ndetc diff --base v1.2.0 --head HEAD detections/proxy",
	},
	run: runDiff,
}

// diffFormats are the --format values of detc diff.
var diffFormats = []string{"markdown", "json"}

func runDiff(c *cli.Command, e *env, args []string) int {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	base := fs.String("base", "", "old `revision` (default: the merge base of the head and the main branch)")
	head := fs.String("head", "", "new `revision` (default: the work tree)")
	format := fs.String("format", "markdown", "output format: "+strings.Join(diffFormats, ", "))
	pf := project.AddFlags(fs, project.Compile|project.Package)
	maxBytes := fs.Int("max-bytes", diff.DefaultMaxBytes, "size budget of the markdown report (0: no limit)")
	partList := fs.String("parts", strings.Join(diff.Parts, ","), "comma-separated `parts` to show: "+strings.Join(diff.Parts, ", "))
	paths, err := cli.Parse(c, fs, args, e.stdout, e.stderr)
	if err != nil {
		return cli.Exit(err)
	}
	if !slices.Contains(diffFormats, *format) {
		cli.Usagef(e.stderr, c.Name, "unknown format %q (formats: %s)", *format, strings.Join(diffFormats, ", "))
		return cli.ExitUsage
	}
	var parts []string
	for _, p := range strings.Split(*partList, ",") {
		p = strings.TrimSpace(p)
		if !slices.Contains(diff.Parts, p) {
			cli.Usagef(e.stderr, c.Name, "unknown part %q (parts: %s)", p, strings.Join(diff.Parts, ", "))
			return cli.ExitUsage
		}
		parts = append(parts, p)
	}
	if *maxBytes < 0 {
		cli.Usagef(e.stderr, c.Name, "--max-bytes must be 0 (no limit) or more, not %d", *maxBytes)
		return cli.ExitUsage
	}
	dir, err := os.Getwd()
	if err != nil {
		fmt.Fprintf(e.stderr, "detc diff: %v\n", err)
		return cli.ExitFail
	}
	s, code := openProject(c, e, pf, paths)
	if s == nil {
		return code
	}
	res, err := diff.Run(diff.Options{Dir: dir, Base: *base, Head: *head, Paths: paths, Top: s.Root, Deployments: s.Deployments, Enabled: s.Enabled})
	var usage *diff.UsageError
	var loadErr *diff.LoadError
	switch {
	case errors.As(err, &usage):
		cli.Usagef(e.stderr, c.Name, "%s", usage.Msg)
		return cli.ExitUsage
	case errors.As(err, &loadErr):
		cli.WriteDiagnostics(e.stderr, loadErr.Diags, loadErr.Sources)
		fmt.Fprintf(e.stderr, "detc diff: %v\n", loadErr)
		return cli.ExitFail
	case err != nil:
		fmt.Fprintf(e.stderr, "detc diff: %v\n", err)
		return cli.ExitFail
	}
	res.Keep(parts)
	if *format == "json" {
		err = res.WriteJSON(e.stdout)
	} else {
		err = res.WriteMarkdown(e.stdout, *maxBytes)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "detc diff: %v\n", err)
		return cli.ExitFail
	}
	return cli.ExitOK
}
