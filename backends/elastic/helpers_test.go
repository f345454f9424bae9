package elastic

import (
	"bufio"
	"bytes"
	"encoding/json"
	"github.com/detc/detc/internal/testutil"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/detc/detc/backends/elastic/checker"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/sigma"
	"github.com/stretchr/testify/require"
)

// One JVM serves every test of the package (TestMain closes it).
var (
	lucOnce    sync.Once
	lucChecker *checker.Checker
	lucErr     error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if lucChecker != nil {
		if err := lucChecker.Close(); err != nil && code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// luceneChecker returns the shared checker; a machine without Lucene fails
// the test with the install command.
func luceneChecker(t testing.TB) *checker.Checker {
	t.Helper()
	testutil.RequireChecker(t, "Lucene", checker.Available())
	lucOnce.Do(func() {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		lucChecker, lucErr = checker.Start(filepath.Join(cache, "detc"))
	})
	require.NoError(t, lucErr)
	return lucChecker
}

// testRules loads the Sigma rules under testdata/rules.
func testRules(t testing.TB) []*rule.Rule {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "rules", "*.yml"))
	require.NoError(t, err)
	files := map[string][]byte{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		files[filepath.ToSlash(p)] = data
	}
	rules, diags := sigma.LoadFiles(files)
	require.False(t, diags.HasErrors(), "%v", diags)
	sort.Slice(rules, func(i, j int) bool { return rules[i].ID < rules[j].ID })
	return rules
}

// fixtureEvent is one test event, in Sigma field names.
type fixtureEvent struct {
	ID     string
	Fields map[string]any
}

// readEvents reads a JSON-lines file of events with an "id" field.
func readEvents(t testing.TB, path string) []fixtureEvent {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var out []fixtureEvent
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		var m map[string]any
		require.NoError(t, dec.Decode(&m), "%s: %s", path, sc.Text())
		id, _ := m["id"].(string)
		require.NotEmpty(t, id, "%s: event without an id: %s", path, sc.Text())
		delete(m, "id")
		out = append(out, fixtureEvent{ID: id, Fields: m})
	}
	require.NoError(t, sc.Err())
	return out
}

// texts returns the values of one event field as Elasticsearch indexes
// them: an array is several values, null none.
func texts(v any) []string {
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		return []string{v}
	case json.Number:
		return []string{v.String()}
	case bool:
		if v {
			return []string{"true"}
		}
		return []string{"false"}
	case []any:
		var out []string
		for _, el := range v {
			out = append(out, texts(el)...)
		}
		return out
	}
	return nil
}
