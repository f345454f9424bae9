package textutil

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

func TestEscapeNonASCII(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain ascii", "plain ascii"},
		{"", ""},
		{"caf\u00e9", `caf\u00E9`},
		{"\u2248 100", `\u2248 100`},
		{"emoji \U0001F600!", `emoji \uD83D\uDE00!`},
	}
	for _, tt := range tests {
		got := EscapeNonASCII([]byte(tt.in), WriteUTF16Escape)
		assert.Equal(t, tt.want, string(got), tt.in)
		// What JSON reads back is the text itself.
		var back string
		require.NoError(t, json.Unmarshal([]byte(`"`+string(got)+`"`), &back))
		assert.Equal(t, tt.in, back)
	}
}
