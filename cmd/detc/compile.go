package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/build"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/cli"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/parallel"
	"github.com/detc/detc/internal/rule"
)

var compileCmd = &subcommand{
	Command: cli.Command{
		Name:    "compile",
		Summary: "print each rule's query for one target",
		Usage:   "detc compile --target splunk|kql|elastic [--profile NAME] [--lang L] [--variant V] [--mapping FILE] [--json] [PATH...]",
		Detail: `Prints, for each rule, a "# <rule id> <title>" line and the query, with
a blank line between rules. With --json it prints one JSON object per rule
per line: {"rule_id","title","file","target","profile","query"}, or "error":
{"message","line","column"} in place of "query" when the target refuses the
rule. A refusal is also reported on stderr and makes the exit status 1.

--profile picks the field mapping (each target's first profile is its
default; "raw" keeps the rule's field names). --mapping merges a mapping
file over the profile. --lang picks the query language where a target has
several (elastic: lucene, eql, esql). --variant picks an alternative form
of a target's query: splunk "tstats" searches accelerated CIM data models
(rules it cannot express that way are refused, not weakened).`,
		Example: "detc compile --target splunk detections/\ndetc compile --target kql --profile raw --json detections/proxy_webhook.hcl",
	},
	run: runCompile,
}

// compiled is one line of compile --json.
type compiled struct {
	RuleID  string        `json:"rule_id"`
	Title   string        `json:"title"`
	File    string        `json:"file"`
	Target  string        `json:"target"`
	Profile string        `json:"profile"`
	Query   *string       `json:"query,omitempty"`
	Error   *compileError `json:"error,omitempty"`
}

type compileError struct {
	Message string `json:"message"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
}

func runCompile(c *cli.Command, e *env, args []string) int {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	targetName := fs.String("target", "", "target: "+strings.Join(registry.Names(), ", ")+" (required)")
	profile := fs.String("profile", "", "field-mapping profile (default: the target's first)")
	lang := fs.String("lang", "", "query language, where the target has several (default: the target's first)")
	mappingFile := fs.String("mapping", "", "YAML mapping `file` merged over the profile")
	variant := fs.String("variant", "", "a target's alternative form: splunk \"tstats\" (reads accelerated data models, as the searches detc build deploys do; default: | datamodel, for ad-hoc use)")
	asJSON := fs.Bool("json", false, "print one JSON object per rule per line")
	paths, err := cli.Parse(c, fs, args, e.stdout, e.stderr)
	if err != nil {
		return cli.Exit(err)
	}
	b, opts, err := targetOptions(c, e, *targetName, *profile, *lang, *variant)
	if err != nil {
		return cli.ExitUsage
	}
	if *mappingFile != "" {
		var ok bool
		if opts.Overrides, ok = readMapping(e.stderr, *mappingFile, b.Name()); !ok {
			return cli.ExitFail
		}
	}
	set, diags := load.Paths(paths)
	cli.WriteDiagnostics(e.stderr, diags, set.Sources)
	failed := diags.HasErrors()
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	printed := 0
	// Rules are checked and compiled on every core; the output keeps the
	// rules' order.
	results := parallel.Map(set.Rules, func(r *rule.Rule) compileResult {
		checked, diags := check.Run(r)
		if checked == nil {
			return compileResult{diags: diags}
		}
		q, err := b.Compile(checked, opts)
		return compileResult{diags, true, q, err}
	})
	for i, r := range set.Rules {
		res := results[i]
		out := compiled{RuleID: r.ID, Title: r.Title, File: r.File, Target: b.Name(), Profile: opts.Profile}
		cli.WriteDiagnostics(e.stderr, res.diags, set.Sources)
		if !res.checked {
			// A mistake in the rule, not a limit of the target.
			failed = true
			d := firstError(res.diags)
			out.Error = &compileError{Message: d.Summary, Line: d.Pos.Line, Column: d.Pos.Col}
			if *asJSON {
				if err := enc.Encode(out); err != nil {
					fmt.Fprintf(e.stderr, "detc compile: %v\n", err)
					return cli.ExitFail
				}
			}
			continue
		}
		q, err := res.q, res.err
		if err != nil {
			failed = true
			d := build.Refused(r, b.Name(), opts.Profile, err, rule.Error)
			cli.WriteDiagnostics(e.stderr, rule.Diagnostics{d}, set.Sources)
			out.Error = &compileError{Message: d.Summary, Line: d.Pos.Line, Column: d.Pos.Col}
		} else {
			out.Profile = q.Profile
			out.Query = &q.Text
		}
		switch {
		case *asJSON:
			if err := enc.Encode(out); err != nil {
				fmt.Fprintf(e.stderr, "detc compile: %v\n", err)
				return cli.ExitFail
			}
		case out.Query != nil:
			if printed > 0 {
				fmt.Fprintln(e.stdout)
			}
			printed++
			fmt.Fprintf(e.stdout, "# %s %s\n%s\n", r.ID, r.Title, strings.TrimRight(*out.Query, "\n"))
		}
	}
	if failed {
		return cli.ExitFail
	}
	return cli.ExitOK
}

// compileResult is what checking and compiling one rule gave.
type compileResult struct {
	diags   rule.Diagnostics
	checked bool
	q       *target.Query
	err     error
}

// firstError is the first error of diagnostics that have one.
func firstError(diags rule.Diagnostics) rule.Diagnostic {
	for _, d := range diags {
		if d.Severity == rule.Error {
			return d
		}
	}
	return rule.Diagnostic{}
}

// targetOptions checks --target, --profile, --lang and --variant, reporting
// a usage error for a value the backend does not know.
func targetOptions(c *cli.Command, e *env, name, profile, lang, variant string) (target.Backend, target.Options, error) {
	if name == "" {
		return nil, target.Options{}, cli.Usagef(e.stderr, c.Name, "--target is required (targets: %s)", strings.Join(registry.Names(), ", "))
	}
	b, ok := registry.Lookup(name)
	if !ok {
		return nil, target.Options{}, cli.Usagef(e.stderr, c.Name, "unknown target %q (targets: %s)", name, strings.Join(registry.Names(), ", "))
	}
	if profile == "" {
		profile = b.Profiles()[0]
	}
	opts := target.Options{Profile: profile, Lang: lang, Variant: variant}
	if err := target.CheckOptions(b, opts); err != nil {
		return nil, target.Options{}, cli.Usagef(e.stderr, c.Name, "%v", err)
	}
	return b, opts, nil
}

// readMapping reads a user mapping file for a target. Its problems are
// diagnostics at their file:line:col, written with the source line.
func readMapping(w io.Writer, file, targetName string) (*mapping.Profile, bool) {
	data, diags := load.ReadText(file, "a mapping file", mapping.MaxFileSize)
	if diags.HasErrors() {
		cli.WriteDiagnostics(w, diags, nil)
		return nil, false
	}
	schema, _ := mapping.SchemaFor(targetName)
	p, err := mapping.Parse(file, data, schema)
	if err != nil {
		var ds rule.Diagnostics
		if !errors.As(err, &ds) {
			ds.Errorf(rule.Pos{File: file}, "mapping", "%v", err)
		}
		cli.WriteDiagnostics(w, ds, map[string][]byte{file: data})
		return nil, false
	}
	return p, true
}
