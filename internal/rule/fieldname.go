package rule

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// MaxFieldNameBytes bounds one field name. Real schemas stay under a
// hundred bytes; KQL and Elasticsearch refuse much longer names.
const MaxFieldNameBytes = 256

// CheckFieldName says what is wrong with a field name no target can name,
// or returns nil. Every query language detc writes quotes or escapes
// spaces and punctuation, but none can carry control characters (TAB,
// ESC, U+0001 ...), invisible format characters (bidirectional overrides,
// zero-width spaces), line or paragraph separators, non-characters or
// invalid UTF-8: such a name would be silently different in the SIEM, or
// break the query around it.
func CheckFieldName(name string) error {
	if name == "" {
		return fmt.Errorf("the field name is empty")
	}
	if len(name) > MaxFieldNameBytes {
		return fmt.Errorf("the field name is %d bytes long; at most %d are allowed", len(name), MaxFieldNameBytes)
	}
	for i, r := range name {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(name[i:]); size == 1 {
				return fmt.Errorf("field name %q is not valid UTF-8 at byte %d", name, i)
			}
		}
		var what string
		switch {
		case unicode.Is(unicode.Cc, r):
			what = "a control character"
		case unicode.Is(unicode.Cf, r):
			what = "an invisible format character"
		case unicode.In(r, unicode.Zl, unicode.Zp):
			what = "a line or paragraph separator"
		case isNonCharacter(r):
			what = "a Unicode non-character"
		default:
			continue
		}
		return fmt.Errorf("field name %q has %s (U+%04X) at byte %d: no target can name it", name, what, r, i)
	}
	return nil
}

// isNonCharacter reports the code points Unicode reserves as never being
// characters: U+FDD0..U+FDEF and the last two of every plane.
func isNonCharacter(r rune) bool {
	return r >= 0xFDD0 && r <= 0xFDEF || r&0xFFFE == 0xFFFE
}
