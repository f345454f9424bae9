package elastic

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"
)

// esqlReader is an independent reading of the ES|QL that detc writes for
// a rule without aggregation (FROM ... METADATA ... | WHERE <condition>),
// with ES|QL's semantics as Elastic documents them: three-valued logic (a
// comparison with a missing field is null, NOT null is null, WHERE keeps
// only true), a multi-valued field makes a comparison or a function null,
// keyword values compare exactly, LIKE has * and ? wildcards escaped by a
// backslash, TO_IP reads text as an address (null when it is none) and
// CIDR_MATCH tests an ip. RLIKE is Lucene's RegExp over the whole value:
// the reader asks the real Lucene (the checker) through rlike, so that
// the regex dialect is judged by Lucene itself. There is no ES|QL parser
// or engine on these machines; this reader exists so that the ES|QL
// queries are run over the same events as the evaluator.
type esqlQuery struct {
	where esqlExpr
}

// esqlDoc is one indexed event: each target field's values (several for
// an array) and the index's field types.
type esqlDoc struct {
	values map[string][]string
	types  map[string]string
}

// esqlExpr is a node of the WHERE condition.
type esqlExpr interface {
	eval(d esqlDoc, rl rlikeOracle) esqlValue
}

// rlikeOracle says whether Lucene's RegExp pattern matches the whole text.
type rlikeOracle func(pattern, text string) bool

// esqlValue is an ES|QL value: null, or one boolean, string, number or ip.
type esqlValue struct {
	kind esqlKind
	b    bool
	s    string
	n    float64
	ip   netip.Addr
}

type esqlKind uint8

const (
	vNull esqlKind = iota
	vBool
	vStr
	vNum
	vIP
)

var null = esqlValue{}

func boolean(b bool) esqlValue { return esqlValue{kind: vBool, b: b} }

// parseESQL reads a query; anything outside the subset is an error, so a
// change in what detc writes fails the agreement test instead of being
// misread.
func parseESQL(q string) (*esqlQuery, error) {
	cmds := strings.Split(q, "\n| ")
	if len(cmds) != 2 || !strings.HasPrefix(cmds[0], "FROM ") || !strings.HasSuffix(cmds[0], " METADATA _id, _index, _version") {
		return nil, fmt.Errorf("not FROM ... METADATA _id, _index, _version | WHERE ...: %q", q)
	}
	body, ok := strings.CutPrefix(cmds[1], "WHERE ")
	if !ok {
		return nil, fmt.Errorf("second command is not WHERE: %q", cmds[1])
	}
	toks, err := lexESQL(body)
	if err != nil {
		return nil, err
	}
	p := &esqlParser{toks: toks}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("unexpected %q after the condition", p.toks[p.pos].text)
	}
	return &esqlQuery{where: e}, nil
}

// matches is WHERE: only a true condition keeps the row.
func (q *esqlQuery) matches(d esqlDoc, rl rlikeOracle) bool {
	v := q.where.eval(d, rl)
	return v.kind == vBool && v.b
}

// Lexer.

type tokKind uint8

const (
	tIdent tokKind = iota
	tString
	tNumber
	tOp
	tWord // a keyword: AND OR NOT LIKE RLIKE IS NULL TRUE FALSE
)

type token struct {
	kind tokKind
	text string
}

var esqlWords = map[string]bool{"AND": true, "OR": true, "NOT": true, "LIKE": true, "RLIKE": true, "IS": true, "NULL": true, "TRUE": true, "FALSE": true}

func lexESQL(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\n':
			i++
		case c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] != '\\' {
					b.WriteByte(s[j])
					continue
				}
				j++
				if j >= len(s) {
					return nil, fmt.Errorf("unfinished escape")
				}
				esc, ok := map[byte]string{'\\': `\`, '"': `"`, 'n': "\n", 'r': "\r", 't': "\t"}[s[j]]
				if !ok {
					return nil, fmt.Errorf("unknown escape \\%c in a string", s[j])
				}
				b.WriteString(esc)
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated string")
			}
			out = append(out, token{tString, b.String()})
			i = j + 1
		case c == '`':
			var b strings.Builder
			j := i + 1
			for ; j < len(s); j++ {
				if s[j] == '`' {
					if j+1 < len(s) && s[j+1] == '`' {
						b.WriteByte('`')
						j++
						continue
					}
					break
				}
				b.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated quoted identifier")
			}
			out = append(out, token{tIdent, b.String()})
			i = j + 1
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			out = append(out, token{tNumber, s[i:j]})
			i = j
		case c == '_' || c == '@' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			j := i
			for j < len(s) && (s[j] == '_' || s[j] == '@' || s[j] == '.' || s[j] >= '0' && s[j] <= '9' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= 'a' && s[j] <= 'z') {
				j++
			}
			w := s[i:j]
			if esqlWords[strings.ToUpper(w)] {
				out = append(out, token{tWord, strings.ToUpper(w)})
			} else {
				out = append(out, token{tIdent, w})
			}
			i = j
		default:
			op := ""
			for _, o := range []string{"==", "!=", "<=", ">=", "<", ">", "(", ")", ",", "-"} {
				if strings.HasPrefix(s[i:], o) {
					op = o
					break
				}
			}
			if op == "" {
				return nil, fmt.Errorf("unexpected character %q", c)
			}
			out = append(out, token{tOp, op})
			i += len(op)
		}
	}
	return out, nil
}

// Parser: OR < AND < NOT < predicate (comparison, LIKE, RLIKE, IS NULL).

type esqlParser struct {
	toks []token
	pos  int
}

func (p *esqlParser) peek(kind tokKind, text string) bool {
	return p.pos < len(p.toks) && p.toks[p.pos].kind == kind && p.toks[p.pos].text == text
}

func (p *esqlParser) accept(kind tokKind, text string) bool {
	if p.peek(kind, text) {
		p.pos++
		return true
	}
	return false
}

func (p *esqlParser) expect(kind tokKind, text string) error {
	if !p.accept(kind, text) {
		return fmt.Errorf("expected %q at token %d", text, p.pos)
	}
	return nil
}

func (p *esqlParser) or() (esqlExpr, error) {
	return p.binary("OR", p.and)
}

func (p *esqlParser) and() (esqlExpr, error) {
	return p.binary("AND", p.not)
}

func (p *esqlParser) binary(word string, next func() (esqlExpr, error)) (esqlExpr, error) {
	x, err := next()
	if err != nil {
		return nil, err
	}
	for p.accept(tWord, word) {
		y, err := next()
		if err != nil {
			return nil, err
		}
		x = logic{word, x, y}
	}
	return x, nil
}

func (p *esqlParser) not() (esqlExpr, error) {
	if p.accept(tWord, "NOT") {
		x, err := p.not()
		return negation{x}, err
	}
	return p.predicate()
}

func (p *esqlParser) predicate() (esqlExpr, error) {
	x, err := p.operand()
	if err != nil {
		return nil, err
	}
	switch {
	case p.accept(tWord, "IS"):
		neg := p.accept(tWord, "NOT")
		if err := p.expect(tWord, "NULL"); err != nil {
			return nil, err
		}
		return isNull{x, neg}, nil
	case p.peek(tWord, "LIKE") || p.peek(tWord, "RLIKE"):
		word := p.toks[p.pos].text
		p.pos++
		if p.pos >= len(p.toks) || p.toks[p.pos].kind != tString {
			return nil, fmt.Errorf("%s takes a string pattern", word)
		}
		pat := p.toks[p.pos].text
		p.pos++
		return pattern{x, word == "RLIKE", pat}, nil
	}
	for _, op := range []string{"==", "!=", "<=", ">=", "<", ">"} {
		if p.accept(tOp, op) {
			y, err := p.operand()
			if err != nil {
				return nil, err
			}
			return compare{op, x, y}, nil
		}
	}
	return x, nil
}

func (p *esqlParser) operand() (esqlExpr, error) {
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("unexpected end of the condition")
	}
	t := p.toks[p.pos]
	p.pos++
	switch t.kind {
	case tString:
		return literal{esqlValue{kind: vStr, s: t.text}}, nil
	case tNumber:
		n, err := strconv.ParseFloat(t.text, 64)
		return literal{esqlValue{kind: vNum, n: n}}, err
	case tWord:
		switch t.text {
		case "TRUE", "FALSE":
			return literal{boolean(t.text == "TRUE")}, nil
		case "NULL":
			return literal{null}, nil
		}
	case tOp:
		switch t.text {
		case "(":
			x, err := p.or()
			if err != nil {
				return nil, err
			}
			return x, p.expect(tOp, ")")
		case "-":
			x, err := p.operand()
			if l, ok := x.(literal); ok && l.v.kind == vNum {
				return literal{esqlValue{kind: vNum, n: -l.v.n}}, err
			}
			return nil, fmt.Errorf("- before a non-number")
		}
	case tIdent:
		if !p.accept(tOp, "(") {
			return column(t.text), nil
		}
		var args []esqlExpr
		for !p.accept(tOp, ")") {
			if len(args) > 0 {
				if err := p.expect(tOp, ","); err != nil {
					return nil, err
				}
			}
			a, err := p.or()
			if err != nil {
				return nil, err
			}
			args = append(args, a)
		}
		return call{strings.ToUpper(t.text), args}, nil
	}
	return nil, fmt.Errorf("unexpected %q", t.text)
}

// Evaluation.

type literal struct{ v esqlValue }

func (l literal) eval(esqlDoc, rlikeOracle) esqlValue { return l.v }

// column reads a field: null when absent, and multiValued when it holds
// several values (which functions and comparisons turn into null).
type column string

var multiValued = esqlValue{kind: vNull, s: "multi-valued"}

func (c column) eval(d esqlDoc, _ rlikeOracle) esqlValue {
	vs := d.values[string(c)]
	switch len(vs) {
	case 0:
		return null
	case 1:
	default:
		return multiValued
	}
	v := vs[0]
	switch t := d.types[string(c)]; {
	case isNumeric(t):
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return null // not indexed (ignore_malformed)
		}
		return esqlValue{kind: vNum, n: n}
	case t == tIP:
		a, ok := esIP(v)
		if !ok {
			return null
		}
		return esqlValue{kind: vIP, ip: a}
	case t == "boolean":
		return boolean(v == "true")
	}
	return esqlValue{kind: vStr, s: v}
}

// esIP reads an address as Elasticsearch does: an IPv4-mapped IPv6
// address is the IPv4 address; a zone or leading zeros are no address.
func esIP(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

type logic struct {
	op   string
	x, y esqlExpr
}

func (l logic) eval(d esqlDoc, rl rlikeOracle) esqlValue {
	a, b := l.x.eval(d, rl), l.y.eval(d, rl)
	if l.op == "AND" {
		switch {
		case a.kind == vBool && !a.b || b.kind == vBool && !b.b:
			return boolean(false)
		case a.kind == vBool && b.kind == vBool:
			return boolean(true)
		}
		return null
	}
	switch {
	case a.kind == vBool && a.b || b.kind == vBool && b.b:
		return boolean(true)
	case a.kind == vBool && b.kind == vBool:
		return boolean(false)
	}
	return null
}

type negation struct{ x esqlExpr }

func (n negation) eval(d esqlDoc, rl rlikeOracle) esqlValue {
	v := n.x.eval(d, rl)
	if v.kind != vBool {
		return null
	}
	return boolean(!v.b)
}

type isNull struct {
	x   esqlExpr
	neg bool
}

func (n isNull) eval(d esqlDoc, rl rlikeOracle) esqlValue {
	v := n.x.eval(d, rl)
	// A multi-valued field is not null.
	isnull := v.kind == vNull && v.s == ""
	return boolean(isnull != n.neg)
}

type pattern struct {
	x     esqlExpr
	regex bool
	pat   string
}

func (p pattern) eval(d esqlDoc, rl rlikeOracle) esqlValue {
	v := p.x.eval(d, rl)
	if v.kind != vStr {
		return null
	}
	if p.regex {
		return boolean(rl(p.pat, v.s))
	}
	return boolean(likeMatch(p.pat, v.s))
}

// likeMatch matches LIKE's pattern against the whole text: * any run of
// characters, ? one character, \ escapes the next.
func likeMatch(pat, s string) bool {
	if pat == "" {
		return s == ""
	}
	c, size := utf8.DecodeRuneInString(pat)
	switch c {
	case '*':
		for i := 0; ; {
			if likeMatch(pat[size:], s[i:]) {
				return true
			}
			if i == len(s) {
				return false
			}
			_, n := utf8.DecodeRuneInString(s[i:])
			i += n
		}
	case '?':
		if s == "" {
			return false
		}
		_, n := utf8.DecodeRuneInString(s)
		return likeMatch(pat[size:], s[n:])
	case '\\':
		c, n := utf8.DecodeRuneInString(pat[size:])
		size += n
		r, m := utf8.DecodeRuneInString(s)
		return s != "" && r == c && likeMatch(pat[size:], s[m:])
	}
	r, n := utf8.DecodeRuneInString(s)
	return s != "" && r == c && likeMatch(pat[size:], s[n:])
}

type compare struct {
	op   string
	x, y esqlExpr
}

func (c compare) eval(d esqlDoc, rl rlikeOracle) esqlValue {
	a, b := c.x.eval(d, rl), c.y.eval(d, rl)
	if a.kind == vNull || b.kind == vNull {
		return null
	}
	var cmp int
	switch {
	case a.kind == vStr && b.kind == vStr:
		cmp = strings.Compare(a.s, b.s)
	case a.kind == vNum && b.kind == vNum:
		switch {
		case a.n < b.n:
			cmp = -1
		case a.n > b.n:
			cmp = 1
		}
	case a.kind == vIP && b.kind == vIP && (c.op == "==" || c.op == "!="):
		if a.ip != b.ip {
			cmp = 1
		}
	case a.kind == vBool && b.kind == vBool && (c.op == "==" || c.op == "!="):
		if a.b != b.b {
			cmp = 1
		}
	default:
		// ES|QL rejects the query when the types do not compare.
		panic(fmt.Sprintf("ES|QL cannot compare %v %s %v", a, c.op, b))
	}
	return boolean(map[string]bool{"==": cmp == 0, "!=": cmp != 0, "<": cmp < 0, "<=": cmp <= 0, ">": cmp > 0, ">=": cmp >= 0}[c.op])
}

type call struct {
	fn   string
	args []esqlExpr
}

func (c call) eval(d esqlDoc, rl rlikeOracle) esqlValue {
	args := make([]esqlValue, len(c.args))
	for i, a := range c.args {
		args[i] = a.eval(d, rl)
	}
	if c.fn == "COALESCE" {
		for _, a := range args {
			if a.kind != vNull {
				return a
			}
		}
		return null
	}
	for _, a := range args {
		if a.kind == vNull {
			return null
		}
	}
	str := func(i int) string {
		if args[i].kind != vStr {
			panic(fmt.Sprintf("%s takes text, not %v", c.fn, args[i]))
		}
		return args[i].s
	}
	switch c.fn {
	case "TO_LOWER":
		return esqlValue{kind: vStr, s: strings.ToLower(str(0))}
	case "STARTS_WITH":
		return boolean(strings.HasPrefix(str(0), str(1)))
	case "ENDS_WITH":
		return boolean(strings.HasSuffix(str(0), str(1)))
	case "LOCATE":
		// 1-based position in characters, 0 when absent.
		i := strings.Index(str(0), str(1))
		if i < 0 {
			return esqlValue{kind: vNum}
		}
		return esqlValue{kind: vNum, n: float64(utf8.RuneCountInString(str(0)[:i]) + 1)}
	case "TO_IP":
		if args[0].kind == vIP {
			return args[0]
		}
		a, ok := esIP(str(0))
		if !ok {
			return null // with a warning
		}
		return esqlValue{kind: vIP, ip: a}
	case "CIDR_MATCH":
		if args[0].kind != vIP {
			panic(fmt.Sprintf("CIDR_MATCH takes an ip, not %v", args[0]))
		}
		for i := 1; i < len(args); i++ {
			p, err := netip.ParsePrefix(str(i))
			if err != nil {
				panic(fmt.Sprintf("CIDR_MATCH block %q: %v", str(i), err))
			}
			if cidrMatch(p, args[0].ip) {
				return boolean(true)
			}
		}
		return boolean(false)
	}
	panic("the reader does not know the function " + c.fn)
}

// cidrMatch tests as Elasticsearch does, on 16-byte addresses: an IPv4
// address and network are their IPv4-mapped IPv6 forms.
func cidrMatch(p netip.Prefix, a netip.Addr) bool {
	bits := p.Bits()
	if p.Addr().Is4() {
		bits += 96
	}
	mapped := netip.PrefixFrom(netip.AddrFrom16(p.Addr().As16()), bits)
	return mapped.Contains(netip.AddrFrom16(a.As16()))
}
