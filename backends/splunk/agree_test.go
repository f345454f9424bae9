package splunk_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/splunk"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/eval"
	"github.com/detc/detc/internal/fixture"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/logs"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil"
)

// fixtureEvent is one JSON Lines event with its id and time.
type fixtureEvent struct {
	id     string
	time   time.Time
	fields map[string]any // without _id and @timestamp; numbers as json.Number
	raw    string
}

func loadEvents(t testing.TB, path string) []fixtureEvent {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var out []fixtureEvent
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(text))
		dec.UseNumber()
		var m map[string]any
		require.NoError(t, dec.Decode(&m), "%s:%d", path, line)
		// _raw is the line without _id, which names the fixture and is not
		// event data (keywords match _raw).
		fe := fixtureEvent{raw: fixtureID.ReplaceAllString(text, "{"), fields: m}
		fe.id, _ = m["_id"].(string)
		if fe.id == "" {
			fe.id = fmt.Sprintf("L%d", line)
		}
		for _, k := range []string{"@timestamp", "_time", "timestamp"} {
			if s, ok := m[k].(string); ok {
				fe.time, err = time.Parse(time.RFC3339Nano, s)
				require.NoError(t, err, "%s:%d", path, line)
				break
			}
		}
		delete(m, "_id")
		delete(m, "@timestamp")
		out = append(out, fe)
	}
	require.NoError(t, sc.Err())
	sort.SliceStable(out, func(i, j int) bool { return out[i].time.Before(out[j].time) })
	return out
}

var fixtureID = regexp.MustCompile(`^\{"_id":"[^"]*",?`)

// splunkEvent is the event as Splunk would hold it after JSON extraction
// (nested objects as dotted names, numbers as their JSON text, null as no
// value), plus Splunk's default fields, which keyword searches must not
// read. With a profile, fields are renamed as the data model would
// present them; fields the profile does not map are not in the model.
func splunkEvent(t testing.TB, fe fixtureEvent, p *mapping.Profile, src *mapping.Source) splEvent {
	t.Helper()
	flat := splEvent{}
	flattenJSON(flat, "", fe.fields)
	ev := splEvent{}
	if p == nil {
		ev = flat
	} else {
		for name, vals := range flat {
			f, err := p.Field(src, name)
			if err != nil {
				continue
			}
			for _, n := range f.Names {
				ev[n] = vals
			}
		}
	}
	ev["_id"] = []string{fe.id}
	ev["_raw"] = []string{fe.raw}
	ev["_time"] = []string{strconv.FormatInt(fe.time.Unix(), 10)}
	for k, v := range map[string]string{
		"host": "proxy01.corp.example", "source": "/var/log/detc/proxy.json", "sourcetype": "detc:proxy:json",
		"index": "proxy", "splunk_server": "idx01", "linecount": "1", "punct": `{"_":"",_":"",_":""}`,
		"date_wday": "monday", "eventtype": "detc_proxy_web",
	} {
		ev[k] = []string{v}
	}
	for k, v := range prefixFields(src) {
		ev[k] = []string{v}
	}
	return ev
}

// prefixFields are the fields a source's search_prefix selects on
// (source, sourcetype, EventCode), the first value of each: the fixture
// events are events of that source, as the add-on would index them.
func prefixFields(src *mapping.Source) map[string]string {
	out := map[string]string{}
	for _, m := range prefixTerm.FindAllStringSubmatch(src.Attr("search_prefix"), -1) {
		if _, ok := out[m[1]]; !ok {
			out[m[1]] = strings.Trim(m[2], `"`)
		}
	}
	return out
}

var prefixTerm = regexp.MustCompile(`(\w+)=("[^"]*"|[^\s()]+)`)

func flattenJSON(dst splEvent, prefix string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			name := k
			if prefix != "" {
				name = prefix + "." + k
			}
			flattenJSON(dst, name, x)
		}
	case []any:
		for _, x := range v {
			if s, ok := scalarText(x); ok {
				dst[prefix] = append(dst[prefix], s)
			}
		}
	default:
		if s, ok := scalarText(v); ok {
			dst[prefix] = append(dst[prefix], s)
		}
	}
}

func scalarText(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// cimProfile reads the built-in cim profile from its data file.
func cimProfile(t testing.TB) *mapping.Profile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("profiles", "cim.yml"))
	require.NoError(t, err)
	p, err := mapping.Parse("cim.yml", data, splunkSchema())
	require.NoError(t, err)
	return p
}

// outcome is what a compiled rule found over a fixture file: the ids of
// the matching events, or the alerts of an aggregation, as text.
func evaluatorOutcome(t testing.TB, r *rule.Rule, events []fixtureEvent) []string {
	t.Helper()
	prog, diags := eval.Compile(r)
	require.False(t, diags.HasErrors(), diags.Error())
	var out []string
	if r.Aggregation == nil {
		for _, fe := range events {
			if prog.Match(eval.MapEvent(fe.fields)) {
				out = append(out, fe.id)
			}
		}
		sort.Strings(out)
		return out
	}
	agg, err := eval.NewAggregator(prog)
	require.NoError(t, err)
	var alerts []eval.Alert
	for _, fe := range events {
		a, err := agg.Add(fe.time, eval.MapEvent(fe.fields))
		require.NoError(t, err)
		alerts = append(alerts, a...)
	}
	alerts = append(alerts, agg.Flush()...)
	for _, a := range alerts {
		var g []string
		for _, f := range r.Aggregation.GroupBy {
			g = append(g, a.Group[f])
		}
		out = append(out, alertText(a.WindowStart.Unix(), g, a.Value))
	}
	sort.Strings(out)
	return out
}

func alertText(window int64, group []string, value float64) string {
	return fmt.Sprintf("%d %q = %s", window, group, strconv.FormatFloat(value, 'f', -1, 64))
}

// readerOutcome runs the emitted SPL through the independent reader.
func readerOutcome(t testing.TB, r *rule.Rule, q *target.Query, events []fixtureEvent, p *mapping.Profile) []string {
	t.Helper()
	prog, err := parseSPL(q.Text)
	require.NoError(t, err, "reader cannot parse:\n%s", q.Text)
	var in []splEvent
	for _, fe := range events {
		in = append(in, splunkEvent(t, fe, p, q.Source))
	}
	rows, err := prog.run(in)
	require.NoError(t, err, "reader cannot run:\n%s", q.Text)
	var out []string
	agg := r.Aggregation
	if agg == nil {
		for _, row := range rows {
			id, ok := row.first("_id")
			require.True(t, ok, "a result without _id: the query aggregates")
			out = append(out, id)
		}
		sort.Strings(out)
		return out
	}
	for _, row := range rows {
		ts, _ := row.first("_time")
		window, err := strconv.ParseInt(ts, 10, 64)
		require.NoError(t, err)
		var g []string
		for _, f := range agg.GroupBy {
			name := f
			if p != nil {
				mf, err := p.Field(q.Source, f)
				require.NoError(t, err)
				name = mf.Names[0]
				if len(mf.Names) > 1 {
					// The derived key: the field's name, made a plain name.
					name = regexp.MustCompile(`[^A-Za-z0-9_]`).ReplaceAllString(f, "_")
				}
			}
			v, _ := row.first(name)
			g = append(g, v)
		}
		value := float64(len(agg.Parts))
		if agg.Func != rule.AggTemporal {
			name := map[rule.AggFunc]string{rule.AggCount: "count", rule.AggDistinctCount: "distinct_count"}[agg.Func]
			if name == "" {
				name = agg.Func.String()
			}
			s, ok := row.first(name)
			require.True(t, ok, "row without %s: %v", name, row)
			value, err = strconv.ParseFloat(s, 64)
			require.NoError(t, err)
		}
		out = append(out, alertText(window, g, value))
	}
	sort.Strings(out)
	return out
}

// agreementRules exercise every construct over the fixture events.
var agreementRules = []string{`
id: webhook-hosts
logsource: {category: proxy}
detection:
  sel: {cs-host|endswith: [.slack.com, discord.com, .webhook.office.com], cs-method: POST}
  condition: sel
`, `
id: method-cased
logsource: {category: proxy}
detection:
  sel: {cs-method|cased: POST, c-uri|contains: /services/}
  condition: sel
`, `
id: literal-star
logsource: {category: proxy}
detection:
  sel: {c-uri|contains: '/webhooks/\*/'}
  condition: sel
`, `
id: question-wildcard
logsource: {category: proxy}
detection:
  sel: {cs-host: 'x?y'}
  condition: sel
`, `
id: question-literal
logsource: {category: proxy}
detection:
  sel: {cs-host: 'x\?y'}
  condition: sel
`, `
id: not-missing-field
logsource: {category: proxy}
detection:
  sel: {cs-host|contains: discord}
  filter: {cs-method: POST}
  condition: sel and not filter
`, `
id: neq-missing-field
logsource: {category: proxy}
detection:
  sel: {cs-host|contains: discord, cs-method|neq: POST}
  condition: sel
`, `
id: quotes-backslashes-pipes
logsource: {category: proxy}
detection:
  sel:
    c-uri: '/a"b\c | delete'
  sel2:
    c-useragent|startswith: 'x" |'
  condition: sel or sel2
`, `
id: newline-value
logsource: {category: proxy}
detection:
  sel: {c-useragent|endswith: "\nInjected: yes"}
  condition: sel
`, `
id: unicode-case
logsource: {category: proxy}
detection:
  sel: {cs-host: bücher.example}
  condition: sel
`, `
id: unicode-cased
logsource: {category: proxy}
detection:
  sel: {c-uri|startswith|cased: /ÄPFEL}
  condition: sel
`, `
id: regex-flags
logsource: {category: proxy}
detection:
  sel: {c-useragent|re|i: '^curl/\d+\.\d+\.\d+$'}
  anchored: {c-uri|re: '^/q$'}
  condition: sel or anchored
`, `
id: regex-multiline-dotall
logsource: {category: proxy}
detection:
  m: {c-useragent|re|m: '^Injected: yes$'}
  s: {c-useragent|re|s: 'curl.*Injected'}
  plain: {c-useragent|re: 'curl.*Injected'}
  condition: m and s and not plain
`, `
id: regex-dollar-newline
logsource: {category: dns}
detection:
  sel: {query|re: 'webhook\.site$'}
  condition: sel
`, `
id: cidr
logsource: {category: proxy}
detection:
  sel: {src_ip|cidr: [10.20.0.0/16, '2001:db8::/32']}
  filter: {src_ip|cidr: 10.20.4.0/24}
  condition: sel and not filter
`, `
id: numbers
logsource: {category: proxy}
detection:
  big: {cs-bytes|gte: 1500}
  small: {cs-bytes|lt: 10}
  status: {sc-status: [204, 301]}
  condition: (big or small) and not status
`, `
id: exists-null
logsource: {category: proxy}
detection:
  has: {cs-method|exists: false}
  nocookie: {cs-cookie: null}
  cookie: {cs-cookie|exists: true}
  condition: has or (nocookie and not cookie)
`, `
id: empty-value
logsource: {category: proxy}
detection:
  sel: {c-uri: ''}
  condition: sel
`, `
id: keywords
logsource: {category: proxy}
detection:
  keywords: ['rm -rf', 'PowerShell/7']
  condition: keywords
`, `
id: keywords-not-default-fields
logsource: {category: proxy}
detection:
  keywords: ['proxy01', 'detc:proxy', 'monday']
  sel: {cs-method: POST}
  condition: sel and not keywords
`, `
id: keywords-wildcards
logsource: {category: proxy}
detection:
  keywords: ['evil*example', 'x\*y']
  condition: keywords
`, `
id: keywords-raw-only
logsource: {category: proxy}
detection:
  keywords: ['exfil-marker']
  condition: keywords
`, `
id: keywords-quotes-backslashes
logsource: {category: proxy}
detection:
  keywords: ['via "PASTEBIN" c:\temp\drop']
  condition: keywords
`, `
id: keywords-entities
logsource: {category: proxy}
detection:
  keywords: ['<b>&amp;']
  condition: keywords
`, `
id: keywords-mixed-case-terms
logsource: {category: proxy}
detection:
  keywords: ['CURL/8.4', '/SERVICES/T0ABC1234/b0def5678/']
  condition: keywords
`, `
id: keywords-term
logsource: {category: proxy}
detection:
  keywords: ['NT 10.0; Win64']
  condition: keywords
`, `
id: keywords-not-filter
logsource: {category: proxy}
detection:
  keywords: ['/services/']
  filter: ['/T9/']
  condition: keywords and not filter
`, `
id: keywords-one-of
logsource: {category: proxy}
detection:
  kw_a: ['/services/']
  kw_b: ['/webhooks/']
  condition: 1 of kw_*
`, `
id: keywords-one-of-no-term
logsource: {category: proxy}
detection:
  kw_a: ['/services/']
  kw_b: ['curl']
  condition: 1 of kw_*
`, `
id: keywords-or-field
logsource: {category: proxy}
detection:
  sel: {cs-method: PUT}
  keywords: ['/services/T9/']
  condition: sel or keywords
`, `
id: keywords-question-mark
logsource: {category: process_creation, product: windows}
detection:
  keywords: ['system32?curl.exe', 'CORP?bob']
  condition: keywords
`, `
id: all-modifier
logsource: {category: proxy}
detection:
  sel: {c-uri|contains|all: [hooks, services, T0ABC]}
  condition: sel
`, `
id: one-of-them
logsource: {category: proxy}
detection:
  a: {cs-host: hooks.slack.com}
  b: {cs-host: discord.com}
  _helper: {cs-method: GET}
  condition: 1 of them and not _helper
`, `
id: fieldref
logsource: {category: proxy}
detection:
  sel: {cs-referrer|fieldref|startswith: cs-host}
  condition: not sel
`, `
id: process-paths
logsource: {category: process_creation, product: windows}
detection:
  img: {Image|endswith: '\curl.exe'}
  cli: {CommandLine|contains|windash: [' -X POST', ' --upload-file']}
  condition: img and cli
`, `
id: process-cased-star
logsource: {category: process_creation, product: windows}
detection:
  sel: {CommandLine|contains: 'del \*.tmp', OriginalFileName|cased: Cmd.Exe}
  condition: sel
`, `
id: process-base64
logsource: {category: process_creation, product: windows}
detection:
  sel: {CommandLine|wide|base64offset|contains: Invoke-RestMethod}
  condition: sel and not 1 of filter*
  filter_parent: {ParentImage|endswith: '\explorer.exe'}
`, `
id: process-version-info
logsource: {category: process_creation, product: windows}
detection:
  desc: {Description|contains: ['7-Zip', 'cloud storage']}
  vendor: {Product: rclone, Company|startswith: 'https://rclone.'}
  filter: {FileVersion: '23.01'}
  condition: (desc or vendor) and not filter
`, `
id: process-parent-user
logsource: {category: process_creation, product: windows}
detection:
  sel: {Image|endswith: '\notepad.exe'}
  same: {User|fieldref: ParentUser}
  condition: sel and not same
`, `
id: process-logon-id
logsource: {category: process_creation, product: windows}
detection:
  sel: {LogonId: '0x3E7', IntegrityLevel: System}
  condition: sel
`, `
id: dns-case
logsource: {category: dns}
detection:
  sel: {query: [hooks.slack.com, webhook.site]}
  pipe: {query|contains: '|'}
  condition: sel or pipe
`, `
id: merged-values
logsource: {category: proxy}
detection:
  sel: {cs-host|cased: [hooks.slack.com, discord.com, HOOKS.SLACK.COM]}
  filter: {c-uri|contains: ['/services/T9', '/webhooks/\*/', 'q?id=']}
  condition: sel and not filter
`, `
id: count-by-src
logsource: {category: proxy}
timeframe: 15m
detection:
  sel: {cs-method: POST}
  condition: sel | count() by src_ip > 1
`, `
id: dc-hosts
logsource: {category: proxy}
timeframe: 15m
detection:
  sel: {cs-method: [POST, GET]}
  condition: sel | count(cs-host) by src_ip >= 2
`, `
id: sum-bytes
logsource: {category: proxy}
timeframe: 1h
detection:
  sel: {cs-host|contains: [slack, discord]}
  condition: sel | sum(cs-bytes) by cs-host > 4000
`, `
id: max-bytes-no-group
logsource: {category: proxy}
timeframe: 15m
detection:
  sel: {cs-method: POST}
  condition: sel | max(cs-bytes) > 1000
`, `
id: temporal
logsource: {category: proxy}
timeframe: 15m
group-by: [src_ip]
parts: [dns_like, post]
detection:
  dns_like: {cs-host|endswith: .slack.com}
  post: {cs-bytes|gt: 1000}
`, `
id: temporal-keywords
logsource: {category: proxy}
timeframe: 15m
parts: [services, put]
detection:
  services: ['/services/']
  put: {cs-method: PUT}
`}

func TestReaderAgreesWithEvaluator(t *testing.T) {
	b := splunk.New()
	cim := cimProfile(t)
	files := map[string][]fixtureEvent{
		"proxy":            loadEvents(t, "testdata/events/proxy.jsonl"),
		"dns":              loadEvents(t, "testdata/events/dns.jsonl"),
		"process_creation": loadEvents(t, "testdata/events/process.jsonl"),
	}
	for _, doc := range agreementRules {
		r := testRule(t, doc)
		events := files[r.LogSource.Category]
		require.NotEmpty(t, events, r.ID)
		want := evaluatorOutcome(t, r, events)
		for _, profile := range []string{"raw", "cim"} {
			t.Run(r.ID+"/"+profile, func(t *testing.T) {
				q, err := b.Compile(testutil.Checked(t, r), target.Options{Profile: profile})
				require.NoError(t, err)
				var p *mapping.Profile
				if profile == "cim" {
					p = cim
				}
				got := readerOutcome(t, r, q, events, p)
				assert.Equal(t, want, got, "query:\n%s", q.Text)
			})
		}
	}
}

// The tstats variant: rows count the matching events.
func TestTstatsAgreesWithEvaluator(t *testing.T) {
	b := splunk.New()
	cim := cimProfile(t)
	events := loadEvents(t, "testdata/events/proxy.jsonl")
	for _, doc := range agreementRules {
		r := testRule(t, doc)
		if r.LogSource.Category != "proxy" {
			continue
		}
		q, err := b.Compile(testutil.Checked(t, r), target.Options{Variant: splunk.VariantTstats})
		if err != nil {
			var te *target.Refusal
			require.True(t, errors.As(err, &te), "%s: %v", r.ID, err)
			continue
		}
		t.Run(r.ID, func(t *testing.T) {
			want := evaluatorOutcome(t, r, events)
			prog, err := parseSPL(q.Text)
			require.NoError(t, err, q.Text)
			var in []splEvent
			for _, fe := range events {
				in = append(in, splunkEvent(t, fe, cim, q.Source))
			}
			rows, err := prog.run(in)
			require.NoError(t, err, q.Text)
			if r.Aggregation != nil {
				assert.Equal(t, want, readerOutcome(t, r, q, events, cim), q.Text)
				return
			}
			total := 0
			for _, row := range rows {
				n, _ := row.first("count")
				c, err := strconv.Atoi(n)
				require.NoError(t, err)
				total += c
			}
			assert.Equal(t, len(want), total, q.Text)
		})
	}
}

// TestDetectionsPack compiles the content pack and compares the reader
// with the evaluator over every JSON Lines fixture of the rule's log
// source category (fixtures/<category>/*.jsonl) and over the rule's own
// fixtures in any format (the events of its log source).
func TestDetectionsPack(t *testing.T) {
	root := testutil.RepoRoot(t)
	set, diags := load.Paths([]string{filepath.Join(root, "detections")})
	require.False(t, diags.HasErrors(), "%v", diags)
	require.NotEmpty(t, set.Rules)
	diags = fixture.AttachSidecars(set.Rules, filepath.Join(root, "fixtures"))
	require.False(t, diags.HasErrors(), "%v", diags)
	b := splunk.New()
	cim := cimProfile(t)
	checked := map[string]int{}
	for _, r := range set.Rules {
		files, err := filepath.Glob(filepath.Join(root, "fixtures", r.LogSource.Category, "*.jsonl"))
		require.NoError(t, err)
		for _, ft := range r.Tests {
			path, err := fixture.Resolve(ft, r)
			require.NoError(t, err)
			if abs, err := filepath.Abs(path); err == nil && !slices.Contains(files, abs) {
				files = append(files, abs)
			}
		}
		for _, f := range files {
			events := loadFixture(t, f, r.LogSource)
			want := evaluatorOutcome(t, r, events)
			for _, profile := range []string{"raw", "cim"} {
				q, err := b.Compile(testutil.Checked(t, r), target.Options{Profile: profile})
				require.NoError(t, err, "%s (%s)", r.ID, profile)
				var p *mapping.Profile
				if profile == "cim" {
					p = cim
				}
				assert.Equal(t, want, readerOutcome(t, r, q, events, p), "%s over %s (%s):\n%s", r.Name, f, profile, q.Text)
			}
			checked[r.Name] += len(want)
		}
	}
	// Every detection is checked on events it matches, not only misses.
	for _, r := range set.Rules {
		if !r.IsPivot() {
			assert.Positive(t, checked[r.Name], "%s: no fixture event matched", r.Name)
		}
	}
}

// loadFixture reads a fixture file: JSON Lines as loadEvents does (nested
// objects kept, for Splunk's dotted names), other formats through detc's
// fixture reader, keeping the events of the rule's log source.
func loadFixture(t testing.TB, path string, ls rule.LogSource) []fixtureEvent {
	t.Helper()
	if strings.HasSuffix(path, ".jsonl") {
		return loadEvents(t, path)
	}
	rd, err := logs.Open(path, logs.Options{All: true})
	require.NoError(t, err)
	defer rd.Close()
	var out []fixtureEvent
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err, path)
		if !ev.Applies(ls) {
			continue
		}
		fe := fixtureEvent{id: ev.ID(), raw: string(ev.Raw()), fields: map[string]any{}}
		fe.time, _ = ev.Time()
		own := ev.Clone() // the reader reuses the event's memory
		for i, name := range own.Names {
			if v, ok := jsonValue(own.Values[i]); ok {
				fe.fields[name] = v
			}
		}
		out = append(out, fe)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].time.Before(out[j].time) })
	return out
}

// jsonValue turns a fixture value back into what encoding/json gives with
// UseNumber, as loadEvents holds values.
func jsonValue(v eval.Value) (any, bool) {
	switch v.Kind {
	case eval.KindString:
		return v.Str, true
	case eval.KindBool:
		return v.Str == "true", true
	case eval.KindNumber:
		s, _ := v.Text()
		return json.Number(s), true
	case eval.KindList:
		var out []any
		for _, x := range v.List {
			if y, ok := jsonValue(x); ok {
				out = append(out, y)
			}
		}
		return out, true
	}
	return nil, false
}

// matchedIDs runs the query over the indexed events with the reader and
// returns the _id of each event it keeps, sorted.
func matchedIDs(t *testing.T, query string, indexed []splEvent) []string {
	t.Helper()
	sp, err := parseSPL(query)
	require.NoError(t, err, query)
	rows, err := sp.run(indexed)
	require.NoError(t, err, query)
	var got []string
	for _, row := range rows {
		id, _ := row.first("_id")
		got = append(got, id)
	}
	sort.Strings(got)
	return got
}
