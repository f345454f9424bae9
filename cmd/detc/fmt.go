package main

import (
	"bytes"
	"flag"
	"fmt"

	"github.com/detc/detc/internal/cli"
	"github.com/detc/detc/internal/hclrule"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/rule"
)

var fmtCmd = &subcommand{
	Command: cli.Command{
		Name:    "fmt",
		Summary: "rewrite HCL detections in canonical form",
		Usage:   "detc fmt [--check] [PATH...]",
		Detail: `Rewrites each .hcl file under the paths in canonical form (two-space
indents, aligned equals signs, one final newline) and prints the names of
the files it changed. A file with a syntax error is reported and left as it
is. Each file is replaced whole (written beside it, then renamed over it).
Sigma YAML files are not touched.

With --check nothing is written: the files that would change are listed on
stdout and the exit status is 1 if there are any.`,
		Example: "detc fmt detections/\ndetc fmt --check detections/   # in CI",
	},
	run: runFmt,
}

func runFmt(c *cli.Command, e *env, args []string) int {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	check := fs.Bool("check", false, "list the files that are not formatted, write nothing, exit 1 if any")
	paths, err := cli.Parse(c, fs, args, e.stdout, e.stderr)
	if err != nil {
		return cli.Exit(err)
	}
	files, diags := load.Find(paths)
	sources := map[string][]byte{}
	changed := 0
	for _, f := range files {
		if !load.IsHCL(f) {
			continue
		}
		data, d := load.Read(f)
		diags = append(diags, d...)
		if data == nil {
			continue
		}
		sources[f] = data
		out, d := hclrule.Format(hclrule.File{Name: f, Data: data})
		diags = append(diags, d...)
		if d.HasErrors() || out == nil || bytes.Equal(out, data) {
			continue
		}
		changed++
		if !*check {
			if err := cli.WriteFile(f, out, 0o644); err != nil {
				diags.Errorf(rule.Pos{File: f}, "write-failed", "cannot write %s: %v", f, err)
				continue
			}
		}
		fmt.Fprintln(e.stdout, f)
	}
	cli.WriteDiagnostics(e.stderr, diags, sources)
	if diags.HasErrors() || (*check && changed > 0) {
		return cli.ExitFail
	}
	return cli.ExitOK
}
