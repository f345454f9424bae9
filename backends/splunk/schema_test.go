package splunk_test

import (
	"bufio"
	"maps"
	"os"
	"regexp"
	"slices"
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
	xmlChannel    = regexp.MustCompile(`source="(XmlWinEventLog:[^"]+)"`)
	sourcetype    = regexp.MustCompile(`sourcetype="([^"]+)"`)
	sysmonMissing = regexp.MustCompile(`^Sysmon event ([0-9/]+) has no (\w+) field$`)
	addonMissing  = regexp.MustCompile(`^the Splunk Add-on for [^:]+ does not extract (\S+)`)
)

// addonFields reads testdata/schema/addons.txt, the field names the
// add-ons extract for the sources outside the data models: source ->
// names, and the names no published source shows (unverified).
func addonFields(t testing.TB) (documented, unverified map[string]map[string]bool) {
	t.Helper()
	data, err := os.ReadFile("testdata/schema/addons.txt")
	require.NoError(t, err)
	documented, unverified = map[string]map[string]bool{}, map[string]map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, " | ")
		require.Len(t, parts, 3, line)
		into := documented
		if parts[1] == "unverified" {
			into = unverified
		}
		if into[parts[0]] == nil {
			into[parts[0]] = map[string]bool{}
		}
		for _, f := range strings.Fields(parts[2]) {
			into[parts[0]][f] = true
		}
	}
	return documented, unverified
}

// schemas is the published schema data the corpus check reads.
type schemas struct {
	cim, addon, unverified map[string]map[string]bool
	sysmon                 map[int]map[string]bool
}

func loadSchemas(t testing.TB) schemas {
	s := schemas{cim: cimDatasets(t), sysmon: schema.Sysmon()}
	s.addon, s.unverified = addonFields(t)
	return s
}

// addonSources names the add-on sources a search prefix selects (the keys
// of addons.txt): each XmlWinEventLog channel and each sourcetype.
func addonSources(prefix string) []string {
	var out []string
	for _, m := range xmlChannel.FindAllStringSubmatch(prefix, -1) {
		out = append(out, m[1])
	}
	for _, m := range sourcetype.FindAllStringSubmatch(prefix, -1) {
		out = append(out, "sourcetype="+m[1])
	}
	return out
}

// checkField says why a field name the query reads does not exist in the
// source's published schema ("" when it does), and whether the name is
// only accepted unverified (no published source shows it):
//   - a CIM data model source: the dataset's fields (CIM definitions of
//     splunk/pytest-splunk-addon), written Dataset.field;
//   - Sysmon events through the Splunk Add-on for Sysmon: the fields of the
//     events the search selects (every event without an EventCode term;
//     Sysmon's schema), which the add-on
//     extracts under their own names, and the System fields the Windows
//     add-on extracts (addons.txt's XmlWinEventLog line);
//   - other add-on sources (XmlWinEventLog channels, sourcetypes): the
//     names addons.txt lists for every source the search selects (for a
//     channel, with the System fields).
//
// A source with no schema data is an error, so no query goes unchecked.
func checkField(src *mapping.Source, name string, s schemas) (why string, unverified bool) {
	prefix := src.Attr("search_prefix")
	switch {
	case src.Attr("datamodel") != "":
		ds := src.Attr("dataset")
		fields := s.cim[src.Attr("datamodel")+"."+ds]
		if fields == nil {
			return "no CIM dataset " + src.Attr("datamodel") + "." + ds, false
		}
		field, ok := strings.CutPrefix(name, ds+".")
		if !ok || !fields[field] {
			return "not a field of the CIM dataset " + src.Attr("datamodel") + "." + ds, false
		}
	case sysmonSource.MatchString(prefix):
		if s.addon["XmlWinEventLog"][name] {
			return "", false
		}
		ids := eventCode.FindAllStringSubmatch(prefix, -1)
		for id, fields := range s.sysmon {
			selected := len(ids) == 0 // no EventCode: every Sysmon event
			for _, m := range ids {
				selected = selected || m[1] == strconv.Itoa(id)
			}
			if selected && fields[name] {
				return "", false
			}
		}
		return "no Sysmon event the search selects has this field", false
	default:
		keys := addonSources(prefix)
		if len(keys) == 0 {
			return "the search selects no source with schema data", false
		}
		for _, k := range keys {
			_, known := s.addon[k]
			_, knownU := s.unverified[k]
			if !known && !knownU {
				return "no schema data for " + k + " (testdata/schema/addons.txt)", false
			}
			switch {
			case s.addon[k][name], strings.HasPrefix(k, "XmlWinEventLog:") && s.addon["XmlWinEventLog"][name]:
			case s.unverified[k][name]:
				unverified = true
			default:
				return k + " has no field of this name (testdata/schema/addons.txt)", false
			}
		}
		return "", unverified
	}
	return "", false
}

// TestCorpusCIMSchema compiles the SigmaHQ corpus with the cim profile and
// checks every field each query reads against the published schema of its
// source (see checkField). Names accepted unverified are listed.
func TestCorpusCIMSchema(t *testing.T) {
	rules := corpus.Rules(t)
	prof, err := splunk.New().(*splunk.Backend).Mapping("cim")
	require.NoError(t, err)
	s := loadSchemas(t)
	b := splunk.New()
	compiled, unverifiedRules := 0, 0
	bad, unverified := map[string]int{}, map[string]int{}
	for _, r := range rules {
		q, err := b.Compile(testutil.Checked(t, r), target.Options{Profile: "cim"})
		if err != nil {
			continue
		}
		compiled++
		ruleUnverified := false
		for _, f := range corpus.Fields(r) {
			m, err := prof.Field(q.Source, f)
			require.NoError(t, err, r.File)
			for _, name := range m.Names {
				why, unv := checkField(q.Source, name, s)
				if why != "" {
					bad[mapping.Describe(r.LogSource)+" "+f+" -> "+name+": "+why]++
				}
				if unv {
					ruleUnverified = true
					unverified[mapping.Describe(r.LogSource)+" "+name]++
				}
			}
		}
		if ruleUnverified {
			unverifiedRules++
		}
	}
	t.Logf("cim: %d of %d rules compile; %d of them read a field no published source shows (accepted unverified):", compiled, len(rules), unverifiedRules)
	for _, k := range slices.Sorted(maps.Keys(unverified)) {
		t.Logf("  unverified: %s (%d rules)", k, unverified[k])
	}
	for _, msg := range slices.Sorted(maps.Keys(bad)) {
		t.Errorf("%s (%d rules)", msg, bad[msg])
	}
}

// TestCheckFieldFailsOnMissingNames: the check rejects a name the add-on
// does not extract, on every kind of source.
func TestCheckFieldFailsOnMissingNames(t *testing.T) {
	s := loadSchemas(t)
	src := func(prefix string) *mapping.Source {
		return &mapping.Source{Attrs: map[string]string{"search_prefix": prefix}}
	}
	tests := []struct {
		prefix, name string
		ok           bool
	}{
		{`source="XmlWinEventLog:Security"`, "TargetUserName", true},
		{`source="XmlWinEventLog:Security"`, "EventCode", true},
		{`source="XmlWinEventLog:Security"`, "Provider_Name", false},
		{`source="XmlWinEventLog:Security"`, "NoSuchField", false},
		{`source="XmlWinEventLog:System"`, "Binary", false},
		{`source="XmlWinEventLog:Microsoft-Windows-Windows Defender/Operational"`, "New_Value", true},
		{`source="XmlWinEventLog:Microsoft-Windows-Windows Defender/Operational"`, "NewValue", false},
		{`source="XmlWinEventLog:Microsoft-Windows-Sysmon/Operational" EventCode=1`, "CommandLine", true},
		{`source="XmlWinEventLog:Microsoft-Windows-Sysmon/Operational" EventCode=11`, "CommandLine", false},
		{`sourcetype="aws:cloudtrail"`, "userIdentity.arn", true},
		{`sourcetype="aws:cloudtrail"`, "requestParameters", true},
		{`sourcetype="aws:cloudtrail"`, "userIdentity", false},
		{`sourcetype="linux:audit"`, "unit", false},
		{`sourcetype="OktaIM2:log"`, "target.displayName", false},
		{`sourcetype="OktaIM2:log"`, "target{}.displayName", true},
		{`sourcetype="no:such:sourcetype"`, "x", false},
		{`index=main`, "x", false},
	}
	for _, tt := range tests {
		why, _ := checkField(src(tt.prefix), tt.name, s)
		assert.Equal(t, tt.ok, why == "", "%s %s: %s", tt.prefix, tt.name, why)
	}
}

// TestProfileRefusalFacts: a field the cim profile refuses because a Sysmon
// event lacks it is really missing from those events, and a field refused
// because the add-on does not extract it is missing from the add-on's
// schema data (addons.txt, documented and unverified names alike).
func TestProfileRefusalFacts(t *testing.T) {
	prof, err := splunk.New().(*splunk.Backend).Mapping("cim")
	require.NoError(t, err)
	s := loadSchemas(t)
	sysmonN, addonN := 0, 0
	for _, src := range prof.Sources {
		for field, m := range src.Fields {
			if g := addonMissing.FindStringSubmatch(m.Unsupported); g != nil {
				addonN++
				keys := addonSources(src.Attr("search_prefix"))
				require.NotEmpty(t, keys, "%s: %s", mapping.Describe(src.LogSource), m.Unsupported)
				for _, k := range keys {
					require.True(t, s.addon[k] != nil || s.unverified[k] != nil, "no schema data for %s", k)
					assert.False(t, s.addon[k][g[1]] || s.unverified[k][g[1]] || s.addon["XmlWinEventLog"][g[1]],
						"%s: %s lists %s", mapping.Describe(src.LogSource), k, g[1])
				}
				continue
			}
			g := sysmonMissing.FindStringSubmatch(m.Unsupported)
			if g == nil {
				continue
			}
			sysmonN++
			assert.Equal(t, field, g[2])
			for _, id := range strings.Split(g[1], "/") {
				n, _ := strconv.Atoi(id)
				require.Contains(t, s.sysmon, n)
				assert.False(t, s.sysmon[n][field], "%s: Sysmon event %d has %s", mapping.Describe(src.LogSource), n, field)
			}
		}
	}
	assert.Positive(t, sysmonN)
	assert.Positive(t, addonN)
}
