package eval

import "slices"

// requirement finds fields the event must have for node n to hold: when
// ok, n is false for every event that has none of the fields numbered in
// need. Match then rejects such an event by looking at its index, without
// running the condition. It is how a rule for another log source (a DNS
// rule on proxy events, whose log source a JSON Lines file cannot tell)
// costs almost nothing.
//
// A matcher needs its field unless it holds for an absent field (null,
// exists: false, neq); a group (AND) needs what any of its matchers needs,
// a search (OR) the union of its groups' needs; likewise for and, or; not
// needs nothing.
func (p *Program) requirement(n *node) (need []int32, ok bool) {
	switch n.kind {
	case nodeAnd:
		for i := range n.kids {
			if kid, ok := p.requirement(&n.kids[i]); ok && (need == nil || len(kid) < len(need)) {
				need = kid
			}
		}
		return need, need != nil
	case nodeOr:
		need = []int32{}
		for i := range n.kids {
			kid, ok := p.requirement(&n.kids[i])
			if !ok {
				return nil, false
			}
			need = union(need, kid)
		}
		return need, true
	case nodeNot:
		return nil, false
	default:
		need = []int32{}
		for _, g := range p.searches[n.search].groups {
			kid, ok := groupRequirement(g)
			if !ok {
				return nil, false
			}
			need = union(need, kid)
		}
		return need, true
	}
}

func groupRequirement(g []*matcher) ([]int32, bool) {
	for _, m := range g {
		if m.field != "" && !m.absent {
			return []int32{m.number}, true
		}
	}
	return nil, false
}

func union(a, b []int32) []int32 {
	for _, n := range b {
		if !slices.Contains(a, n) {
			a = append(a, n)
		}
	}
	return a
}
