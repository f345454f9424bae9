package rule

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPatternFramed(t *testing.T) {
	p := ParsePattern("a?b")
	for _, tt := range []struct {
		op   Op
		want string
	}{
		{OpEquals, "a?b"},
		{OpContains, "*a?b*"},
		{OpStartsWith, "a?b*"},
		{OpEndsWith, "*a?b"},
	} {
		assert.Equal(t, tt.want, p.Framed(tt.op).String(), tt.op.String())
	}
	assert.Equal(t, "a?b", p.String(), "the pattern itself is not changed")
}
