package elastic

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eqlStringToken is a double-quoted string as Elastic's EQL grammar lexes
// it: the escapes \b \t \n \f \r \" \' \\ and \u{...} with two to eight
// hex digits; no raw line ends.
var eqlStringToken = regexp.MustCompile(`^"(?:\\[btnfr"'\\]|\\u\{[0-9a-fA-F]{2,8}\}|[^\r\n"\\])*"$`)

// unquoteEQL reads a literal the grammar accepts back into its text.
func unquoteEQL(t *testing.T, lit string) string {
	t.Helper()
	var b strings.Builder
	named := map[byte]string{'b': "\b", 't': "\t", 'n': "\n", 'f': "\f", 'r': "\r", '"': `"`, '\'': "'", '\\': `\`}
	body := lit[1 : len(lit)-1]
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' {
			b.WriteByte(body[i])
			continue
		}
		i++
		if body[i] == 'u' {
			end := strings.IndexByte(body[i:], '}')
			n, err := strconv.ParseUint(body[i+2:i+end], 16, 32)
			require.NoError(t, err)
			b.WriteRune(rune(n))
			i += end
			continue
		}
		b.WriteString(named[body[i]])
	}
	return b.String()
}

// TestEQLStringEscapesEveryControlCharacter: every control character, alone
// and inside text, gives a literal that Elastic's grammar lexes and that
// reads back as the same text.
func TestEQLStringEscapesEveryControlCharacter(t *testing.T) {
	var controls []rune
	for r := rune(0); r < 0x20; r++ {
		controls = append(controls, r)
	}
	controls = append(controls, 0x7f)
	for _, r := range controls {
		for _, s := range []string{string(r), "a" + string(r) + "b", `C:\dir` + string(r) + `"x"`} {
			t.Run(fmt.Sprintf("%U/%q", r, s), func(t *testing.T) {
				lit := eqlString(s)
				require.Regexp(t, eqlStringToken, lit)
				assert.Equal(t, s, unquoteEQL(t, lit))
			})
		}
	}
	assert.Equal(t, `"\u{0c}"`, eqlString("\f"))
	assert.Equal(t, `"\u{7f}"`, eqlString("\x7f"))
}

// eqlStringLiterals returns the double-quoted string literals of an EQL
// query (raw """...""" strings and backquoted names skipped), as the
// grammar's lexer would cut them: each must then match eqlStringToken.
func eqlStringLiterals(q string) []string {
	var out []string
	for i := 0; i < len(q); i++ {
		switch {
		case strings.HasPrefix(q[i:], `"""`):
			end := strings.Index(q[i+3:], `"""`)
			if end < 0 {
				return append(out, q[i:])
			}
			i += 3 + end + 2
		case q[i] == '"':
			j := i + 1
			for j < len(q) && q[j] != '"' {
				if q[j] == '\\' {
					j++
				}
				j++
			}
			out = append(out, q[i:min(j+1, len(q))])
			i = j
		case q[i] == '`':
			j := i + 1
			for j < len(q) && (q[j] != '`' || j+1 < len(q) && q[j+1] == '`') {
				if q[j] == '`' {
					j++
				}
				j++
			}
			i = j
		}
	}
	return out
}

// TestEQLStringLiterals: the literal finder the corpus test uses skips
// backquoted names and raw strings and keeps escaped quotes inside.
func TestEQLStringLiterals(t *testing.T) {
	assert.Equal(t, []string{`"a\"b"`, `"c"`}, eqlStringLiterals("any where `x\"y` : \"a\\\"b\" and z regex \"\"\"[\"]\"\"\" and w == \"c\""))
}
