package splunk_test

import (
	"fmt"
	"regexp"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/splunk"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/eval"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil"
)

// syslogLine is one line of a Linux syslog file as the Splunk Add-on for
// Unix and Linux indexes it: the file's source type, _raw the line.
type syslogLine struct {
	sourcetype, raw string
}

// syslogLines are lines of an authentication log (linux_secure) and a
// system log (syslog) as OpenSSH, systemd, BIND and sudo write them.
var syslogLines = []syslogLine{
	{"linux_secure", "Dec  3 10:14:22 bastion01 sshd[20147]: ssh_dispatch_run_fatal: Connection from 203.0.113.7 port 51514: Corrupted MAC on input. [preauth]"},
	{"linux_secure", "Dec  3 10:15:01 bastion01 sshd-session[20201]: ssh_dispatch_run_fatal: Connection from 203.0.113.7 port 51522: incorrect signature [preauth]"},
	{"linux_secure", "Dec  3 10:15:09 bastion01 sshd[20208]: fatal: Local: crc32 compensation attack: network attack detected"},
	{"linux_secure", "Dec  3 10:16:40 bastion01 sshd[20230]: Accepted publickey for deploy from 198.51.100.4 port 50022 ssh2: ED25519 SHA256:Yx3KcN0m0JQdZcJr7m1Xo8sJ9Wl2bB2yq6cQ0v9D4pE"},
	{"linux_secure", "Dec  3 10:16:41 bastion01 sshd[20230]: pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)"},
	// Another program's line in the same file holds the keywords: it is no
	// sshd line.
	{"linux_secure", "Dec  3 10:17:05 bastion01 sudo:   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/grep -r Corrupted MAC on input /var/log"},
	{"linux_secure", "Dec  3 10:17:30 bastion01 sudo:   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/logger Stopping firewalld for maintenance"},
	{"syslog", "Dec  3 11:02:10 fw01 systemd[1]: Stopping firewalld.service - firewalld - dynamic firewall daemon..."},
	{"syslog", "Dec  3 11:02:12 fw01 systemd[1]: STOPPING IPTABLES FIREWALL"},
	{"syslog", "Dec  3 11:02:14 fw01 systemd[1]: Started firewalld.service - firewalld - dynamic firewall daemon."},
	{"syslog", "Dec  3 11:05:44 ns1 named[812]: denied AXFR from [203.0.113.9].53211 for \"example.com\" (acl)"},
	{"syslog", "Dec  3 11:05:51 ns1 named[812]: dropping source port zero packet from 203.0.113.66#0"},
	{"syslog", "Dec  3 11:06:02 ns1 named[812]: exiting (due to fatal error)"},
	{"syslog", "Dec  3 11:06:30 ns1 named[812]: zone example.com/IN: loaded serial 2024120301"},
	// The system log holds an sshd-like message of another program: it is
	// no sshd line.
	{"syslog", "Dec  3 11:07:00 ns1 kernel: [12345.678901] audit: incorrect signature on module"},
}

// syslogHeader finds in a line the values the add-on extracts from its
// header (host, process, pid).
var syslogHeader = regexp.MustCompile(`^\w{3} [ \d]\d \d\d:\d\d:\d\d (\S+) ([^\s\[:]+)(?:\[(\d+)\])?: `)

// syslogRules are SigmaHQ's rules on the sshd and syslog services
// (lnx_sshd_susp_ssh, lnx_syslog_security_tools_disabling_syslog,
// lnx_syslog_susp_named), each with the events of its log source: the
// sshd daemon's lines of the authentication log, every line of either
// log.
var syslogRules = []struct {
	doc    string
	source func(l syslogLine, process string) bool
}{
	{`
id: sshd-errors
logsource: {product: linux, service: sshd}
detection:
  keywords:
    - 'unexpected internal error'
    - 'unknown or unsupported key type'
    - 'incorrect signature'
    - 'fatal: buffer_get_string: bad string'
    - 'Local: crc32 compensation attack'
    - 'Corrupted MAC on input'
  condition: keywords
`, func(l syslogLine, process string) bool {
		return l.sourcetype == "linux_secure" && (process == "sshd" || process == "sshd-session" || process == "sshd-auth")
	}},
	{`
id: syslog-disabling-tools
logsource: {product: linux, service: syslog}
detection:
  keywords:
    - 'stopping iptables'
    - 'stopping ip6tables'
    - 'stopping firewalld'
    - 'stopping falcon-sensor'
  condition: keywords
`, anySyslogLine},
	{`
id: syslog-named
logsource: {product: linux, service: syslog}
detection:
  keywords:
    - ' dropping source port zero packet from '
    - ' denied AXFR from '
    - ' exiting (due to fatal error)'
  condition: keywords
`, anySyslogLine},
}

// anySyslogLine: the syslog service is every line of both files.
func anySyslogLine(syslogLine, string) bool { return true }

// TestSyslogSourcesAgreeWithEvaluator: the cim profile's Linux syslog
// sources select the lines of their service, and the keyword search over
// _raw finds in them what the evaluator finds in the line, and nothing in
// the other lines. The evaluator's event is the line: Sigma's keywords on
// a syslog source search the line as the daemon wrote it (the named
// rule's ' denied AXFR from ' holds the space after the line's tag, so
// the message after the header alone never holds it).
func TestSyslogSourcesAgreeWithEvaluator(t *testing.T) {
	b := splunk.New()
	var indexed []splEvent
	events := map[int]eval.MapEvent{}
	process := map[int]string{}
	for i, l := range syslogLines {
		m := syslogHeader.FindStringSubmatch(l.raw)
		require.NotNil(t, m, l.raw)
		id := fmt.Sprint(i)
		ev := splEvent{"_id": {id}, "_raw": {l.raw}, "sourcetype": {l.sourcetype}, "host": {m[1]}, "process": {m[2]},
			"source": {map[string]string{"linux_secure": "/var/log/secure", "syslog": "/var/log/messages"}[l.sourcetype]}}
		if m[3] != "" {
			ev["pid"] = []string{m[3]}
		}
		indexed = append(indexed, ev)
		events[i] = eval.MapEvent{"line": l.raw}
		process[i] = m[2]
	}
	var parts []testutil.Part
	for _, tt := range syslogRules {
		r := testRule(t, tt.doc)
		q, err := b.Compile(testutil.Checked(t, r), target.Options{})
		require.NoError(t, err)
		parts = append(parts, testutil.Part{Name: r.ID, Text: fmt.Sprintf("=== %s\n%s\n\n", r.ID, q.Text)})
		t.Run(r.ID, func(t *testing.T) {
			prog, diags := eval.Compile(r)
			require.False(t, diags.HasErrors(), diags.Error())
			var want []string
			for i, l := range syslogLines {
				if tt.source(l, process[i]) && prog.Match(events[i]) {
					want = append(want, fmt.Sprint(i))
				}
			}
			require.NotEmpty(t, want, "the fixture lines must hold a match")
			got := matchedIDs(t, q.Text, indexed)
			sort.Strings(want)
			assert.Equal(t, want, got, q.Text)
		})
	}
	testutil.GoldenParts(t, "queries/syslog-cim.spl", parts)
}

// TestSyslogSelectionFields: the sshd source selects on process, which the
// add-on extracts from linux_secure lines (addons.txt [U]).
func TestSyslogSelectionFields(t *testing.T) {
	alts, err := cimProfile(t).Alternatives(rule.LogSource{Product: "linux", Service: "sshd"})
	require.NoError(t, err)
	require.Len(t, alts, 1)
	src := alts[0]
	fields := prefixFields(src)
	require.Contains(t, fields, "process")
	s := loadSchemas(t)
	for name := range fields {
		if name == "sourcetype" {
			continue
		}
		why, unverified := s.Check(src, name)
		assert.Empty(t, why, name)
		assert.False(t, unverified, name)
	}
}
