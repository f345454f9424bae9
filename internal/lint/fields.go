package lint

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/suggest"
)

// taxonomy holds the field names the Sigma taxonomy (appendix "Fields")
// gives the log sources detc's content reads, by category. A field a rule
// uses that neither this list nor any mapping profile knows for its log
// source is most likely a typo.
var taxonomy = map[string][]string{
	"proxy": {"c-uri", "c-uri-extension", "c-uri-query", "c-uri-stem", "c-useragent", "cs-bytes", "cs-cookie", "cs-host",
		"cs-method", "cs-referrer", "cs-version", "r-dns", "sc-bytes", "sc-status", "src_ip", "dst_ip"},
	"dns": {"query", "answer", "record_type", "parent_domain", "src_ip", "dst_ip"},
	"process_creation": {"Image", "CommandLine", "ParentImage", "ParentCommandLine", "OriginalFileName", "User", "IntegrityLevel",
		"CurrentDirectory", "ProcessId", "ParentProcessId", "ProcessGuid", "ParentProcessGuid", "Hashes", "Company", "Description",
		"Product", "FileVersion", "LogonId", "LogonGuid", "ParentUser", "TerminalSessionId", "UtcTime", "Computer"},
	"network_connection": {"Image", "User", "ProcessId", "ProcessGuid", "Protocol", "Initiated", "SourceIp", "SourceHostname",
		"SourcePort", "SourcePortName", "SourceIsIpv6", "DestinationIp", "DestinationHostname", "DestinationPort",
		"DestinationPortName", "DestinationIsIpv6"},
	"dns_query":  {"Image", "User", "ProcessId", "ProcessGuid", "QueryName", "QueryStatus", "QueryResults"},
	"ps_script":  {"ScriptBlockText", "ScriptBlockId", "Path", "MessageNumber", "MessageTotal"},
	"webserver":  {"c-ip", "c-uri", "c-uri-query", "c-uri-stem", "c-useragent", "cs-host", "cs-method", "cs-referer", "cs-uri-query", "cs-uri-stem", "cs-user-agent", "cs-username", "sc-status"},
	"firewall":   {"src_ip", "src_port", "dst_ip", "dst_port", "username", "action"},
	"file_event": {"Image", "TargetFilename", "CreationUtcTime", "ProcessId", "ProcessGuid", "User"},
}

// Fields warns about each field name a rule uses that neither the Sigma
// taxonomy of its log source nor any of the profiles (detc's built-in
// mapping profiles and the project's overrides) knows for that source,
// with the nearest known name, at the first matcher that uses it. The
// names known for a log source are gathered once for all its rules.
func Fields(rules []*rule.Rule, profiles []*mapping.Profile) rule.Diagnostics {
	var diags rule.Diagnostics
	bySource := map[string]*knownNames{}
	for _, r := range rules {
		key := strings.ToLower(mapping.Describe(r.LogSource))
		known, seen := bySource[key]
		if !seen {
			known = knownFields(r.LogSource, profiles)
			bySource[key] = known
		}
		for _, u := range unknownIn(r, known) {
			diags.Warnf(u.At[0], CodeUnknownField, "rule %s: %s", r.Label(), u)
		}
	}
	return diags
}

// UnknownField is a field name a rule compares that neither the Sigma
// taxonomy of its log source nor any profile knows for that source.
type UnknownField struct {
	Field string
	// At are the positions of the matchers that compare it, in the
	// rule's order.
	At     []rule.Pos
	source rule.LogSource
	known  []string // the names known for the source, sorted
}

// String says what is wrong, with the nearest known name.
func (u UnknownField) String() string {
	return fmt.Sprintf("field %q is not a field of log source %s in the Sigma taxonomy or any mapping profile%s",
		u.Field, mapping.Describe(u.source), suggest.DidYouMean(u.Field, u.known))
}

// Misspelt returns the known field the name is most likely a misspelling
// of (suggest.Misspelt): a field that nothing knows is not by itself a
// mistake (a SIEM's own fields no profile maps yet), a near miss of a
// known one is.
func (u UnknownField) Misspelt() (string, bool) {
	return suggest.Misspelt(u.Field, u.known)
}

// UnknownFields lists the fields of r that neither the Sigma taxonomy of
// its log source nor any of the profiles knows for that source, in the
// order the rule first uses them. A rule of a log source that nothing
// knows has none: there is nothing to compare with.
func UnknownFields(r *rule.Rule, profiles []*mapping.Profile) []UnknownField {
	return unknownIn(r, knownFields(r.LogSource, profiles))
}

// unknownIn lists the fields of r that known lacks (none when known is
// nil: nothing knows the source).
func unknownIn(r *rule.Rule, known *knownNames) []UnknownField {
	if known == nil {
		return nil
	}
	var out []UnknownField
	index := map[string]int{}
	for _, s := range r.Searches {
		for _, g := range s.Groups {
			for _, m := range g.Matchers {
				if m.IsKeyword() || known.set[m.Field] {
					continue
				}
				i, seen := index[m.Field]
				if !seen {
					i = len(out)
					index[m.Field] = i
					out = append(out, UnknownField{Field: m.Field, source: r.LogSource, known: known.list()})
				}
				out[i].At = append(out[i].At, m.Pos)
			}
		}
	}
	return out
}

// knownNames are the field names known for a log source.
type knownNames struct {
	set    map[string]bool
	sorted []string // built on first use: most sources never need it
}

func (k *knownNames) list() []string {
	if k.sorted == nil {
		k.sorted = make([]string, 0, len(k.set))
		for n := range k.set {
			k.sorted = append(k.sorted, n)
		}
		sort.Strings(k.sorted)
	}
	return k.sorted
}

// knownFields are the field names known for a log source, nil when
// nothing knows the source at all.
func knownFields(ls rule.LogSource, profiles []*mapping.Profile) *knownNames {
	known := map[string]bool{}
	ok := false
	if names, has := taxonomy[strings.ToLower(ls.Category)]; has {
		ok = true
		for _, n := range names {
			known[n] = true
		}
	}
	for _, p := range profiles {
		if p.Passthrough {
			continue
		}
		alts, err := p.Alternatives(ls)
		if err != nil {
			continue
		}
		ok = true
		for n := range p.Fields {
			known[n] = true
		}
		for _, src := range alts {
			for n := range src.Fields {
				known[n] = true
			}
		}
	}
	if !ok {
		return nil
	}
	return &knownNames{set: known}
}

// CodeUnknownTarget is a rule's targets naming a target or profile detc
// does not have.
const CodeUnknownTarget = "unknown-target"

// Targets checks that the targets rules say they are meant for exist:
// known lists every "target" and "target/profile" name.
func Targets(rules []*rule.Rule, known []string) rule.Diagnostics {
	var diags rule.Diagnostics
	for _, r := range rules {
		if r.Targets == nil {
			continue
		}
		if len(r.Targets.Names) == 0 {
			diags.Errorf(r.Targets.Pos, CodeUnknownTarget, "rule %s: targets is empty: name the targets it is meant for, or leave targets out for every target", r.Label())
		}
		for _, t := range r.Targets.Names {
			if !slices.Contains(known, t) {
				diags.Errorf(r.Targets.Pos, CodeUnknownTarget, "rule %s: unknown target %q%s (targets and profiles: %s)", r.Label(), t, suggest.DidYouMean(t, known), strings.Join(known, ", "))
			}
		}
	}
	return diags
}
