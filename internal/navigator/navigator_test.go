package navigator

import (
	"encoding/json"
	"testing"

	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBuild(t *testing.T) {
	rules := []*rule.Rule{
		{ID: "b-dns", Name: "dns", Title: "DNS lookup of a request catcher", Level: "medium", Attack: rule.Attack{Techniques: []string{"T1567.004"}}},
		{ID: "a-proxy", Name: "proxy", Title: "POST to a webhook URL", Level: "high", Attack: rule.Attack{Techniques: []string{"T1567.004", "T1071.001", "T9999"}}},
		{ID: "p", Name: "pivot", Title: "pivot", Tags: []string{rule.PivotTag}, Attack: rule.Attack{Techniques: []string{"T1041"}}},
	}
	url := func(r *rule.Rule) string { return "https://example.org/runbooks/" + r.Name + ".md" }
	out, err := Build("detc: T1567.004 pack", rules, url)
	require.NoError(t, err)
	testutil.Golden(t, "layer.json", out)

	var layer Layer
	require.NoError(t, json.Unmarshal(out, &layer))
	assert.Equal(t, "4.5", layer.Versions.Layer)
	ids := map[string]Technique{}
	for _, tech := range layer.Techniques {
		ids[tech.TechniqueID] = tech
	}
	assert.Equal(t, 2, ids["T1567.004"].Score)
	assert.Equal(t, "https://example.org/runbooks/proxy.md", ids["T1567.004"].Links[0].URL, "links sorted by rule id")
	assert.True(t, ids["T1567"].ShowSubtechniques, "the parent is listed so the sub-technique shows")
	assert.Contains(t, ids, "T1071.001")
	assert.NotContains(t, ids, "T9999", "unknown ids are lint's business, not the layer's")
	assert.NotContains(t, ids, "T1041", "pivots are not coverage")
	assert.Equal(t, 2, layer.Gradient.MaxValue)

	again, err := Build("detc: T1567.004 pack", []*rule.Rule{rules[1], rules[0], rules[2]}, url)
	require.NoError(t, err)
	assert.Equal(t, string(out), string(again), "deterministic whatever the rule order")
}
