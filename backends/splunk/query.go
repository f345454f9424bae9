package splunk

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/internal/rule"
)

// compile writes the rule's SPL: the source, the search command (with the
// terms the where part implies), the where command and the aggregation,
// one command per line.
func (c *compiler) compile() (string, error) {
	agg := c.r.Aggregation
	if agg != nil && agg.Func == rule.AggTemporal {
		return c.temporal(agg)
	}
	root, err := c.expr(c.r.Condition)
	if err != nil {
		return "", err
	}
	var searchParts, whereParts []*node
	for _, n := range conjuncts(root) {
		if searchable(n) {
			searchParts = append(searchParts, n)
		} else {
			whereParts = append(whereParts, n)
		}
	}
	if c.tstats {
		return c.tstatsQuery(searchParts, whereParts)
	}
	if len(whereParts) > 0 {
		if pf, kw := implied(join(nAnd, whereParts)); kw {
			searchParts = append(searchParts, conjuncts(pf)...)
		}
	}
	lines := c.head(searchParts)
	if len(whereParts) > 0 {
		lines = append(lines, "| where "+whereText(join(nAnd, whereParts), false, true))
	}
	if agg != nil {
		more, err := c.aggregation(agg)
		if err != nil {
			return "", err
		}
		lines = append(lines, more...)
	}
	return strings.Join(lines, "\n"), nil
}

// conjuncts splits a node at its top-level ANDs.
func conjuncts(n *node) []*node {
	if n.kind == nAnd {
		return n.kids
	}
	return []*node{n}
}

func searchable(n *node) bool {
	if n.kind == nAtom {
		return n.atom.search != ""
	}
	for _, k := range n.kids {
		if !searchable(k) {
			return false
		}
	}
	return true
}

// implied returns search terms that hold for every event the node holds
// for, nil when none are known, and whether they hold a keyword's index
// terms (only those are worth adding: the rest of the node is already in
// the search command when the search command can write it). The terms
// are the node itself when the search command can write it, a keyword's
// index terms, the terms of every part of an AND that has some, an OR's
// only when every alternative has some. A NOT implies none (a term that
// must be absent does not narrow an index search). The search command
// then reads only the events that can pass the where command, which
// still decides.
func implied(n *node) (*node, bool) {
	if searchable(n) {
		return n, false
	}
	switch n.kind {
	case nAtom:
		return n.atom.terms, n.atom.terms != nil
	case nNot:
		return nil, false
	}
	var kids []*node
	keyword := false
	for _, k := range n.kids {
		t, kw := implied(k)
		if t == nil {
			if n.kind == nOr {
				return nil, false
			}
			continue
		}
		kids = append(kids, t)
		keyword = keyword || kw
	}
	if len(kids) == 0 {
		return nil, false
	}
	return join(n.kind, kids), keyword
}

// firstWhereOnly returns the first atom without a search form.
func firstWhereOnly(n *node) *atom {
	if n.kind == nAtom {
		if n.atom.search == "" {
			return n.atom
		}
		return nil
	}
	for _, k := range n.kids {
		if a := firstWhereOnly(k); a != nil {
			return a
		}
	}
	return nil
}

// head is the source clause and the search command.
func (c *compiler) head(parts []*node) []string {
	terms := c.searchTerms(parts)
	if dm := c.src.Attr("datamodel"); dm != "" {
		lines := []string{"| datamodel " + dm + " " + c.dataset() + " search"}
		if terms != "" {
			lines = append(lines, "| search "+terms)
		}
		return lines
	}
	if terms == "" {
		// A search needs a generating command: * reads every event of the
		// time range (scope it with the profile's search_prefix).
		terms = "*"
	}
	return []string{terms}
}

func (c *compiler) dataset() string {
	if ds := c.src.Attr("dataset"); ds != "" {
		return ds
	}
	return c.src.Attr("datamodel")
}

// searchTerms writes the search_prefix and the searchable conjuncts.
func (c *compiler) searchTerms(parts []*node) string {
	var terms []string
	// index and sourcetype, set by the user's configuration or mapping,
	// narrow the search to where the team keeps the log source (a value may
	// hold * as a wildcard, as index patterns do).
	for _, key := range []string{"index", "sourcetype"} {
		var alts []string
		for _, v := range strings.Split(c.src.Attr(key), ",") {
			if v = strings.TrimSpace(v); v != "" {
				alts = append(alts, key+"="+searchValue(v))
			}
		}
		switch len(alts) {
		case 0:
		case 1:
			terms = append(terms, alts[0])
		default:
			terms = append(terms, "("+strings.Join(alts, " OR ")+")")
		}
	}
	if p := strings.TrimSpace(c.src.Attr("search_prefix")); p != "" {
		terms = append(terms, p)
	}
	for _, p := range parts {
		terms = append(terms, searchText(p, len(parts) > 1 || len(terms) > 0))
	}
	return strings.Join(terms, " ")
}

// searchText writes a node in search-command syntax. The search command
// evaluates OR before AND, so every compound operand is parenthesised.
func searchText(n *node, wrap bool) string {
	var s string
	switch n.kind {
	case nAtom:
		return n.atom.search
	case nNot:
		return "NOT " + searchText(n.kids[0], true)
	case nAnd:
		s = joinKids(n.kids, " ", searchText)
	default:
		s = joinKids(n.kids, " OR ", searchText)
	}
	if wrap {
		return "(" + s + ")"
	}
	return s
}

func joinKids(kids []*node, sep string, text func(*node, bool) string) string {
	parts := make([]string, len(kids))
	for i, k := range kids {
		parts[i] = text(k, true)
	}
	return strings.Join(parts, sep)
}

// whereText writes a node as an eval expression in negation normal form:
// NOT reaches only atoms, which have a null-safe negated form, so that a
// missing field (null) never turns a NOT into a silent false.
func whereText(n *node, neg, top bool) string {
	var s string
	switch n.kind {
	case nAtom:
		if neg {
			return n.atom.whereNot
		}
		return n.atom.where
	case nNot:
		return whereText(n.kids[0], !neg, top)
	case nAnd, nOr:
		if n.where != "" {
			if neg {
				return n.whereNot
			}
			return n.where
		}
		sep := " AND "
		if (n.kind == nOr) != neg {
			sep = " OR "
		}
		parts := make([]string, len(n.kids))
		for i, k := range n.kids {
			parts[i] = whereText(k, neg, false)
		}
		s = strings.Join(parts, sep)
	}
	if top {
		return s
	}
	return "(" + s + ")"
}

// aggregation: tumbling windows aligned to the epoch (bin), one row per
// window and group; a missing group-by field groups as "", as the
// evaluator does.
func (c *compiler) aggregation(agg *rule.Aggregation) ([]string, error) {
	span, err := c.span(agg)
	if err != nil {
		return nil, err
	}
	groups, err := c.groupBy(agg)
	if err != nil {
		return nil, err
	}
	var stat, value string
	switch agg.Func {
	case rule.AggCount:
		stat, value = "count", "count"
	default:
		f, err := c.aggField(agg)
		if err != nil {
			return nil, err
		}
		switch agg.Func {
		case rule.AggDistinctCount:
			stat, value = "dc("+f+") as distinct_count", "distinct_count"
		default:
			// tonumber keeps min and max numeric (Splunk would compare
			// non-numeric values as text) and drops what is not a number,
			// as the evaluator does.
			value = agg.Func.String()
			stat = value + "(eval(tonumber(" + fieldRef(f) + "))) as " + value
		}
	}
	by := strings.Join(append([]string{"_time"}, groups...), " ")
	lines := append([]string{"| bin _time span=" + span}, c.keyLines()...)
	if len(groups) > 0 {
		lines = append(lines, "| fillnull value=\"\" "+strings.Join(groups, " "))
	}
	return append(lines,
		"| stats "+stat+" by "+by,
		"| where "+value+" "+agg.Op.Symbol()+" "+formatNumber(agg.Threshold)), nil
}

// temporal: every part must match at least once per window and group.
func (c *compiler) temporal(agg *rule.Aggregation) (string, error) {
	if c.tstats {
		return "", c.refuse(agg.Pos, "temporal correlation", "tstats cannot evaluate several conditions per event")
	}
	var evals, any, all, maxes []string
	var parts []*node
	for i, part := range c.r.Parts {
		n, err := c.expr(part)
		if err != nil {
			return "", err
		}
		parts = append(parts, n)
		name := fmt.Sprintf("detc_part%d", i+1)
		evals = append(evals, name+"=if("+whereText(n, false, true)+", 1, 0)")
		any = append(any, name+"==1")
		all = append(all, name+"==1")
		maxes = append(maxes, "max("+name+") as "+name)
	}
	span, err := c.span(agg)
	if err != nil {
		return "", err
	}
	groups, err := c.groupBy(agg)
	if err != nil {
		return "", err
	}
	// Events that match no part are dropped: the search command reads
	// only those holding what some part implies, when every part implies
	// something.
	var head []*node
	if pf, kw := implied(join(nOr, parts)); kw {
		head = []*node{pf}
	}
	lines := c.head(head)
	lines = append(lines,
		"| eval "+strings.Join(evals, ", "),
		"| where "+strings.Join(any, " OR "),
		"| bin _time span="+span)
	lines = append(lines, c.keyLines()...)
	if len(groups) > 0 {
		lines = append(lines, "| fillnull value=\"\" "+strings.Join(groups, " "))
	}
	lines = append(lines,
		"| stats "+strings.Join(maxes, " ")+" by "+strings.Join(append([]string{"_time"}, groups...), " "),
		"| where "+strings.Join(all, " AND "))
	return strings.Join(lines, "\n"), nil
}

// span writes the window in the largest whole unit.
func (c *compiler) span(agg *rule.Aggregation) (string, error) {
	w := agg.Window
	if w <= 0 || w%time.Second != 0 {
		return "", c.refuse(agg.Pos, fmt.Sprintf("window %s", w), "bin spans are whole seconds")
	}
	for _, u := range []struct {
		d    time.Duration
		unit string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if w%u.d == 0 {
			return fmt.Sprintf("%d%s", w/u.d, u.unit), nil
		}
	}
	return "", nil
}

// groupBy maps the group-by fields.
func (c *compiler) groupBy(agg *rule.Aggregation) ([]string, error) {
	out := make([]string, 0, len(agg.GroupBy))
	for _, g := range agg.GroupBy {
		name, err := c.statsField(agg.Pos, g, "group-by field")
		if err != nil {
			return nil, err
		}
		out = append(out, name)
	}
	return out, nil
}

func (c *compiler) aggField(agg *rule.Aggregation) (string, error) {
	if agg.Field == "" {
		return "", c.refuse(agg.Pos, "aggregation "+agg.Func.String(), "it needs a field")
	}
	return c.statsField(agg.Pos, agg.Field, "aggregation field")
}

// statsField names a field that stats reads as one value per event (a
// group-by key or an aggregated field). A field mapped to one name is that
// name. A field mapped to several (cim's cs-host: Web.url_domain and
// Web.dest) is still one value in the rule model, and a comparison holds
// when any name holds it; as a key it is computed into a field named after
// the Sigma field (cs-host: cs_host) that holds the first of its names with
// a value, in the profile's order. tstats cannot compute fields before it
// aggregates, so it refuses such a key.
func (c *compiler) statsField(pos rule.Pos, field, role string) (string, error) {
	construct := fmt.Sprintf("%s %q", role, field)
	f, err := c.prof.Field(c.src, field)
	if err != nil {
		return "", c.refuse(pos, construct, "%s", mapping.Reason(err))
	}
	if len(f.Names) == 0 {
		return "", c.refuse(pos, construct, "profile %q maps it to no field", c.prof.Name)
	}
	for _, n := range f.Names {
		if !statsFieldOK(n) {
			return "", c.refuse(pos, construct, "stats cannot name %q (letters, digits, _ . : - only)", n)
		}
	}
	if len(f.Names) == 1 {
		return f.Names[0], nil
	}
	if c.tstats {
		return "", c.refuse(pos, construct, "it maps to several fields (%s) and its value is the first of them that is set, which eval computes only after tstats has aggregated", strings.Join(f.Names, ", "))
	}
	refs := make([]string, len(f.Names))
	for i, n := range f.Names {
		refs[i] = fieldRef(n)
	}
	name := keyName(field)
	if def := name + "=coalesce(" + strings.Join(refs, ", ") + ")"; !slices.Contains(c.keyDefs, def) {
		c.keyDefs = append(c.keyDefs, def)
	}
	return name, nil
}

// keyName is the name of a derived key field: the Sigma field's name with
// every character but letters, digits and _ made _ (a plain eval name).
func keyName(field string) string {
	name := strings.Map(func(r rune) rune {
		if r == '_' || r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return '_'
	}, field)
	if name == "" || unicode.IsDigit(rune(name[0])) {
		name = "field_" + name
	}
	return name
}

// keyLines compute the derived key fields before stats reads them.
func (c *compiler) keyLines() []string {
	if len(c.keyDefs) == 0 {
		return nil
	}
	return []string{"| eval " + strings.Join(c.keyDefs, ", ")}
}

// tstatsQuery: | tstats over the accelerated data model. Its where clause
// takes search terms only, so any comparison that needs the where command
// is refused rather than dropped.
func (c *compiler) tstatsQuery(searchParts, whereParts []*node) (string, error) {
	dm := c.src.Attr("datamodel")
	if dm == "" {
		if alts, _ := c.prof.Alternatives(c.r.LogSource); len(alts) > 1 && alts[0] != c.src {
			// A data model source may come first but lack what the rule reads.
			return "", c.refuse(c.r.LogSource.Pos, "the tstats variant", "profile %q reads log source %s for this rule from %s, which has no data model (the profile's earlier sources for it cannot express the rule); tstats reads accelerated data models", c.prof.Name, mapping.Describe(c.r.LogSource), c.src.Label)
		}
		return "", c.refuse(c.r.LogSource.Pos, "the tstats variant", "profile %q has no data model for log source %s; tstats reads accelerated data models", c.prof.Name, mapping.Describe(c.r.LogSource))
	}
	if len(whereParts) > 0 {
		a := firstWhereOnly(join(nAnd, whereParts))
		return "", c.refuse(a.pos, a.why, "tstats takes search terms only; this comparison needs the where command, which cannot run before tstats aggregates")
	}
	from := dm
	if ds := c.dataset(); ds != dm {
		from = dm + "." + ds
	}
	where := c.searchTerms(searchParts)
	if where != "" {
		where = " where " + where
	}
	head := "| tstats summariesonly=true fillnull_value=\"unknown\" "
	agg := c.r.Aggregation
	if agg == nil {
		by := c.tstatsBy()
		text := head + "count min(_time) as firstTime max(_time) as lastTime from datamodel=" + from + where
		if len(by) > 0 {
			text += " by " + strings.Join(by, " ")
		}
		return text, nil
	}
	span, err := c.span(agg)
	if err != nil {
		return "", err
	}
	groups, err := c.groupBy(agg)
	if err != nil {
		return "", err
	}
	stat, value := "count", "count"
	if agg.Func != rule.AggCount {
		f, err := c.aggField(agg)
		if err != nil {
			return "", err
		}
		value = agg.Func.String()
		fn := agg.Func.String()
		if agg.Func == rule.AggDistinctCount {
			fn = "dc"
		}
		stat = fn + "(" + f + ") as " + value
	}
	by := append([]string{"_time"}, groups...)
	return head + stat + " from datamodel=" + from + where + " by " + strings.Join(by, " ") + " span=" + span +
		"\n| where " + value + " " + agg.Op.Symbol() + " " + formatNumber(agg.Threshold), nil
}

// tstatsBy: the rule's display fields that map, else the fields its
// condition reads, so that each row says what matched; and the risk
// object, which the risk action reads from each row.
func (c *compiler) tstatsBy() []string {
	seen := map[string]bool{}
	var out []string
	add := func(field string) {
		f, err := c.prof.Field(c.src, field)
		if err != nil || len(f.Names) == 0 || !statsFieldOK(f.Names[0]) || seen[f.Names[0]] {
			return
		}
		seen[f.Names[0]] = true
		out = append(out, f.Names[0])
	}
	for _, f := range c.r.Fields {
		add(f)
	}
	if len(out) == 0 {
		var fields []string
		for _, s := range c.r.Searches {
			for _, g := range s.Groups {
				for _, m := range g.Matchers {
					if !m.IsKeyword() {
						fields = append(fields, m.Field)
					}
				}
			}
		}
		sort.Strings(fields)
		for _, f := range fields {
			add(f)
		}
	}
	if ro := c.src.Attr("risk_object"); ro != "" && !seen[ro] && statsFieldOK(ro) {
		out = append(out, ro)
	}
	return out
}
