package kql_test

import (
	"fmt"
	"github.com/detc/detc/internal/testutil"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/kql"
	"github.com/detc/detc/backends/kql/kqlcheck"
)

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"abc", `"abc"`},
		{`say "hi"`, `"say \"hi\""`},
		{`C:\Windows\`, `@"C:\Windows\"`},
		{`a\"b`, `@"a\""b"`},
		{"it's", `"it's"`},
		{"@x", `"@x"`},
		{"line\nbreak", `"line\nbreak"`},
		{"tab\there\\", `"tab\there\\"`},
		{"cr\r", `"cr\r"`},
		{"nul\x00", `"nul\u0000"`},
		{"del\x7f", `"del\u007F"`},
		{"über straße", `"\u00FCber stra\u00DFe"`},
		{"\u2013Body \u2014Form \u2015d", `"\u2013Body \u2014Form \u2015d"`}, // windash: ASCII-only rule files
		{"nel\u0085 ls\u2028 bom\ufeff", `"nel\u0085 ls\u2028 bom\uFEFF"`},
		{"emoji 😀", `"emoji \uD83D\uDE00"`},
		{"tag \U000E0041", `"tag \uDB40\uDC41"`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, kql.Quote(tt.in), "%q", tt.in)
	}
}

func TestIdent(t *testing.T) {
	tests := []struct{ in, want string }{
		{"CommandLine", "CommandLine"},
		{"_x1", "_x1"},
		{"cs-host", "['cs-host']"},
		{"a.b", "['a.b']"},
		{"1x", "['1x']"},
		{"where", "['where']"},
		{"count", "['count']"},
		{"true", "['true']"},
		{"Count", "Count"},
		{"it's", `["it's"]`},
		{`back\slash`, `[@"back\slash"]`},
		{"über", `["\u00FCber"]`}, // ASCII-only rule files
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, kql.Ident(tt.in), "%q", tt.in)
	}
}

func TestNumberAndTimespan(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 4104: "4104", -3: "-3", 1.5: "1.5", 0.001: "0.001", 1e21: "real(1e+21)", 1e-7: "real(1e-07)"} {
		got, err := kql.Number(in)
		require.NoError(t, err)
		assert.Equal(t, want, got, "%v", in)
	}
	for in, want := range map[time.Duration]string{5 * time.Minute: "5m", time.Hour: "1h", 90 * time.Minute: "90m", 7 * 24 * time.Hour: "7d", 45 * time.Second: "45s", 1500 * time.Millisecond: "1500ms"} {
		assert.Equal(t, want, kql.Timespan(in))
	}
}

// alphabet holds the characters that break naive quoting.
var alphabet = []rune("aZ09 _-./:\"'\\@`$[](){}*?%\n\r\t\x00\x01\x1f\x7fé€ßİıK\u0085\u2028\u2029\ufeff😀\U000E0041")

// TestQuoteParsesBack is a property test: random text, quoted, is read
// back by Microsoft's parser as exactly the same string, and a column
// with any name is reached by Ident.
func TestQuoteParsesBack(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var values []string
	for i := 0; i < 3000; i++ {
		n := rng.IntN(12)
		var b strings.Builder
		for j := 0; j < n; j++ {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		values = append(values, b.String())
	}
	values = append(values, "", `\`, `"`, `""`, `@"`, `\"`, "\\\n", strings.Repeat(`\`, 5))
	var queries []kqlcheck.Query
	for i, v := range values {
		queries = append(queries, kqlcheck.Query{ID: fmt.Sprint(i), DB: "none", Text: "print v = " + kql.Quote(v), Literals: true})
	}
	names := []string{"cs-host", "a b", "it's", `back\slash`, "where", "count", "über", `q"uote`, "x\ty"}
	cols := make([]kqlcheck.Column, len(names))
	for i, n := range names {
		cols[i] = kqlcheck.Column{Name: n, Type: "string"}
		queries = append(queries, kqlcheck.Query{ID: "ident " + n, DB: "t", Text: "T | where " + kql.Ident(n) + ` == "x"`})
	}
	testutil.RequireChecker(t, "Kusto.Language", kqlcheck.Available())
	results, err := kqlcheck.Check(map[string]*kqlcheck.Database{
		"none": {},
		"t":    {Tables: []kqlcheck.Table{{Name: "T", Columns: cols}}},
	}, queries)
	require.NoError(t, err)
	for i, r := range results {
		assert.Empty(t, r.Errors(queries[i].Text), "%s", queries[i].Text)
		if i < len(values) {
			require.Len(t, r.Literals, 1, "%s", queries[i].Text)
			assert.Equal(t, values[i], r.Literals[0], "%s", queries[i].Text)
		}
	}
}
