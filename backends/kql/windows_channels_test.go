package kql_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/kql"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/sigma"
	"github.com/detc/detc/internal/testutil"
	"github.com/detc/detc/internal/testutil/corpus"
)

// The Windows channels the Sentinel profiles read from WindowsEvent with
// a Channel filter of their own, each with rules on its fields.
var windowsChannels = []struct {
	service string
	source  windowsEventSource
	bodies  []string
}{
	{"applocker", windowsEventSource{filter: `Channel in ("Microsoft-Windows-AppLocker/EXE and DLL", "Microsoft-Windows-AppLocker/MSI and Script", "Microsoft-Windows-AppLocker/Packaged app-Execution", "Microsoft-Windows-AppLocker/Packaged app-Deployment")`}, []string{
		"detection:\n  sel:\n    EventID:\n      - 8004\n      - 8007\n  condition: sel",
		"detection:\n  sel:\n    EventID: 8003\n  filter:\n    Computer|startswith: 'build'\n  condition: sel and not filter",
	}},
	{"security-mitigations", windowsEventSource{filter: `Channel in ("Microsoft-Windows-Security-Mitigations/KernelMode", "Microsoft-Windows-Security-Mitigations/UserMode")`}, []string{
		"detection:\n  sel:\n    EventID:\n      - 11\n      - 12\n    ProcessPath|endswith: '\\MpCmdRun.exe'\n  condition: sel",
		"detection:\n  sel:\n    EventID: 12\n    ImageName|contains:\n      - '\\Users\\Public\\'\n      - '\\AppData\\Local\\Temp\\'\n  filter:\n    ProcessCommandLine|contains: ' -k netsvcs'\n  condition: sel and not filter",
	}},
}

// TestWindowsChannelsAgree: rules on AppLocker's and exploit protection's
// channels, compiled for both Sentinel profiles and read back with the
// independent reader, decide on the channel's WindowsEvent rows as the
// evaluator decides on the events.
func TestWindowsChannelsAgree(t *testing.T) {
	for i, ch := range windowsChannels {
		var rules []*rule.Rule
		for j, body := range ch.bodies {
			src := fmt.Sprintf("title: t\nid: 6f1c2d3e-0000-4000-8000-%012d\nlogsource:\n  product: windows\n  service: %s\n%s\n", 980+10*i+j, ch.service, body)
			loaded, diags := sigma.LoadFiles(map[string][]byte{"t.yml": []byte(src)})
			require.False(t, diags.HasErrors(), "%v", diags)
			rules = append(rules, loaded...)
		}
		for _, profile := range []string{"sentinel-csl", "sentinel-asim"} {
			assert.Equal(t, len(rules), agreeOnWindowsEvent(t, rules, profile, ch.source, true), "%s %s", profile, ch.service)
		}
	}
}

func TestWindowsChannelsAgreeOnCorpus(t *testing.T) {
	for _, ch := range windowsChannels {
		var rules []*rule.Rule
		for _, r := range corpus.Rules(t) {
			if r.Aggregation == nil && r.LogSource.Product == "windows" && r.LogSource.Service == ch.service && !hasEmptyValue(r) {
				rules = append(rules, r)
			}
		}
		require.NotEmpty(t, rules, ch.service)
		for _, profile := range []string{"sentinel-csl", "sentinel-asim"} {
			assert.Equal(t, len(rules), agreeOnWindowsEvent(t, rules, profile, ch.source, true), "%s %s", profile, ch.service)
		}
	}
}

// TestUnnamedDataRefused: the channels whose classic providers write
// their details as unnamed <Data> elements are read from WindowsEvent, but
// a rule on Data is refused, naming the channel and why: no published
// source shows how WindowsEvent's EventData keeps unnamed elements.
func TestUnnamedDataRefused(t *testing.T) {
	for i, ls := range []struct{ logsource, channel string }{
		{"category: ps_classic_start", "Windows PowerShell"},
		{"category: ps_classic_provider_start", "Windows PowerShell"},
		{"service: powershell-classic", "Windows PowerShell"},
		{"service: application", "Application"},
		{"service: msexchange-management", "MSExchange Management"},
	} {
		src := fmt.Sprintf("title: t\nid: 6f1c2d3e-0000-4000-8000-%012d\nlogsource:\n  product: windows\n  %s\ndetection:\n  sel:\n    Data|contains: 'HostName=ConsoleHost'\n  condition: sel\n", 1000+i, ls.logsource)
		loaded, diags := sigma.LoadFiles(map[string][]byte{"t.yml": []byte(src)})
		require.False(t, diags.HasErrors(), "%v", diags)
		for _, profile := range []string{"sentinel-csl", "sentinel-asim"} {
			_, err := kql.New().Compile(testutil.Checked(t, loaded[0]), target.Options{Profile: profile})
			var refusal *target.Refusal
			if !assert.True(t, errors.As(err, &refusal), "%s %s: %v", profile, ls.logsource, err) {
				continue
			}
			assert.Equal(t, `field "Data"`, refusal.Construct)
			assert.Contains(t, refusal.Reason, "unnamed <Data> elements")
			assert.Contains(t, refusal.Reason, ls.channel)
			assert.Contains(t, refusal.Reason, "no published source shows how WindowsEvent's EventData keeps unnamed elements")
		}
	}
}

// TestApplicationMessageRefused: Sigma's Message on the Application log is
// the rendered description, which WindowsEvent does not keep; reading
// EventData.Message compared a field no classic provider writes.
func TestApplicationMessageRefused(t *testing.T) {
	// win_software_atera_rmm_agent_install.yml
	src := "title: t\nid: 6f1c2d3e-0000-4000-8000-000000001090\nlogsource:\n  product: windows\n  service: application\ndetection:\n  sel:\n    EventID: 1033\n    Provider_Name: MsiInstaller\n    Message|contains: AteraAgent\n  condition: sel\n"
	loaded, diags := sigma.LoadFiles(map[string][]byte{"t.yml": []byte(src)})
	require.False(t, diags.HasErrors(), "%v", diags)
	for _, profile := range []string{"sentinel-csl", "sentinel-asim"} {
		_, err := kql.New().Compile(testutil.Checked(t, loaded[0]), target.Options{Profile: profile})
		var refusal *target.Refusal
		require.True(t, errors.As(err, &refusal), "%s: %v", profile, err)
		assert.Equal(t, `field "Message"`, refusal.Construct)
		assert.Contains(t, refusal.Reason, "rendered description")
	}
}
