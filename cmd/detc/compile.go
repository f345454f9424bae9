package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/build"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/cli"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/parallel"
	"github.com/detc/detc/internal/project"
	"github.com/detc/detc/internal/rule"
)

var compileCmd = &subcommand{
	Command: cli.Command{
		Name:    "compile",
		Summary: "print each rule's query for one target",
		Usage:   "detc compile --target splunk|kql|elastic [--profile NAME]... [--lang L] [--variant V] [--mapping FILE]... [--index I] [--json] [PATH...]",
		Detail: `Prints, for each rule, a "# <rule id> <title>" line and the query, with
a blank line between rules. With --json it prints one JSON object per rule
per line: {"rule_id","title","file","target","profile","lang","query"}, or
"error": {"message","line","column"} in place of "lang" and "query" when the
target refuses the rule. "lang" is the query language, which the elastic
target picks per rule without --lang (lucene, or esql where Lucene cannot
say the rule exactly). "source", where the profile reads the rule's log
source from alternative sources, names the one the rule reads (the first
that expresses it: "Sysmon event 1 (WindowsEvent)"). A refusal is also reported on stderr and makes the exit status 1.

--profile picks the field mapping (each target's first profile is its
default; "raw" keeps the rule's field names); with several, each rule is
printed once per profile. --mapping merges a mapping file over the
profile. --lang picks the query language where a target has several.
--variant picks an alternative form of a target's query: splunk "tstats"
searches accelerated CIM data models (rules it cannot express that way are
refused, not weakened). --index names where every log source is read
(Splunk index, Elastic index pattern). The project file (detc.hcl) gives
the defaults of each; the flags override it.

` + targetsHelp(),
		Example: "detc compile --target splunk detections/\ndetc compile --target kql --profile defender-xdr --json detections/process_creation/\ndetc compile --target elastic --lang eql detections/process_creation/",
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
	Lang    string        `json:"lang,omitempty"`
	Source  string        `json:"source,omitempty"`
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
	pf := project.AddFlags(fs, project.Compile)
	asJSON := fs.Bool("json", false, "print one JSON object per rule per line")
	paths, err := cli.Parse(c, fs, args, e.stdout, e.stderr)
	if err != nil {
		return cli.Exit(err)
	}
	switch len(pf.Targets) {
	case 0:
		cli.Usagef(e.stderr, c.Name, "--target is required (targets: %s)", strings.Join(registry.Names(), ", "))
		return cli.ExitUsage
	case 1:
	default:
		cli.Usagef(e.stderr, c.Name, "give one --target, not %d (targets: %s)", len(pf.Targets), strings.Join(registry.Names(), ", "))
		return cli.ExitUsage
	}
	s, code := openProject(c, e, pf, paths)
	if s == nil {
		return code
	}
	set, diags := load.Within(s.Root, paths)
	cli.WriteDiagnostics(e.stderr, diags, set.Sources)
	failed := diags.HasErrors()
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	printed := 0
	// Rules are checked and compiled on every core; the output keeps the
	// rules' order.
	results := parallel.Map(set.Rules, func(r *rule.Rule) compileResult {
		checked, diags := check.Run(r)
		res := compileResult{diags: diags, checked: checked != nil}
		if checked != nil {
			for _, dep := range s.Deployments {
				q, err := dep.Backend.Compile(checked, dep.Options)
				res.queries = append(res.queries, compiledQuery{q, err})
			}
		}
		return res
	})
	for i, r := range set.Rules {
		res := results[i]
		cli.WriteDiagnostics(e.stderr, res.diags, set.Sources)
		for j, dep := range s.Deployments {
			b := dep.Backend
			out := compiled{RuleID: r.ID, Title: r.Title, File: r.File, Target: b.Name(), Profile: dep.Profile()}
			switch {
			case !res.checked:
				// A mistake in the rule, not a limit of the target.
				failed = true
				d := firstError(res.diags)
				out.Error = &compileError{Message: d.Summary, Line: d.Pos.Line, Column: d.Pos.Col}
			case res.queries[j].err != nil:
				failed = true
				d := build.Refused(r, b.Name(), dep.Profile(), res.queries[j].err, rule.Error)
				cli.WriteDiagnostics(e.stderr, rule.Diagnostics{d}, set.Sources)
				out.Error = &compileError{Message: d.Summary, Line: d.Pos.Line, Column: d.Pos.Col}
			default:
				q := res.queries[j].q
				out.Profile = q.Profile
				out.Lang = q.Lang
				if q.Source != nil {
					out.Source = q.Source.Label
				}
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
				header := r.ID + " " + r.Title
				if len(s.Deployments) > 1 {
					header += " (" + dep.Profile() + ")"
				}
				fmt.Fprintf(e.stdout, "# %s\n%s\n", header, strings.TrimRight(*out.Query, "\n"))
			}
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
	// queries are the rule's, one per deployment, when it checked.
	queries []compiledQuery
}

type compiledQuery struct {
	q   *target.Query
	err error
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

// targetsHelp lists the targets, their profiles (the first the default),
// languages and variants, for help texts.
func targetsHelp() string {
	var b strings.Builder
	b.WriteString("Targets (profiles, the first the default; languages; variants):")
	for _, t := range registry.All() {
		fmt.Fprintf(&b, "\n  %-8s profiles: %s; languages: %s", t.Name(), strings.Join(t.Profiles(), ", "), strings.Join(t.Langs(), ", "))
		if v := t.Variants(); len(v) > 0 {
			fmt.Fprintf(&b, "; variants: %s", strings.Join(v, ", "))
		}
	}
	return b.String()
}
