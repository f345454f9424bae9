package kql

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"github.com/detc/detc/internal/textutil"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/attack"
	"github.com/detc/detc/internal/rule"
)

// AnalyticsRule is a Microsoft Sentinel scheduled analytics rule, with the
// fields of the Azure-Sentinel repository's detection YAML.
type AnalyticsRule struct {
	ID                     string // GUID
	Name                   string
	Description            string
	Severity               string // Informational, Low, Medium, High
	RequiredDataConnectors []DataConnector
	QueryFrequency         time.Duration
	QueryPeriod            time.Duration
	TriggerOperator        string // gt
	TriggerThreshold       int
	Tactics                []string // Exfiltration, CommandAndControl ...
	RelevantTechniques     []string // T1567, T1567.004 ...
	Query                  string
	EntityMappings         []EntityMapping
	Version                string // X.Y.Z
	// Enabled is the ARM template's enabled property (the repository's
	// YAML has none: a template is enabled when it is turned into a rule).
	Enabled bool
	// Response is the detection's declared automated response: an
	// automation rule in the ARM template (response.go).
	Response *rule.Response
	// RuleID and Pos say which detc rule this is, for messages.
	RuleID string
	Pos    rule.Pos
	// profile is the deployment's profile, for refusals; scheduleSet says
	// the profile's attrs set the schedule (frequency or period), so that
	// a schedule out of Sentinel's range is the profile's error, not the
	// rule's refusal.
	profile     string
	scheduleSet bool
}

// DataConnector is a required data connector and the tables it fills.
type DataConnector struct {
	ConnectorID string
	DataTypes   []string
}

// EntityMapping maps result columns to one Sentinel entity.
type EntityMapping struct {
	EntityType    string
	FieldMappings []FieldMapping
}

// FieldMapping maps one entity identifier to a result column.
type FieldMapping struct {
	Identifier string
	ColumnName string
}

// Limits of Sentinel's scheduled analytics rules, as Microsoft documents
// them and the Azure-Sentinel repository's template validation enforces
// them (.script/tests/detectionTemplateSchemaValidation, its
// AnalyticsTemplateInternalModelBase and QueryBasedTemplateInternalModel):
// the query 1 to 10,000 characters, and the lookback at most 14 days
// ("Scheduled analytics rules in Microsoft Sentinel",
// https://learn.microsoft.com/azure/sentinel/scheduled-rules-overview);
// the name at most 256 characters, the description 5,000.
const (
	MaxQueryLength       = 10000
	MaxNameLength        = 256
	MaxDescriptionLength = 5000
	MinFrequency         = 5 * time.Minute
	MaxPeriod            = 14 * 24 * time.Hour
	MaxEntityMappings    = 5
	MaxFieldMappings     = 3
	MaxTriggerThreshold  = 10000
)

// Default schedule of a rule without aggregation.
const defaultFrequency = time.Hour

var severities = map[string]string{
	"informational": "Informational", "low": "Low", "medium": "Medium", "high": "High",
	// Sentinel has no critical severity.
	"critical": "High",
}

// entityIdentifiers lists, per entity type, the identifiers Sentinel
// accepts and the sets of which a mapping must hold one in full (from the
// repository's EntityMappingIdentifiers).
var entityIdentifiers = map[string]struct {
	all      []string
	required [][]string
}{
	"Account": {[]string{"Name", "FullName", "NTDomain", "DnsDomain", "UPNSuffix", "Sid", "AadTenantId", "AadUserId", "PUID", "IsDomainJoined", "DisplayName", "ObjectGuid"},
		[][]string{{"FullName"}, {"Sid"}, {"Name"}, {"AadUserId"}, {"PUID"}, {"ObjectGuid"}}},
	"Host": {[]string{"DnsDomain", "NTDomain", "HostName", "FullName", "NetBiosName", "AzureID", "OMSAgentID", "OSFamily", "OSVersion", "IsDomainJoined"},
		[][]string{{"FullName"}, {"HostName"}, {"NetBiosName"}, {"AzureID"}, {"OMSAgentID"}}},
	"IP":       {[]string{"Address"}, [][]string{{"Address"}}},
	"URL":      {[]string{"Url"}, [][]string{{"Url"}}},
	"DNS":      {[]string{"DomainName"}, [][]string{{"DomainName"}}},
	"Process":  {[]string{"ProcessId", "CommandLine", "ElevationToken", "CreationTimeUtc"}, [][]string{{"CommandLine"}, {"ProcessId"}}},
	"File":     {[]string{"Directory", "Name"}, [][]string{{"Name"}}},
	"FileHash": {[]string{"Algorithm", "Value"}, [][]string{{"Algorithm", "Value"}}},
}

// NewAnalyticsRule builds the analytics rule for a compiled rule. The
// query is the compiled query, extended with alias columns where an entity
// column's name is not a plain identifier.
func NewAnalyticsRule(d target.Deployable, opts target.Options) (*AnalyticsRule, error) {
	q := d.Query
	if q == nil || q.Rule == nil {
		return nil, fmt.Errorf("kql: a deployable has no compiled query")
	}
	r := q.Rule.Rule
	prof, err := Profile(q.Profile, opts.Overrides)
	if err != nil {
		return nil, err
	}
	a := &AnalyticsRule{
		ID:               RuleGUID(q.Profile, r.ID),
		Name:             r.Title,
		TriggerOperator:  "gt",
		TriggerThreshold: 0,
		Query:            q.Text,
		Enabled:          d.Enabled,
		Response:         r.Response,
		RuleID:           r.ID,
		Pos:              r.Pos,
		profile:          q.Profile,
	}
	if a.Name == "" {
		a.Name = r.ID
	}
	if a.Severity = severities[strings.ToLower(r.Level)]; a.Severity == "" {
		return nil, a.errorf("level %q has no Sentinel severity (informational, low, medium, high or critical)", r.Level)
	}
	a.Description = description(r, d.Runbook)
	if conn := q.Source.Attr("connector"); conn != "" {
		types := splitList(q.Source.Attr("datatypes"))
		if len(types) == 0 {
			types = []string{q.Source.Attr("table")}
		}
		a.RequiredDataConnectors = []DataConnector{{ConnectorID: conn, DataTypes: types}}
	}
	if err := a.schedule(r, q.Source); err != nil {
		return nil, err
	}
	if a.Tactics, a.RelevantTechniques, err = attackNames(r); err != nil {
		return nil, a.errorf("%v", err)
	}
	if err := a.entities(r, prof, q.Source); err != nil {
		return nil, err
	}
	a.Version = templateVersion(d.Version, a.Query)
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *AnalyticsRule) errorf(format string, args ...any) error {
	return fmt.Errorf("%s: rule %s: Sentinel analytics rule: %s", a.Pos, a.RuleID, fmt.Sprintf(format, args...))
}

// refuse is the refusal of a rule that is beyond a limit of Sentinel's
// analytics rules: the rule is left out of the package, the others stay.
func (a *AnalyticsRule) refuse(construct, format string, args ...any) *target.Refusal {
	return &target.Refusal{RuleID: a.RuleID, Target: Name, Profile: a.profile, Pos: a.Pos, Construct: construct, Reason: fmt.Sprintf(format, args...)}
}

// Validate checks the limits Sentinel's template validation enforces. A
// rule beyond a limit of Sentinel (its query's or name's length, the
// schedule its window needs) is a *target.Refusal; anything else is an
// error of the profile or of detc.
func (a *AnalyticsRule) Validate() error {
	if err := a.validateSchedule(); err != nil {
		return err
	}
	switch {
	case !guidPattern.MatchString(a.ID):
		return a.errorf("id %q is not a GUID", a.ID)
	case a.Name == "":
		return a.errorf("the name is empty")
	case textutil.UTF16Len(a.Name) > MaxNameLength:
		return a.refuse("its title as an analytics rule name", "it is %d characters; Sentinel takes at most %d: shorten the title", textutil.UTF16Len(a.Name), MaxNameLength)
	case textutil.UTF16Len(a.Description) > MaxDescriptionLength:
		return a.errorf("description must be at most %d characters, not %d", MaxDescriptionLength, textutil.UTF16Len(a.Description))
	case a.Query == "":
		return a.errorf("the query is empty")
	case textutil.UTF16Len(a.Query) > MaxQueryLength:
		return a.refuse("its query in a scheduled analytics rule", "the query is %d characters; Sentinel takes at most %d: split the rule or shorten its value lists", textutil.UTF16Len(a.Query), MaxQueryLength)
	case a.TriggerThreshold < 0 || a.TriggerThreshold > MaxTriggerThreshold:
		return a.errorf("triggerThreshold must be 0 to %d", MaxTriggerThreshold)
	case !versionPattern.MatchString(a.Version):
		return a.errorf("version %q is not X.Y.Z", a.Version)
	}
	// KQL literals write every character outside ASCII as an escape
	// (Quote), so a query is ASCII: the Azure-Sentinel repository takes
	// only ASCII rule files, and the YAML keeps the query a readable block.
	if i := strings.IndexFunc(a.Query, func(r rune) bool { return r > 0x7E }); i >= 0 {
		r, _ := utf8.DecodeRuneInString(a.Query[i:])
		return a.errorf("the query holds %U (%q) outside its string literals, which escape it: a table or column name of the profile must be ASCII", r, r)
	}
	if _, ok := map[string]bool{"Informational": true, "Low": true, "Medium": true, "High": true}[a.Severity]; !ok {
		return a.errorf("severity %q is not Informational, Low, Medium or High", a.Severity)
	}
	if len(a.EntityMappings) > MaxEntityMappings {
		return a.errorf("%d entity mappings; Sentinel accepts at most %d", len(a.EntityMappings), MaxEntityMappings)
	}
	for _, e := range a.EntityMappings {
		ids, ok := entityIdentifiers[e.EntityType]
		if !ok {
			return a.errorf("entity type %q is not one detc maps (%s)", e.EntityType, strings.Join(slices.Sorted(maps.Keys(entityIdentifiers)), ", "))
		}
		if len(e.FieldMappings) < 1 || len(e.FieldMappings) > MaxFieldMappings {
			return a.errorf("entity %s has %d field mappings; Sentinel accepts 1 to %d", e.EntityType, len(e.FieldMappings), MaxFieldMappings)
		}
		have := map[string]bool{}
		for _, f := range e.FieldMappings {
			if !slices.Contains(ids.all, f.Identifier) {
				return a.errorf("entity %s has no identifier %q (known: %s)", e.EntityType, f.Identifier, strings.Join(ids.all, ", "))
			}
			if !plainIdent.MatchString(f.ColumnName) {
				return a.errorf("entity %s maps to column %q, which is not a plain column name", e.EntityType, f.ColumnName)
			}
			have[f.Identifier] = true
		}
		if !hasRequired(ids.required, have) {
			return a.errorf("entity %s needs one of the identifier sets %v", e.EntityType, ids.required)
		}
	}
	return nil
}

// validateSchedule checks the schedule against Sentinel's range: a
// schedule the rule's aggregation window asks for is the rule's refusal,
// one the profile's attrs set is the profile's error.
func (a *AnalyticsRule) validateSchedule() error {
	problem := ""
	switch {
	case a.QueryFrequency < MinFrequency || a.QueryFrequency > MaxPeriod:
		problem = fmt.Sprintf("queryFrequency %s is outside 5m to 14d", isoDuration(a.QueryFrequency))
	case a.QueryPeriod < MinFrequency || a.QueryPeriod > MaxPeriod:
		problem = fmt.Sprintf("queryPeriod %s is outside 5m to 14d", isoDuration(a.QueryPeriod))
	case a.QueryPeriod < a.QueryFrequency:
		problem = fmt.Sprintf("queryPeriod %s is shorter than queryFrequency %s", isoDuration(a.QueryPeriod), isoDuration(a.QueryFrequency))
	case a.QueryPeriod >= 48*time.Hour && a.QueryFrequency < time.Hour:
		problem = "a queryPeriod of 2 days or more needs a queryFrequency of at least 1 hour"
	case a.QueryFrequency%time.Minute != 0 || a.QueryPeriod%time.Minute != 0:
		problem = "queryFrequency and queryPeriod must be whole minutes"
	default:
		return nil
	}
	if a.scheduleSet {
		return a.errorf("%s", problem)
	}
	return a.refuse("its aggregation window in a scheduled analytics rule", "the window needs a schedule Sentinel does not run: %s", problem)
}

func hasRequired(sets [][]string, have map[string]bool) bool {
	for _, set := range sets {
		all := true
		for _, id := range set {
			all = all && have[id]
		}
		if all {
			return true
		}
	}
	return false
}

var (
	guidPattern    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	versionPattern = regexp.MustCompile(`^\d+\.\d+\.\d+$`)
)

// guidNamespace is the UUID namespace of detc's Sentinel rules: the
// name-based (v5) UUID of https://github.com/detc/detc/backends/kql in the
// URL namespace.
var guidNamespace = [16]byte{0xa0, 0x71, 0x2b, 0xa2, 0x21, 0xb8, 0x54, 0x8c, 0xaf, 0x0a, 0xee, 0x60, 0xf7, 0xb1, 0x2a, 0x4e}

// RuleGUID is a rule's stable analytics rule id: the name-based (v5,
// SHA-1) UUID of "<profile>:<rule id>" in detc's namespace, so that one
// rule keeps its id across builds and each profile gets its own.
func RuleGUID(profile, ruleID string) string {
	h := sha1.New()
	h.Write(guidNamespace[:])
	h.Write([]byte(profile + ":" + ruleID))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	s := hex.EncodeToString(u[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

// templateVersion derives Sentinel's X.Y.Z version from the deployable's
// content hash (or, without one, from the query): 1.A.B with A and B the
// hash's first two 16-bit words. It changes whenever the content does; it
// does not order versions. A version already in X.Y.Z form is kept.
func templateVersion(hash, query string) string {
	if versionPattern.MatchString(hash) {
		return hash
	}
	digest := []byte(hash)
	if decoded, err := hex.DecodeString(hash); err == nil && len(decoded) >= 4 {
		digest = decoded
	} else {
		sum := sha1.Sum([]byte(hash + "\x00" + query))
		digest = sum[:]
	}
	return fmt.Sprintf("1.%d.%d", int(digest[0])<<8|int(digest[1]), int(digest[2])<<8|int(digest[3]))
}

// description is the rule's description, then the runbook's summary and
// where the rule comes from, cut to Sentinel's limit.
func description(r *rule.Rule, runbook string) string {
	var parts []string
	if d := strings.TrimSpace(r.Description); d != "" {
		parts = append(parts, d)
	}
	if s := runbookSummary(r, runbook); s != "" {
		parts = append(parts, "Triage: "+s)
	}
	if len(r.References) > 0 {
		parts = append(parts, "References: "+strings.Join(r.References, " "))
	}
	parts = append(parts, "Compiled by detc from rule "+r.ID+".")
	return truncate(strings.Join(parts, "\n\n"), MaxDescriptionLength)
}

// runbookSummary is the runbook's summary: the rule's own, or the first
// paragraph of the runbook Markdown that is not a heading.
func runbookSummary(r *rule.Rule, md string) string {
	if r.Runbook != nil && strings.TrimSpace(r.Runbook.Summary) != "" {
		return strings.TrimSpace(r.Runbook.Summary)
	}
	for _, para := range strings.Split(md, "\n\n") {
		para = strings.TrimSpace(para)
		if para != "" && !strings.HasPrefix(para, "#") {
			return strings.Join(strings.Fields(para), " ")
		}
	}
	return ""
}

// truncate cuts s to at most n UTF-16 units (the limits count .NET
// characters), at a space when one is near, and marks the cut.
func truncate(s string, n int) string {
	if textutil.UTF16Len(s) <= n {
		return s
	}
	const mark = " [...]"
	runes := []rune(s)
	for textutil.UTF16Len(string(runes))+len(mark) > n {
		runes = runes[:len(runes)-1]
	}
	cut := string(runes)
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)-80 && i > 0 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " \n") + mark
}

// schedule sets how often the rule runs and how far back it looks. A rule
// without aggregation runs hourly over the last hour. An aggregating rule
// runs every window (at least hourly) and looks back one run plus one
// window, so that every window that closed since the last run is seen
// whole. The source's attrs frequency and period override both.
func (a *AnalyticsRule) schedule(r *rule.Rule, src *mapping.Source) error {
	a.QueryFrequency, a.QueryPeriod = defaultFrequency, defaultFrequency
	if agg := r.Aggregation; agg != nil {
		a.QueryFrequency = max(defaultFrequency, agg.Window.Round(time.Minute))
		a.QueryPeriod = a.QueryFrequency + agg.Window
	}
	for _, o := range []struct {
		attr string
		dst  *time.Duration
	}{{"frequency", &a.QueryFrequency}, {"period", &a.QueryPeriod}} {
		if v := src.Attr(o.attr); v != "" {
			d, err := parseDuration(v)
			if err != nil {
				return a.errorf("attrs.%s: %v", o.attr, err)
			}
			*o.dst = d
			a.scheduleSet = true
		}
	}
	return nil
}

// parseDuration reads 30m, 1h, 2d (Sentinel's YAML units).
func parseDuration(s string) (time.Duration, error) {
	units := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}
	if len(s) < 2 || units[s[len(s)-1]] == 0 {
		return 0, fmt.Errorf("%q is not a duration such as 30m, 1h or 2d", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a duration such as 30m, 1h or 2d", s)
	}
	return time.Duration(n) * units[s[len(s)-1]], nil
}

// sentinelDuration writes a duration as the YAML does: 5m, 1h, 1d.
func sentinelDuration(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	}
	return strconv.Itoa(int(d/time.Minute)) + "m"
}

// isoDuration writes a duration in ISO 8601, as ARM wants: PT1H, P1D,
// P1DT2H30M.
func isoDuration(d time.Duration) string {
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h, m := d/time.Hour, (d%time.Hour)/time.Minute
	var b strings.Builder
	b.WriteByte('P')
	if days > 0 {
		fmt.Fprintf(&b, "%dD", days)
	}
	if h > 0 || m > 0 || days == 0 {
		b.WriteByte('T')
		if h > 0 {
			fmt.Fprintf(&b, "%dH", h)
		}
		if m > 0 || h == 0 {
			fmt.Fprintf(&b, "%dM", m)
		}
	}
	return b.String()
}

// attackNames gives Sentinel's tactic names and the technique ids. Every
// technique needs one of its tactics in the list (the repository's
// validation checks it), so a technique whose tactics are all missing
// brings them in. Techniques the ATT&CK data lacks are left out.
func attackNames(r *rule.Rule) ([]string, []string, error) {
	var tactics []string
	seen := map[string]bool{}
	addTactic := func(id string) error {
		tac, ok := attack.LookupTactic(id)
		if !ok {
			return fmt.Errorf("unknown ATT&CK tactic %q", id)
		}
		name := sentinelTactic(tac.Name)
		if !seen[name] {
			seen[name] = true
			tactics = append(tactics, name)
		}
		return nil
	}
	for _, t := range r.Attack.Tactics {
		if err := addTactic(t); err != nil {
			return nil, nil, err
		}
	}
	var techniques []string
	for _, id := range r.Attack.Techniques {
		tech, ok := attack.LookupTechnique(id)
		if !ok {
			// A technique newer than the ATT&CK release detc reads (lint
			// warns about it): Sentinel validates relevantTechniques, so
			// it is left out rather than failing the whole package.
			continue
		}
		techniques = append(techniques, tech.ID)
		covered := false
		for _, t := range tech.Tactics {
			tac, _ := attack.LookupTactic(t)
			covered = covered || seen[sentinelTactic(tac.Name)]
		}
		if !covered {
			for _, t := range tech.Tactics {
				if err := addTactic(t); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	return tactics, techniques, nil
}

// sentinelTactic writes an ATT&CK tactic name as Sentinel's enum does:
// "Command and Control" is CommandAndControl.
func sentinelTactic(name string) string {
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// entities maps result columns to Sentinel entities, from the source's
// attrs.entities ("Type:Identifier=Column[,Identifier=Column]; ..."). A
// mapping is kept only when its columns are in the result: an aggregating
// query keeps only its group-by columns, and a passthrough profile's table
// is known to hold only the fields the rule reads. A column whose name is
// not a plain identifier gets an alias column, added to the query.
func (a *AnalyticsRule) entities(r *rule.Rule, prof *mapping.Profile, src *mapping.Source) error {
	spec := src.Attr("entities")
	if spec == "" {
		return nil
	}
	available, restricted, err := resultColumns(r, prof, src)
	if err != nil {
		return a.errorf("%v", err)
	}
	aliases := map[string]string{}
	var extend []string
	for _, item := range strings.Split(spec, ";") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		typ, fields, ok := strings.Cut(item, ":")
		if !ok {
			return a.errorf("attrs.entities item %q is not Type:Identifier=Column", item)
		}
		e := EntityMapping{EntityType: strings.TrimSpace(typ)}
		keep := true
		for _, f := range strings.Split(fields, ",") {
			id, col, ok := strings.Cut(strings.TrimSpace(f), "=")
			if !ok {
				return a.errorf("attrs.entities item %q is not Type:Identifier=Column", item)
			}
			id, col = strings.TrimSpace(id), strings.TrimSpace(col)
			if restricted && !available[col] {
				keep = false
				break
			}
			name := col
			if !plainIdent.MatchString(col) || keywords[col] {
				if aliases[col] == "" {
					aliases[col] = fmt.Sprintf("Entity%s%d", e.EntityType, len(aliases)+1)
					extend = append(extend, aliases[col]+" = "+Ident(col))
				}
				name = aliases[col]
			}
			e.FieldMappings = append(e.FieldMappings, FieldMapping{Identifier: id, ColumnName: name})
		}
		if keep {
			a.EntityMappings = append(a.EntityMappings, e)
		}
	}
	if len(extend) > 0 {
		a.Query += "\n| extend " + strings.Join(extend, ", ")
	}
	return nil
}

// resultColumns lists the target columns the query's result is known to
// hold; restricted is false when it holds every column of the source.
func resultColumns(r *rule.Rule, prof *mapping.Profile, src *mapping.Source) (map[string]bool, bool, error) {
	cols := map[string]bool{}
	add := func(field string) error {
		f, err := prof.Field(src, field)
		if err != nil {
			return err
		}
		for _, n := range f.Names {
			cols[n] = true
		}
		return nil
	}
	if agg := r.Aggregation; agg != nil {
		// A key mapped to several columns is summarized as one derived
		// column named after the Sigma field (see single in agg.go).
		for _, g := range agg.GroupBy {
			f, err := prof.Field(src, g)
			if err != nil {
				return nil, false, err
			}
			if len(f.Names) > 1 {
				cols[g] = true
			} else if err := add(g); err != nil {
				return nil, false, err
			}
		}
		return cols, true, nil
	}
	if !prof.Passthrough {
		return nil, false, nil
	}
	for _, s := range r.Searches {
		for _, g := range s.Groups {
			for _, m := range g.Matchers {
				if !m.IsKeyword() {
					if err := add(m.Field); err != nil {
						return nil, false, err
					}
				}
			}
		}
	}
	return cols, true, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
