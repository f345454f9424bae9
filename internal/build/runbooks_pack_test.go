package build

import (
	"encoding/json"
	"github.com/detc/detc/internal/check"
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
	checked, diags := check.All(set.Rules)
	require.False(t, diags.HasErrors(), diags.Error())
	render := Runbooks(checked, registry.All(), set.Cards)

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
			md, err := render(testutil.Checked(t, r))
			require.NoError(t, err)
			card := runbook.CardFor(r, set.Cards)
			require.NotNil(t, card, "every pack detection has the T1567.004 card")

			want := map[string]bool{} // every query the backends give for the rule and its pivots
			compiled := 0
			for _, subject := range append([]*rule.Rule{r}, pivotRules(t, card, pivots)...) {
				for _, b := range registry.All() {
					for _, p := range registry.Products(b) {
						q, err := b.Compile(testutil.Checked(t, subject), target.Options{Profile: p.Profile})
						if err != nil {
							assert.Contains(t, md, "Not expressible for this target", "a refusal is stated")
							continue
						}
						compiled++
						want[strings.TrimRight(q.Text, "\n")] = true
					}
				}
			}
			blocks, problems := runbook.Inspect(md)
			assert.Empty(t, problems, "well-formed Markdown")
			assert.Len(t, blocks, compiled, "one code block per compiled query")
			for _, b := range blocks {
				assert.True(t, want[b.Text], "a code block that no backend produced:\n%s", b.Text)
			}
			// Each query says the product it runs in: the ASIM query runs in
			// Sentinel only, Defender XDR's query is its own.
			assert.Contains(t, md, "**Microsoft Sentinel (ASIM)**\n")
			assert.Contains(t, md, "**Microsoft Defender XDR (advanced hunting)**\n")
			assert.NotContains(t, md, "Sentinel / Defender")
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

// The deployment files of the shipped pack carry each detection's brief
// (summary, first triage steps, the link to its runbook), not the whole
// runbook with every SIEM's queries and the playbook; Splunk ES gets
// drilldown searches, Kibana the fields, integrations and setup it shows.
func TestPackDeploymentFiles(t *testing.T) {
	set, diags := load.Paths([]string{filepath.Join(testutil.RepoRoot(t), "detections")})
	require.False(t, diags.HasErrors(), diags.Error())
	out := filepath.Join(t.TempDir(), "out")
	backends := registry.All()
	checked, diags := check.All(set.RunbookRules())
	require.False(t, diags.HasErrors(), diags.Error())
	_, err := Run(checked[:len(set.Rules)], Options{
		Out: out, Backends: backends,
		Runbook: Runbooks(checked, backends, set.Cards),
		Brief:   Briefs(set.Cards, func(r *rule.Rule) string { return "https://runbooks.example/" + FileName(r.ID) + ".md" }),
	})
	require.NoError(t, err)
	files := testutil.ReadTree(t, out)

	// The Azure-Sentinel repository accepts only ASCII rule files: the
	// windash detection's en and em dashes are \u escapes in the KQL.
	sentinel := 0
	for name, text := range files {
		if strings.HasPrefix(name, "kql/") {
			sentinel++
			for i, r := range text {
				if r > 0x7E || r < 0x20 && r != '\n' {
					t.Errorf("%s: byte %d: %U is not printable ASCII", name, i, r)
					break
				}
			}
		}
	}
	assert.Greater(t, sentinel, 1)
	assert.Contains(t, files["kql/analytics-rules/9e5b6e85-d6ed-4dd3-b659-ff8b71902fc5.yaml"], `contains "\u2013Body"`, "windash's en dash")

	conf := files["splunk/detc_detections/default/savedsearches.conf"]
	assert.Less(t, len(conf), 150_000, "591 KB when each stanza held the whole runbook")
	var ruleIDs []string
	for _, r := range set.Rules {
		if !r.IsPivot() {
			ruleIDs = append(ruleIDs, r.ID)
		}
	}
	for _, line := range strings.Split(conf, "\n") {
		if !strings.HasPrefix(line, "action.notable.param.next_steps = ") {
			continue
		}
		assert.Less(t, len(line), 3000)
		assert.Contains(t, line, "First triage steps:")
		assert.Regexp(t, `Full runbook \(every SIEM's queries, investigation pivots, playbook\): https://runbooks\.example/[0-9a-f-]+\.md`, line)
		assert.NotContains(t, line, "## Playbook")
		assert.NotContains(t, line, "```", "no queries")
	}
	assert.Equal(t, len(ruleIDs), strings.Count(conf, "\naction.notable.param.next_steps = "))
	assert.Equal(t, len(ruleIDs), strings.Count(conf, "\naction.notable.param.drilldown_searches = [{\"name\":\"View the results of "))

	var kibana []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(files["elastic/detection-rules.ndjson"]), "\n") {
		var obj map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &obj))
		kibana = append(kibana, obj)
	}
	require.NotEmpty(t, kibana)
	for _, k := range kibana {
		id := k["rule_id"].(string)
		assert.Contains(t, ruleIDs, id, "rule_id is the detection's id")
		assert.Equal(t, id, k["meta"].(map[string]any)["detc_rule_id"])
		assert.Less(t, len(k["note"].(string)), 3000)
		assert.Contains(t, k["note"], "First triage steps:")
		assert.NotEmpty(t, k["required_fields"], id)
		for _, f := range k["required_fields"].([]any) {
			field := f.(map[string]any)
			assert.NotEmpty(t, field["name"])
			assert.NotEmpty(t, field["type"])
			assert.IsType(t, true, field["ecs"])
		}
		assert.NotEmpty(t, k["related_integrations"], id)
		assert.Contains(t, k["setup"], "## Setup")
		if k["type"] != "esql" {
			assert.Equal(t, "event.ingested", k["timestamp_override"], id)
		}
	}
}

// TestPackFalsePositivesNameConfiguration: in every pack detection's
// runbook, the false-positive section names a configuration that
// silences a known benign source: a list in one of the pack's .hcl files
// (organisation.hcl, approved_webhooks.hcl, webhooks.hcl) or a tuning
// local.
func TestPackFalsePositivesNameConfiguration(t *testing.T) {
	set, diags := load.Paths([]string{filepath.Join(testutil.RepoRoot(t), "detections")})
	require.False(t, diags.HasErrors(), diags.Error())
	checked, diags := check.All(set.Rules)
	require.False(t, diags.HasErrors(), diags.Error())
	render := Runbooks(checked, registry.All(), set.Cards)
	for _, r := range checked {
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
