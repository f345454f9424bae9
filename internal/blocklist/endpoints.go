// Package blocklist turns the webhook endpoints the detections look for
// into block lists for DNS (an RPZ zone), web proxies (Squid ACLs), Palo
// Alto Networks firewalls (external dynamic lists) and plain domain lists,
// minus the organisation's approved endpoints. docs/response.md describes
// the files and how to deploy them.
//
// The endpoints are read from the rule model, not from a second list: the
// groups of one shared selection (webhook_url in the pack), each a host
// (exact or a subdomain suffix) and optionally the webhook path on it.
// Locals name which hosts serve nothing but webhooks (so a whole-host block
// breaks nothing), the approved URL prefixes and extra URLs to block.
package blocklist

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/detc/detc/internal/rule"
)

// Config names where the endpoint data lives.
type Config struct {
	// Selection is the search whose groups are the webhook endpoints, as
	// the detections of log source category Category use it.
	Selection, Category string
	// HostField and PathField are the fields of the selection's groups
	// that hold the host and the URL path.
	HostField, PathField string
	// WholeHostLists are locals of hosts (or, starting with a dot,
	// subdomain suffixes) that serve nothing but webhooks, so that
	// formats without paths may block them whole.
	WholeHostLists []string
	// ApprovedList is the local of approved webhook URL prefixes.
	ApprovedList string
	// BlockedList is the local of extra webhook URL prefixes to block
	// (known-bad endpoints from incidents); optional.
	BlockedList string
	// Zone is the RPZ zone's origin.
	Zone string
	// SquidDir is where the Squid include snippet expects the ACL files.
	SquidDir string
}

// DefaultConfig is the content pack's layout (detections/webhooks.hcl and
// detections/approved_webhooks.hcl).
func DefaultConfig() Config {
	return Config{
		Selection: "webhook_url", Category: "proxy", HostField: "cs-host", PathField: "c-uri",
		WholeHostLists: []string{"webhook_only_hosts", "webhook_only_suffixes"},
		ApprovedList:   "approved_webhook_url_prefixes",
		BlockedList:    "blocked_webhook_urls",
		Zone:           "webhooks.rpz.detc.",
		SquidDir:       "/etc/squid/detc",
	}
}

// Host is an exact host name or, when Suffix is set, any subdomain of Name
// (Name then starts with a dot: ".webhook.office.com").
type Host struct {
	Name   string
	Suffix bool
}

// Covers reports whether the host pattern matches host.
func (h Host) Covers(host string) bool {
	host = strings.ToLower(host)
	if h.Suffix {
		return strings.HasSuffix(host, h.Name)
	}
	return host == h.Name
}

func (h Host) String() string {
	if h.Suffix {
		return "*" + h.Name
	}
	return h.Name
}

// Path is how a detection matches the webhook path on a host: contains,
// startswith or a regular expression (RE2), as in the rule model.
type Path struct {
	Op         rule.Op
	Text       string
	IgnoreCase bool
}

// Endpoint is one webhook endpoint of a service: a host and, unless the
// whole host is the webhook (request catchers, Make), its webhook path.
type Endpoint struct {
	Host Host
	Path *Path
	// WholeHost: the host serves nothing but webhooks, so blocking it
	// whole breaks nothing (listed in Config.WholeHostLists, or the
	// detection matches every path on it).
	WholeHost bool
	Pos       rule.Pos
}

// URL is an entry of the approved or blocked list: a URL prefix, or a
// path prefix for proxies that log only the path (Host is then empty).
type URL struct {
	Text string
	Host string // lower case; empty for a path-only entry
	Path string // from the first "/" on; "/" when the URL has no path
	Pos  rule.Pos
}

// Covers reports whether u's prefix covers all of v's: every URL starting
// with v starts with u. Hosts compare case-insensitively, paths exactly
// (the approved list compares case-insensitively in the detection, so
// both sides are lower-cased there).
func (u URL) Covers(v URL) bool {
	if u.Host != "" && u.Host != v.Host {
		return false
	}
	return strings.HasPrefix(strings.ToLower(v.Path), strings.ToLower(u.Path))
}

// Set is what the lists are written from.
type Set struct {
	Endpoints []Endpoint
	Approved  []URL
	Blocked   []URL
	// Skipped says which groups of the selection no list can carry, and why.
	Skipped []Note
}

// Note is a remark on an endpoint, written into the files and the README.
type Note struct {
	Pos  rule.Pos
	Text string
}

// Lists are the locals a Set reads: name to values, each at its position.
type Lists = map[string][]rule.RawValue

// Collect reads the endpoints from the first rule that carries the
// selection (every rule that names a shared selection carries the same
// groups) and the approved and blocked URLs from the locals. Diagnostics
// report malformed list entries and block entries that conflict with an
// approved one.
func Collect(rules []*rule.Rule, lists Lists, cfg Config) (*Set, rule.Diagnostics) {
	s := &Set{}
	var diags rule.Diagnostics
	whole := map[string]bool{}
	for _, name := range cfg.WholeHostLists {
		for _, v := range lists[name] {
			whole[strings.ToLower(v.Text)] = true
		}
	}
	if search := findSearch(rules, cfg.Category, cfg.Selection); search != nil {
		for _, g := range search.Groups {
			s.addGroup(g, cfg, whole)
		}
	}
	s.Approved, diags = readURLs(lists[cfg.ApprovedList], cfg.ApprovedList)
	blocked, d := readURLs(lists[cfg.BlockedList], cfg.BlockedList)
	s.Blocked = blocked
	diags = append(diags, d...)
	diags = append(diags, s.conflicts(cfg)...)
	return s, diags
}

// CodeConflict is the diagnostic code of a block entry that would block an
// approved endpoint; CodeURL of a list entry that is not a URL prefix.
const (
	CodeConflict = "block-approved-conflict"
	CodeURL      = "block-url"
)

// conflicts reports each blocked URL that covers an approved one or lies
// inside one: blocking it would break an approved integration, or the
// approved list says the endpoint is the organisation's own.
func (s *Set) conflicts(cfg Config) rule.Diagnostics {
	var diags rule.Diagnostics
	for _, b := range s.Blocked {
		for _, a := range s.Approved {
			if !b.Covers(a) && !a.Covers(b) {
				continue
			}
			diags = append(diags, rule.Diagnostic{
				Severity: rule.Error, Pos: b.Pos, Code: CodeConflict,
				Summary: fmt.Sprintf("%s entry %q conflicts with approved entry %q at %s", cfg.BlockedList, b.Text, a.Text, a.Pos),
				Detail:  "An approved webhook is never blocked: remove the blocked entry, or the approved one if the endpoint is no longer the organisation's.",
			})
		}
	}
	return diags
}

func findSearch(rules []*rule.Rule, category, name string) *rule.Search {
	for _, r := range rules {
		if r.LogSource.Category != category {
			continue
		}
		for _, s := range r.Searches {
			if s.Name == name {
				return s
			}
		}
	}
	return nil
}

// addGroup turns one group of the selection into endpoints: one per host
// value, each with the group's path matcher (a group with several path
// values gives one endpoint per value).
func (s *Set) addGroup(g *rule.Group, cfg Config, whole map[string]bool) {
	var hosts, paths []*rule.Matcher
	for _, m := range g.Matchers {
		switch m.Field {
		case cfg.HostField:
			hosts = append(hosts, m)
		case cfg.PathField:
			paths = append(paths, m)
		default:
			s.Skipped = append(s.Skipped, Note{Pos: m.Pos, Text: fmt.Sprintf("a group matches field %s, which no block list can carry; the group is left out", m.Field)})
			return
		}
	}
	if len(hosts) != 1 || len(paths) > 1 {
		s.Skipped = append(s.Skipped, Note{Pos: g.Pos, Text: "a group without exactly one host matcher (self-hosted services known only by their path) cannot be blocked by host; it is left out"})
		return
	}
	hm := hosts[0]
	var pathValues []*Path
	if len(paths) == 1 {
		pm := paths[0]
		if pm.Negate || (pm.Op != rule.OpContains && pm.Op != rule.OpStartsWith && pm.Op != rule.OpRegex) {
			s.Skipped = append(s.Skipped, Note{Pos: pm.Pos, Text: fmt.Sprintf("path matcher %s is not contains, startswith or re; the group is left out", pm.Op)})
			return
		}
		for _, v := range pm.Values {
			text, ok := v.Pattern.Literal()
			if v.Kind == rule.KindRegex {
				text, ok = v.Text, true
			}
			if !ok {
				s.Skipped = append(s.Skipped, Note{Pos: v.Pos, Text: fmt.Sprintf("path value %s has wildcards; it is left out", v.Pattern)})
				continue
			}
			pathValues = append(pathValues, &Path{Op: pm.Op, Text: text, IgnoreCase: !pm.Cased || pm.Regex.IgnoreCase})
		}
	}
	for _, v := range hm.Values {
		name, ok := v.Pattern.Literal()
		var h Host
		switch {
		case !ok || hm.Negate:
		case hm.Op == rule.OpEquals:
			h = Host{Name: strings.ToLower(name)}
		case hm.Op == rule.OpEndsWith && strings.HasPrefix(name, "."):
			h = Host{Name: strings.ToLower(name), Suffix: true}
		}
		if h.Name == "" {
			s.Skipped = append(s.Skipped, Note{Pos: v.Pos, Text: fmt.Sprintf("host value %s is not an exact host or a .suffix; it is left out", v.Pattern)})
			continue
		}
		wholeHost := len(paths) == 0 || whole[h.Name]
		if len(pathValues) == 0 {
			s.Endpoints = append(s.Endpoints, Endpoint{Host: h, WholeHost: wholeHost, Pos: v.Pos})
		}
		for _, p := range pathValues {
			s.Endpoints = append(s.Endpoints, Endpoint{Host: h, Path: p, WholeHost: wholeHost, Pos: v.Pos})
		}
	}
}

// readURLs parses list entries: "scheme://host/path..." or "/path...".
func readURLs(values []rule.RawValue, list string) ([]URL, rule.Diagnostics) {
	var out []URL
	var diags rule.Diagnostics
	for _, v := range values {
		u, ok := parseURL(v.Text)
		if !ok {
			diags = append(diags, rule.Diagnostic{Severity: rule.Error, Pos: v.Pos, Code: CodeURL,
				Summary: fmt.Sprintf("%s entry %q is not a URL prefix", list, v.Text),
				Detail:  "Write an http(s) URL up to the webhook id (https://hooks.slack.com/services/T.../B.../) or, for proxies that log only the path, the path (/services/T.../B.../)."})
			continue
		}
		u.Pos = v.Pos
		out = append(out, u)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Text < out[j].Text })
	return out, diags
}

func parseURL(text string) (URL, bool) {
	if strings.HasPrefix(text, "/") {
		return URL{Text: text, Path: text}, !strings.ContainsAny(text, " \t\n")
	}
	lower := strings.ToLower(text)
	rest, ok := strings.CutPrefix(lower, "https://")
	if !ok {
		rest, ok = strings.CutPrefix(lower, "http://")
	}
	if !ok || strings.ContainsAny(text, " \t\n") {
		return URL{}, false
	}
	host, _, _ := strings.Cut(rest, "/")
	host, _, _ = strings.Cut(host, ":")
	if host == "" || !validHost(host) {
		return URL{}, false
	}
	path := "/"
	if i := strings.Index(text[len(text)-len(rest):], "/"); i >= 0 {
		path = text[len(text)-len(rest)+i:]
	}
	return URL{Text: text, Host: host, Path: path}, true
}

var hostRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)

func validHost(h string) bool { return len(h) <= 253 && hostRE.MatchString(h) }

// approvedOn returns the approved URLs whose host the pattern covers.
func (s *Set) approvedOn(h Host) []URL {
	var out []URL
	for _, a := range s.Approved {
		if a.Host != "" && h.Covers(a.Host) {
			out = append(out, a)
		}
	}
	return out
}
