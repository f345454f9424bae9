package lower_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/lower"
	"github.com/detc/detc/internal/sigma"
	"github.com/detc/detc/internal/testutil"
)

// TestMatchers: a lowered condition's leaves are the matchers of the
// searches the condition uses, left to right, once per use; a search it
// does not use has none.
func TestMatchers(t *testing.T) {
	src := `title: t
id: 00000000-0000-4000-8000-000000000002
logsource: {category: proxy}
detection:
  a:
    cs-host: x
    cs-method: POST
  b:
    - c-uri|contains: y
    - c-uri|contains: z
  unused:
    c-useragent: curl
  condition: a and not b or a
`
	rules, diags := sigma.Load("t.yml", []byte(src))
	require.False(t, diags.HasErrors(), "%v", diags)
	c := testutil.Checked(t, rules[0])
	var fields []string
	for m := range lower.Condition(c, c.Condition).Matchers() {
		fields = append(fields, m.Field)
	}
	assert.Equal(t, []string{"cs-host", "cs-method", "c-uri", "c-uri", "cs-host", "cs-method"}, fields)

	// Stopping early stops the walk.
	n := 0
	for range lower.Condition(c, c.Condition).Matchers() {
		n++
		if n == 3 {
			break
		}
	}
	assert.Equal(t, 3, n)
}
