// Package lower is the one lowering of a checked rule's condition that
// every backend shares: search references are replaced by their searches,
// each the OR of its groups, each group the AND of its matchers. A backend
// only turns the leaves (matchers) into its own comparisons and writes the
// operators, so how a condition is read (quantifiers, references, what an
// empty group means: the check phase refuses it) is decided here once.
//
// The tree keeps the condition's shape (no flattening, no reordering), so
// that each backend's output is what its own walk gave before.
package lower

import (
	"iter"

	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/rule"
)

// Op is a node's operation.
type Op uint8

// Operations. A Match node is a leaf: one matcher.
const (
	And Op = iota
	Or
	Not
	Match
)

// Node is one node of a lowered condition.
type Node struct {
	Op Op
	// Kids are the operands of And and Or (at least one) and of Not
	// (exactly one).
	Kids []*Node
	// Matcher is a Match node's comparison.
	Matcher *rule.Matcher
	// Search is set on the Or node a search reference became.
	Search *rule.Search
}

// Condition lowers a checked condition (c.Condition or one of c.Parts).
func Condition(c *check.Rule, e rule.Expr) *Node {
	switch e := e.(type) {
	case *rule.And:
		return &Node{Op: And, Kids: conditions(c, e.Terms)}
	case *rule.Or:
		return &Node{Op: Or, Kids: conditions(c, e.Terms)}
	case *rule.Not:
		return &Node{Op: Not, Kids: []*Node{Condition(c, e.X)}}
	}
	s := c.Search(e.(*rule.SearchRef))
	n := &Node{Op: Or, Search: s, Kids: make([]*Node, len(s.Groups))}
	for i, g := range s.Groups {
		and := &Node{Op: And, Kids: make([]*Node, len(g.Matchers))}
		for j, m := range g.Matchers {
			and.Kids[j] = &Node{Op: Match, Matcher: m}
		}
		n.Kids[i] = and
	}
	return n
}

func conditions(c *check.Rule, es []rule.Expr) []*Node {
	out := make([]*Node, len(es))
	for i, e := range es {
		out[i] = Condition(c, e)
	}
	return out
}

// Matchers yields the tree's leaves, left to right: what a backend looks
// at to decide, once per rule, how the rule can be written (the Elastic
// target's choice of query language).
func (n *Node) Matchers() iter.Seq[*rule.Matcher] {
	return func(yield func(*rule.Matcher) bool) { n.walk(yield) }
}

func (n *Node) walk(yield func(*rule.Matcher) bool) bool {
	if n.Op == Match {
		return yield(n.Matcher)
	}
	for _, k := range n.Kids {
		if !k.walk(yield) {
			return false
		}
	}
	return true
}
