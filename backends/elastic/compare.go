package elastic

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/detc/detc/backends/elastic/lucenere"
	"github.com/detc/detc/internal/rule"
)

// comparison is one value's test on one target field, decided once for
// Lucene, EQL and ES|QL: which test it is, with the value checked against
// the field's type. Every refusal of a value the field cannot hold is
// written here; a language only writes the test, and refuses only what
// its own syntax cannot say (a field compared with a field, or a keyword
// field's text read as an address, in Lucene and EQL; a fraction on an
// integer field in Lucene).
type comparison struct {
	kind cmpKind
	// truth: cmpExists, exists:true; cmpNull, the field can hold "" (a
	// string field), which the rule model's null also matches.
	truth bool
	op    rule.Op // cmpRange
	num   float64 // cmpRange, cmpNumber, cmpNumberOfText
	// text: cmpCIDR the network, host bits cleared; cmpRegex the
	// expression in Lucene's dialect; cmpNumberText and cmpBoolText the
	// value's text; cmpIP the address.
	text string
}

type cmpKind uint8

const (
	cmpFieldRef     cmpKind = iota // the value names another field
	cmpExists                      // the field is present (or absent)
	cmpNull                        // the field is absent or empty
	cmpCIDR                        // an ip field in a network
	cmpCIDROfText                  // a keyword field's text, read as an address, in a network
	cmpRange                       // a numeric field gt/gte/lt/lte a number
	cmpRegex                       // a keyword field matches a regex
	cmpNumber                      // a numeric field equals a number value
	cmpNumberText                  // a string field equals a number's text
	cmpBool                        // a boolean field equals true/false
	cmpBoolText                    // a string field equals "true"/"false", ignoring case
	cmpNumberOfText                // a numeric field equals a string value that is a number
	cmpIP                          // an ip field equals an address
	cmpString                      // a string field compared with a pattern (the matcher's op and case)
)

// compare decides one value's test on one field.
func (c *compiler) compare(m *rule.Matcher, v rule.Value, f field) (comparison, error) {
	construct := lazyConstruct{m, f}
	switch {
	case v.Kind == rule.KindFieldRef:
		return comparison{kind: cmpFieldRef}, nil
	case m.Op == rule.OpExists:
		return comparison{kind: cmpExists, truth: v.Text == "true"}, nil
	case v.Kind == rule.KindNull:
		return comparison{kind: cmpNull, truth: isString(f.Type) || f.Type == ""}, nil
	case m.Op == rule.OpCIDR:
		p, err := c.cidr(v, f, construct)
		if isString(f.Type) {
			return comparison{kind: cmpCIDROfText, text: p}, err
		}
		return comparison{kind: cmpCIDR, text: p}, err
	case m.Op >= rule.OpGt && m.Op <= rule.OpLte:
		err := c.numeric(v, f, construct)
		return comparison{kind: cmpRange, op: m.Op, num: v.Number}, err
	case m.Op == rule.OpRegex:
		re, err := c.regex(m, v, f, construct)
		return comparison{kind: cmpRegex, text: re}, err
	case v.Kind == rule.KindNumber:
		switch {
		case isNumeric(f.Type):
			return comparison{kind: cmpNumber, num: v.Number}, nil
		case isString(f.Type):
			return comparison{kind: cmpNumberText, text: v.Text}, nil
		}
		return comparison{}, c.refuse(v.Pos, construct, "the number %s cannot be compared with a %s field", v.Text, typeName(f.Type))
	case v.Kind == rule.KindBool:
		switch {
		case f.Type == "boolean":
			return comparison{kind: cmpBool, text: v.Text}, nil
		case isString(f.Type):
			return comparison{kind: cmpBoolText, text: v.Text}, nil
		}
		return comparison{}, c.refuse(v.Pos, construct, "a boolean cannot be compared with a %s field", typeName(f.Type))
	}
	// A string with the equals, contains, startswith or endswith op.
	switch {
	case isNumeric(f.Type):
		lit, ok := v.Pattern.Literal()
		n, err := strconv.ParseFloat(lit, 64)
		if m.Op != rule.OpEquals || !ok || err != nil {
			return comparison{}, c.refuse(v.Pos, construct, "a numeric field takes numbers, not the text %q", v.Pattern.String())
		}
		return comparison{kind: cmpNumberOfText, num: n}, nil
	case f.Type == tIP:
		lit, ok := v.Pattern.Literal()
		addr, err := netip.ParseAddr(lit)
		if m.Op != rule.OpEquals || !ok || err != nil {
			return comparison{}, c.refuse(v.Pos, construct, "an ip field takes addresses (or cidr networks), not the text %q", v.Pattern.String())
		}
		return comparison{kind: cmpIP, text: addr.String()}, nil
	case f.Type == "boolean":
		return comparison{}, c.refuse(v.Pos, construct, "a boolean field takes true or false, not the text %q", v.Pattern.String())
	}
	// Wildcard terms, like, : and RLIKE all become one automaton.
	if err := lucenere.CheckWildcards(v.Pattern, m.Op); err != nil {
		return comparison{}, c.refuse(v.Pos, fmt.Sprintf("value %q on field %q", v.Pattern.String(), m.Field), "%v", err)
	}
	return comparison{kind: cmpString}, nil
}

// rangeOps are the comparison operators of gt, gte, lt and lte, the same
// in EQL and ES|QL.
var rangeOps = map[rule.Op]string{rule.OpGt: " > ", rule.OpGte: " >= ", rule.OpLt: " < ", rule.OpLte: " <= "}
