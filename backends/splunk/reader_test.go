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
	ev := splEvent{"_id": {"e"}, "f": {"ABC"}, "g": {"x*y"}, "n": {"0443"}, "p": {`C:\Win`}}
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
		{`* | eval k=0 | foreach * [eval k=if(match('<<FIELD>>', "Win"), 1, k)] | where k==1`, true, ""},
		{`* | eval _k=0 | foreach * [eval _k=if(match('<<FIELD>>', "^e\\z"), 1, _k)] | where _k==1`, false, ""}, // _id is internal
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
