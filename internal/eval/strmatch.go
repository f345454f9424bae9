package eval

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/detc/detc/internal/rule"
)

// String matching. A pattern compiles to a strMatcher: literal patterns use
// prefix / suffix / substring / equality tests that allocate nothing, with
// an ASCII case-folding fast path; patterns with wildcards use a glob
// matcher over runes. Case-insensitive comparison is Unicode simple
// folding, the equivalence strings.EqualFold uses, applied rune by rune.
// Invalid UTF-8 bytes are compared as raw bytes, never as U+FFFD, so two
// different invalid bytes do not match each other.

// strMode is where a literal must occur in the subject.
type strMode uint8

const (
	modeEqual strMode = iota
	modePrefix
	modeSuffix
	modeContains
	modeGlob // the pattern has wildcards
)

type strMatcher struct {
	mode  strMode
	cased bool
	// lit is the literal (lower-cased when !cased and ASCII).
	lit      string
	asciiLit bool
	// foldsWide: some letter of the ASCII lit folds with a non-ASCII rune
	// (k with the Kelvin sign, s with the long s), so a failed byte-wise
	// test on non-ASCII text must be retried rune by rune.
	foldsWide bool
	// units is the pattern as glob units, used for wildcard patterns and
	// for subjects or literals outside ASCII.
	units []unit
}

type unitKind uint8

const (
	unitRune unitKind = iota
	unitAnyChar
	unitAnyRun
)

type unit struct {
	kind unitKind
	r    rune
}

// invalidBase maps an invalid UTF-8 byte b to the pseudo-rune
// invalidBase+b, outside Unicode, so it only equals the same byte.
const invalidBase = unicode.MaxRune + 1

func decodeRune(s string) (rune, int) {
	c := s[0]
	if c < utf8.RuneSelf {
		return rune(c), 1
	}
	r, w := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError && w == 1 {
		return invalidBase + rune(c), 1
	}
	return r, w
}

// runeEqual compares two runes, folding case unless cased.
func runeEqual(a, b rune, cased bool) bool {
	if a == b {
		return true
	}
	if cased || a > unicode.MaxRune || b > unicode.MaxRune {
		return false
	}
	if a < utf8.RuneSelf && b < utf8.RuneSelf {
		return lowerASCII(byte(a)) == lowerASCII(byte(b))
	}
	for f := unicode.SimpleFold(a); f != a; f = unicode.SimpleFold(f) {
		if f == b {
			return true
		}
	}
	return false
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// newStrMatcher compiles a rule pattern for an op (equals, contains,
// startswith or endswith).
func newStrMatcher(p rule.Pattern, op rule.Op, cased bool) *strMatcher {
	m := &strMatcher{cased: cased}
	for _, part := range p.Framed(op) {
		switch part.Kind {
		case rule.AnyRun:
			if n := len(m.units); n == 0 || m.units[n-1].kind != unitAnyRun {
				m.units = append(m.units, unit{kind: unitAnyRun})
			}
		case rule.AnyChar:
			m.units = append(m.units, unit{kind: unitAnyChar})
		default:
			for s := part.Text; s != ""; {
				r, w := decodeRune(s)
				m.units = append(m.units, unit{kind: unitRune, r: r})
				s = s[w:]
			}
		}
	}
	lit, ok := p.Literal()
	if !ok {
		m.mode = modeGlob
		return m
	}
	switch op {
	case rule.OpContains:
		m.mode = modeContains
	case rule.OpStartsWith:
		m.mode = modePrefix
	case rule.OpEndsWith:
		m.mode = modeSuffix
	default:
		m.mode = modeEqual
	}
	m.asciiLit = isASCII(lit)
	if !cased && m.asciiLit {
		lit = strings.ToLower(lit)
		m.foldsWide = foldsWide(lit)
	}
	m.lit = lit
	return m
}

// foldsWide reports whether a rune of the ASCII text s has a non-ASCII
// rune in its simple folding orbit.
func foldsWide(s string) bool {
	for i := 0; i < len(s); i++ {
		r := rune(s[i])
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f >= utf8.RuneSelf {
				return true
			}
		}
	}
	return false
}

// match reports whether the subject's text matches.
func (m *strMatcher) match(sub *subject) bool {
	s := sub.text
	if m.mode == modeGlob {
		return globMatch(m.units, s, m.cased)
	}
	if m.cased {
		switch m.mode {
		case modeEqual:
			return s == m.lit
		case modePrefix:
			return strings.HasPrefix(s, m.lit)
		case modeSuffix:
			return strings.HasSuffix(s, m.lit)
		default:
			return strings.Contains(s, m.lit)
		}
	}
	if !m.asciiLit {
		return globMatch(m.units, s, false)
	}
	// Byte-wise folding of an ASCII literal finds every match in ASCII
	// text, and any match it finds is real. Only non-ASCII text whose runes
	// may fold onto the literal's letters needs the rune-wise matcher.
	if m.matchASCII(s) {
		return true
	}
	return m.foldsWide && !sub.isASCII() && globMatch(m.units, s, false)
}

func (m *strMatcher) matchASCII(s string) bool {
	switch m.mode {
	case modeEqual:
		return len(s) == len(m.lit) && equalFoldLower(s, m.lit)
	case modePrefix:
		return len(s) >= len(m.lit) && equalFoldLower(s[:len(m.lit)], m.lit)
	case modeSuffix:
		return len(s) >= len(m.lit) && equalFoldLower(s[len(s)-len(m.lit):], m.lit)
	default:
		return containsFoldLower(s, m.lit)
	}
}

// equalFoldLower compares s with the lower-case ASCII lit of the same
// length, folding ASCII letters only.
func equalFoldLower(s, lit string) bool {
	for i := 0; i < len(lit); i++ {
		if lowerASCII(s[i]) != lit[i] {
			return false
		}
	}
	return true
}

// containsFoldLower reports whether s holds the lower-case ASCII lit,
// folding ASCII letters only.
func containsFoldLower(s, lit string) bool {
	if lit == "" {
		return true
	}
	first := lit[0]
	upper := first
	if 'a' <= first && first <= 'z' {
		upper = first - ('a' - 'A')
	}
	last := len(s) - len(lit)
	for i := 0; i <= last; i++ {
		if c := s[i]; (c == first || c == upper) && equalFoldLower(s[i+1:i+len(lit)], lit[1:]) {
			return true
		}
	}
	return false
}

// globMatch matches s against units: * any run of runes (the empty one
// too), ? exactly one rune. It backtracks only to the last *, which is
// enough for these two wildcards and keeps the cost at O(len(s)*len(units))
// at worst, without allocating.
func globMatch(units []unit, s string, cased bool) bool {
	p, i := 0, 0
	starP, starI := -1, 0
	for i < len(s) {
		if p < len(units) {
			switch u := units[p]; u.kind {
			case unitAnyRun:
				starP, starI = p, i
				p++
				continue
			case unitAnyChar:
				_, w := decodeRune(s[i:])
				i += w
				p++
				continue
			default:
				if r, w := decodeRune(s[i:]); runeEqual(r, u.r, cased) {
					i += w
					p++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		_, w := decodeRune(s[starI:])
		starI += w
		p, i = starP+1, starI
	}
	for p < len(units) && units[p].kind == unitAnyRun {
		p++
	}
	return p == len(units)
}

// compareText compares two runtime strings (fieldref): op is equals,
// contains, startswith or endswith.
func compareText(s, other string, op rule.Op, cased bool) bool {
	if cased {
		switch op {
		case rule.OpContains:
			return strings.Contains(s, other)
		case rule.OpStartsWith:
			return strings.HasPrefix(s, other)
		case rule.OpEndsWith:
			return strings.HasSuffix(s, other)
		default:
			return s == other
		}
	}
	switch op {
	case rule.OpContains:
		for i := 0; ; {
			if foldPrefix(s[i:], other) >= 0 {
				return true
			}
			if i == len(s) {
				return false
			}
			_, w := decodeRune(s[i:])
			i += w
		}
	case rule.OpStartsWith:
		return foldPrefix(s, other) >= 0
	case rule.OpEndsWith:
		for i := 0; ; {
			if n := foldPrefix(s[i:], other); n == len(s)-i {
				return true
			}
			if i == len(s) {
				return false
			}
			_, w := decodeRune(s[i:])
			i += w
		}
	default:
		return foldPrefix(s, other) == len(s)
	}
}

// foldPrefix returns how many bytes of s match all of lit ignoring case,
// or -1 when s does not start with lit.
func foldPrefix(s, lit string) int {
	i := 0
	for lit != "" {
		if i == len(s) {
			return -1
		}
		a, wa := decodeRune(s[i:])
		b, wb := decodeRune(lit)
		if !runeEqual(a, b, false) {
			return -1
		}
		i += wa
		lit = lit[wb:]
	}
	return i
}
