package lower_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/elastic"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/sigma"
	"github.com/detc/detc/internal/testutil"
)

// The ecs profile stores Sysmon's Initiated as network.direction: the
// rewritten values must reach the query (the condition is bound to the
// rewritten searches, not the rule's own), and a comparison that cannot be
// rewritten exactly is refused as the target's limit, at the value.
func TestTranslateValuesThroughABackend(t *testing.T) {
	tests := []struct {
		name, selection string
		want            string // in the query; "" when refused
		refusal         string
	}{
		{"exact", `Initiated: 'true'`, "egress", ""},
		{"other value", `Initiated: 'false'`, "ingress", ""},
		{"contains", `Initiated|contains: 'tru'`, "", "only an exact, case-insensitive comparison"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "title: t\nid: 6f1c2d3e-0000-4000-8000-000000000001\nlogsource: {category: network_connection, product: windows}\n" +
				"detection:\n  sel:\n    " + tt.selection + "\n  condition: sel\n"
			rules, diags := sigma.LoadFiles(map[string][]byte{"t.yml": []byte(src)})
			require.False(t, diags.HasErrors(), "%v", diags)
			require.Len(t, rules, 1)
			q, err := elastic.New().Compile(testutil.Checked(t, rules[0]), target.Options{Profile: "ecs", Lang: "eql"})
			if tt.refusal != "" {
				var ref *target.Refusal
				require.ErrorAs(t, err, &ref)
				assert.Equal(t, "elastic", ref.Target)
				assert.Equal(t, `field "Initiated"`, ref.Construct)
				assert.Contains(t, ref.Reason, tt.refusal)
				assert.Equal(t, 6, ref.Pos.Line)
				return
			}
			require.NoError(t, err)
			assert.Contains(t, q.Text, "network.direction")
			assert.Contains(t, q.Text, tt.want)
			assert.NotContains(t, q.Text, "true")
		})
	}
}
