package elastic

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/mapping"
	logschema "github.com/detc/detc/internal/testutil/schema"
)

var (
	sysmonLacks = regexp.MustCompile(`^Sysmon event ([0-9/]+) has no (\w+) field$`)
	ecsLacks    = regexp.MustCompile(`^ECS has no (\w+) field$`)
)

// TestProfileRefusalFacts checks the ecs profile's refusals that say a
// field does not exist against the schema data: "Sysmon event N has no F
// field" against Sysmon's schema, "ECS has no X field" against ECS 9.4 and
// the integrations' fields (no field name holds X). The other refusals
// say how an integration's pipeline stores a value (it drops UtcTime,
// splits Hashes): facts of the pipelines, which field lists cannot show.
func TestProfileRefusalFacts(t *testing.T) {
	prof, err := (&Backend{}).Mapping("ecs")
	require.NoError(t, err)
	sysmon := logschema.Sysmon()
	s := loadSchema(t)
	checked := 0
	for _, src := range prof.Sources {
		where := mapping.Describe(src.LogSource)
		for field, m := range src.Fields {
			if g := sysmonLacks.FindStringSubmatch(m.Unsupported); g != nil {
				checked++
				assert.Equal(t, field, g[2], where)
				for _, id := range strings.Split(g[1], "/") {
					n, _ := strconv.Atoi(id)
					require.Contains(t, sysmon, n, where)
					assert.False(t, sysmon[n][g[2]], "%s: Sysmon event %d has %s", where, n, g[2])
				}
			}
			if g := ecsLacks.FindStringSubmatch(m.Unsupported); g != nil {
				checked++
				for name := range s.exact {
					assert.NotContains(t, strings.ToLower(name), strings.ToLower(g[1]), "%s %s: %q, but %s exists", where, field, m.Unsupported, name)
				}
			}
		}
	}
	assert.Positive(t, checked)
}
