// Package project reads a repository's detc.hcl, the file that says how a
// team deploys its detections (targets, profiles, mappings, indexes, query
// languages, the Splunk app, the enablement policy, check severities), and
// resolves it with the command-line flags that override it into one set of
// Settings every command uses.
package project

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/rule"
)

// FileName is the project file, found in the working folder or any folder
// above it, as git finds .git.
const FileName = load.ProjectFile

// Diagnostic code of every problem in the project file.
const CodeConfig = "config"

// Config is what detc.hcl says. Every field is optional; zero values
// mean the documented defaults.
type Config struct {
	// File is the path of detc.hcl ("" when there is none); Root is its
	// folder, which relative paths in it (and --fixtures) start from.
	File, Root string
	// Targets are the targets to deploy, in the file's order (nil: all).
	Targets []string
	// Fixtures is the folder of Sigma sidecar tests, relative to Root.
	Fixtures string
	// EnabledStatuses are the rule statuses deployed enabled; rules of any
	// other status (or none) are deployed disabled.
	EnabledStatuses []string
	// RunbookURL is the base URL of the runbooks, for links.
	RunbookURL string
	// Target holds each target block by target name.
	Target map[string]*Target
	// Checks are the severities of check blocks, by diagnostic code.
	Checks map[string]Level
	// Pos says where each setting was written, by a key such as "targets"
	// or "target.kql.profiles", for messages about its value.
	Pos map[string]rule.Pos
}

// Target is one target block: how the team deploys to that SIEM.
type Target struct {
	Name string
	// Profiles are the field-mapping profiles to deploy, each into its own
	// folder when there are several.
	Profiles []string
	// Mappings are mapping files merged over each profile, in order,
	// relative to the config's Root.
	Mappings []string
	Lang     string
	Variant  string
	// Index is where the target finds every log source (Splunk index,
	// Elastic index pattern); a source block can set it for one source.
	Index   string
	Sources []Source
	// App is the Splunk app's identity.
	App AppConfig
}

// AppConfig is the app block of a target.
type AppConfig struct {
	Name, Label, Author, Version string
}

// Source is a source block: attributes for one log source of a target.
type Source struct {
	LogSource rule.LogSource
	// Attrs are index, sourcetype or table.
	Attrs map[string]string
	Pos   rule.Pos
}

// SourceAttrs are the attributes a source block may set.
var SourceAttrs = []string{"index", "sourcetype", "table"}

var rootSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "targets"}, {Name: "fixtures"}, {Name: "enabled_statuses"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "target", LabelNames: []string{"name"}},
		{Type: "runbook"},
		{Type: "check", LabelNames: []string{"code"}},
	},
}

var targetSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "profiles"}, {Name: "mappings"}, {Name: "lang"}, {Name: "variant"}, {Name: "index"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "app"}, {Type: "source"}},
}

var appSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "name"}, {Name: "label"}, {Name: "author"}, {Name: "version"}},
}

var sourceSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "category"}, {Name: "product"}, {Name: "service"},
		{Name: "index"}, {Name: "sourcetype"}, {Name: "table"},
	},
}

var runbookSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "base_url"}},
}

var checkSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "severity", Required: true}},
}

// Find returns the path of detc.hcl in dir or the nearest folder above
// it, or "" when there is none.
func Find(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, FileName)
		info, err := os.Stat(p)
		switch {
		case err == nil && !info.IsDir():
			return p, nil
		case err != nil && !errors.Is(err, os.ErrNotExist):
			return "", err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", nil
		}
		dir = parent
	}
}

// Load reads the project file at path; path "" gives the empty config
// rooted at the working folder.
func Load(path string) (*Config, rule.Diagnostics) {
	if path == "" {
		return &Config{Target: map[string]*Target{}, Checks: map[string]Level{}, Pos: map[string]rule.Pos{}}, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		var diags rule.Diagnostics
		diags.Errorf(rule.Pos{File: path}, CodeConfig, "cannot read the project file: %v", err)
		return nil, diags
	}
	return Parse(path, data)
}

// Parse reads a project file's text. The config is nil when it has errors.
func Parse(file string, data []byte) (*Config, rule.Diagnostics) {
	d := &decoder{}
	root, err := filepath.Abs(filepath.Dir(file))
	if err != nil {
		root = filepath.Dir(file)
	}
	c := &Config{File: file, Root: root, Target: map[string]*Target{}, Checks: map[string]Level{}, Pos: map[string]rule.Pos{}}
	f, hd := hclsyntax.ParseConfig(data, file, hcl.InitialPos)
	if d.add(hd) {
		return nil, d.diags
	}
	content, hd := f.Body.Content(rootSchema)
	d.add(hd)
	c.Targets = d.strList(content.Attributes["targets"], c.Pos, "targets")
	c.Fixtures = d.str(content.Attributes["fixtures"], c.Pos, "fixtures")
	c.EnabledStatuses = d.strList(content.Attributes["enabled_statuses"], c.Pos, "enabled_statuses")
	once := map[string]hcl.Range{}
	for _, b := range content.Blocks {
		key := b.Type
		if len(b.Labels) > 0 {
			key += " " + b.Labels[0]
		}
		if prev, dup := once[key]; dup {
			d.errorf(b.DefRange, "duplicate %s block: the first is at %s", key, posOf(prev))
			continue
		}
		once[key] = b.DefRange
		switch b.Type {
		case "target":
			if t := d.target(b, c.Pos); t != nil {
				c.Target[t.Name] = t
			}
		case "runbook":
			body, hd := b.Body.Content(runbookSchema)
			d.add(hd)
			c.RunbookURL = d.str(body.Attributes["base_url"], c.Pos, "runbook.base_url")
		case "check":
			body, hd := b.Body.Content(checkSchema)
			if d.add(hd) {
				continue
			}
			attr := body.Attributes["severity"]
			s := d.str(attr, c.Pos, "check."+b.Labels[0])
			level, err := ParseLevel(s)
			if err != nil {
				d.errorf(attr.Expr.Range(), "check %q: %v", b.Labels[0], err)
				continue
			}
			c.Checks[b.Labels[0]] = level
			c.Pos["check."+b.Labels[0]] = posOf(b.LabelRanges[0])
		}
	}
	if d.diags.HasErrors() {
		return nil, d.diags
	}
	return c, d.diags
}

func (d *decoder) target(b *hcl.Block, pos map[string]rule.Pos) *Target {
	t := &Target{Name: b.Labels[0]}
	pos["target."+t.Name] = posOf(b.LabelRanges[0])
	key := func(attr string) string { return "target." + t.Name + "." + attr }
	body, hd := b.Body.Content(targetSchema)
	d.add(hd)
	t.Profiles = d.strList(body.Attributes["profiles"], pos, key("profiles"))
	t.Mappings = d.strList(body.Attributes["mappings"], pos, key("mappings"))
	t.Lang = d.str(body.Attributes["lang"], pos, key("lang"))
	t.Variant = d.str(body.Attributes["variant"], pos, key("variant"))
	t.Index = d.str(body.Attributes["index"], pos, key("index"))
	apps := 0
	for _, blk := range body.Blocks {
		switch blk.Type {
		case "app":
			if apps++; apps > 1 {
				d.errorf(blk.DefRange, "target %q has more than one app block", t.Name)
				continue
			}
			pos[key("app")] = posOf(blk.DefRange)
			ab, hd := blk.Body.Content(appSchema)
			d.add(hd)
			t.App = AppConfig{
				Name:    d.str(ab.Attributes["name"], pos, key("app.name")),
				Label:   d.str(ab.Attributes["label"], pos, key("app.label")),
				Author:  d.str(ab.Attributes["author"], pos, key("app.author")),
				Version: d.str(ab.Attributes["version"], pos, key("app.version")),
			}
		case "source":
			sb, hd := blk.Body.Content(sourceSchema)
			d.add(hd)
			src := Source{Pos: posOf(blk.DefRange), Attrs: map[string]string{}}
			src.LogSource = rule.LogSource{
				Category: d.str(sb.Attributes["category"], nil, ""),
				Product:  d.str(sb.Attributes["product"], nil, ""),
				Service:  d.str(sb.Attributes["service"], nil, ""),
			}
			if src.LogSource == (rule.LogSource{}) {
				d.errorf(blk.DefRange, "a source block names its log source with category, product or service")
			}
			for _, name := range SourceAttrs {
				if v := d.str(sb.Attributes[name], nil, ""); v != "" {
					src.Attrs[name] = v
				}
			}
			if len(src.Attrs) == 0 {
				d.errorf(blk.DefRange, "a source block sets index, sourcetype or table")
			}
			t.Sources = append(t.Sources, src)
		}
	}
	return t
}

type decoder struct {
	diags rule.Diagnostics
}

func posOf(r hcl.Range) rule.Pos {
	return rule.Pos{File: r.Filename, Line: r.Start.Line, Col: r.Start.Column}
}

// add records hcl's diagnostics (which carry hcl's own "Did you mean"
// for a misspelt block or attribute) and reports whether any is an error.
func (d *decoder) add(hd hcl.Diagnostics) bool {
	for _, h := range hd {
		diag := rule.Diagnostic{Severity: rule.Error, Code: CodeConfig, Summary: h.Summary, Detail: h.Detail}
		if h.Severity == hcl.DiagWarning {
			diag.Severity = rule.Warning
		}
		switch {
		case h.Subject != nil:
			diag.Pos = posOf(*h.Subject)
		case h.Context != nil:
			diag.Pos = posOf(*h.Context)
		}
		d.diags = append(d.diags, diag)
	}
	return hd.HasErrors()
}

func (d *decoder) errorf(rng hcl.Range, format string, args ...any) {
	d.diags.Errorf(posOf(rng), CodeConfig, format, args...)
}

// value evaluates an attribute with no variables: the file holds literals.
func (d *decoder) value(attr *hcl.Attribute, pos map[string]rule.Pos, key string) (cty.Value, bool) {
	if attr == nil {
		return cty.NilVal, false
	}
	if pos != nil {
		pos[key] = posOf(attr.Expr.Range())
	}
	v, hd := attr.Expr.Value(nil)
	if d.add(hd) || v.IsNull() {
		return cty.NilVal, false
	}
	return v, true
}

func (d *decoder) str(attr *hcl.Attribute, pos map[string]rule.Pos, key string) string {
	v, ok := d.value(attr, pos, key)
	if !ok {
		return ""
	}
	if v.Type() != cty.String {
		d.errorf(attr.Expr.Range(), "%s must be a string, not %s", attr.Name, v.Type().FriendlyName())
		return ""
	}
	return v.AsString()
}

func (d *decoder) strList(attr *hcl.Attribute, pos map[string]rule.Pos, key string) []string {
	v, ok := d.value(attr, pos, key)
	if !ok {
		return nil
	}
	if !v.Type().IsTupleType() && !v.Type().IsListType() {
		d.errorf(attr.Expr.Range(), "%s must be a list of strings, such as [\"a\", \"b\"]", attr.Name)
		return nil
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() || e.Type() != cty.String {
			d.errorf(attr.Expr.Range(), "%s must be a list of strings, such as [\"a\", \"b\"]", attr.Name)
			return nil
		}
		out = append(out, e.AsString())
	}
	return out
}

// Level is a check's severity: off, warning or error.
type Level int

// Levels of a check.
const (
	LevelError Level = iota
	LevelWarning
	LevelOff
)

// LevelNames are the values of severity and --check, in Level order.
var LevelNames = []string{"error", "warning", "off"}

func (l Level) String() string { return LevelNames[l] }

// ParseLevel reads off, warning or error.
func ParseLevel(s string) (Level, error) {
	for i, n := range LevelNames {
		if s == n {
			return Level(i), nil
		}
	}
	return 0, fmt.Errorf("severity %q is not off, warning or error", s)
}

// TargetNames lists the target blocks' names, sorted.
func (c *Config) TargetNames() []string {
	var out []string
	for n := range c.Target {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
