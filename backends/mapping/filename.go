package mapping

import (
	"fmt"
	"strings"

	"github.com/detc/detc/internal/rule"
)

// splitFileName rewrites a comparison on a Windows path (Sysmon's
// TargetImage, ImageLoaded) into a comparison on the target's field that
// holds only the path's file name (name: the profile's field), or refuses
// it. The target keeps the path too, but in a form not established (a
// folder, an NT path such as \SystemRoot\..., a full path), so only what
// speaks of the file name alone is exact.
//
// Windows forbids the backslash in a file name, so the file name is what
// follows the path's last backslash, and for a value v:
//
//	endswith \n  (n without \, not empty)  the file name is n
//	endswith v   (v without \)             the file name ends with v: a
//	             match of v cannot reach past the last backslash
//
// Anything else (equals, contains, startswith, a value naming a folder,
// wildcards, case-sensitive comparisons: the target writes the name in its
// own case) depends on the folder and is refused. A list of values is an
// OR, one comparison for the names and one for the endings; with neq each
// value's comparison is negated before that OR, which they keep.
func (p *Profile) splitFileName(m *rule.Matcher, name string, s *Source) ([]*rule.Matcher, error) {
	fail := func(format string, args ...any) error {
		return &ValueError{Field: m.Field, Pos: m.Pos, Reason: fmt.Sprintf(format, args...) +
			fmt.Sprintf(" (the target records the file name of the rule's %s in %s; the form of its path is not established, so only a comparison of the file name alone is kept: endswith '\\name' or endswith a value without a backslash)", m.Field, p.describeField(name, s))}
	}
	switch {
	case m.Cased:
		return nil, fail("a case-sensitive comparison (%s) cannot be kept: the target writes the file name in its own case", comparison(m))
	case m.Op != rule.OpEndsWith || m.FieldRef:
		return nil, fail("%s compares the folder too", comparison(m))
	}
	var names, endings []rule.Value
	for _, v := range m.Values {
		lit, ok := v.Pattern.Literal()
		switch {
		case v.Kind != rule.KindString:
			return nil, fail("a %s value is not a file name", v.Kind)
		case !ok:
			return nil, fail("the value %q has wildcards, which could match across the folder and the file name", v.Text)
		}
		rest, named := strings.CutPrefix(lit, `\`)
		switch {
		case strings.Contains(rest, `\`):
			return nil, fail("the value %q names a folder", lit)
		case rest == "":
			return nil, fail("the value %q names no file", lit)
		case named:
			names = append(names, rule.Value{Kind: rule.KindString, Pattern: rule.LiteralPattern(rest), Text: rest, Pos: v.Pos})
		default:
			endings = append(endings, v)
		}
	}
	var out []*rule.Matcher
	if names != nil {
		out = append(out, &rule.Matcher{Field: name, Op: rule.OpEquals, Negate: m.Negate, Values: names, Pos: m.Pos})
	}
	if endings != nil {
		out = append(out, &rule.Matcher{Field: name, Op: rule.OpEndsWith, Modifiers: []string{"endswith"}, Negate: m.Negate, Values: endings, Pos: m.Pos})
	}
	return out, nil
}

// describeField names the target's field (or fields) for a field of the
// profile, or the profile's name when it has none.
func (p *Profile) describeField(field string, s *Source) string {
	if f, err := p.Field(s, field); err == nil && len(f.Names) > 0 {
		return strings.Join(f.Names, " or ")
	}
	return field
}
