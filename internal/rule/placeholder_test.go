package rule

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResolvePlaceholders(t *testing.T) {
	build := func(mods ...string) *Matcher {
		ms, d := BuildMatchers("query", mods, []RawValue{{Kind: RawString, Text: "%webhook_hosts%", Pos: Pos{File: "r.yml", Line: 9, Col: 7}}, {Kind: RawString, Text: "extra.example"}}, Pos{File: "r.yml", Line: 8, Col: 5})
		require.False(t, d.HasErrors(), d.Error())
		return ms[0]
	}
	lists := map[string][]RawValue{"webhook_hosts": {{Kind: RawString, Text: "discord.com"}, {Kind: RawString, Text: "*.pipedream.net"}}}
	r := &Rule{Searches: []*Search{{Name: "sel", Groups: []*Group{{Matchers: []*Matcher{build("endswith", "expand"), build()}}}}}}

	diags := ResolvePlaceholders([]*Rule{r}, lists)
	require.False(t, diags.HasErrors(), diags.Error())
	m := r.Searches[0].Groups[0].Matchers[0]
	assert.Equal(t, OpEndsWith, m.Op)
	assert.Equal(t, []string{"discord.com", "*.pipedream.net", "extra.example"}, texts(m.Values))
	assert.True(t, m.Values[1].Pattern.HasWildcards(), "list items are patterns like any value")
	assert.Equal(t, []string{"endswith", "expand"}, m.Modifiers)
	assert.Equal(t, "%webhook_hosts%", r.Searches[0].Groups[0].Matchers[1].Values[0].Text, "without expand a %name% is a literal")

	r2 := &Rule{Searches: []*Search{{Name: "sel", Groups: []*Group{{Matchers: []*Matcher{build("expand")}}}}}}
	diags = ResolvePlaceholders([]*Rule{r2}, map[string][]RawValue{"other": nil})
	assert.Contains(t, diags.Error(), `r.yml:9:7: error: placeholder %webhook_hosts% names no list: define a local "webhook_hosts"`)
	assert.Contains(t, diags.Error(), "(known: other)")
	assert.Equal(t, KindPlaceholder, r2.Searches[0].Groups[0].Matchers[0].Values[0].Kind, "an unresolved rule is left as it was")
}

// TestResolveEmptyPlaceholder: a placeholder naming an empty list (a
// configuration list with no entries) never holds: its search folds out
// of the condition.
func TestResolveEmptyPlaceholder(t *testing.T) {
	only := func(name string) *Matcher {
		ms, d := BuildMatchers("src_ip", []string{"cidr", "expand"}, []RawValue{{Kind: RawString, Text: "%" + name + "%"}}, Pos{File: "r.yml", Line: 8, Col: 5})
		require.False(t, d.HasErrors(), d.Error())
		return ms[0]
	}
	sel, _ := BuildMatchers("query", nil, []RawValue{{Kind: RawString, Text: "webhook.site"}}, Pos{File: "r.yml", Line: 6, Col: 5})
	r := &Rule{
		Searches: []*Search{
			{Name: "selection", Groups: []*Group{{Matchers: sel}}},
			{Name: "filter_approved", Groups: []*Group{{Matchers: []*Matcher{only("approved")}}}},
		},
		Condition: &And{Terms: []Expr{&SearchRef{Name: "selection"}, &Not{X: &SearchRef{Name: "filter_approved"}}}, Pos: Pos{File: "r.yml", Line: 10, Col: 14}},
	}
	diags := ResolvePlaceholders([]*Rule{r}, map[string][]RawValue{"approved": nil})
	require.Empty(t, diags)
	assert.Equal(t, &SearchRef{Name: "selection"}, r.Condition)
	require.Len(t, r.Searches, 1)
	assert.Equal(t, "selection", r.Searches[0].Name)
}
