package rule

import (
	"path"
	"strings"
)

// Expr is a node of a condition tree. The set of node types is closed.
type Expr interface {
	Position() Pos
	// String is the node in Sigma condition syntax.
	String() string
	exprNode()
}

// And is true when every term is.
type And struct {
	Terms []Expr
	Pos   Pos
}

// Or is true when any term is.
type Or struct {
	Terms []Expr
	Pos   Pos
}

// Not negates its operand.
type Not struct {
	X   Expr
	Pos Pos
}

// SearchRef names one search.
type SearchRef struct {
	Name string
	Pos  Pos
}

// Quantified is "1 of x*", "all of x*", "1 of them", "all of them" and, for
// a plain identifier, "1 of sel" / "all of sel". Pattern is "them" or a
// search name that may hold * wildcards.
type Quantified struct {
	All     bool
	Pattern string
	Pos     Pos
}

func (e *And) Position() Pos        { return e.Pos }
func (e *Or) Position() Pos         { return e.Pos }
func (e *Not) Position() Pos        { return e.Pos }
func (e *SearchRef) Position() Pos  { return e.Pos }
func (e *Quantified) Position() Pos { return e.Pos }

func (*And) exprNode()        {}
func (*Or) exprNode()         {}
func (*Not) exprNode()        {}
func (*SearchRef) exprNode()  {}
func (*Quantified) exprNode() {}

// Names returns the searches a quantifier covers, in the rule's order.
// "them" covers every search whose name does not start with "_", as the
// Sigma specification says.
func (q *Quantified) Names(searches []*Search) []string {
	var names []string
	for _, s := range searches {
		if q.Pattern == "them" {
			if !strings.HasPrefix(s.Name, "_") {
				names = append(names, s.Name)
			}
			continue
		}
		if ok, _ := path.Match(q.Pattern, s.Name); ok {
			names = append(names, s.Name)
		}
	}
	return names
}

// Expand rewrites quantifiers into And / Or of search references, so that
// a consumer needs to handle only And, Or, Not and SearchRef. A quantifier
// that covers no search is returned unchanged; lint reports it.
func Expand(e Expr, searches []*Search) Expr {
	switch e := e.(type) {
	case *And:
		return &And{Terms: expandAll(e.Terms, searches), Pos: e.Pos}
	case *Or:
		return &Or{Terms: expandAll(e.Terms, searches), Pos: e.Pos}
	case *Not:
		return &Not{X: Expand(e.X, searches), Pos: e.Pos}
	case *Quantified:
		names := e.Names(searches)
		if len(names) == 0 {
			return e
		}
		terms := make([]Expr, len(names))
		for i, n := range names {
			terms[i] = &SearchRef{Name: n, Pos: e.Pos}
		}
		if len(terms) == 1 {
			return terms[0]
		}
		if e.All {
			return &And{Terms: terms, Pos: e.Pos}
		}
		return &Or{Terms: terms, Pos: e.Pos}
	default:
		return e
	}
}

func expandAll(terms []Expr, searches []*Search) []Expr {
	out := make([]Expr, len(terms))
	for i, t := range terms {
		out[i] = Expand(t, searches)
	}
	return out
}

// Walk calls fn for e and every node below it, parents first.
func Walk(e Expr, fn func(Expr)) {
	if e == nil {
		return
	}
	fn(e)
	switch e := e.(type) {
	case *And:
		for _, t := range e.Terms {
			Walk(t, fn)
		}
	case *Or:
		for _, t := range e.Terms {
			Walk(t, fn)
		}
	case *Not:
		Walk(e.X, fn)
	}
}

// String writes the node back in Sigma condition syntax, the one printer of
// conditions: lint messages, runbooks and tests use it. An and/or inside
// another operator is always parenthesised, even where precedence would
// not need it ("(a and b) or c"), so that readers never have to know the
// precedence; parsing the text gives the same tree again (positions
// aside; fuzzed in internal/condition).
func (e *And) String() string        { return format(e) }
func (e *Or) String() string         { return format(e) }
func (e *Not) String() string        { return format(e) }
func (e *SearchRef) String() string  { return e.Name }
func (e *Quantified) String() string { return format(e) }

func format(e Expr) string {
	var b strings.Builder
	formatTo(&b, e, true)
	return b.String()
}

func formatTo(b *strings.Builder, e Expr, top bool) {
	switch e := e.(type) {
	case *Or:
		formatJoin(b, e.Terms, " or ", top)
	case *And:
		formatJoin(b, e.Terms, " and ", top)
	case *Not:
		b.WriteString("not ")
		formatTo(b, e.X, false)
	case *SearchRef:
		b.WriteString(e.Name)
	case *Quantified:
		if e.All {
			b.WriteString("all of ")
		} else {
			b.WriteString("1 of ")
		}
		b.WriteString(e.Pattern)
	}
}

func formatJoin(b *strings.Builder, terms []Expr, sep string, top bool) {
	if !top {
		b.WriteByte('(')
		defer b.WriteByte(')')
	}
	for i, t := range terms {
		if i > 0 {
			b.WriteString(sep)
		}
		formatTo(b, t, false)
	}
}
