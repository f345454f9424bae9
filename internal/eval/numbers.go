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

// Field names get numbers shared by every program of the process, so that
// a FlatEvent can index its fields and a matcher find its field without
// comparing names.
var fieldNumbers numbering

// numbering gives keys small numbers, in order. It only grows, and is
// copied on write so that reading it takes no lock: events look field
// names up while programs compile. A copy per new key is quadratic in the
// keys, which is cheap for field names (under 1% of a corpus build) but
// was not for searches (searchNumbers).
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

// searchNumbers numbers searches by their content, for every program of
// the process, so that a search several rules share (the same webhook host
// list in a detection and a pivot, say) runs once per event: the FlatEvent
// remembers its result. Only compiling reads the table, so it is a map
// under a lock that grows in place (linear in the searches; a copy on
// write per new search made a corpus build quadratic). uses counts the
// compiled searches of each number: a search is remembered on events only
// when some other compiled search has its number (for one rule alone,
// remembering costs more than it saves).
var searchNumbers struct {
	mu    sync.Mutex
	byKey map[string]int32
	uses  []*atomic.Int32
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
	searchNumbers.mu.Lock()
	defer searchNumbers.mu.Unlock()
	n, ok := searchNumbers.byKey[string(b)]
	if !ok {
		if searchNumbers.byKey == nil {
			searchNumbers.byKey = map[string]int32{}
		}
		n = int32(len(searchNumbers.uses))
		searchNumbers.byKey[string(b)] = n
		searchNumbers.uses = append(searchNumbers.uses, new(atomic.Int32))
	}
	uses := searchNumbers.uses[n]
	uses.Add(1)
	return n, uses
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
