package kql_test

import (
	"errors"
	"fmt"
	"github.com/detc/detc/internal/testutil"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/kql"
	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/rule"
)

// field is one matcher of a test rule.
type field struct {
	name   string
	mods   []string
	values []any // string, int, float64, bool or nil (null)
}

func raws(values []any) []rule.RawValue {
	out := make([]rule.RawValue, len(values))
	for i, v := range values {
		switch v := v.(type) {
		case nil:
			out[i] = rule.RawValue{Kind: rule.RawNull}
		case bool:
			out[i] = rule.RawValue{Kind: rule.RawBool, Text: fmt.Sprint(v)}
		case int, float64:
			out[i] = rule.RawValue{Kind: rule.RawNumber, Text: fmt.Sprint(v)}
		default:
			out[i] = rule.RawValue{Kind: rule.RawString, Text: v.(string)}
		}
	}
	return out
}

// testRule builds a rule whose condition is `sel` (or `not sel`), one
// group of the given matchers, through the shared modifier pipeline.
func testRule(t testing.TB, ls rule.LogSource, negate bool, fields ...field) *rule.Rule {
	t.Helper()
	pos := rule.Pos{File: "test.yml", Line: 3, Col: 5}
	g := &rule.Group{Pos: pos}
	for _, f := range fields {
		ms, diags := rule.BuildMatchers(f.name, f.mods, raws(f.values), pos)
		require.False(t, diags.HasErrors(), "%v", diags)
		g.Matchers = append(g.Matchers, ms...)
	}
	var cond rule.Expr = &rule.SearchRef{Name: "sel", Pos: pos}
	if negate {
		cond = &rule.Not{X: cond, Pos: pos}
	}
	return &rule.Rule{
		ID: "t1", Title: "test", Level: "medium", LogSource: ls, Pos: pos, File: "test.yml",
		Searches:  []*rule.Search{{Name: "sel", Groups: []*rule.Group{g}, Pos: pos}},
		Condition: cond,
	}
}

// typed is a mapping file that gives the raw profile's columns types.
var typed = func() *mapping.Profile {
	p, err := mapping.Parse("typed.yml", []byte(`
name: raw
target: kql
fields:
  n: {name: n, type: long}
  r: {name: r, type: real}
  b: {name: b, type: bool}
  d: {name: d, type: datetime}
  two: [a1, a2]
`), kqlSchema())
	if err != nil {
		panic(err)
	}
	return p
}()

// TestTranslation pins how each construct of the rule model is written
// (raw profile, field f is column f), and parses every result.
func TestTranslation(t *testing.T) {
	tests := []struct {
		name   string
		negate bool
		fields []field
		want   string
	}{
		{"equals", false, []field{{"f", nil, []any{"abc"}}}, `f =~ "abc"`},
		{"cased equals", false, []field{{"f", []string{"cased"}, []any{"AbC"}}}, `f == "AbC"`},
		{"list", false, []field{{"f", nil, []any{"a", "b"}}}, `f in~ ("a", "b")`},
		{"cased list", false, []field{{"f", []string{"cased"}, []any{"a", "b"}}}, `f in ("a", "b")`},
		{"contains a term", false, []field{{"f", []string{"contains"}, []any{"/x1/"}}}, `f has "/x1/"`},
		{"contains terms", false, []field{{"f", []string{"contains"}, []any{"/a1/", "-b2-"}}}, `f has_any ("/a1/", "-b2-")`},
		{"contains spaced", false, []field{{"f", []string{"contains"}, []any{" b2 "}}}, `f contains " b2 "`},
		{"contains glued", false, []field{{"f", []string{"contains"}, []any{".exe"}}}, `f contains ".exe"`},
		{"contains no term", false, []field{{"f", []string{"contains"}, []any{"://"}}}, `f contains "://"`},
		{"contains underscore end", false, []field{{"f", []string{"contains"}, []any{"/a_"}}}, `f contains "/a_"`},
		{"contains cased term", false, []field{{"f", []string{"contains", "cased"}, []any{"/Ab/"}}}, `f has_cs "/Ab/"`},
		{"contains cased terms", false, []field{{"f", []string{"contains", "cased"}, []any{"/A/", "/B/"}}}, `f has_cs "/A/" or f has_cs "/B/"`},
		{"startswith", false, []field{{"f", []string{"startswith"}, []any{"ab"}}}, `f startswith "ab"`},
		{"endswith cased", false, []field{{"f", []string{"endswith", "cased"}, []any{"ab"}}}, `f endswith_cs "ab"`},
		{"trailing star", false, []field{{"f", nil, []any{"ab*"}}}, `f startswith "ab"`},
		{"leading star", false, []field{{"f", nil, []any{"*ab"}}}, `f endswith "ab"`},
		{"both stars", false, []field{{"f", nil, []any{"*ab*"}}}, `f contains "ab"`},
		{"star alone", false, []field{{"f", nil, []any{"*"}}}, `isnotempty(f)`},
		{"question mark", false, []field{{"f", nil, []any{"a?c"}}}, `f matches regex "(?is)^a.c$"`},
		{"inner star", false, []field{{"f", nil, []any{"a*b.c"}}}, `f matches regex @"(?is)^a.*b\.c$"`},
		{"inner star cased", false, []field{{"f", []string{"cased"}, []any{"a*b"}}}, `f matches regex "(?s)^a.*b$"`},
		{"contains inner star", false, []field{{"f", []string{"contains"}, []any{"a*b"}}}, `f matches regex "(?is)a.*b"`},
		{"escaped star", false, []field{{"f", nil, []any{`a\*b`}}}, `f =~ "a*b"`},
		{"backslash path", false, []field{{"f", []string{"endswith"}, []any{`\cmd.exe`}}}, `f endswith @"\cmd.exe"`},
		{"quote", false, []field{{"f", nil, []any{`say "hi"`}}}, `f =~ "say \"hi\""`},
		{"non-ASCII letter", false, []field{{"f", nil, []any{"é"}}}, `f matches regex "(?is)^\u00E9$"`},
		{"non-ASCII letter cased", false, []field{{"f", []string{"cased"}, []any{"é"}}}, `f == "\u00E9"`},
		{"non-ASCII without case", false, []field{{"f", nil, []any{"–"}}}, `f =~ "\u2013"`},
		{"empty", false, []field{{"f", nil, []any{""}}}, `f =~ ""`},
		{"neq", false, []field{{"f", []string{"neq"}, []any{"a", "b"}}}, `not(f =~ "a") or not(f =~ "b")`},
		{"null", false, []field{{"f", nil, []any{nil}}}, `isempty(f)`},
		{"null or value", false, []field{{"f", nil, []any{nil, "a"}}}, `isempty(f) or f =~ "a"`},
		{"exists", false, []field{{"f", []string{"exists"}, []any{true}}}, `isnotempty(f)`},
		{"exists false", false, []field{{"f", []string{"exists"}, []any{false}}}, `isempty(f)`},
		{"gt", false, []field{{"f", []string{"gt"}, []any{5}}}, `toreal(f) > 5`},
		{"lte real", false, []field{{"f", []string{"lte"}, []any{1.5}}}, `toreal(f) <= 1.5`},
		{"gt under not", true, []field{{"f", []string{"gt"}, []any{5}}}, `not(coalesce(toreal(f) > 5, false))`},
		{"number", false, []field{{"f", nil, []any{4104}}}, `toreal(f) == 4104`},
		{"number string op", false, []field{{"f", []string{"startswith"}, []any{41}}}, `f startswith "41"`},
		{"bool", false, []field{{"f", nil, []any{true}}}, `f =~ "true"`},
		{"re", false, []field{{"f", []string{"re"}, []any{`a\d+`}}}, `f matches regex @"a\d+"`},
		{"re flags", false, []field{{"f", []string{"re", "i", "m", "s"}, []any{"^a.b$"}}}, `f matches regex "(?ims)^a.b$"`},
		{"cidr", false, []field{{"f", []string{"cidr"}, []any{"10.1.2.3/8"}}}, `ipv4_is_in_range(f, "10.0.0.0/8")`},
		{"cidr list", false, []field{{"f", []string{"cidr"}, []any{"10.0.0.0/8", "fe80::/10", "172.16.0.0/12"}}}, `ipv4_is_in_any_range(f, "10.0.0.0/8", "172.16.0.0/12") or ipv6_is_in_range(f, "fe80::/10")`},
		{"cidr mapped", false, []field{{"f", []string{"cidr"}, []any{"::/0"}}}, `ipv6_is_in_range(f, "::/0") and f contains ":"`},
		{"cidr under not", true, []field{{"f", []string{"cidr"}, []any{"10.0.0.0/8"}}}, `not(coalesce(ipv4_is_in_range(f, "10.0.0.0/8"), false))`},
		{"fieldref", false, []field{{"f", []string{"fieldref"}, []any{"g"}}}, `isnotempty(g) and f =~ g`},
		{"fieldref cased endswith", false, []field{{"f", []string{"fieldref", "endswith", "cased"}, []any{"g"}}}, `isnotempty(g) and f endswith_cs g`},
		{"keyword", false, []field{{"", nil, []any{"evil", "/x1/"}}}, `* contains "evil" or * has "/x1/"`},
		{"keyword cased", false, []field{{"", []string{"cased"}, []any{"Evil"}}}, `* contains_cs "Evil"`},
		{"keyword stars", false, []field{{"", nil, []any{"*evil*"}}}, `* contains "evil"`},
		{"all", false, []field{{"f", []string{"contains", "all"}, []any{"a", "b"}}}, `f contains "a" and f contains "b"`},
		{"windash", false, []field{{"f", []string{"windash", "contains"}, []any{"-x"}}}, "f contains \"-x\"\n    or f contains \"/x\"\n    or f contains \"\\u2013x\"\n    or f contains \"\\u2014x\"\n    or f contains \"\\u2015x\""}, // ASCII: the dashes as escapes
		{"wide", false, []field{{"f", []string{"wide", "contains"}, []any{"ab"}}}, `f contains "a\u0000b\u0000"`},
		{"typed long", false, []field{{"n", []string{"gt"}, []any{5}}}, `n > 5`},
		{"typed long under not", true, []field{{"n", nil, []any{5}}}, `not(coalesce(n == 5, false))`},
		{"typed long as text", false, []field{{"n", nil, []any{"12*"}}}, `tostring(n) startswith "12"`},
		{"typed long regex", false, []field{{"n", []string{"re"}, []any{"^1[0-9]$"}}}, `tostring(n) matches regex "^1[0-9]$"`},
		{"typed real", false, []field{{"r", []string{"lt"}, []any{0.25}}}, `r < 0.25`},
		{"typed bool", false, []field{{"b", nil, []any{false}}}, `b == false`},
		{"typed bool text", false, []field{{"b", nil, []any{"tr*"}}}, `tostring(b) startswith "tr"`},
		{"typed datetime null", false, []field{{"d", nil, []any{nil}}}, `isempty(d)`},
		{"two columns", false, []field{{"two", nil, []any{"a", "b"}}}, `a1 in~ ("a", "b") or a2 in~ ("a", "b")`},
		{"two columns null", false, []field{{"two", nil, []any{nil}}}, `isempty(a1) and isempty(a2)`},
		{"two columns exists", false, []field{{"two", []string{"exists"}, []any{true}}}, `isnotempty(a1) or isnotempty(a2)`},
		{"two columns neq", false, []field{{"two", []string{"neq"}, []any{"a"}}}, `not(a1 =~ "a" or a2 =~ "a")`},
		{"keyword column name", false, []field{{"count", nil, []any{"x"}}}, `['count'] =~ "x"`},
	}
	b := kql.New()
	check := newChecker(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRule(t, rule.LogSource{Category: "test"}, tt.negate, tt.fields...)
			q, err := b.Compile(testutil.Checked(t, r), target.Options{Profile: "raw", Overrides: typed})
			require.NoError(t, err)
			want := "SigmaEvents\n| where " + tt.want
			if tt.negate {
				want = "SigmaEvents\n| where not(" + tt.want[len("not("):]
			}
			assert.Equal(t, want, q.Text)
			check.add(t, tt.name, q, q.Text, typed)
		})
	}
	check.requireClean(t)
}

// TestRefusals: what KQL cannot express with the rule's meaning is refused
// with the rule, the construct and the reason.
func TestRefusals(t *testing.T) {
	proxy := rule.LogSource{Category: "proxy"}
	tests := []struct {
		name    string
		profile string
		ls      rule.LogSource
		fields  []field
		want    string
	}{
		{"keyword with inner wildcard", "raw", proxy, []field{{"", nil, []any{"a*b"}}},
			`keyword "a*b": wildcards inside a keyword need a regular expression`},
		{"keyword star", "raw", proxy, []field{{"", nil, []any{"*"}}},
			`keyword "*": it matches any event that has a string value`},
		{"keyword non-ASCII letter", "raw", proxy, []field{{"", nil, []any{"é"}}},
			`keyword "é": a case-insensitive match of non-ASCII letters needs a regular expression`},
		{"keyword startswith", "raw", proxy, []field{{"", []string{"startswith"}, []any{"a"}}},
			`a keyword with modifier startswith: KQL searches every column only for substrings`},
		{"utf16 bytes", "raw", proxy, []field{{"f", []string{"utf16le", "contains"}, []any{"é"}}},
			`is not UTF-8 text (the wide/utf16 modifiers make raw bytes)`},
		{"string op on real", "raw", proxy, []field{{"r", []string{"contains"}, []any{"1"}}},
			`modifier contains on field "r": its column r is of type real`},
		{"number on datetime", "raw", proxy, []field{{"d", []string{"gt"}, []any{1}}},
			`modifier gt on field "d": its column d is of type datetime, not a number`},
		{"bool on long", "raw", proxy, []field{{"n", nil, []any{true}}},
			`the bool true cannot equal column n of type long`},
		{"cidr on long", "raw", proxy, []field{{"n", []string{"cidr"}, []any{"10.0.0.0/8"}}},
			`its column n is of type long; KQL's IP functions read address text`},
		{"unmapped field", "sentinel-asim", proxy, []field{{"c-ip", nil, []any{"x"}}},
			`kql/sentinel-asim cannot express field "c-ip": no mapping for this field`},
		{"unsupported field", "defender-xdr", proxy, []field{{"c-useragent", nil, []any{"curl/*"}}},
			`kql/defender-xdr cannot express field "c-useragent": Defender XDR has no user-agent column`},
		{"URL on Defender", "defender-xdr", proxy, []field{{"c-uri", []string{"contains"}, []any{"/api/"}}},
			`Defender's RemoteUrl is usually only the host name for HTTPS`},
		{"ASIM URL path", "sentinel-asim", proxy, []field{{"c-uri-stem", nil, []any{"/x"}}},
			`ASIM has no URL path column`},
		{"cased access mask on Defender", "defender-xdr", rule.LogSource{Category: "process_access", Product: "windows"}, []field{{"GrantedAccess", []string{"cased"}, []any{"0x1FFFFF"}}},
			`field "GrantedAccess": a case-sensitive comparison (cased) cannot be kept: the access mask is rebuilt from DesiredAccess in lower-case hexadecimal`},
		{"remote thread's target by its folder on Defender", "defender-xdr", rule.LogSource{Category: "create_remote_thread", Product: "windows"}, []field{{"TargetImage", []string{"endswith"}, []any{`\System32\lsass.exe`}}},
			`the value "\\System32\\lsass.exe" names a folder (the target records the file name of the rule's TargetImage in FileName`},
		{"no source", "sentinel-asim", rule.LogSource{Category: "database"}, []field{{"f", nil, []any{"x"}}},
			`cannot express log source category=database: no source for log source category=database`},
	}
	b := kql.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRule(t, tt.ls, false, tt.fields...)
			_, err := b.Compile(testutil.Checked(t, r), target.Options{Profile: tt.profile, Overrides: typed})
			var te *target.Refusal
			require.True(t, errors.As(err, &te), "want a refusal, got %v", err)
			assert.Equal(t, "t1", te.RuleID)
			assert.Equal(t, "kql", te.Target)
			assert.Equal(t, "test.yml:3:5", te.Pos.String())
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestRawOverrides: a user file names the raw table, the time column and a
// field's type for every rule.
func TestRawOverrides(t *testing.T) {
	o, err := mapping.Parse("mine.yml", []byte(`
name: raw
sources:
  - logsource: {}
    attrs: {table: SigmaEvents_CL, time: EventTime}
fields:
  cs-bytes: {name: cs-bytes, type: long}
`), kqlSchema())
	require.NoError(t, err)
	r := testRule(t, rule.LogSource{Category: "proxy"}, false, field{"cs-bytes", []string{"gt"}, []any{1000}})
	r.Aggregation = &rule.Aggregation{Func: rule.AggSum, Field: "cs-bytes", GroupBy: []string{"src_ip"}, Window: 5 * time.Minute, Op: rule.CmpGt, Threshold: 1e6}
	q, err := kql.New().Compile(testutil.Checked(t, r), target.Options{Profile: "raw", Overrides: o})
	require.NoError(t, err)
	assert.Equal(t, `SigmaEvents_CL
| where ['cs-bytes'] > 1000
| summarize AggValue = sum(['cs-bytes']), NumericValues = countif(isnotnull(['cs-bytes'])) by bin(EventTime, 5m), src_ip
| where NumericValues > 0 and AggValue > 1000000`, q.Text)
	assert.Equal(t, "SigmaEvents_CL", q.Source.Attr("table"))
}

// TestDerivedKeys: a field the profile maps to several columns is one value
// per event in the rule model. As a group-by key or an aggregated field it
// becomes one column derived after the where clauses (so the filter still
// reads every column), named after the Sigma field, holding the first
// non-empty column in the profile's order; each is derived once.
func TestDerivedKeys(t *testing.T) {
	o, err := mapping.Parse("mine.yml", []byte(`
name: raw
fields:
  host: [h1, h2, h3]
  bytes: {names: [b1, b2], type: long}
`), kqlSchema())
	require.NoError(t, err)
	base := testRule(t, rule.LogSource{Category: "proxy"}, false, field{"host", []string{"endswith"}, []any{".example"}})
	b := kql.New()
	check := newChecker(t)
	tests := []struct {
		name string
		agg  rule.Aggregation
		want string
	}{
		{"group-by", rule.Aggregation{Func: rule.AggCount, GroupBy: []string{"src_ip", "host"}, Op: rule.CmpGte, Threshold: 2}, `SigmaEvents
| where h1 endswith ".example" or h2 endswith ".example" or h3 endswith ".example"
| extend host = coalesce(h1, h2, h3)
| summarize AggValue = count() by bin(TimeGenerated, 1h), src_ip, host
| where AggValue >= 2`},
		{"group-by and distinct count, derived once", rule.Aggregation{Func: rule.AggDistinctCount, Field: "host", GroupBy: []string{"host"}, Op: rule.CmpGt, Threshold: 1}, `SigmaEvents
| where h1 endswith ".example" or h2 endswith ".example" or h3 endswith ".example"
| extend host = coalesce(h1, h2, h3)
| summarize AggValue = count_distinct(host) by bin(TimeGenerated, 1h), host
| where AggValue > 1`},
		{"typed sum", rule.Aggregation{Func: rule.AggSum, Field: "bytes", GroupBy: []string{"host"}, Op: rule.CmpGt, Threshold: 1000}, `SigmaEvents
| where h1 endswith ".example" or h2 endswith ".example" or h3 endswith ".example"
| extend host = coalesce(h1, h2, h3), bytes = coalesce(b1, b2)
| summarize AggValue = sum(bytes), NumericValues = countif(isnotnull(bytes)) by bin(TimeGenerated, 1h), host
| where NumericValues > 0 and AggValue > 1000`},
		{"temporal", rule.Aggregation{Func: rule.AggTemporal, GroupBy: []string{"host"}, Parts: []rule.Expr{&rule.SearchRef{Name: "sel"}}}, `SigmaEvents
| extend Part1 = (h1 endswith ".example" or h2 endswith ".example" or h3 endswith ".example")
| where Part1
| extend host = coalesce(h1, h2, h3)
| summarize Part1Count = countif(Part1) by bin(TimeGenerated, 1h), host
| where Part1Count > 0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := *base
			agg := tt.agg
			agg.Window = time.Hour
			r.Aggregation = &agg
			q, err := b.Compile(testutil.Checked(t, &r), target.Options{Profile: "raw", Overrides: o})
			require.NoError(t, err)
			assert.Equal(t, tt.want, q.Text)
			check.add(t, tt.name, q, q.Text, o)
		})
	}
	check.requireClean(t)
}
