package elastic

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/detc/detc/backends/elastic/lucenere"
	"github.com/detc/detc/internal/rule"
)

// eql writes the rule as an EQL query: "<category> where <condition>",
// the category from the source (any when it has none).
func (c *compiler) eql() (string, error) {
	if a := c.r.Aggregation; a != nil {
		return "", c.refuse(a.Pos, fmt.Sprintf("aggregation %s", a.Func), "EQL has no aggregations; compile it with --lang esql")
	}
	body, err := c.condition(c.r.Condition, c.eqlMatcher)
	if err != nil {
		return "", err
	}
	var filter []*node
	for _, kv := range c.sourceFilter(false) {
		filter = append(filter, filterNode(kv, func(f, v string) *node { return leaf(eqlField(f) + " == " + eqlString(v)) }))
	}
	category := c.source.Attr("category")
	if category == "" {
		category = "any"
	} else if !eqlIdent.MatchString(category) {
		category = eqlString(category)
	}
	return category + " where " + renderEQL(and(append(filter, body)...), true), nil
}

func renderEQL(n *node, top bool) string {
	switch n.op {
	case opLeaf:
		return n.text
	case opNot:
		return "not " + renderEQL(n.kids[0], false)
	}
	sep := " and "
	if n.op == opOr {
		sep = " or "
		if f, terms, ok := sameField(n.kids); ok {
			return eqlField(f) + " : (" + strings.Join(terms, ", ") + ")"
		}
	}
	parts := make([]string, len(n.kids))
	for i, k := range n.kids {
		parts[i] = renderEQL(k, false)
	}
	s := strings.Join(parts, sep)
	if top {
		return s
	}
	return "(" + s + ")"
}

func (c *compiler) eqlMatcher(m *rule.Matcher) (*node, error) {
	if m.IsKeyword() {
		return nil, c.refuse(m.Pos, "keyword search", "EQL compares fields; it has no search over all fields (use --lang lucene)")
	}
	fs, err := c.fields(m.Field, m.Pos)
	if err != nil {
		return nil, err
	}
	return c.matcherNode(m, fs, c.eqlValue)
}

// insensitive is a leaf "field : pattern" (case-insensitive, * and ?
// wildcards); several on one field become a list lookup.
func insensitive(f, pattern string) *node {
	s := eqlString(pattern)
	return &node{text: eqlField(f) + " : " + s, field: f, term: s}
}

func (c *compiler) eqlValue(m *rule.Matcher, v rule.Value, f field) (*node, error) {
	cmp, err := c.compare(m, v, f)
	if err != nil {
		return nil, err
	}
	name := eqlField(f.Name)
	switch cmp.kind {
	case cmpFieldRef:
		return nil, c.refuse(v.Pos, fmt.Sprintf("fieldref %q on field %q", v.Text, m.Field), "EQL cannot compare a field with another field; ES|QL can (--lang esql)")
	case cmpExists:
		if cmp.truth {
			return leaf(name + " != null"), nil
		}
		return leaf(name + " == null"), nil
	case cmpNull:
		if cmp.truth {
			return or(leaf(name+" == null"), leaf(name+` == ""`)), nil
		}
		return leaf(name + " == null"), nil
	case cmpCIDR:
		return leaf("cidrMatch(" + name + ", " + eqlString(cmp.text) + ")"), nil
	case cmpCIDROfText:
		return nil, c.refuse(v.Pos, lazyConstruct{m, f}, "detc writes EQL's cidrMatch on ip fields only; ES|QL reads a keyword field's text as an address (--lang esql)")
	case cmpRange:
		return leaf(name + rangeOps[cmp.op] + number(cmp.num)), nil
	case cmpRegex:
		return leaf(name + " regex " + eqlRaw(cmp.text)), nil
	case cmpNumber, cmpNumberOfText:
		return leaf(name + " == " + number(cmp.num)), nil
	case cmpNumberText:
		return leaf(name + " == " + eqlString(cmp.text)), nil
	case cmpBool:
		return leaf(name + " == " + cmp.text), nil
	case cmpBoolText:
		return insensitive(f.Name, cmp.text), nil
	case cmpIP:
		return leaf(name + " == " + eqlString(cmp.text)), nil
	}
	if literalWildcards(v.Pattern) {
		// EQL's wildcard patterns cannot escape * or ?: use a regex.
		re, err := lucenere.Pattern(v.Pattern, m.Op, m.Cased)
		if err != nil {
			return nil, c.refuse(v.Pos, fmt.Sprintf("value %q", v.Pattern.String()), "%v", err)
		}
		return leaf(name + " regex " + eqlRaw(re)), nil
	}
	pattern := wildcardText(v.Pattern, m.Op)
	switch {
	case !m.Cased:
		return insensitive(f.Name, pattern), nil
	case v.Pattern.HasWildcards() || m.Op != rule.OpEquals:
		return leaf(name + " like " + eqlString(pattern)), nil
	}
	return leaf(name + " == " + eqlString(pattern)), nil
}

// literalWildcards reports whether a pattern's literal text holds * or ?.
func literalWildcards(p rule.Pattern) bool {
	for _, part := range p {
		if part.Kind == rule.Literal && strings.ContainsAny(part.Text, "*?") {
			return true
		}
	}
	return false
}

// wildcardText writes a pattern with * and ? wildcards (and the op's
// implied ones), its literal text unescaped: for EQL's :/like, which have
// no escape for * and ?, callers check literalWildcards first. A backslash
// is literal there: Elasticsearch's EQL optimizer (ReplaceWildcards,
// toLikePattern) turns the pattern into a LIKE pattern whose escape
// character is U+0001, and Elastic's own prebuilt rules rely on it
// (process.executable : "?:\\Windows\\System32\\*.exe").
func wildcardText(p rule.Pattern, op rule.Op) string {
	var b strings.Builder
	if op == rule.OpContains || op == rule.OpEndsWith {
		b.WriteByte('*')
	}
	for _, part := range p {
		switch part.Kind {
		case rule.AnyRun:
			b.WriteByte('*')
		case rule.AnyChar:
			b.WriteByte('?')
		default:
			b.WriteString(part.Text)
		}
	}
	if op == rule.OpContains || op == rule.OpStartsWith {
		b.WriteByte('*')
	}
	return collapseStars(b.String())
}

func collapseStars(s string) string {
	for strings.Contains(s, "**") {
		s = strings.ReplaceAll(s, "**", "*")
	}
	return s
}

var eqlIdent = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_@][A-Za-z0-9_@]*)*$`)

// eqlKeywords cannot be field names without backticks.
var eqlKeywords = map[string]bool{
	"and": true, "any": true, "by": true, "false": true, "in": true, "join": true, "like": true, "maxspan": true,
	"not": true, "null": true, "of": true, "or": true, "regex": true, "sequence": true, "true": true, "until": true,
	"where": true, "with": true, "sample": true,
}

// eqlField writes a field name, in backticks unless it is a plain dotted
// identifier.
func eqlField(name string) string {
	if eqlIdent.MatchString(name) && !eqlKeywords[strings.ToLower(name)] {
		return name
	}
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// eqlString writes an EQL string literal. Elastic's EQL grammar takes
// \u{...} with two to eight hex digits, so a control character is written
// with at least two (\u{0c}, not \u{c}).
func eqlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u{%02x}`, r)
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// eqlRaw writes a regex as a raw string ("""...""") where it can, so its
// backslashes stay readable.
func eqlRaw(s string) string {
	if strings.Contains(s, `"""`) || strings.HasSuffix(s, `"`) || strings.ContainsAny(s, "\n\r") {
		return eqlString(s)
	}
	return `"""` + s + `"""`
}
