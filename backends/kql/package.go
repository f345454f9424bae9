package kql

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/textutil"
	"gopkg.in/yaml.v3"
)

// Paths of the deployment files, relative to the target's output folder.
const (
	// AnalyticsDir holds one Azure-Sentinel YAML file per rule.
	AnalyticsDir = "analytics-rules"
	// ARMFile is one ARM template holding every rule.
	ARMFile = "analytics-rules.arm.json"
)

// Package writes each compiled rule as a Sentinel scheduled analytics rule
// in the Azure-Sentinel repository's YAML format, and all of them as one
// ARM template (Microsoft.SecurityInsights/alertRules) with a workspace
// parameter. A rule beyond a limit of Sentinel's analytics rules (its
// query's length, its schedule) is refused and the others are packaged.
func (backend) Package(ds []target.Deployable, opts target.Options) ([]target.Artifact, []*target.Refusal, error) {
	var out []target.Artifact
	var rules []*AnalyticsRule
	var refusals []*target.Refusal
	paths := map[string]string{}
	for _, d := range ds {
		a, err := NewAnalyticsRule(d, opts)
		var refusal *target.Refusal
		if errors.As(err, &refusal) {
			refusals = append(refusals, refusal)
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		path := AnalyticsDir + "/" + fileName(a.RuleID) + ".yaml"
		if other, dup := paths[path]; dup {
			refusals = append(refusals, a.refuse("its analytics rule file", "%s is already rule %s's (both ids make one file name): give the rules ids that differ in letters or digits", path, other))
			continue
		}
		paths[path] = a.RuleID
		data, err := a.YAML()
		if err != nil {
			return nil, nil, err
		}
		out = append(out, target.Artifact{Path: path, Data: data})
		rules = append(rules, a)
	}
	if len(rules) > 0 {
		data, err := ARMTemplate(rules)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, target.Artifact{Path: ARMFile, Data: data})
		playbooks, err := Playbooks(rules)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, playbooks...)
	}
	return out, refusals, nil
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// fileName makes a rule id safe as a file name.
func fileName(id string) string {
	s := strings.Trim(unsafeFileChars.ReplaceAllString(id, "_"), "._")
	if s == "" {
		return "rule"
	}
	return s
}

// YAML writes the rule in the Azure-Sentinel repository's layout.
func (a *AnalyticsRule) YAML() ([]byte, error) {
	doc := mapNode()
	add := func(key string, value *yaml.Node) { doc.Content = append(doc.Content, scalar(key), value) }
	add("id", scalar(a.ID))
	add("name", scalar(a.Name))
	add("description", text(a.Description))
	add("severity", scalar(a.Severity))
	conns := seqNode()
	for _, c := range a.RequiredDataConnectors {
		m := mapNode()
		m.Content = append(m.Content, scalar("connectorId"), scalar(c.ConnectorID), scalar("dataTypes"), strings2seq(c.DataTypes))
		conns.Content = append(conns.Content, m)
	}
	if len(conns.Content) == 0 {
		conns.Style = yaml.FlowStyle
	}
	add("requiredDataConnectors", conns)
	add("queryFrequency", scalar(sentinelDuration(a.QueryFrequency)))
	add("queryPeriod", scalar(sentinelDuration(a.QueryPeriod)))
	add("triggerOperator", scalar(a.TriggerOperator))
	add("triggerThreshold", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: fmt.Sprint(a.TriggerThreshold)})
	add("tactics", strings2seq(a.Tactics))
	add("relevantTechniques", strings2seq(a.RelevantTechniques))
	add("query", text(a.Query))
	if len(a.EntityMappings) > 0 {
		ents := seqNode()
		for _, e := range a.EntityMappings {
			fields := seqNode()
			for _, f := range e.FieldMappings {
				fm := mapNode()
				fm.Content = append(fm.Content, scalar("identifier"), scalar(f.Identifier), scalar("columnName"), scalar(f.ColumnName))
				fields.Content = append(fields.Content, fm)
			}
			em := mapNode()
			em.Content = append(em.Content, scalar("entityType"), scalar(e.EntityType), scalar("fieldMappings"), fields)
			ents.Content = append(ents.Content, em)
		}
		add("entityMappings", ents)
	}
	add("version", scalar(a.Version))
	add("kind", scalar("Scheduled"))
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, a.errorf("writing YAML: %v", err)
	}
	if err := enc.Close(); err != nil {
		return nil, a.errorf("writing YAML: %v", err)
	}
	return textutil.EscapeNonASCII(buf.Bytes(), yamlEscape), nil
}

// yamlEscape writes r as a YAML double-quoted scalar's escape. The
// Azure-Sentinel repository takes only ASCII rule files (its
// NonAsciiValidations test reads the file's bytes), while titles and
// descriptions may be in any language: a scalar with characters outside
// ASCII is double-quoted (scalar, text) and those characters escaped, so
// the file is ASCII and reads back as the same text.
func yamlEscape(b *strings.Builder, r rune) {
	if r > 0xFFFF {
		fmt.Fprintf(b, `\U%08X`, r)
		return
	}
	fmt.Fprintf(b, `\u%04X`, r)
}

func mapNode() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"} }
func seqNode() *yaml.Node { return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"} }

// scalar is a string node; the encoder quotes it when plain style would
// read as something else, and it is double-quoted when it holds
// characters outside ASCII, which YAML() escapes.
func scalar(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if !isASCII(s) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// text is a string node written as a literal block when it spans lines,
// as the repository writes descriptions and queries (unless it holds
// characters outside ASCII: see scalar).
func text(s string) *yaml.Node {
	n := scalar(s)
	if strings.Contains(s, "\n") && n.Style == 0 {
		n.Style = yaml.LiteralStyle
	}
	return n
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func strings2seq(ss []string) *yaml.Node {
	n := seqNode()
	for _, s := range ss {
		n.Content = append(n.Content, scalar(s))
	}
	if len(ss) == 0 {
		n.Style = yaml.FlowStyle
	}
	return n
}

// armAPIVersion is the Microsoft.SecurityInsights API version of the
// template (GA; it has subTechniques).
const armAPIVersion = "2024-09-01"

// ARMTemplate writes the rules as one ARM template: an alertRules resource
// per rule, scoped to the workspace named by the workspace parameter.
func ARMTemplate(rules []*AnalyticsRule) ([]byte, error) {
	type fieldMapping struct {
		Identifier string `json:"identifier"`
		ColumnName string `json:"columnName"`
	}
	type entityMapping struct {
		EntityType    string         `json:"entityType"`
		FieldMappings []fieldMapping `json:"fieldMappings"`
	}
	type properties struct {
		DisplayName         string          `json:"displayName"`
		Description         string          `json:"description"`
		Severity            string          `json:"severity"`
		Enabled             bool            `json:"enabled"`
		Query               string          `json:"query"`
		QueryFrequency      string          `json:"queryFrequency"`
		QueryPeriod         string          `json:"queryPeriod"`
		TriggerOperator     string          `json:"triggerOperator"`
		TriggerThreshold    int             `json:"triggerThreshold"`
		SuppressionEnabled  bool            `json:"suppressionEnabled"`
		SuppressionDuration string          `json:"suppressionDuration"`
		Tactics             []string        `json:"tactics"`
		Techniques          []string        `json:"techniques"`
		SubTechniques       []string        `json:"subTechniques"`
		EntityMappings      []entityMapping `json:"entityMappings,omitempty"`
	}
	type resource struct {
		Type       string     `json:"type"`
		APIVersion string     `json:"apiVersion"`
		Scope      string     `json:"scope"`
		Name       string     `json:"name"`
		Kind       string     `json:"kind"`
		Properties properties `json:"properties"`
	}
	var resources []any
	for _, a := range rules {
		p := properties{
			DisplayName:         armString(a.Name),
			Description:         armString(a.Description),
			Severity:            a.Severity,
			Enabled:             a.Enabled,
			Query:               armString(a.Query),
			QueryFrequency:      isoDuration(a.QueryFrequency),
			QueryPeriod:         isoDuration(a.QueryPeriod),
			TriggerOperator:     map[string]string{"gt": "GreaterThan", "lt": "LessThan", "eq": "Equal", "ne": "NotEqual"}[a.TriggerOperator],
			TriggerThreshold:    a.TriggerThreshold,
			SuppressionDuration: "PT5H",
			Tactics:             nonNil(a.Tactics),
		}
		for _, t := range a.RelevantTechniques {
			parent, _, sub := strings.Cut(t, ".")
			if sub {
				p.SubTechniques = append(p.SubTechniques, t)
			}
			if !slices.Contains(p.Techniques, parent) {
				p.Techniques = append(p.Techniques, parent)
			}
		}
		p.Techniques, p.SubTechniques = nonNil(p.Techniques), nonNil(p.SubTechniques)
		for _, e := range a.EntityMappings {
			em := entityMapping{EntityType: e.EntityType}
			for _, f := range e.FieldMappings {
				em.FieldMappings = append(em.FieldMappings, fieldMapping{f.Identifier, f.ColumnName})
			}
			p.EntityMappings = append(p.EntityMappings, em)
		}
		resources = append(resources, resource{
			Type:       "Microsoft.SecurityInsights/alertRules",
			APIVersion: armAPIVersion,
			Scope:      "[format('Microsoft.OperationalInsights/workspaces/{0}', parameters('workspace'))]",
			Name:       a.ID,
			Kind:       "Scheduled",
			Properties: p,
		})
	}
	params := map[string]armParameter{"workspace": {Type: "string", Metadata: map[string]string{
		"description": "Name of the Log Analytics workspace where Microsoft Sentinel runs"}}}
	automation, automationParams := automationRules(rules)
	for k, v := range automationParams {
		params[k] = v
	}
	return armJSON(armTemplate{
		Schema:         armSchema,
		ContentVersion: "1.0.0.0",
		Parameters:     params,
		Resources:      append(resources, automation...),
	})
}

const armSchema = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"

type armTemplate struct {
	Schema         string                  `json:"$schema"`
	ContentVersion string                  `json:"contentVersion"`
	Parameters     map[string]armParameter `json:"parameters"`
	Resources      []any                   `json:"resources"`
}

type armParameter struct {
	Type         string            `json:"type"`
	DefaultValue string            `json:"defaultValue,omitempty"`
	Metadata     map[string]string `json:"metadata"`
}

func armJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("kql: writing an ARM template: %w", err)
	}
	// JSON strings take \u escapes: the template stays ASCII like the
	// rule files, and reads back as the same text.
	return textutil.EscapeNonASCII(buf.Bytes(), textutil.WriteUTF16Escape), nil
}

// armString escapes a literal for ARM, which evaluates a string starting
// with [ as a template expression: a leading [[ stands for [.
func armString(s string) string {
	if strings.HasPrefix(s, "[") {
		return "[" + s
	}
	return s
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}
