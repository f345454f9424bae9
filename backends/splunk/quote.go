package splunk

import (
	"fmt"
	"github.com/detc/detc/internal/textutil"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/detc/detc/internal/rule"
)

// Quoting. Every value reaches SPL through one of three writers:
//
//   - searchValue: a double-quoted value of the search command. Inside
//     quotes only `\` and `"` are special and both are escaped with a
//     backslash; `*` is always a wildcard and cannot be escaped, so values
//     with a literal `*` never take this form.
//   - evalString: a double-quoted string literal of an eval expression
//     (where, eval): the same two escapes.
//   - the regular expressions of match(), built by patternRegex and
//     toPCRE, which write every character outside [A-Za-z0-9_ ] and every
//     non-printable character as an escape, so the regex text holds no
//     quote, no backtick (macro expansion), no newline and no pipe.

// searchValue quotes text for the search command.
func searchValue(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' || s[i] == '"' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// evalString quotes text as an eval string literal.
func evalString(s string) string { return searchValue(s) }

// searchSafe reports whether a literal can sit inside a quoted search
// value with its meaning kept: no `*` (always a wildcard), no control
// character (the search bar and .conf files are line-based) and no
// backtick (macro expansion happens before quoting is read).
func searchSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '*' || c == '`' || c < 0x20 || c == 0x7f {
			return false
		}
	}
	return utf8.ValidString(s)
}

// quoteRegexLiteral writes s as a PCRE fragment that matches exactly s.
func quoteRegexLiteral(b *strings.Builder, s string) {
	for _, r := range s {
		writeRegexRune(b, r)
	}
}

func writeRegexRune(b *strings.Builder, r rune) {
	switch {
	case r == '"' || r == '`' || r == '\'' || r == '<':
		// Kept out of the text so that no quoting layer sees them (< so
		// that no value can spell a <<FIELD>> template token, should a query
		// be embedded in foreach or map).
		fmt.Fprintf(b, `\x%02x`, r)
	case r < utf8.RuneSelf && strings.ContainsRune(`\^$.|?*+()[]{}`, r):
		b.WriteByte('\\')
		b.WriteRune(r)
	case r < utf8.RuneSelf && r >= 0x20 && r < 0x7f:
		b.WriteRune(r)
	case r < 0x100 && !unicode.IsPrint(r):
		fmt.Fprintf(b, `\x%02x`, r)
	case r >= utf8.RuneSelf && unicode.IsPrint(r):
		b.WriteRune(r)
	default:
		fmt.Fprintf(b, `\x{%x}`, r)
	}
}

// patternRegex turns a rule pattern under a string comparison into a PCRE
// that finds the same strings: anchored for equals, startswith and
// endswith, `*` as any run (newlines included), `?` as one character.
func patternRegex(p rule.Pattern, op rule.Op, cased bool) string {
	body, wild := patternBody(p)
	return anchored(body, op, !cased, wild)
}

// anchored adds the flags and the anchors of a string comparison to an
// unanchored regex.
func anchored(body string, op rule.Op, ignoreCase, wild bool) string {
	var b strings.Builder
	b.WriteString(regexFlags(ignoreCase, wild))
	if op == rule.OpEquals || op == rule.OpStartsWith {
		b.WriteString(`\A`)
	}
	b.WriteString(body)
	if op == rule.OpEquals || op == rule.OpEndsWith {
		// \z, not $: PCRE's $ also matches before a final newline.
		b.WriteString(`\z`)
	}
	return b.String()
}

// patternBody is the unanchored regex of a pattern; wild says whether it
// has a wildcard.
func patternBody(p rule.Pattern) (string, bool) {
	return regexBody(p, ".", quoteRegexLiteral)
}

// regexBody writes a pattern as a regex: * as any run, ? as anyChar, the
// literal parts through literal.
func regexBody(p rule.Pattern, anyChar string, literal func(*strings.Builder, string)) (string, bool) {
	var b strings.Builder
	wild := false
	for _, part := range p {
		switch part.Kind {
		case rule.AnyRun:
			b.WriteString(".*")
			wild = true
		case rule.AnyChar:
			b.WriteString(anyChar)
			wild = true
		default:
			literal(&b, part.Text)
		}
	}
	return b.String(), wild
}

// regexFlags: (?i) for a case-insensitive match, (?s) so that wildcards
// cross newlines as the rule model's * and ? do.
func regexFlags(ignoreCase, wild bool) string {
	flags := ""
	if ignoreCase {
		flags += "i"
	}
	if wild {
		flags += "s"
	}
	if flags == "" {
		return ""
	}
	return "(?" + flags + ")"
}

// fieldRef writes a field name for an eval expression: bare when it is a
// plain identifier, otherwise in single quotes (names such as cs-host or
// Web.url would read as arithmetic or concatenation).
func fieldRef(name string) string {
	if isIdent(name) {
		return name
	}
	return "'" + name + "'"
}

func isIdent(s string) bool {
	if s == "" || isKeywordName(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(textutil.IsASCIIAlnum(c) || c == '_') || (i == 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// searchFieldOK reports whether a field name can be written unquoted on
// the left of field=value in the search command.
func searchFieldOK(s string) bool {
	if s == "" || isKeywordName(s) || !(textutil.IsASCIIAlnum(s[0]) || s[0] == '_') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(textutil.IsASCIIAlnum(c) || c == '_' || c == '.' || c == '-' || c == ':') {
			return false
		}
	}
	return true
}

func isKeywordName(s string) bool {
	switch strings.ToUpper(s) {
	case "AND", "OR", "NOT", "XOR", "LIKE", "IN", "TRUE", "FALSE", "NULL":
		return true
	}
	return false
}

// fieldNameProblem says why a target field name cannot be written in SPL
// at all ("" when it can): single-quoted names cannot hold a quote, and
// nothing may hold a backtick, a control character or invalid UTF-8.
func fieldNameProblem(s string) string {
	switch {
	case s == "":
		return "the field name is empty"
	case !utf8.ValidString(s):
		return "the field name is not valid UTF-8"
	case strings.ContainsAny(s, "'\"`<>"):
		return "SPL cannot quote a field name holding ', \", `, < or >"
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return "the field name holds a control character"
		}
	}
	return ""
}

// statsFieldOK: the names stats, bin, fillnull and tstats take in lists.
func statsFieldOK(s string) bool { return searchFieldOK(s) }
