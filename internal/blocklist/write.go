package blocklist

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/rule"
)

// File names under the blocklists folder.
const (
	RPZFile          = "rpz.zone"
	DomainsFile      = "domains.txt"
	EDLBlockFile     = "paloalto/edl-block-urls.txt"
	EDLApprovedFile  = "paloalto/edl-approved-urls.txt"
	SquidInclude     = "squid/detc-webhooks.conf"
	SquidHosts       = "squid/block-hosts.acl"
	SquidDomains     = "squid/block-domains.acl"
	SquidURLs        = "squid/block-urls.acl"
	SquidApprovedURL = "squid/approved-urls.acl"
	SquidApprovedHst = "squid/approved-hosts.acl"
	ReadmeFile       = "README.md"
)

// maxAlternatives caps how many PAN-OS paths one regular expression may
// expand to.
const maxAlternatives = 16

// Files writes every list. The same Set gives byte-identical files; a set
// with nothing to block (detections without the webhook endpoint
// selection) gives none.
func Files(s *Set, cfg Config) ([]target.Artifact, error) {
	if len(s.Endpoints) == 0 && len(s.Blocked) == 0 {
		return nil, nil
	}
	w := &writer{set: s, cfg: cfg}
	w.plan()
	if w.err != nil {
		return nil, w.err
	}
	arts := []target.Artifact{
		{Path: RPZFile, Data: w.rpz()},
		{Path: DomainsFile, Data: lines(w.domains)},
		{Path: EDLBlockFile, Data: lines(w.edlBlock)},
		{Path: EDLApprovedFile, Data: lines(w.edlApproved)},
		{Path: SquidHosts, Data: w.acl("exact host names that serve nothing but webhooks", w.squidHosts)},
		{Path: SquidDomains, Data: w.acl("subdomain patterns (dstdom_regex) of services that give each customer a host", w.squidDomains)},
		{Path: SquidURLs, Data: w.acl("webhook URLs (url_regex, POSIX extended); Squid sees the path of HTTPS requests only with SslBump", w.squidURLs)},
		{Path: SquidApprovedURL, Data: w.acl("approved webhook URL prefixes (url_regex -i): never blocked", w.squidApprovedURLs)},
		{Path: SquidApprovedHst, Data: w.acl("hosts of approved webhook URLs (dstdomain): exempt from the host-level blocks, whose requests Squid may see only as CONNECT host:443", w.squidApprovedHosts)},
		{Path: SquidInclude, Data: w.squidConf()},
		{Path: ReadmeFile, Data: w.readme()},
	}
	return arts, nil
}

type rpzRecord struct {
	owner, target, why string
}

type writer struct {
	set *Set
	cfg Config
	err error

	rpzRecords  []rpzRecord
	rpzNotes    []string
	domains     []string
	edlBlock    []string
	edlApproved []string

	squidHosts, squidDomains, squidURLs   []string
	squidApprovedURLs, squidApprovedHosts []string
	notes                                 []string // README: what is not blocked where, and why
}

func (w *writer) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// plan decides, endpoint by endpoint, what each format carries.
func (w *writer) plan() {
	type hostPlan struct {
		host     Host
		whole    bool
		approved []URL
		pos      string
	}
	hosts := map[Host]*hostPlan{}
	var order []Host
	for _, e := range w.set.Endpoints {
		hp := hosts[e.Host]
		if hp == nil {
			hp = &hostPlan{host: e.Host, approved: w.set.approvedOn(e.Host), pos: e.Pos.String()}
			hosts[e.Host] = hp
			order = append(order, e.Host)
		}
		hp.whole = hp.whole || e.WholeHost
		w.addPathLevel(e)
	}
	sort.Slice(order, func(i, j int) bool { return order[i].String() < order[j].String() })
	for _, h := range order {
		hp := hosts[h]
		w.addHostLevel(hp.host, hp.whole, hp.approved, hp.pos)
	}
	for _, b := range w.set.Blocked {
		if b.Host == "" {
			w.squidURLs = append(w.squidURLs, "^https?://[^/:?]+(:[0-9]+)?"+quoteERE(b.Path))
			w.notes = append(w.notes, fmt.Sprintf("Blocked path %s (%s) has no host: only the Squid URL list carries it.", b.Text, b.Pos))
			continue
		}
		w.squidURLs = append(w.squidURLs, hostERE(Host{Name: b.Host})+quoteERE(b.Path))
		w.edlBlock = append(w.edlBlock, strings.ToLower(b.Host+b.Path))
	}
	for _, a := range w.set.Approved {
		if a.Host == "" {
			w.squidApprovedURLs = append(w.squidApprovedURLs, "^https?://[^/:?]+(:[0-9]+)?"+quoteERE(a.Path))
			w.notes = append(w.notes, fmt.Sprintf("Approved path %s (%s) has no host: only the Squid lists can exempt it; the PAN-OS allow list needs a host.", a.Text, a.Pos))
			continue
		}
		w.squidApprovedURLs = append(w.squidApprovedURLs, hostERE(Host{Name: a.Host})+quoteERE(a.Path))
		w.squidApprovedHosts = append(w.squidApprovedHosts, a.Host)
		w.edlApproved = append(w.edlApproved, strings.ToLower(a.Host+a.Path))
	}
	for _, n := range w.set.Skipped {
		w.notes = append(w.notes, fmt.Sprintf("%s: %s.", n.Pos, n.Text))
	}
	for _, l := range []*[]string{&w.domains, &w.edlBlock, &w.edlApproved, &w.squidHosts, &w.squidDomains, &w.squidURLs, &w.squidApprovedURLs, &w.squidApprovedHosts} {
		*l = sortedUnique(*l)
	}
	sort.Slice(w.rpzRecords, func(i, j int) bool { return w.rpzRecords[i].owner < w.rpzRecords[j].owner })
}

// addPathLevel adds an endpoint to the formats that see URLs: the Squid
// URL list and the PAN-OS URL list. A whole-host endpoint goes there as
// the bare host, so that a host whose host-level block an approved URL
// prevents is still blocked path by path wherever the URL is visible.
func (w *writer) addPathLevel(e Endpoint) {
	hostRE := hostERE(e.Host)
	pan := panHost(e.Host)
	if e.Path == nil {
		w.squidURLs = append(w.squidURLs, hostRE+"/")
		w.edlBlock = append(w.edlBlock, pan+"/")
		return
	}
	// contains and startswith are the regular expressions of their text,
	// unanchored and anchored, so that every path takes one way.
	p := e.Path
	expr := p.Text
	switch p.Op {
	case rule.OpContains:
		expr = regexp.QuoteMeta(p.Text)
	case rule.OpStartsWith:
		expr = "^" + regexp.QuoteMeta(p.Text)
	}
	body, err := ere(expr, p.IgnoreCase)
	if err != nil {
		w.fail(fmt.Errorf("%s: the Squid URL list cannot carry the path of %s: %w", e.Pos, e.Host, err))
		return
	}
	anchored := strings.HasPrefix(body, "^")
	if anchored {
		w.squidURLs = append(w.squidURLs, hostRE+body[1:])
	} else {
		w.squidURLs = append(w.squidURLs, hostRE+".*"+body)
	}
	paths, err := panTokens(expr, maxAlternatives)
	if err != nil {
		w.fail(fmt.Errorf("%s: the PAN-OS URL list cannot carry the path of %s: %w", e.Pos, e.Host, err))
		return
	}
	for _, path := range paths {
		w.edlBlock = append(w.edlBlock, pan+path)
		if !anchored {
			w.edlBlock = append(w.edlBlock, pan+mergeStars("/*"+ensureSlash(path)))
		}
	}
}

// addHostLevel adds a host to the formats that see only names: the RPZ
// zone, the domain list and Squid's host ACLs. A host that also serves
// other things (discord.com) is never blocked whole: the zone says so.
func (w *writer) addHostLevel(h Host, whole bool, approved []URL, pos string) {
	owner := h.Name
	if h.Suffix {
		owner = "*" + h.Name
	}
	if !whole {
		why := fmt.Sprintf("%s also serves other traffic (%s); it is blocked by path in the Squid and PAN-OS URL lists, never here", h, pos)
		w.rpzNotes = append(w.rpzNotes, why)
		w.notes = append(w.notes, fmt.Sprintf("%s is a shared host (%s): DNS (RPZ), the domain list and Squid's host ACLs leave it alone; the Squid and PAN-OS URL lists block its webhook paths.", h, pos))
		return
	}
	// An approved URL on a subdomain passes through the wildcard; one on
	// this very host keeps the host out of the name-only formats.
	var exact []URL
	if !h.Suffix {
		exact = approved
	} else {
		for _, a := range approved {
			w.rpzRecords = append(w.rpzRecords, rpzRecord{owner: a.Host, target: "rpz-passthru.", why: fmt.Sprintf("approved %s (%s)", a.Text, a.Pos)})
		}
	}
	if len(exact) > 0 {
		// The approved URL lives on this very host: a name-only format
		// cannot block the rest of the host without blocking it.
		var names []string
		for _, a := range exact {
			names = append(names, fmt.Sprintf("%s (%s)", a.Text, a.Pos))
		}
		why := fmt.Sprintf("%s serves the approved %s; it is blocked by path in the Squid and PAN-OS URL lists, not here", h, strings.Join(names, ", "))
		w.rpzNotes = append(w.rpzNotes, why)
		w.notes = append(w.notes, fmt.Sprintf("%s is not blocked by name: it serves the approved %s. The Squid and PAN-OS URL lists block its other webhook URLs.", h, strings.Join(names, ", ")))
		return
	}
	w.rpzRecords = append(w.rpzRecords, rpzRecord{owner: owner, target: ".", why: pos})
	if h.Suffix {
		w.squidDomains = append(w.squidDomains, quoteERE(h.Name)+"$")
		if len(approved) > 0 {
			var names []string
			for _, a := range approved {
				names = append(names, a.Host)
			}
			w.notes = append(w.notes, fmt.Sprintf("The domain list leaves out %s: a plain list has no exceptions, and approved endpoints live on %s. RPZ passes them through; Squid exempts their hosts.", h, strings.Join(sortedUnique(names), ", ")))
			return
		}
	} else {
		w.squidHosts = append(w.squidHosts, h.Name)
	}
	w.domains = append(w.domains, owner)
}

func ensureSlash(p string) string {
	if strings.HasPrefix(p, "/") {
		return p
	}
	return "/" + p
}

func panHost(h Host) string {
	if h.Suffix {
		return "*" + h.Name
	}
	return h.Name
}

// hostERE matches the scheme, the host and an optional port of a URL.
func hostERE(h Host) string {
	if h.Suffix {
		return "^https?://[^/:?]*" + quoteERE(h.Name) + "(:[0-9]+)?"
	}
	return "^https?://" + quoteERE(h.Name) + "(:[0-9]+)?"
}

func quoteERE(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`.[]()*+?{}|^$\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func sortedUnique(in []string) []string {
	sort.Strings(in)
	out := in[:0]
	for i, s := range in {
		if i == 0 || s != in[i-1] {
			out = append(out, s)
		}
	}
	return out
}

func lines(ls []string) []byte {
	if len(ls) == 0 {
		return nil
	}
	return []byte(strings.Join(ls, "\n") + "\n")
}

func (w *writer) acl(what string, entries []string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# detc: %s.\n# Written by detc build from the detections' webhook endpoints; do not edit.\n", what)
	for _, e := range entries {
		b.WriteString(e + "\n")
	}
	return []byte(b.String())
}

// Serial derives the zone's SOA serial from its records, so that it changes
// exactly when the list does and the same list always gets the same serial.
func Serial(records []string) uint32 {
	h := sha256.New()
	for _, r := range records {
		fmt.Fprintf(h, "%d:%s;", len(r), r)
	}
	sum := h.Sum(nil)
	// 1..2^31-1: a valid serial that never looks "older" than 0.
	return binary.BigEndian.Uint32(sum[:4])%0x7fffffff + 1
}

func (w *writer) rpz() []byte {
	var recs []string
	for _, r := range w.rpzRecords {
		recs = append(recs, fmt.Sprintf("%-40s CNAME %s", r.owner, r.target))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "; detc: DNS response policy zone of webhook hosts. Written by detc build; do not edit.\n")
	fmt.Fprintf(&b, "; A name is blocked (NXDOMAIN) only when the whole host serves webhooks;\n")
	fmt.Fprintf(&b, "; approved endpoints pass through. The serial is a hash of the records:\n")
	fmt.Fprintf(&b, "; it changes exactly when they do.\n")
	fmt.Fprintf(&b, "$ORIGIN %s\n$TTL 300\n", w.cfg.Zone)
	fmt.Fprintf(&b, "@ IN SOA localhost. hostmaster.localhost. ( %d 3600 600 604800 300 )\n", Serial(recs))
	fmt.Fprintf(&b, "@ IN NS localhost.\n")
	if len(w.rpzNotes) > 0 {
		b.WriteString(";\n; Not blocked by name:\n")
		for _, n := range sortedUnique(append([]string(nil), w.rpzNotes...)) {
			fmt.Fprintf(&b, ";   %s\n", n)
		}
	}
	b.WriteString(";\n")
	for i, r := range w.rpzRecords {
		fmt.Fprintf(&b, "%s ; %s\n", recs[i], r.why)
	}
	return []byte(b.String())
}

func (w *writer) squidConf() []byte {
	dir := strings.TrimRight(w.cfg.SquidDir, "/")
	var b strings.Builder
	b.WriteString(`# detc: Squid access rules for webhook endpoints. Written by detc build.
# Copy the squid/ folder to ` + dir + `/ and add, before your allow rules:
#   include ` + dir + `/detc-webhooks.conf
#
# Host-level rules see every request, HTTPS included (CONNECT host:443).
# URL rules see the path only of plain HTTP and of HTTPS that Squid
# decrypts (SslBump); shared hosts such as discord.com are blocked only
# there, so without SslBump their webhooks are not blocked by Squid.
# Approved endpoints are exempt from every rule.
`)
	acl := func(name, typ, flags, file string) {
		if flags != "" {
			flags += " "
		}
		fmt.Fprintf(&b, "acl %s %s %s\"%s/%s\"\n", name, typ, flags, dir, strings.TrimPrefix(file, "squid/"))
	}
	acl("detc_webhook_approved_urls", "url_regex", "-i", SquidApprovedURL)
	acl("detc_webhook_approved_hosts", "dstdomain", "", SquidApprovedHst)
	acl("detc_webhook_hosts", "dstdomain", "", SquidHosts)
	acl("detc_webhook_domains", "dstdom_regex", "-i", SquidDomains)
	acl("detc_webhook_urls", "url_regex", "", SquidURLs)
	b.WriteString(`http_access deny detc_webhook_hosts !detc_webhook_approved_hosts
http_access deny detc_webhook_domains !detc_webhook_approved_hosts
http_access deny detc_webhook_urls !detc_webhook_approved_urls
`)
	return []byte(b.String())
}

func (w *writer) readme() []byte {
	var b strings.Builder
	b.WriteString(`# Webhook block lists

Written by ` + "`detc build`" + ` from the webhook endpoints the detections look for
(the ` + w.cfg.Selection + ` selection), minus the approved endpoints
(` + w.cfg.ApprovedList + `), plus ` + w.cfg.BlockedList + `. docs/response.md says how to
deploy each file.

| file | for | blocks |
| --- | --- | --- |
| rpz.zone | BIND, Unbound, PowerDNS (response policy zone ` + w.cfg.Zone + `) | host names that serve only webhooks; approved hosts pass through |
| domains.txt | firewalls that take a domain list | the same names, without exceptions |
| squid/ | Squid (include detc-webhooks.conf) | names, subdomains and webhook URLs (paths need SslBump for HTTPS) |
| paloalto/edl-block-urls.txt | PAN-OS URL external dynamic list | names and webhook URL paths |
| paloalto/edl-approved-urls.txt | PAN-OS URL list for an allow rule placed above the block rule | approved endpoints |

`)
	fmt.Fprintf(&b, "%d endpoints read; %d approved and %d blocked URLs.\n\n", len(w.set.Endpoints), len(w.set.Approved), len(w.set.Blocked))
	if len(w.notes) > 0 {
		b.WriteString("## Not blocked everywhere\n\n")
		for _, n := range sortedUnique(append([]string(nil), w.notes...)) {
			b.WriteString("- " + n + "\n")
		}
	}
	return []byte(b.String())
}
