// Package kql compiles rules to the Kusto Query Language for Microsoft
// Sentinel and Defender XDR, and packages them as Sentinel scheduled
// analytics rules (the Azure-Sentinel repository's YAML and an ARM
// template).
//
// A compiled query means exactly what the rule means in detc's rule model
// (docs/backends/kql.md lists how each construct is written), or the rule
// is refused with a *target.Refusal naming the construct and the reason.
package kql

import (
	"embed"
	"strings"

	"github.com/detc/detc/backends/lower"
	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/rule"
)

// Name is the --target value.
const Name = "kql"

// DefaultTable is the raw profile's table when the user names none.
const DefaultTable = "SigmaEvents"

//go:embed profiles/*.yml
var profileFiles embed.FS

// schema lists the source attributes the KQL backend reads: what a mapping
// file's attrs may set.
var schema = mapping.Register(mapping.Schema{Target: Name, Attrs: []string{
	"table", "function", "args", "filter", "extend", "entities", "time", "connector", "datatypes", "frequency", "period",
	"keyword_header",
}, Types: []string{ // Kusto's scalar types, and the aliases emit reads
	"string", "int", "long", "real", "double", "decimal", "bool", "boolean", "datetime", "timespan", "guid", "dynamic",
}})

// builtin are the built-in profiles; the first is the default.
var builtin = mapping.NewBuiltin(schema, profileFiles, "sentinel-asim", "sentinel-csl", "defender-xdr", "raw")

type backend struct{}

// New returns the KQL backend.
func New() target.Backend { return backend{} }

func (backend) Name() string { return Name }

func (backend) Title() string { return "Microsoft Sentinel / Defender XDR" }

func (backend) Variants() []string { return nil }

func (backend) Profiles() []string { return builtin.Names() }

func (backend) Langs() []string { return []string{"kql"} }

// Profile returns a built-in profile by name ("" is the default), with the
// user's overrides merged over it.
func Profile(name string, overrides *mapping.Profile) (*mapping.Profile, error) {
	return builtin.Get(name, overrides)
}

// Compile turns one rule into a KQL query, or refuses it with a
// *target.Refusal.
func (backend) Compile(r *check.Rule, opts target.Options) (*target.Query, error) {
	if err := target.CheckOptions(backend{}, opts); err != nil {
		return nil, err
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
	r    *check.Rule
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
	return target.Refuse(c.r.Rule, Name, c.prof.Name, pos, construct, reason, args...)
}

func (c *compiler) compile() (string, *mapping.Source, error) {
	src, r, err := lower.Source(c.r, c.prof, Name)
	if err != nil {
		return "", nil, err
	}
	c.src, c.r = src, r
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
	var body []string
	if agg := c.r.Aggregation; agg != nil {
		body, err = c.aggregation(agg)
	} else {
		body, err = c.where(c.r.Condition)
	}
	if err != nil {
		return "", nil, err
	}
	if e := src.Attr("extend"); e != "" {
		if kept := usedColumns(splitTopLevel(e), strings.Join(body, "\n")+"\n"+src.Attr("entities")); len(kept) > 0 {
			lines = append(lines, "| extend "+strings.Join(kept, ",\n    "))
		}
	}
	return strings.Join(append(lines, body...), "\n"), src, nil
}

// usedColumns keeps the profile's extend items (Name = expression) whose
// column the rest of the query or the source's entity mappings name: the
// WindowsEvent sources lift every field of the event from EventData, and a
// rule reads a few. A column named anywhere as a whole word is kept (a
// name inside a string literal only keeps one too many); none refers to
// another item of the same extend, which Kusto does not allow.
func usedColumns(items []string, rest string) []string {
	var kept []string
	for _, item := range items {
		name, _, _ := strings.Cut(item, "=")
		if name = strings.TrimSpace(name); name == "" || wholeWord(rest, name) {
			kept = append(kept, item)
		}
	}
	return kept
}

// wholeWord reports whether name occurs in s with no identifier character
// (letter, digit, underscore) on either side.
func wholeWord(s, name string) bool {
	isIdent := func(b byte) bool {
		return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
	}
	for i := 0; ; {
		j := strings.Index(s[i:], name)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(name)
		if (start == 0 || !isIdent(s[start-1])) && (end == len(s) || !isIdent(s[end])) {
			return true
		}
		i = start + 1
	}
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

// Mapping returns a built-in profile (docs list its sources).
func (backend) Mapping(profile string) (*mapping.Profile, error) { return Profile(profile, nil) }
