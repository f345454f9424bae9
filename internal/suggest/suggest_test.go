package suggest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestClosest(t *testing.T) {
	fields := []string{"cs-host", "cs-method", "c-uri", "c-useragent", "r-dns"}
	for name, want := range map[string]string{
		"cs-hots":    "cs-host",
		"CS-HOST":    "cs-host", // case is not a typo worth an edit
		"cs-metod":   "cs-method",
		"c-uri":      "", // an exact name is not a suggestion
		"image":      "", // nothing close
		"dst_ip":     "", // nothing close
		"c-useragnt": "c-useragent",
	} {
		assert.Equal(t, want, Closest(name, fields), name)
	}
	assert.Equal(t, ` (did you mean "cs-host"?)`, DidYouMean("cs-hots", fields))
	assert.Equal(t, "", DidYouMean("zzz", fields))
	assert.Equal(t, 3, distance("kitten", "sitting"))
}
