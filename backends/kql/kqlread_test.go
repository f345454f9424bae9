package kql_test

// An independent reading of the KQL subset the backend writes, evaluated
// over rows of string columns as the Kusto documentation describes the
// operators: three-valued logic (null drops a row), ASCII case folding for
// the case-insensitive operators, has as a match bounded by non-alphanumeric
// characters, RE2 for matches regex, toreal() null for text that is not a
// number, IP functions null for text that is not an address, a column
// compared with a number read as a number (null when empty). It shares no
// code with the emitter, so agreeing with the evaluator on events says the
// emitter wrote the rule's meaning.

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// kv is a KQL value: null, a string, a number or a bool.
type kv struct {
	kind byte // 'n' null, 's' string, 'r' number, 'b' bool
	s    string
	r    float64
	b    bool
}

var kNull = kv{kind: 'n'}

func kBool(b bool) kv { return kv{kind: 'b', b: b} }

// node evaluates against a row (absent columns read as "").
type node func(row map[string]string) kv

type token struct {
	kind byte // 'i' identifier, 's' string, 'r' number, 'p' punctuation/operator
	text string
}

func lexKQL(src string) ([]token, error) {
	var toks []token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\n' || c == '\t':
			i++
		case c == '@' && i+1 < len(src) && src[i+1] == '"':
			var b strings.Builder
			j := i + 2
			for ; j < len(src); j++ {
				if src[j] == '"' {
					if j+1 < len(src) && src[j+1] == '"' {
						b.WriteByte('"')
						j++
						continue
					}
					break
				}
				b.WriteByte(src[j])
			}
			toks = append(toks, token{'s', b.String()})
			i = j + 1
		case c == '"':
			s, n, err := regularString(src[i:])
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{'s', s})
			i += n
		case c == '[' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			// [0]: an array index (a bracketed name is always quoted)
			j := strings.IndexByte(src[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("unclosed index at %d", i)
			}
			toks = append(toks, token{'p', "["}, token{'r', src[i+1 : i+j]}, token{'p', "]"})
			i += j + 1
		case c == '[':
			// ['name'] or ["name"] or [@"name"]
			j := i + 1
			var name string
			switch {
			case src[j] == '\'':
				k := strings.IndexByte(src[j+1:], '\'')
				name = src[j+1 : j+1+k]
				j += k + 2
			default:
				sub, err := lexKQL(src[j : strings.IndexByte(src[i:], ']')+i])
				if err != nil || len(sub) != 1 {
					return nil, fmt.Errorf("bad bracketed name at %d", i)
				}
				name = sub[0].text
				j = strings.IndexByte(src[i:], ']') + i
			}
			if src[j] != ']' {
				return nil, fmt.Errorf("bad bracketed name at %d", i)
			}
			toks = append(toks, token{'i', name})
			i = j + 1
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(src) && (src[j] == '_' || src[j] == '~' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9') {
				j++
			}
			toks = append(toks, token{'i', src[i:j]})
			i = j
		case c >= '0' && c <= '9' || c == '-' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			j := i + 1
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.' || src[j] == 'e' || src[j] == '+' || src[j] == '-' && src[j-1] == 'e') {
				j++
			}
			toks = append(toks, token{'r', src[i:j]})
			i = j
		default:
			for _, op := range []string{"=~", "==", "!=", ">=", "<=", ">", "<", "(", ")", ",", "*", "=", "."} {
				if strings.HasPrefix(src[i:], op) {
					toks = append(toks, token{'p', op})
					i += len(op)
					goto next
				}
			}
			return nil, fmt.Errorf("unexpected %q at %d", c, i)
		next:
		}
	}
	return toks, nil
}

// regularString reads "..." with KQL's escapes; n is the length read.
func regularString(src string) (string, int, error) {
	var units []uint16
	add := func(s string) {
		units = append(units, utf16.Encode([]rune(s))...)
	}
	for i := 1; i < len(src); {
		c := src[i]
		switch c {
		case '"':
			return string(utf16.Decode(units)), i + 1, nil
		case '\\':
			e := src[i+1]
			switch e {
			case 'n':
				add("\n")
			case 'r':
				add("\r")
			case 't':
				add("\t")
			case 'u':
				u, err := strconv.ParseUint(src[i+2:i+6], 16, 16)
				if err != nil {
					return "", 0, err
				}
				units = append(units, uint16(u))
				i += 6
				continue
			default:
				add(string(e))
			}
			i += 2
		default:
			r, w := utf8.DecodeRuneInString(src[i:])
			add(string(r))
			i += w
		}
	}
	return "", 0, fmt.Errorf("unterminated string")
}

type kparser struct {
	toks []token
	pos  int
}

func (p *kparser) peek() token {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return token{}
}

func (p *kparser) next() token { t := p.peek(); p.pos++; return t }

func (p *kparser) expect(text string) error {
	if t := p.next(); t.text != text {
		return fmt.Errorf("want %q, got %q", text, t.text)
	}
	return nil
}

// parseWhere reads one where predicate.
func parseWhere(src string) (node, error) {
	toks, err := lexKQL(src)
	if err != nil {
		return nil, err
	}
	p := &kparser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("trailing %q", p.peek().text)
	}
	return n, nil
}

func (p *kparser) or() (node, error) {
	terms, err := p.list(p.and, "or")
	if err != nil || len(terms) == 1 {
		return first(terms), err
	}
	return func(row map[string]string) kv {
		out := kBool(false)
		for _, t := range terms {
			switch v := t(row); {
			case v.kind == 'b' && v.b:
				return kBool(true)
			case v.kind == 'n':
				out = kNull
			}
		}
		return out
	}, nil
}

func (p *kparser) and() (node, error) {
	terms, err := p.list(p.unary, "and")
	if err != nil || len(terms) == 1 {
		return first(terms), err
	}
	return func(row map[string]string) kv {
		out := kBool(true)
		for _, t := range terms {
			switch v := t(row); {
			case v.kind == 'b' && !v.b:
				return kBool(false)
			case v.kind == 'n':
				out = kNull
			}
		}
		return out
	}, nil
}

func first(ns []node) node {
	if len(ns) == 0 {
		return nil
	}
	return ns[0]
}

func (p *kparser) list(item func() (node, error), sep string) ([]node, error) {
	var out []node
	for {
		n, err := item()
		if err != nil {
			return nil, err
		}
		out = append(out, n)
		if p.peek().kind != 'i' || p.peek().text != sep {
			return out, nil
		}
		p.next()
	}
}

func (p *kparser) unary() (node, error) {
	t := p.peek()
	if t.text == "(" {
		p.next()
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		return n, p.expect(")")
	}
	if t.kind == 'i' && t.text == "not" {
		p.next()
		if err := p.expect("("); err != nil {
			return nil, err
		}
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		return func(row map[string]string) kv {
			v := x(row)
			if v.kind == 'n' {
				return kNull
			}
			return kBool(!v.b)
		}, nil
	}
	if t.kind == 'i' && p.pos+1 < len(p.toks) && p.toks[p.pos+1].text == "(" && boolFuncs[t.text] {
		return p.boolCall()
	}
	return p.comparison()
}

var boolFuncs = map[string]bool{"isempty": true, "isnotempty": true, "coalesce": true,
	"ipv4_is_in_range": true, "ipv4_is_in_any_range": true, "ipv6_is_in_range": true, "ipv6_is_in_any_range": true}

// callArgs reads a call's arguments, each with arg (given its index), up
// to and including the closing parenthesis.
func callArgs[T any](p *kparser, arg func(i int) (T, error)) ([]T, error) {
	var args []T
	for p.peek().text != ")" {
		a, err := arg(len(args))
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		if p.peek().text == "," {
			p.next()
		}
	}
	p.next()
	return args, nil
}

func (p *kparser) boolCall() (node, error) {
	name := p.next().text
	p.next() // (
	args, err := callArgs(p, func(i int) (node, error) {
		if name == "coalesce" && i == 0 {
			return p.or()
		}
		return p.operand()
	})
	if err != nil {
		return nil, err
	}
	switch name {
	case "isempty", "isnotempty":
		want := name == "isempty"
		return func(row map[string]string) kv {
			v := args[0](row)
			empty := v.kind == 'n' || v.kind == 's' && v.s == ""
			return kBool(empty == want)
		}, nil
	case "coalesce":
		return func(row map[string]string) kv {
			if v := args[0](row); v.kind != 'n' {
				return v
			}
			return args[1](row)
		}, nil
	}
	v4 := strings.HasPrefix(name, "ipv4")
	return func(row map[string]string) kv {
		addr, ok := parseAddr(args[0](row).s, v4)
		if !ok {
			return kNull
		}
		for _, a := range args[1:] {
			pfx, err := netip.ParsePrefix(a(row).s)
			if err != nil {
				return kNull
			}
			if pfx.Contains(addr) {
				return kBool(true)
			}
		}
		return kBool(false)
	}, nil
}

// parseAddr reads an address as the ipv4 / ipv6 functions do: the ipv6
// ones take IPv4 text as its IPv4-mapped form.
func parseAddr(s string, v4 bool) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	if v4 {
		return a, a.Is4()
	}
	if a.Is4() {
		return netip.AddrFrom16(a.As16()), true
	}
	return a, true
}

func (p *kparser) operand() (node, error) {
	t := p.next()
	switch t.kind {
	case 's':
		return func(map[string]string) kv { return kv{kind: 's', s: t.text} }, nil
	case 'r':
		f, err := strconv.ParseFloat(t.text, 64)
		return func(map[string]string) kv { return kv{kind: 'r', r: f} }, err
	case 'p':
		if t.text == "*" {
			return nil, nil // the caller handles `*`
		}
	case 'i':
		switch t.text {
		case "true", "false":
			b := t.text == "true"
			return func(map[string]string) kv { return kBool(b) }, nil
		case "toreal", "tostring", "real":
			if p.peek().text == "(" {
				p.next()
				x, err := p.operand()
				if err != nil {
					return nil, err
				}
				if err := p.expect(")"); err != nil {
					return nil, err
				}
				if t.text == "tostring" {
					return x, nil // the reader's columns are strings
				}
				return func(row map[string]string) kv {
					v := x(row)
					if v.kind == 'r' {
						return v
					}
					f, err := strconv.ParseFloat(strings.TrimSpace(v.s), 64)
					if err != nil {
						return kNull
					}
					return kv{kind: 'r', r: f}
				}, nil
			}
		}
		name := t.text
		return func(row map[string]string) kv { return kv{kind: 's', s: row[name]} }, nil
	}
	return nil, fmt.Errorf("unexpected operand %q", t.text)
}

func (p *kparser) comparison() (node, error) {
	star := p.peek().text == "*"
	left, err := p.operand()
	if err != nil {
		return nil, err
	}
	opTok := p.next()
	op := opTok.text
	if op == "matches" {
		if err := p.expect("regex"); err != nil {
			return nil, err
		}
		rt := p.next()
		re, err := regexp.Compile(rt.text)
		if err != nil {
			return nil, err
		}
		return strTest(left, star, func(s string) bool { return re.MatchString(s) }), nil
	}
	if op == "in~" || op == "in" || op == "has_any" {
		if err := p.expect("("); err != nil {
			return nil, err
		}
		var lits []string
		for p.peek().text != ")" {
			lits = append(lits, p.next().text)
			if p.peek().text == "," {
				p.next()
			}
		}
		p.next()
		return strTest(left, star, func(s string) bool {
			for _, l := range lits {
				if (op == "in" && s == l) || (op == "in~" && asciiFold(s) == asciiFold(l)) || (op == "has_any" && hasTerm(asciiFold(s), asciiFold(l))) {
					return true
				}
			}
			return false
		}), nil
	}
	right, err := p.operand()
	if err != nil {
		return nil, err
	}
	if n, ok := numCmp[op]; ok {
		return func(row map[string]string) kv {
			a, b := left(row), right(row)
			if a.kind == 'n' || b.kind == 'n' {
				return kNull
			}
			if a.kind == 's' && b.kind == 'r' {
				// a column compared with a number is a numeric column,
				// its text the number (an empty one null)
				f, err := strconv.ParseFloat(a.s, 64)
				if err != nil {
					return kNull
				}
				a = kv{kind: 'r', r: f}
			}
			if a.kind == 'r' && b.kind == 'r' {
				return kBool(n(a.r, b.r))
			}
			if op == "==" {
				return kBool(a.s == b.s)
			}
			return kNull
		}, nil
	}
	cased := strings.HasSuffix(op, "_cs") || op == "=="
	base := strings.TrimSuffix(op, "_cs")
	test := map[string]func(s, l string) bool{
		"=~": func(s, l string) bool { return s == l }, "==": func(s, l string) bool { return s == l },
		"contains": strings.Contains, "startswith": strings.HasPrefix, "endswith": strings.HasSuffix, "has": hasTerm,
	}[base]
	if test == nil {
		return nil, fmt.Errorf("unknown operator %q", op)
	}
	return func(row map[string]string) kv {
		var l string
		if r := right(row); r.kind == 's' {
			l = r.s
		}
		match := func(s string) bool {
			if cased {
				return test(s, l)
			}
			return test(asciiFold(s), asciiFold(l))
		}
		if star {
			for _, v := range row {
				if match(v) {
					return kBool(true)
				}
			}
			return kBool(false)
		}
		return kBool(match(left(row).s))
	}, nil
}

var numCmp = map[string]func(a, b float64) bool{
	"==": func(a, b float64) bool { return a == b }, ">": func(a, b float64) bool { return a > b },
	">=": func(a, b float64) bool { return a >= b }, "<": func(a, b float64) bool { return a < b },
	"<=": func(a, b float64) bool { return a <= b },
}

func strTest(left node, star bool, fn func(string) bool) node {
	return func(row map[string]string) kv {
		if star {
			for _, v := range row {
				if fn(v) {
					return kBool(true)
				}
			}
			return kBool(false)
		}
		return kBool(fn(left(row).s))
	}
}

func asciiFold(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// hasTerm: l occurs in s where it is not glued to alphanumerics at an end
// that is itself alphanumeric.
func hasTerm(s, l string) bool {
	alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }
	for i := 0; i+len(l) <= len(s); i++ {
		if s[i:i+len(l)] != l {
			continue
		}
		if alnum(l[0]) && i > 0 && alnum(s[i-1]) {
			continue
		}
		if alnum(l[len(l)-1]) && i+len(l) < len(s) && alnum(s[i+len(l)]) {
			continue
		}
		return true
	}
	return false
}

// readQuery reads a raw-profile query without aggregation: its where
// clauses, ANDed.
func readQuery(text string) (func(row map[string]string) bool, error) {
	var preds []node
	for _, clause := range strings.Split(text, "\n| ")[1:] {
		body, ok := strings.CutPrefix(clause, "where ")
		if !ok {
			return nil, fmt.Errorf("not a where clause: %q", clause)
		}
		n, err := parseWhere(body)
		if err != nil {
			return nil, fmt.Errorf("%v in %q", err, body)
		}
		preds = append(preds, n)
	}
	return func(row map[string]string) bool {
		for _, p := range preds {
			if v := p(row); v.kind != 'b' || !v.b {
				return false
			}
		}
		return true
	}, nil
}
