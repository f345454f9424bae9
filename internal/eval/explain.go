package eval

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/detc/detc/internal/rule"
)

// Explanation says why an event did or did not match: the result of every
// search, and the matchers that decided it.
type Explanation struct {
	Match    bool
	Searches []SearchResult // in the rule's order
}

// SearchResult is one search's outcome. For a search that matched,
// Matchers are those of the first group that matched (all true); for one
// that did not, Matchers hold the first failing matcher of each group.
type SearchResult struct {
	Name     string
	Matched  bool
	Matchers []MatcherReport
}

// MatcherReport shows one matcher and what the event held.
type MatcherReport struct {
	Group     int    // 1-based index of the group in its search
	Field     string // "" for a keyword matcher
	Modifiers []string
	Values    []string // the rule's values as written
	// Event is the event's value, rendered ("<missing>" when absent; for
	// keywords, "<any string value>").
	Event   string
	Matched bool
	Pos     rule.Pos
}

// Explain evaluates every search (not lazily) and reports the outcome.
func (p *Program) Explain(ev Event) Explanation {
	x := Explanation{Match: p.Match(ev)}
	in := newInput(ev)
	for _, s := range p.searches {
		res := SearchResult{Name: s.name}
		for gi, g := range s.groups {
			i := failing(g, in)
			if i < 0 {
				res.Matched = true
				res.Matchers = res.Matchers[:0]
				for _, m := range g {
					res.Matchers = append(res.Matchers, report(m, gi, true, ev))
				}
				break
			}
			res.Matchers = append(res.Matchers, report(g[i], gi, false, ev))
		}
		x.Searches = append(x.Searches, res)
	}
	return x
}

func report(m *matcher, group int, matched bool, ev Event) MatcherReport {
	r := MatcherReport{Group: group + 1, Field: m.field, Modifiers: m.src.Modifiers, Matched: matched, Pos: m.src.Pos}
	for _, v := range m.src.Values {
		text := ruleValueText(v)
		if v.Kind == rule.KindFieldRef {
			// Show what the other field held too.
			other := "<missing>"
			if ov, ok := ev.Field(v.Text); ok {
				other = render(ov)
			}
			text += " = " + other
		}
		r.Values = append(r.Values, text)
	}
	switch {
	case m.field == "":
		r.Event = "<any string value>"
	default:
		if v, ok := ev.Field(m.field); ok {
			r.Event = render(v)
		} else {
			r.Event = "<missing>"
		}
	}
	return r
}

func ruleValueText(v rule.Value) string {
	switch v.Kind {
	case rule.KindNull:
		return "null"
	case rule.KindString:
		if v.Text == "" && len(v.Pattern) > 0 {
			return strconv.Quote(v.Pattern.String())
		}
		return strconv.Quote(v.Text)
	case rule.KindPlaceholder:
		return "%" + v.Text + "%"
	}
	return v.Text
}

func render(v Value) string {
	switch v.Kind {
	case KindNull:
		return "null"
	case KindObject:
		return "{...}"
	case KindList:
		parts := make([]string, len(v.List))
		for i, el := range v.List {
			parts[i] = render(el)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case KindString:
		return strconv.Quote(v.Str)
	}
	t, _ := v.Text()
	return t
}

// String renders the explanation for people, one search per line and one
// line per deciding matcher, as `detc test` prints it.
func (x Explanation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "match: %t\n", x.Match)
	for _, s := range x.Searches {
		if s.Matched {
			fmt.Fprintf(&b, "search %s: matched\n", s.Name)
		} else {
			fmt.Fprintf(&b, "search %s: no match\n", s.Name)
		}
		for _, m := range s.Matchers {
			b.WriteString("  ")
			b.WriteString(m.String())
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// String renders one matcher report: group, field with modifiers, values
// and the event's value.
func (m MatcherReport) String() string {
	field := m.Field
	if field == "" {
		field = "keywords"
	}
	if len(m.Modifiers) > 0 {
		field += "|" + strings.Join(m.Modifiers, "|")
	}
	verdict := "fails"
	if m.Matched {
		verdict = "holds"
	}
	return fmt.Sprintf("group %d: %s [%s] %s on event value %s (%s)",
		m.Group, field, strings.Join(m.Values, ", "), verdict, m.Event, m.Pos)
}
