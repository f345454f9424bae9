package condition

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
)

// FuzzParse checks that Parse never panics, that it fails with exactly one
// positioned error or succeeds with a tree, and that a tree survives a trip
// through Format. Seeds live in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add("selection and not 1 of filter_*")
	base := rule.Pos{File: "f.yml", Line: 3, Col: 5}
	f.Fuzz(func(t *testing.T, src string) {
		e, agg, diags := Parse(src, base)
		if e == nil {
			require.Nil(t, agg)
			require.Len(t, diags, 1)
			d := diags[0]
			require.Equal(t, "f.yml", d.Pos.File)
			require.GreaterOrEqual(t, d.Pos.Line, base.Line)
			require.GreaterOrEqual(t, d.Pos.Col, base.Col)
			return
		}
		require.Empty(t, diags)
		rule.Walk(e, func(n rule.Expr) {
			require.Equal(t, "f.yml", n.Position().File)
			require.GreaterOrEqual(t, n.Position().Line, base.Line)
		})
		text := e.String()
		again, _, diags := Parse(text, rule.Pos{File: "f.yml", Line: 1, Col: 1})
		require.Empty(t, diags, "Format gave %q", text)
		require.Equal(t, text, again.String())
	})
}
