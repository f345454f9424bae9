package kql

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/detc/detc/backends/lower"
	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/textutil"
)

// expr is a KQL boolean expression with how tightly it binds, so that
// combinators add parentheses only where they are needed.
type expr struct {
	text string
	prec int
	// op and kids keep an and/or's terms, for laying long ones out;
	// group marks one that chunk wrapped in parentheses.
	op    string
	kids  []expr
	group bool
}

const (
	precOr = iota
	precAnd
	precAtom
)

func atom(format string, args ...any) expr {
	return expr{text: fmt.Sprintf(format, args...), prec: precAtom}
}

// lineWidth is where layout starts breaking an and/or over lines.
const lineWidth = 100

// layout writes x for a line that starts at column len(indent): as one
// line when it fits, otherwise an and/or with one term per line, each
// continuation indented one step and led by its operator.
func layout(x expr, indent string) string {
	if len(x.kids) == 0 || len(indent)+len(x.text) <= lineWidth {
		return x.text
	}
	if x.group {
		inner := x
		inner.group = false
		return "(" + layout(inner, indent+" ") + ")"
	}
	if x.op == "not" {
		return "not(" + layout(x.kids[0], indent+"    ") + ")"
	}
	inner := indent + "    "
	parts := make([]string, len(x.kids))
	for i, k := range x.kids {
		if x.op == "and" && k.prec < precAnd {
			parts[i] = "(" + layout(k, inner+" ") + ")"
		} else {
			parts[i] = layout(k, inner)
		}
	}
	return strings.Join(parts, "\n"+inner+x.op+" ")
}

// maxTerms bounds how many terms one and/or chains: Kusto.Language gives
// up on a chain of about 450 (KS245, syntax too deep), so longer lists are
// split into parenthesised groups of this many.
const maxTerms = 64

// chunk groups a long list of terms, each group one parenthesised term.
func chunk(xs []expr, join func([]expr) expr) []expr {
	if len(xs) <= maxTerms {
		return xs
	}
	var out []expr
	for i := 0; i < len(xs); i += maxTerms {
		g := join(xs[i:min(i+maxTerms, len(xs))])
		g.text, g.prec, g.group = "("+g.text+")", precAtom, true
		out = append(out, g)
	}
	return chunk(out, join)
}

func orOf(xs []expr) expr {
	switch len(xs) {
	case 0:
		return expr{text: "false", prec: precAtom}
	case 1:
		return xs[0]
	}
	xs = chunk(xs, orOf)
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = x.text
	}
	return expr{text: strings.Join(parts, " or "), prec: precOr, op: "or", kids: xs}
}

func andOf(xs []expr) expr {
	switch len(xs) {
	case 0:
		return expr{text: "true", prec: precAtom}
	case 1:
		return xs[0]
	}
	xs = chunk(xs, andOf)
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = paren(x, precAnd)
	}
	return expr{text: strings.Join(parts, " and "), prec: precAnd, op: "and", kids: xs}
}

func notOf(x expr) expr {
	return expr{text: "not(" + x.text + ")", prec: precAtom, op: "not", kids: []expr{x}}
}

func paren(x expr, min int) string {
	if x.prec < min {
		return "(" + x.text + ")"
	}
	return x.text
}

// guard makes an expression that may be null (a comparison on a null
// number, an IP function on text that is not an address) false instead,
// where it sits under a NOT: KQL's not(null) is null, which drops the row,
// while the rule model's NOT of a failed comparison is true. Under an even
// number of NOTs null already acts as false.
func guard(x expr, nullable, neg bool) expr {
	if nullable && neg {
		return atom("coalesce(%s, false)", x.text)
	}
	return x
}

// where writes a condition as where clauses: the terms of a top-level AND
// one per line, which reads better in review and means the same.
func (c *compiler) where(cond rule.Expr) ([]string, error) {
	terms := []rule.Expr{cond}
	if and, ok := cond.(*rule.And); ok {
		terms = and.Terms
	}
	var lines []string
	for _, t := range terms {
		x, err := c.condition(t, false)
		if err != nil {
			return nil, err
		}
		lines = append(lines, "| where "+layout(x, ""))
	}
	return lines, nil
}

// condition writes a checked condition; neg says whether it sits under an
// odd number of NOTs.
func (c *compiler) condition(e rule.Expr, neg bool) (expr, error) {
	return c.lowered(lower.Condition(c.r, e), neg)
}

func (c *compiler) lowered(n *lower.Node, neg bool) (expr, error) {
	switch n.Op {
	case lower.Match:
		return c.matcher(n.Matcher, neg)
	case lower.Not:
		x, err := c.lowered(n.Kids[0], !neg)
		return notOf(x), err
	}
	xs := make([]expr, 0, len(n.Kids))
	for _, k := range n.Kids {
		x, err := c.lowered(k, neg)
		if err != nil {
			return expr{}, err
		}
		xs = append(xs, x)
	}
	if n.Op == lower.And {
		return andOf(xs), nil
	}
	return orOf(xs), nil
}

// column is one target column a Sigma field maps to.
type column struct {
	name string // the target's column name
	typ  string
}

// kind groups column types by what the rule model can do with them.
type kind int

const (
	kString kind = iota // string (or no type given)
	kInt                // int, long: compared as numbers, text via tostring
	kReal               // real: compared as numbers only
	kBool               // bool: text via tostring ("true"/"false")
	kOther              // datetime, timespan, guid, dynamic ...: exists and null only
)

func (col column) kind() kind {
	switch strings.ToLower(col.typ) {
	case "", "string":
		return kString
	case "int", "long":
		return kInt
	case "real", "double", "decimal":
		return kReal
	case "bool", "boolean":
		return kBool
	}
	return kOther
}

func (col column) ident() string { return Ident(col.name) }

// columns maps a Sigma field through the profile.
func (c *compiler) columns(field string, pos rule.Pos) ([]column, error) {
	f, err := c.prof.Field(c.src, field)
	if err != nil {
		return nil, c.refuse(pos, fmt.Sprintf("field %q", field), "%s", mapping.Reason(err))
	}
	if len(f.Names) == 0 {
		return nil, c.refuse(pos, fmt.Sprintf("field %q", field), "its mapping names no column")
	}
	c.used[field] = true
	out := make([]column, len(f.Names))
	for i, n := range f.Names {
		out[i] = column{name: n, typ: f.Type}
	}
	return out, nil
}

// text is the column as the rule model's string comparisons see it: a
// string itself, an integer or bool as its canonical text.
func (c *compiler) text(col column, m *rule.Matcher) (string, error) {
	switch col.kind() {
	case kString:
		return col.ident(), nil
	case kInt, kBool:
		return "tostring(" + col.ident() + ")", nil
	}
	return "", c.refuse(m.Pos, fmt.Sprintf("%s on field %q", opName(m), m.Field),
		"its column %s is of type %s, whose text in KQL is not the value's text in the rule model", col.name, col.typ)
}

// number is the column as a number (null when it holds none): a numeric
// column itself, a string column through toreal().
func (c *compiler) number(col column, m *rule.Matcher) (string, error) {
	switch col.kind() {
	case kInt, kReal:
		return col.ident(), nil
	case kString:
		return "toreal(" + col.ident() + ")", nil
	}
	return "", c.refuse(m.Pos, fmt.Sprintf("%s on field %q", opName(m), m.Field),
		"its column %s is of type %s, not a number", col.name, col.typ)
}

func opName(m *rule.Matcher) string {
	if len(m.Modifiers) == 0 {
		return "a comparison"
	}
	return "modifier " + strings.Join(m.Modifiers, "|")
}

// matcher writes one matcher: its values are ORed; with Negate each value's
// test is negated before the OR.
func (c *compiler) matcher(m *rule.Matcher, neg bool) (expr, error) {
	if m.IsKeyword() {
		return c.keyword(m, neg)
	}
	cols, err := c.columns(m.Field, m.Pos)
	if err != nil {
		return expr{}, err
	}
	atomNeg := neg != m.Negate
	if !m.Negate && m.Op != rule.OpExists && !hasNull(m) {
		// OR over values of OR over columns, regrouped by column so that
		// each column's values can share one in~ / has_any.
		xs := make([]expr, 0, len(cols))
		for _, col := range cols {
			x, err := c.grouped(m, col, atomNeg)
			if err != nil {
				return expr{}, err
			}
			xs = append(xs, x)
		}
		return orOf(xs), nil
	}
	terms := make([]expr, 0, len(m.Values))
	for _, v := range m.Values {
		t, err := c.value(m, v, cols, atomNeg)
		if err != nil {
			return expr{}, err
		}
		if m.Negate {
			t = notOf(t)
		}
		terms = append(terms, t)
	}
	return orOf(terms), nil
}

// value is one value's test on a field that maps to cols: it holds when it
// holds on any of them (a field mapped to several columns is present with
// a value when any column has it).
func (c *compiler) value(m *rule.Matcher, v rule.Value, cols []column, neg bool) (expr, error) {
	switch {
	case m.Op == rule.OpExists && v.Text == "true":
		return orOf(each(cols, func(col column) expr { return atom("isnotempty(%s)", col.ident()) })), nil
	case m.Op == rule.OpExists, v.Kind == rule.KindNull:
		// Absent (or empty) means absent from every column.
		return andOf(each(cols, func(col column) expr { return atom("isempty(%s)", col.ident()) })), nil
	}
	xs := make([]expr, 0, len(cols))
	for _, col := range cols {
		x, err := c.atom(m, v, col, neg)
		if err != nil {
			return expr{}, err
		}
		xs = append(xs, x)
	}
	return orOf(xs), nil
}

func hasNull(m *rule.Matcher) bool {
	for _, v := range m.Values {
		if v.Kind == rule.KindNull {
			return true
		}
	}
	return false
}

func each(cols []column, fn func(column) expr) []expr {
	out := make([]expr, len(cols))
	for i, col := range cols {
		out[i] = fn(col)
	}
	return out
}

// atom is one value's test on one column.
func (c *compiler) atom(m *rule.Matcher, v rule.Value, col column, neg bool) (expr, error) {
	construct := func() string { return fmt.Sprintf("%s on field %q", opName(m), m.Field) }
	switch {
	case v.Kind == rule.KindFieldRef:
		return c.fieldRef(m, v, col)
	case m.Op == rule.OpRegex:
		t, err := c.text(col, m)
		if err != nil {
			return expr{}, err
		}
		if err := checkText(v.Text); err != nil {
			return expr{}, c.refuse(v.Pos, construct(), "%v", err)
		}
		return atom("%s matches regex %s", t, Quote(m.Regex.Prefix()+v.Text)), nil
	case m.Op == rule.OpCIDR:
		if col.kind() != kString {
			return expr{}, c.refuse(v.Pos, construct(), "its column %s is of type %s; KQL's IP functions read address text", col.name, col.typ)
		}
		return guard(cidr(col.ident(), []string{v.Text}), true, neg), nil
	case m.Op >= rule.OpGt && m.Op <= rule.OpLte, v.Kind == rule.KindNumber && m.Op == rule.OpEquals:
		n, err := c.number(col, m)
		if err != nil {
			return expr{}, err
		}
		lit, err := Number(v.Number)
		if err != nil {
			return expr{}, c.refuse(v.Pos, construct(), "%v", err)
		}
		return guard(atom("%s %s %s", n, cmpSymbol(m.Op), lit), true, neg), nil
	case v.Kind == rule.KindBool:
		switch col.kind() {
		case kBool:
			return atom("%s == %s", col.ident(), v.Text), nil
		case kString:
			return atom("%s =~ %s", col.ident(), Quote(v.Text)), nil
		}
		return expr{}, c.refuse(v.Pos, construct(), "the bool %s cannot equal column %s of type %s", v.Text, col.name, col.typ)
	case v.Kind == rule.KindString:
		t, err := c.text(col, m)
		if err != nil {
			return expr{}, err
		}
		s, err := classify(v.Pattern, m.Op, m.Cased)
		if err != nil {
			return expr{}, c.refuse(v.Pos, construct(), "%v", err)
		}
		return s.test(t, m.Cased), nil
	}
	return expr{}, c.refuse(v.Pos, construct(), "a %v value cannot be used with %s", v.Kind, m.Op)
}

func cmpSymbol(op rule.Op) string {
	switch op {
	case rule.OpGt:
		return ">"
	case rule.OpGte:
		return ">="
	case rule.OpLt:
		return "<"
	case rule.OpLte:
		return "<="
	}
	return "=="
}

// fieldRef compares a column with the columns of another field.
func (c *compiler) fieldRef(m *rule.Matcher, v rule.Value, col column) (expr, error) {
	t, err := c.text(col, m)
	if err != nil {
		return expr{}, err
	}
	others, err := c.columns(v.Text, v.Pos)
	if err != nil {
		return expr{}, err
	}
	op := map[rule.Op]string{rule.OpEquals: "=~", rule.OpContains: "contains", rule.OpStartsWith: "startswith", rule.OpEndsWith: "endswith"}[m.Op]
	if op == "" {
		return expr{}, c.refuse(v.Pos, fmt.Sprintf("fieldref on field %q", m.Field), "fieldref cannot be combined with %s", m.Op)
	}
	if m.Cased {
		op = map[string]string{"=~": "==", "contains": "contains_cs", "startswith": "startswith_cs", "endswith": "endswith_cs"}[op]
	}
	xs := make([]expr, 0, len(others))
	for _, o := range others {
		ot, err := c.text(o, m)
		if err != nil {
			return expr{}, err
		}
		// A string column holds "" for an absent field, and the rule
		// model compares only with a present other field: an empty one
		// counts as absent, or two absent fields would be equal.
		xs = append(xs, andOf([]expr{atom("isnotempty(%s)", ot), atom("%s %s %s", t, op, ot)}))
	}
	return orOf(xs), nil
}

// grouped writes a matcher on one column without Negate: equality values
// become one in~ (in when cased), whole-term contains values one has_any,
// several IPv4 or IPv6 networks one ipv*_is_in_any_range; the rest are
// ORed one by one.
func (c *compiler) grouped(m *rule.Matcher, col column, neg bool) (expr, error) {
	var eq, has, v4, v6 []string
	var rest []expr
	var order []func() expr // keeps the first member's place for each group
	for _, v := range m.Values {
		switch {
		case v.Kind == rule.KindString && m.Op != rule.OpRegex:
			s, err := classify(v.Pattern, m.Op, m.Cased)
			if err != nil {
				return expr{}, c.refuse(v.Pos, fmt.Sprintf("%s on field %q", opName(m), m.Field), "%v", err)
			}
			t, err := c.text(col, m)
			if err != nil {
				return expr{}, err
			}
			switch {
			case s.shape == shapeEqual:
				if eq == nil {
					order = append(order, func() expr { return inList(t, eq, m.Cased) })
				}
				eq = append(eq, s.lit)
				continue
			case s.shape == shapeContains && !m.Cased && hasSafe(s.lit):
				if has == nil {
					order = append(order, func() expr { return hasList(t, has) })
				}
				has = append(has, s.lit)
				continue
			}
		case m.Op == rule.OpCIDR && col.kind() == kString:
			p, err := netip.ParsePrefix(v.Text)
			if err != nil {
				return expr{}, c.refuse(v.Pos, fmt.Sprintf("cidr on field %q", m.Field), "%v", err)
			}
			if p.Addr().Is4() {
				if v4 == nil {
					order = append(order, func() expr { return guard(cidr(col.ident(), v4), true, neg) })
				}
				v4 = append(v4, v.Text)
			} else {
				if v6 == nil {
					order = append(order, func() expr { return guard(cidr(col.ident(), v6), true, neg) })
				}
				v6 = append(v6, v.Text)
			}
			continue
		}
		x, err := c.value(m, v, []column{col}, neg)
		if err != nil {
			return expr{}, err
		}
		i := len(rest)
		rest = append(rest, x)
		order = append(order, func() expr { return rest[i] })
	}
	xs := make([]expr, len(order))
	for i, f := range order {
		xs[i] = f()
	}
	return orOf(xs), nil
}

func inList(t string, lits []string, cased bool) expr {
	if len(lits) == 1 {
		return shapeTest{shape: shapeEqual, lit: lits[0]}.test(t, cased)
	}
	op := "in~"
	if cased {
		op = "in"
	}
	return atom("%s %s (%s)", t, op, quoteAll(lits))
}

func hasList(t string, lits []string) expr {
	if len(lits) == 1 {
		return atom("%s has %s", t, Quote(lits[0]))
	}
	return atom("%s has_any (%s)", t, quoteAll(lits))
}

func quoteAll(lits []string) string {
	q := make([]string, len(lits))
	for i, l := range lits {
		q[i] = Quote(l)
	}
	return strings.Join(q, ", ")
}

// cidr tests an address column against networks of one family (the
// values were checked by the rule model). An IPv6 network that overlaps
// the IPv4-mapped range would also take plain IPv4 text, which the rule
// model keeps apart: such a test also asks for a colon.
func cidr(col string, nets []string) expr {
	masked := make([]string, len(nets))
	mapped := false
	v4 := true
	for i, n := range nets {
		p := netip.MustParsePrefix(n).Masked()
		masked[i] = p.String()
		v4 = p.Addr().Is4()
		if !v4 && p.Overlaps(ipv4Mapped) {
			mapped = true
		}
	}
	fn := "ipv6_is_in"
	if v4 {
		fn = "ipv4_is_in"
	}
	var x expr
	if len(masked) == 1 {
		x = atom("%s_range(%s, %s)", fn, col, Quote(masked[0]))
	} else {
		x = atom("%s_any_range(%s, %s)", fn, col, quoteAll(masked))
	}
	if mapped {
		return andOf([]expr{x, atom("%s contains \":\"", col)})
	}
	return x
}

var ipv4Mapped = netip.MustParsePrefix("::ffff:0:0/96")

// keyword writes a keyword matcher: a case-insensitive (or, cased,
// case-sensitive) substring of any column of the row, with KQL's `*`.
func (c *compiler) keyword(m *rule.Matcher, neg bool) (expr, error) {
	if m.Op != rule.OpContains || m.FieldRef {
		return expr{}, c.refuse(m.Pos, "a keyword with "+opName(m), "KQL searches every column only for substrings (where * contains)")
	}
	terms := make([]expr, 0, len(m.Values))
	for _, v := range m.Values {
		construct := fmt.Sprintf("keyword %q", v.Text)
		if v.Kind != rule.KindString {
			return expr{}, c.refuse(v.Pos, construct, "a %v keyword cannot be searched for", v.Kind)
		}
		if header := c.src.Attr("keyword_header"); header != "" && crossesHeader(v.Text) {
			return expr{}, c.refuse(v.Pos, construct, "the logged line has %q before its message, which %s keeps apart from the message's column, so a keyword that holds part of the tag (begins with white space, ':' or ']', holds \"]:\" or a pid's '[') can match the line where no column holds it", header, c.src.Attr("table"))
		}
		s, err := classify(v.Pattern, rule.OpContains, m.Cased)
		if err != nil {
			return expr{}, c.refuse(v.Pos, construct, "%v", err)
		}
		var x expr
		switch s.shape {
		case shapeContains:
			x = s.test("*", m.Cased)
		case shapeAny:
			return expr{}, c.refuse(v.Pos, construct, "it matches any event that has a string value, which `where *` cannot test")
		default:
			why := "wildcards inside a keyword need a regular expression, and KQL's `where *` has only substring operators"
			if !m.Cased && needsFold(v.Pattern) {
				why = "a case-insensitive match of non-ASCII letters needs a regular expression (KQL's own folding differs from the rule model's), and KQL's `where *` has only substring operators"
			}
			return expr{}, c.refuse(v.Pos, construct, "%s", why)
		}
		if m.Negate {
			x = notOf(x)
		}
		terms = append(terms, x)
	}
	return orOf(terms), nil
}

// crossesHeader reports whether a keyword may hold part of a logged
// line's tag ("program[pid]: " after the host), whose brackets, colon and
// last space no column of a table such as Syslog keeps (ProcessName holds
// the program, ProcessID the pid, SyslogMessage the text after the tag),
// so that the line holds the keyword and no column does: a keyword that
// begins with white space, ':' or ']' (the tag's end), holds "]:" (the
// pid's end), or holds '[' followed by digits up to its end or to ']'
// (the pid's brackets).
func crossesHeader(keyword string) bool {
	first, _ := utf8.DecodeRuneInString(keyword)
	return unicode.IsSpace(first) || first == ':' || first == ']' ||
		strings.Contains(keyword, "]:") || pidBracket.MatchString(keyword)
}

// pidBracket finds the bracket that opens a tag's pid: '[' followed by
// digits and then the keyword's end or ']'.
var pidBracket = regexp.MustCompile(`\[[0-9]*(?:\]|$)`)

// shape is what a string pattern needs in KQL.
type shape int

const (
	shapeAny      shape = iota // any value at all: isnotempty
	shapeEqual                 // =~ / ==
	shapeContains              // contains / has
	shapePrefix                // startswith
	shapeSuffix                // endswith
	shapeRegex                 // matches regex
)

type shapeTest struct {
	shape shape
	lit   string // the literal of every shape but shapeAny and shapeRegex
	re    string // shapeRegex's RE2 pattern
}

// classify decides how a pattern is written for an op. Wildcards at the
// ends become contains / startswith / endswith; wildcards anywhere else
// and case-insensitive matches of non-ASCII letters (whose folding in KQL's
// operators is not the rule model's Unicode simple folding, while RE2's
// (?i) is) become an anchored RE2 expression.
func classify(p rule.Pattern, op rule.Op, cased bool) (shapeTest, error) {
	var parts rule.Pattern
	add := func(part rule.Part) {
		if part.Kind == rule.AnyRun && len(parts) > 0 && parts[len(parts)-1].Kind == rule.AnyRun {
			return
		}
		if part.Kind == rule.Literal && len(parts) > 0 && parts[len(parts)-1].Kind == rule.Literal {
			parts[len(parts)-1].Text += part.Text
			return
		}
		parts = append(parts, part)
	}
	if op == rule.OpContains || op == rule.OpEndsWith {
		add(rule.Part{Kind: rule.AnyRun})
	}
	for _, part := range p {
		if part.Kind == rule.Literal {
			if err := checkText(part.Text); err != nil {
				return shapeTest{}, err
			}
			if part.Text == "" {
				continue
			}
		}
		add(part)
	}
	if op == rule.OpContains || op == rule.OpStartsWith {
		add(rule.Part{Kind: rule.AnyRun})
	}
	if !cased && needsFold(parts) {
		return shapeTest{shape: shapeRegex, re: globRegex(parts, cased)}, nil
	}
	lit := func(i int) (string, bool) {
		if i < len(parts) && parts[i].Kind == rule.Literal {
			return parts[i].Text, true
		}
		return "", false
	}
	isRun := func(i int) bool { return i < len(parts) && parts[i].Kind == rule.AnyRun }
	switch {
	case len(parts) == 0:
		return shapeTest{shape: shapeEqual}, nil
	case len(parts) == 1 && isRun(0):
		return shapeTest{shape: shapeAny}, nil
	case len(parts) == 1:
		if l, ok := lit(0); ok {
			return shapeTest{shape: shapeEqual, lit: l}, nil
		}
	case len(parts) == 2 && isRun(1):
		if l, ok := lit(0); ok {
			return shapeTest{shape: shapePrefix, lit: l}, nil
		}
	case len(parts) == 2 && isRun(0):
		if l, ok := lit(1); ok {
			return shapeTest{shape: shapeSuffix, lit: l}, nil
		}
	case len(parts) == 3 && isRun(0) && isRun(2):
		if l, ok := lit(1); ok {
			return shapeTest{shape: shapeContains, lit: l}, nil
		}
	}
	return shapeTest{shape: shapeRegex, re: globRegex(parts, cased)}, nil
}

// test writes the shape's test on the text expression t.
func (s shapeTest) test(t string, cased bool) expr {
	cs := ""
	if cased {
		cs = "_cs"
	}
	switch s.shape {
	case shapeAny:
		return atom("isnotempty(%s)", t)
	case shapeEqual:
		if cased {
			return atom("%s == %s", t, Quote(s.lit))
		}
		return atom("%s =~ %s", t, Quote(s.lit))
	case shapeContains:
		if hasSafe(s.lit) {
			return atom("%s has%s %s", t, cs, Quote(s.lit))
		}
		return atom("%s contains%s %s", t, cs, Quote(s.lit))
	case shapePrefix:
		return atom("%s startswith%s %s", t, cs, Quote(s.lit))
	case shapeSuffix:
		return atom("%s endswith%s %s", t, cs, Quote(s.lit))
	}
	return atom("%s matches regex %s", t, Quote(s.re))
}

// globRegex writes a wildcard pattern as an RE2 expression: anchored
// where the pattern has no * at that end, (?s) so that * and ? match line
// breaks too, (?i) unless cased.
func globRegex(parts rule.Pattern, cased bool) string {
	var b strings.Builder
	if cased {
		b.WriteString("(?s)")
	} else {
		b.WriteString("(?is)")
	}
	if len(parts) == 0 {
		b.WriteString("^$")
		return b.String()
	}
	first, last := 0, len(parts)
	if parts[0].Kind == rule.AnyRun {
		first = 1
	} else {
		b.WriteByte('^')
	}
	trailing := last > first && parts[last-1].Kind == rule.AnyRun
	if trailing {
		last--
	}
	for _, part := range parts[first:last] {
		switch part.Kind {
		case rule.AnyRun:
			b.WriteString(".*")
		case rule.AnyChar:
			b.WriteByte('.')
		default:
			b.WriteString(regexp.QuoteMeta(part.Text))
		}
	}
	if !trailing {
		b.WriteByte('$')
	}
	return b.String()
}

// needsFold reports whether a pattern's literals hold a non-ASCII letter
// with other case forms: KQL's case-insensitive operators do not promise
// the rule model's Unicode simple folding for those.
func needsFold(p rule.Pattern) bool {
	for _, part := range p {
		for _, r := range part.Text {
			if r >= utf8.RuneSelf && unicode.SimpleFold(r) != r {
				return true
			}
		}
	}
	return false
}

// hasSafe reports whether `has` means the same as `contains` for a literal.
// `has` finds the literal only where it is not glued to other alphanumeric
// characters, so it equals `contains` exactly when that boundary always
// holds: when the literal starts and ends with an ASCII character that is
// neither alphanumeric nor _ (so no term can run across its ends), and has
// a term inside it for the term index to use. Anything else, or any
// non-ASCII character, keeps `contains`.
func hasSafe(lit string) bool {
	if len(lit) < 3 {
		return false
	}
	boundary := func(b byte) bool {
		return b > ' ' && b < 0x7f && !textutil.IsASCIIAlnum(b) && b != '_'
	}
	if !boundary(lit[0]) || !boundary(lit[len(lit)-1]) {
		return false
	}
	term := false
	for i := 0; i < len(lit); i++ {
		switch b := lit[i]; {
		case b >= utf8.RuneSelf || b < ' ' || b == 0x7f:
			return false
		case textutil.IsASCIIAlnum(b):
			term = true
		}
	}
	return term
}
