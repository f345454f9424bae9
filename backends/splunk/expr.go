package splunk

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/detc/detc/backends/lower"
	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/rule"
)

// The condition is first turned into a small boolean tree whose leaves are
// atoms: one comparison of one target field with one value. Each atom
// knows its search-command form (when it has one) and its where forms.

type nodeKind uint8

const (
	nAnd nodeKind = iota
	nOr
	nNot
	nAtom
)

type node struct {
	kind nodeKind
	kids []*node
	atom *atom
	// where and whereNot, when set on an Or, replace the kids' where forms
	// with one shorter expression of the same meaning (a matcher's values
	// as one regex alternation).
	where, whereNot string
}

// atom is one comparison.
type atom struct {
	// search is the search-command form, "" when the search command cannot
	// express the comparison with its meaning kept.
	search string
	// why says, for an atom without a search form, what needs where
	// (refusals of the tstats variant name it).
	why string
	// where is true exactly when the comparison holds; for a missing field
	// it is false or null, which where and if() both treat as false.
	where string
	// whereNot is the negation, true for a missing field.
	whereNot string
	// pos is the value's position, for refusals.
	pos rule.Pos
	// terms, for an atom without a search form, are search terms that
	// every event it holds for contains (a keyword's index terms), nil
	// when none are known.
	terms *node
}

func leaf(a *atom) *node { return &node{kind: nAtom, atom: a} }

func not(n *node) *node {
	if n.kind == nNot {
		return n.kids[0]
	}
	return &node{kind: nNot, kids: []*node{n}}
}

// join builds an And or Or, flattening nested nodes of the same kind.
func join(kind nodeKind, kids []*node) *node {
	if len(kids) == 1 {
		return kids[0]
	}
	out := &node{kind: kind}
	for _, k := range kids {
		if k.kind == kind {
			out.kids = append(out.kids, k.kids...)
		} else {
			out.kids = append(out.kids, k)
		}
	}
	return out
}

// compiler holds one rule's compilation.
type compiler struct {
	r      *check.Rule
	prof   *mapping.Profile
	src    *mapping.Source
	tstats bool
	// keyDefs are the eval definitions of derived key fields (see
	// statsField), once each.
	keyDefs []string
}

func (c *compiler) refuse(pos rule.Pos, construct, reason string, args ...any) error {
	if !pos.IsValid() {
		pos = c.r.Pos
	}
	return target.Refuse(c.r.Rule, Name, c.prof.Name, pos, construct, reason, args...)
}

// expr turns a checked condition into a node.
func (c *compiler) expr(e rule.Expr) (*node, error) {
	return c.lowered(lower.Condition(c.r, e))
}

func (c *compiler) lowered(n *lower.Node) (*node, error) {
	if n.Op == lower.Match {
		return c.matcher(n.Matcher)
	}
	kids := make([]*node, 0, len(n.Kids))
	for _, k := range n.Kids {
		x, err := c.lowered(k)
		if err != nil {
			return nil, err
		}
		kids = append(kids, x)
	}
	switch n.Op {
	case lower.And:
		return join(nAnd, kids), nil
	case lower.Or:
		return join(nOr, kids), nil
	}
	return not(kids[0]), nil
}

// matcher: values are ORed; with Negate each value's comparison is negated
// first. A field mapped to several target names matches when any does.
func (c *compiler) matcher(m *rule.Matcher) (*node, error) {
	if m.IsKeyword() {
		return c.keyword(m)
	}
	f, err := c.prof.Field(c.src, m.Field)
	if err != nil {
		return nil, c.refuse(m.Pos, fmt.Sprintf("field %q", m.Field), "%s", mapping.Reason(err))
	}
	if err := c.checkNames(m, f.Names); err != nil {
		return nil, err
	}
	values := make([]*node, 0, len(m.Values))
	for _, v := range m.Values {
		alts := make([]*node, 0, len(f.Names))
		for _, name := range f.Names {
			n, err := c.compare(name, m, v)
			if err != nil {
				return nil, err
			}
			alts = append(alts, n)
		}
		n := join(nOr, alts)
		setPos(n, v.Pos, m.Pos)
		if m.Negate {
			n = not(n)
		}
		values = append(values, n)
	}
	n := join(nOr, values)
	if n.kind == nOr && !m.Negate && len(m.Values) > 1 {
		n.where, n.whereNot = mergedWhere(m, f.Names)
	}
	return n, nil
}

// mergedWhere writes a matcher's string values as one match() per field
// name, the values an alternation: the same test as the OR of one match()
// per value, in a form a reviewer can read. "" when the values are not all
// strings compared the same way.
func mergedWhere(m *rule.Matcher, names []string) (string, string) {
	var bodies []string
	wild := false
	for _, v := range m.Values {
		p := v.Pattern
		switch {
		case v.Kind == rule.KindString:
		case (v.Kind == rule.KindNumber || v.Kind == rule.KindBool) && m.Op != rule.OpEquals:
			p = rule.LiteralPattern(v.Text)
		default:
			return "", ""
		}
		if m.Op > rule.OpEndsWith || m.FieldRef {
			return "", ""
		}
		body, w := patternBody(p)
		bodies = append(bodies, body)
		wild = wild || w
	}
	re := anchored("(?:"+strings.Join(bodies, "|")+")", m.Op, !m.Cased, wild)
	var pos, neg []string
	for _, name := range names {
		f := fieldRef(name)
		a := whereAtom("", "match("+f+", "+evalString(re)+")", f)
		pos, neg = append(pos, a.where), append(neg, a.whereNot)
	}
	if len(names) == 1 {
		return pos[0], neg[0]
	}
	return "(" + strings.Join(pos, " OR ") + ")", "(" + strings.Join(neg, " AND ") + ")"
}

// setPos gives atoms without a position the value's (or the matcher's).
func setPos(n *node, pos ...rule.Pos) {
	if n.kind != nAtom {
		for _, k := range n.kids {
			setPos(k, pos...)
		}
		return
	}
	for _, p := range pos {
		if !n.atom.pos.IsValid() && p.IsValid() {
			n.atom.pos = p
		}
	}
}

func (c *compiler) checkNames(m *rule.Matcher, names []string) error {
	if len(names) == 0 {
		return c.refuse(m.Pos, fmt.Sprintf("field %q", m.Field), "profile %q maps it to no field", c.prof.Name)
	}
	for _, n := range names {
		if p := fieldNameProblem(n); p != "" {
			return c.refuse(m.Pos, fmt.Sprintf("field %q (mapped to %q)", m.Field, n), "%s", p)
		}
	}
	return nil
}

// whereAtom is an atom with no search form: pos holds for the comparison;
// probe is an expression that is null exactly when the comparison cannot
// hold because the field is missing.
func whereAtom(why, pos, probe string) *atom {
	return &atom{why: why, where: pos, whereNot: "(isnull(" + probe + ") OR " + notText(pos) + ")"}
}

// notText negates an eval expression, in parentheses unless it is a
// single function call (NOT's precedence against comparisons is not
// something a reader should have to know).
func notText(e string) string {
	if i := strings.IndexByte(e, '('); i > 0 && strings.HasSuffix(e, ")") && isIdent(e[:i]) && closes(e, i) == len(e)-1 {
		return "NOT " + e
	}
	return "NOT (" + e + ")"
}

// closes returns the index of the parenthesis that closes the one at i,
// skipping quoted strings and field names.
func closes(e string, i int) int {
	depth := 0
	for j := i; j < len(e); j++ {
		switch e[j] {
		case '"':
			for j++; j < len(e) && e[j] != '"'; j++ {
				if e[j] == '\\' {
					j++
				}
			}
		case '\'':
			for j++; j < len(e) && e[j] != '\''; j++ {
			}
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// compare builds the node for one field name and one value.
func (c *compiler) compare(name string, m *rule.Matcher, v rule.Value) (*node, error) {
	f := fieldRef(name)
	quoted := strconv.Quote(m.Field)
	switch {
	case m.Op == rule.OpExists:
		a := &atom{where: "isnotnull(" + f + ")", whereNot: "isnull(" + f + ")"}
		if searchFieldOK(name) {
			a.search = name + "=*"
		} else {
			a.why = fmt.Sprintf("exists on field %s (a name the search command cannot write)", quoted)
		}
		if v.Text == "true" {
			return leaf(a), nil
		}
		return not(leaf(a)), nil
	case v.Kind == rule.KindNull:
		return leaf(&atom{why: fmt.Sprintf("null on field %s", quoted),
			where:    "(isnull(" + f + ") OR " + f + "==\"\")",
			whereNot: "(isnotnull(" + f + ") AND " + f + "!=\"\")"}), nil
	case v.Kind == rule.KindFieldRef:
		return c.fieldRefCompare(name, m, v)
	case m.Op == rule.OpRegex:
		re, err := toPCRE(v.Text, m.Regex)
		if err != nil {
			return nil, c.refuse(v.Pos, fmt.Sprintf("regular expression on field %s", quoted), "%v", err)
		}
		return leaf(whereAtom(fmt.Sprintf("regular expression on field %s", quoted),
			"match("+f+", "+evalString(re)+")", f)), nil
	case m.Op == rule.OpCIDR:
		return leaf(whereAtom(fmt.Sprintf("cidr on field %s", quoted),
			"cidrmatch("+evalString(v.Text)+", "+f+")", f)), nil
	case m.Op >= rule.OpGt && m.Op <= rule.OpLte:
		num := "tonumber(" + f + ")"
		sym := map[rule.Op]string{rule.OpGt: ">", rule.OpGte: ">=", rule.OpLt: "<", rule.OpLte: "<="}[m.Op]
		return leaf(whereAtom(fmt.Sprintf("numeric %s on field %s", m.Op, quoted),
			num+sym+formatNumber(v.Number), num)), nil
	case v.Kind == rule.KindNumber && m.Op == rule.OpEquals:
		num := "tonumber(" + f + ")"
		return leaf(whereAtom(fmt.Sprintf("number %s on field %s", v.Text, quoted),
			num+"=="+formatNumber(v.Number), num)), nil
	case v.Kind == rule.KindBool && m.Op == rule.OpEquals:
		return c.stringCompare(name, m, rule.LiteralPattern(v.Text), rule.OpEquals, false, v.Pos)
	case v.Kind == rule.KindString:
		return c.stringCompare(name, m, v.Pattern, m.Op, m.Cased, v.Pos)
	case v.Kind == rule.KindNumber || v.Kind == rule.KindBool:
		return c.stringCompare(name, m, rule.LiteralPattern(v.Text), m.Op, m.Cased, v.Pos)
	}
	return nil, c.refuse(v.Pos, fmt.Sprintf("value %q on field %s", v.Text, quoted), "a value of this kind cannot be used with %s", m.Op)
}

// stringCompare: the search command when it keeps the meaning (not cased,
// no ? wildcard, no literal *), else match() with an anchored regex.
func (c *compiler) stringCompare(name string, m *rule.Matcher, p rule.Pattern, op rule.Op, cased bool, pos rule.Pos) (*node, error) {
	quoted := strconv.Quote(m.Field)
	for _, part := range p {
		if part.Kind == rule.Literal && !utf8.ValidString(part.Text) {
			return nil, c.refuse(pos, fmt.Sprintf("value %q on field %s", p.String(), quoted),
				"it is not valid UTF-8 (for example after utf16 or wide); Splunk stores text as UTF-8, so the value could never match")
		}
	}
	f := fieldRef(name)
	a := whereAtom("", "match("+f+", "+evalString(patternRegex(p, op, cased))+")", f)
	sv, why := searchPattern(p, op, cased)
	if why == "" && !searchFieldOK(name) {
		why = "a field name the search command cannot write"
	}
	if why == "" {
		a.search = name + "=" + sv
	} else {
		a.why = fmt.Sprintf("value %q on field %s (%s)", p.String(), quoted, why)
	}
	return leaf(a), nil
}

// searchPattern writes a pattern as a quoted search value, or says why the
// search command cannot match it with the same meaning.
func searchPattern(p rule.Pattern, op rule.Op, cased bool) (string, string) {
	if cased {
		return "", "case-sensitive"
	}
	var b strings.Builder
	star := func() {
		if s := b.String(); !strings.HasSuffix(s, "*") {
			b.WriteByte('*')
		}
	}
	if op == rule.OpContains || op == rule.OpEndsWith {
		star()
	}
	for _, part := range p {
		switch part.Kind {
		case rule.AnyRun:
			star()
		case rule.AnyChar:
			return "", "a ? wildcard, which the search command does not have"
		default:
			if !searchSafe(part.Text) {
				return "", "a literal *, a backtick or a control character, which a search value cannot hold"
			}
			b.WriteString(part.Text)
		}
	}
	if op == rule.OpContains || op == rule.OpStartsWith {
		star()
	}
	if b.Len() == 0 {
		return "", "an empty value"
	}
	return searchValue(b.String()), ""
}

// fieldRefCompare compares two fields of the same event.
func (c *compiler) fieldRefCompare(name string, m *rule.Matcher, v rule.Value) (*node, error) {
	construct := fmt.Sprintf("fieldref %q on field %q", v.Text, m.Field)
	other, err := c.prof.Field(c.src, v.Text)
	if err != nil {
		return nil, c.refuse(v.Pos, construct, "%s", mapping.Reason(err))
	}
	for _, n := range other.Names {
		if p := fieldNameProblem(n); p != "" {
			return nil, c.refuse(v.Pos, construct, "%s", p)
		}
	}
	if m.Op == rule.OpContains {
		return nil, c.refuse(v.Pos, construct, "SPL eval has no substring test that takes a field as its literal operand (like() would read %% and _ in the other field as wildcards)")
	}
	f := fieldRef(name)
	alts := make([]*node, 0, len(other.Names))
	for _, on := range other.Names {
		g := fieldRef(on)
		a, b := f, g
		if !m.Cased {
			a, b = "lower("+f+")", "lower("+g+")"
		}
		var pos string
		switch m.Op {
		case rule.OpStartsWith:
			pos = "substr(" + a + ", 1, len(" + b + "))==" + b
		case rule.OpEndsWith:
			pos = "(len(" + a + ")>=len(" + b + ") AND substr(" + a + ", len(" + a + ")-len(" + b + ")+1)==" + b + ")"
		default:
			pos = a + "==" + b
		}
		alts = append(alts, leaf(&atom{
			why:      construct,
			where:    pos,
			whereNot: "(isnull(" + f + ") OR isnull(" + g + ") OR " + notText(pos) + ")",
		}))
	}
	return join(nOr, alts), nil
}

// keyword: a value matches when a string value of the event holds it,
// which Splunk tests on the event's text, _raw (raw.go): match() is the
// exact test, and the index terms each value implies narrow the base
// search (see implied). Values are ORed; with Negate each value's test
// is negated first.
func (c *compiler) keyword(m *rule.Matcher) (*node, error) {
	if c.tstats {
		return nil, c.refuse(m.Pos, "keyword search", "tstats reads the data model's indexed fields only, not the event's text")
	}
	pats := make([]rule.Pattern, 0, len(m.Values))
	for _, v := range m.Values {
		var p rule.Pattern
		switch v.Kind {
		case rule.KindString:
			p = v.Pattern
		case rule.KindNumber, rule.KindBool:
			p = rule.LiteralPattern(v.Text)
		default:
			return nil, c.refuse(v.Pos, fmt.Sprintf("keyword %q", v.Text), "keywords compare text only")
		}
		for _, part := range p {
			if part.Kind == rule.Literal && !utf8.ValidString(part.Text) {
				return nil, c.refuse(v.Pos, fmt.Sprintf("keyword %q", p.String()), "it is not valid UTF-8; Splunk stores text as UTF-8, so it could never match")
			}
		}
		pats = append(pats, p)
	}
	test := func(pats []rule.Pattern) *node {
		bodies := make([]string, len(pats))
		wild := false
		terms := make([][]string, len(pats))
		for i, p := range pats {
			var w bool
			bodies[i], w = rawPatternBody(p, !m.Cased)
			wild = wild || w
			terms[i] = rawTerms(p)
		}
		body := bodies[0]
		if len(bodies) > 1 {
			body = "(?:" + strings.Join(bodies, "|") + ")"
		}
		a := whereAtom("keyword search", "match(_raw, "+evalString(regexFlags(!m.Cased, wild)+body)+")", "_raw")
		a.terms = termsAnyOf(terms)
		return leaf(a)
	}
	if !m.Negate {
		return test(pats), nil
	}
	kids := make([]*node, len(pats))
	for i, p := range pats {
		kids[i] = not(test([]rule.Pattern{p}))
	}
	return join(nOr, kids), nil
}

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
