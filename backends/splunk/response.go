package splunk

import (
	"bytes"
	"encoding/csv"
	"strings"

	"github.com/detc/detc/internal/rule"
)

// ResponsesLookup lists, per correlation search, the responses its
// detection declares: the Splunk SOAR playbook that the Send to SOAR
// action starts reads it (| inputlookup detc_responses.csv) to know what
// to do, and analysts see what was automated.
const ResponsesLookup = AppID + "/lookups/detc_responses.csv"

// soarLabel is the Splunk SOAR container label of detc's hand-off.
const soarLabel = "detc_response"

// addResponse adds the adaptive response actions of a declared response:
// Send to SOAR (Splunk App for SOAR Export's sendtophantom action) with
// detc's label. The notable and risk actions are written for every rule.
func addResponse(kv map[string]string, r *rule.Rule) {
	if r.Response == nil {
		return
	}
	kv["action.sendtophantom"] = "1"
	kv["action.sendtophantom.param.label"] = soarLabel
	kv["action.sendtophantom.param.sensitivity"] = "amber"
	kv["action.sendtophantom.param.severity"] = soarSeverity(r.Level)
	kv["action.notable.param.recommended_actions"] = "sendtophantom"
}

// soarSeverity: Splunk SOAR's default severities are low, medium and high.
func soarSeverity(level string) string {
	switch severity(level) {
	case "informational", "low":
		return "low"
	case "high", "critical":
		return "high"
	}
	return "medium"
}

// responsesCSV writes the lookup: one row per search with a response.
func responsesCSV(rows [][3]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"search_name", "rule_id", "response_actions"}) // a bytes.Buffer does not fail
	for _, r := range rows {
		_ = w.Write(r[:])
	}
	w.Flush()
	return b.Bytes()
}

func responseRow(name string, r *rule.Rule) [3]string {
	return [3]string{name, r.ID, strings.Join(r.Response.Actions, " ")}
}
