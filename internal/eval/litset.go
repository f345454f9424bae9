package eval

import (
	"unicode"
	"unicode/utf8"
)

// A litSet tests a text against many literal values of one matcher at
// once: its result is the OR of strMatcher.match over the literals, but it
// reads the text once instead of once per literal. Detection packs compare
// a host with dozens of webhook domains; value by value, that dominated a
// hunt.
//
// The literals go into a trie of folded units: runes mapped to the
// representative of their simple folding orbit (foldRune), or bytes when
// cased. Two runes fold to one unit exactly when runeEqual holds for them,
// as strings.EqualFold decides, so walking the trie is the comparison
// itself. equals walks the whole text and must end on a literal's end;
// startswith must pass one; endswith walks a trie of reversed literals
// from the end of the text; contains walks the startswith trie from each
// rune of the text that can start a literal. A walk stops at the first
// unit no literal continues with: an ordinary host leaves the webhook
// trie after a few bytes.
//
// Invalid UTF-8 bytes are pseudo-runes (decodeRune) that fold to nothing
// else; decodeLastRune splits a text from its end into the same runes.
type litSet struct {
	mode  strMode // modeEqual, modePrefix, modeSuffix or modeContains
	cased bool
	nodes []trieNode
	// root[b] is the root's child for the unit b < 128 (0: none), so that
	// the widest node is read without a scan.
	root [utf8.RuneSelf]int32
	// unitOf maps a byte to its unit when it is one (ASCII, or any byte
	// when cased).
	unitOf [256]byte
	// contains: first[c] is set when a literal can start at a byte c of
	// the text: the first byte of any rune folding onto its first rune.
	first [256]bool
}

// trieNode is a node of the trie. Most nodes have one child: its edge is
// held in the node itself, so that a walk along a literal reads one node
// per unit.
type trieNode struct {
	end  bool  // a literal ends here
	unit rune  // the first child's unit
	next int32 // the first child (0: none)
	more []trieEdge
}

type trieEdge struct {
	unit rune
	next int32
}

// minSetValues is how many literal values of one matcher make a litSet
// worth building (BenchmarkLitSet): with fewer, value by value is as fast.
const minSetValues = 4

// foldRune maps r to the representative of its simple folding orbit: the
// smallest rune of the orbit (upper case for ASCII letters). Pseudo-runes
// of invalid bytes are their own.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - ('a' - 'A')
		}
		return r
	}
	if r > unicode.MaxRune {
		return r
	}
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}

// decodeLastRune is decodeRune from the end of s: it splits a text into
// the same runes and invalid bytes as decodeRune does from the start.
func decodeLastRune(s string) (rune, int) {
	c := s[len(s)-1]
	if c < utf8.RuneSelf {
		return rune(c), 1
	}
	r, w := utf8.DecodeLastRuneInString(s)
	if r == utf8.RuneError && w == 1 {
		return invalidBase + rune(c), 1
	}
	return r, w
}

// newLitSet builds a set over literals for a mode (the literals as
// newStrMatcher keeps them; folding makes its lower-casing immaterial).
func newLitSet(mode strMode, cased bool, lits []string) *litSet {
	size := 1
	for _, lit := range lits {
		size += len(lit)
	}
	s := &litSet{mode: mode, cased: cased, nodes: make([]trieNode, 1, size)}
	for c := 0; c < 256; c++ {
		u := byte(c)
		if !cased && 'a' <= u && u <= 'z' {
			u -= 'a' - 'A'
		}
		s.unitOf[c] = u
	}
	for _, lit := range lits {
		node := int32(0)
		for rest := lit; rest != ""; {
			var u rune
			var w int
			if mode == modeSuffix {
				u, w = s.lastUnit(rest)
				rest = rest[:len(rest)-w]
			} else {
				u, w = s.unit(rest)
				rest = rest[w:]
			}
			node = s.child(node, u)
		}
		s.nodes[node].end = true
		if mode == modeContains && lit != "" {
			s.markFirst(lit)
		}
	}
	return s
}

// child returns node's child for unit u, adding it when missing.
func (s *litSet) child(node int32, u rune) int32 {
	if next := s.next(node, u); next > 0 {
		return next
	}
	next := int32(len(s.nodes))
	s.nodes = append(s.nodes, trieNode{})
	if node == 0 && u < utf8.RuneSelf {
		s.root[u] = next
	}
	if nd := &s.nodes[node]; nd.next == 0 {
		nd.unit, nd.next = u, next
	} else {
		nd.more = append(nd.more, trieEdge{unit: u, next: next})
	}
	return next
}

// next is node's child for unit u, 0 when there is none (the root is
// nobody's child).
func (s *litSet) next(node int32, u rune) int32 {
	if node == 0 && u < utf8.RuneSelf {
		return s.root[u]
	}
	nd := &s.nodes[node]
	if nd.unit == u && nd.next != 0 {
		return nd.next
	}
	for _, e := range nd.more {
		if e.unit == u {
			return e.next
		}
	}
	return 0
}

// unit reads the first unit of text and its width in bytes.
func (s *litSet) unit(text string) (rune, int) {
	if c := text[0]; c < utf8.RuneSelf || s.cased {
		return rune(s.unitOf[c]), 1
	}
	r, w := decodeRune(text)
	return foldRune(r), w
}

// lastUnit reads the last unit of text and its width in bytes.
func (s *litSet) lastUnit(text string) (rune, int) {
	if c := text[len(text)-1]; c < utf8.RuneSelf || s.cased {
		return rune(s.unitOf[c]), 1
	}
	r, w := decodeLastRune(text)
	return foldRune(r), w
}

// markFirst flags the bytes a text rune folding onto lit's first rune can
// start with.
func (s *litSet) markFirst(lit string) {
	r, _ := decodeRune(lit)
	if s.cased || r > unicode.MaxRune {
		s.first[lit[0]] = true
		return
	}
	var buf [utf8.UTFMax]byte
	for f := r; ; {
		utf8.EncodeRune(buf[:], f)
		s.first[buf[0]] = true
		if f = unicode.SimpleFold(f); f == r {
			return
		}
	}
}

// match reports whether any literal matches text.
func (s *litSet) match(text string) bool {
	switch s.mode {
	case modeEqual:
		node := int32(0)
		for i := 0; i < len(text); {
			var u rune
			w := 1
			if c := text[i]; c < utf8.RuneSelf || s.cased {
				u = rune(s.unitOf[c])
			} else {
				u, w = s.unit(text[i:])
			}
			if node = s.next(node, u); node == 0 {
				return false
			}
			i += w
		}
		return s.nodes[node].end
	case modePrefix:
		return s.prefixAt(text)
	case modeSuffix:
		if s.nodes[0].end {
			return true
		}
		node := int32(0)
		for i := len(text); i > 0; {
			var u rune
			w := 1
			if c := text[i-1]; c < utf8.RuneSelf || s.cased {
				u = rune(s.unitOf[c])
			} else {
				u, w = s.lastUnit(text[:i])
			}
			if node = s.next(node, u); node == 0 {
				return false
			}
			if s.nodes[node].end {
				return true
			}
			i -= w
		}
		return false
	default: // modeContains
		if s.nodes[0].end {
			return true
		}
		for i := 0; i < len(text); {
			c := text[i]
			if s.first[c] && s.prefixAt(text[i:]) {
				return true
			}
			if c < utf8.RuneSelf || s.cased {
				i++
			} else {
				// Literals start on rune boundaries of the text.
				_, w := decodeRune(text[i:])
				i += w
			}
		}
		return false
	}
}

// prefixAt reports whether text starts with a literal.
func (s *litSet) prefixAt(text string) bool {
	node := int32(0)
	if s.nodes[0].end {
		return true
	}
	for i := 0; i < len(text); {
		var u rune
		w := 1
		if c := text[i]; c < utf8.RuneSelf || s.cased {
			u = rune(s.unitOf[c])
		} else {
			u, w = s.unit(text[i:])
		}
		if node = s.next(node, u); node == 0 {
			return false
		}
		if s.nodes[node].end {
			return true
		}
		i += w
	}
	return false
}
