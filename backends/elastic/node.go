package elastic

// node is a boolean tree whose leaves are clauses already written in one
// query language; each language renders the operators its own way.
type node struct {
	op   nodeOp
	kids []*node
	// text is a leaf's clause. safe, when set, is the clause written so
	// that a missing or multi-valued field gives false, not null (ES|QL's
	// three-valued logic needs it under NOT).
	text, safe string
	// field and term, when set, say the leaf is "field:term" in Lucene,
	// so that several terms on one field can share the field name.
	field, term string
}

type nodeOp uint8

const (
	opLeaf nodeOp = iota
	opAnd
	opOr
	opNot
)

func leaf(text string) *node { return &node{text: text} }

// and joins nodes, flattening nested ANDs; one node stays itself.
func and(kids ...*node) *node { return join(opAnd, kids) }

// or joins nodes, flattening nested ORs; one node stays itself.
func or(kids ...*node) *node { return join(opOr, kids) }

func join(op nodeOp, kids []*node) *node {
	if len(kids) == 1 {
		return kids[0]
	}
	n := &node{op: op}
	for _, k := range kids {
		if k.op == op {
			n.kids = append(n.kids, k.kids...)
		} else {
			n.kids = append(n.kids, k)
		}
	}
	return n
}

// not negates a node; a double negation cancels.
func not(x *node) *node {
	if x.op == opNot {
		return x.kids[0]
	}
	return &node{op: opNot, kids: []*node{x}}
}
