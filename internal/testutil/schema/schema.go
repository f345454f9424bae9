// Package schema holds published log schemas that the backends' corpus
// tests check mappings against, where more than one backend needs them:
// the fields of each Sysmon event. Sources are named in the data files.
package schema

import (
	_ "embed"
	"strconv"
	"strings"
)

//go:embed sysmon.txt
var sysmonTxt string

// Sysmon returns the EventData field names of each Sysmon event, by
// event id.
func Sysmon() map[int]map[string]bool {
	out := map[int]map[string]bool{}
	for _, line := range strings.Split(sysmonTxt, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Fields(line)
		id, err := strconv.Atoi(parts[0])
		if err != nil {
			panic("schema: sysmon.txt: " + line)
		}
		out[id] = map[string]bool{}
		for _, f := range parts[1:] {
			out[id][f] = true
		}
	}
	return out
}

// SysmonSystemFields are the fields of the event's System part that
// Sigma's rules name (Provider_Name as Splunk's XML extraction calls it).
var SysmonSystemFields = []string{"EventID", "Computer", "Provider_Name", "Channel"}
