package kql_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/detc/detc/internal/testutil"

	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/kql"
	"github.com/detc/detc/backends/kql/kqlcheck"
	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/sigma"
	"github.com/detc/detc/internal/testutil/corpus"
)

// parsed is one emitted query to run through Microsoft's parser.
type parsed struct {
	name string
	text string
	// db names the database it runs against; "" means the declared
	// Sentinel workspace.
	db string
}

// checker batches queries and runs them all through one node process.
type checker struct {
	dbs     map[string]*kqlcheck.Database
	queries []parsed
	// unavailable says why the parser cannot run here; the test then
	// checks everything else and skips at run (see testutil.RequireChecker).
	unavailable error
}

func newChecker(t testing.TB) *checker {
	t.Helper()
	ws, err := kqlcheck.Workspace()
	require.NoError(t, err)
	return &checker{dbs: map[string]*kqlcheck.Database{"workspace": ws}, unavailable: kqlcheck.Available()}
}

// add queues a compiled query, declaring a raw profile's table with the
// columns its rule reads (strings unless the profile gives a type).
func (c *checker) add(t testing.TB, name string, q *target.Query, text string, overrides *mapping.Profile) {
	t.Helper()
	db := ""
	if q.Profile == "raw" {
		db = "raw:" + name
		c.dbs[db] = rawDatabase(t, q, overrides)
	}
	c.queries = append(c.queries, parsed{name: name, text: text, db: db})
}

// rawDatabase declares the raw table: the time column and every field the
// rule names.
func rawDatabase(t testing.TB, q *target.Query, overrides *mapping.Profile) *kqlcheck.Database {
	t.Helper()
	prof, err := kql.Profile("raw", overrides)
	require.NoError(t, err)
	table := q.Source.Attr("table")
	if table == "" {
		table = kql.DefaultTable
	}
	cols := map[string]string{"TimeGenerated": "datetime"}
	for _, f := range corpus.Fields(q.Rule.Rule) {
		m, err := prof.Field(q.Source, f)
		require.NoError(t, err)
		for _, n := range m.Names {
			typ := m.Type
			if typ == "" {
				typ = "string"
			}
			cols[n] = typ
		}
	}
	var columns []kqlcheck.Column
	for _, n := range slices.Sorted(maps.Keys(cols)) {
		columns = append(columns, kqlcheck.Column{Name: n, Type: cols[n]})
	}
	return &kqlcheck.Database{Tables: []kqlcheck.Table{{Name: table, Columns: columns}}}
}

// run parses every queued query and returns, per query name, Microsoft's
// error diagnostics. A text queued more than once for the same database
// (profiles that read the same table alike) is parsed once.
func (c *checker) run(t testing.TB) map[string][]string {
	t.Helper()
	testutil.RequireChecker(t, "Kusto.Language", c.unavailable)
	var qs []kqlcheck.Query
	first := map[[2]string]int{} // db, text -> index in qs
	index := make([]int, len(c.queries))
	for i, q := range c.queries {
		db := q.db
		if db == "" {
			db = "workspace"
		}
		key := [2]string{db, q.text}
		j, ok := first[key]
		if !ok {
			j = len(qs)
			first[key] = j
			qs = append(qs, kqlcheck.Query{ID: q.name, DB: db, Text: q.text})
		}
		index[i] = j
	}
	results, err := kqlcheck.Check(c.dbs, qs)
	require.NoError(t, err)
	out := map[string][]string{}
	for i, q := range c.queries {
		if errs := results[index[i]].Errors(q.text); len(errs) > 0 {
			out[q.name] = errs
		}
	}
	return out
}

// requireClean fails with every query Microsoft's parser rejects.
func (c *checker) requireClean(t testing.TB) {
	t.Helper()
	bad := c.run(t)
	var msgs []string
	for _, q := range c.queries {
		if errs := bad[q.name]; len(errs) > 0 {
			msgs = append(msgs, fmt.Sprintf("%s:\n%s\n  %s", q.name, q.text, strings.Join(errs, "\n  ")))
		}
	}
	require.Empty(t, msgs, "Kusto.Language diagnostics")
}

// loadRules reads the Sigma test rules, correlations resolved.
func loadRules(t testing.TB, dir string) []*rule.Rule {
	t.Helper()
	files := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".yml") {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			require.NoError(t, err)
			files[filepath.Join(dir, e.Name())] = data
		}
	}
	rules, diags := sigma.LoadFiles(files)
	require.False(t, diags.HasErrors(), "%v", diags)
	return rules
}

// snippetRule loads a test's Sigma rule written as its logsource's lines
// and detection (body, indented as under "logsource:"), with an id ending
// in n.
func snippetRule(t testing.TB, n int, body string) *rule.Rule {
	t.Helper()
	src := fmt.Sprintf("title: t\nid: 6f1c2d3e-0000-4000-8000-%012d\nlogsource:\n  %s\n", n, body)
	loaded, diags := sigma.LoadFiles(map[string][]byte{"t.yml": []byte(src)})
	require.False(t, diags.HasErrors(), "%v", diags)
	require.Len(t, loaded, 1)
	return loaded[0]
}

// snippetRules loads one rule per body (after prefix, the log source
// lines the bodies share), numbered from first on.
func snippetRules(t testing.TB, first int, prefix string, bodies []string) []*rule.Rule {
	t.Helper()
	rules := make([]*rule.Rule, len(bodies))
	for i, body := range bodies {
		rules[i] = snippetRule(t, first+i, prefix+body)
	}
	return rules
}
