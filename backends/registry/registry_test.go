package registry

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/internal/testutil"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegistry(t *testing.T) {
	assert.Equal(t, []string{"elastic", "kql", "splunk"}, Names())
	for _, name := range Names() {
		b, ok := Lookup(name)
		require.True(t, ok, name)
		assert.Equal(t, name, b.Name())
		assert.NotEmpty(t, b.Profiles(), "the first profile is the default")
		assert.Contains(t, b.Profiles(), "raw")
		assert.NotEmpty(t, b.Langs())
		assert.NotEqual(t, name, b.Title(), "every target has an analyst-facing name")
		products := Products(b)
		require.NotEmpty(t, products)
		assert.Equal(t, b.Profiles()[0], products[0].Profile, "the default profile first")
		for _, p := range products {
			assert.Contains(t, b.Profiles(), p.Profile)
			assert.NotEqual(t, name, p.Title, "every product has an analyst-facing name")
		}
	}
	_, ok := Lookup("qradar")
	assert.False(t, ok)
	var all []string
	for _, b := range All() {
		all = append(all, b.Name())
	}
	assert.Equal(t, []string{"splunk", "kql", "elastic"}, all, "presentation order")
}

// TestMappingSchemas: every backend declares the source attributes it
// reads (mapping files are checked against them), and its guide documents
// each one.
func TestMappingSchemas(t *testing.T) {
	for _, name := range Names() {
		s, ok := mapping.SchemaFor(name)
		require.True(t, ok, "%s registers no mapping schema", name)
		require.NotEmpty(t, s.Attrs, name)
		doc, err := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "docs", "backends", name+".md"))
		require.NoError(t, err)
		for _, a := range s.Attrs {
			assert.Contains(t, string(doc), "`"+a+"`", "docs/backends/%s.md does not describe the attribute %s", name, a)
		}
	}
}
