package kql_test

import (
	"fmt"
	"regexp"
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
// ASIM Sysmon network session parsers return it: the process, its id and
// its user on the Dst* side when the process initiated the connection,
// on the Src* side when it did not, the other side empty
// (Azure/Azure-Sentinel Parsers/ASimNetworkSession/Parsers/
// ASimNetworkSessionMicrosoftSysmonWindowsEvent.yaml).
func asimSysmonRow(ev eval.MapEvent, initiated bool) map[string]string {
	side, other := "Src", "Dst"
	if initiated {
		side, other = "Dst", "Src"
	}
	row := map[string]string{"DstFQDN": fmt.Sprint(ev["DestinationHostname"])}
	for sysmon, asim := range map[string]string{"Image": "ProcessName", "ProcessId": "ProcessId", "User": "Username"} {
		row[side+asim] = fmt.Sprint(ev[sysmon])
		row[other+asim] = ""
	}
	return row
}

// iffNotEmpty is the one extend form the sentinel-asim network source
// uses: Name = iff(isnotempty(A), B, C).
var iffNotEmpty = regexp.MustCompile(`(\w+) = iff\(isnotempty\((\w+)\), (\w+), (\w+)\)(?:,\s*|$)`)

// TestASIMNetworkProcessEitherSide: a rule on Sysmon's Image and User,
// compiled for sentinel-asim, decides on the parser's rows as the
// evaluator decides on the Sysmon events, whichever side the parser put
// the process on (the connections a process opens are on the Dst* side).
func TestASIMNetworkProcessEitherSide(t *testing.T) {
	src := "title: t\nid: 6f1c2d3e-0000-4000-8000-000000000950\nlogsource:\n  category: network_connection\n  product: windows\n" +
		"detection:\n  sel:\n    Image|endswith: '\\powershell.exe'\n    DestinationHostname|endswith: 'discord.com'\n  filter:\n    User|contains: 'svc_'\n  condition: sel and not filter\n"
	rules, diags := sigma.LoadFiles(map[string][]byte{"t.yml": []byte(src)})
	require.False(t, diags.HasErrors(), "%v", diags)
	r := rules[0]
	q, err := kql.New().Compile(testutil.Checked(t, r), target.Options{Profile: "sentinel-asim"})
	require.NoError(t, err)
	source := q.Source

	var extend [][]string
	rest := source.Attr("extend")
	for _, m := range iffNotEmpty.FindAllStringSubmatch(rest, -1) {
		extend = append(extend, m[1:])
		rest = strings.Replace(rest, m[0], "", 1)
	}
	require.Len(t, extend, 3)
	require.Empty(t, rest, "an extend this test cannot read")
	match, err := readQuery(withoutExtend(q.Text))
	require.NoError(t, err, q.Text)
	prog, diags := eval.Compile(r)
	require.False(t, diags.HasErrors(), "%v", diags)

	matchedInitiated := false
	for _, image := range []string{`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `C:\Program Files\Google\Chrome\Application\chrome.exe`} {
		for _, user := range []string{`CORP\alice`, `CORP\svc_backup`} {
			for _, initiated := range []bool{true, false} {
				ev := eval.MapEvent{"Image": image, "User": user, "ProcessId": "4242", "DestinationHostname": "discord.com", "Initiated": fmt.Sprint(initiated)}
				row := asimSysmonRow(ev, initiated)
				for _, e := range extend {
					if row[e[1]] != "" {
						row[e[0]] = row[e[2]]
					} else {
						row[e[0]] = row[e[3]]
					}
				}
				want := prog.Match(ev)
				assert.Equal(t, want, match(row), "%v initiated=%v\n%s", ev, initiated, q.Text)
				matchedInitiated = matchedInitiated || (want && initiated)
			}
		}
	}
	assert.True(t, matchedInitiated, "no connection the process opened matched")
}
