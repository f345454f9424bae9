package rule

import "strings"

// PartKind says what a pattern part is.
type PartKind uint8

// Pattern parts.
const (
	Literal PartKind = iota // Text, matched literally
	AnyRun                  // *: any run of characters, empty included
	AnyChar                 // ?: exactly one character
)

// Part is one piece of a wildcard pattern.
type Part struct {
	Kind PartKind
	Text string // for Literal
}

// Pattern is a Sigma string value with its wildcards parsed: literal text
// and * / ? tokens. Escapes are resolved, so backends never see "\*".
type Pattern []Part

// ParsePattern reads a Sigma string value: * and ? are wildcards, and a
// backslash escapes *, ? and itself. A backslash before any other character
// is a literal backslash (so Windows paths need no doubling), as the Sigma
// specification says.
func ParsePattern(s string) Pattern {
	if !strings.ContainsAny(s, `*?\`) {
		return LiteralPattern(s) // most values: no copy of the text
	}
	var p Pattern
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			p = append(p, Part{Kind: Literal, Text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			if i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\') {
				lit.WriteByte(s[i+1])
				i++
			} else {
				lit.WriteByte('\\')
			}
		case '*':
			flush()
			p = append(p, Part{Kind: AnyRun})
		case '?':
			flush()
			p = append(p, Part{Kind: AnyChar})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return p
}

// LiteralPattern is a pattern that matches s exactly, wildcards and all.
func LiteralPattern(s string) Pattern {
	if s == "" {
		return nil
	}
	return Pattern{{Kind: Literal, Text: s}}
}

// Literal returns the pattern's text when it has no wildcards.
func (p Pattern) Literal() (string, bool) {
	switch len(p) {
	case 0:
		return "", true
	case 1:
		if p[0].Kind == Literal {
			return p[0].Text, true
		}
	}
	for _, part := range p {
		if part.Kind != Literal {
			return "", false
		}
	}
	var b strings.Builder
	for _, part := range p {
		b.WriteString(part.Text)
	}
	return b.String(), true
}

// Framed is the pattern a whole value must match under op: a leading *
// for contains and endswith, a trailing one for contains and startswith.
func (p Pattern) Framed(op Op) Pattern {
	var parts Pattern
	if op == OpContains || op == OpEndsWith {
		parts = append(parts, Part{Kind: AnyRun})
	}
	parts = append(parts, p...)
	if op == OpContains || op == OpStartsWith {
		parts = append(parts, Part{Kind: AnyRun})
	}
	return parts
}

// HasWildcards reports whether the pattern has a * or ?.
func (p Pattern) HasWildcards() bool {
	_, lit := p.Literal()
	return !lit
}

// String writes the pattern back in Sigma syntax, escaping literal
// wildcards and the backslashes that would otherwise read as escapes.
func (p Pattern) String() string {
	var b strings.Builder
	for i, part := range p {
		switch part.Kind {
		case AnyRun:
			b.WriteByte('*')
		case AnyChar:
			b.WriteByte('?')
		default:
			wildcardNext := i+1 < len(p) // a Literal part is followed only by a wildcard
			t := part.Text
			for j := 0; j < len(t); j++ {
				c := t[j]
				switch c {
				case '*', '?':
					b.WriteByte('\\')
					b.WriteByte(c)
				case '\\':
					// A backslash reads as an escape only before *, ? or
					// another backslash, so only there does it need one.
					next := byte(0)
					if j+1 < len(t) {
						next = t[j+1]
					} else if wildcardNext {
						next = '*'
					}
					if next == '*' || next == '?' || next == '\\' {
						b.WriteString(`\\`)
					} else {
						b.WriteByte('\\')
					}
				default:
					b.WriteByte(c)
				}
			}
		}
	}
	return b.String()
}
