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
	"net/netip"
	"regexp"
	"sort"
	"sync/atomic"

	"github.com/detc/detc/internal/check"
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

// Compile checks a rule (internal/check) and compiles it into a Program;
// the Program is nil when the check finds an error.
func Compile(r *rule.Rule) (*Program, rule.Diagnostics) {
	c, diags := check.Run(r)
	if c == nil {
		return nil, diags
	}
	return New(c), diags
}

// New compiles a checked rule. The check phase has made sure that every
// search reference is bound and every value fits its comparison, so
// compiling cannot fail.
func New(c *check.Rule) *Program {
	r := c.Rule
	p := &Program{rule: r}
	index := map[string]int{}
	fields := map[string]bool{}
	for _, s := range r.Searches {
		cs := &search{name: s.Name}
		cs.number, cs.uses = searchNumber(s)
		for _, g := range s.Groups {
			var group []*matcher
			for _, m := range g.Matchers {
				group = append(group, compileMatcher(m))
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
		index[s.Name] = len(p.searches)
		p.searches = append(p.searches, cs)
	}
	if agg := r.Aggregation; agg != nil {
		for _, f := range agg.GroupBy {
			fields[f] = true
		}
		if agg.Field != "" {
			fields[agg.Field] = true
		}
	}
	for _, part := range c.Parts {
		p.parts = append(p.parts, compileExpr(part, index))
	}
	if c.Condition != nil {
		p.cond = compileExpr(c.Condition, index)
	} else {
		// A temporal rule's events are those that match any part.
		p.cond = node{kind: nodeOr, kids: p.parts}
	}
	for f := range fields {
		p.fields = append(p.fields, f)
	}
	sort.Strings(p.fields)
	p.need, p.needed = p.requirement(&p.cond)
	return p
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

// compileExpr compiles a checked condition: only And, Or, Not and bound
// search references.
func compileExpr(e rule.Expr, index map[string]int) node {
	kids := func(terms []rule.Expr) []node {
		out := make([]node, len(terms))
		for i, t := range terms {
			out[i] = compileExpr(t, index)
		}
		return out
	}
	switch e := e.(type) {
	case *rule.And:
		return node{kind: nodeAnd, kids: kids(e.Terms)}
	case *rule.Or:
		return node{kind: nodeOr, kids: kids(e.Terms)}
	case *rule.Not:
		return node{kind: nodeNot, kids: kids([]rule.Expr{e.X})}
	}
	return node{kind: nodeRef, search: index[e.(*rule.SearchRef).Name]}
}

// compileMatcher compiles a checked matcher: its values fit its comparison.
func compileMatcher(m *rule.Matcher) *matcher {
	cm := &matcher{src: m, field: m.Field, negate: m.Negate}
	if m.Field != "" {
		cm.number = fieldNumber(m.Field)
	}
	for _, v := range m.Values {
		vm := valueMatcher{}
		switch {
		case m.Op == rule.OpExists:
			vm.kind = vExists
			vm.truth = v.Text == "true"
		case v.Kind == rule.KindNull:
			vm.kind = vNull
		case v.Kind == rule.KindFieldRef:
			vm.kind = vFieldRef
			vm.text, vm.op, vm.cased = v.Text, m.Op, m.Cased
		case m.Op == rule.OpRegex:
			vm.kind = vRegex
			vm.re = regexp.MustCompile(m.Regex.Prefix() + v.Text) // checked
		case m.Op == rule.OpCIDR:
			vm.kind = vCIDR
			vm.cidr = netip.MustParsePrefix(v.Text).Masked() // checked
		case m.Op >= rule.OpGt && m.Op <= rule.OpLte:
			vm.kind, vm.op, vm.num = vCompare, m.Op, v.Number
		case v.Kind == rule.KindNumber && m.Op == rule.OpEquals:
			vm.kind, vm.num, vm.text = vNumber, v.Number, v.Text
		case v.Kind == rule.KindBool && m.Op == rule.OpEquals:
			vm.kind, vm.truth = vBool, v.Text == "true"
		default:
			pat := v.Pattern
			if v.Kind != rule.KindString {
				pat = rule.LiteralPattern(v.Text)
			}
			vm.kind = vString
			vm.str = newStrMatcher(pat, m.Op, m.Cased)
		}
		switch vm.kind {
		case vString, vRegex, vCIDR, vFieldRef:
			cm.needTxt = true
		}
		cm.values = append(cm.values, vm)
	}
	cm.values = groupLiterals(cm.values, m.Negate)
	cm.absent = absentResult(cm.values, cm.negate)
	if len(cm.values) == 1 && cm.values[0].kind == vStrSet && !cm.negate {
		cm.set = cm.values[0].set
	}
	return cm
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
