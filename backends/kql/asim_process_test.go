package kql_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/detc/detc/internal/eval"
)

// asimSysmonProcessRow is a Sysmon process creation (event 1) on Windows
// as Microsoft's ASIM parser for it returns it (Azure/Azure-Sentinel
// Parsers/ASimProcessEvent/Parsers/vimProcessCreateMicrosoftSysmon.yaml
// and ASimProcessCreateMicrosoftSysmon.yaml, both the Event and the
// WindowsEvent branch): OriginalFileName in TargetProcessFilename, Company
// in TargetProcessFileCompany, EventOriginalType "1", DvcOs "Windows",
// EventVendor "Microsoft"; the WindowsEvent branch of the vim parser says
// EventProduct "Security Events". TargetProcessFileOriginalName and
// TargetProcessCompany stay empty.
func asimSysmonProcessRow(ev eval.MapEvent, product string) map[string]string {
	return map[string]string{
		"EventVendor": "Microsoft", "EventProduct": product, "EventOriginalType": "1", "DvcOs": "Windows",
		"TargetProcessName":     fmt.Sprint(ev["Image"]),
		"TargetProcessFilename": fmt.Sprint(ev["OriginalFileName"]), "TargetProcessFileOriginalName": "",
		"TargetProcessFileCompany": fmt.Sprint(ev["Company"]), "TargetProcessCompany": "",
		"DvcHostname": fmt.Sprint(ev["Computer"]),
	}
}

// asimDefenderProcessRow is a DeviceProcessEvents row as the ASIM
// Defender parser returns it (vimProcessEventMicrosoft365D.yaml):
// TargetProcessFilename is Defender's FileName, the file name of the
// image, and the version information is not carried (so the Sigma event
// it stands for has no OriginalFileName and no Company).
//
// The device is named through _ASIM_ResolveDvcFQDN('DeviceName'):
// DvcHostname is DeviceName's first label, DvcFQDN DeviceName when it has
// a dot (the Sysmon parser's DvcHostname is the event's Computer).
func asimDefenderProcessRow(image, fileName, device string) map[string]string {
	fqdn := ""
	if strings.Contains(device, ".") {
		fqdn = device
	}
	return map[string]string{
		"EventVendor": "Microsoft", "EventProduct": "M365 Defender for Endpoint", "EventOriginalType": "", "DvcOs": "Windows",
		"TargetProcessName": image, "TargetProcessFilename": fileName, "TargetProcessFileOriginalName": "",
		"TargetProcessFileCompany": "", "TargetProcessCompany": "",
		"DvcHostname": strings.Split(device, ".")[0], "DvcFQDN": fqdn,
	}
}

// TestASIMProcessVersionInfo: rules on Sysmon's OriginalFileName and
// Company, compiled for sentinel-asim, decide on the rows of Microsoft's
// ASIM Sysmon parser as the evaluator decides on the Sysmon events, and
// on a Defender row (whose TargetProcessFilename is the image's own file
// name) as on an event without version information; a rule on Computer
// (the host's full name) decides alike on both.
func TestASIMProcessVersionInfo(t *testing.T) {
	head := "title: t\nid: 6f1c2d3e-0000-4000-8000-00000000097%d\nlogsource:\n  category: process_creation\n  product: windows\ndetection:\n"
	rules := []string{
		"  sel:\n    OriginalFileName: 'Cmd.Exe'\n  condition: sel\n",
		"  sel:\n    OriginalFileName: 'Cmd.Exe'\n  filter:\n    Image|endswith: '\\cmd.exe'\n  condition: sel and not filter\n",
		"  sel:\n    Image|endswith: '\\rundll32.exe'\n  filter:\n    Company: 'Microsoft Corporation'\n  condition: sel and not filter\n",
		"  sel:\n    Image|endswith: '\\rundll32.exe'\n  filter:\n    Computer: 'BUILD01.corp.example'\n  condition: sel and not filter\n",
	}
	events := []eval.MapEvent{
		{"Image": `C:\Windows\System32\cmd.exe`, "OriginalFileName": "Cmd.Exe", "Company": "Microsoft Corporation", "Computer": "WS-0417.corp.example"},
		{"Image": `C:\Users\Public\svc.exe`, "OriginalFileName": "Cmd.Exe", "Company": "Microsoft Corporation", "Computer": "WS-0417.corp.example"},
		{"Image": `C:\Windows\System32\rundll32.exe`, "OriginalFileName": "RUNDLL32.EXE", "Company": "Microsoft Corporation", "Computer": "WS-0417"},
		{"Image": `C:\Users\Public\rundll32.exe`, "OriginalFileName": "evil.dll", "Company": "Evil Ltd", "Computer": "WS-0417.corp.example"},
		{"Image": `C:\Users\Public\rundll32.exe`, "OriginalFileName": "evil.dll", "Company": "Evil Ltd", "Computer": "BUILD01.corp.example"},
	}
	for i, body := range rules {
		prog, match, text := asimQuery(t, fmt.Sprintf(head, i)+body)
		matched := 0
		for _, ev := range events {
			want := prog.Match(ev)
			for _, product := range []string{"Sysmon", "Security Events"} {
				assert.Equal(t, want, match(asimSysmonProcessRow(ev, product)), "rule %d on %v (%s)\n%s", i, ev, product, text)
			}
			if want {
				matched++
			}
			image := fmt.Sprint(ev["Image"])
			device := fmt.Sprint(ev["Computer"])
			defender := eval.MapEvent{"Image": image, "Computer": device}
			fileName := image[strings.LastIndex(image, `\`)+1:]
			assert.Equal(t, prog.Match(defender), match(asimDefenderProcessRow(image, fileName, device)), "rule %d on Defender %s\n%s", i, image, text)
		}
		assert.NotZero(t, matched, "rule %d matched no Sysmon event", i)
	}
}

// asimProcessUserRows are the rows Microsoft's ASIM process-create parsers
// return for one process creation whose Sysmon event ev carries User (the
// account the new process runs as, DOMAIN\name on Windows, the bare name
// on Linux), ParentUser (the parent process's account, in the same form)
// and LogonId (the new process's logon, hex on Windows), one per parser
// branch, keyed by what they stand for. Only the Sysmon parsers write the
// event's User to TargetUsername, its ParentUser to ActorUsername and its
// LogonId, as written, to TargetUserSessionId (an older Sysmon writes no
// ParentUser, and the parsers leave ActorUsername empty); the others
// write another account or session, or the same one in another form:
//   - Security Events, event 4688 (vimProcessCreateMicrosoftSecurityEvents
//     and the WindowsEvent variant vimProcessCreateMicrosoftWindowsEvents):
//     the event's Target account, which names the new process's account
//     only when its logon differs from the creator's; otherwise it is the
//     null SID, with TargetUserName "-", which the SecurityEvent parser
//     turns into "Nobody" and the WindowsEvent one keeps as "-";
//     TargetUserSessionId is the Target logon ("0x0" then); ActorUsername
//     is the Subject account, the computer account (CORP\WS-0417$) for
//     SYSTEM; EventOriginalType "4688";
//   - Defender for Endpoint (vimProcessEventMicrosoft365D):
//     AccountDomain\AccountName and InitiatingProcessAccountDomain\...Name,
//     as Defender writes them (lower case for the built-in accounts), and
//     LogonId, a number, in decimal; no EventOriginalType;
//   - SentinelOne (vimProcessCreateSentinelOne): the acting process's user.
func asimProcessUserRows(ev eval.MapEvent) map[string]map[string]string {
	image, user := fmt.Sprint(ev["Image"]), fmt.Sprint(ev["User"])
	parentUser, _ := ev["ParentUser"].(string)
	logonID, _ := ev["LogonId"].(string)
	parentImage, _ := ev["ParentImage"].(string)
	rows := map[string]map[string]string{}
	defer func() {
		// The columns the profile's extend reads are in every row of the
		// union, empty where a parser does not fill them.
		for _, row := range rows {
			for _, col := range []string{"TargetProcessFilename", "TargetProcessFileOriginalName", "TargetProcessFileCompany", "TargetProcessCompany", "DvcHostname", "DvcFQDN", "ActorUsername", "TargetUserSessionId", "ActingProcessName"} {
				if _, ok := row[col]; !ok {
					row[col] = ""
				}
			}
		}
	}()
	if strings.HasPrefix(image, "/") {
		rows["Sysmon for Linux"] = map[string]string{"EventVendor": "Microsoft", "EventProduct": "Sysmon for Linux", "EventOriginalType": "1", "DvcOs": "Linux",
			"TargetProcessName": image, "TargetUsername": user, "ActorUsername": parentUser, "TargetUserSessionId": logonID}
		rows["Defender (Linux)"] = map[string]string{"EventVendor": "Microsoft", "EventProduct": "M365 Defender for Endpoint", "EventOriginalType": "", "DvcOs": "Linux",
			"TargetProcessName": image, "TargetUsername": user}
		return rows
	}
	for _, product := range []string{"Sysmon", "Security Events"} {
		row := asimSysmonProcessRow(ev, product)
		row["TargetUsername"], row["ActorUsername"], row["TargetUserSessionId"], row["ActingProcessName"] = user, parentUser, logonID, parentImage
		rows["Sysmon event 1, "+product] = row
	}
	subject := parentUser
	if strings.HasSuffix(parentUser, `\SYSTEM`) {
		subject = `CORP\WS-0417$`
	}
	for name, target := range map[string]string{"4688 (SecurityEvent)": "Nobody", "4688 (WindowsEvent)": "-"} {
		rows[name] = map[string]string{"EventVendor": "Microsoft", "EventProduct": "Security Events", "EventOriginalType": "4688", "DvcOs": "Windows",
			"TargetProcessName": image, "TargetProcessFilename": image[strings.LastIndex(image, `\`)+1:], "TargetUsername": target,
			"ActorUsername": subject, "TargetUserSessionId": "0x0", "ActingProcessName": parentImage}
	}
	row := asimDefenderProcessRow(image, image[strings.LastIndex(image, `\`)+1:], "WS-0417.corp.example")
	row["TargetUsername"], row["ActorUsername"], row["ActingProcessName"] = strings.ToLower(user), strings.ToLower(parentUser), parentImage
	if id, err := strconv.ParseInt(strings.TrimPrefix(logonID, "0x"), 16, 64); err == nil {
		row["TargetUserSessionId"] = strconv.FormatInt(id, 10)
	}
	rows["Defender"] = row
	rows["SentinelOne"] = map[string]string{"EventVendor": "SentinelOne", "EventProduct": "SentinelOne", "EventOriginalType": "Process Creation",
		"TargetProcessName": image, "TargetUsername": `CORP\alice`, "ActorUsername": `CORP\alice`, "ActingProcessName": parentImage}
	return rows
}

// TestASIMProcessUser: a rule on Sysmon's User, ParentUser or LogonId,
// compiled for sentinel-asim, decides on the rows of Microsoft's ASIM
// Sysmon parsers (Windows, both branches, and Linux) as the evaluator
// decides on the Sysmon events, and matches no row of a parser whose
// TargetUsername, ActorUsername or TargetUserSessionId is another account,
// session or another form of it (event 4688's Target account is "Nobody"
// or "-" for a process running as its creator's account, so "not User
// contains AUTHORI" would fire on a SYSTEM process there). A rule that
// reads none of them still reads every parser's rows.
func TestASIMProcessUser(t *testing.T) {
	head := "title: t\nid: 6f1c2d3e-0000-4000-8000-00000000098%d\nlogsource:\n  category: process_creation\n  product: %s\ndetection:\n"
	rules := []struct {
		product, body string
		sysmonOnly    bool
	}{
		{"windows", "  sel:\n    Image|endswith: '\\whoami.exe'\n  filter:\n    User|contains:\n      - 'AUTHORI'\n      - 'AUTORI'\n  condition: sel and not filter\n", true},
		{"windows", "  sel:\n    Image|endswith: '\\taskmgr.exe'\n    User|contains:\n      - 'AUTHORI'\n      - 'AUTORI'\n  condition: sel\n", true},
		{"linux", "  sel:\n    Image|endswith: '/bash'\n    User: 'root'\n  condition: sel\n", true},
		{"windows", "  sel:\n    Image|endswith: '\\whoami.exe'\n  condition: sel\n", false},
		// SigmaHQ's proc_creation_win_susp_child_process_as_system_, cut down.
		{"windows", "  sel:\n    ParentUser|contains:\n      - 'AUTHORI'\n      - 'AUTORI'\n    ParentUser|endswith:\n      - '\\NETWORK SERVICE'\n      - '\\LOCAL SERVICE'\n    User|contains:\n      - 'AUTHORI'\n      - 'AUTORI'\n    User|endswith: '\\SYSTEM'\n  condition: sel\n", true},
		// ...win_susp_cross_user_process_spawn: an older Sysmon writes no ParentUser.
		{"windows", "  sel:\n    Image|endswith: '\\notepad.exe'\n  filter_main_same_user:\n    User|fieldref: ParentUser\n  filter_optional_parent_null:\n    ParentUser: null\n  condition: sel and not 1 of filter_*\n", true},
		// ...win_susp_elevated_system_shell_uncommon_parent, cut down.
		{"windows", "  sel:\n    Image|endswith: '\\cmd.exe'\n    User|contains: 'AUTHORI'\n    LogonId: '0x3e7'\n  condition: sel\n", true},
		// ...win_wmiprvse_spawning_process.
		{"windows", "  sel:\n    ParentImage|endswith: '\\WmiPrvSe.exe'\n  filter_logonid:\n    LogonId:\n      - '0x3e7'\n      - 'null'\n  filter_null:\n    LogonId: null\n  condition: sel and not 1 of filter_*\n", true},
		// ...lnx_omigod_scx_runasprovider_executescript, cut down.
		{"linux", "  sel:\n    User: root\n    LogonId: 0\n    Image|endswith: '/bash'\n  condition: sel\n", true},
	}
	events := []eval.MapEvent{
		{"Image": `C:\Windows\System32\whoami.exe`, "User": `NT AUTHORITY\SYSTEM`, "ParentUser": `NT AUTHORITY\NETWORK SERVICE`, "LogonId": "0x3e7", "ParentImage": `C:\Windows\System32\wbem\WmiPrvSE.exe`, "OriginalFileName": "whoami.exe", "Company": "Microsoft Corporation", "Computer": "WS-0417.corp.example"},
		{"Image": `C:\Windows\System32\whoami.exe`, "User": `CORP\alice`, "ParentUser": `CORP\alice`, "LogonId": "0x2a41f3", "ParentImage": `C:\Windows\System32\wbem\WmiPrvSE.exe`, "OriginalFileName": "whoami.exe", "Company": "Microsoft Corporation", "Computer": "WS-0417.corp.example"},
		{"Image": `C:\Windows\System32\taskmgr.exe`, "User": `NT AUTHORITY\SYSTEM`, "ParentUser": `NT AUTHORITY\SYSTEM`, "LogonId": "0x3e7", "ParentImage": `C:\Windows\System32\svchost.exe`, "OriginalFileName": "Taskmgr.exe", "Company": "Microsoft Corporation", "Computer": "WS-0417.corp.example"},
		{"Image": `C:\Windows\System32\taskmgr.exe`, "User": `CORP\alice`, "ParentUser": `CORP\alice`, "LogonId": "0x2a41f3", "ParentImage": `C:\Windows\explorer.exe`, "OriginalFileName": "Taskmgr.exe", "Company": "Microsoft Corporation", "Computer": "WS-0417.corp.example"},
		{"Image": `C:\Windows\System32\notepad.exe`, "User": `CORP\alice`, "ParentUser": `CORP\bob`, "LogonId": "0x2a41f3", "ParentImage": `C:\Windows\explorer.exe`, "OriginalFileName": "NOTEPAD.EXE", "Company": "Microsoft Corporation", "Computer": "WS-0417.corp.example"},
		{"Image": `C:\Windows\System32\notepad.exe`, "User": `CORP\alice`, "ParentUser": `CORP\alice`, "LogonId": "0x2a41f3", "ParentImage": `C:\Windows\explorer.exe`, "OriginalFileName": "NOTEPAD.EXE", "Company": "Microsoft Corporation", "Computer": "WS-0417.corp.example"},
		{"Image": `C:\Windows\System32\notepad.exe`, "User": `CORP\alice`, "LogonId": "0x2a41f3", "ParentImage": `C:\Windows\explorer.exe`, "OriginalFileName": "NOTEPAD.EXE", "Company": "Microsoft Corporation", "Computer": "WS-0417.corp.example"},
		{"Image": `C:\Windows\System32\cmd.exe`, "User": `NT AUTHORITY\SYSTEM`, "ParentUser": `NT AUTHORITY\SYSTEM`, "LogonId": "0x3e7", "ParentImage": `C:\Users\Public\svc.exe`, "OriginalFileName": "Cmd.Exe", "Company": "Microsoft Corporation", "Computer": "WS-0417.corp.example"},
		{"Image": `C:\Windows\System32\cmd.exe`, "User": `NT AUTHORITY\SYSTEM`, "ParentUser": `NT AUTHORITY\SYSTEM`, "LogonId": "0x3e4", "ParentImage": `C:\Users\Public\svc.exe`, "OriginalFileName": "Cmd.Exe", "Company": "Microsoft Corporation", "Computer": "WS-0417.corp.example"},
		{"Image": "/usr/bin/bash", "User": "root", "ParentUser": "root", "LogonId": "0"},
		{"Image": "/usr/bin/bash", "User": "root", "ParentUser": "alice", "LogonId": "1000"},
		{"Image": "/usr/bin/bash", "User": "alice", "ParentUser": "alice", "LogonId": "1000"},
	}
	for i, r := range rules {
		prog, match, text := asimQuery(t, fmt.Sprintf(head, i, r.product)+r.body)
		matched := 0
		for _, ev := range events {
			want := prog.Match(ev)
			if want {
				matched++
			}
			for name, row := range asimProcessUserRows(ev) {
				switch {
				case strings.HasPrefix(name, "Sysmon"), !r.sysmonOnly:
					assert.Equal(t, want, match(row), "rule %d on %v (%s)\n%s", i, ev, name, text)
				default:
					assert.False(t, match(row), "rule %d on %v (%s: TargetUsername %q, ActorUsername %q, TargetUserSessionId %q, not established to be Sysmon's User, ParentUser, LogonId)\n%s",
						i, ev, name, row["TargetUsername"], row["ActorUsername"], row["TargetUserSessionId"], text)
				}
			}
		}
		assert.NotZero(t, matched, "rule %d matched no Sysmon event", i)
	}
}

// TestASIMProcessLinuxSysmon: Microsoft's ASIM parser of Sysmon for
// Linux's event 1 (vimProcessCreateLinuxSysmon.yaml and
// ASimProcessCreateLinuxSysmon.yaml) renames the event's <Computer> to
// DvcHostName, with a capital N, which Kusto holds apart from the schema's
// DvcHostname (empty on those rows of the union) and DvcFQDN (not set),
// and leaves the event's OriginalFileName ("-" on Linux) in a column of
// that name, not in TargetProcessFileOriginalName; rules on Computer and
// OriginalFileName decide on those rows as the evaluator decides on the
// Sysmon event.
func TestASIMProcessLinuxSysmon(t *testing.T) {
	head := "title: t\nid: 6f1c2d3e-0000-4000-8000-00000000099%d\nlogsource:\n  category: process_creation\n  product: linux\ndetection:\n"
	rules := []string{
		"  sel:\n    Image|endswith: '/bash'\n  filter:\n    Computer: 'build01.corp.example'\n  condition: sel and not filter\n",
		"  sel:\n    Image|endswith: '/bash'\n  filter:\n    OriginalFileName: '-'\n  condition: sel and not filter\n",
	}
	events := []eval.MapEvent{
		{"Image": "/usr/bin/bash", "Computer": "build01.corp.example", "OriginalFileName": "-", "Company": "-"},
		{"Image": "/usr/bin/bash", "Computer": "web02.corp.example", "OriginalFileName": "-", "Company": "-"},
	}
	for i, body := range rules {
		prog, match, text := asimQuery(t, fmt.Sprintf(head, i)+body)
		for _, ev := range events {
			row := map[string]string{"EventVendor": "Microsoft", "EventProduct": "Sysmon for Linux", "EventOriginalType": "1", "DvcOs": "Linux",
				"TargetProcessName": fmt.Sprint(ev["Image"]), "DvcHostName": fmt.Sprint(ev["Computer"]), "DvcHostname": "", "DvcFQDN": "",
				"OriginalFileName": fmt.Sprint(ev["OriginalFileName"]), "TargetProcessFilename": "", "TargetProcessFileOriginalName": "",
				"TargetProcessFileCompany": "", "TargetProcessCompany": fmt.Sprint(ev["Company"])}
			assert.Equal(t, prog.Match(ev), match(row), "rule %d on %v\n%s", i, ev, text)
		}
	}
}
