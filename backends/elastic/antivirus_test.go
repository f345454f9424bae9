package elastic

import (
	"errors"
	"fmt"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/elastic/checker"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/sigma"
	"github.com/detc/detc/internal/testutil"
	"github.com/detc/detc/internal/testutil/corpus"
)

const defenderChannel = "Microsoft-Windows-Windows Defender/Operational"

// defenderDetections are Defender events as the windows_defender data
// stream indexes them (winlog.channel, event.code,
// winlog.event_data.Threat_Name): detections (1116) and actions taken
// (1117) with threat names in Defender's form, an attack surface
// reduction event (1121) and another channel's event naming a threat.
var defenderDetections = []struct {
	id, channel, code, threat string
}{
	{"mimikatz", defenderChannel, "1116", "HackTool:Win32/Mimikatz!pz"},
	{"mimikatz-action", defenderChannel, "1117", "HackTool:Win32/Mimikatz!pz"},
	{"cobalt", defenderChannel, "1116", "Backdoor:Win64/CobaltStrike.NP!dha"},
	{"lockbit", defenderChannel, "1116", "Ransom:Win32/LockBit.AA"},
	{"chopper", defenderChannel, "1116", "Backdoor:ASP/Chopper.F!dha"},
	{"fareit", defenderChannel, "1116", "PWS:Win32/Fareit.gen!E"},
	{"agenttesla", defenderChannel, "1117", "Trojan:Win32/AgentTesla!ml"},
	{"kimsuky", defenderChannel, "1116", "Backdoor:Win32/Kimsuky.D!dha"},
	{"eicar", defenderChannel, "1116", "Virus:DOS/EICAR_Test_File"},
	{"asr", defenderChannel, "1121", "HackTool:Win32/Mimikatz!pz"},
	{"other-channel", "Security", "1116", "HackTool:Win32/Mimikatz!pz"},
}

// TestAntivirusOnLucene: rules on the threat's name, compiled for ecs,
// match on real Lucene exactly the 1116 and 1117 events of the Defender
// channel whose threat name the evaluator matches in Sigma's form
// (Signature).
func TestAntivirusOnLucene(t *testing.T) {
	var rules []*rule.Rule
	for i, body := range []string{
		"detection:\n  sel:\n    - Signature|re: 'APT\\d'\n    - Signature|contains:\n        - 'mimikatz'\n        - 'Kimsuky'\n  condition: sel",
		"detection:\n  sel:\n    Signature|startswith:\n      - 'PWS'\n      - 'Ransom:'\n  filter:\n    Signature|contains: 'Fareit'\n  condition: sel and not filter",
	} {
		src := fmt.Sprintf("title: t\nid: 6f1c2d3e-0000-4000-8000-%012d\nlogsource:\n  category: antivirus\n%s\n", 1080+i, body)
		loaded, diags := sigma.LoadFiles(map[string][]byte{"t.yml": []byte(src)})
		require.False(t, diags.HasErrors(), "%v", diags)
		rules = append(rules, loaded...)
	}
	assert.Equal(t, len(rules), antivirusOnLucene(t, rules))
}

func TestAntivirusOnLuceneCorpus(t *testing.T) {
	var rules []*rule.Rule
	for _, r := range corpus.Rules(t) {
		if r.LogSource.Category == "antivirus" {
			rules = append(rules, r)
		}
	}
	assert.Equal(t, 7, antivirusOnLucene(t, rules), "SigmaHQ's antivirus rules on the threat's name")
}

// antivirusOnLucene runs the rules that compile over defenderDetections
// and compares their matches with the evaluator's; it returns how many it
// compared.
func antivirusOnLucene(t *testing.T, rules []*rule.Rule) int {
	seg := checker.Segment{Fields: map[string]string{"winlog.channel": tKeyword, "event.code": tKeyword, "winlog.event_data.Threat_Name": tKeyword}}
	var fixtures []fixtureEvent
	for _, ev := range defenderDetections {
		seg.Events = append(seg.Events, checker.Event{ID: ev.id, Fields: [][2]string{{"winlog.channel", ev.channel}, {"event.code", ev.code}, {"winlog.event_data.Threat_Name", ev.threat}}})
		if ev.channel == defenderChannel && (ev.code == "1116" || ev.code == "1117") { // the evaluator's log source
			fixtures = append(fixtures, fixtureEvent{ID: ev.id, Fields: map[string]any{"Signature": ev.threat}})
		}
	}
	want := map[string][]string{}
	for _, r := range rules {
		c, err := compile(testutil.Checked(t, r), target.Options{Profile: "ecs", Lang: Lucene})
		if err != nil {
			continue
		}
		seg.Queries = append(seg.Queries, checker.Query{ID: r.ID, Text: c.query.Text})
		want[r.ID] = evaluatorMatches(t, r, fixtures)
	}
	results, err := luceneChecker(t).Run([]checker.Segment{seg})
	require.NoError(t, err)
	require.Len(t, results, len(seg.Queries))
	hits := 0
	for i, res := range results {
		q := seg.Queries[i]
		require.Equal(t, q.ID, res.ID)
		require.Empty(t, res.Err, q.Text)
		got := append([]string(nil), res.Matches...)
		sort.Strings(got)
		assert.Equal(t, want[q.ID], got, q.Text)
		hits += len(got)
	}
	assert.Positive(t, hits, "the events must match as well as miss")
	return len(seg.Queries)
}

// TestAntivirusFilenameRefused: no field of the data stream holds Sigma's
// Filename in one established form, so a rule on it is refused, naming
// why.
func TestAntivirusFilenameRefused(t *testing.T) {
	rules, diags := sigma.LoadFiles(map[string][]byte{"t.yml": []byte("title: t\nid: 6f1c2d3e-0000-4000-8000-000000001090\nlogsource:\n  category: antivirus\ndetection:\n  sel:\n    Filename|endswith: '.aspx'\n  condition: sel\n")})
	require.False(t, diags.HasErrors(), "%v", diags)
	_, err := New().Compile(testutil.Checked(t, rules[0]), target.Options{Profile: "ecs"})
	var refusal *target.Refusal
	require.True(t, errors.As(err, &refusal), "%v", err)
	assert.Equal(t, `field "Filename"`, refusal.Construct)
	assert.Contains(t, refusal.Reason, "no field holds Sigma's single path")
}
