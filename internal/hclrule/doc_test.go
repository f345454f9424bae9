package hclrule

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/testutil"
)

// TestDocExample keeps docs/hcl-format.md honest: its complete example is
// testdata/golden/doc_example.hcl word for word, which TestGolden loads
// and TestFormatIsStable formats.
func TestDocExample(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "docs", "hcl-format.md"))
	require.NoError(t, err)
	example, err := os.ReadFile("testdata/golden/doc_example.hcl")
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(doc), "```hcl\n"+string(example)+"```\n"),
		"docs/hcl-format.md must hold testdata/golden/doc_example.hcl as its complete example")
	formatted, diags := Format(File{Name: "doc_example.hcl", Data: example})
	require.Empty(t, diags)
	assert.Equal(t, string(example), string(formatted), "the example is in canonical form")
}
