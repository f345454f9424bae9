package project

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// resolve parses a config text (none when "") and flags, as a command
// would, in a temporary project folder.
func resolve(t *testing.T, config string, args ...string) (*Settings, error) {
	t.Helper()
	dir := t.TempDir()
	cfg, _ := Load("")
	if config != "" {
		c, ds := Parse(filepath.Join(dir, FileName), []byte(config))
		require.Empty(t, ds, "%v", ds)
		cfg = c
	} else {
		cfg.Root = dir
	}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := AddFlags(fs, Compile|Package|Fixtures|Checks)
	require.NoError(t, fs.Parse(args))
	return Resolve(cfg, f)
}

func names(s *Settings) []string {
	var out []string
	for _, d := range s.Deployments {
		out = append(out, d.Dir+"="+d.Name()+" "+d.Options.Lang+d.Options.Variant)
	}
	return out
}

func TestResolveDefaults(t *testing.T) {
	s, err := resolve(t, "")
	require.NoError(t, err)
	assert.Equal(t, []string{"splunk=splunk/cim ", "kql=kql/sentinel-asim ", "elastic=elastic/ecs "}, names(s))
	assert.Equal(t, DefaultEnabledStatuses, s.EnabledStatuses)
	assert.Equal(t, DefaultRunbookURL, s.RunbookURL)
	assert.Empty(t, s.Fixtures, "the default fixtures folder is absent")
	assert.Empty(t, s.Checks)
	for _, d := range s.Deployments {
		assert.Nil(t, d.Options.Overrides)
	}
}

func TestResolveFlags(t *testing.T) {
	s, err := resolve(t, "", "--profile", "defender-xdr", "--profile", "kql=sentinel-asim", "--lang", "eql", "--variant", "tstats",
		"--index", "splunk=main", "--enabled-statuses", "stable,test,experimental", "--target", "kql,splunk", "--target", "elastic")
	require.NoError(t, err)
	assert.Equal(t, []string{"splunk=splunk/cim tstats", "kql/defender-xdr=kql/defender-xdr ", "kql/sentinel-asim=kql/sentinel-asim ", "elastic=elastic/ecs eql"}, names(s))
	assert.Equal(t, map[string]string{"index": "main"}, s.Deployments[0].Options.Overrides.Attrs)
	assert.Equal(t, []string{"stable", "test", "experimental"}, s.EnabledStatuses)

	s, err = resolve(t, "", "--target", "elastic")
	require.NoError(t, err)
	assert.Equal(t, []string{"elastic=elastic/ecs "}, names(s))

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--profile", "raw"}, "--profile raw: targets splunk, kql, elastic all have it: write TARGET=raw"},
		{[]string{"--lang", "sql"}, "--lang sql: no target has it (splunk: spl; kql: kql; elastic: lucene, eql, esql)"},
		{[]string{"--lang", "elastic=lucen"}, `target elastic has no language "lucen" (did you mean "lucene"?)`},
		{[]string{"--lang", "splnk=spl"}, `unknown target "splnk" (did you mean "splunk"?)`},
		{[]string{"--variant", "kql=tstats"}, `target kql has no variant "tstats" (it has none)`},
		{[]string{"--lang", "elastic=eql", "--lang", "elastic=esql"}, "--lang is given 2 times for one target (eql, esql)"},
		{[]string{"--target", "qradar"}, `unknown target "qradar"`},
		{[]string{"--index", "kql=x"}, "target kql reads tables, not indexes"},
		{[]string{"--enabled-statuses", "stabel"}, `unknown status "stabel" (did you mean "stable"?)`},
		{[]string{"--check", "fixture-coverage"}, "write CODE=off, CODE=warning or CODE=error"},
		{[]string{"--target", "kql", "--lang", "elastic=eql"}, "--lang elastic=eql: it is for a target this run does not deploy (targets: kql)"},
		{[]string{"--target", "kql", "--target", "splunk", "--lang", "eql"}, "--lang eql: it is for a target this run does not deploy (targets: splunk, kql)"},
		{[]string{"--check", "fixture-coverage=none"}, `severity "none" is not off, warning or error`},
	} {
		t.Run(tt.want, func(t *testing.T) {
			_, err := resolve(t, "", tt.args...)
			var usage *UsageError
			require.ErrorAs(t, err, &usage)
			assert.Contains(t, usage.Msg, tt.want)
		})
	}
}

func TestResolveConfigAndOverrides(t *testing.T) {
	const config = `
targets = ["kql", "splunk"]
fixtures = "tests"
target "kql" {
  profiles = ["sentinel-asim", "defender-xdr"]
  source {
    category = "proxy"
    table    = "Proxy_CL"
  }
}
target "splunk" {
  index = "main"
  app {
    name = "acme"
  }
}
check "unused-search" {
  severity = "off"
}
`
	s, err := resolve(t, config)
	require.NoError(t, err)
	assert.Equal(t, []string{"splunk=splunk/cim ", "kql/sentinel-asim=kql/sentinel-asim ", "kql/defender-xdr=kql/defender-xdr "}, names(s), "registry order, the file's profile order")
	assert.Equal(t, "acme", s.Deployments[0].Options.App.Name)
	assert.Equal(t, "Proxy_CL", s.Deployments[1].Options.Overrides.Sources[0].Attrs["table"])
	wd, err := os.Getwd()
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(s.Root, "tests"), filepath.Join(wd, s.Fixtures), "relative to the project root, present or not")
	assert.Equal(t, Severities{"unused-search": LevelOff}, s.Checks)

	// Flags win.
	s, err = resolve(t, config, "--profile", "kql=sentinel-csl", "--index", "splunk=web", "--app-name", "other", "--check", "unused-search=error", "--fixtures", "/abs")
	require.NoError(t, err)
	assert.Equal(t, []string{"splunk=splunk/cim ", "kql=kql/sentinel-csl "}, names(s))
	assert.Equal(t, "web", s.Deployments[0].Options.Overrides.Attrs["index"])
	assert.Equal(t, "other", s.Deployments[0].Options.App.Name)
	assert.Equal(t, Severities{"unused-search": LevelError}, s.Checks)
	assert.Equal(t, "/abs", s.Fixtures)
}

func TestResolveMappingFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		return p
	}
	a := write("a.yml", "target: splunk\nsources:\n  - logsource: {category: proxy}\n    fields:\n      cs-method: m_a\n      c-uri: u_a\n")
	b := write("b.yml", "target: splunk\nsources:\n  - logsource: {category: proxy}\n    fields:\n      cs-method: m_b\n")
	s, err := resolve(t, "", "--mapping", a, "--mapping", b)
	require.NoError(t, err)
	o := s.Deployments[0].Options.Overrides
	require.NotNil(t, o)
	assert.Equal(t, []string{"m_b"}, o.Sources[0].Fields["cs-method"].Names, "later files win")
	assert.Equal(t, []string{"u_a"}, o.Sources[0].Fields["c-uri"].Names)
	assert.Nil(t, s.Deployments[1].Options.Overrides, "a splunk mapping is for splunk only")

	_, err = resolve(t, "", "--mapping", "kql="+a)
	var conf *ConfigError
	require.ErrorAs(t, err, &conf)
	assert.Contains(t, conf.Error(), `the mapping is for target "splunk", not "kql"`)
}
