package blocklist

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// packFiles builds the lists from the content pack's detections.
func packFiles(t *testing.T) (*Set, map[string][]byte) {
	t.Helper()
	// Loaded by a relative path, as detc build is run, so that the
	// positions in the files do not depend on where the checkout is.
	t.Chdir(testutil.RepoRoot(t))
	set, diags := load.Paths([]string{"detections"})
	require.False(t, diags.HasErrors(), "%v", diags)
	s, d := Collect(set.Rules, set.Lists, DefaultConfig())
	require.Empty(t, d)
	return s, filesOf(t, s, DefaultConfig())
}

func filesOf(t *testing.T, s *Set, cfg Config) map[string][]byte {
	t.Helper()
	arts, err := Files(s, cfg)
	require.NoError(t, err)
	out := map[string][]byte{}
	for _, a := range arts {
		out[a.Path] = a.Data
	}
	return out
}

func TestPackGolden(t *testing.T) {
	pkg, err := os.Getwd() // packFiles moves to the checkout's root
	require.NoError(t, err)
	_, files := packFiles(t)
	for _, name := range []string{RPZFile, DomainsFile, EDLBlockFile, EDLApprovedFile, SquidInclude, SquidHosts, SquidDomains, SquidURLs, SquidApprovedURL, SquidApprovedHst, ReadmeFile} {
		testutil.GoldenFile(t, filepath.Join(pkg, "testdata", "pack", name), files[name])
	}
}

// entries are the non-comment lines of a list.
func entries(data []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if l := sc.Text(); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// TestPackBlocksWebhooksNotApproved drives the Squid URL and approved
// lists (POSIX regular expressions, read here by Go's POSIX mode) and the
// RPZ names with real-shaped URLs: webhooks are blocked, the approved
// endpoints and the services' other pages are not.
func TestPackBlocksWebhooksNotApproved(t *testing.T) {
	s, files := packFiles(t)
	compile := func(name string) []*regexp.Regexp {
		var res []*regexp.Regexp
		for _, e := range entries(files[name]) {
			res = append(res, regexp.MustCompilePOSIX(e))
		}
		return res
	}
	blockURLs, approvedURLs := compile(SquidURLs), compile(SquidApprovedURL)
	any := func(res []*regexp.Regexp, u string) bool {
		for _, re := range res {
			if re.MatchString(u) {
				return true
			}
		}
		return false
	}
	blocked := []string{
		"https://discord.com/api/webhooks/1234567890123456789/AbCdEf",
		"https://canary.discord.com/api/v10/webhooks/1234567890123456789/x",
		"https://hooks.slack.com/services/T0OTHER00/B0OTHER00/xyz",
		"https://hooks.slack.com/triggers/T0OTHER00/123/abc",
		"https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01",
		"https://evil.webhook.office.com/webhookb2/x@y/IncomingWebhook/z",
		"https://api.telegram.org/bot123456:ABC-def_1/sendDocument",
		"https://webhook.site/0b1c2d3e-aaaa-bbbb-cccc-123456789012",
		"https://hooks.zapier.com/hooks/catch/123/abc/",
	}
	for _, u := range blocked {
		assert.True(t, any(blockURLs, u), "Squid does not block %s", u)
		assert.False(t, any(approvedURLs, u), "Squid exempts %s", u)
	}
	allowed := []string{
		"https://discord.com/channels/123/456",
		"https://discord.com/api/v10/users/@me",
		"https://api.telegram.org/file/bot1/doc",
		"https://outlook.office.com/mail/",
	}
	for _, u := range allowed {
		assert.False(t, any(blockURLs, u), "Squid blocks the ordinary page %s", u)
	}
	for _, a := range s.Approved {
		if a.Host == "" {
			continue
		}
		u := strings.TrimRight(a.Text, "/") + "/secret-token"
		assert.True(t, any(approvedURLs, u), "the approved %s is not exempt", u)
		assert.False(t, rpzBlocks(files[RPZFile], a.Host), "RPZ blocks the approved host %s", a.Host)
		for _, d := range entries(files[DomainsFile]) {
			assert.False(t, Host{Name: strings.TrimPrefix(d, "*"), Suffix: strings.HasPrefix(d, "*")}.Covers(a.Host), "the domain list blocks the approved host %s (%s)", a.Host, d)
		}
	}
	for _, h := range []string{"discord.com", "api.telegram.org", "outlook.office.com", "chat.googleapis.com"} {
		assert.False(t, rpzBlocks(files[RPZFile], h), "RPZ blocks the shared host %s", h)
		assert.Contains(t, string(files[RPZFile]), "\n;   "+h+" also serves other traffic", "the zone does not say why %s is left out", h)
	}
	for _, h := range []string{"webhook.site", "x.m.pipedream.net", "evil.webhook.office.com", "hooks.zapier.com"} {
		assert.True(t, rpzBlocks(files[RPZFile], h), "RPZ does not block %s", h)
	}
}

// rpzBlocks answers as a resolver reads the zone: the exact name first,
// then the closest wildcard; passthru lets the name resolve.
func rpzBlocks(zone []byte, host string) bool {
	records := map[string]string{}
	for _, l := range strings.Split(string(zone), "\n") {
		f := strings.Fields(l)
		if len(f) >= 3 && f[1] == "CNAME" {
			records[f[0]] = f[2]
		}
	}
	if target, ok := records[host]; ok {
		return target == "."
	}
	labels := strings.Split(host, ".")
	for i := 1; i < len(labels); i++ {
		if target, ok := records["*."+strings.Join(labels[i:], ".")]; ok {
			return target == "."
		}
	}
	return false
}

func TestNamedCheckzone(t *testing.T) {
	checkzone := testutil.Tool(t, "named-checkzone")
	_, files := packFiles(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "rpz.zone")
	require.NoError(t, os.WriteFile(path, files[RPZFile], 0o644))
	out, err := exec.Command(checkzone, "-i", "local", strings.TrimSuffix(DefaultConfig().Zone, "."), path).CombinedOutput()
	require.NoError(t, err, "named-checkzone rejects the zone:\n%s", out)
	assert.Contains(t, string(out), "OK")
}

func TestSquidParse(t *testing.T) {
	squid := testutil.Tool(t, "squid")
	_, files := packFiles(t)
	dir := t.TempDir()
	cfg := DefaultConfig()
	for name, data := range files {
		if strings.HasPrefix(name, "squid/") {
			if name == SquidInclude {
				data = bytes.ReplaceAll(data, []byte(cfg.SquidDir), []byte(dir))
			}
			require.NoError(t, os.WriteFile(filepath.Join(dir, strings.TrimPrefix(name, "squid/")), data, 0o644))
		}
	}
	conf := filepath.Join(dir, "squid.conf")
	require.NoError(t, os.WriteFile(conf, []byte("http_port 127.0.0.1:3128\ninclude "+dir+"/detc-webhooks.conf\nhttp_access allow all\n"), 0o644))
	out, err := exec.Command(squid, "-k", "parse", "-f", conf).CombinedOutput()
	require.NoError(t, err, "squid -k parse fails:\n%s", out)
	// squid -k parse exits 0 on some warnings; an ACL it could not read
	// or a regular expression it rejected is reported as an error.
	for _, l := range strings.Split(string(out), "\n") {
		assert.NotRegexp(t, `(?i)error|fatal|bungled|invalid`, l)
	}
	assert.Contains(t, string(out), "detc-webhooks.conf", "squid did not read the include")
}

// TestSerial: the serial follows the records and nothing else.
func TestSerial(t *testing.T) {
	a := Serial([]string{"webhook.site CNAME ."})
	assert.Equal(t, a, Serial([]string{"webhook.site CNAME ."}))
	assert.NotEqual(t, a, Serial([]string{"webhook.site CNAME .", "x.test CNAME ."}))
	assert.NotZero(t, a)
	assert.Less(t, a, uint32(1<<31))

	s, files := packFiles(t)
	s.Endpoints = append(s.Endpoints, Endpoint{Host: Host{Name: "hooks.example.test"}, WholeHost: true})
	more := filesOf(t, s, DefaultConfig())
	soa := func(zone []byte) string { return regexp.MustCompile(`SOA .*`).FindString(string(zone)) }
	assert.NotEqual(t, soa(files[RPZFile]), soa(more[RPZFile]), "adding a host must change the serial")
	_, again := packFiles(t)
	assert.Equal(t, files, again, "the same input must give the same files")
}

func TestConflictIsAnError(t *testing.T) {
	at := func(line int) rule.Pos { return rule.Pos{File: "lists.hcl", Line: line, Col: 5} }
	lists := Lists{
		"approved_webhook_url_prefixes": {{Text: "https://hooks.slack.com/services/T0ABC1234/B0CINOTIFY/", Pos: at(2)}},
		"blocked_webhook_urls": {
			{Text: "https://hooks.slack.com/services/T0ABC1234/", Pos: at(5)},                 // covers the approved one
			{Text: "https://HOOKS.slack.com/services/T0ABC1234/B0CINOTIFY/extra", Pos: at(6)}, // inside it
			{Text: "https://hooks.slack.com/services/T0EVIL000/B0EVIL000/", Pos: at(7)},       // fine
			{Text: "hooks.slack.com/services/T0EVIL000/", Pos: at(8)},                         // no scheme
		},
	}
	s, diags := Collect(nil, lists, DefaultConfig())
	var got []string
	for _, d := range diags {
		assert.Equal(t, rule.Error, d.Severity)
		got = append(got, d.Pos.String()+": "+d.Summary)
	}
	assert.Equal(t, []string{
		`lists.hcl:5:5: blocked_webhook_urls entry "https://hooks.slack.com/services/T0ABC1234/" conflicts with approved entry "https://hooks.slack.com/services/T0ABC1234/B0CINOTIFY/" at lists.hcl:2:5`,
		`lists.hcl:6:5: blocked_webhook_urls entry "https://HOOKS.slack.com/services/T0ABC1234/B0CINOTIFY/extra" conflicts with approved entry "https://hooks.slack.com/services/T0ABC1234/B0CINOTIFY/" at lists.hcl:2:5`,
		`lists.hcl:8:5: blocked_webhook_urls entry "hooks.slack.com/services/T0EVIL000/" is not a URL prefix`,
	}, sortedUnique(got))
	assert.Len(t, s.Blocked, 3)
}

func TestBlockedURLsReachURLLists(t *testing.T) {
	lists := Lists{"blocked_webhook_urls": {{Text: "https://discord.com/api/webhooks/1181818181818181818/"}}}
	s, diags := Collect(nil, lists, DefaultConfig())
	require.Empty(t, diags)
	files := filesOf(t, s, DefaultConfig())
	assert.Equal(t, []string{"discord.com/api/webhooks/1181818181818181818/"}, entries(files[EDLBlockFile]))
	assert.Equal(t, []string{`^https?://discord\.com(:[0-9]+)?/api/webhooks/1181818181818181818/`}, entries(files[SquidURLs]))
	assert.Empty(t, entries(files[DomainsFile]), "a URL is never blocked by name")
}

func TestERE(t *testing.T) {
	tests := []struct {
		re, want string
		fold     bool
		match    []string
		noMatch  []string
	}{
		{re: `/api/(v[0-9]+/)?webhooks/[0-9]+/`, want: `/api/(v[0-9]+/)?webhooks/[0-9]+/`, match: []string{"/api/webhooks/1/", "/api/v10/webhooks/22/"}, noMatch: []string{"/api/vx/webhooks/1/"}},
		{re: `/v1/spaces/[^/]+/messages`, want: `/v1/spaces/[^/]+/messages`, match: []string{"/v1/spaces/AAA/messages"}, noMatch: []string{"/v1/spaces//messages"}},
		{re: `a.b{2,3}c{2,}`, want: `a.b{2,3}c{2,}`},
		{re: `[]a-]x|[\^z]`, want: `([]a-]x|[z^])`, match: []string{"]x", "-x", "^"}, noMatch: []string{"bx"}},
		{re: `/bot[0-9]+/send`, fold: true, want: `/[Bb][Oo][Tt][0-9]+/[Ss][Ee][Nn][Dd]`, match: []string{"/BOT1/Send"}},
		{re: `x\.y\(`, want: `x\.y\(`},
	}
	for _, tt := range tests {
		got, err := ere(tt.re, tt.fold)
		require.NoError(t, err, tt.re)
		if tt.re == `[]a-]x|[\^z]` {
			got = "(" + got + ")"
		}
		assert.Equal(t, tt.want, got, tt.re)
		posix := regexp.MustCompilePOSIX(got)
		for _, m := range tt.match {
			assert.True(t, posix.MatchString(m), "%s should match %s", got, m)
		}
		for _, m := range tt.noMatch {
			assert.False(t, posix.MatchString(m), "%s should not match %s", got, m)
		}
	}
	for _, bad := range []string{`\bword`, `a(|b)`, `é`} {
		_, err := ere(bad, false)
		assert.Error(t, err, bad)
	}
}

func TestPANTokens(t *testing.T) {
	tests := []struct {
		re   string
		want []string
	}{
		{`/api/(v[0-9]+/)?webhooks/[0-9]+/`, []string{"/api/webhooks/*/", "/api/*/webhooks/*/"}},
		{`/bot[0-9]+:[A-Za-z0-9_-]+/(sendDocument|sendMessage)`, []string{"/*/senddocument", "/*/sendmessage"}},
		{`/a/[0-9]+/[0-9]+/b`, []string{"/a/*/b"}}, // consecutive * merged
		{`/v1/spaces/[^/]+/messages`, []string{"/v1/spaces/"}},
		{`^/hooks/x$`, []string{"/hooks/x"}},
	}
	for _, tt := range tests {
		got, err := panTokens(tt.re, maxAlternatives)
		require.NoError(t, err, tt.re)
		assert.Equal(t, tt.want, got, tt.re)
	}
	_, err := panTokens(`(ab|cd)(ef|gh)(ij|kl)(mn|op)(qr|st)`, maxAlternatives)
	assert.ErrorContains(t, err, "more than 16 alternatives")
}

// TestUntranslatablePathFails: a path the Squid list cannot express fails
// the build at the endpoint's position instead of being weakened.
func TestUntranslatablePathFails(t *testing.T) {
	s := &Set{Endpoints: []Endpoint{{
		Host: Host{Name: "discord.com"},
		Path: &Path{Op: rule.OpRegex, Text: `\bwebhooks\b`},
		Pos:  rule.Pos{File: "webhooks.hcl", Line: 12, Col: 5},
	}}}
	_, err := Files(s, DefaultConfig())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `webhooks.hcl:12:5: the Squid URL list cannot carry the path of discord.com`)
	assert.Contains(t, err.Error(), `word boundary`)
}

// TestEDLFormat checks the PAN-OS URL lists against the EDL format rules:
// no scheme or port, lower case, no spaces or comments, wildcards only as
// whole tokens, no caret in the path, no consecutive wildcards, host
// entries ended by a slash.
func TestEDLFormat(t *testing.T) {
	_, files := packFiles(t)
	separators := regexp.MustCompile(`[./?&=;+]`)
	for _, name := range []string{EDLBlockFile, EDLApprovedFile} {
		list := entries(files[name])
		require.NotEmpty(t, list, name)
		for _, e := range list {
			assert.NotContains(t, e, "://", e)
			assert.Equal(t, strings.ToLower(e), e)
			assert.NotRegexp(t, `[\s#]`, e)
			assert.LessOrEqual(t, len(e), 255, e)
			host, path, hasPath := strings.Cut(e, "/")
			assert.True(t, hasPath, "%s: a host entry ends with / (no implicit suffix match)", e)
			assert.NotContains(t, host, ":", "%s: no port", e)
			assert.NotContains(t, path, "^", "%s: no caret in the path", e)
			for _, tok := range separators.Split(e, -1) {
				if strings.ContainsAny(tok, "*^") {
					assert.Contains(t, []string{"*", "^"}, tok, "%s: a wildcard is a whole token", e)
				}
			}
			assert.NotContains(t, e, "*/*", "%s: consecutive wildcards", e)
			assert.NotContains(t, e, "*.*", "%s: consecutive wildcards", e)
		}
	}
}
