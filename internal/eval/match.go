package eval

import (
	"net/netip"
	"strings"

	"github.com/detc/detc/internal/rule"
)

// input is the event being matched, and the FlatEvent behind it when it
// has one, found once per Match so that matchers read fields by number
// without an interface call (FlatEvent.lookup).
type input struct {
	ev   Event
	flat *FlatEvent
}

func newInput(ev Event) input {
	switch e := ev.(type) {
	case *FlatEvent:
		return input{ev: ev, flat: e}
	case flatHolder:
		return input{ev: ev, flat: e.flatEvent()}
	}
	return input{ev: ev}
}

// Match reports whether the event matches the rule's condition. For an
// aggregating rule this says whether the event counts towards the
// aggregation. Searches are evaluated lazily, as the condition needs them.
func (p *Program) Match(ev Event) bool {
	in := newInput(ev)
	if p.needed && in.flat != nil && !in.flat.anyPresent(p.need) {
		return false
	}
	return p.evalNode(&p.cond, in)
}

func (p *Program) evalNode(n *node, in input) bool {
	switch n.kind {
	case nodeAnd:
		for i := range n.kids {
			if !p.evalNode(&n.kids[i], in) {
				return false
			}
		}
		return true
	case nodeOr:
		for i := range n.kids {
			if p.evalNode(&n.kids[i], in) {
				return true
			}
		}
		return false
	case nodeNot:
		return !p.evalNode(&n.kids[0], in)
	default:
		return p.searches[n.search].eval(in)
	}
}

// eval is match, remembered by a FlatEvent for the other rules that have
// the same search.
func (s *search) eval(in input) bool {
	if in.flat == nil || s.uses.Load() < 2 {
		return s.match(in)
	}
	if r, ok := in.flat.recall(s.number); ok {
		return r
	}
	r := s.match(in)
	in.flat.remember(s.number, r)
	return r
}

// match: a search is an OR of groups, a group an AND of matchers.
func (s *search) match(in input) bool {
	for _, g := range s.groups {
		if failing(g, in) < 0 {
			return true
		}
	}
	return false
}

// failing returns the index of the first matcher of the group that does
// not match, or -1 when the whole group matches.
func failing(g []*matcher, in input) int {
	for i, m := range g {
		if !m.match(in) {
			return i
		}
	}
	return -1
}

// subject is one event value prepared once for all of a matcher's values.
type subject struct {
	v       Value
	text    string
	hasText bool
	ascii   uint8 // 0 not known yet, 1 ASCII, 2 not ASCII
}

func (m *matcher) subject(v Value) subject {
	s := subject{v: v}
	if m.needTxt {
		s.text, s.hasText = v.Text()
	}
	return s
}

// isASCII reports whether the text is pure ASCII, scanning it at most once.
func (s *subject) isASCII() bool {
	if s.ascii == 0 {
		s.ascii = 2
		if isASCII(s.text) {
			s.ascii = 1
		}
	}
	return s.ascii == 1
}

// match applies the matcher to the event: its values are ORed, and with
// Negate each value's result is inverted before the OR.
func (m *matcher) match(in input) bool {
	if m.field == "" {
		return m.matchKeyword(in)
	}
	if in.flat != nil {
		p := in.flat.lookup(m.number, m.field)
		if p == nil {
			return m.absent
		}
		if m.set != nil && p.Kind != KindList {
			t, ok := p.Text()
			return ok && m.set.match(t)
		}
		return m.matchValue(*p, in.ev)
	}
	v, ok := in.ev.Field(m.field)
	if !ok {
		return m.absent
	}
	return m.matchValue(v, in.ev)
}

// matchValue applies the matcher to the field's value.
func (m *matcher) matchValue(v Value, ev Event) bool {
	if v.Kind == KindList {
		for i := range m.values {
			if m.values[i].testList(m, v, ev) != m.negate {
				return true
			}
		}
		return false
	}
	if m.set != nil {
		t, ok := v.Text()
		return ok && m.set.match(t)
	}
	sub := m.subject(v)
	for i := range m.values {
		if m.values[i].test(&sub, true, ev) != m.negate {
			return true
		}
	}
	return false
}

// testList applies one value to an array: it matches when any element
// does. null and exists look at the array as a whole.
func (vm *valueMatcher) testList(m *matcher, v Value, ev Event) bool {
	switch vm.kind {
	case vNull, vExists:
		sub := subject{v: v}
		return vm.test(&sub, true, ev)
	}
	for _, el := range v.List {
		if el.Kind == KindList {
			if vm.testList(m, el, ev) {
				return true
			}
			continue
		}
		sub := m.subject(el)
		if vm.test(&sub, true, ev) {
			return true
		}
	}
	return false
}

// test applies one value to one event value; present is false when the
// event lacks the field. Only null and exists:false hold for an absent
// field.
func (vm *valueMatcher) test(sub *subject, present bool, ev Event) bool {
	switch vm.kind {
	case vNull:
		return !present || sub.v.isEmpty()
	case vExists:
		return (present && sub.v.Kind != KindNull) == vm.truth
	}
	if !present {
		return false
	}
	switch vm.kind {
	case vString:
		return sub.hasText && vm.str.match(sub)
	case vStrSet:
		return sub.hasText && vm.set.match(sub.text)
	case vNumber:
		f, ok := sub.v.Float()
		return ok && f == vm.num
	case vBool:
		switch sub.v.Kind {
		case KindBool:
			return (sub.v.Str == "true") == vm.truth
		case KindString:
			return strings.EqualFold(sub.v.Str, boolText(vm.truth))
		}
		return false
	case vRegex:
		return sub.hasText && vm.re.MatchString(sub.text)
	case vCIDR:
		return sub.hasText && cidrContains(vm.cidr, sub.text)
	case vCompare:
		f, ok := sub.v.Float()
		if !ok {
			return false
		}
		switch vm.op {
		case rule.OpGt:
			return f > vm.num
		case rule.OpGte:
			return f >= vm.num
		case rule.OpLt:
			return f < vm.num
		default:
			return f <= vm.num
		}
	case vFieldRef:
		other, ok := ev.Field(vm.text)
		return ok && sub.hasText && vm.refMatch(sub.text, other)
	}
	return false
}

func (vm *valueMatcher) refMatch(s string, other Value) bool {
	if other.Kind == KindList {
		for _, el := range other.List {
			if vm.refMatch(s, el) {
				return true
			}
		}
		return false
	}
	t, ok := other.Text()
	return ok && compareText(s, t, vm.op, vm.cased)
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// cidrContains parses s as an IP address (an IPv6 zone is dropped, and an
// IPv4-mapped IPv6 address counts as IPv4 for an IPv4 network).
func cidrContains(p netip.Prefix, s string) bool {
	if s == "" || !(s[0] == ':' || isHexDigit(s[0])) {
		return false // not an address: skip the parser's error value
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return false
	}
	addr = addr.WithZone("")
	if p.Addr().Is4() {
		addr = addr.Unmap()
	}
	return p.Contains(addr)
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// matchKeyword applies a keyword matcher: a value matches when any string
// value of the event does.
func (m *matcher) matchKeyword(in input) bool {
	for i := range m.values {
		if m.keywordFound(&m.values[i], in) != m.negate {
			return true
		}
	}
	return false
}

func (m *matcher) keywordFound(vm *valueMatcher, in input) bool {
	if in.flat != nil {
		// The common case, without a closure.
		for _, v := range in.flat.Values {
			if m.keywordIn(vm, v, in.ev) {
				return true
			}
		}
		return false
	}
	found := false
	in.ev.Each(func(v Value) bool {
		found = m.keywordIn(vm, v, in.ev)
		return !found
	})
	return found
}

func (m *matcher) keywordIn(vm *valueMatcher, v Value, ev Event) bool {
	switch v.Kind {
	case KindString:
		sub := m.subject(v)
		return vm.test(&sub, true, ev)
	case KindList:
		for _, el := range v.List {
			if m.keywordIn(vm, el, ev) {
				return true
			}
		}
	}
	return false
}

// MatchesText reports whether the matcher alone matches an event whose
// field holds the text s: the evaluator's decision, for code that must
// know how a rule's comparison treats a given value (mapping's renamed
// values).
func MatchesText(m *rule.Matcher, s string) bool {
	return compileMatcher(m).match(newInput(MapEvent{m.Field: s}))
}
