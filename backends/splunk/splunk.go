// Package splunk compiles rules into Splunk SPL searches and packages them
// as a Splunk app of Enterprise Security correlation searches.
//
// A rule becomes a search command for what the search command can say with
// the same meaning (case-insensitive values with * wildcards, NOT, field
// existence) and a where command, in negation normal form, for the rest
// (case-sensitive values, ? wildcards, literal *, regular expressions,
// CIDR, numbers, null, field references). Keyword searches read every
// field through foreach. docs/backends/splunk.md states each rule.
package splunk

import (
	"embed"
	"fmt"
	"strings"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/rule"
)

// Name is the --target value.
const Name = "splunk"

// VariantTstats selects `| tstats` over accelerated data models.
const VariantTstats = "tstats"

//go:embed profiles/*.yml
var profileFiles embed.FS

// profileNames lists the built-in profiles; the first is the default.
var profileNames = []string{"cim", "raw"}

// schema lists the source attributes the Splunk backend reads: what a
// mapping file's attrs may set.
var schema = mapping.Register(mapping.Schema{Target: Name, Attrs: []string{
	"datamodel", "dataset", "search_prefix", "security_domain", "risk_object", "risk_object_type",
}})

// Backend is the Splunk target.
type Backend struct {
	profiles map[string]*mapping.Profile
	err      error
}

// New returns the Splunk backend with its built-in profiles.
func New() target.Backend {
	b := &Backend{profiles: map[string]*mapping.Profile{}}
	for _, name := range profileNames {
		file := "profiles/" + name + ".yml"
		data, err := profileFiles.ReadFile(file)
		if err == nil {
			var p *mapping.Profile
			if p, err = mapping.Parse(file, data, schema); err == nil {
				b.profiles[name] = p
				continue
			}
		}
		b.err = fmt.Errorf("splunk: built-in profile %s: %w", name, err)
	}
	return b
}

// Name implements target.Backend.
func (b *Backend) Name() string { return Name }

// Profiles implements target.Backend.
func (b *Backend) Profiles() []string { return append([]string(nil), profileNames...) }

// Langs implements target.Backend.
func (b *Backend) Langs() []string { return []string{"spl"} }

// Profile returns a built-in profile with the user's overrides merged.
func (b *Backend) profile(opts target.Options) (*mapping.Profile, error) {
	if b.err != nil {
		return nil, b.err
	}
	name := opts.Profile
	if name == "" {
		name = profileNames[0]
	}
	p, ok := b.profiles[name]
	if !ok {
		return nil, fmt.Errorf("splunk: unknown profile %q (known: %s)", name, strings.Join(profileNames, ", "))
	}
	return p.Merge(opts.Overrides), nil
}

// Compile implements target.Backend.
func (b *Backend) Compile(r *rule.Rule, opts target.Options) (*target.Query, error) {
	if opts.Lang != "" && opts.Lang != "spl" {
		return nil, fmt.Errorf("splunk: unknown language %q (known: spl)", opts.Lang)
	}
	if opts.Variant != "" && opts.Variant != VariantTstats {
		return nil, fmt.Errorf("splunk: unknown variant %q (known: %s)", opts.Variant, VariantTstats)
	}
	p, err := b.profile(opts)
	if err != nil {
		return nil, err
	}
	c := &compiler{r: r, prof: p, tstats: opts.Variant == VariantTstats}
	src, err := p.Resolve(r.LogSource)
	if err != nil {
		return nil, c.refuse(r.LogSource.Pos, "log source "+mapping.Describe(r.LogSource), "%s", mapping.Reason(err))
	}
	if !p.Passthrough && src.Attr("datamodel") == "" && strings.TrimSpace(src.Attr("search_prefix")) == "" {
		// Without either, the search would read every event of the time
		// range, not the log source's.
		return nil, c.refuse(r.LogSource.Pos, "log source "+mapping.Describe(r.LogSource), "profile %q gives it neither a datamodel nor a search_prefix", p.Name)
	}
	c.src = src
	text, err := c.compile()
	if err != nil {
		return nil, err
	}
	return &target.Query{Rule: r, Target: Name, Profile: p.Name, Lang: "spl", Text: text, Source: src}, nil
}
