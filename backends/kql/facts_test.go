package kql_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/kql"
	"github.com/detc/detc/backends/kql/kqlcheck"
	"github.com/detc/detc/backends/mapping"
	logschema "github.com/detc/detc/internal/testutil/schema"
)

var (
	tableLacks  = regexp.MustCompile(`^(\w+) has no (\w+) column\b`)
	sysmonLacks = regexp.MustCompile(`^Sysmon event ([0-9/]+) has no (\w+) field$`)
)

// TestProfileRefusalFacts checks the refusals that say a column or field
// does not exist against the schema data: "<Table> has no <Column> column"
// against the declared workspace (workspace.yml, from Microsoft's table
// references), "Sysmon event N has no F field" against Sysmon's schema.
// Every table and function a profile reads is declared there too.
func TestProfileRefusalFacts(t *testing.T) {
	ws, err := kqlcheck.Workspace()
	require.NoError(t, err)
	sysmon := logschema.Sysmon()
	checked := 0
	for _, name := range kql.New().Profiles() {
		if name == "raw" {
			continue
		}
		prof, err := kql.Profile(name, nil)
		require.NoError(t, err)
		for _, src := range prof.Sources {
			where := name + " " + mapping.Describe(src.LogSource)
			from := src.Attr("table") + src.Attr("function")
			_, ok := ws.Columns(from)
			assert.True(t, ok, "%s: %s is not declared in workspace.yml", where, from)
			for field, m := range src.Fields {
				if g := tableLacks.FindStringSubmatch(m.Unsupported); g != nil {
					checked++
					cols, ok := ws.Columns(g[1])
					if !assert.True(t, ok, "%s %s: %s is not declared", where, field, g[1]) {
						continue
					}
					for _, c := range cols {
						assert.NotEqual(t, g[2], c.Name, "%s %s: %q, but %s has the column", where, field, m.Unsupported, g[1])
					}
				}
				if g := sysmonLacks.FindStringSubmatch(m.Unsupported); g != nil {
					checked++
					for _, id := range strings.Split(g[1], "/") {
						n, _ := strconv.Atoi(id)
						require.Contains(t, sysmon, n, where)
						assert.False(t, sysmon[n][g[2]], "%s: Sysmon event %d has %s", where, n, g[2])
					}
				}
			}
		}
	}
	assert.Positive(t, checked)
}
