package kql_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/kql"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/eval"
	"github.com/detc/detc/internal/sigma"
	"github.com/detc/detc/internal/testutil"
)

// asimSysmonRow is a Sysmon network connection (event 3) as Microsoft's
// ASIM Sysmon network session parsers for Windows return it: the process,
// its id and its user on the Dst* side, with DstAppType "Process", when
// the process initiated the connection, on the Src* side when it did not,
// the other side empty, and both empty when Initiated is missing or not a
// boolean; EventProduct "Sysmon", Initiated dropped (Azure/Azure-Sentinel
// Parsers/ASimNetworkSession/Parsers/vimNetworkSessionMicrosoftSysmon.yaml,
// ...MicrosoftSysmonWindowsEvent.yaml).
//
// The parser renames the event's Computer to Dvc and fills DvcHostname,
// DvcDomain and DvcFQDN from the remote host's name (its Hostname is
// DstHostname when Initiated is true, SrcHostname when it is false: the
// peer in both cases, since Sysmon's SourceHostname of an inbound
// connection is the peer's), which the row takes to be DestinationHostname.
func asimSysmonRow(ev eval.MapEvent) map[string]string {
	peer := fmt.Sprint(ev["DestinationHostname"])
	row := map[string]string{"DstFQDN": peer, "EventProduct": "Sysmon",
		"Dvc": fmt.Sprint(ev["Computer"]), "DvcHostname": strings.Split(peer, ".")[0], "DvcFQDN": peer}
	var side string
	switch ev["Initiated"] {
	case "true":
		side = "Dst"
	case "false":
		side = "Src"
	}
	for _, s := range []string{"Src", "Dst"} {
		row[s+"AppType"] = ""
		for sysmon, asim := range map[string]string{"Image": "ProcessName", "ProcessId": "ProcessId", "User": "Username"} {
			row[s+asim] = ""
			if s == side {
				row[s+asim] = fmt.Sprint(ev[sysmon])
				row[s+"AppType"] = "Process"
			}
		}
	}
	return row
}

// asimDefenderRow is a Defender for Endpoint connection as the ASIM
// parser for it returns it (vimNetworkSessionMicrosoft365Defender.yaml,
// version 0.4): the device's process on the Src* side of the connections
// it opened, on the Dst* side of the ones it accepted, each with its
// AppType "Process". Its *ProcessName is InitiatingProcessFileName, the
// file name alone; DeviceNetworkEvents' InitiatingProcessFolderPath, which
// the parser neither renames nor drops, keeps the path. DvcHostname is
// DeviceName's first label, DvcFQDN DeviceName when it has a dot, Dvc
// DvcHostname.
func asimDefenderRow(ev eval.MapEvent, outbound bool) map[string]string {
	side, other := "Dst", "Src"
	if outbound {
		side, other = "Src", "Dst"
	}
	image, device := fmt.Sprint(ev["Image"]), fmt.Sprint(ev["Computer"])
	label := strings.Split(device, ".")[0]
	row := map[string]string{"DstFQDN": fmt.Sprint(ev["DestinationHostname"]), "EventProduct": "M365 Defender for Endpoint",
		side + "AppType": "Process", other + "AppType": "",
		"InitiatingProcessFolderPath": image, "DvcHostname": label, "DvcFQDN": device, "Dvc": label}
	for sysmon, asim := range map[string]string{"ProcessId": "ProcessId", "User": "Username"} {
		row[side+asim] = fmt.Sprint(ev[sysmon])
		row[other+asim] = ""
	}
	row[side+"ProcessName"] = image[strings.LastIndex(image, `\`)+1:]
	row[other+"ProcessName"] = ""
	return row
}

// asimQuery compiles a rule for sentinel-asim and returns the
// rule's evaluator program and a matcher of the parser's rows that first
// adds the columns of the source's extend, as Kusto would.
func asimQuery(t *testing.T, src string) (*eval.Program, func(row map[string]string) bool, string) {
	t.Helper()
	rules, diags := sigma.LoadFiles(map[string][]byte{"t.yml": []byte(src)})
	require.False(t, diags.HasErrors(), "%v", diags)
	r := rules[0]
	q, err := kql.New().Compile(testutil.Checked(t, r), target.Options{Profile: "sentinel-asim"})
	require.NoError(t, err)
	names, exprs, err := extendColumns(q.Source.Attr("extend"))
	require.NoError(t, err)
	match, err := readQuery(withoutExtend(q.Text))
	require.NoError(t, err, q.Text)
	prog, diags := eval.Compile(r)
	require.False(t, diags.HasErrors(), "%v", diags)
	return prog, func(row map[string]string) bool {
		out := map[string]string{}
		for k, v := range row {
			out[k] = v
		}
		for i, name := range names {
			v := exprs[i](row)
			require.Equal(t, byte('s'), v.kind, "%s on %v", name, row)
			out[name] = v.s
		}
		return match(out)
	}, q.Text
}

// TestASIMNetworkProcessEitherSide: a rule on Sysmon's Image and User,
// compiled for sentinel-asim, decides on the parser's rows as the
// evaluator decides on the Sysmon events, whichever side the parser put
// the process on (the connections a process opens are on the Dst* side).
func TestASIMNetworkProcessEitherSide(t *testing.T) {
	prog, match, text := asimQuery(t, "title: t\nid: 6f1c2d3e-0000-4000-8000-000000000950\nlogsource:\n  category: network_connection\n  product: windows\n"+
		"detection:\n  sel:\n    Image|endswith: '\\powershell.exe'\n    DestinationHostname|endswith: 'discord.com'\n  filter:\n    User|contains: 'svc_'\n  condition: sel and not filter\n")
	matchedInitiated := false
	for _, image := range []string{`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `C:\Program Files\Google\Chrome\Application\chrome.exe`} {
		for _, user := range []string{`CORP\alice`, `CORP\svc_backup`} {
			for _, initiated := range []string{"true", "false"} {
				ev := eval.MapEvent{"Image": image, "User": user, "ProcessId": "4242", "DestinationHostname": "discord.com", "Initiated": initiated}
				want := prog.Match(ev)
				assert.Equal(t, want, match(asimSysmonRow(ev)), "%v\n%s", ev, text)
				matchedInitiated = matchedInitiated || (want && initiated == "true")
			}
		}
	}
	assert.True(t, matchedInitiated, "no connection the process opened matched")
}

// TestASIMNetworkInitiated: Sysmon's Initiated, rebuilt from the side the
// Windows Sysmon parsers put the process on, decides as the evaluator
// does on the Sysmon event, a missing or non-boolean Initiated included;
// a Defender row, whose inbound connections also carry DstAppType
// "Process", matches no rule on Initiated, as an event without the field
// matches none.
func TestASIMNetworkInitiated(t *testing.T) {
	rule := func(value string) string {
		return "title: t\nid: 6f1c2d3e-0000-4000-8000-000000000951\nlogsource:\n  category: network_connection\n  product: windows\n" +
			"detection:\n  sel:\n    Image|endswith: '\\regsvr32.exe'\n    Initiated: " + value + "\n  condition: sel\n"
	}
	for _, value := range []string{"'true'", "'false'", "true"} {
		prog, match, text := asimQuery(t, rule(value))
		matched := 0
		for _, initiated := range []any{"true", "false", "", nil} {
			ev := eval.MapEvent{"Image": `C:\Windows\System32\regsvr32.exe`, "User": `CORP\alice`, "ProcessId": "4242", "DestinationHostname": "evil.example"}
			if initiated != nil {
				ev["Initiated"] = initiated
			}
			want := prog.Match(ev)
			assert.Equal(t, want, match(asimSysmonRow(ev)), "Initiated: %s on %v\n%s", value, ev, text)
			if want {
				matched++
			}
			for _, outbound := range []bool{true, false} {
				assert.False(t, match(asimDefenderRow(ev, outbound)), "Initiated: %s on Defender outbound=%v\n%s", value, outbound, text)
			}
		}
		assert.Equal(t, 1, matched, "Initiated: %s matched %d of the Sysmon events", value, matched)
	}
}

// TestASIMNetworkInitiatedLinuxRefused: Sysmon for Linux's ASIM parser
// keeps no Initiated, so a Linux rule on it is refused, not compiled to a
// query that cannot match.
func TestASIMNetworkInitiatedLinuxRefused(t *testing.T) {
	src := "title: t\nid: 6f1c2d3e-0000-4000-8000-000000000952\nlogsource:\n  category: network_connection\n  product: linux\n" +
		"detection:\n  sel:\n    Image|endswith: '/curl'\n    Initiated: 'true'\n  condition: sel\n"
	rules, diags := sigma.LoadFiles(map[string][]byte{"t.yml": []byte(src)})
	require.False(t, diags.HasErrors(), "%v", diags)
	_, err := kql.New().Compile(testutil.Checked(t, rules[0]), target.Options{Profile: "sentinel-asim"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Sysmon for Linux")
}

// TestASIMNetworkDefenderImageAndComputer: a rule on Image and Computer
// decides on Defender's rows, whose ASIM process name is the file name
// alone and whose DvcHostname is the device's first label, and on Sysmon's,
// whose DvcHostname is the peer's, as the evaluator decides on the events
// (Sysmon's Image a full path, its Computer the host's full name).
func TestASIMNetworkDefenderImageAndComputer(t *testing.T) {
	prog, match, text := asimQuery(t, "title: t\nid: 6f1c2d3e-0000-4000-8000-000000000953\nlogsource:\n  category: network_connection\n  product: windows\n"+
		"detection:\n  sel:\n    DestinationHostname|endswith: 'discord.com'\n  filter_browser:\n    Image|endswith: '\\chrome.exe'\n"+
		"  filter_host:\n    Computer: 'BUILD01.corp.example'\n  condition: sel and not 1 of filter_*\n")
	matched := 0
	for _, image := range []string{`C:\Users\bob\AppData\Local\Temp\upd.exe`, `C:\Program Files\Google\Chrome\Application\chrome.exe`} {
		for _, computer := range []string{"WS-0417.corp.example", "BUILD01.corp.example"} {
			ev := eval.MapEvent{"Image": image, "Computer": computer, "User": `CORP\bob`, "ProcessId": "4242", "DestinationHostname": "discord.com"}
			want := prog.Match(ev)
			if want {
				matched++
			}
			for _, initiated := range []string{"true", "false"} {
				ev["Initiated"] = initiated
				assert.Equal(t, want, match(asimSysmonRow(ev)), "Sysmon %v\n%s", ev, text)
			}
			for _, outbound := range []bool{true, false} {
				assert.Equal(t, want, match(asimDefenderRow(ev, outbound)), "Defender outbound=%v %v\n%s", outbound, ev, text)
			}
		}
	}
	assert.Equal(t, 1, matched)
}
