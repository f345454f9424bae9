package lucenere

import (
	"regexp/syntax"
	"unicode"
)

// Word boundaries. Lucene's RegExp has no \b or \B, but RE2's are ASCII
// (a \w is [0-9A-Za-z_]) and test only the characters on either side. Where
// the expression itself decides those characters, a boundary is a constant
// or a character to consume, and the expression can be rewritten without
// it:
//
//   - between a part that always ends in a word character and one that
//     always starts with one, \b never holds and \B always does (and so
//     on for the other three pairs);
//   - at the end of the expression, which a search leaves free (anything
//     may follow), \b after a word character is "the text ends or a
//     non-word character follows": (?:\z|\W); \B after one is \w; the
//     start is the mirror image.
//
// Counted repetitions and alternations that hold a boundary are unrolled
// and distributed over what follows, and a boundary beside an alternation
// is tested in each of its branches, so each boundary meets its
// neighbours. A boundary these rules cannot decide is left in place, and
// the translation refuses it as before.

// wordRanges are RE2's ASCII word characters, as rune ranges.
var wordRanges = []rune{'0', '9', 'A', 'Z', '_', '_', 'a', 'z'}

func isWord(r rune) bool {
	return '0' <= r && r <= '9' || 'A' <= r && r <= 'Z' || r == '_' || 'a' <= r && r <= 'z'
}

// side is what may stand on one side of a position: a word character, a
// non-word character, the edge of the text; frame marks the free end of
// the whole expression (anything may be there, and it can be consumed).
type side struct {
	word, other, edge, frame bool
}

func (s side) union(t side) side {
	return side{word: s.word || t.word, other: s.other || t.other, edge: s.edge || t.edge}
}

// pure says the side is only word characters (1), only non-word
// characters or the edge (-1), or mixed (0).
func (s side) pure() int {
	switch {
	case s.word && !s.other && !s.edge:
		return 1
	case !s.word && (s.other || s.edge):
		return -1
	}
	return 0
}

// resolveBoundaries rewrites the word boundaries of re that its own
// characters decide; the result matches exactly where re matches. It
// returns re itself when there is nothing to rewrite or a boundary stays
// undecided.
func resolveBoundaries(re *syntax.Regexp) *syntax.Regexp {
	if !hasBoundary(re) {
		return re
	}
	free := side{word: true, other: true, edge: true, frame: true}
	out, ok := sequence(elements(unroll(re)), free, free)
	if !ok || hasBoundary(out) || out.Op == syntax.OpNoMatch {
		return re
	}
	return out
}

func hasBoundary(re *syntax.Regexp) bool {
	if re.Op == syntax.OpWordBoundary || re.Op == syntax.OpNoWordBoundary {
		return true
	}
	for _, s := range re.Sub {
		if hasBoundary(s) {
			return true
		}
	}
	return false
}

// unroll expands the counted repetitions that hold a boundary (x{4} is
// xxxx, x{1,2} is x(?:x)?), leaving the others as they are.
func unroll(re *syntax.Regexp) *syntax.Regexp {
	if !hasBoundary(re) {
		return re
	}
	if re.Op == syntax.OpRepeat && re.Max >= 0 && re.Max <= 16 {
		return unroll(re.Simplify())
	}
	out := *re
	out.Sub = make([]*syntax.Regexp, len(re.Sub))
	for i, s := range re.Sub {
		out.Sub[i] = unroll(s)
	}
	return &out
}

// elements flattens a node into the sequence it matches: concatenations
// and groups are opened, and an optional part that holds a boundary is
// the alternation of nothing and the part.
func elements(re *syntax.Regexp) []*syntax.Regexp {
	switch re.Op {
	case syntax.OpConcat:
		var out []*syntax.Regexp
		for _, s := range re.Sub {
			out = append(out, elements(s)...)
		}
		return out
	case syntax.OpCapture:
		return elements(re.Sub[0])
	case syntax.OpQuest:
		if hasBoundary(re) {
			return []*syntax.Regexp{alternate(&syntax.Regexp{Op: syntax.OpEmptyMatch}, re.Sub[0])}
		}
	case syntax.OpEmptyMatch:
		return nil
	}
	return []*syntax.Regexp{re}
}

// sequence rewrites the boundaries of a sequence whose neighbours are left
// and right.
func sequence(elems []*syntax.Regexp, left, right side) (*syntax.Regexp, bool) {
	k := 0
	for k < len(elems) && !hasBoundary(elems[k]) {
		k++
	}
	if k == len(elems) {
		return concatOf(elems), true
	}
	prefix, rest := elems[:k], elems[k+1:]
	before, ok := lastOf(prefix, left)
	if !ok {
		return nil, false
	}
	e := elems[k]
	switch e.Op {
	case syntax.OpAlternate:
		var alts []*syntax.Regexp
		for _, s := range e.Sub {
			branch := append(elements(s), rest...)
			r, ok := sequence(branch, before, right)
			if !ok {
				return nil, false
			}
			if r.Op != syntax.OpNoMatch {
				alts = append(alts, r)
			}
		}
		if len(alts) == 0 {
			return &syntax.Regexp{Op: syntax.OpNoMatch}, true
		}
		return concatOf(append(append([]*syntax.Regexp{}, prefix...), alternate(alts...))), true
	case syntax.OpWordBoundary, syntax.OpNoWordBoundary:
	default:
		return nil, false // a boundary inside a star or plus
	}
	after, ok := firstOf(rest, right)
	if !ok {
		return nil, false
	}
	boundary := e.Op == syntax.OpWordBoundary
	b, a := before.pure(), after.pure()
	var r []*syntax.Regexp
	switch {
	case b != 0 && a != 0:
		if (b != a) != boundary {
			return &syntax.Regexp{Op: syntax.OpNoMatch}, true
		}
		r = append(append(r, prefix...), rest...)
	case b != 0 && len(rest) == 0 && right.frame:
		// The free end: consume what must follow.
		r = append(append(r, prefix...), follow(b == 1 == boundary, syntax.OpEndText))
	case a != 0 && len(prefix) == 0 && left.frame:
		r = append(append(r, follow(a == 1 == boundary, syntax.OpBeginText)), rest...)
	case b == 0 && len(prefix) > 0 && branches(prefix[len(prefix)-1]) != nil:
		// Undecided before: test the boundary in each branch of what
		// precedes, whose last characters may decide it (the branches
		// then meet what follows).
		r = append(append(r, prefix[:len(prefix)-1]...), distribute(branches(prefix[len(prefix)-1]), e, true))
		r = append(r, rest...)
	case b != 0 && len(rest) > 0 && branches(rest[0]) != nil:
		// Undecided after: likewise with the branches of what follows.
		r = append(append(r, prefix...), distribute(branches(rest[0]), e, false))
		r = append(r, rest[1:]...)
	default:
		return nil, false
	}
	return sequence(r, left, right)
}

// branches are the alternatives of a node that has several: an
// alternation's, or a class of word and non-word characters split in
// two. Nil for other nodes.
func branches(re *syntax.Regexp) []*syntax.Regexp {
	switch re.Op {
	case syntax.OpAlternate:
		return re.Sub
	case syntax.OpCharClass:
		if s := classSide(re.Rune); !s.word || !s.other {
			return nil
		}
		var word, other []rune
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			for j := 0; j < len(wordRanges); j += 2 {
				if a, b := max(lo, wordRanges[j]), min(hi, wordRanges[j+1]); a <= b {
					word = append(word, a, b)
				}
				if lo < wordRanges[j] {
					other = append(other, lo, min(hi, wordRanges[j]-1))
				}
				lo = max(lo, wordRanges[j+1]+1)
				if lo > hi {
					break
				}
			}
			if lo <= hi {
				other = append(other, lo, hi)
			}
		}
		return []*syntax.Regexp{{Op: syntax.OpCharClass, Rune: word}, {Op: syntax.OpCharClass, Rune: other}}
	}
	return nil
}

// distribute moves a boundary into each of the branches beside it: after
// each branch when after is set, before it otherwise.
func distribute(alts []*syntax.Regexp, boundary *syntax.Regexp, after bool) *syntax.Regexp {
	subs := make([]*syntax.Regexp, len(alts))
	for i, s := range alts {
		if after {
			subs[i] = concatOf([]*syntax.Regexp{s, boundary})
		} else {
			subs[i] = concatOf([]*syntax.Regexp{boundary, s})
		}
	}
	return alternate(subs...)
}

// follow is what must stand beside a character for a boundary test to
// hold: the edge of the text or a non-word character when nonWord, a word
// character otherwise.
func follow(nonWord bool, edge syntax.Op) *syntax.Regexp {
	if !nonWord {
		return &syntax.Regexp{Op: syntax.OpCharClass, Rune: append([]rune{}, wordRanges...)}
	}
	var other []rune
	lo := rune(0)
	for i := 0; i < len(wordRanges); i += 2 {
		other = append(other, lo, wordRanges[i]-1)
		lo = wordRanges[i+1] + 1
	}
	other = append(other, lo, unicode.MaxRune)
	return alternate(&syntax.Regexp{Op: edge}, &syntax.Regexp{Op: syntax.OpCharClass, Rune: other})
}

func concatOf(elems []*syntax.Regexp) *syntax.Regexp {
	for _, e := range elems {
		if e.Op == syntax.OpNoMatch {
			return e
		}
	}
	switch len(elems) {
	case 0:
		return &syntax.Regexp{Op: syntax.OpEmptyMatch}
	case 1:
		return elems[0]
	}
	return &syntax.Regexp{Op: syntax.OpConcat, Sub: elems}
}

func alternate(subs ...*syntax.Regexp) *syntax.Regexp {
	if len(subs) == 1 {
		return subs[0]
	}
	return &syntax.Regexp{Op: syntax.OpAlternate, Sub: subs}
}

// lastOf is what may stand just before the position after elems, whose
// own left neighbour is left.
func lastOf(elems []*syntax.Regexp, left side) (side, bool) {
	var s side
	for i := len(elems) - 1; i >= 0; i-- {
		c, nullable, ok := ends(elems[i], false)
		if !ok {
			return side{}, false
		}
		s = s.union(c)
		if !nullable {
			return s, true
		}
	}
	if len(elems) == 0 {
		return left, true
	}
	return s.union(left), true
}

// firstOf is what may stand just after the position before elems, whose
// own right neighbour is right.
func firstOf(elems []*syntax.Regexp, right side) (side, bool) {
	var s side
	for _, e := range elems {
		c, nullable, ok := ends(e, true)
		if !ok {
			return side{}, false
		}
		s = s.union(c)
		if !nullable {
			return s, true
		}
	}
	if len(elems) == 0 {
		return right, true
	}
	return s.union(right), true
}

// ends is the characters a node may start (first) or end with (or the
// edge of the text, for \z at the end or \A at the start), whether it may
// match the empty text, and false for a node whose neighbours this
// analysis does not follow (line anchors, text anchors facing inwards).
func ends(re *syntax.Regexp, first bool) (side, bool, bool) {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		// A boundary consumes nothing: what may stand beside it is what
		// stands beside its neighbours (at most).
		return side{}, true, true
	case syntax.OpEndText, syntax.OpBeginText:
		// The edge of the text, seen from inside: nothing lies beyond.
		if first == (re.Op == syntax.OpEndText) {
			return side{edge: true}, false, true
		}
		return side{}, false, false
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return side{}, true, true
		}
		r := re.Rune[len(re.Rune)-1]
		if first {
			r = re.Rune[0]
		}
		rs := []rune{r}
		if re.Flags&syntax.FoldCase != 0 {
			rs = Folds(r)
		}
		var s side
		for _, r := range rs {
			s.word = s.word || isWord(r)
			s.other = s.other || !isWord(r)
		}
		return s, false, true
	case syntax.OpCharClass:
		return classSide(re.Rune), false, true
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return side{word: true, other: true}, false, true
	case syntax.OpCapture:
		return ends(re.Sub[0], first)
	case syntax.OpStar, syntax.OpQuest:
		s, _, ok := ends(re.Sub[0], first)
		return s, true, ok
	case syntax.OpPlus, syntax.OpRepeat:
		s, nullable, ok := ends(re.Sub[0], first)
		return s, nullable || re.Op == syntax.OpRepeat && re.Min == 0, ok
	case syntax.OpAlternate:
		var s side
		nullable := false
		for _, sub := range re.Sub {
			c, n, ok := ends(sub, first)
			if !ok {
				return side{}, false, false
			}
			s, nullable = s.union(c), nullable || n
		}
		return s, nullable, true
	case syntax.OpConcat:
		var s side
		subs := re.Sub
		for i := range subs {
			sub := subs[i]
			if !first {
				sub = subs[len(subs)-1-i]
			}
			c, n, ok := ends(sub, first)
			if !ok {
				return side{}, false, false
			}
			s = s.union(c)
			if !n {
				return s, false, true
			}
		}
		return s, true, true
	}
	return side{}, false, false
}

// classSide says whether a class (pairs of inclusive ranges) holds word
// characters, other characters, or both.
func classSide(ranges []rune) side {
	var s side
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := ranges[i], ranges[i+1]
		words := 0
		for j := 0; j < len(wordRanges); j += 2 {
			a, b := max(lo, wordRanges[j]), min(hi, wordRanges[j+1])
			if a <= b {
				words += int(b-a) + 1
			}
		}
		s.word = s.word || words > 0
		s.other = s.other || words < int(hi-lo)+1
	}
	return s
}
