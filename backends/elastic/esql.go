package elastic

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/detc/detc/backends/elastic/lucenere"
	"github.com/detc/detc/internal/rule"
)

// esql writes the rule as an ES|QL query. A rule without aggregation is
// FROM ... METADATA (which Kibana needs to deduplicate alerts) | WHERE;
// an aggregation reads the last complete window, buckets it with
// DATE_TRUNC (tumbling windows aligned to the epoch, as the evaluator's)
// and keeps the groups whose aggregate passes the threshold.
func (c *compiler) esql() (string, error) {
	var b strings.Builder
	b.WriteString("FROM " + strings.Join(indexes(c.source), ", "))
	agg := c.r.Aggregation
	if agg == nil {
		b.WriteString(" METADATA _id, _index, _version")
	}
	var filter []*node
	for _, kv := range c.sourceFilter(true) {
		filter = append(filter, filterNode(kv, func(f, v string) *node { return leaf(esqlField(f) + " == " + esqlString(v)) }))
	}
	cond := c.r.Condition
	if cond == nil && agg != nil && agg.Func == rule.AggTemporal {
		cond = &rule.Or{Terms: c.r.Parts, Pos: agg.Pos}
	}
	body, err := c.condition(cond, c.esqlMatcher)
	if err != nil {
		return "", err
	}
	if agg == nil {
		b.WriteString("\n| WHERE " + renderESQL(and(append(filter, body)...), true, false))
		return b.String(), nil
	}
	span, err := c.esqlSpan(agg)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "\n| WHERE @timestamp >= DATE_TRUNC(%[1]s, NOW()) - %[1]s AND @timestamp < DATE_TRUNC(%[1]s, NOW())", span)
	b.WriteString("\n| WHERE " + renderESQL(and(append(filter, body)...), true, false))
	groups := []string{"window_start"}
	for _, g := range agg.GroupBy {
		f, err := c.singleField(g, agg.Pos)
		if err != nil {
			return "", err
		}
		groups = append(groups, esqlField(f.Name))
	}
	eval := []string{"window_start = DATE_TRUNC(" + span + ", @timestamp)"}
	var stats, having string
	switch agg.Func {
	case rule.AggTemporal:
		var aggs, checks []string
		for i, part := range c.r.Parts {
			n, err := c.condition(part, c.esqlMatcher)
			if err != nil {
				return "", err
			}
			p := fmt.Sprintf("part%d", i)
			eval = append(eval, fmt.Sprintf("%s = CASE(%s, 1, 0)", p, renderESQL(n, true, false)))
			aggs = append(aggs, fmt.Sprintf("%[1]s = MAX(%[1]s)", p))
			checks = append(checks, p+" == 1")
		}
		stats, having = strings.Join(aggs, ", "), strings.Join(checks, " AND ")
	default:
		expr := "COUNT(*)"
		if agg.Func != rule.AggCount {
			f, err := c.singleField(agg.Field, agg.Pos)
			if err != nil {
				return "", err
			}
			fn := map[rule.AggFunc]string{rule.AggDistinctCount: "COUNT_DISTINCT", rule.AggSum: "SUM", rule.AggAvg: "AVG", rule.AggMin: "MIN", rule.AggMax: "MAX"}[agg.Func]
			expr = fn + "(" + esqlField(f.Name) + ")"
		}
		stats = "value = " + expr
		having = "value " + agg.Op.Symbol() + " " + number(agg.Threshold)
	}
	b.WriteString("\n| EVAL " + strings.Join(eval, ", "))
	b.WriteString("\n| STATS " + stats + " BY " + strings.Join(groups, ", "))
	b.WriteString("\n| WHERE " + having)
	return b.String(), nil
}

// esqlSpan writes a window as an ES|QL time span.
func (c *compiler) esqlSpan(a *rule.Aggregation) (string, error) {
	w := a.Window
	units := []struct {
		d    time.Duration
		name string
	}{{time.Hour, "hours"}, {time.Minute, "minutes"}, {time.Second, "seconds"}, {time.Millisecond, "milliseconds"}}
	for _, u := range units {
		if w > 0 && w%u.d == 0 {
			return strconv.FormatInt(int64(w/u.d), 10) + " " + u.name, nil
		}
	}
	return "", c.refuse(a.Pos, fmt.Sprintf("window %s", w), "ES|QL time spans count whole milliseconds")
}

// renderESQL writes a node tree. ES|QL has three-valued logic: a
// comparison with a missing (null) field is null, and NOT null is null,
// which WHERE drops; under a NOT, leaves use their null-safe form.
func renderESQL(n *node, top, negated bool) string {
	switch n.op {
	case opLeaf:
		if negated && n.safe != "" {
			return n.safe
		}
		return n.text
	case opNot:
		return "NOT " + renderESQL(n.kids[0], false, !negated)
	}
	sep := " AND "
	if n.op == opOr {
		sep = " OR "
	}
	parts := make([]string, len(n.kids))
	for i, k := range n.kids {
		parts[i] = renderESQL(k, false, negated)
	}
	s := strings.Join(parts, sep)
	if top {
		return s
	}
	return "(" + s + ")"
}

// nullable is a leaf whose comparison is null when the field is missing
// or multi-valued; its safe form is false then.
func nullable(text string) *node {
	return &node{text: text, safe: "COALESCE(" + text + ", false)"}
}

func (c *compiler) esqlMatcher(m *rule.Matcher) (*node, error) {
	if m.IsKeyword() {
		if c.chosenFor != "" {
			return nil, c.refuse(m.Pos, "keyword search", "ES|QL compares fields; detc does not search all fields there, and Lucene, which does, cannot express %s in the same rule", c.chosenFor)
		}
		return nil, c.refuse(m.Pos, "keyword search", "ES|QL compares fields; detc does not search all fields there (use --lang lucene)")
	}
	fs, err := c.fields(m.Field, m.Pos)
	if err != nil {
		return nil, err
	}
	return c.matcherNode(m, fs, c.esqlValue)
}

func (c *compiler) esqlValue(m *rule.Matcher, v rule.Value, f field) (*node, error) {
	cmp, err := c.compare(m, v, f)
	if err != nil {
		return nil, err
	}
	name := esqlField(f.Name)
	switch cmp.kind {
	case cmpFieldRef:
		others, err := c.fields(v.Text, v.Pos)
		if err != nil {
			return nil, err
		}
		if len(others) != 1 {
			return nil, c.refuse(v.Pos, fmt.Sprintf("fieldref %q on field %q", v.Text, m.Field), "%q maps to %d fields; detc compares a field with one", v.Text, len(others))
		}
		other := others[0]
		if !isString(f.Type) && f.Type != "" || !isString(other.Type) && other.Type != "" {
			return nil, c.refuse(v.Pos, lazyConstruct{m, f}, "fieldref compares text fields")
		}
		a, b := name, esqlField(other.Name)
		if !m.Cased {
			a, b = "TO_LOWER("+a+")", "TO_LOWER("+b+")"
		}
		switch m.Op {
		case rule.OpContains:
			return nullable("LOCATE(" + a + ", " + b + ") > 0"), nil
		case rule.OpStartsWith:
			return nullable("STARTS_WITH(" + a + ", " + b + ")"), nil
		case rule.OpEndsWith:
			return nullable("ENDS_WITH(" + a + ", " + b + ")"), nil
		}
		return nullable(a + " == " + b), nil
	case cmpExists:
		if cmp.truth {
			return leaf(name + " IS NOT NULL"), nil
		}
		return leaf(name + " IS NULL"), nil
	case cmpNull:
		if cmp.truth {
			return leaf("(" + name + ` IS NULL OR COALESCE(` + name + ` == "", false))`), nil
		}
		return leaf(name + " IS NULL"), nil
	case cmpCIDR:
		return nullable("CIDR_MATCH(" + name + ", " + esqlString(cmp.text) + ")"), nil
	case cmpCIDROfText:
		// TO_IP is null (with a warning) for text that is no address,
		// which matches no network, as in the evaluator.
		return nullable("CIDR_MATCH(TO_IP(" + name + "), " + esqlString(cmp.text) + ")"), nil
	case cmpRange:
		return nullable(name + rangeOps[cmp.op] + number(cmp.num)), nil
	case cmpRegex:
		return nullable(name + " RLIKE " + esqlString(cmp.text)), nil
	case cmpNumber, cmpNumberOfText:
		return nullable(name + " == " + number(cmp.num)), nil
	case cmpNumberText:
		return nullable(name + " == " + esqlString(cmp.text)), nil
	case cmpBool:
		return nullable(name + " == " + cmp.text), nil
	case cmpBoolText:
		return nullable("TO_LOWER(" + name + ") == " + esqlString(cmp.text)), nil
	case cmpIP:
		return nullable(name + " == TO_IP(" + esqlString(cmp.text) + ")"), nil
	}
	return c.esqlString(m, v, name)
}

// esqlString compares a keyword field with a string pattern. A
// case-insensitive ASCII value compares TO_LOWER(field); a value with
// letters beyond ASCII uses RLIKE with a class per letter, the exact
// Unicode case folding the evaluator uses.
func (c *compiler) esqlString(m *rule.Matcher, v rule.Value, name string) (*node, error) {
	p := v.Pattern
	if !m.Cased && patternHasCase(p) && !patternASCII(p) {
		re, err := lucenere.Pattern(p, m.Op, false)
		if err != nil {
			return nil, c.refuse(v.Pos, fmt.Sprintf("value %q", p.String()), "%v", err)
		}
		return nullable(name + " RLIKE " + esqlString(re)), nil
	}
	subject := name
	if !m.Cased && patternHasCase(p) {
		subject = "TO_LOWER(" + name + ")"
		p = lowerPattern(p)
	}
	if lit, ok := p.Literal(); ok && m.Op == rule.OpEquals {
		return nullable(subject + " == " + esqlString(lit)), nil
	}
	return nullable(subject + " LIKE " + esqlString(likePattern(p, m.Op))), nil
}

func patternASCII(p rule.Pattern) bool {
	for _, part := range p {
		for i := 0; i < len(part.Text); i++ {
			if part.Text[i] >= 0x80 {
				return false
			}
		}
	}
	return true
}

func lowerPattern(p rule.Pattern) rule.Pattern {
	out := make(rule.Pattern, len(p))
	for i, part := range p {
		out[i] = rule.Part{Kind: part.Kind, Text: strings.ToLower(part.Text)}
	}
	return out
}

// likeEscaper escapes a LIKE pattern's literal text (made once: a
// Replacer builds its tables on first use).
var likeEscaper = strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`)

// likePattern writes a LIKE pattern: * and ? are wildcards, and a
// backslash escapes them and itself.
func likePattern(p rule.Pattern, op rule.Op) string {
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
			b.WriteString(likeEscaper.Replace(part.Text))
		}
	}
	if op == rule.OpContains || op == rule.OpStartsWith {
		b.WriteByte('*')
	}
	s := b.String()
	for strings.HasPrefix(s, "**") {
		s = s[1:]
	}
	for strings.HasSuffix(s, "**") && !strings.HasSuffix(s, `\**`) {
		s = s[:len(s)-1]
	}
	return s
}

var esqlIdent = regexp.MustCompile(`^[A-Za-z_@][A-Za-z0-9_@]*(\.[A-Za-z_@][A-Za-z0-9_@]*)*$`)

// esqlField writes a field name, in backquotes unless it is a plain
// dotted identifier.
func esqlField(name string) string {
	if esqlIdent.MatchString(name) {
		return name
	}
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// esqlString writes an ES|QL string literal.
func esqlString(s string) string {
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
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
