package lucenere

import (
	"fmt"
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode"

	"github.com/detc/detc/internal/rule"
)

// Unsupported is a construct of an RE2 expression with no Lucene form.
type Unsupported struct {
	Construct string
	Reason    string
}

func (e *Unsupported) Error() string { return e.Construct + ": " + e.Reason }

// anchor says how a branch of a translated expression is tied to one end
// of the subject.
type anchor uint8

const (
	free     anchor = iota // the match may start (end) anywhere
	textEdge               // ^ (or \A): the start (end) of the subject
	lineEdge               // ^ with the m flag: the start (end) of a line
)

// variant is one way an expression can match, with its anchors taken out:
// Lucene has no anchors, so each end is expressed by what may precede or
// follow the body in the whole subject.
type variant struct {
	start, end anchor
	body       string
	atom       bool // body is one unit that a repetition can follow
}

// Regex translates a Sigma re value (RE2 syntax, with its i, m and s flags)
// into a Lucene regex that matches exactly the subjects in which the RE2
// expression finds a match. Lucene's match is anchored, so an unanchored
// expression is framed by .* and the RE2 anchors ^ and $ become the
// absence of that frame. Perl classes (\d, \s, \w) and (?i) become
// explicit character classes. Word boundaries (\b, \B) have no Lucene form:
// those the expression's own characters decide are rewritten away
// (boundary.go), the others give an *Unsupported error. A regex Lucene
// could not determinize within its limit gives a *TooComplex error
// (determinize.go).
func Regex(expr string, flags rule.RegexFlags) (string, error) {
	expr = flags.Prefix() + expr
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return "", fmt.Errorf("regular expression does not compile: %w", err)
	}
	vs, err := variants(resolveBoundaries(re))
	if err != nil {
		return "", err
	}
	alts := make([]string, 0, len(vs))
	for _, v := range vs {
		var b strings.Builder
		switch v.start {
		case free:
			b.WriteString(".*")
		case lineEdge:
			b.WriteString("(.*\n)?")
		}
		b.WriteString(v.body)
		switch v.end {
		case free:
			b.WriteString(".*")
		case lineEdge:
			b.WriteString("(\n.*)?")
		}
		alts = append(alts, collapseRuns(b.String()))
	}
	out := guardTrailingBackslash(strings.Join(alts, "|"))
	if err := CheckDeterminizable(out); err != nil {
		return "", err
	}
	return out, nil
}

// collapseRuns removes the frame's .* where the body already starts or
// ends with one: the meaning is the same and the automaton smaller.
func collapseRuns(s string) string {
	for strings.HasPrefix(s, ".*.*") {
		s = s[2:]
	}
	for strings.HasSuffix(s, ".*.*") && !strings.HasSuffix(s, `\.*.*`) {
		s = s[:len(s)-2]
	}
	return s
}

func unsupported(construct, reason string) error {
	return &Unsupported{Construct: construct, Reason: reason}
}

// variants translates one node into its anchored and free forms.
func variants(re *syntax.Regexp) ([]variant, error) {
	switch re.Op {
	case syntax.OpNoMatch:
		return nil, unsupported("a class that matches nothing", "Lucene's empty language needs a syntax flag EQL and ES|QL do not set")
	case syntax.OpEmptyMatch:
		return []variant{{body: "()", atom: true}}, nil
	case syntax.OpLiteral:
		var b strings.Builder
		fold := re.Flags&syntax.FoldCase != 0
		for _, r := range re.Rune {
			foldRune(&b, r, fold)
		}
		return []variant{{body: b.String(), atom: len(re.Rune) == 1}}, nil
	case syntax.OpCharClass:
		body, err := class(re.Rune)
		if err != nil {
			return nil, err
		}
		return []variant{{body: body, atom: true}}, nil
	case syntax.OpAnyCharNotNL:
		return []variant{{body: "[^\n]", atom: true}}, nil
	case syntax.OpAnyChar:
		return []variant{{body: ".", atom: true}}, nil
	case syntax.OpBeginText:
		return []variant{{start: textEdge, atom: true}}, nil
	case syntax.OpEndText:
		return []variant{{end: textEdge, atom: true}}, nil
	case syntax.OpBeginLine:
		return []variant{{start: lineEdge, atom: true}}, nil
	case syntax.OpEndLine:
		return []variant{{end: lineEdge, atom: true}}, nil
	case syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return nil, unsupported(`word boundary \b or \B`, "Lucene regular expressions have no word-boundary assertion, and the characters around this one do not decide it")
	case syntax.OpCapture:
		return variants(re.Sub[0])
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		sub, err := plain(re.Sub[0], "a repeated group")
		if err != nil {
			return nil, err
		}
		var op string
		switch re.Op {
		case syntax.OpStar:
			op = "*"
		case syntax.OpPlus:
			op = "+"
		case syntax.OpQuest:
			op = "?"
		default:
			switch {
			case re.Max == -1:
				op = "{" + strconv.Itoa(re.Min) + ",}"
			case re.Min == re.Max:
				op = "{" + strconv.Itoa(re.Min) + "}"
			default:
				op = "{" + strconv.Itoa(re.Min) + "," + strconv.Itoa(re.Max) + "}"
			}
		}
		return []variant{{body: group(sub) + op, atom: false}}, nil
	case syntax.OpConcat:
		return concat(re.Sub)
	case syntax.OpAlternate:
		var out []variant
		for _, s := range re.Sub {
			vs, err := variants(s)
			if err != nil {
				return nil, err
			}
			out = append(out, vs...)
		}
		return merge(out), nil
	}
	return nil, unsupported(re.Op.String(), "no Lucene form")
}

// plain translates a node that must not hold anchors.
func plain(re *syntax.Regexp, where string) (variant, error) {
	vs, err := variants(re)
	if err != nil {
		return variant{}, err
	}
	if len(vs) != 1 || vs[0].start != free || vs[0].end != free {
		return variant{}, unsupported("an anchor (^ or $) inside "+where, "Lucene regular expressions have no anchors; detc can only drop anchors at the ends of the expression")
	}
	return vs[0], nil
}

// group wraps a body in parentheses unless it is one unit already.
func group(v variant) string {
	if v.atom {
		return v.body
	}
	return "(" + v.body + ")"
}

// concat translates a sequence: only its first element may tie the match
// to the start and only its last to the end.
func concat(subs []*syntax.Regexp) ([]variant, error) {
	first, err := variants(subs[0])
	if err != nil {
		return nil, err
	}
	if len(subs) == 1 {
		return first, nil
	}
	last, err := variants(subs[len(subs)-1])
	if err != nil {
		return nil, err
	}
	var middle strings.Builder
	for _, s := range subs[1 : len(subs)-1] {
		v, err := plain(s, "the middle of the expression")
		if err != nil {
			return nil, err
		}
		middle.WriteString(v.body)
	}
	var out []variant
	for _, f := range first {
		if f.end != free {
			return nil, unsupported("an end anchor ($) before the end of the expression", "it can only match an empty remainder, which detc does not rewrite")
		}
		for _, l := range last {
			if l.start != free {
				return nil, unsupported("a start anchor (^) after the start of the expression", "it can only match an empty prefix, which detc does not rewrite")
			}
			out = append(out, variant{start: f.start, end: l.end, body: f.body + middle.String() + l.body})
		}
	}
	return merge(out), nil
}

// merge joins the bodies of variants with the same anchors into one
// alternation, keeping the order of first appearance.
func merge(vs []variant) []variant {
	type key struct{ s, e anchor }
	var order []key
	bodies := map[key][]string{}
	atoms := map[key]bool{}
	for _, v := range vs {
		k := key{v.start, v.end}
		if _, ok := bodies[k]; !ok {
			order = append(order, k)
			atoms[k] = v.atom
		}
		bodies[k] = append(bodies[k], v.body)
	}
	out := make([]variant, 0, len(order))
	for _, k := range order {
		bs := bodies[k]
		if len(bs) == 1 {
			out = append(out, variant{start: k.s, end: k.e, body: bs[0], atom: atoms[k]})
			continue
		}
		out = append(out, variant{start: k.s, end: k.e, body: "(" + strings.Join(bs, "|") + ")", atom: true})
	}
	return out
}

// class writes an RE2 character class (pairs of inclusive rune ranges,
// already case-folded under (?i)). A class that holds the top of Unicode
// is written negated, as its complement, which is how RE2 built it from
// [^...]. Surrogates are left out: no UTF-8 text holds them.
func class(ranges []rune) (string, error) {
	var rs [][2]rune
	for i := 0; i+1 < len(ranges); i += 2 {
		rs = append(rs, [2]rune{ranges[i], ranges[i+1]})
	}
	rs = withoutSurrogates(rs)
	negated := len(rs) > 0 && rs[len(rs)-1][1] == unicode.MaxRune
	if negated {
		rs = withoutSurrogates(complement(rs))
		if len(rs) == 0 {
			return ".", nil
		}
	} else if len(rs) == 0 {
		return "", unsupported("a class that matches nothing", "it has no Lucene form")
	}
	var b strings.Builder
	b.WriteByte('[')
	if negated {
		b.WriteByte('^')
	}
	for _, r := range rs {
		classRune(&b, r[0])
		if r[1] != r[0] {
			if r[1] != r[0]+1 {
				b.WriteByte('-')
			}
			classRune(&b, r[1])
		}
	}
	b.WriteByte(']')
	return b.String(), nil
}

const surrogateLo, surrogateHi = 0xD800, 0xDFFF

func withoutSurrogates(rs [][2]rune) [][2]rune {
	var out [][2]rune
	for _, r := range rs {
		switch {
		case r[1] < surrogateLo || r[0] > surrogateHi:
			out = append(out, r)
		default:
			if r[0] < surrogateLo {
				out = append(out, [2]rune{r[0], surrogateLo - 1})
			}
			if r[1] > surrogateHi {
				out = append(out, [2]rune{surrogateHi + 1, r[1]})
			}
		}
	}
	return out
}

// complement returns the ranges not covered by sorted, disjoint rs.
func complement(rs [][2]rune) [][2]rune {
	var out [][2]rune
	next := rune(0)
	for _, r := range rs {
		if r[0] > next {
			out = append(out, [2]rune{next, r[0] - 1})
		}
		next = r[1] + 1
	}
	if next <= unicode.MaxRune {
		out = append(out, [2]rune{next, unicode.MaxRune})
	}
	return out
}
