package rule

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParsePattern(t *testing.T) {
	tests := []struct {
		in    string
		want  Pattern
		lit   string
		isLit bool
	}{
		{"abc", Pattern{{Literal, "abc"}}, "abc", true},
		{"", nil, "", true},
		{"*.discord.com", Pattern{{AnyRun, ""}, {Literal, ".discord.com"}}, "", false},
		{"a?c", Pattern{{Literal, "a"}, {AnyChar, ""}, {Literal, "c"}}, "", false},
		{`a\*b`, Pattern{{Literal, "a*b"}}, "a*b", true},
		{`a\?b`, Pattern{{Literal, "a?b"}}, "a?b", true},
		{`C:\Windows\System32`, Pattern{{Literal, `C:\Windows\System32`}}, `C:\Windows\System32`, true},
		{`a\\*`, Pattern{{Literal, `a\`}, {AnyRun, ""}}, "", false},
		{`a\\\*`, Pattern{{Literal, `a\*`}}, `a\*`, true},
		{`trailing\`, Pattern{{Literal, `trailing\`}}, `trailing\`, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p := ParsePattern(tt.in)
			assert.Equal(t, tt.want, p)
			lit, ok := p.Literal()
			assert.Equal(t, tt.isLit, ok)
			assert.Equal(t, tt.lit, lit)
			assert.Equal(t, p, ParsePattern(p.String()), "String must round-trip through ParsePattern")
		})
	}
}

func TestPatternStringRoundTripsLiterals(t *testing.T) {
	for _, s := range []string{`*`, `?`, `\`, `\\`, `a\*`, `x" | delete`, `\\\`, "ünïcödé*?\\"} {
		p := LiteralPattern(s)
		back, ok := ParsePattern(p.String()).Literal()
		require.True(t, ok, s)
		assert.Equal(t, s, back)
	}
}

func raw(vals ...string) []RawValue {
	out := make([]RawValue, len(vals))
	for i, v := range vals {
		out[i] = RawValue{Kind: RawString, Text: v}
	}
	return out
}

func texts(vs []Value) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Text
	}
	return out
}

func TestBuildMatchers(t *testing.T) {
	tests := []struct {
		name      string
		field     string
		mods      []string
		values    []RawValue
		wantN     int
		wantOp    Op
		wantTexts []string
		check     func(t *testing.T, ms []*Matcher)
		wantErr   string
	}{
		{name: "plain", field: "cs-method", values: raw("POST", "PUT"), wantN: 1, wantOp: OpEquals, wantTexts: []string{"POST", "PUT"}},
		{name: "all splits", field: "CommandLine", mods: []string{"contains", "all"}, values: raw("curl", "-F"), wantN: 2, wantOp: OpContains, wantTexts: []string{"curl"}},
		{name: "keyword", field: "", values: raw("webhook"), wantN: 1, wantOp: OpContains},
		{name: "re flags", field: "c-uri", mods: []string{"re", "i", "s"}, values: raw(`^/api/v\d+/webhooks/`), wantN: 1, wantOp: OpRegex,
			check: func(t *testing.T, ms []*Matcher) {
				assert.Equal(t, RegexFlags{IgnoreCase: true, DotAll: true}, ms[0].Regex)
				assert.Equal(t, KindRegex, ms[0].Values[0].Kind)
			}},
		{name: "cased", field: "c-uri", mods: []string{"contains", "cased"}, values: raw("/Api/"), wantN: 1, wantOp: OpContains,
			check: func(t *testing.T, ms []*Matcher) { assert.True(t, ms[0].Cased) }},
		{name: "neq", field: "cs-method", mods: []string{"neq"}, values: raw("GET"), wantN: 1, wantOp: OpEquals,
			check: func(t *testing.T, ms []*Matcher) { assert.True(t, ms[0].Negate) }},
		{name: "windash", field: "CommandLine", mods: []string{"windash", "contains"}, values: raw(" -F "), wantN: 1, wantOp: OpContains,
			wantTexts: []string{" -F ", " /F ", " \u2013F ", " \u2014F ", " \u2015F "}},
		{name: "windash after contains (SigmaHQ order)", field: "CommandLine", mods: []string{"contains", "windash"}, values: raw(" -F "), wantN: 1, wantOp: OpContains,
			wantTexts: []string{" -F ", " /F ", " \u2013F ", " \u2014F ", " \u2015F "}},
		{name: "number equality", field: "EventID", values: []RawValue{{Kind: RawNumber, Text: "4104"}}, wantN: 1, wantOp: OpEquals,
			check: func(t *testing.T, ms []*Matcher) {
				assert.Equal(t, KindNumber, ms[0].Values[0].Kind)
				assert.Equal(t, 4104.0, ms[0].Values[0].Number)
			}},
		{name: "null", field: "c-useragent", values: []RawValue{{Kind: RawNull}}, wantN: 1, wantOp: OpEquals,
			check: func(t *testing.T, ms []*Matcher) { assert.Equal(t, KindNull, ms[0].Values[0].Kind) }},
		{name: "exists", field: "cs-bytes", mods: []string{"exists"}, values: []RawValue{{Kind: RawBool, Text: "true"}}, wantN: 1, wantOp: OpExists},
		{name: "gte", field: "cs-bytes", mods: []string{"gte"}, values: []RawValue{{Kind: RawNumber, Text: "1048576"}}, wantN: 1, wantOp: OpGte},
		{name: "cidr", field: "dst_ip", mods: []string{"cidr"}, values: raw("10.0.0.0/8", "fd00::/8"), wantN: 1, wantOp: OpCIDR},
		{name: "fieldref", field: "src_ip", mods: []string{"fieldref"}, values: raw("dst_ip"), wantN: 1, wantOp: OpEquals,
			check: func(t *testing.T, ms []*Matcher) { assert.Equal(t, KindFieldRef, ms[0].Values[0].Kind) }},
		{name: "expand", field: "cs-host", mods: []string{"expand"}, values: raw("%approved_hosts%"), wantN: 1, wantOp: OpEquals,
			check: func(t *testing.T, ms []*Matcher) {
				assert.Equal(t, KindPlaceholder, ms[0].Values[0].Kind)
				assert.Equal(t, "approved_hosts", ms[0].Values[0].Text)
			}},
		{name: "base64 literal", field: "CommandLine", mods: []string{"base64", "contains"}, values: raw("*x?"), wantN: 1, wantOp: OpContains,
			check: func(t *testing.T, ms []*Matcher) {
				assert.False(t, ms[0].Values[0].Pattern.HasWildcards(), "encoded values are literal bytes")
			}},
		{name: "unknown modifier", field: "a", mods: []string{"containz"}, values: raw("x"), wantErr: `unknown modifier "containz" on field "a"`},
		{name: "two comparisons", field: "a", mods: []string{"contains", "endswith"}, values: raw("x"), wantErr: "cannot be combined"},
		{name: "flag without re", field: "a", mods: []string{"i"}, values: raw("x"), wantErr: "flag of re"},
		{name: "encoding after comparison", field: "a", mods: []string{"contains", "base64"}, values: raw("x"), wantErr: `value modifier "base64" must come before the comparison "contains"`},
		{name: "bad regex", field: "a", mods: []string{"re"}, values: raw("(unclosed"), wantErr: "does not compile"},
		{name: "regex too large", field: "a", mods: []string{"re"}, values: raw(strings.Repeat("(?:a{1000})", 101)), wantErr: `field "a": regular expression compiles to 101002 instructions; at most 100000 are allowed (a repetition such as {1000} copies what it repeats)`},
		{name: "regex repeat of a repeat", field: "a", mods: []string{"re"}, values: raw("(a{1000}){1000}"), wantErr: "invalid repeat count"},
		{name: "regex repeat count", field: "a", mods: []string{"re"}, values: raw("a{1001}"), wantErr: "invalid repeat count"},
		{name: "regex nesting", field: "a", mods: []string{"re"}, values: raw(strings.Repeat("(", 1001) + strings.Repeat(")", 1001)), wantErr: "expression nests too deeply"},
		{name: "windash options", field: "a", mods: []string{"windash", "contains"}, values: raw("-a -b -c -d -e -f -g"), wantErr: "windash gives 5 alternatives for each of the 7 options in \"-a -b -c -d -e -f -g\"; a value may have at most 6"},
		{name: "field name", field: "a\x1b", values: raw("x"), wantErr: `field name "a\x1b" has a control character (U+001B) at byte 1: no target can name it`},
		{name: "bad cidr", field: "a", mods: []string{"cidr"}, values: raw("10.0.0.300/8"), wantErr: "cidr needs a network"},
		{name: "gt needs number", field: "a", mods: []string{"gt"}, values: raw("big"), wantErr: "gt needs a number"},
		{name: "null with contains", field: "a", mods: []string{"contains"}, values: []RawValue{{Kind: RawNull}}, wantErr: "null can only"},
		{name: "cased with re", field: "a", mods: []string{"re", "cased"}, values: raw("x"), wantErr: "cased"},
		{name: "no values", field: "a", values: nil, wantErr: "has no values"},
		{name: "windash with too many options", field: "CommandLine", mods: []string{"windash", "contains"}, values: raw("-a -b -c -d -e -f -g"), wantErr: "a value may have at most 6"},
		{name: "too many values after windash", field: "CommandLine", mods: []string{"windash", "contains"}, values: raw("-a -b -c -d -e -f", "-a -b -c -d -e -f", "-a -b -c -d -e -f", "-a -b -c -d -e -f", "-a -b -c -d -e -f", "-a -b -c -d -e -f", "-a -b -c -d -e -f"), wantErr: "more than 100000 values"},
		{name: "windash at the option limit", field: "CommandLine", mods: []string{"windash", "contains"}, values: raw("-a -b -c -d -e -f"), wantN: 1, wantOp: OpContains,
			check: func(t *testing.T, ms []*Matcher) { assert.Len(t, ms[0].Values, 15625) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, diags := BuildMatchers(tt.field, tt.mods, tt.values, Pos{File: "r.yml", Line: 3, Col: 5})
			if tt.wantErr != "" {
				require.True(t, diags.HasErrors())
				assert.Contains(t, diags.Error(), tt.wantErr)
				assert.Contains(t, diags.Error(), "r.yml:3:5")
				assert.Nil(t, ms)
				return
			}
			require.False(t, diags.HasErrors(), diags.Error())
			require.Len(t, ms, tt.wantN)
			assert.Equal(t, tt.wantOp, ms[0].Op)
			if tt.wantTexts != nil {
				assert.Equal(t, tt.wantTexts, texts(ms[0].Values))
			}
			if tt.check != nil {
				tt.check(t, ms)
			}
		})
	}
}

func TestAllOnSingleValueWarns(t *testing.T) {
	ms, diags := BuildMatchers("a", []string{"contains", "all"}, raw("x"), Pos{})
	require.Len(t, ms, 1)
	require.Len(t, diags, 1)
	assert.Equal(t, Warning, diags[0].Severity)
}

// The three base64offset variants must each appear inside the base64 of any
// text that holds the value, whatever its offset.
func TestBase64OffsetFindsValueAtEveryOffset(t *testing.T) {
	ms, diags := BuildMatchers("CommandLine", []string{"base64offset", "contains"}, raw("Invoke-RestMethod"), Pos{})
	require.False(t, diags.HasErrors())
	variants := texts(ms[0].Values)
	require.Len(t, variants, 3)
	for prefix := 0; prefix < 6; prefix++ {
		text := strings.Repeat("x", prefix) + "Invoke-RestMethod -Uri https://discord.com/api/webhooks/1/a"
		enc := base64.StdEncoding.EncodeToString([]byte(text))
		found := false
		for _, v := range variants {
			found = found || strings.Contains(enc, v)
		}
		assert.True(t, found, "prefix %d: %s not found by %v", prefix, enc, variants)
	}
}

func TestWideEncodesUTF16LE(t *testing.T) {
	ms, diags := BuildMatchers("ScriptBlockText", []string{"wide", "base64", "contains"}, raw("ab"), Pos{})
	require.False(t, diags.HasErrors())
	assert.Equal(t, base64.StdEncoding.EncodeToString([]byte("a\x00b\x00")), ms[0].Values[0].Text)
}

func TestExpandQuantifiers(t *testing.T) {
	searches := []*Search{{Name: "sel_a"}, {Name: "sel_b"}, {Name: "_hidden"}, {Name: "filter"}}
	tests := []struct {
		q    *Quantified
		want []string
		and  bool
	}{
		{&Quantified{Pattern: "them"}, []string{"sel_a", "sel_b", "filter"}, false},
		{&Quantified{All: true, Pattern: "sel_*"}, []string{"sel_a", "sel_b"}, true},
		{&Quantified{Pattern: "filter"}, []string{"filter"}, false},
	}
	for _, tt := range tests {
		got := Expand(tt.q, searches)
		var names []string
		Walk(got, func(e Expr) {
			if r, ok := e.(*SearchRef); ok {
				names = append(names, r.Name)
			}
		})
		assert.Equal(t, tt.want, names)
		if len(tt.want) > 1 {
			_, isAnd := got.(*And)
			assert.Equal(t, tt.and, isAnd)
		}
	}
	missing := &Quantified{Pattern: "nope_*"}
	assert.Same(t, missing, Expand(missing, searches), "a quantifier matching nothing is left for lint to report")
}

func TestCmpOpHolds(t *testing.T) {
	assert.True(t, CmpGt.Holds(2, 1))
	assert.False(t, CmpGt.Holds(1, 1))
	assert.True(t, CmpGte.Holds(1, 1))
	assert.True(t, CmpLt.Holds(0, 1))
	assert.True(t, CmpLte.Holds(1, 1))
	assert.True(t, CmpEq.Holds(1, 1))
	assert.True(t, CmpNeq.Holds(2, 1))
}

func TestDiagnosticsSortAndString(t *testing.T) {
	ds := Diagnostics{
		{Severity: Warning, Pos: Pos{File: "b.yml", Line: 1, Col: 1}, Summary: "w"},
		{Severity: Error, Pos: Pos{File: "a.yml", Line: 9, Col: 2}, Summary: "e", Detail: "more"},
	}
	ds.Sort()
	assert.Equal(t, "a.yml:9:2: error: e: more\nb.yml:1:1: warning: w", ds.Error())
	assert.True(t, ds.HasErrors())
}

func TestPatternStringEscapesOnlyWhereNeeded(t *testing.T) {
	assert.Equal(t, `\AppData\Local\Temp\`, LiteralPattern(`\AppData\Local\Temp\`).String(), "a trailing backslash is not an escape")
	assert.Equal(t, `C:\\*`, Pattern{{Literal, `C:\`}, {AnyRun, ""}}.String(), "a backslash before a wildcard is")
	assert.Equal(t, `a\\\b`, LiteralPattern(`a\\b`).String(), "a backslash before a backslash is")
}

func TestParseTimespan(t *testing.T) {
	for in, want := range map[string]time.Duration{"90s": 90 * time.Second, "5m": 5 * time.Minute, "12h": 12 * time.Hour, "7d": 7 * 24 * time.Hour} {
		got, err := ParseTimespan(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, tt := range []struct{ in, want string }{
		{"", `"" is not a time span: write a whole number and a unit s, m, h or d (for example 5m)`},
		{"5", `"5" is not a time span: write a whole number and a unit s, m, h or d (for example 5m)`},
		{"m", `"m" is not a time span: write a whole number and a unit s, m, h or d (for example 5m)`},
		{"1.5h", `"1.5h" is not a time span: write a whole number and a unit s, m, h or d (for example 5m)`},
		{"5 m", `"5 m" is not a time span: write a whole number and a unit s, m, h or d (for example 5m)`},
		{"5M", `"5M" is not a time span: write a whole number and a unit s, m, h or d (for example 5m)`},
		{"+5m", `"+5m" is not a time span: write a whole number and a unit s, m, h or d (for example 5m)`},
		{"-5m", `"-5m" is negative: a time span is at least 1s`},
		{"0s", `"0s" is zero: a time span is at least 1s`},
		{"0m", `"0m" is zero: a time span is at least 1s`},
		{"366d", `"366d" is longer than the longest time span, 365d`},
		{"8761h", `"8761h" is longer than the longest time span, 365d`},
		{"99999999999d", `"99999999999d" is longer than the longest time span, 365d`},
		{"99999999999999999999d", `"99999999999999999999d" is longer than the longest time span, 365d`},
	} {
		_, err := ParseTimespan(tt.in)
		assert.EqualError(t, err, tt.want, tt.in)
	}
	got, err := ParseTimespan("365d")
	require.NoError(t, err)
	assert.Equal(t, MaxTimespan, got)
}

func TestCheckFieldName(t *testing.T) {
	for _, ok := range []string{"cs-host", "Event.System.EventID", "process.command_line", "Field With Spaces", "ключ", "a'b\"c`d"} {
		assert.NoError(t, CheckFieldName(ok), ok)
	}
	for _, tt := range []struct{ in, want string }{
		{"", "the field name is empty"},
		{"a\x1bb", `field name "a\x1bb" has a control character (U+001B) at byte 1: no target can name it`},
		{"\x01", `field name "\x01" has a control character (U+0001) at byte 0: no target can name it`},
		{"a\tb", `field name "a\tb" has a control character (U+0009) at byte 1: no target can name it`},
		{"a\u0085", `field name "a\u0085" has a control character (U+0085) at byte 1: no target can name it`},
		{"a\u200bb", `field name "a\u200bb" has an invisible format character (U+200B) at byte 1: no target can name it`},
		{"a\u2028", `field name "a\u2028" has a line or paragraph separator (U+2028) at byte 1: no target can name it`},
		{"a\uffff", `field name "a\uffff" has a Unicode non-character (U+FFFF) at byte 1: no target can name it`},
		{"a\xffb", `field name "a\xffb" is not valid UTF-8 at byte 1`},
		{strings.Repeat("a", 257), "the field name is 257 bytes long; at most 256 are allowed"},
	} {
		assert.EqualError(t, CheckFieldName(tt.in), tt.want, "%q", tt.in)
	}
}
