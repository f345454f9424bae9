package lint

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/internal/rule"
)

func TestFields(t *testing.T) {
	custom, err := mapping.Parse("m.yml", []byte("sources:\n  - logsource: {category: proxy}\n    fields:\n      x-team: Web.team\n"), mapping.Schema{})
	require.NoError(t, err)
	raw, err := mapping.Parse("raw.yml", []byte("name: raw\npassthrough: true\n"), mapping.Schema{})
	require.NoError(t, err)
	profiles := []*mapping.Profile{custom, raw}
	for _, tt := range []struct {
		name   string
		field  string
		ls     rule.LogSource
		want   string
		nowarn bool
	}{
		{"taxonomy field", "cs-host", rule.LogSource{Category: "proxy"}, "", true},
		{"a profile's field", "x-team", rule.LogSource{Category: "proxy"}, "", true},
		{"typo", "cs-hots", rule.LogSource{Category: "proxy"}, `r.yml:20:1: warning: rule 6f1e2a4c-0000-4000-8000-000000000001: field "cs-hots" is not a field of log source category=proxy in the Sigma taxonomy or any mapping profile (did you mean "cs-host"?)`, false},
		{"nothing close", "hostname", rule.LogSource{Category: "proxy"}, `field "hostname" is not a field of log source category=proxy in the Sigma taxonomy or any mapping profile`, false},
		{"a log source nothing knows", "anything", rule.LogSource{Product: "acme", Service: "audit"}, "", true},
		{"a field of another source", "QueryName", rule.LogSource{Category: "proxy"}, `field "QueryName"`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := valid()
			r.LogSource = tt.ls
			r.Searches[0].Groups[0].Matchers = append(r.Searches[0].Groups[0].Matchers, matcher(t, tt.field, nil, "x"), matcher(t, tt.field, nil, "y"))
			diags := Fields([]*rule.Rule{r}, profiles)
			if tt.nowarn {
				assert.Empty(t, diags)
				return
			}
			require.Len(t, diags, 1, "one warning per field, however often it is used")
			assert.Equal(t, CodeUnknownField, diags[0].Code)
			assert.Equal(t, rule.Warning, diags[0].Severity)
			assert.Contains(t, diags[0].String(), tt.want)
		})
	}
	// Keywords name no field.
	r := valid()
	r.Searches[0].Groups[0].Matchers = append(r.Searches[0].Groups[0].Matchers, &rule.Matcher{Op: rule.OpContains})
	assert.Empty(t, Fields([]*rule.Rule{r}, profiles))
}

func TestTargets(t *testing.T) {
	known := []string{"splunk", "splunk/cim", "kql", "kql/defender-xdr"}
	r := valid()
	assert.Empty(t, Targets([]*rule.Rule{r}, known), "no targets: every target")
	r.Targets = &rule.Targets{Names: []string{"splunk", "kql/defender-xdr"}, Pos: pos(3)}
	assert.Empty(t, Targets([]*rule.Rule{r}, known))
	r.Targets.Names = []string{"kql/defender"}
	diags := Targets([]*rule.Rule{r}, known)
	require.Len(t, diags, 1)
	assert.Contains(t, diags[0].String(), `r.yml:3:1: error: rule 6f1e2a4c-0000-4000-8000-000000000001: unknown target "kql/defender" (did you mean "kql/defender-xdr"?)`)
	r.Targets.Names = nil
	diags = Targets([]*rule.Rule{r}, known)
	require.Len(t, diags, 1)
	assert.Contains(t, diags[0].Summary, "targets is empty")

	assert.True(t, (&rule.Rule{}).TargetedAt("kql", "raw"))
	r.Targets.Names = []string{"splunk", "kql/defender-xdr"}
	assert.True(t, r.TargetedAt("splunk", "raw"))
	assert.True(t, r.TargetedAt("kql", "defender-xdr"))
	assert.False(t, r.TargetedAt("kql", "sentinel-asim"))
	assert.False(t, r.TargetedAt("elastic", "ecs"))
}
