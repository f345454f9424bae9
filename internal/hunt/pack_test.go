package hunt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/testutil"
)

// maxBenignAlertRate is the content pack's precision goal: at most 0.5%
// of benign look-alike events may raise an alert.
const maxBenignAlertRate = 0.005

// TestPackPrecisionOnLookalikes hunts the pack (detections/, with its
// organisation.hcl) over fixtures/benign: a working day of benign traffic
// that looks like webhook use (the organisation's own Discord, Telegram
// and Slack bots, people in the chat services' clients, Outlook on the
// web, look-alike hosts, the organisation's Mattermost, a developer trying
// a request catcher) and of GitHub audit entries (admins pointing hooks at
// the organisation's CI). The share of events that alert (a flagged event
// counts once, an aggregation alert once) stays within the goal, and the
// organisation's own bots, servers and CI hooks, which the configuration
// names, never alert.
func TestPackPrecisionOnLookalikes(t *testing.T) {
	root := testutil.RepoRoot(t)
	set, diags := load.Paths([]string{filepath.Join(root, "detections")})
	require.False(t, diags.HasErrors(), diags.Error())
	files := []string{filepath.Join(root, "fixtures", "benign", "lookalike_proxy.jsonl"), filepath.Join(root, "fixtures", "benign", "github_audit.jsonl")}
	var out bytes.Buffer
	stats, diags := Run(set.Rules, files, &out, Options{})
	require.Empty(t, diags)
	require.Zero(t, stats.BadEvents)
	require.Greater(t, stats.Events, int64(4000))

	flagged := map[string]bool{}
	aggregates := 0
	perRule := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if line == "" {
			continue
		}
		var a struct {
			Title string
			File  string
			Line  int
			Event map[string]any
		}
		require.NoError(t, json.Unmarshal([]byte(line), &a))
		perRule[a.Title]++
		if a.Event == nil {
			aggregates++
			continue
		}
		id, _ := a.Event["_id"].(string)
		assert.False(t, strings.HasPrefix(id, "own-"), "%s: the organisation's own traffic alerts (%s)", id, a.Title)
		flagged[fmt.Sprintf("%s:%d", a.File, a.Line)] = true
	}
	rate := float64(len(flagged)+aggregates) / float64(stats.Events)
	var rules []string
	for r, n := range perRule {
		rules = append(rules, fmt.Sprintf("%d %s", n, r))
	}
	sort.Strings(rules)
	t.Logf("benign alert rate %.3f%%: %d of %d events flagged, %d aggregation alerts; alerts per detection: %s",
		100*rate, len(flagged), stats.Events, aggregates, strings.Join(rules, "; "))
	assert.LessOrEqual(t, rate, maxBenignAlertRate)
}
