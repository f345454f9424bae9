// Package registry lists the backends compiled into detc, by --target name.
package registry

import (
	"sort"

	"github.com/detc/detc/backends/elastic"
	"github.com/detc/detc/backends/kql"
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
