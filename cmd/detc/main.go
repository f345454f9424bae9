// Command detc checks detections written in HCL or Sigma YAML, proves them
// on fixture logs and compiles them for Splunk, Microsoft Sentinel /
// Defender XDR and Elastic. This package is only flags and wiring; the
// work is done in internal/ and backends/.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/detc/detc/internal/cli"
	"github.com/detc/detc/internal/load"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

type subcommand struct {
	cli.Command
	run func(c *cli.Command, e *env, args []string) int
}

// env is what a subcommand writes to.
type env struct {
	stdout, stderr io.Writer
}

// commands in the order `detc --help` lists them.
var commands = []*subcommand{
	lintCmd, fmtCmd, compileCmd, testCmd, huntCmd, buildCmd, siteCmd, serveCmd, runbookCmd, diffCmd, listCmd, versionCmd,
}

func main() {
	tuneGC(os.Args[1:])
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// tuneGC lets the commands that run once over a set of rules (lint,
// compile, build...) keep their garbage until the heap reaches
// batchMemory: the whole SigmaHQ corpus compiles in about 120 MB, and the
// collector would otherwise take a quarter of the CPU time. A hunt streams
// without end and keeps the default, so that its memory stays small; so
// does any run where GOGC is set.
func tuneGC(args []string) {
	if len(args) == 0 || args[0] == "hunt" || os.Getenv("GOGC") != "" {
		return
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(batchMemory)
}

const batchMemory = 1 << 30

func run(args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return cli.ExitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		usage(stdout)
		return cli.ExitOK
	case "help":
		if len(args) == 1 {
			usage(stdout)
			return cli.ExitOK
		}
		name, args = args[1], []string{args[1], "--help"}
	case "-version", "--version":
		name = "version"
	}
	for _, c := range commands {
		if c.Name == name {
			return c.run(&c.Command, e, args[1:])
		}
	}
	cli.Usagef(stderr, "", "unknown command %q (commands: %s)", name, strings.Join(commandNames(), ", "))
	return cli.ExitUsage
}

func commandNames() []string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.Name
	}
	return names
}

func usage(w io.Writer) {
	fmt.Fprintf(w, `detc compiles detections written in HCL or Sigma YAML into Splunk SPL, KQL
and Elastic queries, after checking them and proving them on fixture logs.

Usage:
  detc <command> [flags] [PATH...]

Paths are files or folders; the default is %s/.

Commands:
`, load.DefaultPath)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.Name, c.Summary)
	}
	fmt.Fprintf(w, `
Exit status: 0 success, 1 the input has errors or a check failed, 2 usage.
Run 'detc <command> --help' for a command's flags and an example.
`)
}
