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

// Product is where a target's query for one profile runs, as analysts
// name it.
type Product struct {
	Profile string
	Title   string
}

// products are, per target, the profiles runbooks show a query for, in
// order: the default profile first. KQL's default (ASIM) runs in
// Microsoft Sentinel only; Defender XDR's advanced hunting has its own
// tables, so its query is shown apart.
var products = map[string][]Product{
	"splunk":  {{"cim", "Splunk"}},
	"kql":     {{"sentinel-asim", "Microsoft Sentinel (ASIM)"}, {"defender-xdr", "Microsoft Defender XDR (advanced hunting)"}},
	"elastic": {{"ecs", "Elastic"}},
}

// Products lists the products a target's queries run in, by profile; a
// target without a list has one product: its default profile, under the
// target's title.
func Products(b target.Backend) []Product {
	if ps, ok := products[b.Name()]; ok {
		return ps
	}
	return []Product{{b.Profiles()[0], b.Title()}}
}
