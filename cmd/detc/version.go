package main

import (
	"flag"
	"fmt"
	"runtime"

	"github.com/detc/detc/internal/cli"
)

var versionCmd = &subcommand{
	Command: cli.Command{
		Name:    "version",
		Summary: "print detc's version and the Go version it was built with",
		Usage:   "detc version",
		Example: "detc version",
	},
	run: func(c *cli.Command, e *env, args []string) int {
		fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
		rest, err := cli.Parse(c, fs, args, e.stdout, e.stderr)
		if err != nil {
			return cli.Exit(err)
		}
		if len(rest) > 0 {
			cli.Usagef(e.stderr, c.Name, "takes no arguments")
			return cli.ExitUsage
		}
		fmt.Fprintf(e.stdout, "detc %s (%s %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return cli.ExitOK
	},
}
