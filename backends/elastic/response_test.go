package elastic

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
)

// TestKibanaResponseSchema validates every rule of the Kibana golden
// files against the response schema, and checks that a declared response
// is there (and an undeclared one is not).
func TestKibanaResponseSchema(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "schemas", "kibana-rule-response.schema.json"))
	require.NoError(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("kibana.json", doc))
	sch, err := c.Compile("kibana.json")
	require.NoError(t, err)

	// The schema rejects what Kibana would: an unknown command, a missing
	// connector id.
	for _, bad := range []string{
		`{"rule_id":"a","name":"n","type":"query","risk_score":1,"severity":"low","interval":"5m","from":"now-6m","response_actions":[{"action_type_id":".endpoint","params":{"command":"isolat"}}]}`,
		`{"rule_id":"a","name":"n","type":"query","risk_score":1,"severity":"low","interval":"5m","from":"now-6m","actions":[{"action_type_id":".webhook","group":"default","params":{"body":"{}"}}]}`,
	} {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(bad)))
		require.NoError(t, err)
		assert.Error(t, sch.Validate(inst), bad)
	}

	declared := map[string]*rule.Response{}
	for _, r := range testRules(t) {
		declared[r.ID] = r.Response
	}
	for _, profile := range []string{"ecs", "raw"} {
		data, err := os.ReadFile(filepath.Join("testdata", "golden", "kibana-"+profile+".ndjson"))
		require.NoError(t, err)
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<20)
		withResponse := 0
		for sc.Scan() {
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(sc.Bytes()))
			require.NoError(t, err)
			require.NoError(t, sch.Validate(inst))
			var kr kibanaRule
			require.NoError(t, json.Unmarshal(sc.Bytes(), &kr))
			resp := declared[kr.RuleID]
			if resp == nil {
				assert.Empty(t, kr.ResponseActions, kr.Name)
				assert.Empty(t, kr.Actions, kr.Name)
				continue
			}
			withResponse++
			assert.Equal(t, resp.Has(rule.RespIsolateHost), len(kr.ResponseActions) == 1, kr.Name)
			require.Len(t, kr.Actions, 1, kr.Name)
			assert.Equal(t, SOARConnectorID, kr.Actions[0].ID)
			// Mustache tags filled in, the body is the JSON the SOAR reads.
			body := regexp.MustCompile(`\{\{[^}]*\}\}`).ReplaceAllString(kr.Actions[0].Params["body"], "x")
			var sent struct {
				RuleID    string   `json:"detc_rule_id"`
				Requested []string `json:"requested_actions"`
				Isolated  bool     `json:"isolated_by_siem"`
			}
			require.NoError(t, json.Unmarshal([]byte(body), &sent), body)
			assert.NotContains(t, sent.Requested, rule.RespIsolateHost, "Elastic Defend isolates; SOAR does the rest")
			assert.Equal(t, len(resp.Actions)-len(kr.ResponseActions), len(sent.Requested))
			assert.Equal(t, resp.Has(rule.RespIsolateHost), sent.Isolated)
		}
		assert.Equal(t, 1, withResponse, "the test rules declare one response")
	}
}
