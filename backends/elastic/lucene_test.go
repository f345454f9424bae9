package elastic

import (
	"github.com/detc/detc/internal/testutil"
	"path/filepath"
	"sort"
	"testing"

	"github.com/detc/detc/backends/elastic/checker"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/eval"
	"github.com/detc/detc/internal/rule"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eventFiles says which fixture events each log source category has.
var eventFiles = map[string]string{
	"proxy":              "proxy.jsonl",
	"dns":                "dns.jsonl",
	"process_creation":   "process.jsonl",
	"network_connection": "network.jsonl",
	"ps_script":          "ps_script.jsonl",
}

// proof is one compiled rule with the events it runs over.
type proof struct {
	rule    *rule.Rule
	profile string
	query   string
	want    []string
	segment checker.Segment
}

// lucenePlan compiles a rule's Lucene query for a profile, indexes the
// events under the profile's field names and types, and asks the
// evaluator which events match (on the Sigma-named events).
func lucenePlan(t *testing.T, r *rule.Rule, profile string, events []fixtureEvent) proof {
	t.Helper()
	c, err := compile(testutil.Checked(t, r), target.Options{Profile: profile, Lang: Lucene})
	require.NoError(t, err, r.ID)
	pr := proof{rule: r, profile: profile, query: c.query.Text}
	pr.want = evaluatorMatches(t, r, events)
	pr.segment.Fields, pr.segment.Events = indexEvents(t, c, profile, events)
	pr.segment.Queries = []checker.Query{{ID: r.ID + "/" + profile, Text: c.query.Text}}
	return pr
}

// evaluatorMatches are the ids of the events the evaluator matches, sorted.
func evaluatorMatches(t *testing.T, r *rule.Rule, events []fixtureEvent) []string {
	t.Helper()
	prog, diags := eval.Compile(r)
	require.False(t, diags.HasErrors(), "%v", diags)
	var want []string
	for _, ev := range events {
		if prog.Match(eval.MapEvent(ev.Fields)) {
			want = append(want, ev.ID)
		}
	}
	sort.Strings(want)
	return want
}

// indexEvents is the events as Elasticsearch indexes them for a compiled
// query: under the profile's target field names, with its types (the
// query's for fields the profile leaves untyped), values the profile
// translates in the target's form, and the source's filter fields.
func indexEvents(t *testing.T, c *compiled, profile string, events []fixtureEvent) (map[string]string, []checker.Event) {
	t.Helper()
	p, err := Profile(target.Options{Profile: profile})
	require.NoError(t, err)
	src := c.query.Source
	fields := map[string]string{}
	for n, typ := range c.types {
		fields[n] = typ
	}
	cc := &compiler{r: c.query.Rule, profile: p, source: src, types: map[string]string{}}
	filter := cc.sourceFilter(true)
	for _, kv := range filter {
		fields[kv[0]] = tKeyword
	}
	var docs []checker.Event
	for _, ev := range events {
		doc := checker.Event{ID: ev.ID}
		names := make([]string, 0, len(ev.Fields))
		for n := range ev.Fields {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			f, err := p.Field(src, n)
			require.NoError(t, err, "fixture field %q has no %s mapping", n, profile)
			for _, target := range f.Names {
				typ := f.Type
				if typ == "" {
					typ = c.types[target]
				}
				if typ == "" {
					typ = tKeyword
				}
				if prev, ok := fields[target]; ok && prev != typ {
					t.Fatalf("%s: field %s is %s in the query and %s in the mapping", c.query.Rule.ID, target, prev, typ)
				}
				fields[target] = typ
				for _, v := range texts(ev.Fields[n]) {
					// The event as the target stores it: values the
					// profile translates (mapping.TranslateValues) in
					// the target's form.
					tv, ok := f.TargetValue(v)
					require.True(t, ok, "fixture value %q of %s has no %s translation", v, n, profile)
					doc.Fields = append(doc.Fields, [2]string{target, tv})
				}
			}
		}
		doc.Fields = append(doc.Fields, filter...)
		docs = append(docs, doc)
	}
	return fields, docs
}

// TestLuceneAgreesWithEvaluator is the proof on a real Lucene index: every
// emitted query parses with Lucene 8's query_string parser (with
// Elasticsearch's hooks) and, over the fixture events indexed with ECS's
// field types, matches exactly the events the evaluator matches, near
// misses in case only included.
func TestLuceneAgreesWithEvaluator(t *testing.T) {
	events := map[string][]fixtureEvent{}
	for cat, file := range eventFiles {
		events[cat] = readEvents(t, filepath.Join("testdata", "events", file))
	}
	var proofs []proof
	for _, r := range testRules(t) {
		evs, ok := events[r.LogSource.Category]
		if !ok || r.Aggregation != nil && thresholdOf(r.Aggregation) == nil {
			continue // no events, or no Lucene query (ES|QL only)
		}
		for _, profile := range []string{"ecs", "raw"} {
			q, err := New().Compile(testutil.Checked(t, r), target.Options{Profile: profile})
			require.NoError(t, err, r.ID)
			if q.Lang != Lucene {
				continue // ES|QL by choice: TestESQLAgreesWithEvaluator
			}
			proofs = append(proofs, lucenePlan(t, r, profile, evs))
		}
	}
	require.NotEmpty(t, proofs)
	segs := make([]checker.Segment, len(proofs))
	for i, p := range proofs {
		segs[i] = p.segment
	}
	results, err := luceneChecker(t).Run(segs)
	require.NoError(t, err)
	require.Len(t, results, len(proofs))
	for i, p := range proofs {
		res := results[i]
		t.Run(p.rule.ID+"/"+p.profile, func(t *testing.T) {
			require.Empty(t, res.Err, "query: %s", p.query)
			assert.Equal(t, p.want, res.Matches, "query: %s", p.query)
			n := len(p.segment.Events)
			// A proof that matches nothing or everything proves little.
			assert.True(t, len(p.want) > 0 && len(p.want) < n, "rule %s matches %d of %d events", p.rule.ID, len(p.want), n)
		})
	}
}
