package elastic

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/detc/detc/backends/elastic/checker"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// esqlProof is one rule's ES|QL query with the events it runs over.
type esqlProof struct {
	rule    *rule.Rule
	profile string
	query   string
	parsed  *esqlQuery
	docs    []esqlDoc
	ids     []string
	want    []string
}

// TestESQLAgreesWithEvaluator runs the ES|QL query of every test rule
// without aggregation (the language detc picks for fieldref, analysed
// text fields and cidr on keyword fields, and --lang esql for the others)
// through the ES|QL reader over the fixture events, indexed as
// Elasticsearch stores them: the matches must equal the evaluator's. The
// regular expressions of RLIKE run in the real Lucene.
func TestESQLAgreesWithEvaluator(t *testing.T) {
	events := map[string][]fixtureEvent{}
	for cat, file := range eventFiles {
		events[cat] = readEvents(t, filepath.Join("testdata", "events", file))
	}
	var proofs []esqlProof
	for _, r := range testRules(t) {
		evs, ok := events[r.LogSource.Category]
		if !ok || r.Aggregation != nil {
			continue
		}
		for _, profile := range []string{"ecs", "raw"} {
			c, err := compile(testutil.Checked(t, r), target.Options{Profile: profile, Lang: ESQL})
			if hasKeywords(r) {
				require.ErrorContains(t, err, "does not search all fields", r.ID)
				continue
			}
			require.NoError(t, err, r.ID)
			q, err := parseESQL(c.query.Text)
			require.NoError(t, err, "the reader cannot read %s", c.query.Text)
			types, indexed := indexEvents(t, c, profile, evs)
			pr := esqlProof{rule: r, profile: profile, query: c.query.Text, parsed: q, want: evaluatorMatches(t, r, evs)}
			for _, ev := range indexed {
				d := esqlDoc{values: map[string][]string{}, types: types}
				for _, kv := range ev.Fields {
					d.values[kv[0]] = append(d.values[kv[0]], kv[1])
				}
				pr.docs = append(pr.docs, d)
				pr.ids = append(pr.ids, ev.ID)
			}
			proofs = append(proofs, pr)
		}
	}
	require.NotEmpty(t, proofs)
	rl := luceneRLIKE(t, proofs)
	for _, p := range proofs {
		t.Run(p.rule.ID+"/"+p.profile, func(t *testing.T) {
			assert.Equal(t, p.want, p.matches(rl), "query: %s", p.query)
			assert.True(t, len(p.want) > 0 && len(p.want) < len(p.docs), "rule %s matches %d of %d events", p.rule.ID, len(p.want), len(p.docs))
		})
	}
}

// matches are the ids of the events the reader's WHERE keeps, sorted.
func (p esqlProof) matches(rl rlikeOracle) []string {
	var got []string
	for i, d := range p.docs {
		if p.parsed.matches(d, rl) {
			got = append(got, p.ids[i])
		}
	}
	sort.Strings(got)
	return got
}

// luceneRLIKE runs every RLIKE pattern of the proofs over every string the
// events hold, in the real Lucene (as a regex term on a keyword field:
// the same RegExp over the whole value), and answers from the results.
func luceneRLIKE(t *testing.T, proofs []esqlProof) rlikeOracle {
	t.Helper()
	patterns := map[string]bool{}
	texts := map[string]bool{}
	for _, p := range proofs {
		collectRLIKE(p.parsed.where, patterns)
		for _, d := range p.docs {
			for _, vs := range d.values {
				for _, v := range vs {
					texts[v] = true
				}
			}
		}
	}
	seg := checker.Segment{Fields: map[string]string{"v": tKeyword}}
	var values []string
	for v := range texts {
		values = append(values, v)
	}
	sort.Strings(values)
	for i, v := range values {
		seg.Events = append(seg.Events, checker.Event{ID: strconv.Itoa(i), Fields: [][2]string{{"v", v}}})
	}
	var pats []string
	for p := range patterns {
		pats = append(pats, p)
	}
	sort.Strings(pats)
	for i, p := range pats {
		seg.Queries = append(seg.Queries, checker.Query{ID: strconv.Itoa(i), Text: "v:/" + p + "/"})
	}
	matched := map[[2]string]bool{}
	if len(pats) > 0 {
		results, err := luceneChecker(t).Run([]checker.Segment{seg})
		require.NoError(t, err)
		require.Len(t, results, len(pats))
		for i, res := range results {
			require.Empty(t, res.Err, "RLIKE %q", pats[i])
			for _, id := range res.Matches {
				n, err := strconv.Atoi(id)
				require.NoError(t, err)
				matched[[2]string{pats[i], values[n]}] = true
			}
		}
	}
	return func(pattern, text string) bool {
		if !texts[text] || !patterns[pattern] {
			panic(fmt.Sprintf("RLIKE %q on %q was not run in Lucene", pattern, text))
		}
		return matched[[2]string{pattern, text}]
	}
}

func collectRLIKE(e esqlExpr, into map[string]bool) {
	switch e := e.(type) {
	case pattern:
		if e.regex {
			into[e.pat] = true
		}
		collectRLIKE(e.x, into)
	case logic:
		collectRLIKE(e.x, into)
		collectRLIKE(e.y, into)
	case negation:
		collectRLIKE(e.x, into)
	case isNull:
		collectRLIKE(e.x, into)
	case compare:
		collectRLIKE(e.x, into)
		collectRLIKE(e.y, into)
	case call:
		for _, a := range e.args {
			collectRLIKE(a, into)
		}
	}
}

// hasKeywords reports whether a rule searches all fields (which ES|QL
// refuses).
func hasKeywords(r *rule.Rule) bool {
	for _, s := range r.Searches {
		for _, g := range s.Groups {
			for _, m := range g.Matchers {
				if m.IsKeyword() {
					return true
				}
			}
		}
	}
	return false
}
