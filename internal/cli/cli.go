// Package cli is the plumbing detc's subcommands share: exit codes, flag
// parsing that accepts flags after paths, and the reporters that write
// diagnostics in each --format.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit statuses, as docs/cli.md documents them.
const (
	ExitOK    = 0 // success
	ExitFail  = 1 // the input has errors or a check failed
	ExitUsage = 2 // the command line is wrong
)

// Command describes one subcommand for its --help text.
type Command struct {
	Name    string
	Summary string // one line, for `detc --help`
	Usage   string // e.g. "detc lint [--format F] [PATH...]"
	Detail  string // paragraphs after the usage line
	Example string // one or more example lines
}

// Help writes the command's help: usage, detail, flags and example.
func (c *Command) Help(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "%s\n\nUsage:\n  %s\n", c.Summary, c.Usage)
	if c.Detail != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.Detail))
	}
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if first {
			fmt.Fprintf(w, "\nFlags:\n")
			first = false
		}
		// Written with two dashes, as the documentation writes them; the
		// flag package accepts one or two.
		arg, usage := flag.UnquoteUsage(f)
		if arg != "" {
			arg = " " + arg
		}
		fmt.Fprintf(w, "  --%s%s\n      %s", f.Name, arg, usage)
		if f.DefValue != "" && f.DefValue != "false" {
			fmt.Fprintf(w, " (default %q)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
	fmt.Fprintf(w, "\nExample:\n")
	for _, line := range strings.Split(strings.TrimSpace(c.Example), "\n") {
		fmt.Fprintf(w, "  %s\n", line)
	}
}

// ErrUsage marks a command-line mistake; its message has been printed.
var ErrUsage = errors.New("usage error")

// Parse parses args with fs, accepting flags before, between and after
// positional arguments (detc lint detections/ --format json) and "--" to end
// flags. It returns the positional arguments. On -h/--help it writes the
// help to stdout and returns flag.ErrHelp; on a bad flag it writes the
// problem and a pointer to --help to stderr and returns ErrUsage.
func Parse(c *Command, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) ([]string, error) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				c.Help(stdout, fs)
				return nil, flag.ErrHelp
			}
			return nil, Usagef(stderr, c.Name, "%v", err)
		}
		// fs.Parse stops at the first positional argument or after "--".
		left := fs.Args()
		if consumed := len(args) - len(left); consumed > 0 && args[consumed-1] == "--" {
			return append(rest, left...), nil
		}
		if len(left) == 0 {
			return rest, nil
		}
		rest = append(rest, left[0])
		args = left[1:]
	}
}

// Usagef reports a command-line mistake to w and returns ErrUsage.
func Usagef(w io.Writer, cmd, format string, args ...any) error {
	name := "detc"
	if cmd != "" {
		name += " " + cmd
	}
	fmt.Fprintf(w, "%s: %s\nRun '%s --help' for usage.\n", name, fmt.Sprintf(format, args...), name)
	return ErrUsage
}

// Exit maps a Parse error to an exit status.
func Exit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	return ExitUsage
}
