package splunk_test

import (
	"fmt"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/splunk"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/eval"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/sigma"
	"github.com/detc/detc/internal/testutil"
	"github.com/detc/detc/internal/testutil/corpus"
)

// defenderEvent is one event of the Windows Defender/Operational channel
// (or, for "other", of another channel) as the Splunk Add-on for
// Microsoft Windows indexes it: EventCode and the EventData names with
// "_" for their spaces.
type defenderEvent struct {
	channel, code, threat, path string
}

const defenderChannel = "XmlWinEventLog:Microsoft-Windows-Windows Defender/Operational"

// defenderEvents are detections (1116) and actions taken (1117) with
// threat names in Defender's form, an attack surface reduction event
// (1121) and a Security event that names a threat in its own data.
var defenderEvents = []defenderEvent{
	{defenderChannel, "1116", "HackTool:Win32/Mimikatz!pz", `file:_C:\Users\alice\Downloads\mimikatz_trunk\x64\mimikatz.exe`},
	{defenderChannel, "1117", "HackTool:Win32/Mimikatz!pz", `file:_C:\Users\alice\Downloads\mimikatz_trunk\x64\mimikatz.exe`},
	{defenderChannel, "1116", "Backdoor:Win64/CobaltStrike.NP!dha", `file:_C:\ProgramData\update\beacon.dll; process:_pid:4212,ProcessStart:133471234567890123`},
	{defenderChannel, "1116", "Ransom:Win32/LockBit.AA", `file:_C:\Users\Public\lb3.exe`},
	{defenderChannel, "1116", "Backdoor:ASP/Chopper.F!dha", `file:_C:\inetpub\wwwroot\aspnet_client\errorEE.aspx`},
	{defenderChannel, "1116", "PWS:Win32/Fareit.gen!E", `file:_C:\Users\bob\AppData\Local\Temp\inv_2024.exe`},
	{defenderChannel, "1117", "Trojan:Win32/AgentTesla!ml", `file:_C:\Users\bob\AppData\Roaming\svcupd.exe`},
	{defenderChannel, "1116", "Backdoor:Win32/Kimsuky.D!dha", `file:_C:\Windows\Temp\hwp_update.dll`},
	{defenderChannel, "1116", "Virus:DOS/EICAR_Test_File", `file:_C:\Users\topsyk\OneDrive\Desktop\eicar.com`},
	{defenderChannel, "1116", "PUA:Win32/Presenoker", `file:_C:\Users\carol\Downloads\setup_free.exe`},
	{defenderChannel, "1121", "HackTool:Win32/Mimikatz!pz", `C:\Users\alice\Downloads\m.exe`},
	{"XmlWinEventLog:Security", "1116", "HackTool:Win32/Mimikatz!pz", ""},
}

// antivirusRules are rules on the threat's name in the shapes SigmaHQ's
// antivirus rules take.
var antivirusRules = []string{
	"detection:\n  sel:\n    - Signature|re: 'APT\\d'\n    - Signature|contains:\n        - 'Mimikatz'\n        - 'Kimsuky'\n  condition: sel",
	"detection:\n  sel:\n    Signature|startswith:\n      - 'PWS'\n      - 'Ransom:'\n  filter:\n    Signature|contains: 'Fareit'\n  condition: sel and not filter",
}

// TestAntivirusAgreesWithEvaluator: rules on Defender's detections,
// compiled for cim, select on the add-on's events exactly the 1116 and
// 1117 events of the Defender channel whose threat name the evaluator
// matches in Sigma's form (Signature), SigmaHQ's antivirus rules that
// compile included.
func TestAntivirusAgreesWithEvaluator(t *testing.T) {
	var rules []*rule.Rule
	for i, body := range antivirusRules {
		src := fmt.Sprintf("title: t\nid: 6f1c2d3e-0000-4000-8000-%012d\nlogsource:\n  category: antivirus\n%s\n", 1060+i, body)
		loaded, diags := sigma.LoadFiles(map[string][]byte{"t.yml": []byte(src)})
		require.False(t, diags.HasErrors(), "%v", diags)
		rules = append(rules, loaded...)
	}
	assert.Equal(t, len(rules), agreeOnDefenderChannel(t, rules))
}

func TestAntivirusAgreesWithEvaluatorOnCorpus(t *testing.T) {
	var rules []*rule.Rule
	for _, r := range corpus.Rules(t) {
		if r.LogSource.Category == "antivirus" {
			rules = append(rules, r)
		}
	}
	assert.Equal(t, 7, agreeOnDefenderChannel(t, rules), "SigmaHQ's antivirus rules on the threat's name")
}

// agreeOnDefenderChannel compares the rules that compile with the
// evaluator over defenderEvents and returns how many it compared.
func agreeOnDefenderChannel(t *testing.T, rules []*rule.Rule) (checked int) {
	var indexed []splEvent
	for i, ev := range defenderEvents {
		e := splEvent{"_id": {fmt.Sprint(i)}, "source": {ev.channel}, "sourcetype": {"XmlWinEventLog"}, "EventCode": {ev.code}, "Threat_Name": {ev.threat}, "Computer": {"ws01.corp.example"}}
		if ev.path != "" {
			e["Path"] = []string{ev.path}
		}
		indexed = append(indexed, e)
	}
	hits := 0
	for _, r := range rules {
		q, err := splunk.New().Compile(testutil.Checked(t, r), target.Options{Profile: "cim"})
		if err != nil {
			continue
		}
		prog, diags := eval.Compile(r)
		require.False(t, diags.HasErrors(), "%v", diags)
		var want []string
		for i, ev := range defenderEvents {
			if ev.channel == defenderChannel && (ev.code == "1116" || ev.code == "1117") && prog.Match(eval.MapEvent{"Signature": ev.threat}) {
				want = append(want, fmt.Sprint(i))
			}
		}
		got := matchedIDs(t, q.Text, indexed)
		sort.Strings(want)
		assert.Equal(t, want, got, "%s\n%s", r.File, q.Text)
		hits += len(want)
		checked++
	}
	assert.Positive(t, hits, "the events must match as well as miss")
	return checked
}

// TestAntivirusFilenameRefused: Defender's Path is no single file path,
// so a rule on Filename is refused, naming why.
func TestAntivirusFilenameRefused(t *testing.T) {
	loaded, diags := sigma.LoadFiles(map[string][]byte{"t.yml": []byte("title: t\nid: 6f1c2d3e-0000-4000-8000-000000001070\nlogsource:\n  category: antivirus\ndetection:\n  sel:\n    Filename|endswith: '.aspx'\n  condition: sel\n")})
	require.False(t, diags.HasErrors(), "%v", diags)
	_, err := splunk.New().Compile(testutil.Checked(t, loaded[0]), target.Options{Profile: "cim"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "lists the detected resources each with its type")
}
