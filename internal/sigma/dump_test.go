package sigma

import (
	"fmt"
	"strings"

	"github.com/detc/detc/internal/rule"
)

func at(p rule.Pos) string { return fmt.Sprintf("@%d:%d", p.Line, p.Col) }

// dumpExpr writes a condition with each node's position, compactly, for
// table tests (golden files use testutil.Dump).
func dumpExpr(e rule.Expr) string {
	var b strings.Builder
	var walk func(rule.Expr)
	list := func(name string, pos rule.Pos, terms []rule.Expr) {
		fmt.Fprintf(&b, "%s%s(", name, at(pos))
		for i, t := range terms {
			if i > 0 {
				b.WriteString(", ")
			}
			walk(t)
		}
		b.WriteString(")")
	}
	walk = func(e rule.Expr) {
		switch e := e.(type) {
		case *rule.And:
			list("and", e.Pos, e.Terms)
		case *rule.Or:
			list("or", e.Pos, e.Terms)
		case *rule.Not:
			list("not", e.Pos, []rule.Expr{e.X})
		case *rule.SearchRef:
			fmt.Fprintf(&b, "%s%s", e.Name, at(e.Pos))
		case *rule.Quantified:
			q := "1"
			if e.All {
				q = "all"
			}
			fmt.Fprintf(&b, "%s_of(%s)%s", q, e.Pattern, at(e.Pos))
		}
	}
	walk(e)
	return b.String()
}
