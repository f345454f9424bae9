package rule

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
)

// RawKind is the type a value had in the source.
type RawKind int

// Raw value kinds, as YAML and HCL give them.
const (
	RawString RawKind = iota
	RawNumber
	RawBool
	RawNull
)

// RawValue is a value as a front end read it, before modifiers apply.
type RawValue struct {
	Kind RawKind
	Text string
	Pos  Pos
}

// knownModifiers lists every Sigma modifier detc understands.
var knownModifiers = map[string]bool{
	"contains": true, "startswith": true, "endswith": true, "all": true,
	"re": true, "i": true, "m": true, "s": true, "cidr": true,
	"gt": true, "gte": true, "lt": true, "lte": true, "exists": true,
	"cased": true, "neq": true, "fieldref": true, "expand": true,
	"base64": true, "base64offset": true, "windash": true,
	"wide": true, "utf16le": true, "utf16be": true, "utf16": true,
}

// modifierNames lists knownModifiers, for suggestions.
func modifierNames() []string {
	names := make([]string, 0, len(knownModifiers))
	for n := range knownModifiers {
		names = append(names, n)
	}
	slices.Sort(names) // ties go to the first: a stable suggestion
	return names
}

// comparators are the modifiers that choose the comparison; at most one.
var comparators = map[string]Op{
	"contains": OpContains, "startswith": OpStartsWith, "endswith": OpEndsWith,
	"re": OpRegex, "cidr": OpCIDR, "gt": OpGt, "gte": OpGte, "lt": OpLt,
	"lte": OpLte, "exists": OpExists,
}

// BuildMatchers turns one field with its modifiers and values, as a front
// end read them, into matchers. Both front ends call it, so a detection
// written in HCL and in Sigma gives the same model. "all" is normalised into
// one matcher per value (an AND inside the group), so the returned slice has
// more than one element only then. Field "" is a keyword search.
func BuildMatchers(field string, modifiers []string, values []RawValue, pos Pos) ([]*Matcher, Diagnostics) {
	var diags Diagnostics
	m := &Matcher{Field: field, Modifiers: modifiers, Pos: pos}
	if field == "" {
		m.Op = OpContains
	} else if err := CheckFieldName(field); err != nil {
		diags.Errorf(pos, "bad-field-name", "%v", err)
		return nil, diags
	}
	all, expand := false, false
	var transforms []string
	compSeen := ""
	for _, mod := range modifiers {
		if !knownModifiers[mod] {
			diags = append(diags, Diagnostic{Severity: Error, Pos: pos, Code: "unknown-modifier",
				Summary: fmt.Sprintf("unknown modifier %q on field %q", mod, field), Detail: DidYouMean(mod, modifierNames())})
			continue
		}
		if op, ok := comparators[mod]; ok {
			if compSeen != "" {
				diags.Errorf(pos, "modifier-conflict", "modifiers %q and %q cannot be combined: a field has one comparison", compSeen, mod)
				continue
			}
			compSeen = mod
			m.Op = op
			continue
		}
		switch mod {
		case "all":
			all = true
		case "cased":
			m.Cased = true
		case "neq":
			m.Negate = true
		case "fieldref":
			m.FieldRef = true
		case "expand":
			expand = true
		case "i", "m", "s":
			if compSeen != "re" {
				diags.Errorf(pos, "modifier-misplaced", "modifier %q is a flag of re and must follow it", mod)
				continue
			}
			switch mod {
			case "i":
				m.Regex.IgnoreCase = true
			case "m":
				m.Regex.Multiline = true
			default:
				m.Regex.DotAll = true
			}
		default: // value transformations, applied in written order
			// windash only swaps option characters, which no comparison
			// changes, so SigmaHQ's "contains|windash" order is accepted;
			// an encoding after the comparison would be ambiguous.
			if compSeen != "" && mod != "windash" {
				diags.Errorf(pos, "modifier-misplaced", "value modifier %q must come before the comparison %q", mod, compSeen)
				continue
			}
			transforms = append(transforms, mod)
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	diags = append(diags, checkCombination(m, transforms, pos)...)
	if diags.HasErrors() {
		return nil, diags
	}
	if len(values) == 0 {
		diags.Errorf(pos, "empty-values", "field %q has no values", displayField(field))
		return nil, diags
	}
	if all && len(values) == 1 {
		diags.Warnf(pos, "all-single-value", "modifier \"all\" on field %q has a single value; it changes nothing", displayField(field))
	}
	perValue := make([][]Value, 0, len(values))
	total := 0
	for _, raw := range values {
		if !raw.Pos.IsValid() {
			raw.Pos = pos // values built in code point at their field
		}
		vs, d := buildValues(m, raw, transforms, expand)
		diags = append(diags, d...)
		perValue = append(perValue, vs)
		if total += len(vs); total > MaxFieldValues {
			diags.Errorf(pos, "too-many-values", "field %q has more than %d values once its modifiers are applied", displayField(field), MaxFieldValues)
			break
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	if !all {
		for _, vs := range perValue {
			m.Values = append(m.Values, vs...)
		}
		return []*Matcher{m}, diags
	}
	out := make([]*Matcher, len(perValue))
	for i, vs := range perValue {
		c := *m
		c.Values = vs
		out[i] = &c
	}
	return out, diags
}

func displayField(f string) string {
	if f == "" {
		return "keywords"
	}
	return f
}

// checkCombination rejects modifier sets with no meaning.
func checkCombination(m *Matcher, transforms []string, pos Pos) Diagnostics {
	var diags Diagnostics
	stringOp := m.Op == OpEquals || m.Op == OpContains || m.Op == OpStartsWith || m.Op == OpEndsWith
	if m.Cased && !stringOp {
		diags.Errorf(pos, "modifier-conflict", "modifier \"cased\" applies to string comparisons, not %q", m.Op)
	}
	if m.FieldRef && !stringOp {
		diags.Errorf(pos, "modifier-conflict", "modifier \"fieldref\" cannot be combined with %q", m.Op)
	}
	if len(transforms) > 0 && !stringOp {
		diags.Errorf(pos, "modifier-conflict", "value modifier %q cannot be combined with %q", transforms[0], m.Op)
	}
	if m.FieldRef && len(transforms) > 0 {
		diags.Errorf(pos, "modifier-conflict", "value modifier %q cannot be combined with fieldref", transforms[0])
	}
	if m.Field == "" && (m.Op == OpExists || m.FieldRef) {
		diags.Errorf(pos, "modifier-conflict", "keywords cannot use %q", m.Modifiers)
	}
	return diags
}

// buildValues applies the value modifiers to one raw value. A modifier such
// as windash or base64offset gives several alternatives (ORed).
func buildValues(m *Matcher, raw RawValue, transforms []string, expand bool) ([]Value, Diagnostics) {
	var diags Diagnostics
	field := displayField(m.Field)
	bad := func(format string, args ...any) ([]Value, Diagnostics) {
		diags.Errorf(raw.Pos, "bad-value", "field %q: %s", field, fmt.Sprintf(format, args...))
		return nil, diags
	}
	if raw.Kind == RawNull {
		if m.Op != OpEquals || m.FieldRef || len(transforms) > 0 || m.Field == "" {
			return bad("null can only be compared for equality (it means the field is absent or empty)")
		}
		return []Value{{Kind: KindNull, Pos: raw.Pos}}, nil
	}
	// A placeholder's items are checked against the comparison when it is
	// expanded (ResolvePlaceholders).
	if expand && raw.Kind == RawString && isPlaceholder(raw.Text) {
		return []Value{{Kind: KindPlaceholder, Text: strings.Trim(raw.Text, "%"), Pos: raw.Pos}}, nil
	}
	switch m.Op {
	case OpExists:
		if raw.Kind != RawBool && !(raw.Kind == RawString && (raw.Text == "true" || raw.Text == "false")) {
			return bad("exists takes true or false, not %q", raw.Text)
		}
		return []Value{{Kind: KindBool, Text: raw.Text, Pos: raw.Pos}}, nil
	case OpGt, OpGte, OpLt, OpLte:
		n, err := strconv.ParseFloat(raw.Text, 64)
		if err != nil || raw.Kind == RawBool {
			return bad("%s needs a number, not %q", m.Op, raw.Text)
		}
		return []Value{{Kind: KindNumber, Text: raw.Text, Number: n, Pos: raw.Pos}}, nil
	case OpRegex:
		if raw.Kind != RawString {
			return bad("re needs a string pattern, not %q", raw.Text)
		}
		if _, err := regexp.Compile(raw.Text); err != nil {
			return bad("%s", RegexError(raw.Text, err))
		}
		if n := regexProgramSize(raw.Text); n > MaxRegexProgram {
			return bad("regular expression compiles to %d instructions; at most %d are allowed (a repetition such as {1000} copies what it repeats)", n, MaxRegexProgram)
		}
		return []Value{{Kind: KindRegex, Text: raw.Text, Pos: raw.Pos}}, nil
	case OpCIDR:
		if _, err := netip.ParsePrefix(raw.Text); err != nil {
			return bad("cidr needs a network such as 10.0.0.0/8: %v", err)
		}
		return []Value{{Kind: KindCIDR, Text: raw.Text, Pos: raw.Pos}}, nil
	}
	if m.FieldRef {
		if raw.Kind != RawString || raw.Text == "" {
			return bad("fieldref needs a field name")
		}
		if err := CheckFieldName(raw.Text); err != nil {
			return bad("fieldref: %v", err)
		}
		return []Value{{Kind: KindFieldRef, Text: raw.Text, Pos: raw.Pos}}, nil
	}
	if len(transforms) == 0 {
		switch raw.Kind {
		case RawNumber:
			if m.Op == OpEquals {
				n, _ := strconv.ParseFloat(raw.Text, 64)
				return []Value{{Kind: KindNumber, Text: raw.Text, Number: n, Pos: raw.Pos}}, nil
			}
			return []Value{{Kind: KindString, Text: raw.Text, Pattern: LiteralPattern(raw.Text), Pos: raw.Pos}}, nil
		case RawBool:
			if m.Op == OpEquals {
				return []Value{{Kind: KindBool, Text: raw.Text, Pos: raw.Pos}}, nil
			}
			return []Value{{Kind: KindString, Text: raw.Text, Pattern: LiteralPattern(raw.Text), Pos: raw.Pos}}, nil
		}
		return []Value{{Kind: KindString, Text: raw.Text, Pattern: ParsePattern(raw.Text), Pos: raw.Pos}}, nil
	}
	// Value transformations work on the text; encodings make literal bytes.
	alts := []string{raw.Text}
	encoded := false
	for _, t := range transforms {
		var next []string
		for _, a := range alts {
			switch t {
			case "windash":
				if n := len(windashPositions(a)); n > MaxWindashOptions {
					return bad("windash gives 5 alternatives for each of the %d options in %q; a value may have at most %d", n, a, MaxWindashOptions)
				}
				next = append(next, windashVariants(a)...)
			case "base64":
				next = append(next, base64.StdEncoding.EncodeToString([]byte(a)))
				encoded = true
			case "base64offset":
				next = append(next, base64Offsets(a)...)
				encoded = true
			case "wide", "utf16le":
				next = append(next, utf16String(a, false, false))
				encoded = true
			case "utf16be":
				next = append(next, utf16String(a, true, false))
				encoded = true
			case "utf16":
				next = append(next, utf16String(a, false, true))
				encoded = true
			}
		}
		alts = next
	}
	if encoded && m.Op == OpEquals && slices.Contains(transforms, "base64offset") {
		diags.Warnf(raw.Pos, "base64offset-equals", "field %q: base64offset gives fragments of an encoding; it is meant for contains", field)
	}
	out := make([]Value, 0, len(alts))
	seen := map[string]bool{}
	for _, a := range alts {
		if seen[a] {
			continue
		}
		seen[a] = true
		p := ParsePattern(a)
		if encoded {
			p = LiteralPattern(a)
		}
		out = append(out, Value{Kind: KindString, Text: a, Pattern: p, Pos: raw.Pos})
	}
	return out, diags
}

func isPlaceholder(s string) bool {
	return len(s) > 2 && s[0] == '%' && s[len(s)-1] == '%' && !strings.Contains(s[1:len(s)-1], "%")
}

// windashChars are the characters Windows command lines accept where a
// dash introduces an option.
var windashChars = []string{"-", "/", "\u2013", "\u2014", "\u2015"}

// MaxRegexProgram bounds a regular expression's compiled program, in
// instructions. Matching is linear in the text (RE2), but its cost and the
// program's memory (tens of bytes an instruction) grow with this size,
// which repetitions multiply: "(?:a{1000}){1000}" is refused by Go, but
// 3,000 copies of "(?:a{1000})" are not. Real rules stay under a thousand.
const MaxRegexProgram = 100_000

// regexProgramSize is the instruction count of the compiled pattern (0
// when it does not parse: the caller reports that).
func regexProgramSize(pattern string) int {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return 0
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return 0
	}
	return len(prog.Inst)
}

// MaxFieldValues bounds the values of one field after value modifiers
// (windash, base64offset) multiplied them, so that memory stays bounded.
const MaxFieldValues = 100000

// MaxWindashOptions bounds the options windash rewrites in one value: the
// alternatives grow as 5^n, so a hostile value with 20 dashes would never
// finish. Real command lines in rules have a handful.
const MaxWindashOptions = 6

// windashPositions finds each "-" or "/" that starts an option: at the
// start of the value or after white space.
func windashPositions(s string) []int {
	var positions []int
	for i := 0; i < len(s); i++ {
		if (s[i] == '-' || s[i] == '/') && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t') {
			positions = append(positions, i)
		}
	}
	return positions
}

// windashVariants gives every combination of option characters for each
// option that windashPositions finds.
func windashVariants(s string) []string {
	positions := windashPositions(s)
	if len(positions) == 0 {
		return []string{s}
	}
	out := []string{""}
	last := 0
	for _, p := range positions {
		var next []string
		for _, prefix := range out {
			for _, c := range windashChars {
				next = append(next, prefix+s[last:p]+c)
			}
		}
		out = next
		last = p + 1
	}
	for i := range out {
		out[i] += s[last:]
	}
	return out
}

// base64Offsets gives the three encodings of s that appear inside a longer
// base64 text, whatever the offset of s in the plain text.
func base64Offsets(s string) []string {
	starts := []int{0, 2, 3}
	ends := []int{0, 3, 2}
	out := make([]string, 0, 3)
	for i := 0; i < 3; i++ {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(" ", i) + s))
		end := len(enc)
		if e := ends[(len(s)+i)%3]; e > 0 {
			end -= e
		}
		if starts[i] < end {
			out = append(out, enc[starts[i]:end])
		}
	}
	return out
}

// utf16String encodes s as UTF-16 code units and returns their bytes as a
// Go string, so a following base64 modifier encodes the wide form.
func utf16String(s string, bigEndian, bom bool) string {
	units := utf16.Encode([]rune(s))
	var b strings.Builder
	if bom {
		b.WriteString("\xff\xfe")
	}
	for _, u := range units {
		if bigEndian {
			b.WriteByte(byte(u >> 8))
			b.WriteByte(byte(u))
		} else {
			b.WriteByte(byte(u))
			b.WriteByte(byte(u >> 8))
		}
	}
	return b.String()
}

// RegexError explains why re does not compile. Rules are often written
// for PCRE engines, whose constructs RE2 lacks (Go's regexp reports a
// lookbehind as an "invalid named capture"): such a construct is named as
// unsupported rather than passing on the parser's message.
func RegexError(re string, err error) string {
	for _, c := range []struct{ syntax, what string }{
		{"(?<=", "lookbehind"}, {"(?<!", "negative lookbehind"}, {"(?=", "lookahead"}, {"(?!", "negative lookahead"},
		{"(?>", "atomic groups"}, {"*+", "possessive quantifiers"}, {"++", "possessive quantifiers"}, {"?+", "possessive quantifiers"},
		{`\Z`, `\Z (write \z)`}, {`\1`, "backreferences"}, {`\2`, "backreferences"}, {`\k<`, "named backreferences"},
	} {
		if strings.Contains(re, c.syntax) {
			return fmt.Sprintf("regular expression %q uses %s, which RE2 (the regular expression syntax detc uses) does not support", re, c.what)
		}
	}
	return fmt.Sprintf("regular expression does not compile: %v", err)
}
