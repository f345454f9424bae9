package splunk

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/textutil"
)

// Keywords against the event's text. A keyword holds when a string value
// of the event contains it. Splunk keeps the event's text in _raw, which
// holds every value the add-ons extract, each written in the event's own
// format: as it is (plain text, key=value), or escaped by JSON, XML or CSV.
// So a keyword compiles to two tests:
//
//   - the exact test, `match(_raw, R)`, where R finds the keyword's text in
//     any of the forms the formats write each character in (rawForms);
//   - a prefilter in the search command: the terms of Splunk's index that
//     every event passing the exact test contains (rawTerms), so that
//     Splunk reads only the events holding them instead of every event.
//
// How Splunk indexes and matches terms (Splunk Enterprise documentation):
//
//   - segmenters.conf.spec (Admin Manual): events are cut into segments at
//     major breakers, by default `[ ] < > ( ) { } | ! ; , ' " * \n \r \s
//     \t & ? +`, `--` and URL-encoded forms such as %20, %2B, %3D; segments
//     are cut again at minor breakers, by default `/ : = @ . - $ # % \ _`,
//     and both the major segments and the pieces between minor breakers are
//     indexed.
//   - Search Manual, "Event segmentation and searching": the IP address
//     91.205.189.15 is the major segment 91.205.189.15 and the minor
//     segments 91, 205, 189, 15. Wildcards in the middle of a term may give
//     inconsistent results when the term holds punctuation, so detc writes
//     no wildcard in a term.
//   - Search Manual, "Search command primer": keywords and quoted phrases
//     are matched against _raw. "Wildcards": * matches any run of
//     characters in the search command; access* is its example of a
//     (slower) term search, and leading wildcards are slow.
//   - Search Manual, "Use CASE() and TERM() to match phrases": searches are
//     case-insensitive unless CASE() is used; TERM(x) matches x as one
//     token of the index, for x holding minor breakers but no major
//     breaker and bounded by major breakers in the event; without TERM, a
//     term with minor breakers is searched as the conjunction of its pieces
//     and post-filtered.
//
// A term is safe when every event whose text holds the keyword, in any raw
// form, has it as a token (or, for word*, a token starting with it): a run
// of letters and digits that the keyword itself bounds with breakers (the
// keyword may sit inside a longer word, so its first piece is no token),
// where each bounding breaker stays a breaker in every raw form (`"` may be
// `\"` or `&quot;`, both bounded by breakers; `<` may be `\u003c`, whose `c`
// would join the next word, so `<` bounds no term). This assumes the
// default segmentation; a sourcetype indexed with other breakers needs its
// own selection (see docs/backends/splunk.md).

// majorBreakers and minorBreakers are segmenters.conf's single-character
// defaults (\s is the space).
const (
	majorBreakers = " \t\n\r[]<>(){}|!;,'\"*&?+"
	minorBreakers = `/:=@.-$#%\_`
)

func isBreaker(r rune) bool {
	return r < utf8.RuneSelf && strings.ContainsRune(majorBreakers+minorBreakers, r)
}

func isMajor(r rune) bool { return r < utf8.RuneSelf && strings.ContainsRune(majorBreakers, r) }

// rawForms lists the texts a character of a value may take in _raw: the
// character itself; JSON's escapes (`\\`, `\"`, `\/`, `\n` and the other
// short forms, `\uXXXX` for control characters and DEL, for the `< > & '`
// that HTML-safe encoders such as Go's escape, and for any non-ASCII
// character, which ASCII-only encoders such as Python's default escape,
// surrogate pairs above U+FFFF); XML's entities (`&amp; &lt; &gt; &quot;
// &apos;`, `&#34;`, `&#39;`); CSV's `""`. fold adds the \u forms of the
// character's other cases (the regex is case-insensitive, which covers the
// rest).
func rawForms(r rune, fold bool) []string {
	forms := append([]string{string(r)}, escapedForms[r]...)
	if r >= 0x20 && r < 0x7f && !strings.ContainsRune("<>&'", r) {
		return forms
	}
	runes := []rune{r}
	if fold {
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			runes = append(runes, f)
		}
	}
	for _, x := range runes {
		forms = append(forms, jsonEscape(x, "%04x"))
		if up := jsonEscape(x, "%04X"); !fold && up != forms[len(forms)-1] {
			// A case-sensitive regex needs the hex digits' other case.
			forms = append(forms, up)
		}
	}
	return forms
}

// escapedForms are the JSON escapes, XML entities and CSV's doubled quote
// of characters, but \u escapes (rawForms adds those).
var escapedForms = map[rune][]string{
	'\\': {`\\`}, '/': {`\/`}, '"': {`\"`, "&quot;", "&#34;", `""`},
	'&': {"&amp;"}, '<': {"&lt;"}, '>': {"&gt;"}, '\'': {"&apos;", "&#39;"},
	'\b': {`\b`}, '\f': {`\f`}, '\n': {`\n`}, '\r': {`\r`}, '\t': {`\t`},
}

// jsonEscape writes a rune as JSON's \u escape (two for a surrogate pair),
// with hex digits in the given format (%04x or %04X).
func jsonEscape(r rune, hex string) string {
	if r > 0xFFFF {
		hi, lo := utf16.EncodeRune(r)
		return fmt.Sprintf(`\u`+hex+`\u`+hex, hi, lo)
	}
	return fmt.Sprintf(`\u`+hex, r)
}

// rawAnyChar is one character of a value in its raw form, for the ?
// wildcard: a \u escape (or pair), another JSON escape, an XML entity, a
// doubled quote or one character.
const rawAnyChar = `(?:\\u[0-9A-Fa-f]{4}(?:\\u[0-9A-Fa-f]{4})?|\\[^u]|&(?:quot|amp|lt|gt|apos|#34|#39);|\x22\x22|.)`

// rawPatternBody is the unanchored regex over _raw of a keyword's pattern;
// wild says whether it has a wildcard.
func rawPatternBody(p rule.Pattern, fold bool) (string, bool) {
	return regexBody(p, rawAnyChar, func(b *strings.Builder, s string) {
		for _, r := range s {
			forms := rawForms(r, fold)
			if len(forms) == 1 {
				writeRegexRune(b, r)
				continue
			}
			b.WriteString("(?:")
			for i, f := range forms {
				if i > 0 {
					b.WriteByte('|')
				}
				quoteRegexLiteral(b, f)
			}
			b.WriteByte(')')
		}
	})
}

// keepsBreaker reports whether every raw form of a breaker starts
// (leading) or ends (!leading) with a breaker: then a word next to it in
// the keyword is bounded in the event's text too. major asks for a major
// breaker there (TERM needs the whole segment).
func keepsBreaker(r rune, leading, major bool) bool {
	is := isBreaker
	if major {
		is = isMajor
	}
	if !is(r) {
		return false
	}
	for _, f := range rawForms(r, false) {
		c, _ := utf8.DecodeRuneInString(f)
		if !leading {
			c, _ = utf8.DecodeLastRuneInString(f)
		}
		if !is(c) {
			return false
		}
	}
	return true
}

// termChar: the characters a TERM() argument may hold here: letters,
// digits and the minor breakers that no raw form changes and that mean
// nothing to the search language.
func termChar(r rune) bool {
	return r < utf8.RuneSelf && (isASCIIAlnum(r) || strings.ContainsRune(".-_:@", r))
}

func isASCIIAlnum(r rune) bool { return r < utf8.RuneSelf && textutil.IsASCIIAlnum(byte(r)) }

// rawTerms returns the index terms that the text of every event holding
// the pattern contains, in search syntax: TERM(x) for a whole major
// segment with minor breakers, "x" for a word between breakers, x* for
// a word after a breaker that the keyword does not end with a breaker
// (a trailing wildcard, unquoted as in the Search Manual's "Wildcards"
// example access*, which also warns
// against leading wildcards, which are slow, and wildcards inside terms
// with punctuation: a keyword's first word may end a longer token, so it
// gives no term). None when the pattern has no safe term.
func rawTerms(p rule.Pattern) []string {
	var out []string
	seen := map[string]bool{}
	add := func(t string) {
		if k := strings.ToLower(t); !seen[k] {
			seen[k] = true
			out = append(out, t)
		}
	}
	for _, part := range p {
		if part.Kind != rule.Literal {
			continue
		}
		s := []rune(part.Text)
		// Whole major segments: TERM().
		covered := make([]bool, len(s))
		for i := 0; i < len(s); {
			j := i
			for j < len(s) && !isMajor(s[j]) {
				j++
			}
			if i > 0 && j < len(s) && j > i && termSegment(s[i:j]) &&
				keepsBreaker(s[i-1], false, true) && keepsBreaker(s[j], true, true) {
				add("TERM(" + string(s[i:j]) + ")")
				for k := i; k < j; k++ {
					covered[k] = true
				}
			}
			i = j + 1
		}
		// Words between breakers.
		for i := 0; i < len(s); {
			j := i
			for j < len(s) && !isBreaker(s[j]) {
				j++
			}
			bounded := i > 0 && j > i && !covered[i] && allAlnum(s[i:j]) &&
				s[i-1] != '%' && // %2B, %3D ... are breakers of their own: the word would lose its start
				keepsBreaker(s[i-1], false, false)
			switch {
			case bounded && j < len(s) && keepsBreaker(s[j], true, false):
				add(`"` + string(s[i:j]) + `"`)
			case bounded && j-i >= minPrefix && !isKeywordName(string(s[i:j])):
				// The word starts a token that may go on (the literal
				// ends, or the next character's raw form may not be a
				// breaker). Unquoted, so not a word of the search
				// language (NOT*).
				add(string(s[i:j]) + "*")
			}
			i = j + 1
		}
	}
	return out
}

// termsAnyOf is what a keyword's values imply: each value its terms (an
// AND), the values' OR the OR of theirs; nil when a value has none, since
// it implies nothing. A value whose terms include all of another's is left
// out: that other alternative already admits its events.
func termsAnyOf(lists [][]string) *node {
	sets := make([]map[string]bool, len(lists))
	for i, l := range lists {
		if len(l) == 0 {
			return nil
		}
		sets[i] = map[string]bool{}
		for _, t := range l {
			sets[i][strings.ToLower(t)] = true
		}
	}
	within := func(a, b map[string]bool) bool { // a ⊆ b
		for t := range a {
			if !b[t] {
				return false
			}
		}
		return true
	}
	var alts []*node
	for i, l := range lists {
		covered := false
		for j := range lists {
			if j != i && within(sets[j], sets[i]) && (j < i || !within(sets[i], sets[j])) {
				covered = true
				break
			}
		}
		if covered {
			continue
		}
		terms := make([]*node, len(l))
		for k, t := range l {
			terms[k] = leaf(&atom{search: t})
		}
		alts = append(alts, join(nAnd, terms))
	}
	return join(nOr, alts)
}

// minPrefix is the shortest word written as a prefix term (word*): a
// shorter prefix matches too many of the index's terms to narrow much.
const minPrefix = 3

// termSegment: a major segment TERM() can name here: minor breakers inside
// (a plain word is a quoted term), letters or digits at both ends, no `--`
// (a major breaker).
func termSegment(s []rune) bool {
	inner := false
	for _, r := range s {
		if !termChar(r) {
			return false
		}
		if !isASCIIAlnum(r) {
			inner = true
		}
	}
	return inner && isASCIIAlnum(s[0]) && isASCIIAlnum(s[len(s)-1]) && !strings.Contains(string(s), "--")
}

func allAlnum(s []rune) bool {
	for _, r := range s {
		if !isASCIIAlnum(r) {
			return false
		}
	}
	return true
}
