package lint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/detc/detc/internal/fixture"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSources lints small HCL and Sigma trees, each a folder under
// testdata/cases with its fixtures, through the real loaders; the expected
// diagnostics are in testdata/cases/<name>.golden.
func TestSources(t *testing.T) {
	cases, err := os.ReadDir(filepath.Join("testdata", "cases"))
	require.NoError(t, err)
	for _, c := range cases {
		if !c.IsDir() {
			continue
		}
		t.Run(c.Name(), func(t *testing.T) {
			dir := filepath.Join("testdata", "cases", c.Name())
			set, diags := load.Paths([]string{dir})
			diags = append(diags, fixture.AttachSidecars(set.Rules, dir)...)
			require.False(t, diags.HasErrors(), diags.Error())
			require.NotEmpty(t, set.Rules)
			var b strings.Builder
			for _, d := range Check(set) {
				b.WriteString(filepath.ToSlash(d.String()) + " [" + d.Code + "]\n")
			}
			testutil.Golden(t, filepath.Join("cases", c.Name()+".golden"), []byte(b.String()))
		})
	}
}

// TestCorpus lints the SigmaHQ rules: no panic, and every diagnostic
// points into a file with a code, so that CI annotations can place it.
func TestCorpus(t *testing.T) {
	set, diags := load.Paths([]string{testutil.SigmaCorpus(t)})
	assert.Greater(t, len(set.Rules), 3000)
	diags = append(diags, Check(set)...)
	for _, d := range diags {
		if !d.Pos.IsValid() || d.Code == "" {
			t.Errorf("diagnostic without a position or code: %s [%s]", d, d.Code)
		}
	}
	var dup rule.Diagnostics
	for _, d := range diags {
		if d.Code == CodeDuplicateID {
			dup = append(dup, d)
		}
	}
	assert.Empty(t, dup, "SigmaHQ rule ids are unique")
}
