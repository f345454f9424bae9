package eval

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
)

// randomSpecs are matchers on four fields, among them those that hold for
// an absent field (null, exists: false, neq) and keywords.
var randomSpecs = []fieldSpec{
	f("a", "x", "y"), f("a|contains", "x"), f("a", nil), f("a|exists", false), f("a|neq", "x"),
	f("b|startswith", "x", "yy", "z", "w"), f("b|exists", true), f("b|endswith|neq", "x"),
	f("c", 5), f("c|gt", 3), f("c", ""), f("d|re", "^x"), f("d|endswith", "x", "y", "z", "xy"),
	f("", "xy"), f("a|fieldref", "b"),
}

func randomSearch(rng *rand.Rand, name string) searchSpec {
	var groups [][]fieldSpec
	for g := 1 + rng.IntN(3); g > 0; g-- {
		var specs []fieldSpec
		for m := 1 + rng.IntN(3); m > 0; m-- {
			specs = append(specs, randomSpecs[rng.IntN(len(randomSpecs))])
		}
		groups = append(groups, specs)
	}
	return searchN(name, groups...)
}

func randomCondition(rng *rand.Rand, depth int) rule.Expr {
	if depth == 0 || rng.IntN(3) == 0 {
		return ref(fmt.Sprintf("s%d", rng.IntN(3)))
	}
	switch rng.IntN(3) {
	case 0:
		return and(randomCondition(rng, depth-1), randomCondition(rng, depth-1))
	case 1:
		return or(randomCondition(rng, depth-1), randomCondition(rng, depth-1))
	}
	return not(randomCondition(rng, depth-1))
}

func randomFlat(rng *rand.Rand, ev *FlatEvent) {
	ev.Reset()
	values := map[string][]Value{
		"a": {String("x"), String("X"), String("zz"), String(""), Null()},
		"b": {String("yyx"), String("x"), String("W"), Object(), List(String("z"), String("q"))},
		"c": {Number(5), String("4"), Number(1), String("")},
		"d": {String("xa"), String("axy"), List()},
		"e": {String("xy")},
	}
	for _, name := range []string{"e", "d", "c", "b", "a"} {
		if rng.IntN(2) == 0 {
			vs := values[name]
			ev.Add(name, vs[rng.IntN(len(vs))])
		}
	}
}

// plainMatch evaluates the condition without the index, the remembered
// search results or the required-field test.
func plainMatch(p *Program, ev *FlatEvent) bool {
	return p.evalNode(&p.cond, input{ev: ev})
}

// TestShortcutsMatchPlainEvaluation runs random rules over random events
// and requires Match (index, remembered searches shared across rules,
// required fields) to agree with the plain evaluation, also after a field
// is added to a matched event.
func TestShortcutsMatchPlainEvaluation(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 1567))
	var progs []*Program
	for i := 0; i < 300; i++ {
		// Few distinct searches, so that rules share them.
		r := mkRule(t, randomCondition(rng, 3), randomSearch(rand.New(rand.NewPCG(uint64(rng.IntN(8)), 0)), "s0"),
			randomSearch(rand.New(rand.NewPCG(uint64(rng.IntN(8)), 1)), "s1"), randomSearch(rand.New(rand.NewPCG(uint64(rng.IntN(8)), 2)), "s2"))
		progs = append(progs, compile(t, r))
	}
	var ev FlatEvent
	for round := 0; round < 300; round++ {
		randomFlat(rng, &ev)
		for _, p := range progs {
			require.Equal(t, plainMatch(p, &ev), p.Match(&ev), "round %d %v", round, ev.Values)
		}
		ev.Add("a", String("x"))
		for _, p := range progs {
			require.Equal(t, plainMatch(p, &ev), p.Match(&ev), "after Add, round %d %v", round, ev.Values)
		}
	}
}

func TestRequirement(t *testing.T) {
	p := compile(t, mkRule(t, or(ref("dns"), and(ref("proxy"), not(ref("browser")))),
		search1("dns", f("QueryName|endswith", "discord.com")),
		searchN("proxy", group(f("cs-method", "POST"), f("cs-host", "discord.com")), group(f("c-uri|contains", "/api/webhooks/"))),
		search1("browser", f("c-useragent|startswith", "Mozilla/"))))
	var names []string
	for _, n := range p.need {
		for name, num := range fieldNumbers.table() {
			if num == n {
				names = append(names, name)
			}
		}
	}
	assert.True(t, p.needed)
	assert.ElementsMatch(t, []string{"QueryName", "cs-method", "c-uri"}, names)

	for _, tc := range []struct {
		cond     rule.Expr
		searches []searchSpec
	}{
		{not(ref("s")), []searchSpec{search1("s", f("a", "x"))}},
		{ref("s"), []searchSpec{search1("s", f("a", nil))}},
		{ref("s"), []searchSpec{search1("s", f("a|neq", "x"))}},
		{ref("s"), []searchSpec{search1("s", f("", "evil"))}},
		{or(ref("s"), ref("t")), []searchSpec{search1("s", f("a", "x")), search1("t", f("b|exists", false))}},
	} {
		p := compile(t, mkRule(t, tc.cond, tc.searches...))
		assert.False(t, p.needed, "%v", tc.cond)
	}
}
