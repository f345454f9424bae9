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
