package elastic

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/attack"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/rule"
)

// RulesFile is the NDJSON file of Kibana detection rules, for
// POST /api/detection_engine/rules/_import.
const RulesFile = "detection-rules.ndjson"

// Default schedule of a rule without aggregation: every 5 minutes over the
// last 6, so that runs overlap by a minute for late events.
const (
	defaultInterval = "5m"
	defaultFrom     = "now-6m"
)

// kibanaRule is one detection rule as the import API reads it. Field order
// is fixed so that files are byte-identical for the same input.
type kibanaRule struct {
	RuleID              string              `json:"rule_id"`
	Name                string              `json:"name"`
	Description         string              `json:"description"`
	Type                string              `json:"type"`
	Language            string              `json:"language"`
	Index               []string            `json:"index,omitempty"`
	Query               string              `json:"query"`
	Threshold           *kibanaThreshold    `json:"threshold,omitempty"`
	RequiredFields      []kibanaField       `json:"required_fields"`
	RelatedIntegrations []kibanaIntegration `json:"related_integrations"`
	Setup               string              `json:"setup"`
	TimestampOverride   string              `json:"timestamp_override,omitempty"`
	RiskScore           int                 `json:"risk_score"`
	Severity            string              `json:"severity"`
	Threat              []kibanaThreat      `json:"threat"`
	From                string              `json:"from"`
	Interval            string              `json:"interval"`
	Enabled             bool                `json:"enabled"`
	Author              []string            `json:"author,omitempty"`
	References          []string            `json:"references,omitempty"`
	FalsePositives      []string            `json:"false_positives,omitempty"`
	Note                string              `json:"note,omitempty"`
	Tags                []string            `json:"tags"`
	Version             int                 `json:"version"`
	Meta                map[string]any      `json:"meta"`
	MaxSignals          int                 `json:"max_signals"`
	// The detection's declared automated response (response.go).
	ResponseActions []kibanaResponseAction `json:"response_actions,omitempty"`
	Actions         []kibanaAction         `json:"actions,omitempty"`
}

// kibanaField is a field the rule's query reads, which Kibana checks the
// indexes for.
type kibanaField struct {
	Name string `json:"name"`
	Type string `json:"type"`
	ECS  bool   `json:"ecs"`
}

// kibanaIntegration is an Elastic integration whose data the rule reads.
type kibanaIntegration struct {
	Package string `json:"package"`
	Version string `json:"version"`
}

type kibanaThreshold struct {
	Field       []string            `json:"field"`
	Value       int64               `json:"value"`
	Cardinality []kibanaCardinality `json:"cardinality,omitempty"`
}

type kibanaCardinality struct {
	Field string `json:"field"`
	Value int64  `json:"value"`
}

type kibanaThreat struct {
	Framework string            `json:"framework"`
	Tactic    kibanaRef         `json:"tactic"`
	Technique []kibanaTechnique `json:"technique,omitempty"`
}

type kibanaRef struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Reference string `json:"reference"`
}

type kibanaTechnique struct {
	kibanaRef
	Subtechnique []kibanaRef `json:"subtechnique,omitempty"`
}

// Package implements target.Backend: one NDJSON file with a Kibana
// detection rule per compiled rule, sorted by rule id. A rule whose rule
// object cannot be written (its threshold fields refused by the profile)
// is refused; the others are packaged.
func (b *Backend) Package(ds []target.Deployable, opts target.Options) ([]target.Artifact, []*target.Refusal, error) {
	sorted := append([]target.Deployable(nil), ds...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Query.Rule.ID < sorted[j].Query.Rule.ID })
	var out bytes.Buffer
	var refusals []*target.Refusal
	for _, d := range sorted {
		kr, err := kibana(d, opts)
		var refusal *target.Refusal
		if errors.As(err, &refusal) {
			refusals = append(refusals, refusal)
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		// Encoder ends each object with a newline; queries keep their < > &.
		enc := json.NewEncoder(&out)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(kr); err != nil {
			return nil, nil, err
		}
	}
	return []target.Artifact{{Path: RulesFile, Data: out.Bytes()}}, refusals, nil
}

// kibana builds one rule's import object.
func kibana(d target.Deployable, opts target.Options) (*kibanaRule, error) {
	q, r := d.Query, d.Query.Rule
	score, severity := risk(r.Level)
	fields, err := requiredFields(d, opts)
	if err != nil {
		return nil, err
	}
	kr := &kibanaRule{
		RuleID:         r.ID,
		Name:           r.Title,
		Description:    r.Description,
		Language:       q.Lang,
		Query:          q.Text,
		RiskScore:      score,
		Severity:       severity,
		Threat:         threats(r.Attack),
		From:           defaultFrom,
		Interval:       defaultInterval,
		Enabled:        d.Enabled,
		References:     r.References,
		FalsePositives: r.FalsePositives,
		Note:           d.Runbook,
		Tags:           append(append([]string{}, r.Tags...), "detc"),
		Version:        version(d.Version),
		Meta:           map[string]any{"detc_rule_id": r.ID, "detc_version": d.Version},
		MaxSignals:     100,
		RequiredFields: fields,
	}
	if kr.Name == "" {
		kr.Name = r.ID
	}
	if kr.Description == "" {
		kr.Description = kr.Name
	}
	if r.Author != "" {
		kr.Author = []string{r.Author}
	}
	if q.Lang != ESQL {
		kr.Index = indexes(q.Source)
		// Late events: a rule reads them by when they were indexed
		// (Kibana falls back to @timestamp where event.ingested is
		// missing). ES|QL rules take no timestamp override.
		kr.TimestampOverride = "event.ingested"
	}
	kr.RelatedIntegrations = integrations(q.Source)
	kr.Setup = setup(q, kr.RelatedIntegrations, fields)
	switch q.Lang {
	case Lucene:
		kr.Type = "query"
		if a := r.Aggregation; a != nil {
			t, err := kibanaThresholdOf(r, a, q, opts)
			if err != nil {
				return nil, err
			}
			kr.Type, kr.Threshold = "threshold", t
			kr.Interval, kr.From = schedule(a.Window)
		}
	case EQL:
		kr.Type = "eql"
	case ESQL:
		kr.Type = "esql"
		if a := r.Aggregation; a != nil {
			// The query reads the last complete window; from covers it.
			kr.Interval = duration(a.Window)
			kr.From = "now-" + duration(2*a.Window)
		}
	default:
		return nil, fmt.Errorf("elastic: rule %s: unknown language %q", r.ID, q.Lang)
	}
	kr.ResponseActions, kr.Actions = responses(r.Rule)
	return kr, nil
}

// kibanaThresholdOf maps a threshold's fields through the profile the
// query was compiled with.
func kibanaThresholdOf(r *check.Rule, a *rule.Aggregation, q *target.Query, opts target.Options) (*kibanaThreshold, error) {
	t := thresholdOf(a)
	if t == nil {
		return nil, fmt.Errorf("elastic: rule %s: its aggregation is not a threshold; compile it with --lang esql", r.ID)
	}
	p, err := Profile(target.Options{Profile: q.Profile, Overrides: opts.Overrides})
	if err != nil {
		return nil, err
	}
	c := &compiler{r: r, profile: p, source: q.Source, lang: Lucene, types: map[string]string{}}
	if err := c.inferTypes(); err != nil {
		return nil, err
	}
	kt := &kibanaThreshold{Field: []string{}, Value: t.Value}
	for _, g := range t.Fields {
		f, err := c.singleField(g, a.Pos)
		if err != nil {
			return nil, err
		}
		kt.Field = append(kt.Field, f.Name)
	}
	if t.CardinalityField != "" {
		f, err := c.singleField(t.CardinalityField, a.Pos)
		if err != nil {
			return nil, err
		}
		kt.Cardinality = []kibanaCardinality{{Field: f.Name, Value: t.CardinalityValue}}
	}
	return kt, nil
}

// schedule runs a threshold rule once per window over the last window.
func schedule(w time.Duration) (interval, from string) {
	return duration(w), "now-" + duration(w)
}

// duration writes a window in Kibana's units (s, m, h, d).
func duration(w time.Duration) string {
	switch {
	case w%(24*time.Hour) == 0:
		return strconv.FormatInt(int64(w/(24*time.Hour)), 10) + "d"
	case w%time.Hour == 0:
		return strconv.FormatInt(int64(w/time.Hour), 10) + "h"
	case w%time.Minute == 0:
		return strconv.FormatInt(int64(w/time.Minute), 10) + "m"
	}
	return strconv.FormatInt(int64((w+time.Second-1)/time.Second), 10) + "s"
}

// risk maps a Sigma level to Kibana's risk score and severity.
func risk(level string) (int, string) {
	switch strings.ToLower(level) {
	case "informational", "low":
		return 21, "low"
	case "high":
		return 73, "high"
	case "critical":
		return 99, "critical"
	}
	return 47, "medium"
}

// version turns detc's content hash into Kibana's integer version: the
// hash's first 7 hex digits (at most 268,435,455), so the version changes
// exactly when what the rule deploys does. It is an identity, not an
// order.
func version(hash string) int {
	if n, err := strconv.ParseUint(hash, 10, 31); err == nil && n > 0 {
		return int(n)
	}
	h := hash
	if len(h) > 7 {
		h = h[:7]
	}
	n, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		sum := sha1.Sum([]byte(hash))
		n = uint64(binary.BigEndian.Uint32(sum[:4]) >> 4)
	}
	return int(max(n, 1))
}

// ecsFieldSets are the ECS field sets the profiles use: a field in one is
// an ECS field (Kibana's required_fields say so).
var ecsFieldSets = []string{"client", "destination", "dns", "event", "file", "host", "http", "network", "process", "source", "url", "user", "user_agent"}

// requiredFields are the fields the query reads, with their types, sorted
// by name: the rule compiled again to learn them.
func requiredFields(d target.Deployable, opts target.Options) ([]kibanaField, error) {
	q := d.Query
	c, err := compile(q.Rule, target.Options{Profile: q.Profile, Lang: q.Lang, Overrides: opts.Overrides})
	if err != nil {
		return nil, err
	}
	out := []kibanaField{}
	for _, name := range slices.Sorted(maps.Keys(c.types)) {
		set, _, _ := strings.Cut(name, ".")
		out = append(out, kibanaField{Name: name, Type: c.types[name], ECS: q.Profile == "ecs" && slices.Contains(ecsFieldSets, set)})
	}
	return out, nil
}

// integrations are the Elastic integration packages whose data streams
// the source's index patterns name (logs-<package>.<dataset>-*), in
// order. Their version is "*": detc does not know which versions of an
// integration write the fields.
func integrations(src *mapping.Source) []kibanaIntegration {
	out := []kibanaIntegration{}
	for _, idx := range indexes(src) {
		rest, ok := strings.CutPrefix(idx, "logs-")
		pkg, _, dotted := strings.Cut(rest, ".")
		if !ok || !dotted || pkg == "" || strings.ContainsAny(pkg, "*?") ||
			slices.ContainsFunc(out, func(i kibanaIntegration) bool { return i.Package == pkg }) {
			continue
		}
		out = append(out, kibanaIntegration{Package: pkg, Version: "*"})
	}
	return out
}

// setup is the rule's setup guide: which data it needs.
func setup(q *target.Query, ints []kibanaIntegration, fields []kibanaField) string {
	var b strings.Builder
	b.WriteString("## Setup\n\n")
	if len(ints) > 0 {
		var names []string
		for _, i := range ints {
			names = append(names, "`"+i.Package+"`")
		}
		fmt.Fprintf(&b, "This rule reads events that one of these Elastic integrations writes: %s.", strings.Join(names, ", "))
	} else {
		b.WriteString("This rule reads events from the indexes it names.")
	}
	if q.Lang != ESQL {
		fmt.Fprintf(&b, " Index patterns: %s.", "`"+strings.Join(indexes(q.Source), "`, `")+"`")
	}
	if len(fields) > 0 {
		var names []string
		for _, f := range fields {
			names = append(names, "`"+f.Name+"`")
		}
		fmt.Fprintf(&b, " The events need the fields %s.", strings.Join(names, ", "))
	}
	b.WriteString(" Compiled by detc with the `" + q.Profile + "` profile; another field layout needs a mapping file (detc's docs/mappings.md).\n")
	return b.String()
}

// threats builds Kibana's threat list from the rule's ATT&CK ids: one
// entry per tactic, its techniques with their sub-techniques. A technique
// whose tactics the rule does not name goes under all of its own.
func threats(a rule.Attack) []kibanaThreat {
	type techEntry struct {
		ref  kibanaRef
		subs []kibanaRef
	}
	tactics := map[string]bool{}
	for _, t := range a.Tactics {
		if tac, ok := attack.LookupTactic(t); ok {
			tactics[tac.ID] = true
		}
	}
	byTactic := map[string]map[string]*techEntry{}
	for id := range tactics {
		byTactic[id] = map[string]*techEntry{}
	}
	for _, id := range a.Techniques {
		tech, ok := attack.LookupTechnique(id)
		if !ok {
			continue
		}
		parent := tech
		if p := tech.Parent(); p != "" {
			if pt, ok := attack.LookupTechnique(p); ok {
				parent = pt
			}
		}
		var under []string
		for _, tac := range tech.Tactics {
			if tactics[tac] {
				under = append(under, tac)
			}
		}
		if len(under) == 0 {
			under = tech.Tactics
		}
		for _, tac := range under {
			if byTactic[tac] == nil {
				byTactic[tac] = map[string]*techEntry{}
			}
			e := byTactic[tac][parent.ID]
			if e == nil {
				e = &techEntry{ref: kibanaRef{ID: parent.ID, Name: parent.Name, Reference: parent.URL}}
				byTactic[tac][parent.ID] = e
			}
			if tech.ID != parent.ID && !hasRef(e.subs, tech.ID) {
				e.subs = append(e.subs, kibanaRef{ID: tech.ID, Name: tech.Name, Reference: tech.URL})
			}
		}
	}
	out := []kibanaThreat{}
	for _, tacID := range slices.Sorted(maps.Keys(byTactic)) {
		tac, ok := attack.LookupTactic(tacID)
		if !ok {
			continue
		}
		th := kibanaThreat{Framework: "MITRE ATT&CK", Tactic: kibanaRef{ID: tac.ID, Name: tac.Name, Reference: tac.URL()}}
		for _, techID := range slices.Sorted(maps.Keys(byTactic[tacID])) {
			e := byTactic[tacID][techID]
			sort.Slice(e.subs, func(i, j int) bool { return e.subs[i].ID < e.subs[j].ID })
			th.Technique = append(th.Technique, kibanaTechnique{kibanaRef: e.ref, Subtechnique: e.subs})
		}
		out = append(out, th)
	}
	return out
}

func hasRef(refs []kibanaRef, id string) bool {
	for _, r := range refs {
		if r.ID == id {
			return true
		}
	}
	return false
}
