package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/build"
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
	b, opts, err := targetOptions(c, e, *targetName, *profile, *lang)
	if err != nil {
		return cli.ExitUsage
	}
	opts.Variant = *variant
	if *mappingFile != "" {
		if opts.Overrides, err = readMapping(*mappingFile, b.Name()); err != nil {
			fmt.Fprintln(e.stderr, err)
			return cli.ExitFail
		}
	}
	set, diags := load.Paths(paths)
	cli.WriteDiagnostics(e.stderr, diags, set.Sources)
	failed := diags.HasErrors()
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	printed := 0
	// Rules compile on every core; the output keeps the rules' order.
	results := parallel.Map(set.Rules, func(r *rule.Rule) compileResult {
		q, err := b.Compile(r, opts)
		return compileResult{q, err}
	})
	for i, r := range set.Rules {
		q, err := results[i].q, results[i].err
		out := compiled{RuleID: r.ID, Title: r.Title, File: r.File, Target: b.Name(), Profile: opts.Profile}
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

type compileResult struct {
	q   *target.Query
	err error
}

// targetOptions checks --target, --profile and --lang, reporting a usage
// error for a value the backend does not know.
func targetOptions(c *cli.Command, e *env, name, profile, lang string) (target.Backend, target.Options, error) {
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
	if !slices.Contains(b.Profiles(), profile) {
		return nil, target.Options{}, cli.Usagef(e.stderr, c.Name, "target %s has no profile %q (profiles: %s)", name, profile, strings.Join(b.Profiles(), ", "))
	}
	if lang != "" && !slices.Contains(b.Langs(), lang) {
		return nil, target.Options{}, cli.Usagef(e.stderr, c.Name, "target %s has no language %q (languages: %s)", name, lang, strings.Join(b.Langs(), ", "))
	}
	return b, target.Options{Profile: profile, Lang: lang}, nil
}

// readMapping reads a user mapping file for a target.
func readMapping(file, targetName string) (*mapping.Profile, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%s: error: cannot read the mapping file: %v", file, err)
	}
	p, err := mapping.Parse(file, data)
	if err != nil {
		return nil, fmt.Errorf("%s: error: mapping file: %v", file, strings.TrimPrefix(err.Error(), file+": "))
	}
	if p.Target != "" && p.Target != targetName {
		return nil, fmt.Errorf("%s: error: the mapping is for target %q, not %q", file, p.Target, targetName)
	}
	return p, nil
}
