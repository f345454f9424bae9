package eval

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
)

// Compile runs the check phase: a rule with an error gives no Program
// (the checks themselves are tested in internal/check).
func TestCompileRunsTheCheck(t *testing.T) {
	r := mkRule(t, &rule.SearchRef{Name: "filtr"}, search1("sel", f("a", "1")))
	p, diags := Compile(r)
	assert.Nil(t, p)
	require.Len(t, diags, 2)
	assert.Equal(t, "unknown-search", diags[0].Code)
}

func TestFieldsAndKeywords(t *testing.T) {
	r := mkRule(t, nil,
		search1("sel", f("cs-host|endswith", "discord.com"), f("dst|fieldref", "src")),
		search1("kw", f("", "evil")),
	)
	r.Aggregation = &rule.Aggregation{Func: rule.AggSum, Field: "cs-bytes", GroupBy: []string{"c-ip", "cs-host"}, Window: time.Minute}
	p := compile(t, r)
	assert.Equal(t, []string{"c-ip", "cs-bytes", "cs-host", "dst", "src"}, p.Fields())
	assert.True(t, p.NeedsKeywords())
	assert.Same(t, r, p.Rule())

	p = compile(t, mkRule(t, nil, search1("sel", f("a", "1"))))
	assert.Equal(t, []string{"a"}, p.Fields())
	assert.False(t, p.NeedsKeywords())
}

// Searches with the same content get one number wherever they are
// compiled (their results are shared on an event); any difference in a
// value, field or modifier gives another number.
func TestSearchNumbers(t *testing.T) {
	a := compile(t, mkRule(t, nil, search1("sel", f("cs-host|endswith", "number-test.example"))))
	b := compile(t, mkRule(t, nil, search1("other", f("cs-host|endswith", "number-test.example"))))
	c := compile(t, mkRule(t, nil, search1("sel", f("cs-host|endswith", "number-test.example2"))))
	d := compile(t, mkRule(t, nil, search1("sel", f("cs-host|startswith", "number-test.example"))))
	assert.Equal(t, a.searches[0].number, b.searches[0].number)
	assert.Same(t, a.searches[0].uses, b.searches[0].uses)
	assert.GreaterOrEqual(t, a.searches[0].uses.Load(), int32(2))
	assert.NotEqual(t, a.searches[0].number, c.searches[0].number)
	assert.NotEqual(t, a.searches[0].number, d.searches[0].number)
	assert.NotEqual(t, c.searches[0].number, d.searches[0].number)
}
