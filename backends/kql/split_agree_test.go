package kql_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
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

// splitRules compare the fields defender-xdr splits: Sysmon's Hashes into
// the MD5, SHA1 and SHA256 columns, DOMAIN\name into the initiating
// process's account domain and name, a process's or driver's path into its
// file name, and the access mask Defender keeps as a number.
var splitRules = []string{
	"category: process_creation\ndetection:\n  sel:\n    Hashes|contains:\n      - 'MD5=09D278F9DE118EF09163C6140255C690'\n      - 'SHA256=6C0D4B1C1F6F1C8A0C2A5D6E1B0A9F8E7D6C5B4A392817160504F3E2D1C0B0A9'\n    CommandLine|contains: ' -x '\n  condition: sel",
	"category: process_creation\ndetection:\n  sel:\n    ParentUser|contains:\n      - 'AUTHORI'\n      - 'AUTORI'\n  filter:\n    Hashes|contains: 'SHA1=0A1B2C3D4E5F60718293A4B5C6D7E8F901234567'\n  condition: sel and not filter",
	"category: file_event\ndetection:\n  sel:\n    User: 'NT AUTHORITY\\SYSTEM'\n    TargetFilename|endswith: '.exe'\n  condition: sel",
	"category: file_event\ndetection:\n  sel:\n    User|endswith: '\\SYSTEM'\n  filter:\n    User|startswith: 'NT AUTHORITY\\NETWORK'\n  condition: sel and not filter",
	"category: image_load\ndetection:\n  sel:\n    Hashes|contains|all:\n      - 'SHA1=0A1B2C3D4E5F60718293A4B5C6D7E8F901234567'\n      - 'MD5=FEDCBA98765432100123456789ABCDEF'\n  condition: sel",
	"category: process_access\ndetection:\n  sel:\n    TargetImage|endswith: '\\lsass.exe'\n    GrantedAccess:\n      - '0x1010'\n      - '0x1FFFFF'\n  filter:\n    SourceUser|contains: 'AUTHORI'\n  condition: sel and not filter",
	"category: process_access\ndetection:\n  sel:\n    TargetImage|endswith:\n      - '\\calc.exe'\n      - 'vcredist_x64.exe'\n    GrantedAccess|endswith:\n      - '10'\n      - 'FF'\n  filter:\n    GrantedAccess|startswith: '0x80000000'\n  condition: sel and not filter",
	"category: driver_load\ndetection:\n  sel:\n    - ImageLoaded|endswith:\n        - '\\gdrv.sys'\n        - '\\RTCore64.sys'\n    - Hashes|contains: 'SHA1=0A1B2C3D4E5F60718293A4B5C6D7E8F901234567'\n  condition: sel",
	"category: create_remote_thread\ndetection:\n  sel:\n    TargetImage|endswith:\n      - '\\lsass.exe'\n      - 'svchost.exe'\n  filter:\n    SourceImage|endswith: '\\MsMpEng.exe'\n  condition: sel and not filter",
}

// TestDefenderSplitsAgreeWithEvaluator: each rule, compiled for
// defender-xdr and read back with the independent reader, decides on
// Defender's rows (hashes one column per algorithm in lower case, the
// account's domain and name apart) as the evaluator decides on Sysmon's
// events (Hashes as SHA1=...,MD5=... in any order and subset, User as
// DOMAIN\name): the test rules and SigmaHQ's that compile. The profile's
// extend is left out of the query: the row holds its result, Defender's
// own User column of process creation as given, process access's
// GrantedAccess as the extend expression computes it from the row's
// AdditionalFields (extend_eval_test.go).
func TestDefenderSplitsAgreeWithEvaluator(t *testing.T) {
	rules := snippetRules(t, 900, "product: windows\n  ", splitRules)
	assert.Equal(t, len(splitRules), agreeOnDefender(t, "defender-xdr", rules))
}

func TestDefenderSplitsAgreeWithEvaluatorOnCorpus(t *testing.T) {
	var rules []*rule.Rule
	for _, r := range corpus.Rules(t) {
		fields := corpus.Fields(r)
		if r.Aggregation == nil && (slices.Contains(fields, "Hashes") || slices.Contains(fields, "ParentUser") ||
			(slices.Contains(fields, "User") && r.LogSource.Category != "process_creation") ||
			r.LogSource.Category == "process_access" || r.LogSource.Category == "driver_load" || r.LogSource.Category == "create_remote_thread") {
			rules = append(rules, r)
		}
	}
	checked := agreeOnDefender(t, "defender-xdr", rules)
	t.Logf("%d SigmaHQ rules compared", checked)
	assert.GreaterOrEqual(t, checked, 10)
}

// remoteHostRules compare Sysmon's DestinationHostname and a proxy's
// host with Defender's RemoteUrl, which holds the bare host name or a URL
// (scheme, host, port, path): equality, endswith and a filter, as detc's
// own webhook pack and SigmaHQ's rules use them.
var remoteHostRules = []string{
	"category: network_connection\ndetection:\n  sel:\n    Initiated: 'true'\n    DestinationHostname|endswith:\n      - '.discord.com'\n      - 'hooks.slack.com'\n  filter:\n    Image|endswith: '\\chrome.exe'\n  condition: sel and not filter",
	"category: network_connection\ndetection:\n  sel:\n    DestinationHostname:\n      - 'discord.com'\n      - 'webhook.site'\n  condition: sel",
	"category: network_connection\ndetection:\n  sel:\n    Image|endswith: '\\powershell.exe'\n  filter:\n    DestinationHostname|endswith: '.microsoft.com'\n  condition: sel and not filter",
	"category: proxy\ndetection:\n  sel:\n    cs-host|endswith:\n      - '.webhook.office.com'\n      - 'discord.com'\n  condition: sel",
	"category: proxy\ndetection:\n  sel:\n    r-dns|endswith: '.slack.com'\n  filter:\n    r-dns: 'status.slack.com'\n  condition: sel and not filter",
}

// TestDefenderRemoteHostAgreesWithEvaluator: a rule on the host name of
// the other end, compiled for defender-xdr and read back, decides on
// Defender's rows whose RemoteUrl is the bare name or a URL with a
// scheme, a port and a path as the evaluator decides on the Sysmon event
// or proxy line with the bare host name; SigmaHQ's rules on
// DestinationHostname too.
func TestDefenderRemoteHostAgreesWithEvaluator(t *testing.T) {
	rules := snippetRules(t, 950, "product: windows\n  ", remoteHostRules)
	assert.Equal(t, len(remoteHostRules), agreeOnDefender(t, "defender-xdr", rules))
}

func TestDefenderRemoteHostAgreesWithEvaluatorOnCorpus(t *testing.T) {
	var rules []*rule.Rule
	for _, r := range corpus.Rules(t) {
		fields := corpus.Fields(r)
		if r.Aggregation == nil && (slices.Contains(fields, "DestinationHostname") || slices.Contains(fields, "cs-host") || slices.Contains(fields, "r-dns")) {
			rules = append(rules, r)
		}
	}
	checked := agreeOnDefender(t, "defender-xdr", rules)
	t.Logf("%d SigmaHQ rules compared", checked)
	assert.GreaterOrEqual(t, checked, 10)
}

var filterAction = regexp.MustCompile(`^ActionType == "([A-Za-z]+)"$`)

// agreeOnDefender compares rules compiled for a profile that reads
// Defender's tables (defender-xdr, or sentinel-csl for Linux and macOS)
// with the evaluator, and returns how many it compared: those that
// compile, whose source's filter is one ActionType and whose other fields
// are string columns.
func agreeOnDefender(t *testing.T, profile string, rules []*rule.Rule) (checked int) {
	prof, err := kql.Profile(profile, nil)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(13, 17))
	hits := 0
rules:
	for _, r := range rules {
		q, err := kql.New().Compile(testutil.Checked(t, r), target.Options{Profile: profile})
		if err != nil {
			continue
		}
		src := q.Source
		action := ""
		if f := src.Attr("filter"); f != "" {
			m := filterAction.FindStringSubmatch(f)
			if m == nil {
				continue
			}
			action = m[1]
		}
		columns := map[string]string{}
		cands := candidates(r)
		for f := range cands {
			if f == "Hashes" || f == "Message" || f == "GrantedAccess" || remoteHostFields[f] || isAccount(prof, src, f) || fileNameOf(prof, src, f) != "" {
				continue
			}
			field, err := prof.Field(src, f)
			if err != nil || (field.Type != "" && field.Type != "string") {
				continue rules
			}
			columns[f] = field.Names[0]
		}
		match, err := readQuery(withoutExtend(q.Text))
		require.NoError(t, err, q.Text)
		prog, diags := eval.Compile(r)
		require.False(t, diags.HasErrors(), "%v", diags)
		var grantedAccess xnode
		if cands["GrantedAccess"] != nil {
			grantedAccess, err = extendColumn(src.Attr("extend"), "GrantedAccess")
			require.NoError(t, err)
		}
		hostColumns, hostExtends := map[string]string{}, map[string]xnode{}
		for f := range cands {
			if !remoteHostFields[f] {
				continue
			}
			field, err := prof.Field(src, f)
			if err != nil {
				continue rules
			}
			hostColumns[f] = field.Names[0]
			if field.Names[0] != "RemoteUrl" {
				hostExtends[f], err = extendColumn(src.Attr("extend"), field.Names[0])
				require.NoError(t, err)
			}
		}
		for i := 0; i < 300; i++ {
			ev, row := eval.MapEvent{}, map[string]string{"ActionType": action}
			for _, f := range slices.Sorted(maps.Keys(columns)) {
				if rng.IntN(4) > 0 {
					v := cands[f][rng.IntN(len(cands[f]))]
					ev[f], row[columns[f]] = v, v
				}
			}
			sysmonHashes(rng, r, ev, row)
			for _, f := range slices.Sorted(maps.Keys(cands)) {
				switch {
				case isAccount(prof, src, f):
					sysmonAccount(rng, r, f, ev, row)
				case fileNameOf(prof, src, f) != "":
					sysmonPath(rng, r, f, fileNameOf(prof, src, f), ev, row)
				case f == "GrantedAccess":
					sysmonAccessMask(rng, r, grantedAccess, ev, row)
				case remoteHostFields[f]:
					sysmonRemoteHost(rng, cands[f], f, hostColumns[f], hostExtends[f], ev, row)
				}
			}
			want := prog.Match(ev)
			if want {
				hits++
			}
			if !assert.Equal(t, want, match(row), "%s: Sysmon event %v, Defender row %v\n%s", r.File, ev, row, q.Text) {
				break
			}
		}
		checked++
	}
	assert.Positive(t, hits, "the events must match as well as miss")
	return checked
}

func isAccount(p *mapping.Profile, src *mapping.Source, field string) bool {
	f, err := p.Field(src, field)
	return err == nil && f.Account != nil
}

// fileNameOf is the column that holds the file name of a path the profile
// compares by its file name only, or "".
func fileNameOf(p *mapping.Profile, src *mapping.Source, field string) string {
	f, err := p.Field(src, field)
	if err != nil || f.FileName == "" {
		return ""
	}
	name, err := p.Field(src, f.FileName)
	if err != nil {
		return ""
	}
	return name.Names[0]
}

// sysmonPath writes a path as Sysmon does, in a folder of any form and
// with a file name made of pieces of the rule's values, and Defender's
// file name column with that name in another case.
func sysmonPath(rng *rand.Rand, r *rule.Rule, field, column string, ev eval.MapEvent, row map[string]string) {
	folders := []string{`C:\Windows\System32`, `C:\Users\alice\AppData\Local\Temp`, `\SystemRoot\System32\drivers`, `C:\lsass.exe`, `C:\ProgramData\x\calc.exe.d`}
	names := []string{"lsass.exe", "svchost.exe", "ntfs.sys", "x.sys"}
	for _, v := range ruleStrings(r, field) {
		parts := strings.Split(v, `\`)
		n := parts[len(parts)-1]
		if n != "" {
			names = append(names, n, "x"+n, n+"x", n[1:])
		}
	}
	if rng.IntN(6) == 0 {
		return
	}
	name := names[rng.IntN(len(names))]
	ev[field] = folders[rng.IntN(len(folders))] + `\` + name
	if rng.IntN(2) == 0 {
		name = strings.ToUpper(name)
	}
	row[column] = name
}

// remoteHostFields are the fields whose value is the host name of the
// other end, which Defender keeps in RemoteUrl.
var remoteHostFields = map[string]bool{"DestinationHostname": true, "cs-host": true, "r-dns": true}

// sysmonRemoteHost writes a host name as Sysmon (DestinationHostname) or
// a proxy (cs-host, r-dns) does, bare, made of the rule's values, and
// Defender's RemoteUrl in the forms its rows take: the bare name, or a URL
// with a scheme and perhaps a port, a path and a query (Microsoft's
// hunting queries take the host from those with parse_url(RemoteUrl).Host
// when RemoteUrl contains "//"; the ASIM parser strips http:// or
// https://). A column the profile derives from RemoteUrl is computed with
// the profile's own extend expression (parse_url, read by the independent
// reader). A candidate that cannot be a host name (a slash, a colon, a
// space...) is left out: Sysmon never writes one.
func sysmonRemoteHost(rng *rand.Rand, cands []string, field, column string, extend xnode, ev eval.MapEvent, row map[string]string) {
	hosts := []string{"example.org"}
	for _, c := range cands {
		if !strings.ContainsAny(c, "/:?#@ %\\") {
			hosts = append(hosts, c)
		}
	}
	if rng.IntN(8) == 0 {
		return
	}
	host := hosts[rng.IntN(len(hosts))]
	ev[field] = host
	forms := []string{host, "http://" + host + "/", "https://" + host + "/api/webhooks/1/x?wait=true", "http://" + host + ":8080/upload", "HTTPS://" + host}
	row["RemoteUrl"] = forms[rng.IntN(len(forms))]
	if extend != nil {
		row[column] = extend(row).s
	}
}

// sysmonAccessMask writes an access mask as Sysmon does (0x and hex digits
// without leading zeros, in either case: published events show 0x1FFFFF
// and 0x143a), from the rule's values, their neighbours and random masks (the
// high bit too), and Defender's decimal DesiredAccess in AdditionalFields
// (signed or not), from which the profile's own extend expression
// (grantedAccess, read by the independent reader) gives the row's
// GrantedAccess. An event without a mask is a row without the key.
func sysmonAccessMask(rng *rand.Rand, r *rule.Rule, grantedAccess xnode, ev eval.MapEvent, row map[string]string) {
	masks := []uint32{0x1010, 0x1410, 0x1fffff, 0x80000000, 0x40, 0x10}
	for _, v := range ruleStrings(r, "GrantedAccess") {
		hex := strings.TrimPrefix(strings.ToLower(v), "0x")
		if n, err := strconv.ParseUint(hex, 16, 32); err == nil {
			m := uint32(n)
			masks = append(masks, m, m|0x1000, m<<4, m^1)
		}
	}
	defer func() {
		if v := grantedAccess(row); v.kind == 's' {
			row["GrantedAccess"] = v.s
		}
	}()
	if rng.IntN(8) == 0 {
		row["AdditionalFields"] = `{}`
		return
	}
	m := masks[rng.IntN(len(masks))]
	if rng.IntN(4) == 0 {
		m = rng.Uint32()
	}
	ev["GrantedAccess"] = fmt.Sprintf("0x%x", m)
	if rng.IntN(2) == 0 {
		ev["GrantedAccess"] = fmt.Sprintf("0x%X", m)
	}
	desired := int64(int32(m))
	if rng.IntN(2) == 0 {
		desired = int64(m)
	}
	row["AdditionalFields"] = fmt.Sprintf(`{"DesiredAccess":%d}`, desired)
}

// sysmonHashes writes Hashes as Sysmon does, hashes from the rule or
// random ones, and Defender's columns in lower case.
func sysmonHashes(rng *rand.Rand, r *rule.Rule, ev eval.MapEvent, row map[string]string) {
	named := map[string][]string{}
	for _, v := range ruleStrings(r, "Hashes") {
		if algo, hex, ok := strings.Cut(v, "="); ok {
			named[strings.ToUpper(algo)] = append(named[strings.ToUpper(algo)], hex)
		}
	}
	if rng.IntN(8) == 0 {
		return
	}
	var parts []string
	for _, i := range rng.Perm(4) {
		algo := []string{"MD5", "SHA1", "SHA256", "IMPHASH"}[i]
		if rng.IntN(4) == 0 {
			continue
		}
		hex := make([]byte, mapping.HashLengths[algo])
		for j := range hex {
			hex[j] = "0123456789ABCDEF"[rng.IntN(16)]
		}
		h := string(hex)
		if vs := named[algo]; len(vs) > 0 && rng.IntN(2) == 0 {
			h = strings.ToUpper(vs[rng.IntN(len(vs))])
		}
		parts = append(parts, algo+"="+h)
		if algo != "IMPHASH" {
			row[algo] = strings.ToLower(h)
		}
	}
	ev["Hashes"] = strings.Join(parts, ",")
}

// sysmonAccount writes an account as DOMAIN\name from pieces of the
// rule's values, and Defender's initiating process account columns in
// lower case.
func sysmonAccount(rng *rand.Rand, r *rule.Rule, field string, ev eval.MapEvent, row map[string]string) {
	pieces := []string{"NT AUTHORITY", "AUTORITE NT", "SYSTEM", "CORP", "alice"}
	for _, v := range ruleStrings(r, field) {
		for _, p := range strings.Split(v, `\`) {
			if p != "" {
				pieces = append(pieces, p, "x"+p, p+"x")
			}
		}
	}
	if rng.IntN(6) == 0 {
		return
	}
	domain, name := pieces[rng.IntN(len(pieces))], pieces[rng.IntN(len(pieces))]
	ev[field] = domain + `\` + name
	row["InitiatingProcessAccountDomain"], row["InitiatingProcessAccountName"] = strings.ToLower(domain), strings.ToLower(name)
}

// ruleStrings lists the literal values a rule compares field with.
func ruleStrings(r *rule.Rule, field string) []string {
	var out []string
	for _, s := range r.Searches {
		for _, g := range s.Groups {
			for _, m := range g.Matchers {
				for _, v := range m.Values {
					if lit, ok := v.Pattern.Literal(); ok && m.Field == field {
						out = append(out, lit)
					}
				}
			}
		}
	}
	return out
}

// withoutExtend is a query without its extend clauses, which the reader
// does not run: the tests give their results in the row.
func withoutExtend(text string) string {
	var clauses []string
	for _, c := range strings.Split(text, "\n| ") {
		if !strings.HasPrefix(c, "extend ") {
			clauses = append(clauses, c)
		}
	}
	return strings.Join(clauses, "\n| ")
}
