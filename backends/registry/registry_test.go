package registry

import (
	"testing"

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
	}
	_, ok := Lookup("qradar")
	assert.False(t, ok)
	var all []string
	for _, b := range All() {
		all = append(all, b.Name())
	}
	assert.Equal(t, []string{"splunk", "kql", "elastic"}, all, "presentation order")
}
