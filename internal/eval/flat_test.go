package eval

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireIndexAgrees checks that the index finds what comparing names
// finds, for every name in names.
func requireIndexAgrees(t *testing.T, e *FlatEvent, names []string) {
	t.Helper()
	for _, name := range names {
		wantV, wantOK := e.Field(name)
		gotV, gotOK := byNumber(e, fieldNumber(name), name)
		require.Equal(t, wantOK, gotOK, "%s in %q", name, e.Names)
		require.Equal(t, wantV, gotV, "%s in %q", name, e.Names)
	}
}

func byNumber(e *FlatEvent, n int32, name string) (Value, bool) {
	if v := e.lookup(n, name); v != nil {
		return *v, true
	}
	return Value{}, false
}

func TestFlatIndex(t *testing.T) {
	a, b := fieldNumber("flat-a"), fieldNumber("flat-b")
	var e FlatEvent
	e.Reset()
	e.Add("flat-a", String("1"))
	e.Add("flat-a", String("2")) // the first wins
	v, ok := byNumber(&e, a, "flat-a")
	assert.True(t, ok)
	assert.Equal(t, "1", v.Str)
	_, ok = byNumber(&e, b, "flat-b")
	assert.False(t, ok)

	// A name numbered after it was added: the index cannot know it.
	e.Add("flat-late", String("3"))
	late := fieldNumber("flat-late")
	v, ok = byNumber(&e, late, "flat-late")
	assert.True(t, ok, "a field numbered after Add is found by name")
	assert.Equal(t, "3", v.Str)

	// Reset forgets the previous event's fields.
	e.Reset()
	e.Add("flat-b", String("4"))
	_, ok = byNumber(&e, a, "flat-a")
	assert.False(t, ok)
	v, ok = byNumber(&e, b, "flat-b")
	assert.True(t, ok)
	assert.Equal(t, "4", v.Str)

	// A copy of the struct shares the index: it must not use it.
	c := e
	requireIndexAgrees(t, &c, []string{"flat-a", "flat-b"})
	c.Names, c.Values = nil, nil
	c.Reset()
	c.Add("flat-a", String("5"))
	requireIndexAgrees(t, &c, []string{"flat-a", "flat-b"})
	requireIndexAgrees(t, &e, []string{"flat-a", "flat-b"})

	// The original refilled (into new memory) while the copy is read.
	c = e
	e.Names, e.Values = nil, nil
	e.Reset()
	e.Add("flat-a", String("6"))
	requireIndexAgrees(t, &c, []string{"flat-a", "flat-b"})
	requireIndexAgrees(t, &e, []string{"flat-a", "flat-b"})

	// Names appended without Add.
	e.Names = append(e.Names, "flat-a")
	e.Values = append(e.Values, String("6"))
	requireIndexAgrees(t, &e, []string{"flat-a", "flat-b"})

	// An event built as a literal.
	lit := &FlatEvent{Names: []string{"flat-a"}, Values: []Value{String("7")}}
	requireIndexAgrees(t, lit, []string{"flat-a", "flat-b"})
	lit.Add("flat-b", String("8"))
	requireIndexAgrees(t, lit, []string{"flat-a", "flat-b"})
}

// TestFlatIndexRandom fills one FlatEvent again and again with random
// names, some numbered before, some after, in changing orders, and checks
// every lookup against comparing names.
func TestFlatIndexRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 1567))
	var names []string
	for i := 0; i < 24; i++ {
		names = append(names, fmt.Sprintf("rnd-%d", i))
	}
	for i := 0; i < 8; i++ {
		fieldNumber(names[i])
	}
	var e FlatEvent
	for round := 0; round < 2000; round++ {
		e.Reset()
		for n := rng.IntN(12); n > 0; n-- {
			e.Add(names[rng.IntN(len(names))], String(fmt.Sprint(round, n)))
		}
		if rng.IntN(50) == 0 {
			fieldNumber(names[8+rng.IntN(len(names)-8)])
		}
		requireIndexAgrees(t, &e, names)
	}
}

// TestMatchEmbeddedFlatEvent matches an event type that embeds a
// FlatEvent (as the log readers' events do) through its index.
func TestMatchEmbeddedFlatEvent(t *testing.T) {
	type readerEvent struct {
		FlatEvent
		line int
	}
	p := compile(t, mkRule(t, nil, search1("sel", f("cs-host|endswith", ".slack.com", "discord.com", "a", "b"), f("cs-method", "POST"))))
	var ev readerEvent
	for _, tc := range []struct {
		host, method string
		want         bool
	}{
		{"hooks.SLACK.com", "POST", true},
		{"hooks.slack.com", "GET", false},
		{"x.discord.com", "post", true},
		{"example.org", "POST", false},
	} {
		ev.Reset()
		ev.Add("cs-method", String(tc.method))
		ev.Add("cs-host", String(tc.host))
		assert.Equal(t, tc.want, p.Match(&ev), "%+v", tc)
		assert.Equal(t, tc.want, p.Match(MapEvent{"cs-host": tc.host, "cs-method": tc.method}), "%+v", tc)
	}
}

// TestConcurrentCompileAndMatch compiles rules (numbering new fields and
// searches) while other goroutines match their own events with programs
// compiled before: a Program is safe for concurrent use, and the numbers
// are read without a lock (run with -race).
func TestConcurrentCompileAndMatch(t *testing.T) {
	p := compile(t, mkRule(t, nil, search1("sel", f("conc-host|endswith", "a.com", "b.com", "c.com", "d.com"), f("conc-m", "POST"))))
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func() {
			var ev FlatEvent
			ok := true
			for i := 0; i < 500; i++ {
				ev.Reset()
				ev.Add("conc-m", String("post"))
				ev.Add(fmt.Sprintf("conc-new-%d", i%7), String("x"))
				ev.Add("conc-host", String("x.B.com"))
				ok = ok && p.Match(&ev)
			}
			done <- ok
		}()
	}
	for i := 0; i < 50; i++ {
		compile(t, mkRule(t, nil, search1("sel", f(fmt.Sprintf("conc-new-%d", i%7), "x"), f(fmt.Sprintf("conc-more-%d", i), "y"))))
	}
	for g := 0; g < 4; g++ {
		assert.True(t, <-done)
	}
}
