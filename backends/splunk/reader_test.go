package splunk_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The reader itself follows Splunk's documented semantics; these cases pin
// the ones the agreement tests rely on, so that a reader too lenient to
// catch an emitter bug fails here.
func TestReaderSemantics(t *testing.T) {
	ev := splEvent{"_id": {"e"}, "f": {"ABC"}, "g": {"x*y"}, "n": {"0443"}, "p": {`C:\Win`},
		"_raw": {`{"f":"ABC","ip":"10.1.2.3","url":"/a%2Bb/x.y","p":"C:\\Win","s":"x--y"}`}}
	tests := []struct {
		spl     string
		match   bool
		wantErr string
	}{
		{`f="abc"`, true, ""},
		{`f="a*"`, true, ""},
		{`f="a"`, false, ""},
		{`g="x\*y"`, false, ""}, // a backslash does not escape * in search
		{`p="C:\\Win"`, true, ""},
		{`NOT missing="x"`, true, ""},
		{`missing=*`, false, ""},
		{`f=* NOT missing=*`, true, ""},
		{`f="zzz" g="x*" OR f="abc"`, false, ""}, // OR binds tighter: f=zzz AND (g OR f)
		{`(f="zzz" g="x*") OR f="abc"`, true, ""},
		{`* | where NOT match(missing, "x")`, false, ""}, // null stays null under NOT
		{`* | where isnull(missing) OR NOT match(missing, "x")`, true, ""},
		{`* | where match(f, "^abc\\z")`, false, ""}, // match is case-sensitive
		{`* | where match(f, "(?i)^abc\\z")`, true, ""},
		{`* | where match(f, "C$")`, false, "PCRE $"},
		{`* | where match(f, "\\s")`, false, "PCRE \\s"},
		{`* | where tonumber(n)==443`, true, ""},
		{`* | where n=="443"`, true, ""}, // numeric on both sides
		{`* | where f=="abc"`, false, ""},
		{`* | where cidrmatch("10.0.0.0/8", missing)`, false, ""},
		{`"abc"`, true, ""},          // terms match _raw's tokens, ignoring case
		{`"ab"`, false, ""},          // a part of a token is not a token
		{`"10"`, true, ""},           // a minor segment of 10.1.2.3
		{`"1"`, true, ""},            // ... and of 10.1.2.3
		{`"win"`, true, ""},          // after the minor breaker \
		{`"2Bb"`, false, ""},         // %2B is a major breaker: the token is b
		{`"b"`, true, ""},            // the token after %2B
		{`"y"`, true, ""},            // -- is a major breaker
		{`TERM(10.1.2.3)`, true, ""}, // bounded by the major breaker "
		{`TERM(10.1)`, false, ""},    // not a whole major segment
		{`TERM(ip":"10.1.2.3)`, false, "major breaker"},
		{`TERM(x--y)`, false, ""}, // x and y are two major segments
		{`"a b"`, false, "terms with breakers or wildcards"},
		{`z*`, false, ""}, // no token starts with z
		{`AB*`, true, ""}, // ABC starts with ab
		{`"ab*"`, false, "terms with breakers or wildcards"},
		{`a*c`, false, "bare term"},
		{`*bc`, false, "bare term"},
		{`abc`, false, "bare term"},
		{`* | where match(_raw, "(?i)c:\\\\\\\\win")`, true, ""}, // where reads _raw as a field
		{`* | where substr(f, 2, 1)=="B" AND len(f)==3`, true, ""},
		{`* | delete`, false, "unsupported command"},
	}
	for _, tt := range tests {
		t.Run(tt.spl, func(t *testing.T) {
			p, err := parseSPL(tt.spl)
			var rows []splEvent
			if err == nil {
				rows, err = p.run([]splEvent{ev})
			}
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.match, len(rows) == 1)
		})
	}
}
