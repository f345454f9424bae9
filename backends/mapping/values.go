package mapping

import (
	"fmt"
	"sort"
	"strings"

	"github.com/detc/detc/internal/rule"
)

// ValueError says a rule compares a field whose values the target writes
// differently (Field.Values) in a way the translation cannot keep exact.
type ValueError struct {
	Field  string
	Pos    rule.Pos
	Reason string
}

func (e *ValueError) Error() string { return fmt.Sprintf("field %q: %s", e.Field, e.Reason) }

// TranslateValues is the one place where a rule's values become the
// target's, for every backend: each comparison on a field whose mapping in
// source s has a value table (Field.Values) is rewritten to the target's
// value. Only exact comparisons with plain values are translated (a
// wildcard, contains, regex ... on such a field would mean something else
// on the target's values) and every value must be in the table; otherwise
// the rule is refused with a *ValueError. The rule is returned unchanged
// when it compares no such field, else a copy: r itself is not modified.
func (p *Profile) TranslateValues(r *rule.Rule, s *Source) (*rule.Rule, error) {
	table := func(field string) map[string]string {
		f, err := p.Field(s, field)
		if err != nil {
			return nil
		}
		return f.Values
	}
	needed := false
	for _, se := range r.Searches {
		for _, g := range se.Groups {
			for _, m := range g.Matchers {
				if m.Field != "" && table(m.Field) != nil {
					needed = true
				}
			}
		}
	}
	if !needed {
		return r, nil
	}
	out := *r
	out.Searches = make([]*rule.Search, len(r.Searches))
	for i, se := range r.Searches {
		ns := *se
		ns.Groups = make([]*rule.Group, len(se.Groups))
		for j, g := range se.Groups {
			ng := *g
			ng.Matchers = make([]*rule.Matcher, len(g.Matchers))
			for k, m := range g.Matchers {
				values := table(m.Field)
				if m.Field == "" || values == nil {
					ng.Matchers[k] = m
					continue
				}
				nm, err := translate(m, values)
				if err != nil {
					return nil, err
				}
				ng.Matchers[k] = nm
			}
			ns.Groups[j] = &ng
		}
		out.Searches[i] = &ns
	}
	return &out, nil
}

// translate rewrites one matcher's values through the table.
func translate(m *rule.Matcher, table map[string]string) (*rule.Matcher, error) {
	fail := func(format string, args ...any) error {
		return &ValueError{Field: m.Field, Pos: m.Pos, Reason: fmt.Sprintf(format, args...) + fmt.Sprintf(" (the target writes its values differently: %s)", describeTable(table))}
	}
	if m.Op != rule.OpEquals || m.FieldRef || m.Cased {
		return nil, fail("only an exact, case-insensitive comparison can be translated, not %s", strings.Join(append([]string{m.Op.String()}, m.Modifiers...), "|"))
	}
	nm := *m
	nm.Values = make([]rule.Value, len(m.Values))
	for i, v := range m.Values {
		text := v.Text
		switch v.Kind {
		case rule.KindString:
			lit, ok := v.Pattern.Literal()
			if !ok {
				return nil, fail("the value %q has wildcards", v.Text)
			}
			text = lit
		case rule.KindBool, rule.KindNumber:
		default:
			return nil, fail("the value %q cannot be translated", v.Text)
		}
		to, ok := Field{Values: table}.TargetValue(text)
		if !ok {
			return nil, fail("the value %q has no translation", text)
		}
		nm.Values[i] = rule.Value{Kind: rule.KindString, Pattern: rule.LiteralPattern(to), Text: to, Pos: v.Pos}
	}
	return &nm, nil
}

// TargetValue is how the target writes the rule's value v of this field:
// its value table's entry (keys compared case-insensitively), or v itself
// when the field has no table.
func (f Field) TargetValue(v string) (string, bool) {
	if f.Values == nil {
		return v, true
	}
	for k, to := range f.Values {
		if strings.EqualFold(k, v) {
			return to, true
		}
	}
	return "", false
}

// describeTable writes a value table in a stable order.
func describeTable(table map[string]string) string {
	keys := make([]string, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " is " + table[k]
	}
	return strings.Join(parts, ", ")
}
