package parallel

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMapKeepsOrder(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for _, n := range []int{0, 1, 2, 7, 1000} {
		items := make([]int, n)
		want := make([]int, n)
		for i := range items {
			items[i] = i
			want[i] = i * i
		}
		assert.Equal(t, want, Map(items, func(i int) int { return i * i }), "n=%d", n)
	}
}

func TestMapOneCore(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	assert.Equal(t, []string{"a!", "b!"}, Map([]string{"a", "b"}, func(s string) string { return s + "!" }))
}
