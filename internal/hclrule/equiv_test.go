package hclrule

import (
	"github.com/detc/detc/internal/testutil"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/sigma"
)

// TestSigmaEquivalence loads each testdata/equiv pair, the same detection
// written in HCL and in Sigma, and requires the same rule model once
// positions, file names and the order of modifiers (as written) are left
// out.
func TestSigmaEquivalence(t *testing.T) {
	pairs, err := filepath.Glob("testdata/equiv/*.hcl")
	require.NoError(t, err)
	require.NotEmpty(t, pairs)
	for _, hclPath := range pairs {
		name := strings.TrimSuffix(filepath.Base(hclPath), ".hcl")
		t.Run(name, func(t *testing.T) {
			hclData, err := os.ReadFile(hclPath)
			require.NoError(t, err)
			ymlPath := strings.TrimSuffix(hclPath, ".hcl") + ".yml"
			ymlData, err := os.ReadFile(ymlPath)
			require.NoError(t, err)

			fromHCL, diags := Load([]File{{Name: hclPath, Data: hclData}})
			require.Empty(t, diags, diags.Error())
			fromSigma, diags := sigma.Load(ymlPath, ymlData)
			require.Empty(t, diags, diags.Error())
			require.Len(t, fromHCL, 1)
			assert.Equal(t, testutil.Dump(fromSigma, false), testutil.Dump(fromHCL, false))
		})
	}
}
