package main

import (
	"errors"
	"fmt"
	"os"
	"unicode/utf8"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/internal/cli"
	"github.com/detc/detc/internal/project"
	"github.com/detc/detc/internal/rule"
)

// openProject reads detc.hcl (or --config; found from the working folder,
// else from the first input path) and lays the flags over it. On
// a problem it reports it and returns the exit status: 2 for a wrong
// flag, 1 for a wrong project file.
func openProject(c *cli.Command, e *env, f *project.Flags, inputs []string) (*project.Settings, int) {
	s, cfg, err := project.Open(f, inputs)
	var usage *project.UsageError
	var conf *project.ConfigError
	switch {
	case err == nil:
		writeSettingsDiags(e, s.Warnings)
		return s, cli.ExitOK
	case errors.As(err, &usage):
		cli.Usagef(e.stderr, c.Name, "%s", usage.Msg)
		return nil, cli.ExitUsage
	case errors.As(err, &conf):
		inFile := cfg == nil // the file did not parse
		for _, d := range conf.Diags {
			inFile = inFile || (cfg.File != "" && d.Pos.File == cfg.File)
		}
		writeSettingsDiags(e, conf.Diags)
		if inFile {
			fmt.Fprintf(e.stderr, "detc %s: the project file has errors\n", c.Name)
		}
		return nil, cli.ExitFail
	default:
		fmt.Fprintf(e.stderr, "detc %s: %v\n", c.Name, err)
		return nil, cli.ExitFail
	}
}

// writeSettingsDiags writes diagnostics about the project file, the
// mapping files and the flags, each with its source line.
func writeSettingsDiags(e *env, diags rule.Diagnostics) {
	sources := map[string][]byte{}
	for _, d := range diags {
		if _, ok := sources[d.Pos.File]; !ok && d.Pos.File != "" {
			sources[d.Pos.File] = snippetSource(d.Pos.File)
		}
	}
	cli.WriteDiagnostics(e.stderr, diags, sources)
}

// snippetSource is a file's text for the source line under a diagnostic,
// or nil for a file too large or not text (its diagnostic says so).
func snippetSource(file string) []byte {
	info, err := os.Stat(file)
	if err != nil || info.Size() > mapping.MaxFileSize {
		return nil
	}
	data, err := os.ReadFile(file)
	if err != nil || !utf8.Valid(data) {
		return nil
	}
	return data
}
