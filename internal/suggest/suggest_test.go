package suggest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestClosest(t *testing.T) {
	known := []string{"datamodel", "dataset", "search_prefix", "sources", "fields", "attrs"}
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"datamodle", "datamodel", true}, // swapped neighbours: one edit
		{"DataModel", "datamodel", true},
		{"source", "sources", true},
		{"attr", "attrs", true},
		{"feilds", "fields", true},
		{"index", "", false},
		{"x", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := Closest(tt.name, known)
		assert.Equal(t, tt.want, got, tt.name)
		assert.Equal(t, tt.ok, ok, tt.name)
	}
	assert.Equal(t, ` (did you mean "datamodel"?)`, DidYouMean("datamodle", known))
	assert.Equal(t, "", DidYouMean("index", known))
}

// TestMisspelt: a verdict of misspelling needs the name within two edits
// of a known one, however long the name; a hint (Closest) allows more.
func TestMisspelt(t *testing.T) {
	known := []string{"cs-host", "cs-method", "properties.message", "requestParameters.enable", "data.protoPayload.serviceName"}
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"cs-hots", "cs-host", true}, // swapped neighbours
		{"cs-metod", "cs-method", true},
		{"properties.mesage", "properties.message", true},
		{"properties.result", "", false}, // five edits: another field, not a typo
		{"requestParameters.layers", "", false},
		{"data.protoPayload.resource.type", "", false},
		{"x", "", false},
	}
	for _, tt := range tests {
		got, ok := Misspelt(tt.name, known)
		assert.Equal(t, tt.want, got, tt.name)
		assert.Equal(t, tt.ok, ok, tt.name)
		if ok {
			closest, _ := Closest(tt.name, known)
			assert.Equal(t, closest, got, "%s: the verdict and the hint name the same field", tt.name)
		}
	}
	_, hint := Closest("properties.result", known)
	assert.True(t, hint, "the hint allows a third of the name")
}
