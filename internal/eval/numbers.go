package eval

import (
	"maps"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/detc/detc/internal/rule"
)

// Numbers shared by every program of the process. Field names get numbers
// so that a FlatEvent can index its fields and a matcher find its field
// without comparing names. Searches get numbers by their content, so that
// a search several rules share (the same webhook host list in a detection
// and a pivot, say) runs once per event: the FlatEvent remembers its
// result.
var (
	fieldNumbers  numbering
	searchNumbers numbering
)

// numbering gives keys small numbers, in order. It only grows, and is
// copied on write so that reading it takes no lock.
type numbering struct {
	mu sync.Mutex
	t  atomic.Pointer[map[string]int32]
}

func (n *numbering) table() map[string]int32 {
	if t := n.t.Load(); t != nil {
		return *t
	}
	return nil
}

func (n *numbering) number(key string) int32 {
	if i, ok := n.table()[key]; ok {
		return i
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	old := n.table()
	if i, ok := old[key]; ok {
		return i
	}
	t := make(map[string]int32, len(old)+1)
	maps.Copy(t, old)
	i := int32(len(old))
	t[strings.Clone(key)] = i
	n.t.Store(&t)
	return i
}

// fieldNumber numbers a field name (at compile time).
func fieldNumber(name string) int32 { return fieldNumbers.number(name) }

// searchUses counts the compiled searches of each number: a search is
// remembered on events only when some other compiled search has its
// number (for one rule alone, remembering costs more than it saves).
var searchUses struct {
	mu   sync.Mutex
	uses []*atomic.Int32
}

// searchNumber numbers a search by everything that decides its result,
// so that two searches with one number match the same events, and counts
// one more use of the number.
func searchNumber(s *rule.Search) (int32, *atomic.Int32) {
	var b []byte
	for _, g := range s.Groups {
		b = append(b, '(')
		for _, m := range g.Matchers {
			b = strconv.AppendQuote(append(b, '['), m.Field)
			for _, x := range []int{int(m.Op), b2i(m.Cased), b2i(m.Negate), b2i(m.FieldRef), b2i(m.Regex.IgnoreCase), b2i(m.Regex.Multiline), b2i(m.Regex.DotAll)} {
				b = strconv.AppendInt(append(b, ' '), int64(x), 10)
			}
			for _, v := range m.Values {
				b = strconv.AppendInt(append(b, " {"...), int64(v.Kind), 10)
				b = strconv.AppendQuote(append(b, ' '), v.Text)
				b = strconv.AppendUint(append(b, ' '), math.Float64bits(v.Number), 16)
				for _, part := range v.Pattern {
					b = strconv.AppendInt(append(b, ' '), int64(part.Kind), 10)
					b = strconv.AppendQuote(b, part.Text)
				}
				b = append(b, '}')
			}
			b = append(b, ']')
		}
		b = append(b, ')')
	}
	n := searchNumbers.number(string(b))
	searchUses.mu.Lock()
	defer searchUses.mu.Unlock()
	for int(n) >= len(searchUses.uses) {
		searchUses.uses = append(searchUses.uses, new(atomic.Int32))
	}
	uses := searchUses.uses[n]
	uses.Add(1)
	return n, uses
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
