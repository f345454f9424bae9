package textutil

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPlural(t *testing.T) {
	assert.Equal(t, "0 rules", Plural(0, "rule"))
	assert.Equal(t, "1 rule", Plural(1, "rule"))
	assert.Equal(t, "2 errors", Plural(2, "error"))
}

func TestUTF16Len(t *testing.T) {
	assert.Equal(t, 3, UTF16Len("abc"))
	assert.Equal(t, 1, UTF16Len("é"))
	assert.Equal(t, 2, UTF16Len("😀"), "outside the BMP: a surrogate pair")
}

func TestIsASCIIAlnum(t *testing.T) {
	for _, b := range []byte("azAZ09") {
		assert.True(t, IsASCIIAlnum(b), string(b))
	}
	for _, b := range []byte("-_ .\xc3") {
		assert.False(t, IsASCIIAlnum(b), string(b))
	}
}
