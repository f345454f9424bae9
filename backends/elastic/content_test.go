package elastic

import (
	"errors"
	"io"
	"net/netip"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/detc/detc/backends/elastic/checker"
	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/eval"
	"github.com/detc/detc/internal/fixture"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/logs"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// valueTexts returns an event value as Elasticsearch indexes it.
func valueTexts(v eval.Value) []string {
	switch v.Kind {
	case eval.KindList:
		var out []string
		for _, el := range v.List {
			out = append(out, valueTexts(el)...)
		}
		return out
	case eval.KindString, eval.KindNumber, eval.KindBool:
		t, _ := v.Text()
		return []string{strings.Clone(t)}
	}
	return nil
}

// fits reports whether a value can be indexed in a field of a type; an
// integration's ignore_malformed drops the others.
func fits(typ, v string) bool {
	switch {
	case typ == tIP:
		_, err := netip.ParseAddr(v)
		return err == nil
	case isIntegral(typ):
		_, err := strconv.ParseInt(v, 10, 64)
		return err == nil
	case isNumeric(typ):
		_, err := strconv.ParseFloat(v, 64)
		return err == nil
	}
	return true
}

// contentPlan compiles one content-pack rule in a language and indexes
// its fixture events (those of its log source) under the profile's names
// and types.
func contentPlan(t *testing.T, r *rule.Rule, profile, lang string) (proof, bool) {
	t.Helper()
	c, err := compile(testutil.Checked(t, r), target.Options{Profile: profile, Lang: lang})
	if err != nil {
		var te *target.Refusal
		require.True(t, errors.As(err, &te), "%v", err)
		t.Logf("%s/%s: refused: %v", r.ID, profile, err)
		return proof{}, false
	}
	p, err := Profile(target.Options{Profile: profile})
	require.NoError(t, err)
	prog, diags := eval.Compile(r)
	require.False(t, diags.HasErrors(), "%v", diags)
	pr := proof{rule: r, profile: profile, query: c.query.Text}
	fields := map[string]string{}
	for n, typ := range c.types {
		fields[n] = typ
	}
	cc := &compiler{r: c.query.Rule, profile: p, source: c.query.Source, types: map[string]string{}}
	filter := cc.sourceFilter(true)
	for _, kv := range filter {
		fields[kv[0]] = tKeyword
	}
	seen := map[string]bool{}
	for _, ft := range r.Tests {
		path, err := fixture.Resolve(ft, r)
		require.NoError(t, err)
		rd, err := logs.Open(path, logs.Options{Format: ft.Format, All: true})
		require.NoError(t, err)
		for {
			ev, err := rd.Next()
			if err == io.EOF {
				break
			}
			require.NoError(t, err, path)
			if !ev.Applies(r.LogSource) {
				continue // another log source: another index
			}
			id := filepath.Base(path) + "#" + ev.ID()
			if seen[id] {
				continue
			}
			seen[id] = true
			if prog.Match(ev) {
				pr.want = append(pr.want, id)
			}
			pr.segment.Events = append(pr.segment.Events, contentDoc(t, id, ev, p, c, fields, filter))
		}
		require.NoError(t, rd.Close())
	}
	sort.Strings(pr.want)
	pr.segment.Fields = fields
	pr.segment.Queries = []checker.Query{{ID: r.ID + "/" + profile, Text: c.query.Text}}
	return pr, true
}

func contentDoc(t *testing.T, id string, ev *logs.Event, p *mapping.Profile, c *compiled, fields map[string]string, filter [][2]string) checker.Event {
	doc := checker.Event{ID: id}
	for i, name := range ev.Names {
		f, err := p.Field(c.query.Source, name)
		if err != nil {
			continue // no ECS field: the integration does not index it
		}
		for _, n := range f.Names {
			typ := f.Type
			if typ == "" {
				typ = c.types[n]
			}
			if typ == "" {
				typ = tKeyword
			}
			if prev, ok := fields[n]; ok && prev != typ {
				t.Fatalf("%s: field %s is %s in the query and %s in the mapping", id, n, prev, typ)
			}
			fields[n] = typ
			for _, v := range valueTexts(ev.Values[i]) {
				// Two of the event's names for one log field that map
				// to one target field are one value in the index, as
				// the integration writes it (ES|QL would read two
				// values as a multi-valued field).
				if kv := [2]string{n, v}; fits(typ, v) && !slices.Contains(doc.Fields, kv) {
					doc.Fields = append(doc.Fields, kv)
				}
			}
		}
	}
	return checker.Event{ID: doc.ID, Fields: append(doc.Fields, filter...)}
}

// TestContentPackOnLucene runs the content pack's detections (detections/)
// over their own fixtures (fixtures/) on the real Lucene index: where a
// detection compiles to Lucene, its query matches exactly the fixture
// events the evaluator matches.
func TestContentPackOnLucene(t *testing.T) {
	root := testutil.RepoRoot(t)
	set, diags := load.Paths([]string{filepath.Join(root, "detections")})
	diags = append(diags, fixture.AttachSidecars(set.Rules, filepath.Join(root, "fixtures"))...)
	require.False(t, diags.HasErrors(), "%v", diags)
	var proofs []proof
	for _, r := range set.Rules {
		if len(r.Tests) == 0 {
			continue
		}
		for _, profile := range []string{"ecs", "raw"} {
			if pr, ok := contentPlan(t, r, profile, Lucene); ok {
				proofs = append(proofs, pr)
			}
		}
	}
	require.NotEmpty(t, proofs, "the content pack has detections with fixtures")
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
		})
	}
	t.Logf("%d content-pack queries agree with the evaluator on their fixtures", len(proofs))
}

// TestContentPackOnESQL runs the content pack's detections without
// aggregation, in ES|QL (the language detc picks for the PowerShell
// script-block detection, whose ECS field is analysed text), through the
// ES|QL reader over their own fixtures: the matches equal the evaluator's.
func TestContentPackOnESQL(t *testing.T) {
	root := testutil.RepoRoot(t)
	set, diags := load.Paths([]string{filepath.Join(root, "detections")})
	diags = append(diags, fixture.AttachSidecars(set.Rules, filepath.Join(root, "fixtures"))...)
	require.False(t, diags.HasErrors(), "%v", diags)
	var proofs []esqlProof
	chosen := 0
	for _, r := range set.Rules {
		if len(r.Tests) == 0 || r.Aggregation != nil {
			continue
		}
		for _, profile := range []string{"ecs", "raw"} {
			pr, ok := contentPlan(t, r, profile, ESQL)
			if !ok {
				continue
			}
			q, err := parseESQL(pr.query)
			require.NoError(t, err, "the reader cannot read %s", pr.query)
			ep := esqlProof{rule: r, profile: profile, query: pr.query, parsed: q, want: pr.want}
			for _, ev := range pr.segment.Events {
				d := esqlDoc{values: map[string][]string{}, types: pr.segment.Fields}
				for _, kv := range ev.Fields {
					d.values[kv[0]] = append(d.values[kv[0]], kv[1])
				}
				ep.docs = append(ep.docs, d)
				ep.ids = append(ep.ids, ev.ID)
			}
			proofs = append(proofs, ep)
			if def, err := New().Compile(testutil.Checked(t, r), target.Options{Profile: profile}); err == nil && def.Lang == ESQL {
				chosen++
			}
		}
	}
	require.NotEmpty(t, proofs)
	assert.Positive(t, chosen, "a content-pack detection is in ES|QL by choice")
	rl := luceneRLIKE(t, proofs)
	for _, p := range proofs {
		t.Run(p.rule.ID+"/"+p.profile, func(t *testing.T) {
			assert.Equal(t, p.want, p.matches(rl), "query: %s", p.query)
		})
	}
	t.Logf("%d content-pack ES|QL queries (%d by choice) agree with the evaluator on their fixtures", len(proofs), chosen)
}
