package splunk

import (
	"fmt"
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode"

	"github.com/detc/detc/internal/rule"
)

// Rules write regular expressions in RE2 syntax; Splunk runs PCRE. Most RE2
// text means the same in PCRE, but not all of it: PCRE's $ also matches
// before a final newline, its \s also matches \v, and RE2's flags (?i),
// (?m), (?s) come from the rule's re modifiers. Rather than patch the text,
// toPCRE parses the expression with Go's own parser (the one the evaluator
// uses) and writes the parsed tree back out in a form whose meaning is the
// same under both engines: anchors, classes and case folding are spelled
// out explicitly.

// toPCRE translates an RE2 expression with the rule's flags into PCRE.
func toPCRE(expr string, flags rule.RegexFlags) (string, error) {
	expr = flags.Prefix() + expr
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	writePCRE(&b, re)
	return b.String(), nil
}

func writePCRE(b *strings.Builder, re *syntax.Regexp) {
	switch re.Op {
	case syntax.OpNoMatch:
		b.WriteString(`(?!)`)
	case syntax.OpEmptyMatch:
		// Nothing: an empty alternative or group.
	case syntax.OpLiteral:
		fold := re.Flags&syntax.FoldCase != 0 && hasFoldable(re.Rune)
		if fold {
			b.WriteString("(?i:")
		}
		for _, r := range re.Rune {
			if fold {
				// Go keeps folded literals upper-cased; any case reads
				// the same under (?i:), and lower case is how rules
				// are written.
				r = unicode.ToLower(r)
			}
			writeRegexRune(b, r)
		}
		if fold {
			b.WriteString(")")
		}
	case syntax.OpCharClass:
		writeClass(b, re.Rune)
	case syntax.OpAnyCharNotNL:
		b.WriteString(`[^\n]`)
	case syntax.OpAnyChar:
		b.WriteString(`[\s\S]`)
	case syntax.OpBeginLine:
		b.WriteString(`(?m:^)`)
	case syntax.OpEndLine:
		b.WriteString(`(?m:$)`)
	case syntax.OpBeginText:
		b.WriteString(`\A`)
	case syntax.OpEndText:
		b.WriteString(`\z`)
	case syntax.OpWordBoundary:
		b.WriteString(`\b`)
	case syntax.OpNoWordBoundary:
		b.WriteString(`\B`)
	case syntax.OpCapture:
		b.WriteString("(")
		writePCRE(b, re.Sub[0])
		b.WriteString(")")
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		writeAtom(b, re.Sub[0])
		switch re.Op {
		case syntax.OpStar:
			b.WriteString("*")
		case syntax.OpPlus:
			b.WriteString("+")
		case syntax.OpQuest:
			b.WriteString("?")
		default:
			switch {
			case re.Max == re.Min:
				fmt.Fprintf(b, "{%d}", re.Min)
			case re.Max < 0:
				fmt.Fprintf(b, "{%d,}", re.Min)
			default:
				fmt.Fprintf(b, "{%d,%d}", re.Min, re.Max)
			}
		}
		if re.Flags&syntax.NonGreedy != 0 {
			b.WriteString("?")
		}
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if sub.Op == syntax.OpAlternate {
				b.WriteString("(?:")
				writePCRE(b, sub)
				b.WriteString(")")
				continue
			}
			writePCRE(b, sub)
		}
	case syntax.OpAlternate:
		for i, sub := range re.Sub {
			if i > 0 {
				b.WriteString("|")
			}
			writePCRE(b, sub)
		}
	}
}

// writeAtom writes re so that a following quantifier applies to all of it.
func writeAtom(b *strings.Builder, re *syntax.Regexp) {
	single := false
	switch re.Op {
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL, syntax.OpCapture:
		single = true
	case syntax.OpLiteral:
		single = len(re.Rune) == 1 && (re.Flags&syntax.FoldCase == 0 || !hasFoldable(re.Rune))
	}
	if single {
		writePCRE(b, re)
		return
	}
	b.WriteString("(?:")
	writePCRE(b, re)
	b.WriteString(")")
}

// hasFoldable reports whether case folding changes what any rune matches.
func hasFoldable(rs []rune) bool {
	for _, r := range rs {
		if unicode.SimpleFold(r) != r {
			return true
		}
	}
	return false
}

// writeClass writes a character class from Go's sorted range pairs. A class
// that reaches the last code point is written negated, which is shorter
// and reads as the rule author wrote it ([^"] rather than two ranges).
func writeClass(b *strings.Builder, ranges []rune) {
	if len(ranges) >= 2 && ranges[len(ranges)-1] == unicode.MaxRune {
		var gaps []rune
		lo := rune(0)
		for i := 0; i < len(ranges); i += 2 {
			if ranges[i] > lo {
				gaps = append(gaps, lo, ranges[i]-1)
			}
			lo = ranges[i+1] + 1
		}
		if len(gaps) == 0 {
			b.WriteString(`[\s\S]`) // every code point; [^] is not PCRE
			return
		}
		b.WriteString("[^")
		for i := 0; i < len(gaps); i += 2 {
			writeRange(b, gaps[i], gaps[i+1])
		}
		b.WriteString("]")
		return
	}
	b.WriteString("[")
	for i := 0; i < len(ranges); i += 2 {
		writeRange(b, ranges[i], ranges[i+1])
	}
	b.WriteString("]")
}

func writeRange(b *strings.Builder, lo, hi rune) {
	writeClassRune(b, lo)
	if hi == lo {
		return
	}
	if hi > lo+1 {
		b.WriteString("-")
	}
	writeClassRune(b, hi)
}

// writeClassRune writes a rune inside [...]: only \ ] [ ^ - are special
// there; quotes and non-printable runes are written as escapes.
func writeClassRune(b *strings.Builder, r rune) {
	switch {
	case r == '"' || r == '`' || r == '\'' || r == '<' || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0x100 && !unicode.IsPrint(r)):
		b.WriteString(`\x` + leftPad(strconv.FormatInt(int64(r), 16)))
	case r < 0x80 && strings.ContainsRune(`\]^[-`, r):
		b.WriteByte('\\')
		b.WriteRune(r)
	case r < 0x80 || unicode.IsPrint(r):
		b.WriteRune(r)
	default:
		fmt.Fprintf(b, `\x{%x}`, r)
	}
}

func leftPad(h string) string {
	if len(h) < 2 {
		return "0" + h
	}
	return h
}
