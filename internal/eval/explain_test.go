package eval

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/detc/detc/internal/testutil"
)

var webhookDomains = []any{"discord.com", "discordapp.com", "hooks.slack.com", "webhook.office.com",
	"webhook.site", "api.telegram.org", "hooks.zapier.com", "m.pipedream.net", "ifttt.com", "outlook.office.com"}

func webhookSearches() []searchSpec {
	return []searchSpec{
		search1("selection", f("cs-host|endswith", webhookDomains...), f("cs-method", "POST", "PUT")),
		search1("filter_browser", f("c-useragent|contains", "Mozilla/", "Chrome/")),
	}
}

func TestExplain(t *testing.T) {
	p := compile(t, mkRule(t, and(ref("selection"), not(ref("filter_browser"))), webhookSearches()...))
	events := []string{
		`{"cs-host": "ptb.discord.com", "cs-method": "POST", "c-useragent": "python-requests/2.31"}`,
		`{"cs-host": "ptb.discord.com", "cs-method": "GET", "c-useragent": "python-requests/2.31"}`,
		`{"cs-host": "example.org", "cs-method": "POST"}`,
		`{"cs-host": "hooks.slack.com", "cs-method": "POST", "c-useragent": "Mozilla/5.0"}`,
	}
	var b strings.Builder
	for _, doc := range events {
		b.WriteString("event " + doc + "\n")
		b.WriteString(p.Explain(eventForms(t, doc)["map"]).String())
		b.WriteString("\n")
	}
	testutil.Golden(t, "explain.txt", []byte(b.String()))
}

func TestExplainKeywordsAndGroups(t *testing.T) {
	p := compile(t, mkRule(t, nil, searchN("sel", group(f("a", "1"), f("b", "2")), group(f("", "evil")))))
	x := p.Explain(MapEvent{"a": "1", "b": 3.0})
	assert.False(t, x.Match)
	if assert.Len(t, x.Searches, 1) && assert.Len(t, x.Searches[0].Matchers, 2) {
		assert.Equal(t, MatcherReport{Group: 1, Field: "b", Modifiers: []string{}, Values: []string{`"2"`}, Event: "3", Pos: x.Searches[0].Matchers[0].Pos}, x.Searches[0].Matchers[0])
		assert.Equal(t, 2, x.Searches[0].Matchers[1].Group)
		assert.Equal(t, "<any string value>", x.Searches[0].Matchers[1].Event)
	}
	x = p.Explain(MapEvent{"msg": "an EVIL thing", "list": []any{"x", nil}})
	assert.True(t, x.Match)
	assert.Equal(t, "match: true\nsearch sel: matched\n  group 2: keywords [\"evil\"] holds on event value <any string value> (test.yml:11:5)\n", x.String())
}

func TestExplainFieldRef(t *testing.T) {
	p := compile(t, mkRule(t, nil, search1("sel", f("dst|fieldref", "src", "alt"))))
	x := p.Explain(MapEvent{"dst": "a", "src": "b"})
	assert.Equal(t, "match: false\nsearch sel: no match\n  group 1: dst|fieldref [src = \"b\", alt = <missing>] fails on event value \"a\" (test.yml:1:5)\n", x.String())
}
