// Package eval is detc's evaluator: it decides whether an event matches a
// rule, with exactly the semantics of the rule model, and runs a rule's
// aggregation over a time-ordered stream. It is the oracle that fixture
// tests and every backend's proof compare against.
//
// A rule is compiled once into a Program (patterns into matchers, regexes,
// networks and numbers parsed); matching an event then allocates nothing
// for events held in a FlatEvent. A Program is safe for concurrent use.
package eval

import (
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"sync/atomic"

	"github.com/detc/detc/internal/rule"
)

// Program is a compiled rule.
type Program struct {
	rule     *rule.Rule
	searches []*search
	cond     node
	// parts are the compiled sub-conditions of a temporal aggregation.
	parts    []node
	fields   []string
	keywords bool
	// need, when needed is set, numbers fields of which the event must
	// have one for the condition to hold (requirement).
	need   []int32
	needed bool
}

type search struct {
	name   string
	number int32         // searchNumber: equal for searches that match alike
	uses   *atomic.Int32 // how many compiled searches have the number
	groups [][]*matcher
}

// nodeKind is a condition node's operation.
type nodeKind uint8

const (
	nodeAnd nodeKind = iota
	nodeOr
	nodeNot
	nodeRef
)

type node struct {
	kind   nodeKind
	kids   []node
	search int // nodeRef: index into Program.searches
}

// matcher is a compiled rule.Matcher.
type matcher struct {
	src     *rule.Matcher
	field   string // "" for a keyword
	number  int32  // the field's number (fieldNumber)
	negate  bool
	values  []valueMatcher
	set     *litSet // the one value, when it is a litSet (matched directly)
	needTxt bool    // some value compares text
	// absent is the result when the event lacks the field: it depends on
	// the values only (null and exists:false hold, neq inverts).
	absent bool
}

// valueKind is what a compiled value tests.
type valueKind uint8

const (
	vString valueKind = iota
	vNumber
	vBool
	vNull
	vRegex
	vCIDR
	vCompare
	vExists
	vFieldRef
	vStrSet // many literal strings at once (litSet)
)

type valueMatcher struct {
	kind  valueKind
	str   *strMatcher
	set   *litSet
	num   float64
	text  string // vNumber: the rule's text; vFieldRef: the other field
	truth bool   // vBool, vExists
	re    *regexp.Regexp
	cidr  netip.Prefix
	op    rule.Op // vCompare, vFieldRef
	cased bool    // vFieldRef
}

// Compile turns a rule into a Program. Errors (an unknown search in the
// condition, an unresolved placeholder, a value its comparison cannot use)
// leave the Program nil.
func Compile(r *rule.Rule) (*Program, rule.Diagnostics) {
	var diags rule.Diagnostics
	p := &Program{rule: r}
	index := map[string]int{}
	fields := map[string]bool{}
	for _, s := range r.Searches {
		cs := &search{name: s.Name}
		cs.number, cs.uses = searchNumber(s)
		for _, g := range s.Groups {
			var group []*matcher
			for _, m := range g.Matchers {
				cm, d := compileMatcher(m)
				diags = append(diags, d...)
				group = append(group, cm)
				if m.IsKeyword() {
					p.keywords = true
				} else {
					fields[m.Field] = true
				}
				for _, v := range m.Values {
					if v.Kind == rule.KindFieldRef {
						fields[v.Text] = true
					}
				}
			}
			cs.groups = append(cs.groups, group)
		}
		if _, dup := index[s.Name]; dup {
			diags.Errorf(s.Pos, "duplicate-search", "search %q is defined twice", s.Name)
		}
		index[s.Name] = len(p.searches)
		p.searches = append(p.searches, cs)
	}
	agg := r.Aggregation
	if agg != nil {
		diags = append(diags, checkAggregation(agg)...)
		for _, f := range agg.GroupBy {
			fields[f] = true
		}
		if agg.Field != "" {
			fields[agg.Field] = true
		}
		for _, part := range agg.Parts {
			n, d := compileExpr(rule.Expand(part, r.Searches), index)
			diags = append(diags, d...)
			p.parts = append(p.parts, n)
		}
	}
	switch {
	case r.Condition != nil:
		n, d := compileExpr(rule.Expand(r.Condition, r.Searches), index)
		diags = append(diags, d...)
		p.cond = n
	case agg != nil && agg.Func == rule.AggTemporal:
		// A temporal rule's events are those that match any part.
		p.cond = node{kind: nodeOr, kids: p.parts}
	case r.Correlation != nil:
		diags.Errorf(r.Pos, "no-condition", "correlation rule %q is not resolved: the rules it names were not loaded with it", r.ID)
	default:
		diags.Errorf(r.Pos, "no-condition", "rule %q has no condition", r.ID)
	}
	for f := range fields {
		p.fields = append(p.fields, f)
	}
	sort.Strings(p.fields)
	if diags.HasErrors() {
		return nil, diags
	}
	p.need, p.needed = p.requirement(&p.cond)
	return p, diags
}

// Rule returns the rule the program was compiled from.
func (p *Program) Rule() *rule.Rule { return p.rule }

// Fields returns the event fields the rule reads (matchers, field
// references, aggregation field and group-by), sorted. A reader that
// extracts only these gives the same results, unless NeedsKeywords.
func (p *Program) Fields() []string { return p.fields }

// NeedsKeywords reports whether the rule has keyword searches, which read
// every string value of the event, not only Fields.
func (p *Program) NeedsKeywords() bool { return p.keywords }

func checkAggregation(a *rule.Aggregation) rule.Diagnostics {
	var diags rule.Diagnostics
	if a.Window <= 0 {
		diags.Errorf(a.Pos, "bad-aggregation", "aggregation window must be positive, not %s", a.Window)
	}
	switch a.Func {
	case rule.AggTemporal:
		if len(a.Parts) == 0 {
			diags.Errorf(a.Pos, "bad-aggregation", "temporal aggregation has no parts")
		}
		if len(a.Parts) > 64 {
			diags.Errorf(a.Pos, "bad-aggregation", "temporal aggregation has %d parts; at most 64 are supported", len(a.Parts))
		}
	case rule.AggDistinctCount, rule.AggSum, rule.AggAvg, rule.AggMin, rule.AggMax:
		if a.Field == "" {
			diags.Errorf(a.Pos, "bad-aggregation", "aggregation %s needs a field", a.Func)
		}
	}
	return diags
}

func compileExpr(e rule.Expr, index map[string]int) (node, rule.Diagnostics) {
	var diags rule.Diagnostics
	var kids func(terms []rule.Expr) []node
	kids = func(terms []rule.Expr) []node {
		out := make([]node, len(terms))
		for i, t := range terms {
			n, d := compileExpr(t, index)
			diags = append(diags, d...)
			out[i] = n
		}
		return out
	}
	switch e := e.(type) {
	case *rule.And:
		return node{kind: nodeAnd, kids: kids(e.Terms)}, diags
	case *rule.Or:
		return node{kind: nodeOr, kids: kids(e.Terms)}, diags
	case *rule.Not:
		return node{kind: nodeNot, kids: kids([]rule.Expr{e.X})}, diags
	case *rule.SearchRef:
		i, ok := index[e.Name]
		if !ok {
			diags.Errorf(e.Pos, "unknown-search", "condition refers to search %q, which the rule does not define", e.Name)
		}
		return node{kind: nodeRef, search: i}, diags
	case *rule.Quantified:
		// Expand leaves a quantifier only when it covers no search.
		diags.Errorf(e.Pos, "unknown-search", "no search matches %q in the condition", e.Pattern)
		return node{kind: nodeOr}, diags
	}
	diags.Errorf(rule.Pos{}, "bad-condition", "condition node %T is not supported", e)
	return node{kind: nodeOr}, diags
}

func compileMatcher(m *rule.Matcher) (*matcher, rule.Diagnostics) {
	var diags rule.Diagnostics
	cm := &matcher{src: m, field: m.Field, negate: m.Negate}
	field := m.Field
	if field == "" {
		field = "keywords"
	} else {
		cm.number = fieldNumber(m.Field)
	}
	for _, v := range m.Values {
		vm := valueMatcher{}
		bad := func(why string) {
			diags.Errorf(v.Pos, "bad-value", "field %q: %s", field, why)
		}
		switch {
		case v.Kind == rule.KindPlaceholder:
			bad(fmt.Sprintf("unresolved placeholder %%%s%%: the evaluator needs its values", v.Text))
		case m.Op == rule.OpExists:
			vm.kind = vExists
			vm.truth = v.Text == "true"
			if v.Kind != rule.KindBool {
				bad("exists takes true or false")
			}
		case v.Kind == rule.KindNull:
			vm.kind = vNull
			if m.Op != rule.OpEquals {
				bad("null can only be compared for equality")
			}
		case v.Kind == rule.KindFieldRef:
			vm.kind = vFieldRef
			vm.text, vm.op, vm.cased = v.Text, m.Op, m.Cased
			if m.Op > rule.OpEndsWith {
				bad(fmt.Sprintf("fieldref cannot be combined with %s", m.Op))
			}
		case m.Op == rule.OpRegex:
			vm.kind = vRegex
			re, err := regexp.Compile(regexFlags(m.Regex) + v.Text)
			if err != nil {
				bad(fmt.Sprintf("regular expression %q does not compile: %v", v.Text, err))
			}
			vm.re = re
		case m.Op == rule.OpCIDR:
			vm.kind = vCIDR
			pfx, err := netip.ParsePrefix(v.Text)
			if err != nil {
				bad(fmt.Sprintf("cidr needs a network such as 10.0.0.0/8: %v", err))
			}
			vm.cidr = pfx.Masked()
		case m.Op >= rule.OpGt && m.Op <= rule.OpLte:
			vm.kind, vm.op, vm.num = vCompare, m.Op, v.Number
			if v.Kind != rule.KindNumber {
				bad(fmt.Sprintf("%s needs a number, not %q", m.Op, v.Text))
			}
		case v.Kind == rule.KindNumber && m.Op == rule.OpEquals:
			vm.kind, vm.num, vm.text = vNumber, v.Number, v.Text
		case v.Kind == rule.KindBool && m.Op == rule.OpEquals:
			vm.kind, vm.truth = vBool, v.Text == "true"
		case v.Kind == rule.KindString || v.Kind == rule.KindNumber || v.Kind == rule.KindBool:
			pat := v.Pattern
			if v.Kind != rule.KindString {
				pat = rule.LiteralPattern(v.Text)
			}
			vm.kind = vString
			vm.str = newStrMatcher(pat, m.Op, m.Cased)
		default:
			bad(fmt.Sprintf("a %s value cannot be used with %s", kindName(v.Kind), m.Op))
		}
		switch vm.kind {
		case vString, vRegex, vCIDR, vFieldRef:
			cm.needTxt = true
		}
		cm.values = append(cm.values, vm)
	}
	if !diags.HasErrors() {
		cm.values = groupLiterals(cm.values, m.Negate)
	}
	cm.absent = absentResult(cm.values, cm.negate)
	if len(cm.values) == 1 && cm.values[0].kind == vStrSet && !cm.negate {
		cm.set = cm.values[0].set
	}
	return cm, diags
}

// absentResult is what a matcher's values give for an event without the
// field: test sees no value and touches no event.
func absentResult(values []valueMatcher, negate bool) bool {
	for i := range values {
		var none subject
		if values[i].test(&none, false, nil) != negate {
			return true
		}
	}
	return false
}

// groupLiterals replaces a matcher's literal string values (no wildcards)
// with one litSet when there are enough of them. The values are ORed, so
// their order does not matter; under neq each value is inverted before
// the OR, which a set cannot do, so those matchers keep their values.
func groupLiterals(values []valueMatcher, negate bool) []valueMatcher {
	if negate {
		return values
	}
	var lits []string
	var mode strMode
	var cased bool
	for _, vm := range values {
		if vm.kind == vString && vm.str.mode != modeGlob {
			lits = append(lits, vm.str.lit)
			mode, cased = vm.str.mode, vm.str.cased
		}
	}
	if len(lits) < minSetValues {
		return values
	}
	out := []valueMatcher{{kind: vStrSet, set: newLitSet(mode, cased, lits)}}
	for _, vm := range values {
		if vm.kind != vString || vm.str.mode == modeGlob {
			out = append(out, vm)
		}
	}
	return out
}

func kindName(k rule.ValueKind) string {
	names := [...]string{"string", "number", "bool", "null", "regex", "cidr", "fieldref", "placeholder"}
	if int(k) < len(names) {
		return names[k]
	}
	return "kind " + strconv.Itoa(int(k))
}

func regexFlags(f rule.RegexFlags) string {
	flags := ""
	if f.IgnoreCase {
		flags += "i"
	}
	if f.Multiline {
		flags += "m"
	}
	if f.DotAll {
		flags += "s"
	}
	if flags == "" {
		return ""
	}
	return "(?" + flags + ")"
}
