package rule

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// FuzzParseTimespan: a time span is accepted only between 1s and
// MaxTimespan, as a whole number of its unit; every refusal says why.
// Seeds: testdata/fuzz/FuzzParseTimespan.
func FuzzParseTimespan(f *testing.F) {
	for _, s := range []string{"5m", "-5m", "0s", "99999999999d", "365d", "366d", "9223372036854775807s", "1.5h", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseTimespan(s)
		if err != nil {
			if d != 0 || !strings.HasPrefix(err.Error(), `"`) {
				t.Fatalf("%q: %v, %v", s, d, err)
			}
			return
		}
		if d < time.Second || d > MaxTimespan {
			t.Fatalf("%q accepted as %v, outside 1s..365d", s, d)
		}
		if d%timespanUnits[s[len(s)-1:]] != 0 {
			t.Fatalf("%q gave %v, not a whole number of its unit", s, d)
		}
	})
}

// FuzzCheckFieldName: an accepted field name has no character that no
// target can name.
func FuzzCheckFieldName(f *testing.F) {
	for _, s := range []string{"cs-host", "cs-\x1bhost", "a\x01", "a\tb", "user\u202ename", "a\u2028", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CheckFieldName(s) != nil {
			return
		}
		if !utf8.ValidString(s) {
			t.Fatalf("%q accepted, not UTF-8", s)
		}
		for _, r := range s {
			if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) {
				t.Fatalf("%q accepted with %U", s, r)
			}
		}
	})
}
