package blocklist

import (
	"fmt"
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode"
)

// ere writes an RE2 expression as a POSIX extended regular expression
// (what Squid's url_regex uses) with the same meaning, or says which
// construct has no ERE form. Case-insensitive parts become bracket pairs
// ([aA]), so one ACL file can mix cased and uncased patterns.
func ere(expr string, ignoreCase bool) (string, error) {
	flags := syntax.Perl
	if ignoreCase {
		flags |= syntax.FoldCase
	}
	re, err := syntax.Parse(expr, flags)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := writeERE(&b, re); err != nil {
		return "", fmt.Errorf("regular expression %q: %w", expr, err)
	}
	return b.String(), nil
}

func writeERE(b *strings.Builder, re *syntax.Regexp) error {
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if err := writeRune(b, r, re.Flags&syntax.FoldCase != 0); err != nil {
				return err
			}
		}
	case syntax.OpCharClass:
		return writeClass(b, re.Rune)
	case syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		b.WriteByte('.')
	case syntax.OpBeginLine, syntax.OpBeginText:
		b.WriteByte('^')
	case syntax.OpEndLine, syntax.OpEndText:
		b.WriteByte('$')
	case syntax.OpCapture:
		b.WriteByte('(')
		if err := writeERE(b, re.Sub[0]); err != nil {
			return err
		}
		b.WriteByte(')')
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if err := writeGrouped(b, sub, sub.Op == syntax.OpAlternate); err != nil {
				return err
			}
		}
	case syntax.OpAlternate:
		for i, sub := range re.Sub {
			if i > 0 {
				b.WriteByte('|')
			}
			if err := writeERE(b, sub); err != nil {
				return err
			}
		}
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		// Greedy or not, the same strings match: a block list only asks
		// whether a URL matches.
		sub := re.Sub[0]
		atom := sub.Op == syntax.OpCharClass || sub.Op == syntax.OpAnyChar || sub.Op == syntax.OpAnyCharNotNL ||
			sub.Op == syntax.OpCapture || (sub.Op == syntax.OpLiteral && len(sub.Rune) == 1)
		if err := writeGrouped(b, sub, !atom); err != nil {
			return err
		}
		switch re.Op {
		case syntax.OpStar:
			b.WriteByte('*')
		case syntax.OpPlus:
			b.WriteByte('+')
		case syntax.OpQuest:
			b.WriteByte('?')
		default:
			b.WriteString("{" + strconv.Itoa(re.Min))
			if re.Max != re.Min {
				b.WriteByte(',')
				if re.Max >= 0 {
					b.WriteString(strconv.Itoa(re.Max))
				}
			}
			b.WriteByte('}')
		}
	default:
		return fmt.Errorf("%s has no POSIX extended form", describeOp(re))
	}
	return nil
}

func writeGrouped(b *strings.Builder, re *syntax.Regexp, group bool) error {
	if group {
		b.WriteByte('(')
	}
	if err := writeERE(b, re); err != nil {
		return err
	}
	if group {
		b.WriteByte(')')
	}
	return nil
}

func describeOp(re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return `a word boundary (\b, \B)`
	case syntax.OpEmptyMatch:
		return "an empty alternative"
	}
	return "the construct " + re.String()
}

func writeRune(b *strings.Builder, r rune, fold bool) error {
	if r > unicode.MaxASCII || r < ' ' {
		return fmt.Errorf("character %q is not printable ASCII", r)
	}
	lower, upper := unicode.ToLower(r), unicode.ToUpper(r)
	if fold && lower != upper {
		b.WriteString("[" + string(upper) + string(lower) + "]")
		return nil
	}
	if strings.ContainsRune(`.[]()*+?{}|^$\`, r) {
		b.WriteByte('\\')
	}
	b.WriteRune(r)
	return nil
}

// writeClass writes a bracket expression. Inside one, POSIX gives the
// backslash no special meaning, so "]" goes first, "^" anywhere but first
// and "-" last.
func writeClass(b *strings.Builder, ranges []rune) error {
	negate := len(ranges) > 0 && ranges[0] == 0 && ranges[len(ranges)-1] == unicode.MaxRune
	if negate {
		var comp []rune
		next := rune(0)
		for i := 0; i < len(ranges); i += 2 {
			if ranges[i] > next {
				comp = append(comp, next, ranges[i]-1)
			}
			next = ranges[i+1] + 1
		}
		ranges = comp
	}
	special := map[rune]bool{}
	var body strings.Builder
	empty := true
	for i := 0; i < len(ranges); i += 2 {
		// A URL as a proxy sees it is printable ASCII (anything else is
		// percent-encoded), so the rest of a class can never match and is
		// left out; case folding adds such runes (K for the Kelvin sign).
		lo, hi := max(ranges[i], '!'), min(ranges[i+1], '~')
		if lo > hi {
			continue
		}
		empty = false
		// Take ], ^ and - out of the ends of the range and place them apart.
		for lo <= hi && strings.ContainsRune("]^-", lo) {
			special[lo] = true
			lo++
		}
		for lo <= hi && strings.ContainsRune("]^-", hi) {
			special[hi] = true
			hi--
		}
		switch {
		case lo > hi:
		case lo == hi:
			body.WriteRune(lo)
		default:
			body.WriteString(string(lo) + "-" + string(hi))
		}
	}
	if empty {
		return fmt.Errorf("a character class matches no printable ASCII character")
	}
	if special['^'] && body.Len() == 0 && !special[']'] && !special['-'] {
		return fmt.Errorf("a character class of only ^ has no POSIX bracket form")
	}
	b.WriteByte('[')
	if negate {
		b.WriteByte('^')
	}
	if special[']'] {
		b.WriteByte(']')
	}
	b.WriteString(body.String())
	if special['^'] {
		b.WriteByte('^')
	}
	if special['-'] {
		b.WriteByte('-')
	}
	b.WriteByte(']')
	return nil
}

// panTokens writes a path regular expression as PAN-OS URL list paths:
// one path per alternative (optional parts and alternations expanded),
// where a token (the text between separators . / ? & = ; +) that is not
// literal becomes * (PAN-OS takes no ^ in a path; * is one or more
// tokens, and consecutive ones are merged, as PAN-OS advises). A part that
// may span separators ends the path there: PAN-OS then matches the entry
// as a prefix. At most limit paths; more is an error.
func panTokens(expr string, limit int) ([]string, error) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, err
	}
	seqs, err := expand(re, limit)
	if err != nil {
		return nil, fmt.Errorf("regular expression %q: %w", expr, err)
	}
	var out []string
	seen := map[string]bool{}
	for _, seq := range seqs {
		// PAN-OS compares URLs case-insensitively and lists them in
		// lower case.
		p := mergeStars(strings.ToLower(seqPath(seq)))
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// mergeStars writes consecutive * tokens as one.
func mergeStars(p string) string {
	for strings.Contains(p, "/*/*/") {
		p = strings.ReplaceAll(p, "/*/*/", "/*/")
	}
	return p
}

// elem is a literal rune or, with wild set, a part matching runs of
// characters (span: possibly including a separator).
type elem struct {
	r          rune
	wild, span bool
	stop       bool // an anchor: nothing follows
}

const panSeparators = "./?&=;+"

func expand(re *syntax.Regexp, limit int) ([][]elem, error) {
	switch re.Op {
	case syntax.OpLiteral:
		seq := make([]elem, len(re.Rune))
		for i, r := range re.Rune {
			seq[i] = elem{r: r}
		}
		return [][]elem{seq}, nil
	case syntax.OpCapture:
		return expand(re.Sub[0], limit)
	case syntax.OpEmptyMatch, syntax.OpBeginText, syntax.OpBeginLine:
		return [][]elem{nil}, nil
	case syntax.OpEndText, syntax.OpEndLine:
		return [][]elem{{{stop: true}}}, nil
	case syntax.OpQuest:
		sub, err := expand(re.Sub[0], limit)
		return append([][]elem{nil}, sub...), err
	case syntax.OpAlternate:
		var out [][]elem
		for _, s := range re.Sub {
			sub, err := expand(s, limit)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		}
		if len(out) > limit {
			return nil, fmt.Errorf("more than %d alternatives", limit)
		}
		return out, nil
	case syntax.OpConcat:
		out := [][]elem{nil}
		for _, s := range re.Sub {
			sub, err := expand(s, limit)
			if err != nil {
				return nil, err
			}
			var next [][]elem
			for _, a := range out {
				for _, b := range sub {
					next = append(next, append(append([]elem(nil), a...), b...))
				}
			}
			if len(next) > limit {
				return nil, fmt.Errorf("more than %d alternatives", limit)
			}
			out = next
		}
		return out, nil
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL, syntax.OpStar, syntax.OpPlus, syntax.OpRepeat:
		return [][]elem{{{wild: true, span: mayMatchSeparator(re)}}}, nil
	}
	return nil, fmt.Errorf("%s has no PAN-OS URL form", describeOp(re))
}

func mayMatchSeparator(re *syntax.Regexp) bool {
	for _, c := range panSeparators {
		if matchesRune(re, c) {
			return true
		}
	}
	return false
}

func matchesRune(re *syntax.Regexp, c rune) bool {
	switch re.Op {
	case syntax.OpCharClass:
		for i := 0; i < len(re.Rune); i += 2 {
			if re.Rune[i] <= c && c <= re.Rune[i+1] {
				return true
			}
		}
		return false
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return true
	case syntax.OpLiteral:
		return strings.ContainsRune(string(re.Rune), c)
	}
	for _, s := range re.Sub {
		if matchesRune(s, c) {
			return true
		}
	}
	return false
}

// seqPath joins elements into a PAN-OS path: literal tokens as they are,
// a token with a wild part as *, and the path cut before a part that may
// span separators.
func seqPath(seq []elem) string {
	var b, tok strings.Builder
	wild := false
	flush := func() {
		if wild {
			b.WriteByte('*')
		} else {
			b.WriteString(tok.String())
		}
		tok.Reset()
		wild = false
	}
	for _, e := range seq {
		switch {
		case e.stop:
			flush()
			return b.String()
		case e.span:
			// Keep what precedes the token; the token itself is unknown.
			return b.String()
		case e.wild:
			wild = true
		case strings.ContainsRune(panSeparators, e.r):
			flush()
			b.WriteRune(e.r)
		default:
			tok.WriteRune(e.r)
		}
	}
	flush()
	return b.String()
}
