package mapping

import (
	"fmt"
	"strings"

	"github.com/detc/detc/internal/rule"
)

// splitAccount rewrites a comparison on a Windows account as Sysmon
// writes it, DOMAIN\name (NT AUTHORITY\SYSTEM), into comparisons on the
// target's domain and name fields (a), as an OR of ANDs of matchers, or
// refuses it.
//
// Windows forbids the backslash in domain and account names, so the
// account has exactly one, between the domain D and the name N, and each
// form of a value v is a comparison of the parts:
//
//	v without \:  contains   D contains v, or N contains v (v cannot span the \)
//	              startswith D starts with v
//	              endswith   N ends with v
//	              equals     never true: refused
//	v = a\b:      equals     D is a and N is b
//	              contains   D ends with a and N starts with b
//	              startswith D is a and N starts with b
//	              endswith   D ends with a and N is b
//
// A part left empty by the value (contains "\b") compares nothing and is
// left out. Wildcards, a second backslash, case-sensitive comparisons
// (the target writes the parts in its own case) and other comparisons are
// refused. With neq each value's comparison is negated before the OR, as
// the rule model says, by De Morgan's laws.
func (p *Profile) splitAccount(m *rule.Matcher, a *Account, s *Source) ([][]*rule.Matcher, error) {
	fail := func(format string, args ...any) error {
		return &ValueError{Field: m.Field, Pos: m.Pos, Reason: fmt.Sprintf(format, args...) +
			fmt.Sprintf(" (the target keeps Sysmon's DOMAIN\\name as two fields: %s)", p.describeAccount(a, s))}
	}
	switch {
	case m.Cased:
		return nil, fail("a case-sensitive comparison (%s) cannot be kept: the target writes the domain and the name in its own case", comparison(m))
	case m.FieldRef || m.Op > rule.OpEndsWith:
		return nil, fail("only equals, contains, startswith and endswith of plain values can be split into the domain and the name, not %s", comparison(m))
	}
	lit := func(field string, op rule.Op, text string, v rule.Value) *rule.Matcher {
		nm := &rule.Matcher{Field: field, Op: op, Values: []rule.Value{{Kind: rule.KindString, Pattern: rule.LiteralPattern(text), Text: text, Pos: v.Pos}}, Pos: m.Pos}
		if op != rule.OpEquals {
			nm.Modifiers = []string{op.String()}
		}
		return nm
	}
	var out [][]*rule.Matcher
	for _, v := range m.Values {
		text, ok := v.Pattern.Literal()
		switch {
		case v.Kind != rule.KindString:
			return nil, fail("a %s value cannot be split into the domain and the name", v.Kind)
		case !ok:
			return nil, fail("the value %q has wildcards, which could match across the domain and the name", v.Text)
		}
		domain, name, hasSep := strings.Cut(text, `\`)
		if strings.Contains(name, `\`) {
			return nil, fail("the value %q has more than one backslash, which no Windows account has", text)
		}
		var term [][]*rule.Matcher // an OR of ANDs
		switch {
		case !hasSep && m.Op == rule.OpContains:
			term = [][]*rule.Matcher{{lit(a.Domain, rule.OpContains, text, v)}, {lit(a.Name, rule.OpContains, text, v)}}
		case !hasSep && m.Op == rule.OpStartsWith:
			term = [][]*rule.Matcher{{lit(a.Domain, rule.OpStartsWith, text, v)}}
		case !hasSep && m.Op == rule.OpEndsWith:
			term = [][]*rule.Matcher{{lit(a.Name, rule.OpEndsWith, text, v)}}
		case !hasSep:
			return nil, fail("the value %q has no domain, and Sysmon's account always has one (DOMAIN\\name)", text)
		default:
			ops := partOps[m.Op]
			var and []*rule.Matcher
			for _, part := range []struct {
				field, text string
				op          rule.Op
			}{{a.Domain, domain, ops[0]}, {a.Name, name, ops[1]}} {
				switch {
				case part.text != "":
					and = append(and, lit(part.field, part.op, part.text, v))
				case part.op == rule.OpEquals:
					return nil, fail("the value %q leaves the domain or the name empty, which no Windows account has", text)
				}
			}
			if len(and) == 0 {
				return nil, fail("the value %q names neither a domain nor a name", text)
			}
			term = [][]*rule.Matcher{and}
		}
		if m.Negate {
			term = negate(term)
		}
		out = append(out, term...)
	}
	return out, nil
}

// partOps are the comparisons of the domain and of the name that a
// comparison of DOMAIN\name with a value holding the backslash becomes.
var partOps = map[rule.Op][2]rule.Op{
	rule.OpEquals:     {rule.OpEquals, rule.OpEquals},
	rule.OpContains:   {rule.OpEndsWith, rule.OpStartsWith},
	rule.OpStartsWith: {rule.OpEquals, rule.OpStartsWith},
	rule.OpEndsWith:   {rule.OpEndsWith, rule.OpEquals},
}

// negate is the OR of ANDs of negated matchers equal to NOT term (an OR of
// ANDs): by De Morgan an AND of ORs, multiplied out.
func negate(term [][]*rule.Matcher) [][]*rule.Matcher {
	ands := make([][][]*rule.Matcher, len(term))
	for i, and := range term {
		ors := make([][]*rule.Matcher, len(and))
		for j, lit := range and {
			nm := *lit
			nm.Negate = !lit.Negate
			ors[j] = []*rule.Matcher{&nm}
		}
		ands[i] = ors
	}
	return product(ands)
}

// describeAccount names the target's fields for an account's domain and
// name.
func (p *Profile) describeAccount(a *Account, s *Source) string {
	return "the domain in " + p.describeField(a.Domain, s) + ", the name in " + p.describeField(a.Name, s)
}
