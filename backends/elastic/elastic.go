// Package elastic compiles rules for Elastic Security: Lucene query_string
// queries (the default), ES|QL where Lucene cannot say a rule exactly
// (aggregations, two fields compared, analysed text, cidr on keyword
// fields) and EQL on request, with ECS or raw field names, and packages
// them as Kibana detection rules in the NDJSON form that the detection
// engine's import API accepts.
//
// ECS keyword fields are exact and case-sensitive while Sigma values match
// case-insensitively, so Lucene queries write a value that has letters as
// a regular expression with a class per letter (/[cC][mM][dD]/); see
// docs/backends/elastic.md.
package elastic

import (
	"embed"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/detc/detc/backends/elastic/lucenere"
	"github.com/detc/detc/backends/lower"
	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/rule"
)

// Name is the --target value.
const Name = "elastic"

// Query languages.
const (
	Lucene = "lucene"
	EQL    = "eql"
	ESQL   = "esql"
)

//go:embed profiles/*.yml
var profileFiles embed.FS

// schema lists the source attributes the Elastic backend reads: what a
// mapping file's attrs may set.
var schema = mapping.Register(mapping.Schema{Target: Name, Attrs: []string{"index", "category", "filter"}, Types: []string{
	// Elasticsearch's field types a detection can compare.
	"keyword", "constant_keyword", "wildcard", "text", "match_only_text",
	"long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float", "unsigned_long",
	"ip", "boolean", "date", "date_nanos",
}})

// builtin are the built-in profiles; ecs is the default.
var builtin = mapping.NewBuiltin(schema, profileFiles, "ecs", "raw")

// Backend is the Elastic target.
type Backend struct{}

// New returns the Elastic backend.
func New() target.Backend { return &Backend{} }

// Name implements target.Backend.
func (*Backend) Name() string { return Name }

// Title implements target.Backend.
func (*Backend) Title() string { return "Elastic" }

// Variants implements target.Backend: Elastic has none.
func (*Backend) Variants() []string { return nil }

// Profiles implements target.Backend: ecs (the default) and raw.
func (*Backend) Profiles() []string { return builtin.Names() }

// Langs implements target.Backend: lucene (the default where it is exact:
// chooseLang), eql and esql.
func (*Backend) Langs() []string { return []string{Lucene, EQL, ESQL} }

// Compile implements target.Backend.
func (b *Backend) Compile(r *check.Rule, opts target.Options) (*target.Query, error) {
	if err := target.CheckOptions(b, opts); err != nil {
		return nil, err
	}
	c, err := compile(r, opts)
	if err != nil {
		return nil, err
	}
	return c.query, nil
}

// compiled is a query with what the tests and the packager need to know
// about it: the field types it assumed.
type compiled struct {
	query *target.Query
	// types maps each target field the query names to its type (keyword,
	// wildcard, long, double, ip).
	types map[string]string
}

// Profile returns a built-in profile merged with the user's overrides.
func Profile(opts target.Options) (*mapping.Profile, error) {
	return builtin.Get(opts.Profile, opts.Overrides)
}

// compile resolves the profile, source and language, and emits the query.
func compile(r *check.Rule, opts target.Options) (*compiled, error) {
	p, err := Profile(opts)
	if err != nil {
		return nil, err
	}
	c := &compiler{r: r, profile: p, types: map[string]string{}}
	src, translated, err := lower.Source(r, p, Name)
	if err != nil {
		return nil, err
	}
	c.source, c.r = src, translated
	if c.r.Condition != nil {
		c.tree = lower.Condition(c.r, c.r.Condition)
	}
	if err := c.inferTypes(); err != nil {
		return nil, err
	}
	lang := opts.Lang
	if lang == "" {
		lang, c.chosenFor = c.chooseLang()
	}
	c.lang = lang
	var text string
	switch lang {
	case Lucene:
		text, err = c.lucene()
	case EQL:
		text, err = c.eql()
	default:
		text, err = c.esql()
	}
	if err != nil {
		return nil, err
	}
	return &compiled{
		query: &target.Query{Rule: r, Target: Name, Profile: p.Name, Lang: lang, Text: text, Source: src},
		types: c.types,
	}, nil
}

// compiler holds one rule's compilation.
type compiler struct {
	r       *check.Rule
	profile *mapping.Profile
	source  *mapping.Source
	lang    string
	// tree is the rule's condition, lowered once: the language choice and
	// the query both walk it.
	tree *lower.Node
	// chosenFor names what made the default language ES|QL (a rule
	// compiled without --lang), for the refusals of what ES|QL lacks.
	chosenFor string
	// types are the target fields' types, from the profile or inferred.
	types map[string]string
	// inferred are the raw profile's guesses, by Sigma field name.
	inferred map[string]string
}

// refuse builds the refusal; construct is a string or a lazyConstruct.
func (c *compiler) refuse(pos rule.Pos, construct any, reason string, args ...any) error {
	if !pos.IsValid() {
		pos = c.r.Pos
	}
	return target.Refuse(c.r.Rule, Name, c.profile.Name, pos, fmt.Sprint(construct), reason, args...)
}

// field is one target field a Sigma field maps to.
type field struct {
	Name string
	Type string
}

// Field type families.
const (
	tKeyword = "keyword"
	tLong    = "long"
	tDouble  = "double"
	tIP      = "ip"
)

func isNumeric(t string) bool {
	switch t {
	case "long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float", "unsigned_long":
		return true
	}
	return false
}

func isText(t string) bool { return t == "text" || t == "match_only_text" }

// chooseLang picks the language of a rule compiled without --lang, once,
// on its lowered condition: Lucene, unless the rule aggregates in a way a
// Kibana threshold rule cannot, or a comparison needs ES|QL (needsESQL).
// ES|QL expresses everything EQL can that Lucene cannot, so EQL is only
// ever asked for. It returns the language and, for ES|QL, what made it
// necessary.
func (c *compiler) chooseLang() (string, string) {
	if a := c.r.Aggregation; a != nil && thresholdOf(a) == nil {
		return ESQL, fmt.Sprintf("aggregation %s", a.Func)
	}
	if c.tree == nil {
		return Lucene, ""
	}
	for m := range c.tree.Matchers() {
		if why := c.needsESQL(m); why != "" {
			return ESQL, why
		}
	}
	return Lucene, ""
}

// needsESQL says which of a matcher's comparisons only ES|QL can write
// exactly, or "": a comparison of two fields (fieldref), any comparison
// with an analysed text field (Lucene and EQL match its words, ES|QL its
// value) and cidr on a keyword field (ES|QL reads the text as an address
// with TO_IP; Lucene and EQL test only ip fields).
func (c *compiler) needsESQL(m *rule.Matcher) string {
	if m.IsKeyword() {
		return ""
	}
	f, err := c.profile.Field(c.source, m.Field)
	if err != nil {
		return "" // refused when the query is written
	}
	t := f.Type
	if t == "" {
		t = c.inferred[m.Field]
	}
	if isText(t) {
		return fmt.Sprintf("the analysed %s field %q", t, m.Field)
	}
	for _, v := range m.Values {
		switch {
		case v.Kind == rule.KindFieldRef:
			return fmt.Sprintf("fieldref %q on field %q", v.Text, m.Field)
		case m.Op == rule.OpCIDR && isString(t):
			return fmt.Sprintf("cidr on the %s field %q", t, m.Field)
		}
	}
	return ""
}

func isString(t string) bool { return t == "keyword" || t == "wildcard" || t == "constant_keyword" }

// fields maps a Sigma field to its target fields.
func (c *compiler) fields(name string, pos rule.Pos) ([]field, error) {
	f, err := c.profile.Field(c.source, name)
	if err != nil {
		return nil, c.refuse(pos, fmt.Sprintf("field %q", name), "%s", mapping.Reason(err))
	}
	out := make([]field, 0, len(f.Names))
	for _, n := range f.Names {
		t := f.Type
		if t == "" {
			t = c.inferred[name]
		}
		switch {
		case isText(t) && c.lang != ESQL:
			return nil, c.refuse(pos, fmt.Sprintf("field %q (%s)", name, n), "it is an analysed %s field, whose terms are words, not the value, in %s; ES|QL compares the whole value (--lang esql), or add a keyword or wildcard form of it (a multi-field in your index template; the integrations declare none) and map the field to it with --mapping", t, c.lang)
		case isText(t):
			// ES|QL reads a text field's value, not its terms: compared as
			// a string (the index still holds a text field).
			c.types[n] = t
			out = append(out, field{Name: n, Type: tKeyword})
			continue
		case t != "" && !isString(t) && !isNumeric(t) && t != tIP && t != "boolean":
			return nil, c.refuse(pos, fmt.Sprintf("field %q (%s)", name, n), "type %q is not supported (keyword, wildcard, numeric, ip or boolean)", t)
		}
		c.types[n] = t
		out = append(out, field{Name: n, Type: t})
	}
	return out, nil
}

// use is how a matcher uses its field, for the raw profile's type guess.
type use uint8

const (
	useNeutral use = iota // exists, null, numbers and booleans compared for equality
	useString
	useNumber
	useIP
)

var useNames = [...]string{useNeutral: "", useString: "as a string", useNumber: "with a numeric comparison", useIP: "with cidr"}

func stringAndIP(a, b use) bool {
	return a == useString && b == useIP || a == useIP && b == useString
}

func matcherUse(m *rule.Matcher) use {
	switch m.Op {
	case rule.OpExists:
		return useNeutral
	case rule.OpCIDR:
		return useIP
	case rule.OpGt, rule.OpGte, rule.OpLt, rule.OpLte:
		return useNumber
	}
	for _, v := range m.Values {
		if v.Kind == rule.KindString || v.Kind == rule.KindRegex || v.Kind == rule.KindFieldRef {
			return useString
		}
	}
	return useNeutral
}

// inferTypes guesses field types where the profile gives none (the raw
// profile): an Elasticsearch field has one type, so a field used in two
// incompatible ways cannot be queried as the rule means. A field compared
// only with numbers for equality is taken as numeric, one only tested for
// existence, null or a boolean as keyword.
func (c *compiler) inferTypes() error {
	c.inferred = map[string]string{}
	uses := map[string]use{}
	numEq := map[string]bool{}
	decimal := map[string]bool{}
	var err error
	visit := func(m *rule.Matcher) {
		if err != nil || m.Field == "" {
			return
		}
		u := matcherUse(m)
		for _, v := range m.Values {
			if v.Kind == rule.KindNumber {
				numEq[m.Field] = true
				if v.Number != float64(int64(v.Number)) {
					decimal[m.Field] = true
				}
			}
		}
		if _, ok := uses[m.Field]; !ok {
			uses[m.Field] = useNeutral
		}
		if u == useNeutral {
			return
		}
		if prev := uses[m.Field]; prev != useNeutral && prev != u {
			if stringAndIP(prev, u) {
				// Only a keyword field holds both: the text is compared,
				// and ES|QL reads it as an address for cidr (TO_IP).
				uses[m.Field] = useString
				return
			}
			err = c.refuse(m.Pos, fmt.Sprintf("field %q", m.Field), "it is compared %s and %s elsewhere in the rule; an Elasticsearch field has one type", useNames[u], useNames[prev])
			return
		}
		uses[m.Field] = u
	}
	for _, s := range c.r.Searches {
		for _, g := range s.Groups {
			for _, m := range g.Matchers {
				visit(m)
				for _, v := range m.Values {
					if v.Kind == rule.KindFieldRef {
						// The other field is compared as text too.
						visit(&rule.Matcher{Field: v.Text, Op: m.Op, Values: []rule.Value{v}, Pos: v.Pos})
					}
				}
			}
		}
	}
	if a := c.r.Aggregation; a != nil {
		for _, f := range append(append([]string{}, a.GroupBy...), a.Field) {
			if _, ok := uses[f]; f != "" && !ok {
				uses[f] = useNeutral
			}
		}
		switch a.Func {
		case rule.AggSum, rule.AggAvg, rule.AggMin, rule.AggMax:
			visit(&rule.Matcher{Field: a.Field, Op: rule.OpGt, Pos: a.Pos})
		}
	}
	if err != nil {
		return err
	}
	for f, u := range uses {
		t := tKeyword
		switch {
		case u == useIP:
			t = tIP
		case u == useNumber || u == useNeutral && numEq[f]:
			t = tLong
			if decimal[f] {
				t = tDouble
			}
		}
		c.inferred[f] = t
	}
	return nil
}

// condition writes a checked condition (the rule's or a part's) as a tree
// whose leaves are one language's matcher clauses.
func (c *compiler) condition(e rule.Expr, matcher func(*rule.Matcher) (*node, error)) (*node, error) {
	if e == nil {
		return nil, c.refuse(c.r.Pos, "a rule without a condition", "there is nothing to search for")
	}
	if e == c.r.Condition && c.tree != nil {
		return c.lowered(c.tree, matcher)
	}
	return c.lowered(lower.Condition(c.r, e), matcher)
}

func (c *compiler) lowered(n *lower.Node, matcher func(*rule.Matcher) (*node, error)) (*node, error) {
	if n.Op == lower.Match {
		return matcher(n.Matcher)
	}
	kids := make([]*node, 0, len(n.Kids))
	for _, k := range n.Kids {
		x, err := c.lowered(k, matcher)
		if err != nil {
			return nil, err
		}
		kids = append(kids, x)
	}
	switch n.Op {
	case lower.And:
		return and(kids...), nil
	case lower.Or:
		return or(kids...), nil
	}
	return not(kids[0]), nil
}

// sourceFilter returns the source's exact conditions (event.category and
// the filter attribute) as field/value pairs, in a stable order. A value
// may list alternatives separated by "|" (event.code=17|18): see
// filterNode.
func (c *compiler) sourceFilter(withCategory bool) [][2]string {
	var out [][2]string
	if cat := c.source.Attr("category"); withCategory && cat != "" {
		out = append(out, [2]string{"event.category", cat})
	}
	var extra [][2]string
	for _, kv := range strings.Split(c.source.Attr("filter"), ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if ok && k != "" {
			extra = append(extra, [2]string{strings.TrimSpace(k), strings.TrimSpace(v)})
		}
	}
	sort.SliceStable(extra, func(i, j int) bool { return extra[i][0] < extra[j][0] })
	for _, kv := range extra {
		c.types[kv[0]] = tKeyword
	}
	if withCategory && len(out) > 0 {
		c.types["event.category"] = tKeyword
	}
	return append(out, extra...)
}

// filterNode is one source condition: the field equals the value, or one
// of its "|"-separated alternatives; term writes one comparison.
func filterNode(kv [2]string, term func(field, value string) *node) *node {
	var alts []*node
	for _, v := range strings.Split(kv[1], "|") {
		alts = append(alts, term(kv[0], strings.TrimSpace(v)))
	}
	return or(alts...)
}

// indexes returns the source's index patterns.
func indexes(src *mapping.Source) []string {
	var out []string
	for _, p := range strings.Split(src.Attr("index"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		out = []string{"logs-*"}
	}
	return out
}

// matcherNode builds a matcher's tree in any of the languages: each value
// against every field the Sigma field maps to (any may match), negated per
// value for neq, and the values ORed. value writes one comparison.
func (c *compiler) matcherNode(m *rule.Matcher, fs []field, value func(*rule.Matcher, rule.Value, field) (*node, error)) (*node, error) {
	values := make([]*node, 0, len(m.Values))
	for _, v := range m.Values {
		alts := make([]*node, 0, len(fs))
		for _, f := range fs {
			n, err := value(m, v, f)
			if err != nil {
				return nil, err
			}
			alts = append(alts, n)
		}
		n := or(alts...)
		if m.Negate {
			n = not(n)
		}
		values = append(values, n)
	}
	return or(values...), nil
}

// The checks below are the same in every language: a comparison that does
// not fit the field's type is refused before any syntax is written.

// cidr checks that a cidr value meets an ip field, or a keyword field
// whose text ES|QL reads as an address, and returns the network, host
// bits cleared.
func (c *compiler) cidr(v rule.Value, f field, construct any) (string, error) {
	if f.Type != tIP && !isString(f.Type) {
		return "", c.refuse(v.Pos, construct, "cidr needs an ip field")
	}
	p, err := netip.ParsePrefix(v.Text)
	if err != nil {
		return "", c.refuse(v.Pos, construct, "%v", err)
	}
	return p.Masked().String(), nil
}

// numeric checks that a gt/gte/lt/lte comparison meets a numeric field.
func (c *compiler) numeric(v rule.Value, f field, construct any) error {
	if !isNumeric(f.Type) {
		return c.refuse(v.Pos, construct, "a %s field compares as text, not as a number", typeName(f.Type))
	}
	return nil
}

// regex checks that a regular expression meets a keyword field and
// translates it to Lucene's dialect, which all three languages take.
func (c *compiler) regex(m *rule.Matcher, v rule.Value, f field, construct any) (string, error) {
	if !isString(f.Type) {
		return "", c.refuse(v.Pos, construct, "regular expressions apply to keyword fields")
	}
	re, err := lucenere.Regex(v.Text, m.Regex)
	if err != nil {
		return "", c.refuse(v.Pos, fmt.Sprintf("re %q on field %q", v.Text, m.Field), "%v", err)
	}
	return re, nil
}

// Mapping returns a built-in profile (docs list its sources).
func (*Backend) Mapping(profile string) (*mapping.Profile, error) {
	return Profile(target.Options{Profile: profile})
}
