package kql_test

import (
	"maps"
	"math/rand/v2"
	"slices"
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

// syslogRow is one Syslog table row as the Syslog connector writes it: the
// program's name, pid and facility in their columns, the text after
// "program[pid]: " in SyslogMessage, and the connector's own columns.
func syslogRow(facility, severity, process, pid, message string) map[string]string {
	return map[string]string{
		"TimeGenerated": "2026-03-02T09:14:07Z",
		"Computer":      "web-01",
		"HostName":      "web-01",
		"HostIP":        "10.20.0.14",
		"Facility":      facility,
		"SeverityLevel": severity,
		"ProcessName":   process,
		"ProcessID":     pid,
		"SyslogMessage": message,
		"SourceSystem":  "Linux",
		"Type":          "Syslog",
	}
}

// syslogCase is a row of the Syslog table, whether the source a service
// reads holds it, and whether the rule matches it.
type syslogCase struct {
	row      map[string]string
	inSource bool
	want     bool
}

// syslogServices are the Linux syslog services the Sentinel profiles read
// from the Syslog table: the filter each reads, a rule in the shape of
// SigmaHQ's (keywords), and realistic rows in and out of the source.
var syslogServices = []struct {
	service string
	filter  string
	rule    string
	cases   []syslogCase
}{
	{
		service: "sshd",
		filter:  `ProcessName in ("sshd", "sshd-session", "sshd-auth")`,
		rule:    "detection:\n  keywords:\n    - 'Corrupted MAC on input'\n    - 'incorrect signature'\n  condition: keywords",
		cases: []syslogCase{
			{syslogRow("auth", "info", "sshd", "20417", "Corrupted MAC on input. [preauth]"), true, true},
			{syslogRow("auth", "err", "sshd-session", "3120", "ssh_dispatch_run_fatal: Connection from 203.0.113.7 port 50022: incorrect signature [preauth]"), true, true},
			{syslogRow("auth", "err", "sshd-auth", "3121", "ssh_dispatch_run_fatal: Connection from 203.0.113.7 port 50030: Incorrect signature [preauth]"), true, true},
			{syslogRow("auth", "info", "sshd", "20502", "Accepted publickey for alice from 10.0.0.5 port 51234 ssh2: ED25519 SHA256:Jf3kQ0yV1nR7cW9uX2pL8mB4tH6sD5aE0gZ1oK3iN7c"), true, false},
			{syslogRow("kern", "warning", "kernel", "", "tls: incorrect signature on record from 198.51.100.4"), false, false},
		},
	},
	{
		service: "cron",
		filter:  `Facility == "cron"`,
		rule:    "detection:\n  keywords:\n    - 'REPLACE'\n  condition: keywords",
		cases: []syslogCase{
			{syslogRow("cron", "info", "crontab", "3310", "(root) REPLACE (root)"), true, true},
			{syslogRow("cron", "info", "crontab", "3402", "(alice) REPLACE (alice)"), true, true},
			{syslogRow("cron", "info", "CRON", "3415", "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)"), true, false},
			{syslogRow("authpriv", "notice", "sudo", "3500", "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/sed -i s/REPLACE/x/ /etc/app.conf"), false, false},
		},
	},
	{
		service: "syslog",
		filter:  "",
		rule:    "detection:\n  keywords:\n    - 'stopping firewalld'\n    - 'entered promiscuous mode'\n  filter:\n    - 'docker0'\n  condition: keywords and not filter",
		cases: []syslogCase{
			{syslogRow("daemon", "info", "systemd", "1", "Stopping firewalld - dynamic firewall daemon..."), true, true},
			{syslogRow("kern", "info", "kernel", "", "device eth0 entered promiscuous mode"), true, true},
			{syslogRow("kern", "info", "kernel", "", "device docker0 entered promiscuous mode"), true, false},
			{syslogRow("daemon", "info", "systemd", "1", "Started firewalld - dynamic firewall daemon."), true, false},
		},
	},
	{
		service: "guacamole",
		filter:  `ProcessName == "guacd"`,
		rule:    "detection:\n  selection:\n    - '(2 users now present)'\n  condition: selection",
		cases: []syslogCase{
			{syslogRow("daemon", "info", "guacd", "24743", "INFO:\tUser \"@63102f19-eff4-412e-b1f9-718405f55782\" joined connection \"$24f67856-f050-4a17-83eb-9101a0cd8869\" (2 users now present)"), true, true},
			{syslogRow("daemon", "info", "guacd", "24743", "INFO:\tUser \"@963039b6-a85a-4f8b-aa18-4b504cfbe3b8\" joined connection \"$76d4876b-22de-4000-b81a-747f2e9904df\" (1 users now present)"), true, false},
			{syslogRow("user", "info", "tomcat9", "811", "session shared (2 users now present)"), false, false},
		},
	},
	{
		service: "vsftpd",
		filter:  `ProcessName == "vsftpd"`,
		rule:    "detection:\n  keywords:\n    - 'Connection refused: too many sessions for this address.'\n    - 'Input line too long.'\n  condition: keywords",
		cases: []syslogCase{
			{syslogRow("ftp", "warning", "vsftpd", "912", "Connection refused: too many sessions for this address."), true, true},
			{syslogRow("ftp", "info", "vsftpd", "913", "[ftpuser] OK LOGIN: Client \"::ffff:198.51.100.20\""), true, false},
		},
	},
	{
		service: "clamav",
		filter:  `ProcessName == "clamd"`,
		rule:    "detection:\n  keywords:\n    - 'Win.Test.EICAR_HDB-1 FOUND'\n  condition: keywords",
		cases: []syslogCase{
			{syslogRow("local6", "info", "clamd", "733", "/srv/upload/invoice.pdf.exe: Win.Test.EICAR_HDB-1 FOUND"), true, true},
			{syslogRow("local6", "info", "clamd", "733", "/srv/upload/report.pdf: OK"), true, false},
			{syslogRow("mail", "info", "postfix/smtpd", "2201", "NOQUEUE: reject: milter said Win.Test.EICAR_HDB-1 FOUND"), false, false},
		},
	},
}

var sentinelProfiles = []string{"sentinel-asim", "sentinel-csl"}

// TestSentinelSyslogSources: both Sentinel profiles read each service from
// the Syslog table with the same filter, connector and entities, so the
// copies in the two files cannot drift, and neither maps auditd, whose
// way into the table no published source establishes.
func TestSentinelSyslogSources(t *testing.T) {
	for _, profile := range sentinelProfiles {
		prof, err := kql.Profile(profile, nil)
		require.NoError(t, err)
		for _, svc := range syslogServices {
			alts, err := prof.Alternatives(rule.LogSource{Product: "linux", Service: svc.service})
			require.NoError(t, err, "%s %s", profile, svc.service)
			require.Len(t, alts, 1)
			src := alts[0]
			assert.Equal(t, rule.LogSource{Product: "linux", Service: svc.service}, src.LogSource)
			assert.Equal(t, map[string]string{"table": "Syslog", "filter": svc.filter, "connector": "Syslog", "entities": "Host:HostName=Computer", "keyword_header": "host program[pid]: "},
				withoutEmpty(src.Attrs), "%s %s", profile, svc.service)
		}
		_, err = prof.Alternatives(rule.LogSource{Product: "linux", Service: "auditd"})
		var me *mapping.MappingError
		require.ErrorAs(t, err, &me, profile)
		assert.Contains(t, me.Reason, "no source for log source product=linux,service=auditd")
	}
}

// withoutEmpty leaves out unset attributes, so that a source without a
// filter compares with the table's filter "".
func withoutEmpty(attrs map[string]string) map[string]string {
	out := map[string]string{"filter": ""}
	for k, v := range attrs {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// TestSentinelSyslogServicesAgree: each service's rule, compiled for both
// Sentinel profiles and read back with the independent reader, decides on
// realistic Syslog rows as the evaluator decides on the same rows as
// events, for the rows the service's source holds, and matches no row
// outside it; then on rows whose message and host are made from the
// rule's values. Every query binds in Kusto.Language with the workspace's
// Syslog table.
func TestSentinelSyslogServicesAgree(t *testing.T) {
	check := newChecker(t)
	rng := rand.New(rand.NewPCG(29, 31))
	for i, svc := range syslogServices {
		r := snippetRule(t, 990+i, "product: linux\n  service: "+svc.service+"\n"+svc.rule)
		prog, diags := eval.Compile(r)
		require.False(t, diags.HasErrors(), "%v", diags)
		for _, profile := range sentinelProfiles {
			t.Run(profile+" "+svc.service, func(t *testing.T) {
				q, err := kql.New().Compile(testutil.Checked(t, r), target.Options{Profile: profile})
				require.NoError(t, err)
				head := "Syslog\n"
				if svc.filter != "" {
					head += "| where " + svc.filter + "\n"
				}
				require.True(t, strings.HasPrefix(q.Text, head), q.Text)
				check.add(t, profile+" "+svc.service, q, q.Text, nil)
				match, err := readQuery(q.Text)
				require.NoError(t, err, q.Text)
				for _, c := range svc.cases {
					assert.Equal(t, c.want, match(c.row), "query on %v\n%s", c.row, q.Text)
					if c.inSource {
						assert.Equal(t, c.want, prog.Match(eval.MapEvent(stringMap(c.row))), "evaluator on %v", c.row)
					} else {
						assert.True(t, prog.Match(eval.MapEvent(stringMap(c.row))), "the rule alone matches %v: the source's filter is what leaves it out", c.row)
					}
				}
				agreeOnSyslogRows(t, rng, q.Text, prog, candidates(r)["Message"], svc.cases[0].row)
			})
		}
	}
	check.requireClean(t)
}

// TestSentinelSyslogServicesAgreeOnCorpus: SigmaHQ's rules on these
// services that compile decide on rows made from their keywords as the
// evaluator decides; wildcards inside a keyword (the clamav and vsftpd
// rules) and keywords that begin with a space (the named rule's
// ' denied AXFR from ', which the logged line holds right after
// "named[812]:", where SyslogMessage begins) are refused.
func TestSentinelSyslogServicesAgreeOnCorpus(t *testing.T) {
	rng := rand.New(rand.NewPCG(37, 41))
	services := map[string]map[string]string{}
	for _, svc := range syslogServices {
		services[svc.service] = svc.cases[0].row
	}
	for _, profile := range sentinelProfiles {
		compiled, refused := 0, 0
		for _, r := range corpus.Rules(t) {
			base, ok := services[strings.ToLower(r.LogSource.Service)]
			if !ok || !strings.EqualFold(r.LogSource.Product, "linux") || r.LogSource.Category != "" {
				continue
			}
			q, err := kql.New().Compile(testutil.Checked(t, r), target.Options{Profile: profile})
			if err != nil {
				var ref *target.Refusal
				require.ErrorAs(t, err, &ref, r.File)
				assert.True(t, strings.Contains(ref.Reason, "wildcards inside a keyword") || strings.Contains(ref.Reason, "a keyword that holds part of the tag"), "%s: %s", r.File, ref.Reason)
				refused++
				continue
			}
			prog, diags := eval.Compile(r)
			require.False(t, diags.HasErrors(), "%v", diags)
			agreeOnSyslogRows(t, rng, q.Text, prog, candidates(r)["Message"], base)
			compiled++
		}
		t.Logf("%s: %d SigmaHQ syslog service rules compared, %d refused", profile, compiled, refused)
		assert.Equal(t, 4, compiled, profile)
		assert.Equal(t, 3, refused, profile)
	}
}

// agreeOnSyslogRows compares the query with the evaluator on rows of the
// service's source (base's columns) whose message, and sometimes host
// name, is one of the rule's keyword candidates.
func agreeOnSyslogRows(t *testing.T, rng *rand.Rand, text string, prog *eval.Program, messages []string, base map[string]string) {
	t.Helper()
	match, err := readQuery(text)
	require.NoError(t, err, text)
	hits := 0
	for i := 0; i < 300; i++ {
		row := maps.Clone(base)
		row["SyslogMessage"] = messages[rng.IntN(len(messages))]
		if rng.IntN(5) == 0 {
			row["Computer"] = messages[rng.IntN(len(messages))]
		}
		want := prog.Match(eval.MapEvent(stringMap(row)))
		if want {
			hits++
		}
		if !assert.Equal(t, want, match(row), "row %v\n%s", row, text) {
			return
		}
	}
	assert.Positive(t, hits, "the rows must match as well as miss:\n%s", text)
}

func stringMap(row map[string]string) map[string]any {
	out := make(map[string]any, len(row))
	for _, k := range slices.Sorted(maps.Keys(row)) {
		out[k] = row[k]
	}
	return out
}

// TestSentinelSyslogKeywordAcrossHeader: the Syslog table keeps the text
// after "program[pid]: " in SyslogMessage and the program and host in
// their own columns, so a keyword that the logged line holds only across
// that boundary is in no column. Such keywords are refused; keywords that
// lie inside the message compile.
func TestSentinelSyslogKeywordAcrossHeader(t *testing.T) {
	tests := []struct {
		keyword string
		refused bool
	}{
		{"' denied AXFR from '", true},        // the line: "named[812]: denied AXFR from ..."
		{"'\tdenied'", true},                  // any white space first
		{"'named[812]: denied'", true},        // the tag's end inside the keyword
		{"': Accepted publickey'", true},      // the line: "sshd[5617]: Accepted publickey ..."
		{"']: Accepted'", true},               // from the pid's bracket on
		{"'sshd[5617]:'", true},               // the tag's end, the message not reached
		{"'sshd['", true},                     // program and pid are two columns
		{"'sshd[5617]'", true},                // ProcessID holds 5617 without brackets
		{"'denied AXFR from '", false},        // inside the message
		{"'fatal: buffer_get_string'", false}, // ": " without the tag's "]"
	}
	for _, profile := range sentinelProfiles {
		for i, tc := range tests {
			t.Run(profile+" "+tc.keyword, func(t *testing.T) {
				r := snippetRule(t, 970+i, "product: linux\n  service: syslog\ndetection:\n  keywords:\n    - "+tc.keyword+"\n  condition: keywords")
				_, err := kql.New().Compile(testutil.Checked(t, r), target.Options{Profile: profile})
				if !tc.refused {
					require.NoError(t, err)
					return
				}
				var ref *target.Refusal
				require.ErrorAs(t, err, &ref)
				assert.Contains(t, ref.Reason, `"host program[pid]: " before its message`)
			})
		}
	}
}
