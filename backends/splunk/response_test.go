package splunk_test

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/splunk"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/rule"
)

// specEntry is one "key = value" line of a .spec file.
type specEntry struct {
	key   *regexp.Regexp
	exact bool
	value string
}

func readSpec(t *testing.T) []specEntry {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "savedsearches.conf.spec"))
	require.NoError(t, err)
	defer f.Close()
	var out []specEntry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, " = ")
		require.True(t, ok, line)
		pattern := regexp.QuoteMeta(k)
		pattern = regexp.MustCompile(`<[a-z_]+>`).ReplaceAllString(pattern, `[A-Za-z0-9_]+`)
		out = append(out, specEntry{key: regexp.MustCompile("^" + pattern + "$"), exact: !strings.Contains(k, "<"), value: v})
	}
	return out
}

// lookup finds the entry for a key: an exact key before a pattern.
func lookup(spec []specEntry, key string) *specEntry {
	var found *specEntry
	for i, e := range spec {
		if e.key.MatchString(key) && (found == nil || e.exact) {
			found = &spec[i]
		}
	}
	return found
}

// checkValue says what is wrong with a value for the spec's type, or "".
func checkValue(stanza map[string]string, spec, v string) string {
	switch spec {
	case "<string>":
		return ""
	case "<boolean>":
		if v == "0" || v == "1" || v == "true" || v == "false" {
			return ""
		}
	case "<integer>":
		if _, err := strconv.Atoi(v); err == nil {
			return ""
		}
	case "<json>":
		if json.Valid([]byte(v)) {
			return ""
		}
	case "<cron string>":
		if len(strings.Fields(v)) == 5 {
			return ""
		}
	case "<time string>":
		if regexp.MustCompile(`^(now|[+-]\d+[smhdwy](@[smhdwy])?)$`).MatchString(v) {
			return ""
		}
	case "<time specifier>":
		if regexp.MustCompile(`^\d+[smhd]$`).MatchString(v) {
			return ""
		}
	case "<field list>":
		if regexp.MustCompile(`^[\w.:-]+(,[\w.:-]+)*$`).MatchString(v) {
			return ""
		}
	case "<action list>":
		// Recommended actions must be actions the search has.
		for _, a := range strings.Split(v, ",") {
			if stanza["action."+a] != "1" {
				return "recommends action " + a + ", which the search does not enable"
			}
		}
		return ""
	default:
		for _, alt := range strings.Split(spec, " | ") {
			if alt == v || alt == "<unsigned integer>" && regexp.MustCompile(`^\d+$`).MatchString(v) {
				return ""
			}
		}
	}
	return "is not " + spec
}

// TestSavedSearchesSpec: every key of every stanza is one the spec knows,
// with a value of its type, for rules with and without a response; and
// the response lookup names the searches whose detections declare one.
func TestSavedSearchesSpec(t *testing.T) {
	spec := readSpec(t)
	ds := deployables(t, target.Options{}, packageRules...)
	resp, problem := rule.NewResponse([]string{rule.RespNotify, rule.RespBlockEndpoint, rule.RespIsolateHost}, rule.Pos{})
	require.Empty(t, problem)
	ds[0].Query.Rule.Response = resp
	arts, refusals, err := splunk.New().Package(ds, target.Options{})
	require.NoError(t, err)
	require.Empty(t, refusals)
	files := map[string][]byte{}
	for _, a := range arts {
		files[a.Path] = a.Data
	}
	conf := readConf(t, string(files[splunk.AppID+"/default/savedsearches.conf"]))
	require.NotEmpty(t, conf)
	for name, stanza := range conf {
		for k, v := range stanza {
			e := lookup(spec, k)
			if !assert.NotNil(t, e, "[%s] %s is not a savedsearches.conf setting", name, k) {
				continue
			}
			assert.Empty(t, checkValue(stanza, e.value, v), "[%s] %s = %q", name, k, v)
		}
	}
	with := conf["detc - Outbound POST to a chat webhook - Rule"]
	assert.Equal(t, "1", with["action.sendtophantom"])
	assert.Equal(t, "high", with["action.sendtophantom.param.severity"])
	assert.Equal(t, "sendtophantom", with["action.notable.param.recommended_actions"])
	without := conf["detc - Many webhook posts from one host - Rule"]
	assert.NotContains(t, without, "action.sendtophantom", "no response unless declared")

	rows, err := csv.NewReader(strings.NewReader(string(files[splunk.ResponsesLookup]))).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, [][]string{
		{"search_name", "rule_id", "response_actions"},
		{"detc - Outbound POST to a chat webhook - Rule", "6f4e-webhook", "isolate_host block_endpoint notify"},
	}, rows)

	// The spec check itself catches what Splunk would reject.
	assert.Nil(t, lookup(spec, "alert.supress"))
	assert.NotEmpty(t, checkValue(nil, "informational | low | medium | high | critical", "severe"))
	assert.NotEmpty(t, checkValue(map[string]string{}, "<action list>", "sendtophantom"))
}
