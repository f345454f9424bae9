package eval

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
)

var setOps = []rule.Op{rule.OpEquals, rule.OpStartsWith, rule.OpEndsWith, rule.OpContains}

// naiveSetMatch is the straightforward reading of a matcher's literal
// values: one strMatcher per value, ORed.
func naiveSetMatch(lits []string, op rule.Op, cased bool, text string) bool {
	for _, lit := range lits {
		if newStrMatcher(rule.LiteralPattern(lit), op, cased).match(&subject{text: text}) {
			return true
		}
	}
	return false
}

// buildSet makes the litSet compileMatcher would make for the literals.
func buildSet(lits []string, op rule.Op, cased bool) *litSet {
	var folded []string
	var mode strMode
	for _, lit := range lits {
		m := newStrMatcher(rule.LiteralPattern(lit), op, cased)
		folded = append(folded, m.lit)
		mode = m.mode
	}
	return newLitSet(mode, cased, folded)
}

func TestLitSet(t *testing.T) {
	hosts := []string{"discord.com", "hooks.slack.com", "api.telegram.org", "webhook.site", "hook.eu1.make.com"}
	suffixes := []string{".webhook.office.com", ".m.pipedream.net", ".logic.azure.com", ".webhook.site"}
	tests := []struct {
		lits  []string
		op    rule.Op
		cased bool
		text  string
		want  bool
	}{
		{hosts, rule.OpEquals, false, "Discord.COM", true},
		{hosts, rule.OpEquals, false, "discord.co", false},
		{hosts, rule.OpEquals, false, "xdiscord.com", false},
		{hosts, rule.OpEquals, false, "hooks.\u017Flack.com", true}, // long s
		{hosts, rule.OpEquals, false, "hoo\u212As.slack.com", true}, // Kelvin sign
		{hosts, rule.OpEquals, false, "", false},
		{hosts, rule.OpEquals, true, "Discord.com", false},
		{hosts, rule.OpEquals, true, "discord.com", true},
		{suffixes, rule.OpEndsWith, false, "contoso.WEBHOOK.office.com", true},
		{suffixes, rule.OpEndsWith, false, "webhook.office.com", false},
		{suffixes, rule.OpEndsWith, false, "x.webhoo\u212A.\u017Fite", true},
		{suffixes, rule.OpEndsWith, false, "x.webhook.site.evil", false},
		{suffixes, rule.OpEndsWith, true, "x.Webhook.site", false},
		{[]string{"curl/", "wget/", "python-requests/", "go-http-client/"}, rule.OpStartsWith, false, "Python-Requests/2.31", true},
		{[]string{"curl/", "wget/", "python-requests/", "go-http-client/"}, rule.OpStartsWith, false, "Mozilla/5.0 curl/", false},
		{[]string{"/services/", "/triggers/", "/workflows/", "/webhookb2/"}, rule.OpContains, false, "https://x/TRIGGERS/1", true},
		{[]string{"/services/", "/triggers/", "/workflows/", "/webhookb2/"}, rule.OpContains, false, "https://x/trigger/1", false},
		{[]string{"/services/", "/triggers/", "/workflows/", "/webhookb2/"}, rule.OpContains, true, "https://x/TRIGGERS/1", false},
		// Non-ASCII literals and texts, and orbits of three runes.
		{[]string{"äpfel", "straße", "σίγμα", "kelvin"}, rule.OpEquals, false, "ÄPFEL", true},
		{[]string{"äpfel", "straße", "σίγμα", "kelvin"}, rule.OpEquals, false, "STRAẞE", true},
		{[]string{"äpfel", "straße", "σίγμα", "kelvin"}, rule.OpEquals, false, "STRASSE", false}, // full folding is not simple folding
		{[]string{"äpfel", "straße", "σίγμα", "kelvin"}, rule.OpEquals, false, "ΣΊΓΜΑ", true},
		{[]string{"äpfel", "straße", "σίγμα", "kelvin"}, rule.OpEquals, false, "ςίγμα", true},
		{[]string{"äpfel", "straße", "σίγμα", "kelvin"}, rule.OpEquals, false, "\u212AELVIN", true},
		{[]string{"äpfel", "straße", "σίγμα", "kelvin"}, rule.OpContains, false, "x\u212AELVINx", true},
		{[]string{"é", "ü", "ö", "\u212A"}, rule.OpEndsWith, false, "café", true},
		{[]string{"é", "ü", "ö", "\u212A"}, rule.OpEndsWith, false, "ok", true},
		{[]string{"é", "ü", "ö", "\u212A"}, rule.OpStartsWith, false, "Über", true},
		// An empty literal: every text starts with, ends with and holds it.
		{[]string{"", "a", "b", "c"}, rule.OpContains, false, "xyz", true},
		{[]string{"", "a", "b", "c"}, rule.OpEndsWith, false, "", true},
		{[]string{"", "a", "b", "c"}, rule.OpEquals, false, "", true},
		{[]string{"", "a", "b", "c"}, rule.OpEquals, false, "x", false},
		// Invalid UTF-8 is compared byte for byte, never as U+FFFD.
		{[]string{"\xff", "a\xfe", "b", "c"}, rule.OpEquals, false, "A\xfe", true},
		{[]string{"\xff", "a\xfe", "b", "c"}, rule.OpEquals, false, "\ufffd", false},
		{[]string{"\xff", "a\xfe", "b", "c"}, rule.OpEndsWith, false, "x\xff", true},
		{[]string{"\xff", "a\xfe", "b", "c"}, rule.OpContains, false, "x\xe2\x84A\xfe", true},
		{[]string{"\xa9", "x", "y", "z"}, rule.OpContains, false, "é", false}, // é is C3 A9: A9 is not a character of it
		{[]string{"\xa9", "x", "y", "z"}, rule.OpContains, true, "é", true},   // cased compares bytes, as strings.Contains
	}
	for _, tc := range tests {
		got := buildSet(tc.lits, tc.op, tc.cased).match(tc.text)
		assert.Equal(t, tc.want, got, "%q %s cased=%t on %q", tc.lits, tc.op, tc.cased, tc.text)
		assert.Equal(t, naiveSetMatch(tc.lits, tc.op, tc.cased, tc.text), got, "differs from value by value: %q %s cased=%t on %q", tc.lits, tc.op, tc.cased, tc.text)
	}
}

func TestFoldRune(t *testing.T) {
	// Two runes fold to one representative exactly when runeEqual holds.
	runes := []rune{'a', 'A', 'k', 'K', '\u212A', 's', 'S', '\u017F', 'ß', 'ẞ', 'σ', 'Σ', 'ς', 'µ', 'Μ', 'μ', 'İ', 'i', 'I', 'ı', 'é', 'É', '1', '.', invalidBase + 0xff, invalidBase + 0xfe, utf8.RuneError}
	for _, a := range runes {
		for _, b := range runes {
			assert.Equal(t, runeEqual(a, b, false), foldRune(a) == foldRune(b), "%q %q", a, b)
		}
	}
}

// splitRunes tokenizes s forward and backward; the two must agree for
// endswith to read a text from its end.
func splitRunes(s string) (fwd, bwd []rune) {
	for i := 0; i < len(s); {
		r, w := decodeRune(s[i:])
		fwd = append(fwd, r)
		i += w
	}
	for i := len(s); i > 0; {
		r, w := decodeLastRune(s[:i])
		bwd = append([]rune{r}, bwd...)
		i -= w
	}
	return fwd, bwd
}

func FuzzDecodeLastRune(fz *testing.F) {
	for _, s := range []string{"", "abc", "é", "\xc3\xa9\xa9", "\xe0\x80\x80", "\xf0\x9f\x98\x80", "\xf0\x9f\x98", "\xed\xa0\x80", "\u212A\xff", "\xef\xbf\xbd"} {
		fz.Add(s)
	}
	fz.Fuzz(func(t *testing.T, s string) {
		fwd, bwd := splitRunes(s)
		require.Equal(t, fwd, bwd, "%q", s)
	})
}

// tokens from which random literals and texts are built: ASCII letters in
// both cases, runes that fold outside ASCII (Kelvin sign, long s), orbits
// of three, full-folding traps (ß, ẞ), invalid bytes and pieces of
// multi-byte runes.
var litTokens = []string{"a", "B", "k", "K", "\u212A", "s", "S", "\u017F", ".", "/", "com", "COM", "ß", "ẞ", "σ", "Σ", "ς", "é", "É", "İ", "ı", "i", "\xff", "\xe2", "\x84", "\xaa", "\xc3", "\xa9", "\ufffd", "日本"}

func randToken(rng *rand.Rand) string { return litTokens[rng.IntN(len(litTokens))] }

func randText(rng *rand.Rand, maxTokens int) string {
	var b strings.Builder
	for n := rng.IntN(maxTokens + 1); n > 0; n-- {
		b.WriteString(randToken(rng))
	}
	return b.String()
}

// caseVariant rewrites the runes of s into other members of their folding
// orbit, at random.
func caseVariant(rng *rand.Rand, s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, w := decodeRune(s[i:])
		if r > utf8.MaxRune || r == utf8.RuneError {
			b.WriteString(s[i : i+w])
		} else {
			for n := rng.IntN(3); n > 0; n-- {
				r = unicode.SimpleFold(r)
			}
			b.WriteRune(r)
		}
		i += w
	}
	return b.String()
}

func TestLitSetMatchesValueByValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 1567))
	for round := 0; round < 3000; round++ {
		lits := make([]string, minSetValues+rng.IntN(12))
		for i := range lits {
			lits[i] = randText(rng, 4)
		}
		op := setOps[rng.IntN(len(setOps))]
		cased := rng.IntN(4) == 0
		set := buildSet(lits, op, cased)
		for k := 0; k < 40; k++ {
			var text string
			switch rng.IntN(3) {
			case 0:
				text = randText(rng, 8)
			default:
				// Around a case variant of a literal, so that matches are
				// common.
				text = randText(rng, 2) + caseVariant(rng, lits[rng.IntN(len(lits))]) + randText(rng, 2)
				if rng.IntN(2) == 0 {
					text = caseVariant(rng, lits[rng.IntN(len(lits))])
				}
			}
			want := naiveSetMatch(lits, op, cased, text)
			require.Equal(t, want, set.match(text), "%q %s cased=%t on %q", lits, op, cased, text)
		}
	}
}

func FuzzLitSet(fz *testing.F) {
	fz.Add("discord.com\x00hooks.slack.com\x00webhook.site\x00api.telegram.org", "HOO\u212AS.\u017FLACK.COM", uint8(0), false)
	fz.Add(".webhook.office.com\x00.m.pipedream.net\x00.logic.azure.com\x00.webhook.site", "a.WEBHOOK.office.com", uint8(2), false)
	fz.Add("curl/\x00wget/\x00python-requests/\x00axios/", "Wget/1.21", uint8(1), false)
	fz.Add("/services/\x00/triggers/\x00ß\x00\xff", "x/TRIGGERS/ẞ", uint8(3), true)
	fz.Fuzz(func(t *testing.T, joined, text string, opSel uint8, cased bool) {
		lits := strings.Split(joined, "\x00")
		if len(lits) < 2 {
			return
		}
		op := setOps[int(opSel)%len(setOps)]
		require.Equal(t, naiveSetMatch(lits, op, cased, text), buildSet(lits, op, cased).match(text), "%q %s cased=%t on %q", lits, op, cased, text)
	})
}

// TestGroupedMatcherMatchesValueByValue compiles matchers with many values
// (some with wildcards, neq, numbers) and compares each with the same
// matcher compiled value by value, over events whose field is a string,
// a list or absent.
func TestGroupedMatcherMatchesValueByValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 1567))
	for round := 0; round < 500; round++ {
		var raws []rule.RawValue
		var lits []string
		for n := minSetValues + rng.IntN(8); n > 0; n-- {
			v := randText(rng, 3)
			if rng.IntN(6) == 0 {
				v += "*"
			}
			lits = append(lits, v)
			raws = append(raws, rule.RawValue{Kind: rule.RawString, Text: v})
		}
		mods := []string{setOpsModifier[rng.IntN(len(setOpsModifier))]}
		if rng.IntN(4) == 0 {
			mods = append(mods, "cased")
		}
		if rng.IntN(5) == 0 {
			mods = append(mods, "neq")
		}
		if mods[0] == "" {
			mods = mods[1:]
		}
		ms, diags := rule.BuildMatchers("f", mods, raws, rule.Pos{})
		require.False(t, diags.HasErrors(), diags)
		for _, m := range ms {
			grouped := compileMatcher(m)
			plain := valueByValue(t, m)
			for k := 0; k < 30; k++ {
				var ev FlatEvent
				switch rng.IntN(5) {
				case 0: // absent
				case 1:
					ev.Add("f", List(String(caseVariant(rng, lits[rng.IntN(len(lits))])), String(randText(rng, 5))))
				default:
					ev.Add("f", String(randText(rng, 1)+caseVariant(rng, lits[rng.IntN(len(lits))])+randText(rng, 1)))
				}
				require.Equal(t, plain.match(newInput(&ev)), grouped.match(newInput(&ev)), "%v %q on %v", mods, lits, ev.Values)
			}
		}
	}
}

var setOpsModifier = []string{"", "startswith", "endswith", "contains"}

// valueByValue compiles m as compileMatcher did before litSets: one value
// matcher per value.
func valueByValue(t *testing.T, m *rule.Matcher) *matcher {
	cm := &matcher{src: m, field: m.Field, negate: m.Negate, needTxt: true}
	for _, v := range m.Values {
		require.Equal(t, rule.KindString, v.Kind)
		cm.values = append(cm.values, valueMatcher{kind: vString, str: newStrMatcher(v.Pattern, m.Op, m.Cased)})
	}
	cm.absent = absentResult(cm.values, cm.negate)
	return cm
}
