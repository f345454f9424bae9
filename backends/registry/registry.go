// Package registry lists the backends compiled into detc, by --target name.
package registry

import (
	"sort"

	"github.com/detc/detc/backends/elastic"
	"github.com/detc/detc/backends/kql"
	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/splunk"
	"github.com/detc/detc/backends/target"
)

// backends are the built-in targets, in the order runbooks and reports show
// them: Splunk, Microsoft, Elastic.
var backends = []target.Backend{splunk.New(), kql.New(), elastic.New()}

// Lookup returns the backend for a --target value.
func Lookup(name string) (target.Backend, bool) {
	for _, b := range backends {
		if b.Name() == name {
			return b, true
		}
	}
	return nil, false
}

// Names lists the --target values, sorted.
func Names() []string {
	names := make([]string, len(backends))
	for i, b := range backends {
		names[i] = b.Name()
	}
	sort.Strings(names)
	return names
}

// All returns every backend, in presentation order.
func All() []target.Backend {
	return append([]target.Backend(nil), backends...)
}

// titles are the names analysts know the targets by.
var titles = map[string]string{
	"splunk":  "Splunk",
	"kql":     "Microsoft Sentinel / Defender XDR",
	"elastic": "Elastic",
}

// Title is how analysts name a target, for runbooks and reports.
func Title(name string) string {
	if t, ok := titles[name]; ok {
		return t
	}
	return name
}

// variants are the alternative query forms (target.Options.Variant) each
// target offers.
var variants = map[string][]string{"splunk": {splunk.VariantTstats}}

// Variants lists the variants of a target.
func Variants(b target.Backend) []string {
	return append([]string(nil), variants[b.Name()]...)
}

// Mappings returns the built-in mapping profiles of every backend that
// has them as data, in presentation order.
func Mappings() []*mapping.Profile {
	var out []*mapping.Profile
	for _, b := range backends {
		m, ok := b.(target.Mapper)
		if !ok {
			continue
		}
		for _, name := range b.Profiles() {
			if p, err := m.Mapping(name); err == nil {
				out = append(out, p)
			}
		}
	}
	return out
}

// Targetable lists what a rule's targets may name: every target, and
// every target/profile.
func Targetable() []string {
	var out []string
	for _, b := range backends {
		out = append(out, b.Name())
		for _, p := range b.Profiles() {
			out = append(out, b.Name()+"/"+p)
		}
	}
	return out
}
