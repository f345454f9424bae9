package elastic

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/elastic/checker"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/sigma"
	"github.com/detc/detc/internal/testutil"
)

// windowsChannelEvent is one event of a Windows channel: its Sigma fields
// and the fields the winlog input indexes for it.
type windowsChannelEvent struct {
	id      string
	channel string
	eventID string
	data    map[string]string // EventData by name
}

// TestWindowsChannelsOnLucene: rules on AppLocker's and exploit
// protection's channels, compiled for ecs, match on real Lucene the events
// as the winlog input indexes them (winlog.channel, event.code,
// winlog.event_data.<Name>) exactly as the evaluator matches them in
// Sigma's form, events of another channel included.
func TestWindowsChannelsOnLucene(t *testing.T) {
	const kernel, exe = "Microsoft-Windows-Security-Mitigations/KernelMode", "Microsoft-Windows-AppLocker/EXE and DLL"
	tests := []struct {
		service, body string
		events        []windowsChannelEvent
		want          []string
	}{
		{"security-mitigations",
			"detection:\n  sel:\n    EventID:\n      - 11\n      - 12\n    ImageName|contains: '\\Users\\Public\\'\n  filter:\n    ProcessPath|endswith: '\\MpCmdRun.exe'\n  condition: sel and not filter",
			[]windowsChannelEvent{
				{"blocked", kernel, "12", map[string]string{"ProcessPath": `\Device\HarddiskVolume3\Windows\System32\rundll32.exe`, "ImageName": `\Users\Public\x.dll`}},
				{"audit", kernel, "11", map[string]string{"ProcessPath": `\Device\HarddiskVolume3\Windows\explorer.exe`, "ImageName": `\Users\Public\y.dll`}},
				{"defender", kernel, "12", map[string]string{"ProcessPath": `\Device\HarddiskVolume3\ProgramData\Microsoft\Windows Defender\MpCmdRun.exe`, "ImageName": `\Users\Public\z.dll`}},
				{"other-path", kernel, "12", map[string]string{"ProcessPath": `\Device\HarddiskVolume3\Windows\System32\svchost.exe`, "ImageName": `\Windows\System32\a.dll`}},
				{"other-channel", "Microsoft-Windows-CodeIntegrity/Operational", "12", map[string]string{"ProcessPath": `\x.exe`, "ImageName": `\Users\Public\x.dll`}},
			},
			[]string{"audit", "blocked"}},
		{"applocker",
			"detection:\n  sel:\n    EventID:\n      - 8004\n      - 8007\n  condition: sel",
			[]windowsChannelEvent{
				{"exe", exe, "8004", nil},
				{"script", "Microsoft-Windows-AppLocker/MSI and Script", "8007", nil},
				{"allowed", exe, "8002", nil},
				{"other-channel", "Application", "8004", nil},
			},
			[]string{"exe", "script"}},
	}
	for i, tt := range tests {
		t.Run(tt.service, func(t *testing.T) {
			src := fmt.Sprintf("title: t\nid: 6f1c2d3e-0000-4000-8000-%012d\nlogsource:\n  product: windows\n  service: %s\n%s\n", 1010+i, tt.service, tt.body)
			rules, diags := sigma.LoadFiles(map[string][]byte{"t.yml": []byte(src)})
			require.False(t, diags.HasErrors(), "%v", diags)
			r := rules[0]
			c, err := compile(testutil.Checked(t, r), target.Options{Profile: "ecs", Lang: Lucene})
			require.NoError(t, err)
			seg := checker.Segment{
				Fields:  map[string]string{"winlog.channel": tKeyword, "event.code": tKeyword},
				Queries: []checker.Query{{ID: r.ID, Text: c.query.Text}},
			}
			var fixtures []fixtureEvent
			for _, ev := range tt.events {
				fields := map[string]any{"Channel": ev.channel, "EventID": json.Number(ev.eventID)}
				doc := checker.Event{ID: ev.id, Fields: [][2]string{{"winlog.channel", ev.channel}, {"event.code", ev.eventID}}}
				for name, v := range ev.data {
					fields[name] = v
					doc.Fields = append(doc.Fields, [2]string{"winlog.event_data." + name, v})
					seg.Fields["winlog.event_data."+name] = tKeyword
				}
				if ev.id != "other-channel" { // the evaluator knows no channels: the query must leave it out
					fixtures = append(fixtures, fixtureEvent{ID: ev.id, Fields: fields})
				}
				seg.Events = append(seg.Events, doc)
			}
			want := evaluatorMatches(t, r, fixtures)
			require.Equal(t, tt.want, want, "the evaluator's side of the test")
			results, err := luceneChecker(t).Run([]checker.Segment{seg})
			require.NoError(t, err)
			require.Len(t, results, 1)
			require.Empty(t, results[0].Err, c.query.Text)
			got := append([]string(nil), results[0].Matches...)
			sort.Strings(got)
			assert.Equal(t, want, got, c.query.Text)
		})
	}
}

// TestUnnamedDataRefused: the channels whose classic providers write
// their details as unnamed <Data> elements keep no field Data in Elastic:
// the winlog input names the elements winlog.event_data.param1, param2, ...
// by position (so a query on winlog.event_data.Data, as the profile once
// compiled, never matched on Lucene), and the powershell pipeline splits
// the Windows PowerShell log's elements into fields and removes them. A
// rule on Data is refused, naming the channel and why.
func TestUnnamedDataRefused(t *testing.T) {
	for i, tt := range []struct{ logsource, reason string }{
		{"category: ps_classic_start", "splits event 400's text (param3) into fields and removes it"},
		{"category: ps_classic_provider_start", "splits event 600's text (param3) into fields and removes it"},
		{"service: powershell-classic", "the Windows PowerShell log's unnamed <Data> elements (param1-3) are split into fields and removed"},
		{"service: application", "the Application log's classic providers write unnamed <Data> elements, which the winlog input names winlog.event_data.param1, param2, ... by position"},
		{"service: msexchange-management", "MSExchange Management writes unnamed <Data> elements, which the winlog input names winlog.event_data.param1, param2, ... by position"},
	} {
		src := fmt.Sprintf("title: t\nid: 6f1c2d3e-0000-4000-8000-%012d\nlogsource:\n  product: windows\n  %s\ndetection:\n  sel:\n    Data|contains: 'HostName=ConsoleHost'\n  condition: sel\n", 1020+i, tt.logsource)
		rules, diags := sigma.LoadFiles(map[string][]byte{"t.yml": []byte(src)})
		require.False(t, diags.HasErrors(), "%v", diags)
		_, err := New().Compile(testutil.Checked(t, rules[0]), target.Options{Profile: "ecs"})
		var refusal *target.Refusal
		if assert.True(t, errors.As(err, &refusal), "%s: %v", tt.logsource, err) {
			assert.Equal(t, `field "Data"`, refusal.Construct)
			assert.Contains(t, refusal.Reason, tt.reason)
		}
	}
}

// TestApplicationMessageRefused: Sigma's Message on the Application log is
// the rendered description; winlog.event_data.Message is a field no
// classic provider writes, and the rendered text is only in message, an
// analysed text field.
func TestApplicationMessageRefused(t *testing.T) {
	// win_software_atera_rmm_agent_install.yml
	src := "title: t\nid: 6f1c2d3e-0000-4000-8000-000000001090\nlogsource:\n  product: windows\n  service: application\ndetection:\n  sel:\n    EventID: 1033\n    Provider_Name: MsiInstaller\n    Message|contains: AteraAgent\n  condition: sel\n"
	rules, diags := sigma.LoadFiles(map[string][]byte{"t.yml": []byte(src)})
	require.False(t, diags.HasErrors(), "%v", diags)
	_, err := New().Compile(testutil.Checked(t, rules[0]), target.Options{Profile: "ecs"})
	var refusal *target.Refusal
	require.True(t, errors.As(err, &refusal), "%v", err)
	assert.Equal(t, `field "Message"`, refusal.Construct)
	assert.Contains(t, refusal.Reason, "rendered description")
}
