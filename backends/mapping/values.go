package mapping

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/detc/detc/internal/eval"
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
// value, and each comparison on Sysmon's Hashes where the target keeps one
// field per algorithm (Field.Hashes) becomes comparisons on those fields,
// and each comparison on a Windows path of which the target keeps only the
// file name (Field.FileName) one on that file name.
// Only the forms that select exactly the same events are rewritten (see
// translate, splitHashes, splitAccount and splitFileName); any other comparison on such a field is
// refused with a *ValueError. The rule is returned unchanged when it
// compares no such field, else a copy: r itself is not modified.
func (p *Profile) TranslateValues(r *rule.Rule, s *Source) (*rule.Rule, error) {
	// rewrite gives what a matcher becomes on the target, an OR of ANDs
	// of matchers, or nil when it stays as it is.
	rewrite := func(m *rule.Matcher) ([][]*rule.Matcher, error) {
		if m.Field == "" {
			return nil, nil
		}
		f, err := p.Field(s, m.Field)
		switch {
		case err != nil:
			return nil, nil
		case m.Cased && f.CasedUnsupported != "":
			return nil, &ValueError{Field: m.Field, Pos: m.Pos, Reason: "a case-sensitive comparison (cased) cannot be kept: " + f.CasedUnsupported}
		case f.Account != nil && strings.EqualFold(r.LogSource.Product, "windows"):
			return p.splitAccount(m, f.Account, s)
		case f.Account != nil && len(f.Names) == 0:
			return nil, &ValueError{Field: m.Field, Pos: m.Pos, Reason: fmt.Sprintf("the target keeps the account as a domain and a name (%s); only a Windows rule's DOMAIN\\name is split into them, and this rule's log source is not product windows", p.describeAccount(f.Account, s))}
		case f.Hashes != nil:
			alts, err := p.splitHashes(m, f.Hashes, s)
			return each(alts), err
		case f.FileName != "":
			alts, err := p.splitFileName(m, f.FileName, s)
			return each(alts), err
		case f.Values != nil:
			nm, err := translate(m, f.Values)
			return [][]*rule.Matcher{{nm}}, err
		case f.Renamed != nil:
			nm, err := renameValues(m, f.Renamed)
			return [][]*rule.Matcher{{nm}}, err
		}
		return nil, nil
	}
	var out *rule.Rule
	for i, se := range r.Searches {
		var groups []*rule.Group
		changed := false
		for _, g := range se.Groups {
			alts := make([][][]*rule.Matcher, len(g.Matchers))
			size := 1
			for k, m := range g.Matchers {
				a, err := rewrite(m)
				if err != nil {
					return nil, err
				}
				if a == nil {
					a = [][]*rule.Matcher{{m}}
				} else {
					changed = true
				}
				alts[k] = a
				if size *= len(a); size > MaxSplitGroups {
					return nil, &ValueError{Field: m.Field, Pos: m.Pos, Reason: fmt.Sprintf("splitting the values of this selection into the target's fields would take more than %d alternatives", MaxSplitGroups)}
				}
			}
			groups = append(groups, distribute(g, alts)...)
		}
		if !changed {
			continue
		}
		if out == nil {
			c := *r
			c.Searches = slices.Clone(r.Searches)
			out = &c
		}
		ns := *se
		ns.Groups = groups
		out.Searches[i] = &ns
	}
	if out == nil {
		return r, nil
	}
	return out, nil
}

// MaxSplitGroups bounds the alternatives one group of a rule may become
// when its comparisons are split into several fields of the target (each
// split comparison multiplies them), so that a query stays of a size its
// target accepts.
const MaxSplitGroups = 256

// each makes every matcher an alternative of its own.
func each(ms []*rule.Matcher) [][]*rule.Matcher {
	if ms == nil {
		return nil
	}
	out := make([][]*rule.Matcher, len(ms))
	for i, m := range ms {
		out[i] = []*rule.Matcher{m}
	}
	return out
}

// distribute turns a group (an AND of matchers) whose matchers each stand
// for an OR of ANDs of matchers into the equivalent OR of groups, one for
// each choice of an alternative per matcher. With one single-matcher
// alternative each it is the group itself, matchers in their order.
func distribute(g *rule.Group, alts [][][]*rule.Matcher) []*rule.Group {
	return groupsOf(g, product(alts))
}

// product multiplies out an AND of ORs of ANDs into an OR of ANDs.
func product(ands [][][]*rule.Matcher) [][]*rule.Matcher {
	combos := [][]*rule.Matcher{nil}
	for _, ors := range ands {
		next := make([][]*rule.Matcher, 0, len(combos)*len(ors))
		for _, c := range combos {
			for _, term := range ors {
				next = append(next, append(slices.Clip(c), term...))
			}
		}
		combos = next
	}
	return combos
}

func groupsOf(g *rule.Group, terms [][]*rule.Matcher) []*rule.Group {
	out := make([]*rule.Group, len(terms))
	for i, t := range terms {
		ng := *g
		ng.Matchers = t
		out[i] = &ng
	}
	return out
}

// translate rewrites one matcher's values through the table.
func translate(m *rule.Matcher, table map[string]string) (*rule.Matcher, error) {
	fail := func(format string, args ...any) error {
		return &ValueError{Field: m.Field, Pos: m.Pos, Reason: fmt.Sprintf(format, args...) + fmt.Sprintf(" (the target writes its values differently: %s)", describeTable(table))}
	}
	if m.Op != rule.OpEquals || m.FieldRef || m.Cased {
		return nil, fail("only an exact, case-insensitive comparison can be translated, not %s", comparison(m))
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

// renameValues is a comparison on a field whose target writes the values
// in renamed (the source's value: the target's) its own way and every
// other value as the source does. A value that compares each renamed
// pair alike (both match, or neither) is kept, since the renaming cannot
// change its result; an exact comparison with a renamed value becomes one
// with the target's name for it; any other value is refused. Whether a
// value matches is the evaluator's own decision (eval.MatchesText), so
// modifiers, wildcards and case compare as everywhere else.
func renameValues(m *rule.Matcher, renamed map[string]string) (*rule.Matcher, error) {
	if m.FieldRef {
		return nil, &ValueError{Field: m.Field, Pos: m.Pos, Reason: fmt.Sprintf("a field reference cannot be kept on a field whose values the target partly renames (%s)", describeTable(renamed))}
	}
	nm := *m
	nm.Values = slices.Clone(m.Values)
	for i, v := range m.Values {
		one := *m
		one.Values, one.Negate = []rule.Value{v}, false
		for _, from := range slices.Sorted(maps.Keys(renamed)) {
			to := renamed[from]
			before, after := eval.MatchesText(&one, from), eval.MatchesText(&one, to)
			if before == after {
				continue
			}
			_, literal := v.Pattern.Literal()
			if m.Op != rule.OpEquals || v.Kind != rule.KindString || !literal || !before {
				verdict := map[bool]string{true: "matches", false: "does not match"}
				return nil, &ValueError{Field: m.Field, Pos: m.Pos, Reason: fmt.Sprintf("the value %q %s %q but %s %q, the target's name for it, and only an exact comparison with a renamed value can be rewritten (the target renames %s)", v.Text, verdict[before], from, verdict[after], to, describeTable(renamed))}
			}
			nm.Values[i] = rule.Value{Kind: rule.KindString, Pattern: rule.LiteralPattern(to), Text: to, Pos: v.Pos}
			break
		}
	}
	return &nm, nil
}

// comparison writes a matcher's comparison for messages: its modifiers as
// written, or equals.
func comparison(m *rule.Matcher) string {
	if len(m.Modifiers) == 0 {
		return m.Op.String()
	}
	return strings.Join(m.Modifiers, "|")
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
