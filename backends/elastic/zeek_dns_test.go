package elastic

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/elastic/checker"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/sigma"
	"github.com/detc/detc/internal/testutil"
)

// TestDNSOnEveryDataStream: a rule on the generic dns category, compiled
// for ecs, matches on real Lucene the events each data stream indexes as
// the evaluator matches them on Sigma's form: the Zeek integration leaves
// dns.question.name out for a name with no registered domain (its
// registered_domain processor) and dns.answers out unless answers and TTLs
// pair up, keeping zeek.dns.query and zeek.dns.answers; Packetbeat and the
// Network Packet Capture integration write the ECS fields only.
func TestDNSOnEveryDataStream(t *testing.T) {
	src := "title: t\nid: 6f1c2d3e-0000-4000-8000-000000000998\nlogsource:\n  category: dns\n" +
		"detection:\n  sel:\n    query|endswith: '.corp.local'\n  filter:\n    answer: '10.0.0.1'\n  condition: sel and not filter\n"
	rules, diags := sigma.LoadFiles(map[string][]byte{"t.yml": []byte(src)})
	require.False(t, diags.HasErrors(), "%v", diags)
	r := rules[0]
	c, err := compile(testutil.Checked(t, r), target.Options{Profile: "ecs", Lang: Lucene})
	require.NoError(t, err)

	type shaped struct {
		id      string
		sigma   map[string]any
		indexed [][2]string
	}
	events := []shaped{
		{"zeek-internal", map[string]any{"query": "ws01.corp.local", "answer": "10.0.0.9"},
			[][2]string{{"zeek.dns.query", "ws01.corp.local"}, {"zeek.dns.answers", "10.0.0.9"}}},
		{"zeek-internal-filtered", map[string]any{"query": "dc01.corp.local", "answer": "10.0.0.1"},
			[][2]string{{"zeek.dns.query", "dc01.corp.local"}, {"zeek.dns.answers", "10.0.0.1"}}},
		{"zeek-public", map[string]any{"query": "hooks.slack.com", "answer": "52.0.0.1"},
			[][2]string{{"dns.question.name", "hooks.slack.com"}, {"zeek.dns.query", "hooks.slack.com"},
				{"dns.answers.data", "52.0.0.1"}, {"zeek.dns.answers", "52.0.0.1"}}},
		{"packetbeat-internal", map[string]any{"query": "fs01.corp.local", "answer": "10.0.0.7"},
			[][2]string{{"dns.question.name", "fs01.corp.local"}, {"dns.answers.data", "10.0.0.7"}}},
		{"packetbeat-filtered", map[string]any{"query": "fs02.corp.local", "answer": "10.0.0.1"},
			[][2]string{{"dns.question.name", "fs02.corp.local"}, {"dns.answers.data", "10.0.0.1"}}},
	}
	var fixtures []fixtureEvent
	seg := checker.Segment{
		Fields:  map[string]string{"event.category": tKeyword},
		Queries: []checker.Query{{ID: r.ID, Text: c.query.Text}},
	}
	for _, ev := range events {
		fixtures = append(fixtures, fixtureEvent{ID: ev.id, Fields: ev.sigma})
		doc := checker.Event{ID: ev.id, Fields: append([][2]string{{"event.category", "network"}}, ev.indexed...)}
		for _, f := range ev.indexed {
			seg.Fields[f[0]] = tKeyword
		}
		seg.Events = append(seg.Events, doc)
	}
	want := evaluatorMatches(t, r, fixtures)
	require.Equal(t, []string{"packetbeat-internal", "zeek-internal"}, want, "the evaluator's side of the test")
	results, err := luceneChecker(t).Run([]checker.Segment{seg})
	require.NoError(t, err)
	require.Len(t, results, 1)
	require.Empty(t, results[0].Err, c.query.Text)
	got := append([]string(nil), results[0].Matches...)
	sort.Strings(got)
	assert.Equal(t, want, got, c.query.Text)
}
