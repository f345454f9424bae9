package splunk_test

import (
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/splunk"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/sigma"
	"github.com/detc/detc/internal/testutil"
	"github.com/detc/detc/internal/testutil/corpus"
	"github.com/detc/detc/internal/testutil/splunkschema"
)

var (
	sysmonMissing = regexp.MustCompile(`^Sysmon event ([0-9/]+) has no (\w+) field$`)
	addonMissing  = regexp.MustCompile(`^the Splunk Add-on for [^:]+ does not extract (\S+)`)
)

func loadSchemas(t testing.TB) *splunkschema.Schemas {
	t.Helper()
	s, err := splunkschema.Load()
	require.NoError(t, err)
	return s
}

// TestCorpusCIMSchema compiles the SigmaHQ corpus with the cim profile and
// checks every field each query reads against the published schema of its
// source (splunkschema.Check): a name the schema lacks fails, and so does
// a name only an "unverified" line of addons.txt accepts (no published
// source shows it), so no compiled corpus query reads an unproven field.
func TestCorpusCIMSchema(t *testing.T) {
	checked, diags := check.All(corpus.Rules(t))
	require.False(t, diags.HasErrors(), "%v", diags)
	res, err := splunkschema.CheckCorpus(checked)
	require.NoError(t, err)
	t.Logf("cim: %d of %d rules compile", res.Compiled, res.Rules)
	require.Positive(t, res.Compiled)
	for _, msg := range slices.Sorted(maps.Keys(res.Bad)) {
		t.Errorf("%s (%d rules)", msg, res.Bad[msg])
	}
	for _, k := range slices.Sorted(maps.Keys(res.Unverified)) {
		t.Errorf("%s: no published source shows this name (an unverified line of addons.txt); prove it or refuse the field in the profile (%d rules)", k, res.Unverified[k])
	}
}

// TestProfileNamesInSchema: every name the cim profile maps a field to is
// in the published schema of its source (splunkschema.Check), whether or
// not a rule reads it, so a misspelt name fails without the corpus.
func TestProfileNamesInSchema(t *testing.T) {
	prof, err := splunk.New().(*splunk.Backend).Mapping("cim")
	require.NoError(t, err)
	s := loadSchemas(t)
	n := 0
	for _, src := range prof.Sources {
		for _, field := range slices.Sorted(maps.Keys(src.Fields)) {
			for _, name := range src.Fields[field].Names {
				why, _ := s.Check(src, name)
				assert.Empty(t, why, "%s %s: %s -> %s", mapping.Describe(src.LogSource), src.Label, field, name)
				n++
			}
		}
	}
	assert.Greater(t, n, 500, "the profile's sources were read")
}

// TestAddonFieldsData: no name is both documented and unverified for a
// source, and every source is a channel, the System line or a sourcetype.
func TestAddonFieldsData(t *testing.T) {
	s := loadSchemas(t)
	documented, unverified := s.Addon, s.Unverified
	for src, names := range unverified {
		for name := range names {
			assert.False(t, documented[src][name], "%s: %s is documented and unverified", src, name)
		}
	}
	for src := range documented {
		assert.Regexp(t, `^(XmlWinEventLog(:.+)?|sourcetype=\S+)$`, src)
	}
	assert.Contains(t, documented["XmlWinEventLog"], "EventCode")
	assert.NotContains(t, documented["XmlWinEventLog"], "Provider_Name")
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
		{`sourcetype="linux:audit"`, "a0", true},
		{`source="XmlWinEventLog:Application"`, "Data", false},
		{`source="XmlWinEventLog:Application"`, "Message", true},
		{`source="XmlWinEventLog:Microsoft-Windows-WMI-Activity/Operational"`, "Operation", false},
		{`source="XmlWinEventLog:Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"`, "Address", false},
		{`source="XmlWinEventLog:OpenSSH/Operational"`, "payload", true},
		{`source="XmlWinEventLog:System"`, "ProcessId", false},
		{`source="XmlWinEventLog:Security"`, "FilterOrigin", true},
		{`source="XmlWinEventLog:Security"`, "ParentProcessId", true},
		{`source="XmlWinEventLog:Application"`, "AppName", true},
		{`source="XmlWinEventLog:Microsoft-Windows-NTLM/Operational"`, "WorkstationName", true},
		{`source="XmlWinEventLog:Microsoft-Windows-NTLM/Operational"`, "Workstation_Name", false},
		{`source="XmlWinEventLog:Microsoft-IIS-Configuration/Operational"`, "NewValue", true},
		{`source="XmlWinEventLog:Microsoft-IIS-Configuration/Operational"`, "New_Value", false},
		{`sourcetype="aws:cloudtrail"`, "requestParameters.enable", true},
		{`source="XmlWinEventLog:System"`, "ProcessID", true},
		{`sourcetype="OktaIM2:log"`, "target.displayName", false},
		{`sourcetype="OktaIM2:log"`, "target{}.displayName", true},
		{`sourcetype="no:such:sourcetype"`, "x", false},
		{`index=main`, "x", false},
	}
	for _, tt := range tests {
		why, _ := s.Check(src(tt.prefix), tt.name)
		assert.Equal(t, tt.ok, why == "", "%s %s: %s", tt.prefix, tt.name, why)
	}
	web := &mapping.Source{Attrs: map[string]string{"datamodel": "Web", "dataset": "Web"}}
	why, _ := s.Check(web, "Web.url")
	assert.Empty(t, why)
	why, _ = s.Check(web, "Web.url_extension")
	assert.NotEmpty(t, why, "not a field of the CIM Web dataset")
	why, unverified := s.Check(src(`sourcetype="linux:audit"`), "a0")
	assert.Empty(t, why)
	assert.False(t, unverified, "a0 is shown by security_content's EXECVE macro")
	why, unverified = s.Check(src(`sourcetype="github:cloud:audit"`), "actor_ip")
	assert.Empty(t, why)
	assert.True(t, unverified, "actor_ip is accepted only as unverified")
	for _, name := range []string{"FilterOrigin", "ParentProcessId"} {
		_, unverified = s.Check(src(`source="XmlWinEventLog:Security"`), name)
		assert.False(t, unverified, "%s is shown by Security-Auditing's template", name)
	}
}

// TestCheckCorpusFailsOnUnverifiedNames: a compiled rule that reads a name
// only an "unverified" line accepts is reported, which fails
// TestCorpusCIMSchema, while one reading proven names is not.
func TestCheckCorpusFailsOnUnverifiedNames(t *testing.T) {
	load := func(detection string) *check.Rule {
		src := "title: t\nid: 00000000-0000-4000-8000-000000000001\nlogsource:\n  product: github\n  service: audit\ndetection:\n" + detection + "  condition: selection\n"
		rules, diags := sigma.Load("t.yml", []byte(src))
		require.False(t, diags.HasErrors(), "%v", diags)
		require.Len(t, rules, 1)
		return testutil.Checked(t, rules[0])
	}
	unproven := load("  selection:\n    action: repo.create\n    actor_ip: 192.0.2.1\n")
	proven := load("  selection:\n    action: repo.create\n")
	res, err := splunkschema.CheckCorpus([]*check.Rule{unproven, proven})
	require.NoError(t, err)
	assert.Equal(t, 2, res.Compiled)
	assert.Empty(t, res.Bad)
	assert.Equal(t, map[string]int{"product=github,service=audit actor_ip -> actor_ip": 1}, res.Unverified)
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
				keys := splunkschema.AddonSources(src.Attr("search_prefix"))
				require.NotEmpty(t, keys, "%s: %s", mapping.Describe(src.LogSource), m.Unsupported)
				for _, k := range keys {
					require.True(t, s.Addon[k] != nil || s.Unverified[k] != nil, "no schema data for %s", k)
					assert.False(t, s.Addon[k][g[1]] || s.Unverified[k][g[1]] || s.Addon["XmlWinEventLog"][g[1]],
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
				require.Contains(t, s.Sysmon, n)
				assert.False(t, s.Sysmon[n][field], "%s: Sysmon event %d has %s", mapping.Describe(src.LogSource), n, field)
			}
		}
	}
	assert.Positive(t, sysmonN)
	assert.Positive(t, addonN)
}
