package checker

import (
	"github.com/detc/detc/internal/testutil"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestElasticsearchBehaviour checks that the checker parses and runs
// query_string the way Elasticsearch does on keyword, long and ip fields.
func TestElasticsearchBehaviour(t *testing.T) {
	testutil.RequireChecker(t, "Lucene", Available())
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	c, err := Start(filepath.Join(cache, "detc"))
	require.NoError(t, err)
	defer func() { require.NoError(t, c.Close()) }()

	seg := Segment{
		Fields: map[string]string{"host": "keyword", "url": "wildcard", "bytes": "long", "ip": "ip", "ratio": "double"},
		Events: []Event{
			{ID: "a", Fields: [][2]string{{"host", "Evil.com"}, {"bytes", "2048"}, {"ip", "10.1.2.3"}, {"url", "http://x/a b"}}},
			{ID: "b", Fields: [][2]string{{"host", "evil.com"}, {"bytes", "10"}, {"ip", "192.168.0.1"}, {"ratio", "0.5"}}},
			{ID: "c", Fields: [][2]string{{"host", "a:b*c"}, {"host", "second"}}},
			{ID: "d", Fields: [][2]string{{"host", "x\\"}}},
		},
		Queries: []Query{
			{"exact", `host:"evil.com"`},
			{"regex", `host:/[eE]vil\.com/`},
			{"escaped", `host:a\:b\*c`},
			{"escaped wildcard", `host:a\:b\**`},
			{"whitespace kept", `url:*a\ b`},
			{"exists", `_exists_:ratio`},
			{"star exists", `ratio:*`},
			{"range", `bytes:>=1024`},
			{"range exclusive", `bytes:<10`},
			{"cidr", `ip:"10.0.0.0/8"`},
			{"negative group", `(NOT host:"evil.com")`},
			{"array", `host:"second"`},
			{"backslash", `host:"x\\"`},
			{"regex trailing backslash", `host:/x[\\]/`},
			{"wildcard on long", `bytes:10*`},
			{"unknown field", `nope:"x"`},
			{"fuzzy", `host:evil~`},
		},
	}
	res, err := c.Run([]Segment{seg})
	require.NoError(t, err)
	got := map[string]Result{}
	for _, r := range res {
		got[r.ID] = r
	}
	matches := map[string][]string{
		"exact": {"b"}, "regex": {"a", "b"}, "escaped": {"c"}, "escaped wildcard": {"c"}, "whitespace kept": {"a"},
		"exists": {"b"}, "star exists": {"b"}, "range": {"a"}, "range exclusive": nil, "cidr": {"a"},
		"negative group": {"a", "c", "d"}, "array": {"c"}, "backslash": {"d"}, "regex trailing backslash": {"d"},
	}
	for id, want := range matches {
		r := got[id]
		assert.Empty(t, r.Err, id)
		assert.Equal(t, want, r.Matches, id)
	}
	for _, id := range []string{"wildcard on long", "unknown field", "fuzzy"} {
		assert.NotEmpty(t, got[id].Err, id)
	}
	assert.Equal(t, "term:evil.com", got["exact"].Parsed)
}
