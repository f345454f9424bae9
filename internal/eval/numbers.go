package eval

import (
	"fmt"
	"maps"
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
	var b strings.Builder
	for _, g := range s.Groups {
		b.WriteString("(")
		for _, m := range g.Matchers {
			fmt.Fprintf(&b, "[%q %d %t %t %t %+v", m.Field, m.Op, m.Cased, m.Negate, m.FieldRef, m.Regex)
			for _, v := range m.Values {
				fmt.Fprintf(&b, " {%d %q %b", v.Kind, v.Text, v.Number)
				for _, part := range v.Pattern {
					fmt.Fprintf(&b, " %d%q", part.Kind, part.Text)
				}
				b.WriteString("}")
			}
			b.WriteString("]")
		}
		b.WriteString(")")
	}
	n := searchNumbers.number(b.String())
	searchUses.mu.Lock()
	defer searchUses.mu.Unlock()
	for int(n) >= len(searchUses.uses) {
		searchUses.uses = append(searchUses.uses, new(atomic.Int32))
	}
	uses := searchUses.uses[n]
	uses.Add(1)
	return n, uses
}
