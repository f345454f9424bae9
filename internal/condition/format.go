package condition

import (
	"strings"

	"github.com/detc/detc/internal/rule"
)

// Format writes a condition tree back in Sigma syntax. It adds parentheses
// only where the tree's shape needs them, so Parse(Format(e)) gives e again
// (positions aside). Messages and formatters use it to show a condition.
func Format(e rule.Expr) string {
	var b strings.Builder
	format(&b, e, 0)
	return b.String()
}

// precedence of each node kind: a child with a precedence not above its
// parent's needs parentheses (n-ary nodes keep their grouping that way).
func precedence(e rule.Expr) int {
	switch e.(type) {
	case *rule.Or:
		return 1
	case *rule.And:
		return 2
	case *rule.Not:
		return 3
	}
	return 4
}

func format(b *strings.Builder, e rule.Expr, parent int) {
	if precedence(e) <= parent {
		b.WriteByte('(')
		defer b.WriteByte(')')
	}
	switch e := e.(type) {
	case *rule.Or:
		join(b, e.Terms, " or ", 1)
	case *rule.And:
		join(b, e.Terms, " and ", 2)
	case *rule.Not:
		b.WriteString("not ")
		// "not not x" needs no parentheses; a Not's precedence is 3.
		format(b, e.X, 2)
	case *rule.SearchRef:
		b.WriteString(e.Name)
	case *rule.Quantified:
		if e.All {
			b.WriteString("all of ")
		} else {
			b.WriteString("1 of ")
		}
		b.WriteString(e.Pattern)
	}
}

func join(b *strings.Builder, terms []rule.Expr, sep string, prec int) {
	for i, t := range terms {
		if i > 0 {
			b.WriteString(sep)
		}
		format(b, t, prec)
	}
}
