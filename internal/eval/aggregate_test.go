package eval

import (
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
)

type timedEvent struct {
	at  string // RFC 3339
	doc string
}

func ts(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err)
	return v
}

// runAgg feeds the events and returns every alert, window closes and the
// final flush included.
func runAgg(t *testing.T, r *rule.Rule, events []timedEvent) []Alert {
	t.Helper()
	a, err := NewAggregator(compile(t, r))
	require.NoError(t, err)
	var alerts []Alert
	for _, e := range events {
		got, err := a.Add(ts(t, e.at), eventForms(t, e.doc)["flat"])
		require.NoError(t, err)
		alerts = append(alerts, got...)
	}
	return append(alerts, a.Flush()...)
}

func alert(t *testing.T, start string, value float64, group ...string) Alert {
	g := map[string]string{}
	for i := 0; i+1 < len(group); i += 2 {
		g[group[i]] = group[i+1]
	}
	return Alert{WindowStart: ts(t, start), Group: g, Value: value}
}

func TestAggregations(t *testing.T) {
	webhookPost := []searchSpec{search1("sel", f("cs-host|endswith", "discord.com", "slack.com"), f("cs-method", "POST"))}
	tests := []struct {
		name   string
		agg    rule.Aggregation
		events []timedEvent
		want   func(t *testing.T) []Alert
	}{
		{
			name: "count per group, alerts when the window closes",
			agg:  rule.Aggregation{Func: rule.AggCount, GroupBy: []string{"c-ip"}, Window: 10 * time.Minute, Op: rule.CmpGte, Threshold: 3},
			events: []timedEvent{
				{"2026-03-01T10:00:00Z", `{"c-ip": "10.0.0.1", "cs-host": "discord.com", "cs-method": "POST"}`},
				{"2026-03-01T10:01:00Z", `{"c-ip": "10.0.0.1", "cs-host": "x.discord.com", "cs-method": "POST"}`},
				{"2026-03-01T10:02:00Z", `{"c-ip": "10.0.0.2", "cs-host": "discord.com", "cs-method": "POST"}`},
				{"2026-03-01T10:03:00Z", `{"c-ip": "10.0.0.1", "cs-host": "discord.com", "cs-method": "GET"}`}, // does not match
				{"2026-03-01T10:09:59.999Z", `{"c-ip": "10.0.0.1", "cs-host": "hooks.slack.com", "cs-method": "POST"}`},
				{"2026-03-01T10:10:00Z", `{"c-ip": "10.0.0.1", "cs-host": "discord.com", "cs-method": "POST"}`},
				{"2026-03-01T10:11:00Z", `{"c-ip": "10.0.0.1", "cs-host": "discord.com", "cs-method": "POST"}`},
			},
			want: func(t *testing.T) []Alert {
				return []Alert{alert(t, "2026-03-01T10:00:00Z", 3, "c-ip", "10.0.0.1")}
			},
		},
		{
			name: "window boundary: an event at the boundary opens the next window",
			agg:  rule.Aggregation{Func: rule.AggCount, GroupBy: []string{"c-ip"}, Window: 10 * time.Minute, Op: rule.CmpGte, Threshold: 2},
			events: []timedEvent{
				{"2026-03-01T10:09:59Z", `{"c-ip": "a", "cs-host": "discord.com", "cs-method": "POST"}`},
				{"2026-03-01T10:10:00Z", `{"c-ip": "a", "cs-host": "discord.com", "cs-method": "POST"}`},
				{"2026-03-01T10:19:59Z", `{"c-ip": "a", "cs-host": "discord.com", "cs-method": "POST"}`},
			},
			want: func(t *testing.T) []Alert {
				return []Alert{alert(t, "2026-03-01T10:10:00Z", 2, "c-ip", "a")}
			},
		},
		{
			name: "windows are aligned to the Unix epoch, not the first event",
			agg:  rule.Aggregation{Func: rule.AggCount, Window: 7 * time.Minute, Op: rule.CmpGte, Threshold: 1},
			events: []timedEvent{
				// 2026-03-01T10:00:00Z is 1772359200 s since the epoch,
				// 360 s into a 7-minute bin: the bin started at 09:54.
				{"2026-03-01T10:00:00Z", `{"cs-host": "discord.com", "cs-method": "POST"}`},
				{"2026-03-01T10:00:59Z", `{"cs-host": "discord.com", "cs-method": "POST"}`},
				{"2026-03-01T10:01:00Z", `{"cs-host": "discord.com", "cs-method": "POST"}`},
			},
			want: func(t *testing.T) []Alert {
				return []Alert{alert(t, "2026-03-01T09:54:00Z", 2), alert(t, "2026-03-01T10:01:00Z", 1)}
			},
		},
		{
			name: "times before 1970 round down too",
			agg:  rule.Aggregation{Func: rule.AggCount, Window: time.Hour, Op: rule.CmpGte, Threshold: 1},
			events: []timedEvent{
				{"1969-12-31T23:30:00Z", `{"cs-host": "discord.com", "cs-method": "POST"}`},
			},
			want: func(t *testing.T) []Alert {
				return []Alert{alert(t, "1969-12-31T23:00:00Z", 1)}
			},
		},
		{
			name: "group keys: several fields, a missing one is empty, alerts sorted",
			agg:  rule.Aggregation{Func: rule.AggCount, GroupBy: []string{"c-ip", "user"}, Window: time.Hour, Op: rule.CmpGt, Threshold: 0},
			events: []timedEvent{
				{"2026-03-01T10:00:00Z", `{"c-ip": "b", "user": "u1", "cs-host": "discord.com", "cs-method": "POST"}`},
				{"2026-03-01T10:00:01Z", `{"c-ip": "a", "cs-host": "discord.com", "cs-method": "POST"}`},
				{"2026-03-01T10:00:02Z", `{"c-ip": "a", "user": "u2", "cs-host": "discord.com", "cs-method": "POST"}`},
				{"2026-03-01T10:00:03Z", `{"c-ip": "a", "user": "", "cs-host": "discord.com", "cs-method": "POST"}`},
				{"2026-03-01T10:00:04Z", `{"c-ip": 7, "user": ["x", "y"], "cs-host": "discord.com", "cs-method": "POST"}`},
			},
			want: func(t *testing.T) []Alert {
				return []Alert{
					alert(t, "2026-03-01T10:00:00Z", 1, "c-ip", "7", "user", "x,y"),
					alert(t, "2026-03-01T10:00:00Z", 2, "c-ip", "a", "user", ""),
					alert(t, "2026-03-01T10:00:00Z", 1, "c-ip", "a", "user", "u2"),
					alert(t, "2026-03-01T10:00:00Z", 1, "c-ip", "b", "user", "u1"),
				}
			},
		},
		{
			name: "distinct count ignores missing values",
			agg:  rule.Aggregation{Func: rule.AggDistinctCount, Field: "cs-host", GroupBy: []string{"c-ip"}, Window: time.Hour, Op: rule.CmpGte, Threshold: 2},
			events: []timedEvent{
				{"2026-03-01T10:00:00Z", `{"c-ip": "a", "cs-host": "discord.com", "cs-method": "POST"}`},
				{"2026-03-01T10:00:01Z", `{"c-ip": "a", "cs-host": "discord.com", "cs-method": "POST"}`},
				{"2026-03-01T10:00:02Z", `{"c-ip": "a", "cs-host": "hooks.slack.com", "cs-method": "POST"}`},
				{"2026-03-01T10:00:03Z", `{"c-ip": "b", "cs-host": "discord.com", "cs-method": "POST"}`},
				{"2026-03-01T10:00:04Z", `{"c-ip": "b", "cs-host": "Discord.com", "cs-method": "POST"}`},
			},
			want: func(t *testing.T) []Alert {
				// Distinct values are compared exactly: Discord.com is a
				// second value, as in Splunk's dc().
				return []Alert{alert(t, "2026-03-01T10:00:00Z", 2, "c-ip", "a"), alert(t, "2026-03-01T10:00:00Z", 2, "c-ip", "b")}
			},
		},
		{
			name: "sum counts numbers and numeric strings, ignores the rest",
			agg:  rule.Aggregation{Func: rule.AggSum, Field: "cs-bytes", GroupBy: []string{"c-ip"}, Window: time.Hour, Op: rule.CmpGte, Threshold: 5000},
			events: []timedEvent{
				{"2026-03-01T10:00:00Z", `{"c-ip": "a", "cs-bytes": 3000, "cs-host": "discord.com", "cs-method": "POST"}`},
				{"2026-03-01T10:00:01Z", `{"c-ip": "a", "cs-bytes": "2000", "cs-host": "discord.com", "cs-method": "POST"}`},
				{"2026-03-01T10:00:02Z", `{"c-ip": "a", "cs-bytes": "lots", "cs-host": "discord.com", "cs-method": "POST"}`},
				{"2026-03-01T10:00:03Z", `{"c-ip": "b", "cs-bytes": 4999, "cs-host": "discord.com", "cs-method": "POST"}`},
				{"2026-03-01T10:00:04Z", `{"c-ip": "c", "cs-host": "discord.com", "cs-method": "POST"}`},
			},
			want: func(t *testing.T) []Alert {
				return []Alert{alert(t, "2026-03-01T10:00:00Z", 5000, "c-ip", "a")}
			},
		},
		{
			name: "avg",
			agg:  rule.Aggregation{Func: rule.AggAvg, Field: "n", Window: time.Hour, Op: rule.CmpEq, Threshold: 15},
			events: []timedEvent{
				{"2026-03-01T10:00:00Z", `{"n": 10, "cs-host": "discord.com", "cs-method": "POST"}`},
				{"2026-03-01T10:00:01Z", `{"n": 20, "cs-host": "discord.com", "cs-method": "POST"}`},
				{"2026-03-01T11:00:00Z", `{"n": "x", "cs-host": "discord.com", "cs-method": "POST"}`},
			},
			want: func(t *testing.T) []Alert {
				return []Alert{alert(t, "2026-03-01T10:00:00Z", 15)}
			},
		},
		{
			name: "min and max",
			agg:  rule.Aggregation{Func: rule.AggMin, Field: "n", Window: time.Hour, Op: rule.CmpLt, Threshold: 0},
			events: []timedEvent{
				{"2026-03-01T10:00:00Z", `{"n": [5, -3], "cs-host": "discord.com", "cs-method": "POST"}`},
				{"2026-03-01T10:00:01Z", `{"n": 2, "cs-host": "discord.com", "cs-method": "POST"}`},
			},
			want: func(t *testing.T) []Alert {
				return []Alert{alert(t, "2026-03-01T10:00:00Z", -3)}
			},
		},
		{
			name: "max",
			agg:  rule.Aggregation{Func: rule.AggMax, Field: "n", Window: time.Hour, Op: rule.CmpNeq, Threshold: 0},
			events: []timedEvent{
				{"2026-03-01T10:00:00Z", `{"n": 5, "cs-host": "discord.com", "cs-method": "POST"}`},
				{"2026-03-01T10:00:01Z", `{"n": "7.5", "cs-host": "discord.com", "cs-method": "POST"}`},
			},
			want: func(t *testing.T) []Alert {
				return []Alert{alert(t, "2026-03-01T10:00:00Z", 7.5)}
			},
		},
		{
			name: "count below a threshold only sees groups that exist",
			agg:  rule.Aggregation{Func: rule.AggCount, GroupBy: []string{"c-ip"}, Window: time.Hour, Op: rule.CmpLt, Threshold: 2},
			events: []timedEvent{
				{"2026-03-01T10:00:00Z", `{"c-ip": "a", "cs-host": "discord.com", "cs-method": "POST"}`},
				{"2026-03-01T10:00:01Z", `{"c-ip": "b", "cs-host": "discord.com", "cs-method": "POST"}`},
				{"2026-03-01T10:00:02Z", `{"c-ip": "b", "cs-host": "discord.com", "cs-method": "POST"}`},
			},
			want: func(t *testing.T) []Alert {
				return []Alert{alert(t, "2026-03-01T10:00:00Z", 1, "c-ip", "a")}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := mkRule(t, nil, webhookPost...)
			agg := tc.agg
			r.Aggregation = &agg
			assert.Equal(t, tc.want(t), runAgg(t, r, tc.events))
		})
	}
}

func TestTemporalAggregation(t *testing.T) {
	r := mkRule(t, nil, search1("dns", f("query|endswith", "discord.com")), search1("post", f("cs-method", "POST"), f("cs-host|endswith", "discord.com")))
	r.Condition = nil
	r.Aggregation = &rule.Aggregation{Func: rule.AggTemporal, GroupBy: []string{"host"}, Window: 5 * time.Minute, Parts: []rule.Expr{ref("dns"), ref("post")}}
	events := []timedEvent{
		// h1: both parts in one window.
		{"2026-03-01T10:00:00Z", `{"host": "h1", "query": "discord.com"}`},
		{"2026-03-01T10:01:00Z", `{"host": "h1", "cs-method": "POST", "cs-host": "discord.com"}`},
		{"2026-03-01T10:01:30Z", `{"host": "h1", "cs-method": "POST", "cs-host": "discord.com"}`},
		// h2: the second part only in the next window.
		{"2026-03-01T10:04:59Z", `{"host": "h2", "query": "cdn.discord.com"}`},
		{"2026-03-01T10:05:00Z", `{"host": "h2", "cs-method": "POST", "cs-host": "discord.com"}`},
		// h3: an unrelated event.
		{"2026-03-01T10:06:00Z", `{"host": "h3", "query": "example.org"}`},
	}
	assert.Equal(t, []Alert{alert(t, "2026-03-01T10:00:00Z", 2, "host", "h1")}, runAgg(t, r, events))

	p := compile(t, r)
	assert.True(t, p.Match(MapEvent{"query": "discord.com"}), "a temporal rule's events match any part")
	assert.False(t, p.Match(MapEvent{"query": "example.org"}))
}

func TestAggregatorErrors(t *testing.T) {
	_, err := NewAggregator(compile(t, mkRule(t, nil, search1("sel", f("a", "1")))))
	assert.EqualError(t, err, `rule "test-rule" has no aggregation`)

	r := mkRule(t, nil, search1("sel", f("a", "1")))
	r.Aggregation = &rule.Aggregation{Func: rule.AggCount, Window: time.Minute, Op: rule.CmpGt, Threshold: 0}
	a, err := NewAggregator(compile(t, r))
	require.NoError(t, err)
	_, err = a.Add(ts(t, "2026-03-01T10:05:00Z"), MapEvent{"a": "1"})
	require.NoError(t, err)
	_, err = a.Add(ts(t, "2026-03-01T10:04:59Z"), MapEvent{"a": "1"})
	assert.ErrorIs(t, err, ErrOutOfOrder)
	assert.ErrorContains(t, err, "event at 2026-03-01T10:04:59Z, window opened at 2026-03-01T10:05:00Z")
	assert.Equal(t, []Alert{alert(t, "2026-03-01T10:05:00Z", 1)}, a.Flush(), "the rejected event is not counted")
	assert.Nil(t, a.Flush(), "a second flush has nothing")
}

// TestAggregatorCopiesWhatItKeeps feeds events whose strings live in one
// buffer that is overwritten for the next event, as a log reader's are:
// the groups and distinct values must keep their own copies.
func TestAggregatorCopiesWhatItKeeps(t *testing.T) {
	r := mkRule(t, nil, search1("sel", f("cs-method", "POST")))
	r.Aggregation = &rule.Aggregation{Func: rule.AggDistinctCount, Field: "cs-host", GroupBy: []string{"c-ip", "tags"},
		Window: time.Hour, Op: rule.CmpGte, Threshold: 1}
	a, err := NewAggregator(compile(t, r))
	require.NoError(t, err)
	buf := make([]byte, 64)
	var ev FlatEvent
	view := func(s string) string {
		n := copy(buf, s)
		return unsafe.String(&buf[0], n)
	}
	at := ts(t, "2026-03-01T10:00:00Z")
	for _, e := range [][3]string{
		{"10.0.0.1", "discord.com", "a"},
		{"10.0.0.2", "hooks.slack.com", "b"},
		{"10.0.0.1", "webhook.site", "a"},
		{"10.0.0.1", "discord.com", "a"},
	} {
		// Every string of the event is in buf, which the next event
		// overwrites; the group's fields sit in different places.
		ev.Reset()
		ev.Add("cs-method", String("POST"))
		ev.Add("c-ip", String(view(e[0])))
		hostAt := len(e[0])
		copy(buf[hostAt:], e[1])
		ev.Add("cs-host", String(unsafe.String(&buf[hostAt], len(e[1]))))
		tagAt := hostAt + len(e[1])
		copy(buf[tagAt:], e[2])
		ev.Add("tags", List(String(unsafe.String(&buf[tagAt], len(e[2]))), Number(7)))
		_, err := a.Add(at, &ev)
		require.NoError(t, err)
	}
	copy(buf, "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX")
	assert.Equal(t, []Alert{
		alert(t, "2026-03-01T10:00:00Z", 2, "c-ip", "10.0.0.1", "tags", "a,7"),
		alert(t, "2026-03-01T10:00:00Z", 1, "c-ip", "10.0.0.2", "tags", "b,7"),
	}, a.Flush())
}

// TestAggregatorAddAllocations: an event of a group the window already
// has allocates nothing; the caller need not copy it.
func TestAggregatorAddAllocations(t *testing.T) {
	r := mkRule(t, nil, search1("sel", f("cs-method", "POST")))
	r.Aggregation = &rule.Aggregation{Func: rule.AggSum, Field: "cs-bytes", GroupBy: []string{"c-ip", "cs-host"}, Window: time.Hour, Op: rule.CmpGte, Threshold: 1}
	a, err := NewAggregator(compile(t, r))
	require.NoError(t, err)
	var ev FlatEvent
	ev.Reset()
	ev.Add("cs-method", String("POST"))
	ev.Add("c-ip", String("10.0.0.1"))
	ev.Add("cs-host", String("discord.com"))
	ev.Add("cs-bytes", Number(100))
	at := ts(t, "2026-03-01T10:00:00Z")
	_, err = a.Add(at, &ev)
	require.NoError(t, err)
	added := 1
	allocs := testing.AllocsPerRun(100, func() {
		added++
		if _, err := a.Add(at, &ev); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
	assert.Equal(t, []Alert{alert(t, "2026-03-01T10:00:00Z", float64(100*added), "c-ip", "10.0.0.1", "cs-host", "discord.com")}, a.Flush())
}
