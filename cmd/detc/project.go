package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/detc/detc/internal/cli"
	"github.com/detc/detc/internal/project"
)

// openProject reads detc.hcl (or --config) and lays the flags over it. On
// a problem it reports it and returns the exit status: 2 for a wrong
// flag, 1 for a wrong project file.
func openProject(c *cli.Command, e *env, f *project.Flags) (*project.Settings, int) {
	s, cfg, err := project.Open(f)
	var usage *project.UsageError
	var conf *project.ConfigError
	switch {
	case err == nil:
		return s, cli.ExitOK
	case errors.As(err, &usage):
		cli.Usagef(e.stderr, c.Name, "%s", usage.Msg)
		return nil, cli.ExitUsage
	case errors.As(err, &conf):
		sources := map[string][]byte{}
		for _, d := range conf.Diags {
			if _, ok := sources[d.Pos.File]; !ok && d.Pos.File != "" {
				sources[d.Pos.File], _ = os.ReadFile(d.Pos.File)
			}
		}
		cli.WriteDiagnostics(e.stderr, conf.Diags, sources)
		name := project.FileName
		if cfg != nil && cfg.File != "" {
			name = cfg.File
		}
		fmt.Fprintf(e.stderr, "detc %s: the project settings (%s or flags) have errors\n", c.Name, name)
		return nil, cli.ExitFail
	default:
		fmt.Fprintf(e.stderr, "detc %s: %v\n", c.Name, err)
		return nil, cli.ExitFail
	}
}
