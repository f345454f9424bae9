package lucenere

import (
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestResolveBoundariesKeepsMatches: each expression with word boundaries
// and its rewrite without them (as RE2 text, run by Go's regexp, which
// implements RE2's ASCII \b) find a match in exactly the same texts, over
// random texts of word and non-word characters (ASCII and not), edges
// included.
func TestResolveBoundariesKeepsMatches(t *testing.T) {
	exprs := []string{
		`https?://(?:(?:25[0-5]|(?:2[0-4]|1\d|[1-9])?\d)(?:\.|\b)){4}`,
		`\bcmd\b`,
		`\bx`,
		`x\B`,
		`\B-`,
		`-\b`,
		`\b-\B`,
		`a\B(b|\bc)`,
		`(?:\d\b|\.){2,3}`,
		`x\b$`,
		`^\bx`,
		`(?:a|-)\b(?:b|\.)`,
		`(?i)\bwhoami\b`,
		`net\s+user\b`,
		`\b(?:ab|cd)\b`,
	}
	rng := rand.New(rand.NewPCG(15, 4))
	alphabet := []string{"a", "b", "c", "d", "x", "1", "2", "5", "0", "9", "_", ".", "-", " ", "/", ":", "é", "K", "\n", "http://", "cmd", "whoami", "net user", "WHOAMI"}
	for _, expr := range exprs {
		t.Run(expr, func(t *testing.T) {
			re, err := syntax.Parse(expr, syntax.Perl)
			require.NoError(t, err)
			out := resolveBoundaries(re)
			require.False(t, hasBoundary(out), "%s: left %s", expr, out)
			orig, rewritten := regexp.MustCompile(expr), regexp.MustCompile(out.String())
			for i := 0; i < 4000; i++ {
				var b strings.Builder
				for n := rng.IntN(9); n > 0; n-- {
					b.WriteString(alphabet[rng.IntN(len(alphabet))])
				}
				if i%3 == 0 {
					b.WriteString("http://10.1.2.3")
					if i%2 == 0 {
						b.WriteString(alphabet[rng.IntN(len(alphabet))])
					}
				}
				s := b.String()
				assert.Equal(t, orig.MatchString(s), rewritten.MatchString(s), "%q on %q (rewritten %s)", expr, s, out)
			}
		})
	}
}
