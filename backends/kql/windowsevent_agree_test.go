package kql_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/kql"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/eval"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/sigma"
	"github.com/detc/detc/internal/testutil"
	"github.com/detc/detc/internal/testutil/corpus"
)

// sysmonProcessRules need a field the Security log's event 4688 lacks (or
// holds in another sense: its SubjectAccount is the creator's account, not
// the new process's, which Sysmon's User is), so sentinel-csl reads them
// from Sysmon's event 1 in WindowsEvent.
var sysmonProcessRules = []string{
	"detection:\n  sel:\n    Image|endswith: '\\rundll32.exe'\n    User|contains:\n      - 'AUTHORI'\n      - 'AUTORI'\n  condition: sel",
	"detection:\n  sel:\n    OriginalFileName: 'PowerShell.EXE'\n    CommandLine|contains: ' -enc '\n  condition: sel",
	"detection:\n  sel:\n    ParentCommandLine|contains|all:\n      - 'winword'\n      - '.docm'\n  filter:\n    IntegrityLevel: 'Low'\n  condition: sel and not filter",
	"detection:\n  sel:\n    Hashes|contains: 'IMPHASH=4A07F944A83E8A7C2525EFA35DD30E2F'\n  sel_img:\n    Image|endswith: '\\rundll32.exe'\n    CurrentDirectory|startswith: 'C:\\Users\\'\n  condition: sel or sel_img",
	"detection:\n  sel:\n    Description: 'Windows Command Processor'\n    Company|contains: 'Microsoft'\n    ParentUser|endswith: '\\SYSTEM'\n  condition: sel",
}

// eventDataLift is one column of a WindowsEvent source's extend: a field
// of the event lifted from EventData under its own name.
var eventDataLift = regexp.MustCompile(`^(\w+) = to(?:string|int)\(EventData\.(\w+)\)$`)

// The WindowsEvent sources that are second alternatives.
var (
	sysmonProcess = windowsEventSource{label: "Sysmon event 1 (WindowsEvent)", filter: `Provider == "Microsoft-Windows-Sysmon" and EventID == 1`}
	securityLog   = windowsEventSource{label: "Security channel (WindowsEvent)", filter: `Channel == "Security"`}
)

type windowsEventSource struct{ label, filter string }

// TestSentinelCSLSysmonProcessAgrees: each rule, compiled for sentinel-csl
// from Sysmon's event 1 and read back with the independent reader, decides
// on the rows as the evaluator decides on Sysmon's events: the test rules
// and SigmaHQ's Windows process creation rules that read that source. The
// source's filter and extend are checked to be what the rows stand for
// (the Sysmon event 1 rows of WindowsEvent; each field lifted from
// EventData under its own name) and left out of the query.
func TestSentinelCSLSysmonProcessAgrees(t *testing.T) {
	var rules []*rule.Rule
	for i, body := range sysmonProcessRules {
		src := fmt.Sprintf("title: t\nid: 6f1c2d3e-0000-4000-8000-%012d\nlogsource:\n  category: process_creation\n  product: windows\n%s\n", 960+i, body)
		loaded, diags := sigma.LoadFiles(map[string][]byte{"t.yml": []byte(src)})
		require.False(t, diags.HasErrors(), "%v", diags)
		rules = append(rules, loaded...)
	}
	assert.Equal(t, len(sysmonProcessRules), agreeOnWindowsEvent(t, rules, "sentinel-csl", sysmonProcess, true))
}

func TestSentinelCSLSysmonProcessAgreesOnCorpus(t *testing.T) {
	var rules []*rule.Rule
	for _, r := range corpus.Rules(t) {
		if r.Aggregation == nil && r.LogSource.Category == "process_creation" && r.LogSource.Product == "windows" && !hasEmptyValue(r) {
			rules = append(rules, r)
		}
	}
	checked := agreeOnWindowsEvent(t, rules, "sentinel-csl", sysmonProcess, false)
	t.Logf("%d SigmaHQ rules compared", checked)
	assert.Greater(t, checked, 500)
}

// TestSecurityChannelAgreesOnCorpus: SigmaHQ's Security log rules that
// need a field SecurityEvent keeps no column for read the Security
// channel in WindowsEvent, in sentinel-csl and sentinel-asim, and decide
// on its rows as the evaluator decides on the events.
func TestSecurityChannelAgreesOnCorpus(t *testing.T) {
	var rules []*rule.Rule
	for _, r := range corpus.Rules(t) {
		if r.Aggregation == nil && r.LogSource.Service == "security" && r.LogSource.Product == "windows" && !hasEmptyValue(r) {
			rules = append(rules, r)
		}
	}
	for _, profile := range []string{"sentinel-csl", "sentinel-asim"} {
		checked := agreeOnWindowsEvent(t, rules, profile, securityLog, false)
		t.Logf("%s: %d SigmaHQ rules compared", profile, checked)
		assert.Greater(t, checked, 25, profile)
	}
}

// agreeOnWindowsEvent compiles each rule for profile and compares the
// query with the evaluator on rows of want, a WindowsEvent source: the
// rows are the events' fields, so the source's filter and extend are
// checked to be what the rows stand for (its events; each field lifted
// from EventData under its own name) and left out of the query. It
// returns how many rules it compared; all must read want when every is
// set, else the others are passed over, and so are rules on a field of
// another type than string (the reader's columns are strings).
func agreeOnWindowsEvent(t *testing.T, rules []*rule.Rule, profile string, want windowsEventSource, every bool) (checked int) {
	prof, err := kql.Profile(profile, nil)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(19, 23))
	hits := 0
rules:
	for _, r := range rules {
		q, err := kql.New().Compile(testutil.Checked(t, r), target.Options{Profile: profile})
		if !every && (err != nil || q.Source.Label != want.label) {
			continue
		}
		require.NoError(t, err, r.File)
		src := q.Source
		require.Equal(t, want.label, src.Label, r.File)
		filter := src.Attr("filter")
		require.Equal(t, want.filter, filter)
		for _, col := range strings.Split(src.Attr("extend"), ",") {
			if col == "" {
				continue // a source that lifts no field
			}
			m := eventDataLift.FindStringSubmatch(strings.TrimSpace(col))
			require.True(t, m != nil && m[1] == m[2], "an extend this test cannot read: %q", col)
		}
		text, found := strings.CutPrefix(withoutExtend(q.Text), "WindowsEvent\n| where "+filter+"\n")
		require.True(t, found, q.Text)
		match, err := readQuery("WindowsEvent\n" + text)
		require.NoError(t, err, q.Text)
		if hasKeyword(r) {
			continue // the reader's * is not WindowsEvent's
		}
		columns := map[string]string{}
		cands := candidates(r)
		for f := range cands {
			if f == "Message" {
				continue // the keywords' candidates
			}
			field, err := prof.Field(src, f)
			require.NoError(t, err, "%s: %s", r.File, f)
			if field.Type != "" && field.Type != "string" {
				continue rules
			}
			columns[f] = field.Names[0]
		}
		prog, diags := eval.Compile(r)
		require.False(t, diags.HasErrors(), "%v", diags)
		for i := 0; i < 300; i++ {
			ev, row := eval.MapEvent{}, map[string]string{}
			for _, f := range slices.Sorted(maps.Keys(columns)) {
				if rng.IntN(4) > 0 {
					v := cands[f][rng.IntN(len(cands[f]))]
					ev[f], row[columns[f]] = v, v
				}
			}
			want := prog.Match(ev)
			if want {
				hits++
			}
			if !assert.Equal(t, want, match(row), "%s: Sysmon event %v, row %v\n%s", r.File, ev, row, q.Text) {
				break
			}
		}
		checked++
	}
	assert.Positive(t, hits, "the events must match as well as miss")
	return checked
}

func hasKeyword(r *rule.Rule) bool {
	for _, s := range r.Searches {
		for _, g := range s.Groups {
			if slices.ContainsFunc(g.Matchers, (*rule.Matcher).IsKeyword) {
				return true
			}
		}
	}
	return false
}
