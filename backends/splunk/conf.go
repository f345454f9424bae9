package splunk

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/rule"
)

// Defaults of the Splunk app's identity (target.App).
const (
	// AppID is the folder and id of the Splunk app Package writes.
	AppID     = "detc_detections"
	appLabel  = "detc detections"
	appAuthor = "detc"
)

// appIDPattern is what Splunk accepts as an app id, which is also its folder.
var appIDPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`)

// appVersionPattern is the version form app.conf takes (major.minor.patch,
// optionally with a suffix).
var appVersionPattern = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+([.-][A-Za-z0-9]+)?$`)

// Scheduling of every correlation search: every 15 minutes over the
// minutes that ended 5 minutes ago (late events), snapped to the minute so
// consecutive runs tile time without gaps or overlap.
const (
	cronSchedule = "*/15 * * * *"
	runEvery     = 15 * time.Minute
	lag          = 5 * time.Minute
)

// Package implements target.Backend: a Splunk app folder with one
// Enterprise Security correlation search per rule. Pivot rules are
// investigation searches, not detections, and are left out. A rule whose
// saved search name another rule already has is refused.
func (b *Backend) Package(ds []target.Deployable, opts target.Options) ([]target.Artifact, []*target.Refusal, error) {
	p, err := b.profile(opts)
	if err != nil {
		return nil, nil, err
	}
	type entry struct {
		name string
		d    target.Deployable
	}
	var entries []entry
	titles := map[string]int{}
	for _, d := range ds {
		if d.Query == nil || d.Query.Rule == nil {
			return nil, nil, fmt.Errorf("splunk: package: a deployable has no compiled query")
		}
		if d.Query.Rule.IsPivot() {
			continue
		}
		titles[stanzaTitle(d.Query.Rule.Rule)]++
		entries = append(entries, entry{d: d})
	}
	seen := map[string]string{}
	var refusals []*target.Refusal
	named := entries[:0]
	for _, e := range entries {
		r := e.d.Query.Rule
		t := stanzaTitle(r.Rule)
		if titles[t] > 1 {
			t += " (" + sanitizeLine(r.ID) + ")"
		}
		name := "detc - " + t + " - Rule"
		if other, dup := seen[name]; dup {
			// Splunk keys saved searches by name: the second would
			// replace the first.
			refusals = append(refusals, target.Refuse(r.Rule, Name, p.Name, r.Pos, "its saved search name",
				"%q is already rule %s's: give the rules distinct titles or ids", name, other))
			continue
		}
		seen[name] = r.ID
		e.name = name
		named = append(named, e)
	}
	entries = named
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })

	var conf bytes.Buffer
	conf.WriteString("# Enterprise Security correlation searches written by detc. Do not edit:\n# change the detections and rebuild.\n")
	var responses [][3]string
	for _, e := range entries {
		conf.WriteString("\n")
		writeStanza(&conf, e.name, e.d, p, b.scheduled(e.d.Query, opts))
		if e.d.Query.Rule.Response != nil {
			responses = append(responses, responseRow(e.name, e.d.Query.Rule.Rule))
		}
	}
	app, err := appIdentity(opts.App, conf.Bytes())
	if err != nil {
		return nil, nil, err
	}
	arts := []target.Artifact{
		{Path: app.Name + "/default/app.conf", Data: appConf(app)},
		{Path: app.Name + "/default/savedsearches.conf", Data: conf.Bytes()},
		{Path: app.Name + "/metadata/default.meta", Data: []byte(defaultMeta)},
	}
	if len(responses) > 0 {
		arts = append(arts, target.Artifact{Path: app.Name + "/" + responsesLookup, Data: responsesCSV(responses)})
	}
	return arts, refusals, nil
}

// appIdentity fills the app's defaults and checks what the user set. The
// default version is derived from the searches the app holds: 1.A.B, A and
// B the first two 16-bit words of their SHA-256, so that Splunk sees a new
// version (an upgrade) exactly when a search changes. It identifies the
// content; it does not order releases.
func appIdentity(app target.App, conf []byte) (target.App, error) {
	if app.Name == "" {
		app.Name = AppID
	}
	if !appIDPattern.MatchString(app.Name) {
		return app, fmt.Errorf("splunk: app name %q is not a Splunk app id (a letter, then letters, digits, '_', '.' or '-')", app.Name)
	}
	if app.Label == "" {
		app.Label = appLabel
		if app.Name != AppID {
			app.Label = app.Name
		}
	}
	if app.Author == "" {
		app.Author = appAuthor
	}
	if app.Version == "" {
		sum := sha256.Sum256(conf)
		app.Version = fmt.Sprintf("1.%d.%d", binary.BigEndian.Uint16(sum[0:2]), binary.BigEndian.Uint16(sum[2:4]))
	}
	if !appVersionPattern.MatchString(app.Version) {
		return app, fmt.Errorf("splunk: app version %q is not of the form major.minor.patch", app.Version)
	}
	return app, nil
}

func appConf(app target.App) []byte {
	return []byte(`# Splunk app written by detc.
[install]
is_configured = true
state = enabled

[launcher]
author = ` + sanitizeLine(app.Author) + `
description = Detections compiled by detc: Enterprise Security correlation searches.
version = ` + app.Version + `

[package]
id = ` + app.Name + `
check_for_updates = false

[ui]
is_visible = false
label = ` + sanitizeLine(app.Label) + `
`)
}

// defaultMeta shares the app's objects with every app, so that Enterprise
// Security lists the correlation searches; only admins may change them.
const defaultMeta = `# Permissions written by detc.
[]
access = read : [ * ], write : [ admin, sc_admin ]
export = system
`

func stanzaTitle(r *rule.Rule) string {
	for _, s := range []string{r.Title, r.Name, r.ID} {
		if t := strings.TrimSpace(sanitizeLine(s)); t != "" {
			return t
		}
	}
	return "untitled"
}

// sanitizeLine makes text safe in a stanza name: one line, no brackets.
func sanitizeLine(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '[':
			return '('
		case r == ']':
			return ')'
		case r < 0x20 || r == 0x7f:
			return ' '
		}
		return r
	}, s)
}

// scheduled is the search a correlation search runs: over a CIM data
// model, the tstats variant, which reads the accelerated summaries
// (summariesonly=true) instead of searching the events behind the model,
// as Splunk ES's own content does; the `| datamodel` form stays the
// query of detc compile and the runbooks, for ad-hoc use. A rule tstats
// cannot express keeps its `| datamodel` search.
func (b *Backend) scheduled(q *target.Query, opts target.Options) string {
	if !strings.HasPrefix(q.Text, "| datamodel ") {
		return q.Text
	}
	opts.Profile, opts.Variant = q.Profile, VariantTstats
	t, err := b.Compile(q.Rule, opts)
	if err != nil {
		return q.Text
	}
	return t.Text
}

func writeStanza(w *bytes.Buffer, name string, d target.Deployable, p *mapping.Profile, search string) {
	q := d.Query
	r := q.Rule
	title := stanzaTitle(r.Rule)
	fmt.Fprintf(w, "# rule %s, profile %s, version %s\n", sanitizeLine(r.ID), p.Name, sanitizeLine(d.Version))
	fmt.Fprintf(w, "[%s]\n", name)
	kv := map[string]string{
		"action.correlationsearch.enabled":      flag(d.Enabled),
		"action.correlationsearch.label":        title,
		"action.notable":                        "1",
		"action.notable.param.rule_title":       title,
		"action.notable.param.rule_description": firstNonEmpty(r.Description, title),
		"action.notable.param.security_domain":  securityDomain(q),
		"action.notable.param.severity":         severity(r.Level),
		"alert.digest_mode":                     "1",
		"counttype":                             "number of events",
		"cron_schedule":                         cronSchedule,
		"description":                           firstNonEmpty(r.Description, title),
		"disabled":                              flag(!d.Enabled),
		"enableSched":                           flag(d.Enabled),
		"quantity":                              "0",
		"relation":                              "greater than",
		"schedule_window":                       "auto",
		"search":                                search,
	}
	if len(r.Attack.Techniques) > 0 {
		kv["action.correlationsearch.annotations"] = jsonText(map[string][]string{"mitre_attack": r.Attack.Techniques})
	}
	if d.Runbook != "" {
		kv["action.notable.param.next_steps"] = jsonText(struct {
			Version int    `json:"version"`
			Data    string `json:"data"`
		}{1, d.Runbook})
	}
	earliest := runEvery
	suppressFor := time.Hour
	var suppress []string
	riskField := q.Source.Attr("risk_object")
	if agg := r.Aggregation; agg != nil {
		// Each run reaches back far enough that every window lies wholly
		// inside some run; suppression keeps the overlap from alerting
		// twice for the same group.
		earliest = max(agg.Window, runEvery) + agg.Window
		suppressFor = max(agg.Window, time.Minute)
		suppress = groupFields(p, q)
		riskField = ""
		if len(suppress) > 0 {
			riskField = suppress[0]
		}
	} else if riskField != "" {
		suppress = []string{riskField}
	}
	kv["dispatch.earliest_time"] = fmt.Sprintf("-%dm@m", int((earliest+lag+time.Minute-1)/time.Minute))
	kv["dispatch.latest_time"] = fmt.Sprintf("-%dm@m", int(lag/time.Minute))
	kv["action.risk"] = "0"
	if riskField != "" {
		kv["action.risk"] = "1"
		kv["action.risk.param._risk"] = jsonText([]map[string]any{{
			"risk_object_field": riskField,
			"risk_object_type":  firstNonEmpty(q.Source.Attr("risk_object_type"), "system"),
			"risk_score":        riskScore(r.Level),
		}})
		kv["action.risk.param._risk_message"] = title
		kv["action.risk.param.verbose"] = "0"
	}
	kv["action.notable.param.drilldown_searches"] = jsonText(drilldowns(name, title, riskField))
	addResponse(kv, r.Rule)
	kv["alert.suppress"] = "0"
	if len(suppress) > 0 {
		kv["alert.suppress"] = "1"
		kv["alert.suppress.fields"] = strings.Join(suppress, ",")
		kv["alert.suppress.period"] = fmt.Sprintf("%ds", int(suppressFor/time.Second))
	}
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		writeValue(w, k, kv[k])
	}
}

// drilldown is one of Enterprise Security's drilldown searches of a
// notable: the offsets are the notable's search window.
type drilldown struct {
	Name           string `json:"name"`
	Search         string `json:"search"`
	EarliestOffset string `json:"earliest_offset"`
	LatestOffset   string `json:"latest_offset"`
}

// drilldowns are the searches an analyst runs from the notable: the
// correlation search itself (by name, so the query is not repeated) over
// the window that raised it and, when the notable has a risk object, its
// results for that object ($field$ is the notable's value).
func drilldowns(name, title, riskField string) []drilldown {
	search := "| savedsearch " + searchValue(name)
	out := []drilldown{{Name: "View the results of " + title, Search: search, EarliestOffset: "$info_min_time$", LatestOffset: "$info_max_time$"}}
	if searchFieldOK(riskField) {
		out = append(out, drilldown{
			Name:           fmt.Sprintf("View the results of %s for %s $%s$", title, riskField, riskField),
			Search:         fmt.Sprintf("%s\n| search %s=\"$%s$\"", search, riskField, riskField),
			EarliestOffset: "$info_min_time$", LatestOffset: "$info_max_time$",
		})
	}
	return out
}

// groupFields are the target names of an aggregation's group-by fields,
// as the query's stats command names them.
func groupFields(p *mapping.Profile, q *target.Query) []string {
	var out []string
	for _, g := range q.Rule.Aggregation.GroupBy {
		f, err := p.Field(q.Source, g)
		switch {
		case err != nil || len(f.Names) == 0:
		case len(f.Names) > 1:
			out = append(out, keyName(g)) // the derived key stats grouped by
		default:
			out = append(out, f.Names[0])
		}
	}
	return out
}

// writeValue writes key = value; a multi-line value continues with a
// backslash at the end of each line but the last, as .conf files require
// (trailing line breaks are dropped: a continuation into an empty line
// would read as the end of the stanza's key).
// A line that itself ends with a backslash gets a trailing space, so that
// it does not swallow the next line.
func writeValue(w *bytes.Buffer, key, value string) {
	value = strings.TrimRight(strings.ReplaceAll(value, "\r\n", "\n"), "\n")
	lines := strings.Split(value, "\n")
	fmt.Fprintf(w, "%s = ", key)
	for i, line := range lines {
		line = strings.ReplaceAll(line, "\r", " ")
		if strings.HasSuffix(line, `\`) {
			line += " "
		}
		w.WriteString(line)
		if i < len(lines)-1 {
			w.WriteString("\\\n")
		}
	}
	w.WriteString("\n")
}

// flag writes a boolean as .conf files do.
func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func jsonText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // plain maps, slices and strings always encode
	return strings.TrimSuffix(b.String(), "\n")
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// severity: Enterprise Security's notable severities are Sigma's levels.
func severity(level string) string {
	switch l := strings.ToLower(level); l {
	case "informational", "low", "medium", "high", "critical":
		return l
	}
	return "medium"
}

func riskScore(level string) int {
	return map[string]int{"informational": 10, "low": 25, "medium": 50, "high": 75, "critical": 100}[severity(level)]
}

// securityDomain: the profile's source says it; otherwise it follows from
// the log source (hosts are endpoint, traffic is network).
func securityDomain(q *target.Query) string {
	if d := q.Source.Attr("security_domain"); d != "" {
		return d
	}
	ls := q.Rule.LogSource
	switch strings.ToLower(ls.Category) {
	case "proxy", "dns", "dns_query", "firewall", "network_connection", "webserver":
		return "network"
	}
	switch strings.ToLower(ls.Product) {
	case "windows", "linux", "macos":
		return "endpoint"
	}
	return "threat"
}
