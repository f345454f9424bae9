package hclrule

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/testutil"
)

// TestGolden decodes each testdata/golden/*.hcl on its own and compares a
// dump of the model, positions included, with the .golden file beside it.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/golden/*.hcl")
	require.NoError(t, err)
	require.NotEmpty(t, inputs)
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".hcl")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			require.NoError(t, err)
			rules, diags := Load([]File{{Name: filepath.Base(in), Data: data}})
			require.Empty(t, diags, diags.Error())
			testutil.Golden(t, "golden/"+name+".golden", []byte(testutil.Dump(rules, true)))
		})
	}
}
