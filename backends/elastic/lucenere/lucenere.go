// Package lucenere writes regular expressions in Lucene's RegExp dialect,
// the one Elasticsearch uses for query_string /regex/ terms, EQL's regex
// and ES|QL's RLIKE. That dialect matches the whole term (it is anchored),
// has no \d, \w, \s or inline flags, and treats more characters as
// operators than RE2 does. The package turns Sigma values (wildcard
// patterns, case-insensitive by default) and Sigma re values (RE2 syntax,
// an unanchored search) into Lucene expressions with the same matches.
package lucenere

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/detc/detc/internal/rule"
)

// reserved are the characters Lucene's RegExp (with all syntax flags, as
// Elasticsearch enables them) reads as operators, plus "/", which ends a
// regex term in query_string; RegExp reads an escaped "/" as itself.
const reserved = `.?+*|{}[]()"\#@&<>~/`

// Literal appends r as a literal to b.
func Literal(b *strings.Builder, r rune) {
	if r < utf8.RuneSelf && strings.IndexByte(reserved, byte(r)) >= 0 {
		b.WriteByte('\\')
	}
	b.WriteRune(r)
}

// Folds returns every rune that Unicode simple case folding makes equal to
// r (r included), sorted: the equivalence the evaluator uses for
// case-insensitive matching (strings.EqualFold).
func Folds(r rune) []rune {
	out := []rune{r}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// HasCase reports whether some rune of s has another case form, so that a
// case-insensitive match needs more than the exact text.
func HasCase(s string) bool {
	for _, r := range s {
		if unicode.SimpleFold(r) != r {
			return true
		}
	}
	return false
}

// asciiClasses caches the classes of ASCII letters, the common case.
var asciiClasses = func() (t [utf8.RuneSelf]string) {
	for r := rune(0); r < utf8.RuneSelf; r++ {
		if unicode.SimpleFold(r) != r {
			t[r] = foldClass(r)
		}
	}
	return t
}()

func foldClass(r rune) string {
	var b strings.Builder
	b.WriteByte('[')
	for _, f := range Folds(r) {
		classRune(&b, f)
	}
	b.WriteByte(']')
	return b.String()
}

// foldRune appends r, as a class of its case forms when fold is set and it
// has any ([kK\u212a] for k).
func foldRune(b *strings.Builder, r rune, fold bool) {
	switch {
	case !fold:
		Literal(b, r)
	case r < utf8.RuneSelf && asciiClasses[r] != "":
		b.WriteString(asciiClasses[r])
	case r < utf8.RuneSelf || unicode.SimpleFold(r) == r:
		Literal(b, r)
	default:
		b.WriteString(foldClass(r))
	}
}

// classRune appends r inside a character class; punctuation is escaped
// there, where Lucene reads \x as x for every x.
func classRune(b *strings.Builder, r rune) {
	if r < utf8.RuneSelf && !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
		b.WriteByte('\\')
	}
	b.WriteRune(r)
}

// Pattern writes a Sigma wildcard pattern as a Lucene regex: * is .*, ? is
// one character, literal text is escaped and, unless cased, every letter
// becomes a class of its case forms. The op adds the implied wildcards of
// contains, startswith and endswith. Invalid UTF-8 cannot be written, nor
// a pattern Lucene could not determinize (a *TooComplex error: many ?
// after a *).
func Pattern(p rule.Pattern, op rule.Op, cased bool) (string, error) {
	parts := p.Framed(op)
	var b strings.Builder
	lastRun := false
	for _, part := range parts {
		switch part.Kind {
		case rule.AnyRun:
			if !lastRun {
				b.WriteString(".*")
			}
			lastRun = true
			continue
		case rule.AnyChar:
			b.WriteByte('.')
		default:
			if !utf8.ValidString(part.Text) {
				return "", fmt.Errorf("the value %q is not valid UTF-8 text", part.Text)
			}
			for _, r := range part.Text {
				foldRune(&b, r, !cased)
			}
		}
		lastRun = false
	}
	out := guardTrailingBackslash(b.String())
	if !boundedPattern(parts) {
		if err := CheckDeterminizable(out); err != nil {
			return "", err
		}
	}
	return out, nil
}

// CheckWildcards returns a *TooComplex error for a pattern whose automaton
// Lucene could not determinize within its limit, however it is written:
// a query_string wildcard term (WildcardQuery), EQL's like and :, ES|QL's
// LIKE, or a regex, all of which Elasticsearch turns into the automaton of
// the regex Pattern writes (* is .*, ? any character) and determinizes.
func CheckWildcards(p rule.Pattern, op rule.Op) error {
	if boundedPattern(p.Framed(op)) {
		return nil
	}
	_, err := Pattern(p, op, false)
	var tc *TooComplex
	if errors.As(err, &tc) {
		w := *tc // the cached verdict on the regex stays as it is
		w.Wildcards = true
		return &w
	}
	return nil
}

// boundedPattern reports whether a pattern's automaton is small enough
// without measuring it, as most are.
func boundedPattern(parts rule.Pattern) bool {
	subsets, positions, ok := patternBound(parts)
	return ok && subsets <= stateBudget && subsets*positions < workBudget
}

// patternBound bounds the subsets of a pattern's subset construction.
// Without ? wildcards, a pattern is literal segments joined by *, each
// character a class of its case forms (classes that are equal or
// disjoint). A subset is then fixed by how many segments have matched in
// order, m, and, for each of the next m+1 segments, the longest prefix of
// it the text ends with (the shorter ones follow, as in
// Knuth-Morris-Pratt): at most (k+1)*(|s1|+1)*...*(|sk|+1) subsets for k
// segments, and the start. The work is at most the subsets times the
// positions. ok is false for a pattern with ? or a bound past the budget.
func patternBound(parts rule.Pattern) (subsets, positions int, ok bool) {
	subsets, segments, segment := 1, 1, 0
	for _, part := range parts {
		switch part.Kind {
		case rule.AnyChar:
			return 0, 0, false
		case rule.AnyRun:
			positions++
			subsets *= segment + 1
			segments++
			segment = 0
		default:
			n := utf8.RuneCountInString(part.Text)
			positions += n
			segment += n
		}
		if subsets > stateBudget || segment > stateBudget {
			return 0, 0, false
		}
	}
	subsets *= segment + 1
	return subsets*segments + 1, positions, subsets <= stateBudget
}

// guardTrailingBackslash rewrites a final escaped backslash as a class:
// query_string reads "\/" inside a regex term as an escaped slash, so a
// regex ending in "\\" would swallow the closing "/".
func guardTrailingBackslash(s string) string {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	if n > 0 && n%2 == 0 {
		return s[:len(s)-2] + `[\\]`
	}
	return s
}
