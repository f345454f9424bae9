package sigma

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzLoad checks that Load never panics, that every diagnostic has a
// position in the file, and that every rule it returns has a condition
// (or is a correlation waiting for ResolveCorrelations).
func FuzzLoad(f *testing.F) {
	f.Add([]byte(head + "detection: {sel: {a|contains: b}, condition: sel}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, diags := Load("f.yml", data)
		for _, d := range diags {
			require.Equal(t, "f.yml", d.Pos.File)
			require.GreaterOrEqual(t, d.Pos.Line, 1, d.String())
			require.GreaterOrEqual(t, d.Pos.Col, 1, d.String())
		}
		for _, r := range rules {
			require.True(t, r.Condition != nil || r.Correlation != nil)
		}
		resolved, _ := ResolveCorrelations(rules)
		for _, r := range resolved {
			require.NotNil(t, r.Condition)
		}
	})
}
