package splunk_test

import (
	"bufio"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/splunk"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/testutil"
	"github.com/detc/detc/internal/testutil/corpus"
	"github.com/detc/detc/internal/testutil/schema"
)

// cimDatasets reads testdata/schema/cim.txt: model.dataset -> its fields.
func cimDatasets(t testing.TB) map[string]map[string]bool {
	t.Helper()
	f, err := os.Open("testdata/schema/cim.txt")
	require.NoError(t, err)
	defer f.Close()
	out := map[string]map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Fields(line)
		require.GreaterOrEqual(t, len(parts), 3, line)
		fields := map[string]bool{}
		for _, p := range parts[2:] {
			fields[p] = true
		}
		out[parts[0]+"."+parts[1]] = fields
	}
	require.NoError(t, sc.Err())
	return out
}

var (
	sysmonSource  = regexp.MustCompile(`source="XmlWinEventLog:Microsoft-Windows-Sysmon/Operational"`)
	eventCode     = regexp.MustCompile(`EventCode=(\d+)`)
	winEventLog   = regexp.MustCompile(`source="XmlWinEventLog:`)
	sysmonMissing = regexp.MustCompile(`^Sysmon event ([0-9/]+) has no (\w+) field$`)
)

// checkField says why a field name the query reads does not exist in the
// source's published schema ("" when it does):
//   - a CIM data model source: the dataset's fields (CIM definitions of
//     splunk/pytest-splunk-addon), written Dataset.field;
//   - Sysmon events through the Splunk Add-on for Sysmon: the fields of the
//     events the search selects (Sysmon's schema), which the add-on
//     extracts under their own names, and the event's System fields;
//   - other Windows event log channels (XmlWinEventLog): the add-on
//     extracts each EventData value under its own name, so the name must
//     be the rule's own field name (EventID is EventCode).
//
// Sources outside these (the GitHub add-on's JSON keys) are not checked.
func checkField(src *mapping.Source, sigmaField, name string, cim map[string]map[string]bool, sysmon map[int]map[string]bool) string {
	prefix := src.Attr("search_prefix")
	switch {
	case src.Attr("datamodel") != "":
		ds := src.Attr("dataset")
		fields := cim[src.Attr("datamodel")+"."+ds]
		if fields == nil {
			return "no CIM dataset " + src.Attr("datamodel") + "." + ds
		}
		field, ok := strings.CutPrefix(name, ds+".")
		if !ok || !fields[field] {
			return "not a field of the CIM dataset " + src.Attr("datamodel") + "." + ds
		}
	case sysmonSource.MatchString(prefix):
		if name == "EventCode" || name == "Computer" || name == "Provider_Name" || name == "Channel" {
			return ""
		}
		for _, m := range eventCode.FindAllStringSubmatch(prefix, -1) {
			id, _ := strconv.Atoi(m[1])
			if sysmon[id][name] {
				return ""
			}
		}
		return "no Sysmon event the search selects has this field"
	case winEventLog.MatchString(prefix):
		if name != sigmaField && !(sigmaField == "EventID" && name == "EventCode") {
			return "the add-on extracts EventData values under their own names"
		}
	}
	return ""
}

// TestCorpusCIMSchema compiles the SigmaHQ corpus with the cim profile and
// checks every field each query reads against the published schema of its
// source (see checkField).
func TestCorpusCIMSchema(t *testing.T) {
	rules := corpus.Rules(t)
	prof, err := splunk.New().(*splunk.Backend).Mapping("cim")
	require.NoError(t, err)
	cim, sysmon := cimDatasets(t), schema.Sysmon()
	b := splunk.New()
	compiled, checked := 0, 0
	bad := map[string]int{}
	for _, r := range rules {
		q, err := b.Compile(testutil.Checked(t, r), target.Options{Profile: "cim"})
		if err != nil {
			continue
		}
		compiled++
		if q.Source.Attr("datamodel") != "" || winEventLog.MatchString(q.Source.Attr("search_prefix")) {
			checked++
		}
		for _, f := range corpus.Fields(r) {
			m, err := prof.Field(q.Source, f)
			require.NoError(t, err, r.File)
			for _, name := range m.Names {
				if why := checkField(q.Source, f, name, cim, sysmon); why != "" {
					bad[mapping.Describe(r.LogSource)+" "+f+" -> "+name+": "+why]++
				}
			}
		}
	}
	t.Logf("cim: %d of %d rules compile, %d of them on a checked source", compiled, len(rules), checked)
	for msg, n := range bad {
		t.Errorf("%s (%d rules)", msg, n)
	}
}

// TestProfileRefusalFacts: a field the cim profile refuses because a Sysmon
// event lacks it is really missing from those events, and present ones are
// never refused so.
func TestProfileRefusalFacts(t *testing.T) {
	prof, err := splunk.New().(*splunk.Backend).Mapping("cim")
	require.NoError(t, err)
	sysmon := schema.Sysmon()
	n := 0
	for _, src := range prof.Sources {
		for field, m := range src.Fields {
			g := sysmonMissing.FindStringSubmatch(m.Unsupported)
			if g == nil {
				continue
			}
			n++
			assert.Equal(t, field, g[2])
			for _, id := range strings.Split(g[1], "/") {
				n, _ := strconv.Atoi(id)
				require.Contains(t, sysmon, n)
				assert.False(t, sysmon[n][field], "%s: Sysmon event %d has %s", mapping.Describe(src.LogSource), n, field)
			}
		}
	}
	assert.Positive(t, n)
}
