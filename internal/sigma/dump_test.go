package sigma

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/detc/detc/internal/rule"
)

// dump renders loaded rules as deterministic text with positions, for table
// tests and golden files: one line per node, indented by depth.
func dump(rules []*rule.Rule) string {
	var b strings.Builder
	for _, r := range rules {
		dumpRule(&b, r)
	}
	return b.String()
}

func at(p rule.Pos) string { return fmt.Sprintf("@%d:%d", p.Line, p.Col) }

func dumpRule(b *strings.Builder, r *rule.Rule) {
	fmt.Fprintf(b, "rule id=%q name=%q @%s\n", r.ID, r.Name, r.Pos)
	line := func(key string, v any) {
		switch v := v.(type) {
		case string:
			if v != "" {
				fmt.Fprintf(b, "  %s: %q\n", key, v)
			}
		case []string:
			if len(v) > 0 {
				fmt.Fprintf(b, "  %s: %q\n", key, v)
			}
		}
	}
	line("title", r.Title)
	line("status", r.Status)
	line("level", r.Level)
	line("description", r.Description)
	line("author", r.Author)
	line("date", r.Date)
	line("modified", r.Modified)
	line("references", r.References)
	line("tags", r.Tags)
	line("falsepositives", r.FalsePositives)
	line("fields", r.Fields)
	if len(r.Attack.Tactics)+len(r.Attack.Techniques) > 0 {
		fmt.Fprintf(b, "  attack: tactics=%v techniques=%v %s\n", r.Attack.Tactics, r.Attack.Techniques, at(r.Attack.Pos))
	}
	if ls := r.LogSource; ls != (rule.LogSource{}) {
		fmt.Fprintf(b, "  logsource: category=%q product=%q service=%q %s\n", ls.Category, ls.Product, ls.Service, at(ls.Pos))
	}
	for _, s := range r.Searches {
		fmt.Fprintf(b, "  search %s %s\n", s.Name, at(s.Pos))
		for _, g := range s.Groups {
			fmt.Fprintf(b, "    group %s\n", at(g.Pos))
			for _, m := range g.Matchers {
				dumpMatcher(b, m)
			}
		}
	}
	if r.Condition != nil {
		fmt.Fprintf(b, "  condition: %s\n", dumpExpr(r.Condition))
	}
	if a := r.Aggregation; a != nil {
		fmt.Fprintf(b, "  aggregation: %s field=%q by=%q window=%s %s %s %s\n", a.Func, a.Field, a.GroupBy, a.Window, a.Op.Symbol(),
			strconv.FormatFloat(a.Threshold, 'f', -1, 64), at(a.Pos))
		for _, p := range a.Parts {
			fmt.Fprintf(b, "    part: %s\n", dumpExpr(p))
		}
	}
	if c := r.Correlation; c != nil {
		refs := make([]string, len(c.Rules))
		for i, ref := range c.Rules {
			refs[i] = ref.Name + at(ref.Pos)
		}
		fmt.Fprintf(b, "  correlation: rules=%v generate=%v %s\n", refs, c.Generate, at(c.Pos))
	}
}

func dumpMatcher(b *strings.Builder, m *rule.Matcher) {
	field := m.Field
	if field == "" {
		field = "(keywords)"
	}
	fmt.Fprintf(b, "      %s %s", field, m.Op)
	flags := []struct {
		on   bool
		name string
	}{{m.Cased, "cased"}, {m.Negate, "neq"}, {m.FieldRef, "fieldref"}, {m.Regex.IgnoreCase, "i"}, {m.Regex.Multiline, "m"}, {m.Regex.DotAll, "s"}}
	for _, f := range flags {
		if f.on {
			fmt.Fprintf(b, " %s", f.name)
		}
	}
	fmt.Fprintf(b, " mods=%q %s\n", m.Modifiers, at(m.Pos))
	for _, v := range m.Values {
		fmt.Fprintf(b, "        %s %q", kindName(v.Kind), v.Text)
		if lit, ok := v.Pattern.Literal(); v.Kind == rule.KindString && (!ok || lit != v.Text) {
			fmt.Fprintf(b, " pattern=%s", dumpPattern(v.Pattern))
		}
		fmt.Fprintf(b, " %s\n", at(v.Pos))
	}
}

func kindName(k rule.ValueKind) string { return k.String() }

// dumpExpr writes a condition with each node's position.
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

// dumpPattern shows a pattern's parts: literals quoted, * and ? bare.
func dumpPattern(p rule.Pattern) string {
	parts := make([]string, len(p))
	for i, part := range p {
		switch part.Kind {
		case rule.AnyRun:
			parts[i] = "*"
		case rule.AnyChar:
			parts[i] = "?"
		default:
			parts[i] = fmt.Sprintf("%q", part.Text)
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}
