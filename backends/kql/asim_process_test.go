package kql_test

import (
	"fmt"
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
