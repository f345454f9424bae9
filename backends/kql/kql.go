// Package kql compiles rules to the Kusto Query Language for Microsoft
// Sentinel and Defender XDR, and packages them as Sentinel scheduled
// analytics rules (the Azure-Sentinel repository's YAML and an ARM
// template).
//
// A compiled query means exactly what the rule means in detc's rule model
// (docs/backends/kql.md lists how each construct is written), or the rule
// is refused with a *target.Error naming the construct and the reason.
package kql

import (
	"embed"
	"fmt"
	"sort"
	"strings"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/rule"
)

// Name is the --target value.
const Name = "kql"

// DefaultTable is the raw profile's table when the user names none.
const DefaultTable = "SigmaEvents"

//go:embed profiles/*.yml
var profileFiles embed.FS

// profileNames lists the built-in profiles; the first is the default.
var profileNames = []string{"sentinel-asim", "sentinel-csl", "defender-xdr", "raw"}

// schema lists the source attributes the KQL backend reads: what a mapping
// file's attrs may set.
var schema = mapping.Register(mapping.Schema{Target: Name, Attrs: []string{
	"table", "function", "args", "filter", "extend", "entities", "time", "connector", "datatypes", "frequency", "period",
}, Types: []string{ // Kusto's scalar types, and the aliases emit reads
	"string", "int", "long", "real", "double", "decimal", "bool", "boolean", "datetime", "timespan", "guid", "dynamic",
}})

// builtin are the parsed built-in profiles. They are part of the binary:
// a parse failure is a build defect, which the tests catch.
var builtin = func() map[string]*mapping.Profile {
	out := map[string]*mapping.Profile{}
	for _, name := range profileNames {
		file := "profiles/" + name + ".yml"
		data, err := profileFiles.ReadFile(file)
		if err != nil {
			panic("kql: missing built-in profile " + file)
		}
		p, err := mapping.Parse(file, data, schema)
		if err != nil {
			panic("kql: built-in profile: " + err.Error())
		}
		out[name] = p
	}
	return out
}()

type backend struct{}

// New returns the KQL backend.
func New() target.Backend { return backend{} }

func (backend) Name() string { return Name }

func (backend) Profiles() []string { return append([]string(nil), profileNames...) }

func (backend) Langs() []string { return []string{"kql"} }

// Profile returns a built-in profile by name ("" is the default), with the
// user's overrides merged over it.
func Profile(name string, overrides *mapping.Profile) (*mapping.Profile, error) {
	if name == "" {
		name = profileNames[0]
	}
	p, ok := builtin[name]
	if !ok {
		return nil, fmt.Errorf("unknown profile %q for target kql (known: %s)", name, strings.Join(profileNames, ", "))
	}
	return p.Merge(overrides), nil
}

// Compile turns one rule into a KQL query, or refuses it with a
// *target.Error.
func (backend) Compile(r *rule.Rule, opts target.Options) (*target.Query, error) {
	if opts.Lang != "" && opts.Lang != "kql" {
		return nil, fmt.Errorf("target kql has one query language, kql, not %q", opts.Lang)
	}
	if opts.Variant != "" {
		return nil, fmt.Errorf("target kql has no variant %q", opts.Variant)
	}
	prof, err := Profile(opts.Profile, opts.Overrides)
	if err != nil {
		return nil, err
	}
	c := &compiler{r: r, prof: prof}
	text, src, err := c.compile()
	if err != nil {
		return nil, err
	}
	return &target.Query{Rule: r, Target: Name, Profile: prof.Name, Lang: "kql", Text: text, Source: src}, nil
}

// compiler holds the state of one rule's compilation.
type compiler struct {
	r    *rule.Rule
	prof *mapping.Profile
	src  *mapping.Source
	// used records the columns the query reads, by Sigma field name, for
	// entity mappings of passthrough profiles.
	used map[string]bool
}

// refuse builds the refusal for a construct at pos.
func (c *compiler) refuse(pos rule.Pos, construct, reason string, args ...any) error {
	if !pos.IsValid() {
		pos = c.r.Pos
	}
	return target.Refuse(c.r, Name, c.prof.Name, pos, construct, reason, args...)
}

func (c *compiler) compile() (string, *mapping.Source, error) {
	src, err := c.prof.Resolve(c.r.LogSource)
	if err != nil {
		return "", nil, c.refuse(c.r.LogSource.Pos, "the log source "+mapping.Describe(c.r.LogSource), "%s", mapping.Reason(err))
	}
	c.src = src
	c.used = map[string]bool{}
	var lines []string
	head, err := c.sourceLine()
	if err != nil {
		return "", nil, err
	}
	lines = append(lines, head)
	if f := src.Attr("filter"); f != "" {
		lines = append(lines, "| where "+f)
	}
	if e := src.Attr("extend"); e != "" {
		lines = append(lines, "| extend "+strings.Join(splitTopLevel(e), ",\n    "))
	}
	if agg := c.r.Aggregation; agg != nil {
		more, err := c.aggregation(agg)
		if err != nil {
			return "", nil, err
		}
		lines = append(lines, more...)
	} else {
		if c.r.Condition == nil {
			return "", nil, c.refuse(c.r.Pos, "the rule", "it has no condition")
		}
		more, err := c.where(c.r.Condition)
		if err != nil {
			return "", nil, err
		}
		lines = append(lines, more...)
	}
	return strings.Join(lines, "\n"), src, nil
}

// sourceLine is the tabular expression the query starts from: a table, or
// a function call (the ASIM parsers) with the profile's arguments.
func (c *compiler) sourceLine() (string, error) {
	if fn := c.src.Attr("function"); fn != "" {
		return Ident(fn) + "(" + c.src.Attr("args") + ")", nil
	}
	table := c.src.Attr("table")
	if table == "" {
		if c.prof.Passthrough {
			table = DefaultTable
		} else {
			return "", c.refuse(c.r.LogSource.Pos, "the log source "+mapping.Describe(c.r.LogSource), "profile %q names no table or function for it (set attrs.table)", c.prof.Name)
		}
	}
	return Ident(table), nil
}

// timeColumn is the column that aggregation windows bin.
func (c *compiler) timeColumn() string {
	if t := c.src.Attr("time"); t != "" {
		return t
	}
	return "TimeGenerated"
}

// sortedKeys returns a map's keys in order, for deterministic output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// splitTopLevel splits a list of KQL expressions at the commas outside
// parentheses, brackets and string literals, to lay a long extend out one
// column per line.
func splitTopLevel(s string) []string {
	var parts []string
	depth, start := 0, 0
	var quote byte
	verbatim := false // @"...": a backslash is itself
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case quote != 0:
			if ch == '\\' && !verbatim {
				i++
			} else if ch == quote {
				quote = 0
			}
		case ch == '"' || ch == '\'':
			quote, verbatim = ch, i > 0 && s[i-1] == '@'
		case ch == '(' || ch == '[' || ch == '{':
			depth++
		case ch == ')' || ch == ']' || ch == '}':
			depth--
		case ch == ',' && depth == 0:
			parts = append(parts, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(parts, strings.TrimSpace(s[start:]))
}
