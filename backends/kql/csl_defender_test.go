package kql_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/kql"
	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/eval"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil"
	"github.com/detc/detc/internal/testutil/corpus"
)

// cslDefenderSources are the log sources sentinel-csl reads from the
// Defender XDR connector's tables (Defender for Endpoint on Linux and
// macOS, Defender Antivirus's detections), as the defender-xdr profile
// reads them.
var cslDefenderSources = []rule.LogSource{
	{Category: "process_creation", Product: "linux"},
	{Category: "process_creation", Product: "macos"},
	{Category: "file_event", Product: "linux"},
	{Category: "file_event", Product: "macos"},
	{Category: "network_connection", Product: "linux"},
	{Category: "antivirus"},
}

// TestCslDefenderSourcesMatchDefenderXDR: for these log sources the two
// profiles read the same table the same way (filter, extend, connector,
// entities) and map every field alike, so the copy in sentinel-csl.yml
// cannot drift from defender-xdr.yml.
func TestCslDefenderSourcesMatchDefenderXDR(t *testing.T) {
	csl, err := kql.Profile("sentinel-csl", nil)
	require.NoError(t, err)
	xdr, err := kql.Profile("defender-xdr", nil)
	require.NoError(t, err)
	for _, ls := range cslDefenderSources {
		t.Run(mapping.Describe(ls), func(t *testing.T) {
			cs, err := csl.Alternatives(ls)
			require.NoError(t, err)
			ds, err := xdr.Alternatives(ls)
			require.NoError(t, err)
			require.Len(t, cs, 1)
			require.Len(t, ds, 1)
			c, d := cs[0], ds[0]
			assert.Equal(t, ls, c.LogSource, "sentinel-csl must read its own source for the product, not another product's")
			assert.NotEmpty(t, c.Attr("table"))
			assert.Equal(t, d.Attrs, c.Attrs)
			assert.Equal(t, csl.FieldNames(c), xdr.FieldNames(d))
			for _, name := range xdr.FieldNames(d) {
				want, wantErr := xdr.Field(d, name)
				got, gotErr := csl.Field(c, name)
				assert.Equal(t, want, got, name)
				assert.Equal(t, reason(wantErr), reason(gotErr), name)
			}
		})
	}
}

// reason is a field's refusal reason, "" when it is mapped.
func reason(err error) string {
	if err == nil {
		return ""
	}
	return mapping.Reason(err)
}

// unixRules are Linux and macOS rules on the sources sentinel-csl reads
// from Defender's tables, in the shapes SigmaHQ's rules take.
var unixRules = []string{
	"product: linux\n  category: process_creation\ndetection:\n  sel:\n    Image|endswith: '/crontab'\n    CommandLine|contains: ' -r'\n  filter:\n    ParentImage|startswith: '/usr/lib/'\n  condition: sel and not filter",
	"product: macos\n  category: process_creation\ndetection:\n  sel:\n    Image: '/usr/bin/osascript'\n    CommandLine|contains|all:\n      - 'display dialog'\n      - 'password'\n  condition: sel",
	"product: linux\n  category: file_event\ndetection:\n  sel:\n    TargetFilename|startswith:\n      - '/etc/cron.d/'\n      - '/var/spool/cron/'\n  filter:\n    Image: '/usr/sbin/anacron'\n  condition: sel and not filter",
	"product: macos\n  category: file_event\ndetection:\n  sel:\n    TargetFilename|contains: '/Library/LaunchAgents/'\n    TargetFilename|endswith: '.plist'\n  condition: sel",
	"product: linux\n  category: network_connection\ndetection:\n  sel:\n    Image|endswith:\n      - '/nc'\n      - '/ncat'\n    Initiated: 'true'\n    DestinationHostname|endswith: '.onion'\n  condition: sel",
}

// TestCslUnixRulesAgreeWithEvaluator: Linux and macOS rules compiled for
// sentinel-csl and read back decide on Defender's rows as the evaluator
// decides on the rule's events: the rules above and SigmaHQ's that
// compile.
func TestCslUnixRulesAgreeWithEvaluator(t *testing.T) {
	rules := snippetRules(t, 950, "", unixRules)
	assert.Equal(t, len(unixRules), agreeOnDefender(t, "sentinel-csl", rules))
}

func TestCslUnixRulesAgreeWithEvaluatorOnCorpus(t *testing.T) {
	var rules []*rule.Rule
	for _, r := range corpus.Rules(t) {
		for _, ls := range cslDefenderSources {
			if strings.EqualFold(r.LogSource.Category, ls.Category) && strings.EqualFold(r.LogSource.Product, ls.Product) && r.Aggregation == nil {
				rules = append(rules, r)
			}
		}
	}
	checked := agreeOnDefender(t, "sentinel-csl", rules)
	t.Logf("%d of %d SigmaHQ Linux and macOS rules compared", checked, len(rules))
	assert.GreaterOrEqual(t, checked, 100)
}

// TestUnixUserRefused: Sysmon for Linux writes User as the bare user name
// (SigmaHQ's Linux rules compare User: root), while the Windows source's
// User is DOMAIN\name rebuilt from Defender's AccountDomain and
// AccountName, which such a value never equals: both profiles refuse User
// on Linux and macOS process creation instead of compiling a comparison
// that can never match, and Windows rules keep DOMAIN\name.
func TestUnixUserRefused(t *testing.T) {
	load := func(product string, n int) *rule.Rule {
		return snippetRule(t, n, "product: "+product+"\n  category: process_creation\ndetection:\n  sel:\n    User: root\n  condition: sel")
	}
	for _, profile := range []string{"defender-xdr", "sentinel-csl"} {
		for i, product := range []string{"linux", "macos"} {
			t.Run(profile+" "+product, func(t *testing.T) {
				_, err := kql.New().Compile(testutil.Checked(t, load(product, 970+i)), target.Options{Profile: profile})
				var ref *target.Refusal
				require.ErrorAs(t, err, &ref)
				assert.Contains(t, ref.Reason, "bare user name")
				assert.Equal(t, 8, ref.Pos.Line)
			})
		}
	}
	q, err := kql.New().Compile(testutil.Checked(t, load("windows", 972)), target.Options{Profile: "defender-xdr"})
	require.NoError(t, err)
	assert.Contains(t, q.Text, `User = strcat(AccountDomain, "\\", AccountName)`)
}

// TestNetworkSidesAgreeWithEvaluator: Sysmon's Source*/Destination* on
// Defender's Local*/Remote*, on connections the host opened and accepted.
// Sysmon for Windows writes the host's own end as Source* either way (an
// accepted SMB connection: SourcePort 445 on the server, the client as
// Destination); Sysmon for Linux reports accept()'s peer as the source
// and the listening end as the destination (SysmonForLinux
// processNetworkEvent). Each rule, compiled for both profiles and read
// back with the profile's extend evaluated on the row, decides on the
// Defender row as the evaluator decides on the Sysmon event.
func TestNetworkSidesAgreeWithEvaluator(t *testing.T) {
	bodies := []string{
		"category: network_connection\ndetection:\n  sel:\n    DestinationPort: 4444\n  condition: sel",
		"category: network_connection\ndetection:\n  sel:\n    SourcePort: 4444\n  condition: sel",
		"category: network_connection\ndetection:\n  sel:\n    DestinationIp|cidr: '203.0.113.0/24'\n  condition: sel",
		"category: network_connection\ndetection:\n  sel:\n    Image|endswith: '/bash'\n  filter:\n    SourceIp|cidr: '10.0.0.0/8'\n  condition: sel and not filter",
	}
	local, remote := map[string]string{"ip": "10.0.0.5", "port": "4444"}, map[string]string{"ip": "203.0.113.9", "port": "51000"}
	rows := []struct {
		action   string
		initiate bool
	}{{"ConnectionSuccess", true}, {"InboundConnectionAccepted", false}}
	for _, product := range []string{"windows", "linux"} {
		for i, body := range bodies {
			r := snippetRule(t, 980+i, "product: "+product+"\n  "+body)
			prog, diags := eval.Compile(r)
			require.False(t, diags.HasErrors(), "%v", diags)
			for _, profile := range []string{"defender-xdr", "sentinel-csl"} {
				q, err := kql.New().Compile(testutil.Checked(t, r), target.Options{Profile: profile})
				if profile == "sentinel-csl" && product == "windows" {
					continue // sentinel-csl reads Windows connections from Sysmon's own events
				}
				require.NoError(t, err)
				match, err := readQuery(withoutExtend(q.Text))
				require.NoError(t, err, q.Text)
				names, exprs, err := extendColumns(q.Source.Attr("extend"))
				require.NoError(t, err)
				for _, rw := range rows {
					src, dst := local, remote
					if product == "linux" && !rw.initiate {
						src, dst = remote, local
					}
					ev := eval.MapEvent{"Image": "/usr/bin/bash", "Initiated": fmt.Sprint(rw.initiate),
						"SourceIp": src["ip"], "SourcePort": src["port"], "DestinationIp": dst["ip"], "DestinationPort": dst["port"]}
					row := map[string]string{"ActionType": rw.action, "InitiatingProcessFolderPath": "/usr/bin/bash",
						"LocalIP": local["ip"], "LocalPort": local["port"], "RemoteIP": remote["ip"], "RemotePort": remote["port"], "RemoteUrl": ""}
					for j, name := range names {
						if v := exprs[j](row); v.kind == 's' {
							row[name] = v.s
						}
					}
					assert.Equal(t, prog.Match(ev), match(row), "%s %s %s: %s\nevent %v\nrow %v", profile, product, rw.action, body, ev, row)
				}
			}
		}
	}
}
