package kql_test

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/kql"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/eval"
	"github.com/detc/detc/internal/fixture"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/logs"
	"github.com/detc/detc/internal/testutil"
)

// TestContentPackAgreesOnFixtures compiles each detection of the content
// pack (detections/) to KQL with the raw profile, reads the query back with
// the independent reader and runs it over the detection's own fixture
// events: it matches exactly the events the evaluator matches, so every
// attack the fixtures hold fires and every near miss stays quiet in KQL's
// operators. (The real-schema profiles differ from raw in tables and
// columns, which Kusto.Language checks in TestPackageContent.)
func TestContentPackAgreesOnFixtures(t *testing.T) {
	root := testutil.RepoRoot(t)
	set, diags := load.Paths([]string{filepath.Join(root, "detections")})
	diags = append(diags, fixture.AttachSidecars(set.Rules, filepath.Join(root, "fixtures"))...)
	require.False(t, diags.HasErrors(), "%v", diags)
	checked, matched := 0, 0
	for _, r := range set.Rules {
		if r.IsPivot() || r.Aggregation != nil || len(r.Tests) == 0 {
			continue // aggregations summarize: the reader reads where clauses
		}
		q, err := kql.New().Compile(testutil.Checked(t, r), target.Options{Profile: "raw"})
		require.NoError(t, err, r.Name)
		match, err := readQuery(q.Text)
		require.NoError(t, err, "%s:\n%s", r.Name, q.Text)
		prog, diags := eval.Compile(r)
		require.False(t, diags.HasErrors(), "%v", diags)
		fields := map[string]bool{}
		for _, s := range r.Searches {
			for _, g := range s.Groups {
				for _, m := range g.Matchers {
					fields[m.Field] = true
				}
			}
		}
		hits := 0
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
					continue
				}
				row, ok := stringRow(ev, fields)
				if !ok {
					continue // a list value the rule reads: no string column holds it
				}
				want := prog.Match(ev)
				if want {
					hits++
				}
				assert.Equal(t, want, match(row), "%s: %s#%s\n%s", r.Name, filepath.Base(path), ev.ID(), q.Text)
				checked++
			}
			require.NoError(t, rd.Close())
		}
		assert.Positive(t, hits, "%s: no fixture event matched", r.Name)
		matched += hits
	}
	require.Positive(t, checked)
	t.Logf("%d fixture events (%d of them alerts) decided alike by the evaluator and the raw KQL", checked, matched)
}

// stringRow is an event as a row of string columns (a list value left
// out); false when the rule reads a field whose value is a list.
func stringRow(ev *logs.Event, fields map[string]bool) (map[string]string, bool) {
	row := map[string]string{}
	for i, name := range ev.Names {
		v := ev.Values[i]
		if v.Kind == eval.KindList {
			if fields[name] {
				return nil, false
			}
			continue
		}
		if text, ok := v.Text(); ok {
			row[name] = text
		}
	}
	return row, true
}
