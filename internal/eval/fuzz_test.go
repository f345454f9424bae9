package eval

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
)

// globRegexp is an independent reading of a pattern: Go's regexp, whose
// (?i) is also Unicode simple folding and whose . is one rune.
func globRegexp(p rule.Pattern, op rule.Op, cased bool) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?s")
	if !cased {
		b.WriteString("i")
	}
	b.WriteString(")^")
	if op == rule.OpContains || op == rule.OpEndsWith {
		b.WriteString(".*")
	}
	for _, part := range p {
		switch part.Kind {
		case rule.AnyRun:
			b.WriteString(".*")
		case rule.AnyChar:
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(part.Text))
		}
	}
	if op == rule.OpContains || op == rule.OpStartsWith {
		b.WriteString(".*")
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

func FuzzStrMatcher(fz *testing.F) {
	fz.Add("*.discord.com", "cdn.Discord.COM", uint8(0), false)
	fz.Add(`a\*b?c`, "a*bXc", uint8(0), true)
	fz.Add("ÄPFEL", "xäpfelx", uint8(1), false)
	fz.Add("k*", "\u212Aelvin", uint8(2), false)
	fz.Add("lvin", "\u212AELVIN", uint8(3), false)
	fz.Add("a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", uint8(0), false)
	fz.Fuzz(func(t *testing.T, pattern, text string, opSel uint8, cased bool) {
		if !utf8.ValidString(pattern) || !utf8.ValidString(text) {
			return // regexp reads invalid bytes as U+FFFD; the matcher does not
		}
		op := []rule.Op{rule.OpEquals, rule.OpContains, rule.OpStartsWith, rule.OpEndsWith}[opSel%4]
		p := rule.ParsePattern(pattern)
		want := globRegexp(p, op, cased).MatchString(text)
		got := newStrMatcher(p, op, cased).match(&subject{text: text})
		require.Equal(t, want, got, "pattern %q op %s cased=%t text %q", pattern, op, cased, text)
	})
}

// FuzzMatchEvent feeds arbitrary JSON to a rule that uses every kind of
// matcher: nothing may panic, and Explain must agree with Match.
func FuzzMatchEvent(fz *testing.F) {
	fz.Add(`{"cs-host": "ptb.discord.com", "cs-method": "POST", "n": 5, "ip": "10.0.0.1"}`)
	fz.Add(`{"a": {"b": [1, "x", null, {"c": "\u212A"}]}, "n": "1e400", "ip": "::ffff:10.0.0.1%eth0"}`)
	fz.Add(`{"cs-host": "` + strings.Repeat("\u00e9", 5000) + `", "kw": ["` + strings.Repeat("[", 10) + `"]}`)
	fz.Add(strings.Repeat(`{"a":`, 2000) + `1` + strings.Repeat(`}`, 2000))
	p := compile(fz, mkRule(fz, or(and(ref("sel"), not(ref("filter"))), ref("kw"), ref("other")),
		search1("sel", f("cs-host|endswith", "discord.com", "*.slack.com"), f("cs-method", "POST", 4104, true, nil)),
		search1("filter", f("c-useragent|contains|cased", "Mozilla/"), f("ip|cidr", "10.0.0.0/8", "fe80::/10")),
		search1("kw", f("", "evil", "b?d*")),
		searchN("other", group(f("n|gte", 3), f("a.b|re|i", "^x")), group(f("dst|fieldref|neq", "src"), f("x|exists", false))),
	))
	fz.Fuzz(func(t *testing.T, doc string) {
		var m map[string]any
		if json.Unmarshal([]byte(doc), &m) != nil {
			return
		}
		flat := &FlatEvent{}
		Flatten(m, flat)
		for _, ev := range []Event{MapEvent(m), flat} {
			assert.Equal(t, p.Match(ev), p.Explain(ev).Match)
		}
	})
}
