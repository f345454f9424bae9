// Package splunk compiles rules into Splunk SPL searches and packages them
// as a Splunk app of Enterprise Security correlation searches.
//
// A rule becomes a search command for what the search command can say with
// the same meaning (case-insensitive values with * wildcards, NOT, field
// existence) and a where command, in negation normal form, for the rest
// (case-sensitive values, ? wildcards, literal *, regular expressions,
// CIDR, numbers, null, field references). Keyword searches test the
// event's text (_raw) after the search command has narrowed the events by
// the index terms they imply (raw.go). docs/backends/splunk.md states each
// rule.
package splunk

import (
	"embed"
	"strings"

	"github.com/detc/detc/backends/lower"
	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/check"
)

// Name is the --target value.
const Name = "splunk"

// VariantTstats selects `| tstats` over accelerated data models.
const VariantTstats = "tstats"

//go:embed profiles/*.yml
var profileFiles embed.FS

// builtin are the built-in profiles; cim is the default.
var builtin = mapping.NewBuiltin(schema, profileFiles, "cim", "raw")

// schema lists the source attributes the Splunk backend reads: what a
// mapping file's attrs may set.
var schema = mapping.Register(mapping.Schema{Target: Name, Attrs: []string{
	"datamodel", "dataset", "search_prefix", "index", "sourcetype", "security_domain", "risk_object", "risk_object_type",
}})

// Backend is the Splunk target.
type Backend struct{}

// New returns the Splunk backend with its built-in profiles.
func New() target.Backend { return &Backend{} }

// Name implements target.Backend.
func (b *Backend) Name() string { return Name }

// Title implements target.Backend.
func (b *Backend) Title() string { return "Splunk" }

// Variants implements target.Backend: tstats.
func (b *Backend) Variants() []string { return []string{VariantTstats} }

// Profiles implements target.Backend.
func (b *Backend) Profiles() []string { return builtin.Names() }

// Langs implements target.Backend.
func (b *Backend) Langs() []string { return []string{"spl"} }

// Profile returns a built-in profile with the user's overrides merged.
func (b *Backend) profile(opts target.Options) (*mapping.Profile, error) {
	return builtin.Get(opts.Profile, opts.Overrides)
}

// Compile implements target.Backend.
func (b *Backend) Compile(r *check.Rule, opts target.Options) (*target.Query, error) {
	if err := target.CheckOptions(b, opts); err != nil {
		return nil, err
	}
	p, err := b.profile(opts)
	if err != nil {
		return nil, err
	}
	c := &compiler{r: r, prof: p, tstats: opts.Variant == VariantTstats}
	src, translated, err := lower.Source(r, p, Name)
	if err != nil {
		return nil, err
	}
	if !p.Passthrough && src.Attr("datamodel") == "" && strings.TrimSpace(src.Attr("search_prefix")+src.Attr("index")+src.Attr("sourcetype")) == "" {
		// Without any, the search would read every event of the time
		// range, not the log source's.
		return nil, c.refuse(r.LogSource.Pos, "log source "+mapping.Describe(r.LogSource), "profile %q gives it no datamodel, search_prefix, index or sourcetype", p.Name)
	}
	c.src, c.r = src, translated
	text, err := c.compile()
	if err != nil {
		return nil, err
	}
	return &target.Query{Rule: r, Target: Name, Profile: p.Name, Lang: "spl", Text: text, Source: src}, nil
}

// Mapping returns a built-in profile (docs list its sources).
func (b *Backend) Mapping(profile string) (*mapping.Profile, error) {
	return b.profile(target.Options{Profile: profile})
}
