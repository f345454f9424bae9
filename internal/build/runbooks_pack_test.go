package build

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/runbook"
	"github.com/detc/detc/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPackRunbooks renders the runbook of every detection in the shipped
// pack with the real backends, parses the Markdown, and checks that it is
// well-formed and that its queries are exactly what the backends compile:
// the detection's own query and the card's pivots, for every target that
// can express them, and a stated reason where one cannot.
func TestPackRunbooks(t *testing.T) {
	set, diags := load.Paths([]string{filepath.Join(testutil.RepoRoot(t), "detections")})
	require.False(t, diags.HasErrors(), diags.Error())
	render := Runbooks(set.Rules, registry.All(), set.Cards)

	pivots := map[string]*rule.Rule{}
	for _, r := range set.Rules {
		if r.IsPivot() {
			pivots[r.Name] = r
		}
	}
	detections := 0
	for _, r := range set.Rules {
		if r.IsPivot() {
			continue
		}
		detections++
		t.Run(r.Name, func(t *testing.T) {
			md, err := render(r)
			require.NoError(t, err)
			card := runbook.CardFor(r, set.Cards)
			require.NotNil(t, card, "every pack detection has the T1567.004 card")

			want := map[string]bool{} // every query the backends give for the rule and its pivots
			compiled := 0
			for _, subject := range append([]*rule.Rule{r}, pivotRules(t, card, pivots)...) {
				for _, b := range registry.All() {
					q, err := b.Compile(subject, target.Options{})
					if err != nil {
						assert.Contains(t, md, "Not expressible for this target", "a refusal is stated")
						continue
					}
					compiled++
					want[strings.TrimRight(q.Text, "\n")] = true
				}
			}
			blocks, problems := runbook.Inspect(md)
			assert.Empty(t, problems, "well-formed Markdown")
			assert.Len(t, blocks, compiled, "one code block per compiled query")
			for _, b := range blocks {
				assert.True(t, want[b.Text], "a code block that no backend produced:\n%s", b.Text)
			}
			for _, marker := range []string{"TODO", "TBD", "<Type of Incident>"} {
				assert.NotContains(t, md, marker)
			}
			for _, heading := range []string{"## What this detection looks at", "## Detection query", "## Triage card", "### Decision for escalation", "### Investigate", "### Recover", "### Lessons learned"} {
				assert.Contains(t, md, heading)
			}
		})
	}
	assert.GreaterOrEqual(t, detections, 10, "the pack has at least ten detections")
}

func pivotRules(t *testing.T, card *runbook.Card, pivots map[string]*rule.Rule) []*rule.Rule {
	var out []*rule.Rule
	for _, name := range card.PivotNames() {
		p, ok := pivots[name]
		require.True(t, ok, "the card's pivot %q ships in detections/pivots", name)
		out = append(out, p)
	}
	return out
}

// TestPackFalsePositivesNameConfiguration: in every pack detection's
// runbook, the false-positive section names a configuration that
// silences a known benign source: a list in one of the pack's .hcl files
// (organisation.hcl, approved_webhooks.hcl, webhooks.hcl) or a tuning
// local.
func TestPackFalsePositivesNameConfiguration(t *testing.T) {
	set, diags := load.Paths([]string{filepath.Join(testutil.RepoRoot(t), "detections")})
	require.False(t, diags.HasErrors(), diags.Error())
	render := Runbooks(set.Rules, registry.All(), set.Cards)
	for _, r := range set.Rules {
		if r.IsPivot() {
			continue
		}
		md, err := render(r)
		require.NoError(t, err)
		_, section, ok := strings.Cut(md, "Known false positives:")
		require.True(t, ok, "%s: the runbook has a false-positive section", r.Name)
		if end := strings.Index(section, "\n#"); end >= 0 {
			section = section[:end]
		}
		named := strings.Contains(section, ".hcl)") || strings.Contains(section, "webhook_upload_volume_bytes")
		assert.True(t, named, "%s: no false positive names the configuration that silences it:\n%s", r.Name, section)
	}
}
