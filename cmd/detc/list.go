package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/internal/cli"
	"github.com/detc/detc/internal/lint"
	"github.com/detc/detc/internal/logs"
	"github.com/detc/detc/internal/report"
)

var listCmd = &subcommand{
	Command: cli.Command{
		Name:    "list",
		Summary: "list the targets, profiles, languages, formats and checks this detc has",
		Usage:   "detc list [--json] targets|profiles|languages|formats|checks",
		Detail: `Prints what the flags of the other commands accept: targets (--target),
profiles (--profile; the first of a target is its default), languages
(--lang), formats (--format of lint, test and diff, --log-format of hunt)
and checks (the codes --check and check blocks set the severity of). With
--json it prints one JSON array.`,
		Example: "detc list targets\ndetc list profiles\ndetc list --json checks",
	},
	run: runList,
}

// listKinds are the things detc list lists.
var listKinds = []string{"targets", "profiles", "languages", "formats", "checks"}

// listRow is one line of detc list; JSON keys are the column names.
type listRow []struct{ key, value string }

func runList(c *cli.Command, e *env, args []string) int {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print a JSON array")
	rest, err := cli.Parse(c, fs, args, e.stdout, e.stderr)
	if err != nil {
		return cli.Exit(err)
	}
	if len(rest) != 1 || !slices.Contains(listKinds, rest[0]) {
		cli.Usagef(e.stderr, c.Name, "say what to list: %s", strings.Join(listKinds, ", "))
		return cli.ExitUsage
	}
	rows := listRows(rest[0])
	if *asJSON {
		out := make([]map[string]string, len(rows))
		for i, r := range rows {
			out[i] = map[string]string{}
			for _, kv := range r {
				out[i][kv.key] = kv.value
			}
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(e.stderr, "detc list: %v\n", err)
			return cli.ExitFail
		}
		return cli.ExitOK
	}
	if len(rows) > 0 {
		header := make(listRow, len(rows[0]))
		for i, kv := range rows[0] {
			header[i].key, header[i].value = kv.key, strings.ToUpper(kv.key)
		}
		rows = append([]listRow{header}, rows...)
	}
	widths := map[int]int{}
	for _, r := range rows {
		for i, kv := range r {
			widths[i] = max(widths[i], len(kv.value))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, kv := range r {
			if i == len(r)-1 {
				b.WriteString(kv.value)
				break
			}
			fmt.Fprintf(&b, "%-*s  ", widths[i], kv.value)
		}
		fmt.Fprintln(e.stdout, strings.TrimRight(b.String(), " "))
	}
	return cli.ExitOK
}

func row(kvs ...string) listRow {
	r := make(listRow, 0, len(kvs)/2)
	for i := 0; i+1 < len(kvs); i += 2 {
		r = append(r, struct{ key, value string }{kvs[i], kvs[i+1]})
	}
	return r
}

func listRows(kind string) []listRow {
	var rows []listRow
	switch kind {
	case "targets":
		for _, b := range registry.All() {
			rows = append(rows, row("target", b.Name(), "default_profile", b.Profiles()[0],
				"languages", strings.Join(b.Langs(), ","), "variants", strings.Join(b.Variants(), ","), "title", registry.Products(b)[0].Title))
		}
	case "profiles":
		descriptions := map[string]string{}
		for _, p := range registry.Mappings() {
			descriptions[p.Target+"/"+p.Name] = p.Description
		}
		for _, b := range registry.All() {
			for i, p := range b.Profiles() {
				def := ""
				if i == 0 {
					def = "default"
				}
				rows = append(rows, row("target", b.Name(), "profile", p, "default", def, "description", descriptions[b.Name()+"/"+p]))
			}
		}
	case "languages":
		for _, b := range registry.All() {
			for i, l := range b.Langs() {
				def := ""
				if i == 0 {
					def = "default"
				}
				rows = append(rows, row("target", b.Name(), "language", l, "default", def))
			}
		}
	case "formats":
		for _, f := range cli.Formats() {
			rows = append(rows, row("command", "lint", "flag", "--format", "format", f))
		}
		for _, f := range report.TestFormats {
			rows = append(rows, row("command", "test", "flag", "--format", "format", f))
		}
		for _, f := range diffFormats {
			rows = append(rows, row("command", "diff", "flag", "--format", "format", f))
		}
		for _, f := range logs.Names() {
			rows = append(rows, row("command", "hunt", "flag", "--log-format", "format", f))
		}
	case "checks":
		for _, c := range lint.Checks {
			rows = append(rows, row("code", c.Code, "severity", c.Severity, "what", c.What))
		}
	}
	return rows
}
