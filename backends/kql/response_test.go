package kql_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/kql"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil"
)

func schema(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "schemas", name))
	require.NoError(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	require.NoError(t, c.AddResource(name, doc))
	sch, err := c.Compile(name)
	require.NoError(t, err)
	return sch
}

func validateJSON(t *testing.T, sch *jsonschema.Schema, v any) {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	require.NoError(t, err)
	require.NoError(t, sch.Validate(inst))
}

var (
	paramRef = regexp.MustCompile(`parameters\('([^']+)'\)`)
	// armExpr is a JSON string ARM evaluates: it starts with [ (a
	// workflow's own @parameters(...) are not template parameters).
	armExpr = regexp.MustCompile(`"\[[^"]*\]"`)
)

// declaredParams: every parameters('x') a template expression uses is
// declared in the template.
func declaredParams(t *testing.T, name string, data []byte, declared map[string]any) {
	t.Helper()
	for _, expr := range armExpr.FindAllString(string(data), -1) {
		for _, m := range paramRef.FindAllStringSubmatch(expr, -1) {
			assert.Contains(t, declared, m[1], "%s uses parameters('%s') without declaring it", name, m[1])
		}
	}
}

// TestSentinelResponse packages the content pack: each detection that
// declares a response gets an automation rule on its analytics rule's
// incidents, valid against the automation rule schema, and the playbooks
// it runs are written and valid against the playbook schema; nothing is
// written for detections without a response.
func TestSentinelResponse(t *testing.T) {
	set, diags := load.Paths([]string{filepath.Join(testutil.RepoRoot(t), "detections")})
	require.False(t, diags.HasErrors(), "%v", diags)
	automation, logicApp := schema(t, "automation-rule.schema.json"), schema(t, "logic-app.schema.json")

	opts := target.Options{Profile: "sentinel-asim"}
	ds := deployables(t, set.Rules, opts)
	want := map[string]*rule.Response{} // analytics rule GUID -> declared response
	for _, d := range ds {
		if d.Query.Rule.Response != nil {
			want[kql.RuleGUID(opts.Profile, d.Query.Rule.ID)] = d.Query.Rule.Response
		}
	}
	require.NotEmpty(t, want, "the pack declares responses")
	arts, refusals, err := kql.New().Package(ds, opts)
	require.NoError(t, err)
	require.Empty(t, refusals)
	files := map[string][]byte{}
	for _, a := range arts {
		files[a.Path] = a.Data
	}

	var tmpl struct {
		Parameters map[string]any   `json:"parameters"`
		Resources  []map[string]any `json:"resources"`
	}
	require.NoError(t, json.Unmarshal(files[kql.ARMFile], &tmpl))
	declaredParams(t, kql.ARMFile, files[kql.ARMFile], tmpl.Parameters)
	alertRules := map[string]bool{}
	for _, r := range tmpl.Resources {
		if r["type"] == "Microsoft.SecurityInsights/alertRules" {
			alertRules[r["name"].(string)] = true
		}
	}
	got := map[string][]string{}
	playbooks := map[string]bool{}
	for _, r := range tmpl.Resources {
		if r["type"] != "Microsoft.SecurityInsights/automationRules" {
			continue
		}
		validateJSON(t, automation, r)
		props := r["properties"].(map[string]any)
		cond := props["triggeringLogic"].(map[string]any)["conditions"].([]any)[0].(map[string]any)["conditionProperties"].(map[string]any)
		ref := cond["propertyValues"].([]any)[0].(string)
		guid := regexp.MustCompile(`'([0-9a-f-]{36})'\)\]$`).FindStringSubmatch(ref)
		require.NotNil(t, guid, ref)
		assert.True(t, alertRules[guid[1]], "the automation rule names analytics rule %s, which the template does not hold", guid[1])
		assert.Equal(t, []any{ref}, r["dependsOn"], "deployed after its analytics rule")
		var labels []string
		for _, a := range props["actions"].([]any) {
			act := a.(map[string]any)
			cfg := act["actionConfiguration"].(map[string]any)
			switch act["actionType"] {
			case "ModifyProperties":
				for _, l := range cfg["labels"].([]any) {
					labels = append(labels, strings.TrimPrefix(l.(map[string]any)["labelName"].(string), kql.ResponseLabel))
				}
			case "RunPlaybook":
				p := paramRef.FindStringSubmatch(cfg["logicAppResourceId"].(string))[1]
				def := tmpl.Parameters[p].(map[string]any)["defaultValue"].(string)
				playbooks[regexp.MustCompile(`'(detc-[a-z-]+)'`).FindStringSubmatch(def)[1]] = true
			}
		}
		got[guid[1]] = labels
	}
	require.Len(t, got, len(want), "one automation rule per detection with a response")
	for id, resp := range want {
		assert.Equal(t, resp.Actions, got[id])
	}

	var written []string
	for path, data := range files {
		if !strings.HasPrefix(path, kql.PlaybookDir+"/") {
			continue
		}
		written = append(written, strings.TrimSuffix(strings.TrimPrefix(path, kql.PlaybookDir+"/"), ".json"))
		var pb map[string]any
		require.NoError(t, json.Unmarshal(data, &pb))
		validateJSON(t, logicApp, pb)
		declaredParams(t, "playbook "+path, data, pb["parameters"].(map[string]any))
	}
	sort.Strings(written)
	var run []string
	for p := range playbooks {
		run = append(run, p)
	}
	sort.Strings(run)
	assert.Equal(t, run, written, "exactly the playbooks the automation rules run are written")
	assert.Contains(t, string(files[kql.PlaybookDir+"/"+kql.IsolatePlaybook+".json"]), "https://api.securitycenter.microsoft.com/api/machines/", "isolation calls Defender for Endpoint")
}
