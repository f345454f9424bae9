// Package condition parses Sigma condition strings ("sel and not 1 of
// filter_*", with the deprecated "| count() by x > 5" suffix) into the
// rule model's condition tree, with file positions on every node. Both
// front ends use it: Sigma YAML for detection.condition and HCL for its
// condition attribute.
package condition

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/detc/detc/internal/rule"
)

// MaxDepth bounds the nesting of parentheses and "not", so that hostile
// input gets a diagnostic instead of exhausting the stack of the parser or
// of any pass that walks the tree.
const MaxDepth = 500

// Diagnostic codes.
const (
	CodeSyntax      = "condition-syntax"
	CodeEmpty       = "condition-empty"
	CodeTooDeep     = "condition-too-deep"
	CodeUnsupported = "condition-unsupported"
)

// Parse reads a Sigma condition. base is the file position of the first
// character of src; each node's position is base advanced over the text
// before it. After a newline the column restarts at base.Col, because
// multi-line conditions come from YAML block scalars and HCL heredocs whose
// lines share one indentation (pass Col 1 for text that is not indented).
//
// The aggregation is nil unless the condition has a "| agg(...) ... op N"
// suffix; its Window is left zero for the caller (Sigma's timeframe). On a
// syntax error the expression and aggregation are nil and the diagnostics
// say where and what; Parse reports the first error only, since later
// tokens cannot be trusted after it.
func Parse(src string, base rule.Pos) (rule.Expr, *rule.Aggregation, rule.Diagnostics) {
	p := &parser{lx: lexer{src: src, pos: base, base: base}}
	p.next()
	if p.tok.kind == tokEOF {
		p.diags.Errorf(base, CodeEmpty, "empty condition")
		return nil, nil, p.diags
	}
	e := p.parseOr()
	var agg *rule.Aggregation
	if !p.failed && p.tok.kind == tokPipe {
		p.next()
		agg = p.parseAggregation()
	}
	if !p.failed && p.tok.kind != tokEOF {
		if p.tok.kind == tokRParen {
			p.errorAt(p.tok, CodeSyntax, "unbalanced parentheses: ')' has no matching '('")
		} else {
			p.errorAt(p.tok, CodeSyntax, "unexpected %s after the end of the condition", describe(p.tok))
		}
	}
	if p.failed {
		return nil, nil, p.diags
	}
	return e, agg, p.diags
}

type parser struct {
	lx     lexer
	tok    token
	peeked *token
	depth  int
	diags  rule.Diagnostics
	failed bool
}

func (p *parser) next() {
	if p.peeked != nil {
		p.tok, p.peeked = *p.peeked, nil
		return
	}
	p.tok = p.lx.next()
}

func (p *parser) peek() token {
	if p.peeked == nil {
		t := p.lx.next()
		p.peeked = &t
	}
	return *p.peeked
}

func (p *parser) errorf(pos rule.Pos, code, format string, args ...any) {
	p.errorRange(pos, rule.Pos{}, code, format, args...)
}

// errorAt reports an error about a token, as a range over its text.
func (p *parser) errorAt(t token, code, format string, args ...any) {
	var end rule.Pos
	if t.text != "" && !strings.Contains(t.text, "\n") {
		end = rule.Pos{File: t.pos.File, Line: t.pos.Line, Col: t.pos.Col + utf8.RuneCountInString(t.text)}
	}
	p.errorRange(t.pos, end, code, format, args...)
}

func (p *parser) errorRange(pos, end rule.Pos, code, format string, args ...any) {
	if p.failed {
		return
	}
	p.failed = true
	p.diags = append(p.diags, rule.Diagnostic{Severity: rule.Error, Pos: pos, End: end, Code: code, Summary: fmt.Sprintf(format, args...)})
}

// isKeyword reports whether the current token is the word kw, in any case.
func isKeyword(t token, kw string) bool {
	return t.kind == tokWord && strings.EqualFold(t.text, kw)
}

// reserved words cannot name a search.
func reserved(t token) bool {
	for _, kw := range []string{"and", "or", "not", "of", "them"} {
		if isKeyword(t, kw) {
			return true
		}
	}
	return false
}

func describe(t token) string {
	switch t.kind {
	case tokEOF:
		return "end of condition"
	case tokBad:
		return fmt.Sprintf("character %q", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

func (p *parser) parseOr() rule.Expr {
	start := p.tok.pos
	first := p.parseAnd()
	if p.failed || !isKeyword(p.tok, "or") {
		return first
	}
	terms := []rule.Expr{first}
	for !p.failed && isKeyword(p.tok, "or") {
		p.next()
		terms = append(terms, p.parseAnd())
	}
	return &rule.Or{Terms: terms, Pos: start}
}

func (p *parser) parseAnd() rule.Expr {
	start := p.tok.pos
	first := p.parseNot()
	if p.failed || !isKeyword(p.tok, "and") {
		return first
	}
	terms := []rule.Expr{first}
	for !p.failed && isKeyword(p.tok, "and") {
		p.next()
		terms = append(terms, p.parseNot())
	}
	return &rule.And{Terms: terms, Pos: start}
}

// enter counts one nesting level; it fails past MaxDepth.
func (p *parser) enter(pos rule.Pos) bool {
	p.depth++
	if p.depth > MaxDepth {
		p.errorf(pos, CodeTooDeep, "condition nests deeper than %d levels of parentheses and \"not\"", MaxDepth)
		return false
	}
	return true
}

func (p *parser) parseNot() rule.Expr {
	if !isKeyword(p.tok, "not") {
		return p.parsePrimary()
	}
	pos := p.tok.pos
	if !p.enter(pos) {
		return nil
	}
	p.next()
	x := p.parseNot()
	p.depth--
	if p.failed {
		return nil
	}
	return &rule.Not{X: x, Pos: pos}
}

func (p *parser) parsePrimary() rule.Expr {
	t := p.tok
	switch t.kind {
	case tokLParen:
		if !p.enter(t.pos) {
			return nil
		}
		p.next()
		e := p.parseOr()
		p.depth--
		if p.failed {
			return nil
		}
		if p.tok.kind != tokRParen {
			if p.tok.kind == tokEOF {
				p.errorAt(t, CodeSyntax, "unbalanced parentheses: '(' is never closed")
			} else {
				p.errorAt(p.tok, CodeSyntax, "unexpected %s: expected \"and\", \"or\" or ')' to close the '(' at %d:%d", describe(p.tok), t.pos.Line, t.pos.Col)
			}
			return nil
		}
		p.next()
		return e
	case tokWord:
		if next := p.peek(); isKeyword(next, "of") {
			return p.parseQuantified()
		}
		if reserved(t) {
			p.errorAt(t, CodeSyntax, "unexpected %s: expected a search name, \"not\", '(', \"1 of\" or \"all of\"", describe(t))
			return nil
		}
		if strings.Contains(t.text, "*") {
			p.errorAt(t, CodeSyntax, "wildcard %q needs \"1 of\" or \"all of\" before it", t.text)
			return nil
		}
		p.next()
		return &rule.SearchRef{Name: t.text, Pos: t.pos}
	}
	p.errorAt(t, CodeSyntax, "unexpected %s: expected a search name, \"not\", '(', \"1 of\" or \"all of\"", describe(t))
	return nil
}

// parseQuantified reads "1 of X" or "all of X"; the current token is the
// word before "of".
func (p *parser) parseQuantified() rule.Expr {
	q := p.tok
	var all bool
	switch {
	case q.text == "1":
		all = false
	case isKeyword(q, "all"):
		all = true
	default:
		p.errorAt(q, CodeUnsupported, "%q of is not Sigma: only \"1 of\" and \"all of\" are", q.text)
		return nil
	}
	p.next() // the quantifier
	p.next() // "of"
	target := p.tok
	if target.kind != tokWord || (reserved(target) && !isKeyword(target, "them")) {
		p.errorAt(target, CodeSyntax, "unexpected %s after %q: expected \"them\", a search name or a pattern such as selection_*", describe(target), q.text+" of")
		return nil
	}
	pattern := target.text
	if isKeyword(target, "them") {
		pattern = "them"
	}
	p.next()
	return &rule.Quantified{All: all, Pattern: pattern, Pos: q.pos}
}

var aggFuncs = map[string]rule.AggFunc{
	"count": rule.AggCount, "sum": rule.AggSum, "min": rule.AggMin, "max": rule.AggMax, "avg": rule.AggAvg,
}

var cmpOps = map[string]rule.CmpOp{
	">": rule.CmpGt, ">=": rule.CmpGte, "<": rule.CmpLt, "<=": rule.CmpLte,
	"=": rule.CmpEq, "==": rule.CmpEq, "!=": rule.CmpNeq,
}

// parseAggregation reads the deprecated Sigma suffix after '|':
// agg(field) [by g1, g2] op N.
func (p *parser) parseAggregation() *rule.Aggregation {
	fn := p.tok
	if isKeyword(fn, "near") {
		p.errorAt(fn, CodeUnsupported, "the \"near\" aggregation is not supported: write a temporal correlation rule instead")
		return nil
	}
	f, ok := aggFuncs[strings.ToLower(fn.text)]
	if fn.kind != tokWord || !ok {
		p.errorAt(fn, CodeSyntax, "unexpected %s after '|': expected an aggregation: count, sum, min, max or avg", describe(fn))
		return nil
	}
	agg := &rule.Aggregation{Func: f, Pos: fn.pos}
	p.next()
	if p.tok.kind != tokLParen {
		p.errorAt(p.tok, CodeSyntax, "unexpected %s: expected '(' after %q", describe(p.tok), fn.text)
		return nil
	}
	p.next()
	if p.tok.kind == tokWord {
		agg.Field = p.field()
	}
	if p.failed {
		return nil
	}
	if p.tok.kind != tokRParen {
		p.errorAt(p.tok, CodeSyntax, "unexpected %s: expected a field name or ')'", describe(p.tok))
		return nil
	}
	p.next()
	switch {
	case agg.Field != "" && f == rule.AggCount:
		agg.Func = rule.AggDistinctCount
	case agg.Field == "" && f != rule.AggCount:
		p.errorAt(fn, CodeSyntax, "%s needs a field: %s(field)", strings.ToLower(fn.text), strings.ToLower(fn.text))
		return nil
	}
	if isKeyword(p.tok, "by") {
		p.next()
		for {
			if p.tok.kind != tokWord {
				p.errorAt(p.tok, CodeSyntax, "unexpected %s: expected a field name after \"by\"", describe(p.tok))
				return nil
			}
			agg.GroupBy = append(agg.GroupBy, p.field())
			if p.failed || p.tok.kind != tokComma {
				break
			}
			p.next()
		}
	}
	if p.failed {
		return nil
	}
	op, ok := cmpOps[p.tok.text]
	if p.tok.kind != tokCmp || !ok {
		p.errorAt(p.tok, CodeSyntax, "unexpected %s: expected a comparison (>, >=, <, <=, ==, !=) and a threshold", describe(p.tok))
		return nil
	}
	agg.Op = op
	p.next()
	n, err := strconv.ParseFloat(p.tok.text, 64)
	if p.tok.kind != tokWord || err != nil || math.IsInf(n, 0) || math.IsNaN(n) || !startsNumeric(p.tok.text) {
		p.errorAt(p.tok, CodeSyntax, "unexpected %s: expected a number as the threshold", describe(p.tok))
		return nil
	}
	agg.Threshold = n
	p.next()
	return agg
}

func startsNumeric(s string) bool {
	s = strings.TrimPrefix(s, "-")
	return s != "" && (s[0] >= '0' && s[0] <= '9' || s[0] == '.')
}

// field reads a field name in an aggregation.
func (p *parser) field() string {
	t := p.tok
	if reserved(t) || strings.Contains(t.text, "*") {
		p.errorAt(t, CodeSyntax, "unexpected %s: expected a field name", describe(t))
		return ""
	}
	p.next()
	return t.text
}
