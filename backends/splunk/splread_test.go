package splunk_test

// An independent reader of the SPL subset detc emits: it parses the search
// text and runs it over events the way Splunk's documentation describes,
// without sharing any code with the emitter. The agreement tests compare
// its results with the evaluator's.
//
// Semantics modelled (Splunk Search Reference):
//   - search: terms joined by implicit AND; OR binds tighter than AND; NOT
//     applies to the next term; field=value compares case-insensitively
//     (field names case-sensitive) with * as the only wildcard; inside
//     double quotes \\ and \" are escapes; NOT f=v holds for events
//     without f; f=* holds when f has a value.
//   - search terms without a field match the tokens of _raw, as Splunk's
//     index holds them (segmenters.conf.spec; Search Manual, "Event
//     segmentation and searching", "Use CASE() and TERM() to match
//     phrases"): _raw is cut into major segments at the default major
//     breakers (single characters and the sequences -- %20 %2B ...), each
//     major segment into minor segments at the minor breakers; a quoted
//     word (no breaker inside) matches when a segment of either kind
//     equals it ignoring case; TERM(x) matches when a major segment equals
//     x ignoring case; a bare word with a trailing * matches the segments
//     it starts. Phrases with breakers and other wildcards are outside the
//     emitted subset and rejected.
//   - where/eval: AND/OR/NOT over three-valued logic (a null operand makes
//     a comparison null; where keeps only true); == compares numerically
//     when both sides are numbers, else as text; functions match (PCRE,
//     read through Go's engine after rejecting PCRE forms whose meaning
//     differs), cidrmatch, isnull, isnotnull, null, tonumber, lower, len,
//     substr, if.
//   - bin _time span=W (epoch-aligned), fillnull, stats (rows with a null
//     by-field are dropped), tstats over the events given as the data
//     model, datamodel ... search (the events given).
// Multivalue fields are read through their first value in eval.

import (
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// splEvent is an event or result row: field name to values, all text.
type splEvent map[string][]string

func (e splEvent) first(name string) (string, bool) {
	v, ok := e[name]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

func (e splEvent) clone() splEvent {
	out := make(splEvent, len(e))
	for k, v := range e {
		out[k] = v
	}
	return out
}

// splProgram is a parsed pipeline.
type splProgram struct {
	cmds  []splCmd
	names []string // command names, in order
}

type splCmd func(in []splEvent) ([]splEvent, error)

// parseSPL reads a pipeline.
func parseSPL(text string) (*splProgram, error) {
	segs, err := splitPipes(text)
	if err != nil {
		return nil, err
	}
	p := &splProgram{}
	for i, seg := range segs {
		seg = strings.TrimSpace(seg)
		name, rest := seg, ""
		if j := strings.IndexAny(seg, " \n\t"); j >= 0 {
			name, rest = seg[:j], strings.TrimSpace(seg[j:])
		}
		if i == 0 && !strings.HasPrefix(strings.TrimSpace(text), "|") {
			name, rest = "search", seg
		}
		if i == 0 && name == "" {
			continue // the leading pipe of a generating command
		}
		cmd, err := parseCommand(name, rest)
		if err != nil {
			return nil, fmt.Errorf("command %d (%s): %w", i, name, err)
		}
		p.cmds = append(p.cmds, cmd)
		p.names = append(p.names, name)
	}
	return p, nil
}

// run feeds events through the pipeline.
func (p *splProgram) run(events []splEvent) ([]splEvent, error) {
	cur := make([]splEvent, len(events))
	for i, e := range events {
		cur[i] = e.clone()
	}
	for _, c := range p.cmds {
		var err error
		if cur, err = c(cur); err != nil {
			return nil, err
		}
	}
	return cur, nil
}

// splitPipes splits at | outside double quotes, single quotes and [...].
func splitPipes(text string) ([]string, error) {
	var segs []string
	depth, start := 0, 0
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '"':
			j, err := skipQuoted(text, i)
			if err != nil {
				return nil, err
			}
			i = j
		case '\'':
			j := strings.IndexByte(text[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated single quote at %d", i)
			}
			i += j + 1
		case '[':
			depth++
		case ']':
			depth--
		case '|':
			if depth == 0 {
				segs = append(segs, text[start:i])
				start = i + 1
			}
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("unbalanced brackets")
	}
	return append(segs, text[start:]), nil
}

// skipQuoted returns the index of the closing quote of the string at i.
func skipQuoted(text string, i int) (int, error) {
	for j := i + 1; j < len(text); j++ {
		switch text[j] {
		case '\\':
			j++
		case '"':
			return j, nil
		}
	}
	return 0, fmt.Errorf("unterminated string at %d", i)
}

// unquote resolves a double-quoted string's escapes: \\ and \" only; any
// other backslash stays as it is.
func unquote(q string) string {
	s := q[1 : len(q)-1]
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '\\' || s[i+1] == '"') {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func parseCommand(name, rest string) (splCmd, error) {
	switch name {
	case "search":
		e, err := parseSearchExpr(rest)
		if err != nil {
			return nil, err
		}
		return func(in []splEvent) ([]splEvent, error) {
			var out []splEvent
			for _, ev := range in {
				if e(ev) {
					out = append(out, ev)
				}
			}
			return out, nil
		}, nil
	case "datamodel":
		f := strings.Fields(rest)
		if len(f) != 3 || f[2] != "search" {
			return nil, fmt.Errorf("datamodel: want <model> <dataset> search, got %q", rest)
		}
		return func(in []splEvent) ([]splEvent, error) { return in, nil }, nil
	case "where":
		e, err := parseEval(rest)
		if err != nil {
			return nil, err
		}
		return func(in []splEvent) ([]splEvent, error) {
			var out []splEvent
			for _, ev := range in {
				v, err := e(ev)
				if err != nil {
					return nil, err
				}
				if v.kind == vBool && v.b {
					out = append(out, ev)
				}
			}
			return out, nil
		}, nil
	case "eval":
		return parseEvalCmd(rest)
	case "bin":
		return parseBin(rest)
	case "fillnull":
		return parseFillnull(rest)
	case "stats":
		return parseStats(rest)
	case "tstats":
		return parseTstats(rest)
	}
	return nil, fmt.Errorf("unsupported command %q", name)
}

// ---- search command ----

type searchPred func(splEvent) bool

type stoken struct {
	text   string
	quoted bool // a double-quoted string
}

func lexSearch(s string) ([]stoken, error) {
	var toks []stoken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '(' || c == ')':
			toks = append(toks, stoken{text: string(c)})
			i++
		case c == '"':
			j, err := skipQuoted(s, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, stoken{text: s[i : j+1], quoted: true})
			i = j + 1
		case strings.HasPrefix(s[i:], "TERM("):
			j := strings.IndexByte(s[i:], ')')
			if j < 0 {
				return nil, fmt.Errorf("unterminated TERM(")
			}
			toks = append(toks, stoken{text: s[i : i+j+1]})
			i += j + 1
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n()\"", rune(s[j])) {
				j++
			}
			toks = append(toks, stoken{text: s[i:j]})
			i = j
		}
	}
	return toks, nil
}

type searchParser struct {
	toks []stoken
	pos  int
}

func parseSearchExpr(s string) (searchPred, error) {
	toks, err := lexSearch(s)
	if err != nil {
		return nil, err
	}
	p := &searchParser{toks: toks}
	if len(toks) == 0 {
		return nil, fmt.Errorf("empty search")
	}
	e, err := p.and()
	if err != nil {
		return nil, err
	}
	if p.pos != len(toks) {
		return nil, fmt.Errorf("unexpected %q", toks[p.pos].text)
	}
	return e, nil
}

func (p *searchParser) peek() (stoken, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return stoken{}, false
}

// and: implicit or explicit AND of or-terms (OR binds tighter in search).
func (p *searchParser) and() (searchPred, error) {
	var terms []searchPred
	for {
		t, ok := p.peek()
		if !ok || (!t.quoted && t.text == ")") {
			break
		}
		if !t.quoted && t.text == "AND" {
			p.pos++
			continue
		}
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		terms = append(terms, e)
	}
	if len(terms) == 0 {
		return nil, fmt.Errorf("empty group")
	}
	return func(ev splEvent) bool {
		for _, t := range terms {
			if !t(ev) {
				return false
			}
		}
		return true
	}, nil
}

func (p *searchParser) or() (searchPred, error) {
	first, err := p.not()
	if err != nil {
		return nil, err
	}
	terms := []searchPred{first}
	for {
		t, ok := p.peek()
		if !ok || t.quoted || t.text != "OR" {
			break
		}
		p.pos++
		e, err := p.not()
		if err != nil {
			return nil, err
		}
		terms = append(terms, e)
	}
	if len(terms) == 1 {
		return first, nil
	}
	return func(ev splEvent) bool {
		for _, t := range terms {
			if t(ev) {
				return true
			}
		}
		return false
	}, nil
}

func (p *searchParser) not() (searchPred, error) {
	t, ok := p.peek()
	if !ok {
		return nil, fmt.Errorf("unexpected end of search")
	}
	if !t.quoted && t.text == "NOT" {
		p.pos++
		e, err := p.not()
		if err != nil {
			return nil, err
		}
		return func(ev splEvent) bool { return !e(ev) }, nil
	}
	if !t.quoted && t.text == "(" {
		p.pos++
		e, err := p.and()
		if err != nil {
			return nil, err
		}
		if t, ok := p.peek(); !ok || t.text != ")" {
			return nil, fmt.Errorf("missing )")
		}
		p.pos++
		return e, nil
	}
	return p.comparison()
}

// comparison reads field=value or field!=value.
func (p *searchParser) comparison() (searchPred, error) {
	t := p.toks[p.pos]
	p.pos++
	if t.quoted {
		return rawWord(unquote(t.text), false)
	}

	if arg, ok := strings.CutPrefix(t.text, "TERM("); ok {
		return rawTerm(strings.TrimSuffix(arg, ")"))
	}
	if t.text == "*" {
		return func(splEvent) bool { return true }, nil
	}
	if w, ok := strings.CutSuffix(t.text, "*"); ok && !strings.Contains(t.text, "=") {
		return rawWord(w, true)
	}
	i := strings.Index(t.text, "=")
	if i <= 0 {
		return nil, fmt.Errorf("bare term %q: keyword terms are not part of the emitted subset", t.text)
	}
	field, neq := t.text[:i], false
	if strings.HasSuffix(field, "!") {
		field, neq = field[:len(field)-1], true
	}
	value := t.text[i+1:]
	if value == "" {
		v, ok := p.peek()
		if !ok || !v.quoted {
			return nil, fmt.Errorf("%s: missing value", t.text)
		}
		p.pos++
		value = unquote(v.text)
	}
	match := func(ev splEvent) bool {
		for _, v := range ev[field] {
			if globFold(value, v) {
				return true
			}
		}
		return false
	}
	if neq {
		return func(ev splEvent) bool { return len(ev[field]) > 0 && !match(ev) }, nil
	}
	return match, nil
}

// Splunk's default breakers (segmenters.conf.spec): the major ones,
// single characters and sequences, and the minor ones.
var (
	majorChars     = " \t\n\r[]<>(){}|!;,'\"*&?+"
	majorSequences = []string{"%2526", "%2520", "%21", "%26", "%3B", "%7C", "%20", "%2B", "%3D", "--", "%5D", "%5B", "%3A", "%0A", "%2C", "%28", "%29"}
	minorChars     = `/:=@.-$#%\_`
)

// segments cuts an event's text as Splunk's index does: the major
// segments, and the minor segments of each.
func segments(raw string) (major, minor []string) {
	start := 0
	cut := func(end int) {
		if end > start {
			major = append(major, raw[start:end])
		}
	}
	for i := 0; i < len(raw); {
		n := 0
		if strings.IndexByte(majorChars, raw[i]) >= 0 {
			n = 1
		}
		for _, seq := range majorSequences {
			if n == 0 && len(raw)-i >= len(seq) && strings.EqualFold(raw[i:i+len(seq)], seq) {
				n = len(seq)
			}
		}
		if n == 0 {
			i++
			continue
		}
		cut(i)
		i += n
		start = i
	}
	cut(len(raw))
	for _, m := range major {
		minor = append(minor, strings.FieldsFunc(m, func(r rune) bool { return strings.ContainsRune(minorChars, r) })...)
	}
	return major, minor
}

// rawWord: a quoted search term of one word (no breaker, no wildcard), or
// with prefix a bare word and a trailing wildcard, which matches the
// segments it starts.
func rawWord(word string, prefix bool) (searchPred, error) {
	if word == "" || strings.ContainsAny(word, majorChars+minorChars) {
		return nil, fmt.Errorf("search term %q: terms with breakers or wildcards are not part of the emitted subset", word)
	}
	return func(ev splEvent) bool {
		for _, raw := range ev["_raw"] {
			major, minor := segments(raw)
			for _, seg := range append(major, minor...) {
				if strings.EqualFold(seg, word) || prefix && len(seg) >= len(word) && strings.EqualFold(seg[:len(word)], word) {
					return true
				}
			}
		}
		return false
	}, nil
}

// rawTerm: TERM(x), x holding no major breaker and no wildcard.
func rawTerm(x string) (searchPred, error) {
	if x == "" || strings.ContainsAny(x, majorChars) {
		return nil, fmt.Errorf("TERM(%s): a term cannot hold a major breaker", x)
	}
	return func(ev splEvent) bool {
		for _, raw := range ev["_raw"] {
			major, _ := segments(raw)
			for _, seg := range major {
				if strings.EqualFold(seg, x) {
					return true
				}
			}
		}
		return false
	}, nil
}

// globFold matches s against a pattern where * is any run, ignoring case.
func globFold(pattern, s string) bool {
	p, t := []rune(pattern), []rune(s)
	// Classic two-pointer wildcard match with backtracking to the last *.
	pi, ti, star, mark := 0, 0, -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ti
			pi++
		case pi < len(p) && foldEq(p[pi], t[ti]):
			pi++
			ti++
		case star >= 0:
			pi = star + 1
			mark++
			ti = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

func foldEq(a, b rune) bool { return a == b || strings.EqualFold(string(a), string(b)) }

// ---- eval expressions ----

type vkind uint8

const (
	vNull vkind = iota
	vBool
	vNum
	vStr
)

type val struct {
	kind vkind
	b    bool
	n    float64
	s    string
}

type evalExpr func(splEvent) (val, error)

type etok struct {
	kind byte // n number, s string, f quoted field, i identifier, o operator
	text string
}

func lexEval(s string) ([]etok, error) {
	var toks []etok
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '"':
			j, err := skipQuoted(s, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, etok{'s', unquote(s[i : j+1])})
			i = j + 1
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated field name")
			}
			toks = append(toks, etok{'f', s[i+1 : i+1+j]})
			i += j + 2
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			toks = append(toks, etok{'n', s[i:j]})
			i = j
		case c == '_' || unicode.IsLetter(rune(c)):
			j := i
			for j < len(s) && (s[j] == '_' || s[j] == '.' || s[j] == ':' || s[j] >= '0' && s[j] <= '9' || unicode.IsLetter(rune(s[j]))) {
				j++
			}
			toks = append(toks, etok{'i', s[i:j]})
			i = j
		default:
			for _, op := range []string{"==", "!=", "<=", ">=", "<", ">", "=", "(", ")", ",", "+", "-"} {
				if strings.HasPrefix(s[i:], op) {
					toks = append(toks, etok{'o', op})
					i += len(op)
					goto next
				}
			}
			return nil, fmt.Errorf("unexpected %q in eval expression", c)
		next:
		}
	}
	return toks, nil
}

type evalParser struct {
	toks []etok
	pos  int
}

func parseEval(s string) (evalExpr, error) {
	toks, err := lexEval(s)
	if err != nil {
		return nil, err
	}
	p := &evalParser{toks: toks}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(toks) {
		return nil, fmt.Errorf("unexpected %q", toks[p.pos].text)
	}
	return e, nil
}

func (p *evalParser) is(kind byte, text string) bool {
	return p.pos < len(p.toks) && p.toks[p.pos].kind == kind && p.toks[p.pos].text == text
}

func (p *evalParser) or() (evalExpr, error) { return p.logical("OR", p.and) }

func (p *evalParser) and() (evalExpr, error) { return p.logical("AND", p.not) }

// logical folds AND / OR with three-valued logic.
func (p *evalParser) logical(op string, next func() (evalExpr, error)) (evalExpr, error) {
	first, err := next()
	if err != nil {
		return nil, err
	}
	terms := []evalExpr{first}
	for p.is('i', op) {
		p.pos++
		e, err := next()
		if err != nil {
			return nil, err
		}
		terms = append(terms, e)
	}
	if len(terms) == 1 {
		return first, nil
	}
	isOr := op == "OR"
	return func(ev splEvent) (val, error) {
		sawNull := false
		for _, t := range terms {
			v, err := t(ev)
			if err != nil {
				return val{}, err
			}
			switch {
			case v.kind == vNull:
				sawNull = true
			case v.kind != vBool:
				return val{}, fmt.Errorf("%s of a non-boolean", op)
			case v.b == isOr:
				return val{kind: vBool, b: isOr}, nil
			}
		}
		if sawNull {
			return val{}, nil
		}
		return val{kind: vBool, b: !isOr}, nil
	}, nil
}

func (p *evalParser) not() (evalExpr, error) {
	if p.is('i', "NOT") {
		p.pos++
		e, err := p.not()
		if err != nil {
			return nil, err
		}
		return func(ev splEvent) (val, error) {
			v, err := e(ev)
			if err != nil || v.kind == vNull {
				return v, err
			}
			if v.kind != vBool {
				return val{}, fmt.Errorf("NOT of a non-boolean")
			}
			return val{kind: vBool, b: !v.b}, nil
		}, nil
	}
	return p.comparison()
}

func (p *evalParser) comparison() (evalExpr, error) {
	left, err := p.additive()
	if err != nil {
		return nil, err
	}
	if p.pos >= len(p.toks) || p.toks[p.pos].kind != 'o' {
		return left, nil
	}
	op := p.toks[p.pos].text
	switch op {
	case "==", "=", "!=", "<", ">", "<=", ">=":
	default:
		return left, nil
	}
	p.pos++
	right, err := p.additive()
	if err != nil {
		return nil, err
	}
	return func(ev splEvent) (val, error) {
		a, err := left(ev)
		if err != nil {
			return val{}, err
		}
		b, err := right(ev)
		if err != nil {
			return val{}, err
		}
		if a.kind == vNull || b.kind == vNull {
			return val{}, nil
		}
		var c int
		if x, ok := asNum(a); ok {
			if y, ok := asNum(b); ok {
				c = cmpFloat(x, y)
				return val{kind: vBool, b: cmpHolds(op, c)}, nil
			}
		}
		c = strings.Compare(asText(a), asText(b))
		return val{kind: vBool, b: cmpHolds(op, c)}, nil
	}, nil
}

func cmpFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func cmpHolds(op string, c int) bool {
	switch op {
	case "==", "=":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case ">":
		return c > 0
	case "<=":
		return c <= 0
	}
	return c >= 0
}

// numberText is Splunk's reading of a string as a number.
var numberText = regexp.MustCompile(`^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$`)

func asNum(v val) (float64, bool) {
	switch v.kind {
	case vNum:
		return v.n, true
	case vStr:
		if numberText.MatchString(v.s) {
			f, err := strconv.ParseFloat(v.s, 64)
			return f, err == nil && !math.IsInf(f, 0)
		}
	}
	return 0, false
}

func asText(v val) string {
	switch v.kind {
	case vNum:
		return strconv.FormatFloat(v.n, 'f', -1, 64)
	case vBool:
		return strconv.FormatBool(v.b)
	}
	return v.s
}

func (p *evalParser) additive() (evalExpr, error) {
	left, err := p.primary()
	if err != nil {
		return nil, err
	}
	for p.is('o', "+") || p.is('o', "-") {
		op := p.toks[p.pos].text
		p.pos++
		right, err := p.primary()
		if err != nil {
			return nil, err
		}
		l := left
		left = func(ev splEvent) (val, error) {
			a, err := l(ev)
			if err != nil {
				return val{}, err
			}
			b, err := right(ev)
			if err != nil {
				return val{}, err
			}
			x, ok1 := asNum(a)
			y, ok2 := asNum(b)
			if !ok1 || !ok2 {
				return val{}, nil
			}
			if op == "+" {
				return val{kind: vNum, n: x + y}, nil
			}
			return val{kind: vNum, n: x - y}, nil
		}
	}
	return left, nil
}

func (p *evalParser) primary() (evalExpr, error) {
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("unexpected end of expression")
	}
	t := p.toks[p.pos]
	p.pos++
	switch t.kind {
	case 'n':
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, err
		}
		return func(splEvent) (val, error) { return val{kind: vNum, n: f}, nil }, nil
	case 's':
		return func(splEvent) (val, error) { return val{kind: vStr, s: t.text}, nil }, nil
	case 'f':
		return fieldValue(t.text), nil
	case 'o':
		if t.text == "(" {
			e, err := p.or()
			if err != nil {
				return nil, err
			}
			if !p.is('o', ")") {
				return nil, fmt.Errorf("missing )")
			}
			p.pos++
			return e, nil
		}
		if t.text == "-" {
			e, err := p.primary()
			if err != nil {
				return nil, err
			}
			return func(ev splEvent) (val, error) {
				v, err := e(ev)
				if x, ok := asNum(v); ok && err == nil {
					return val{kind: vNum, n: -x}, nil
				}
				return val{}, err
			}, nil
		}
	case 'i':
		if p.is('o', "(") {
			p.pos++
			var args []evalExpr
			for !p.is('o', ")") {
				a, err := p.or()
				if err != nil {
					return nil, err
				}
				args = append(args, a)
				if p.is('o', ",") {
					p.pos++
				} else if !p.is('o', ")") {
					return nil, fmt.Errorf("%s: expected , or )", t.text)
				}
			}
			p.pos++
			return evalFunc(t.text, args)
		}
		return fieldValue(t.text), nil
	}
	return nil, fmt.Errorf("unexpected %q", t.text)
}

func fieldValue(name string) evalExpr {
	return func(ev splEvent) (val, error) {
		s, ok := ev.first(name)
		if !ok {
			return val{}, nil
		}
		return val{kind: vStr, s: s}, nil
	}
}

func evalFunc(name string, args []evalExpr) (evalExpr, error) {
	want := map[string][2]int{
		"match": {2, 2}, "cidrmatch": {2, 2}, "isnull": {1, 1}, "isnotnull": {1, 1}, "null": {0, 0},
		"tonumber": {1, 1}, "lower": {1, 1}, "len": {1, 1}, "substr": {2, 3}, "if": {3, 3},
		"coalesce": {1, 100},
	}
	n, ok := want[name]
	if !ok {
		return nil, fmt.Errorf("unsupported function %s", name)
	}
	if len(args) < n[0] || len(args) > n[1] {
		return nil, fmt.Errorf("%s takes %d to %d arguments", name, n[0], n[1])
	}
	var re *regexp.Regexp
	return func(ev splEvent) (val, error) {
		vs := make([]val, len(args))
		for i, a := range args {
			v, err := a(ev)
			if err != nil {
				return val{}, err
			}
			vs[i] = v
			if name == "if" {
				break // branches are evaluated lazily below
			}
		}
		switch name {
		case "isnull":
			return val{kind: vBool, b: vs[0].kind == vNull}, nil
		case "isnotnull":
			return val{kind: vBool, b: vs[0].kind != vNull}, nil
		case "null":
			return val{}, nil
		case "coalesce": // the first argument that is not null
			for _, v := range vs {
				if v.kind != vNull {
					return v, nil
				}
			}
			return val{}, nil
		case "if":
			branch := args[2]
			if vs[0].kind == vBool && vs[0].b {
				branch = args[1]
			}
			return branch(ev)
		}
		for _, v := range vs {
			if v.kind == vNull {
				return val{}, nil
			}
		}
		switch name {
		case "match":
			if re == nil {
				var err error
				if re, err = readPCRE(asText(vs[1])); err != nil {
					return val{}, err
				}
			}
			return val{kind: vBool, b: re.MatchString(asText(vs[0]))}, nil
		case "cidrmatch":
			pfx, err := netip.ParsePrefix(asText(vs[0]))
			if err != nil {
				return val{}, fmt.Errorf("cidrmatch: %v", err)
			}
			addr, err := netip.ParseAddr(asText(vs[1]))
			return val{kind: vBool, b: err == nil && pfx.Contains(addr)}, nil
		case "tonumber":
			if f, ok := asNum(vs[0]); ok {
				return val{kind: vNum, n: f}, nil
			}
			return val{}, nil
		case "lower":
			return val{kind: vStr, s: strings.ToLower(asText(vs[0]))}, nil
		case "len":
			return val{kind: vNum, n: float64(utf8.RuneCountInString(asText(vs[0])))}, nil
		case "substr":
			r := []rune(asText(vs[0]))
			start, _ := asNum(vs[1])
			i := int(start) - 1
			if start < 0 {
				i = len(r) + int(start)
			}
			i = max(0, min(i, len(r)))
			j := len(r)
			if len(vs) == 3 {
				l, _ := asNum(vs[2])
				j = max(i, min(len(r), i+int(l)))
			}
			return val{kind: vStr, s: string(r[i:j])}, nil
		}
		return val{}, fmt.Errorf("unsupported function %s", name)
	}, nil
}

// readPCRE reads a PCRE through Go's engine, refusing PCRE forms whose
// meaning differs from RE2's: a bare $ (PCRE also matches before a final
// newline), \s outside [\s\S] (PCRE includes \v), \Z, and lookarounds
// other than the never-matching (?!).
func readPCRE(re string) (*regexp.Regexp, error) {
	re = strings.ReplaceAll(re, `(?!)`, `[^\x00-\x{10FFFF}]`)
	re = strings.ReplaceAll(re, `[\s\S]`, `(?s:.)`)
	inClass := false
	for i := 0; i < len(re); i++ {
		switch c := re[i]; {
		case c == '\\':
			if i+1 < len(re) && (re[i+1] == 's' || re[i+1] == 'Z' || re[i+1] == 'R') {
				return nil, fmt.Errorf("PCRE \\%c differs from RE2 in %q", re[i+1], re)
			}
			i++
		case c == '[' && !inClass:
			inClass = true
			if i+1 < len(re) && re[i+1] == ']' {
				i++
			}
		case c == ']' && inClass:
			inClass = false
		case c == '$' && !inClass:
			if !strings.HasSuffix(re[:i], "(?m:") {
				return nil, fmt.Errorf("PCRE $ outside (?m:) differs from RE2 in %q", re)
			}
		case c == '(' && !inClass && strings.HasPrefix(re[i:], "(?="), c == '(' && !inClass && strings.HasPrefix(re[i:], "(?<"):
			return nil, fmt.Errorf("lookaround in %q", re)
		}
	}
	return regexp.Compile(re)
}

// ---- commands ----

// parseAssignments splits "a=expr, b=expr" at top-level commas.
func parseAssignments(s string) ([][2]string, error) {
	var out [][2]string
	depth, start := 0, 0
	flush := func(end int) error {
		part := strings.TrimSpace(s[start:end])
		i := strings.Index(part, "=")
		if i <= 0 {
			return fmt.Errorf("bad assignment %q", part)
		}
		out = append(out, [2]string{strings.TrimSpace(part[:i]), part[i+1:]})
		return nil
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			j, err := skipQuoted(s, i)
			if err != nil {
				return nil, err
			}
			i = j
		case '\'':
			i += strings.IndexByte(s[i+1:], '\'') + 1
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				if err := flush(i); err != nil {
					return nil, err
				}
				start = i + 1
			}
		}
	}
	if err := flush(len(s)); err != nil {
		return nil, err
	}
	return out, nil
}

func parseEvalCmd(s string) (splCmd, error) {
	assigns, err := parseAssignments(s)
	if err != nil {
		return nil, err
	}
	type assign struct {
		field string
		e     evalExpr
	}
	var as []assign
	for _, a := range assigns {
		e, err := parseEval(a[1])
		if err != nil {
			return nil, fmt.Errorf("eval %s: %w", a[0], err)
		}
		as = append(as, assign{a[0], e})
	}
	return func(in []splEvent) ([]splEvent, error) {
		for _, ev := range in {
			for _, a := range as {
				v, err := a.e(ev)
				if err != nil {
					return nil, err
				}
				switch v.kind {
				case vNull:
					delete(ev, a.field)
				case vBool:
					return nil, fmt.Errorf("eval %s: a boolean cannot be stored in a field", a.field)
				default:
					ev[a.field] = []string{asText(v)}
				}
			}
		}
		return in, nil
	}, nil
}

// parseSpan reads 30s, 5m, 1h, 1d.
func parseSpan(s string) (int64, error) {
	if len(s) < 2 {
		return 0, fmt.Errorf("bad span %q", s)
	}
	n, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
	unit := map[byte]int64{'s': 1, 'm': 60, 'h': 3600, 'd': 86400}[s[len(s)-1]]
	if err != nil || unit == 0 || n <= 0 {
		return 0, fmt.Errorf("bad span %q", s)
	}
	return n * unit, nil
}

func binTime(ev splEvent, span int64) error {
	ts, ok := ev.first("_time")
	if !ok {
		return fmt.Errorf("event without _time")
	}
	t, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return err
	}
	r := t % span
	if r < 0 {
		r += span
	}
	ev["_time"] = []string{strconv.FormatInt(t-r, 10)}
	return nil
}

func parseBin(s string) (splCmd, error) {
	f := strings.Fields(s)
	if len(f) != 2 || f[0] != "_time" || !strings.HasPrefix(f[1], "span=") {
		return nil, fmt.Errorf("bin: want _time span=W, got %q", s)
	}
	span, err := parseSpan(strings.TrimPrefix(f[1], "span="))
	if err != nil {
		return nil, err
	}
	return func(in []splEvent) ([]splEvent, error) {
		for _, ev := range in {
			if err := binTime(ev, span); err != nil {
				return nil, err
			}
		}
		return in, nil
	}, nil
}

func parseFillnull(s string) (splCmd, error) {
	if !strings.HasPrefix(s, `value="" `) {
		return nil, fmt.Errorf("fillnull: want value=\"\" fields, got %q", s)
	}
	fields := strings.Fields(strings.TrimPrefix(s, `value="" `))
	return func(in []splEvent) ([]splEvent, error) {
		for _, ev := range in {
			for _, f := range fields {
				if len(ev[f]) == 0 {
					ev[f] = []string{""}
				}
			}
		}
		return in, nil
	}, nil
}

// statFn is one stats function with its output name.
type statFn struct {
	fn, as string
	field  string   // for dc/sum/...
	expr   evalExpr // for fn(eval(expr))
}

// parseStatFns reads "count", "dc(f) as x", "max(eval(expr)) as x" ...
func parseStatFns(s string) ([]statFn, error) {
	var out []statFn
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		var sf statFn
		if strings.HasPrefix(s, "count") && (len(s) == 5 || s[5] == ' ') {
			sf.fn, sf.as = "count", "count"
			s = s[5:]
		} else {
			open := strings.Index(s, "(")
			if open <= 0 {
				return nil, fmt.Errorf("stats: bad function in %q", s)
			}
			sf.fn = s[:open]
			depth, end := 0, -1
			for i := open; i < len(s) && end < 0; i++ {
				switch s[i] {
				case '"':
					j, err := skipQuoted(s, i)
					if err != nil {
						return nil, err
					}
					i = j
				case '(':
					depth++
				case ')':
					depth--
					if depth == 0 {
						end = i
					}
				}
			}
			if end < 0 {
				return nil, fmt.Errorf("stats: unbalanced %q", s)
			}
			arg := s[open+1 : end]
			if strings.HasPrefix(arg, "eval(") && strings.HasSuffix(arg, ")") {
				e, err := parseEval(arg[5 : len(arg)-1])
				if err != nil {
					return nil, err
				}
				sf.expr = e
			} else {
				sf.field = arg
			}
			sf.as = s[:end+1]
			s = s[end+1:]
		}
		if rest := strings.TrimSpace(s); strings.HasPrefix(rest, "as ") {
			f := strings.Fields(rest[3:])
			sf.as = f[0]
			s = strings.TrimSpace(rest[3:])[len(f[0]):]
		}
		out = append(out, sf)
	}
	return out, nil
}

// aggregate groups rows by the by-fields (rows with a missing by-field are
// dropped unless fill is set) and computes the functions.
func aggregate(in []splEvent, fns []statFn, by []string, fill *string) ([]splEvent, error) {
	type group struct {
		key  []string
		rows []splEvent
	}
	groups := map[string]*group{}
	var order []string
	for _, ev := range in {
		key := make([]string, len(by))
		skip := false
		for i, f := range by {
			v, ok := ev.first(f)
			if !ok {
				if fill == nil {
					skip = true
					break
				}
				v = *fill
			}
			key[i] = v
		}
		if skip {
			continue
		}
		k := strings.Join(key, "\x00")
		if groups[k] == nil {
			groups[k] = &group{key: key}
			order = append(order, k)
		}
		groups[k].rows = append(groups[k].rows, ev)
	}
	sort.Strings(order)
	var out []splEvent
	for _, k := range order {
		g := groups[k]
		row := splEvent{}
		for i, f := range by {
			row[f] = []string{g.key[i]}
		}
		for _, sf := range fns {
			var vals []string
			for _, ev := range g.rows {
				if sf.expr != nil {
					v, err := sf.expr(ev)
					if err != nil {
						return nil, err
					}
					if v.kind != vNull {
						vals = append(vals, asText(v))
					}
				} else if sf.field != "" {
					vals = append(vals, ev[sf.field]...)
				}
			}
			if v, ok := statValue(sf.fn, len(g.rows), vals); ok {
				row[sf.as] = []string{v}
			}
		}
		out = append(out, row)
	}
	return out, nil
}

func statValue(fn string, n int, vals []string) (string, bool) {
	format := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	switch fn {
	case "count":
		return strconv.Itoa(n), true
	case "dc":
		seen := map[string]bool{}
		for _, v := range vals {
			seen[v] = true
		}
		return strconv.Itoa(len(seen)), true
	}
	var nums []float64
	for _, v := range vals {
		if f, ok := asNum(val{kind: vStr, s: v}); ok {
			nums = append(nums, f)
		}
	}
	if len(nums) == 0 {
		return "", false
	}
	sum, lo, hi := 0.0, math.Inf(1), math.Inf(-1)
	for _, f := range nums {
		sum += f
		lo, hi = math.Min(lo, f), math.Max(hi, f)
	}
	switch fn {
	case "sum":
		return format(sum), true
	case "avg":
		return format(sum / float64(len(nums))), true
	case "min":
		return format(lo), true
	case "max":
		return format(hi), true
	}
	return "", false
}

func parseStats(s string) (splCmd, error) {
	i := strings.Index(s, " by ")
	if i < 0 {
		return nil, fmt.Errorf("stats: want ... by fields, got %q", s)
	}
	fns, err := parseStatFns(s[:i])
	if err != nil {
		return nil, err
	}
	by := strings.Fields(s[i+4:])
	return func(in []splEvent) ([]splEvent, error) { return aggregate(in, fns, by, nil) }, nil
}

// parseTstats reads | tstats [opt=v]... fns from datamodel=X [where search] [by fields [span=W]].
func parseTstats(s string) (splCmd, error) {
	var fill *string
	for {
		f, rest, _ := strings.Cut(s, " ")
		k, v, ok := strings.Cut(f, "=")
		if !ok || (k != "summariesonly" && k != "fillnull_value") {
			break
		}
		if k == "fillnull_value" {
			u := unquote(v)
			fill = &u
		}
		s = rest
	}
	fromAt := strings.Index(s, " from datamodel=")
	if fromAt < 0 {
		return nil, fmt.Errorf("tstats: no from datamodel= in %q", s)
	}
	fns, err := parseStatFns(s[:fromAt])
	if err != nil {
		return nil, err
	}
	rest := s[fromAt+len(" from datamodel="):]
	_, rest, _ = strings.Cut(rest, " ")
	var where searchPred
	var by []string
	span := int64(0)
	if strings.HasPrefix(rest, "where ") {
		body := rest[len("where "):]
		byAt := strings.LastIndex(body, " by ")
		cond := body
		if byAt >= 0 {
			cond, rest = body[:byAt], body[byAt+1:]
		} else {
			rest = ""
		}
		if where, err = parseSearchExpr(cond); err != nil {
			return nil, err
		}
	}
	if strings.HasPrefix(rest, "by ") {
		for _, f := range strings.Fields(rest[3:]) {
			if strings.HasPrefix(f, "span=") {
				if span, err = parseSpan(f[5:]); err != nil {
					return nil, err
				}
				continue
			}
			by = append(by, f)
		}
	} else if rest != "" {
		return nil, fmt.Errorf("tstats: unexpected %q", rest)
	}
	return func(in []splEvent) ([]splEvent, error) {
		var kept []splEvent
		for _, ev := range in {
			if where == nil || where(ev) {
				if span > 0 {
					if err := binTime(ev, span); err != nil {
						return nil, err
					}
				}
				kept = append(kept, ev)
			}
		}
		return aggregate(kept, fns, by, fill)
	}, nil
}
