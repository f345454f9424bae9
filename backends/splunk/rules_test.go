package splunk_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/detc/detc/internal/condition"
	"github.com/detc/detc/internal/rule"
)

// testRule builds a rule from a compact Sigma-like YAML document through
// rule.BuildMatchers and condition.Parse, the pieces every front end uses:
//
//	id: r1
//	logsource: {category: proxy}
//	detection:
//	  sel: {cs-host|endswith: .slack.com}
//	  keywords: [a, b]
//	  condition: sel and not keywords
//	timeframe: 5m          # for "| count() by x > n" conditions
//	fields: [src_ip]
func testRule(t testing.TB, doc string) *rule.Rule {
	t.Helper()
	var y struct {
		ID          string            `yaml:"id"`
		Title       string            `yaml:"title"`
		Description string            `yaml:"description"`
		Level       string            `yaml:"level"`
		Tags        []string          `yaml:"tags"`
		Techniques  []string          `yaml:"techniques"`
		Fields      []string          `yaml:"fields"`
		LogSource   map[string]string `yaml:"logsource"`
		Timeframe   string            `yaml:"timeframe"`
		Detection   yaml.Node         `yaml:"detection"`
		Parts       []string          `yaml:"parts"` // temporal correlation parts
		GroupBy     []string          `yaml:"group-by"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(doc), &y))
	r := &rule.Rule{ID: y.ID, Title: y.Title, Description: y.Description, Level: y.Level, Tags: y.Tags, Fields: y.Fields,
		Pos: rule.Pos{File: y.ID + ".yml", Line: 1, Col: 1}}
	if r.Title == "" {
		r.Title = "Test " + y.ID
	}
	r.Attack.Techniques = y.Techniques
	r.LogSource = rule.LogSource{Category: y.LogSource["category"], Product: y.LogSource["product"], Service: y.LogSource["service"]}
	cond := ""
	det := &y.Detection
	for i := 0; i+1 < len(det.Content); i += 2 {
		name, val := det.Content[i].Value, det.Content[i+1]
		if name == "condition" {
			cond = val.Value
			continue
		}
		r.Searches = append(r.Searches, buildSearch(t, name, val))
	}
	if len(y.Parts) > 0 {
		agg := &rule.Aggregation{Func: rule.AggTemporal, GroupBy: y.GroupBy}
		for _, p := range y.Parts {
			e, _, diags := condition.Parse(p, rule.Pos{})
			require.False(t, diags.HasErrors(), diags.Error())
			agg.Parts = append(agg.Parts, e)
		}
		agg.Window = mustDuration(t, y.Timeframe)
		r.Aggregation = agg
		return r
	}
	e, agg, diags := condition.Parse(cond, rule.Pos{File: r.Pos.File, Line: 1, Col: 1})
	require.False(t, diags.HasErrors(), "%s", diags.Error())
	r.Condition = e
	if agg != nil {
		agg.Window = mustDuration(t, y.Timeframe)
		r.Aggregation = agg
	}
	return r
}

func mustDuration(t testing.TB, s string) time.Duration {
	t.Helper()
	if strings.HasSuffix(s, "d") {
		var n int
		_, err := fmt.Sscanf(s, "%dd", &n)
		require.NoError(t, err)
		return time.Duration(n) * 24 * time.Hour
	}
	d, err := time.ParseDuration(s)
	require.NoError(t, err, "timeframe")
	return d
}

func buildSearch(t testing.TB, name string, n *yaml.Node) *rule.Search {
	t.Helper()
	s := &rule.Search{Name: name}
	switch {
	case n.Kind == yaml.MappingNode:
		s.Groups = append(s.Groups, buildGroup(t, n))
	case n.Kind == yaml.SequenceNode && len(n.Content) > 0 && n.Content[0].Kind == yaml.MappingNode:
		for _, g := range n.Content {
			s.Groups = append(s.Groups, buildGroup(t, g))
		}
	default: // keywords
		ms, diags := rule.BuildMatchers("", nil, rawValues(n), rule.Pos{})
		require.False(t, diags.HasErrors(), diags.Error())
		s.Groups = append(s.Groups, &rule.Group{Matchers: ms})
	}
	return s
}

func buildGroup(t testing.TB, n *yaml.Node) *rule.Group {
	t.Helper()
	g := &rule.Group{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		parts := strings.Split(n.Content[i].Value, "|")
		ms, diags := rule.BuildMatchers(parts[0], parts[1:], rawValues(n.Content[i+1]), rule.Pos{File: "t.yml", Line: n.Content[i].Line, Col: n.Content[i].Column})
		require.False(t, diags.HasErrors(), diags.Error())
		g.Matchers = append(g.Matchers, ms...)
	}
	return g
}

func rawValues(n *yaml.Node) []rule.RawValue {
	if n.Kind == yaml.SequenceNode {
		var out []rule.RawValue
		for _, c := range n.Content {
			out = append(out, rawValues(c)...)
		}
		return out
	}
	kind := rule.RawString
	switch n.ShortTag() {
	case "!!int", "!!float":
		kind = rule.RawNumber
	case "!!bool":
		kind = rule.RawBool
	case "!!null":
		kind = rule.RawNull
	}
	return []rule.RawValue{{Kind: kind, Text: n.Value, Pos: rule.Pos{File: "t.yml", Line: n.Line, Col: n.Column}}}
}
