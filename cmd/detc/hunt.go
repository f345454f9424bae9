package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/detc/detc/internal/cli"
	"github.com/detc/detc/internal/hunt"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/logs"
	"github.com/detc/detc/internal/rule"
)

var huntCmd = &subcommand{
	Command: cli.Command{
		Name:    "hunt",
		Summary: "run the detections over log files and print the alerts",
		Usage:   "detc hunt [--rules PATH]... [--rule ID] [--log-format F] [--time-field NAME] [--timeout D] [--jobs N] LOG...",
		Detail: `Streams each log file (plain or gzip, any size; "-" is stdin) through the
detections with detc's evaluator and prints one JSON object per alert on
stdout: rule_id, title, level, time, file, line and the event (for an
aggregation, the group, value and window). Files are read in the order
given and aggregations run across them, so give rotated logs oldest first.
The log format is detected per file unless --log-format names it.
Each log is cut into pieces of whole lines and matched on every core
(--jobs N to use N); alerts come out in the log's order all the same.
Logs whose events may span lines (sysmon-json) and Zeek logs are read in
order on one core.
Event times are read from the format's time field or, in JSON Lines, the
first present of _time, @timestamp, timestamp, ts, time, TimeCreated,
UtcTime, EventTime and eventTime (epoch seconds or milliseconds, RFC 3339,
the common syslog forms); --time-field names another, and the hunt says
per file which field it used. Events without a usable time are still
matched and counted, but aggregations cannot place them: the closing
summary says how many each aggregation left out.
Warnings about bad events and a closing count go to stderr (with the lines
skipped in each file); a progress line too when stderr is a terminal. A bad
line is one warning and reading resumes at the next line. --timeout stops
an unattended run on an endless input (a pipe): what was read is reported,
exit status as usual. Alerts are results, not failures: the exit
status is 1 only when a detection does not load or a file cannot be read.

Unlike the other commands, the positional arguments are the logs; the
detections come from --rules (default detections/; --detections is the
same flag). Investigation pivots are not hunted and not counted.`,
		Example: "detc hunt --rules detections fixtures/proxy/webhook_repeated_posts.access.log fixtures/proxy/webhook_post_path.jsonl > alerts.jsonl\nzcat proxy.jsonl.gz | detc hunt --rules detections/proxy --log-format jsonl -",
	},
	run: runHunt,
}

// paths is a repeatable flag.
type paths []string

func (p *paths) String() string     { return strings.Join(*p, ",") }
func (p *paths) Set(s string) error { *p = append(*p, s); return nil }

func runHunt(c *cli.Command, e *env, args []string) int {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	var detections paths
	fs.Var(&detections, "rules", "detection `path` (file or folder); repeatable (default detections/)")
	fs.Var(&detections, "detections", "same as --rules")
	only := fs.String("rule", "", "hunt only with the detection of this `id` or name")
	jobs := fs.Int("jobs", 0, "match on `N` goroutines (default: one per core); the output is the same for any N")
	logFormat := fs.String("log-format", "", "log `format` of every file: "+strings.Join(logs.Names(), ", ")+" (default: detected per file)")
	timeField := fs.String("time-field", "", "read event times from the field of this `name` (dotted for nested JSON, a column for Squid) in every file")
	timeout := fs.Duration("timeout", 0, "stop after this `duration` (90s, 10m, 1h) even while waiting for input, and report what was read (default: none)")
	files, err := cli.Parse(c, fs, args, e.stdout, e.stderr)
	if err != nil {
		return cli.Exit(err)
	}
	if len(files) == 0 {
		cli.Usagef(e.stderr, c.Name, "name at least one log file (or - for stdin)")
		return cli.ExitUsage
	}
	if *timeout < 0 {
		cli.Usagef(e.stderr, c.Name, "--timeout must be positive, not %s", *timeout)
		return cli.ExitUsage
	}
	if *jobs < 0 {
		cli.Usagef(e.stderr, c.Name, "--jobs must be 0 (all cores) or more")
		return cli.ExitUsage
	}
	if *logFormat != "" {
		if _, err := logs.Lookup(*logFormat); err != nil {
			cli.Usagef(e.stderr, c.Name, "%v", err)
			return cli.ExitUsage
		}
	}
	set, diags := load.Paths(detections)
	cli.WriteDiagnostics(e.stderr, diags, set.Sources)
	failed := diags.HasErrors()
	rules, err := pick(set.Rules, *only)
	if err != nil {
		fmt.Fprintf(e.stderr, "detc hunt: %v\n", err)
		return cli.ExitFail
	}
	opts := hunt.Options{Format: *logFormat, TimeField: *timeField, Timeout: *timeout, Jobs: *jobs,
		Diag: func(d rule.Diagnostic) { cli.WriteDiagnostics(e.stderr, rule.Diagnostics{d}, nil) },
		Note: func(file, note string) { fmt.Fprintf(e.stderr, "detc hunt: %s: %s\n", file, note) },
	}
	if f, ok := e.stderr.(*os.File); ok && hunt.IsTerminal(f) {
		opts.Progress = f
	}
	h, diags := hunt.New(rules, e.stdout, opts)
	for i, log := range files {
		if log == "-" {
			if err := h.Reader(os.Stdin, "-"); err != nil {
				diags.Errorf(rule.Pos{File: "-"}, "hunt-input", "%v", err)
			}
		} else {
			diags = append(diags, h.File(log)...)
		}
		if h.TimedOut() {
			read := "whole"
			if h.CutShort() {
				read = "in part"
			}
			d := rule.Diagnostic{Severity: rule.Warning, Pos: rule.Pos{File: log}, Code: "hunt-timeout",
				Summary: fmt.Sprintf("the hunt stopped at --timeout %s: this log was read %s", *timeout, read)}
			if rest := files[i+1:]; len(rest) > 0 {
				d.Summary += fmt.Sprintf("; not read: %s", strings.Join(rest, ", "))
			}
			diags = append(diags, d)
			break
		}
	}
	if err := h.Finish(); err != nil {
		diags.Errorf(rule.Pos{}, "hunt-output", "writing alerts: %v", err)
	}
	cli.WriteDiagnostics(e.stderr, diags, set.Sources)
	st := h.Stats()
	fmt.Fprintf(e.stderr, "detc hunt: %s over %s in %s: %s", count(h.Rules(), "rule"), count(int(st.Events), "event"), count(st.Files, "file"), count(int(st.Alerts), "alert"))
	if st.SkippedLines > 0 {
		per := make([]string, len(st.Skipped))
		for i, fc := range st.Skipped {
			per[i] = fmt.Sprintf("%s: %d", fc.File, fc.Count)
		}
		fmt.Fprintf(e.stderr, ", %s skipped (%s)", count(int(st.SkippedLines), "line"), strings.Join(per, ", "))
	}
	fmt.Fprintln(e.stderr)
	for _, l := range st.LeftOut {
		var parts []string
		if l.NoTime > 0 {
			parts = append(parts, count(int(l.NoTime), "matching event")+" without a usable time")
		}
		if l.OutOfOrder > 0 {
			parts = append(parts, count(int(l.OutOfOrder), "matching event")+" older than its open window")
		}
		fmt.Fprintf(e.stderr, "detc hunt: the aggregation of %s left out %s\n", ruleLabel(l.Rule), strings.Join(parts, " and "))
	}
	if failed || diags.HasErrors() {
		return cli.ExitFail
	}
	return cli.ExitOK
}

// ruleLabel names a rule in messages: its name, or its id without one.
func ruleLabel(r *rule.Rule) string {
	if r.Name != "" {
		return r.Name
	}
	return r.ID
}

// count writes n with its noun, in the plural unless n is 1.
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
