package condition

import (
	"unicode"
	"unicode/utf8"

	"github.com/detc/detc/internal/rule"
)

type tokKind int

const (
	tokEOF  tokKind = iota
	tokWord         // identifier, keyword, number or glob: classified by the parser
	tokLParen
	tokRParen
	tokPipe
	tokComma
	tokCmp // >, >=, <, <=, =, ==, !=
	tokBad // a character no token starts with
)

type token struct {
	kind tokKind
	text string
	pos  rule.Pos
}

// lexer splits a condition into tokens, tracking the file position of each.
type lexer struct {
	src  string
	off  int
	pos  rule.Pos
	base rule.Pos
}

// isWordRune reports whether r may appear in a search name, glob, keyword
// or number. SigmaHQ names use '-' and '.', globs use '*'.
func isWordRune(r rune) bool {
	return r == '_' || r == '-' || r == '.' || r == '*' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func (l *lexer) advance(r rune, size int) {
	l.off += size
	if r == '\n' {
		// Later lines of a block scalar or heredoc share the first line's
		// indentation, which base.Col gives.
		l.pos.Line++
		l.pos.Col = l.base.Col
		return
	}
	l.pos.Col++
}

func (l *lexer) peekRune() (rune, int) {
	if l.off >= len(l.src) {
		return utf8.RuneError, 0
	}
	return utf8.DecodeRuneInString(l.src[l.off:])
}

func (l *lexer) next() token {
	for {
		r, size := l.peekRune()
		if size == 0 || !unicode.IsSpace(r) {
			break
		}
		l.advance(r, size)
	}
	start, pos := l.off, l.pos
	r, size := l.peekRune()
	if size == 0 {
		return token{kind: tokEOF, pos: pos}
	}
	tok := func(k tokKind) token { return token{kind: k, text: l.src[start:l.off], pos: pos} }
	switch r {
	case '(':
		l.advance(r, size)
		return tok(tokLParen)
	case ')':
		l.advance(r, size)
		return tok(tokRParen)
	case '|':
		l.advance(r, size)
		return tok(tokPipe)
	case ',':
		l.advance(r, size)
		return tok(tokComma)
	case '<', '>', '=', '!':
		l.advance(r, size)
		if n, nsize := l.peekRune(); n == '=' {
			l.advance(n, nsize)
		}
		if t := tok(tokCmp); t.text != "!" {
			return t
		}
		return tok(tokBad)
	}
	if !isWordRune(r) {
		l.advance(r, size)
		return tok(tokBad)
	}
	for {
		r, size := l.peekRune()
		if size == 0 || !isWordRune(r) {
			break
		}
		l.advance(r, size)
	}
	return tok(tokWord)
}
