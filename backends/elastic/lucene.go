package elastic

import (
	"fmt"
	"github.com/detc/detc/internal/textutil"
	"strconv"
	"strings"

	"github.com/detc/detc/backends/elastic/lucenere"
	"github.com/detc/detc/internal/rule"
)

// maxClauses is Lucene's default limit of clauses in one boolean query
// (Elasticsearch 7's indices.query.bool.max_clause_count).
const maxClauses = 1024

// maxRegexLength is Elasticsearch's default index.max_regex_length: a
// query_string regex longer than this (in UTF-16 units) fails the query.
const maxRegexLength = 1000

// lucene writes the rule as an Elasticsearch query_string query.
func (c *compiler) lucene() (string, error) {
	if agg := c.r.Aggregation; agg != nil {
		if err := c.checkThreshold(agg); err != nil {
			return "", err
		}
	}
	body, err := c.condition(c.r.Condition, c.luceneMatcher)
	if err != nil {
		return "", err
	}
	var filter []*node
	for _, kv := range c.sourceFilter(true) {
		filter = append(filter, filterNode(kv, func(f, v string) *node {
			return &node{text: luceneField(f) + ":" + quote(v), field: f, term: quote(v)}
		}))
	}
	return renderLucene(and(append(filter, body)...), true), nil
}

// renderLucene writes a node tree. Every operator level is parenthesised
// and a NOT stands alone in its group: the classic query parser reads
// "a AND b OR c" and "NOT a OR b" as required/optional clauses, not as
// boolean algebra, so no level mixes operators.
func renderLucene(n *node, top bool) string {
	switch n.op {
	case opLeaf:
		return n.text
	case opNot:
		return "(NOT " + renderLucene(n.kids[0], false) + ")"
	}
	if len(n.kids) > maxClauses {
		// Nest: a Lucene boolean query holds at most maxClauses clauses.
		var chunks []*node
		for i := 0; i < len(n.kids); i += maxClauses {
			chunks = append(chunks, &node{op: n.op, kids: n.kids[i:min(i+maxClauses, len(n.kids))]})
		}
		return renderLucene(&node{op: n.op, kids: chunks}, top)
	}
	sep := " AND "
	if n.op == opOr {
		sep = " OR "
		if f, terms, ok := sameField(n.kids); ok {
			return luceneField(f) + ":(" + strings.Join(terms, " OR ") + ")"
		}
	}
	parts := make([]string, len(n.kids))
	for i, k := range n.kids {
		parts[i] = renderLucene(k, false)
	}
	s := strings.Join(parts, sep)
	if top {
		return s
	}
	return "(" + s + ")"
}

// sameField reports whether every node is a term on one field.
func sameField(kids []*node) (string, []string, bool) {
	var terms []string
	for _, k := range kids {
		if k.op != opLeaf || k.field == "" || k.field != kids[0].field {
			return "", nil, false
		}
		terms = append(terms, k.term)
	}
	return kids[0].field, terms, true
}

// term is a leaf "field:term".
func term(field, t string) *node {
	return &node{text: luceneField(field) + ":" + t, field: field, term: t}
}

func (c *compiler) luceneMatcher(m *rule.Matcher) (*node, error) {
	if m.IsKeyword() {
		return c.luceneKeywords(m)
	}
	fs, err := c.fields(m.Field, m.Pos)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		if strings.ContainsAny(f.Name, "*?") {
			return nil, c.refuse(m.Pos, fmt.Sprintf("field %q", f.Name), "query_string reads * or ? in a field name as a pattern over field names")
		}
	}
	return c.matcherNode(m, fs, c.luceneValue)
}

// luceneKeywords writes keyword searches: a term with no field searches
// Elasticsearch's default fields (index.query.default_field, all fields
// unless set), as a case-insensitive substring of the value.
func (c *compiler) luceneKeywords(m *rule.Matcher) (*node, error) {
	values := make([]*node, 0, len(m.Values))
	for _, v := range m.Values {
		if v.Kind != rule.KindString {
			return nil, c.refuse(v.Pos, "a keyword search for a non-string value", "keywords search text")
		}
		t, err := c.stringTerm(v, rule.OpContains, m.Cased)
		if err != nil {
			return nil, err
		}
		n := leaf(t)
		if m.Negate {
			n = not(n)
		}
		values = append(values, n)
	}
	return or(values...), nil
}

// luceneValue writes one value's comparison with one target field.
func (c *compiler) luceneValue(m *rule.Matcher, v rule.Value, f field) (*node, error) {
	cmp, err := c.compare(m, v, f)
	if err != nil {
		return nil, err
	}
	exists := leaf("_exists_:" + luceneField(f.Name))
	switch cmp.kind {
	case cmpFieldRef:
		return nil, c.refuse(v.Pos, fmt.Sprintf("fieldref %q on field %q", v.Text, m.Field), "a Lucene query cannot compare two fields of an event; ES|QL can, and is the language detc picks for such a rule unless --lang says otherwise")
	case cmpExists:
		if cmp.truth {
			return exists, nil
		}
		return not(exists), nil
	case cmpNull:
		if cmp.truth {
			return or(not(exists), term(f.Name, `""`)), nil
		}
		return not(exists), nil
	case cmpCIDR:
		return term(f.Name, quote(cmp.text)), nil
	case cmpCIDROfText:
		return nil, c.refuse(v.Pos, lazyConstruct{m, f}, "cidr needs an ip field in a Lucene query; ES|QL reads a keyword field's text as an address (TO_IP), and is the language detc picks for such a rule unless --lang says otherwise")
	case cmpRange:
		ops := map[rule.Op]string{rule.OpGt: ">", rule.OpGte: ">=", rule.OpLt: "<", rule.OpLte: "<="}
		return term(f.Name, ops[cmp.op]+escapeTerm(number(cmp.num))), nil
	case cmpRegex:
		t, err := c.regexTerm(v, cmp.text)
		if err != nil {
			return nil, err
		}
		return term(f.Name, t), nil
	case cmpNumber:
		if isIntegral(f.Type) && cmp.num != float64(int64(cmp.num)) {
			return nil, c.refuse(v.Pos, lazyConstruct{m, f}, "%s has a fraction and the field holds integers", v.Text)
		}
		return term(f.Name, escapeTerm(number(cmp.num))), nil
	case cmpNumberOfText:
		return term(f.Name, escapeTerm(number(cmp.num))), nil
	case cmpNumberText:
		return term(f.Name, quote(cmp.text)), nil
	case cmpBool:
		return term(f.Name, cmp.text), nil
	case cmpBoolText:
		// The evaluator compares a string with true/false ignoring case.
		t, err := c.stringTerm(rule.Value{Kind: rule.KindString, Pattern: rule.LiteralPattern(cmp.text), Pos: v.Pos}, rule.OpEquals, false)
		if err != nil {
			return nil, err
		}
		return term(f.Name, t), nil
	case cmpIP:
		return term(f.Name, quote(cmp.text)), nil
	}
	t, err := c.stringTerm(v, m.Op, m.Cased)
	if err != nil {
		return nil, err
	}
	return term(f.Name, t), nil
}

// lazyConstruct names a comparison for a refusal; it is built only when a
// refusal needs it.
type lazyConstruct struct {
	m *rule.Matcher
	f field
}

func (l lazyConstruct) String() string {
	return fmt.Sprintf("%s on field %q (%s, %s)", l.m.Op, l.m.Field, l.f.Name, typeName(l.f.Type))
}

// stringTerm writes a string comparison on a keyword field. Keyword terms
// are exact and case-sensitive, so a case-insensitive value with letters
// becomes a regex with a class per letter; other values are an exact
// (quoted) term or a wildcard term.
func (c *compiler) stringTerm(v rule.Value, op rule.Op, cased bool) (string, error) {
	p := v.Pattern
	if !cased && patternHasCase(p) {
		re, err := lucenere.Pattern(p, op, false)
		if err != nil {
			return "", c.refuse(v.Pos, fmt.Sprintf("value %q", p.String()), "%v", err)
		}
		return c.regexTerm(v, re)
	}
	full := p.Framed(op)
	if lit, ok := full.Literal(); ok {
		return quote(lit), nil
	}
	var b strings.Builder
	last := rule.PartKind(255)
	for _, part := range full {
		switch part.Kind {
		case rule.AnyRun:
			if last != rule.AnyRun {
				b.WriteByte('*')
			}
		case rule.AnyChar:
			b.WriteByte('?')
		default:
			b.WriteString(escapeTerm(part.Text))
		}
		last = part.Kind
	}
	return b.String(), nil
}

// regexTerm frames a Lucene regex as a query_string term.
func (c *compiler) regexTerm(v rule.Value, re string) (string, error) {
	if n := textutil.UTF16Len(re); n > maxRegexLength {
		return "", c.refuse(v.Pos, fmt.Sprintf("value %q", shorten(valueText(v))), "as a case-insensitive Lucene regex it is %d characters long, over Elasticsearch's index.max_regex_length (%d)", n, maxRegexLength)
	}
	return "/" + re + "/", nil
}

func valueText(v rule.Value) string {
	if v.Kind == rule.KindString {
		return v.Pattern.String()
	}
	return v.Text
}

func shorten(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:57]) + "..."
	}
	return s
}

// patternHasCase reports whether a pattern's literal text has letters
// with another case form.
func patternHasCase(p rule.Pattern) bool {
	for _, part := range p {
		if part.Kind == rule.Literal && lucenere.HasCase(part.Text) {
			return true
		}
	}
	return false
}

// queryReserved are the characters query_string reads as syntax in a
// term, and the white space that ends one.
const queryReserved = "+-=&|><!(){}[]^\"~*?:\\/ \t\n\r\u3000"

// escapeTerm escapes text for an unquoted query_string term.
func escapeTerm(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(queryReserved, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// luceneField escapes a field name.
func luceneField(name string) string { return escapeTerm(name) }

// quote writes an exact term: inside quotes only " and \ are special.
func quote(s string) string { return `"` + quoteEscaper.Replace(s) + `"` }

// quoteEscaper is made once: a Replacer builds its tables on first use.
var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// number writes a number without exponent or trailing zeros.
func number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func isIntegral(t string) bool {
	switch t {
	case "long", "integer", "short", "byte", "unsigned_long":
		return true
	}
	return false
}

func typeName(t string) string {
	if t == "" {
		return "untyped"
	}
	return t
}
