package build

import (
	"sync"

	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/check"
)

// CompileOnce wraps backends so that each rule is compiled once per
// backend and options, however often it is asked for: a build compiles
// each rule for its runbook (which shows every target's query) and for
// the deployment files, and both get the same query. The wrappers are
// safe for concurrent use; they hold the queries until dropped, so make
// them for one build.
func CompileOnce(backends []target.Backend) []target.Backend {
	out := make([]target.Backend, len(backends))
	for i, b := range backends {
		out[i] = &onceBackend{Backend: b}
	}
	return out
}

type onceBackend struct {
	target.Backend
	queries sync.Map // compileKey → *compiled
}

type compileKey struct {
	rule *check.Rule
	opts target.Options
}

type compiled struct {
	once sync.Once
	q    *target.Query
	err  error
}

func (b *onceBackend) Compile(r *check.Rule, opts target.Options) (*target.Query, error) {
	v, _ := b.queries.LoadOrStore(compileKey{r, opts}, &compiled{})
	c := v.(*compiled)
	c.once.Do(func() { c.q, c.err = b.Backend.Compile(r, opts) })
	return c.q, c.err
}

// CompileOnceFor is CompileOnce for deployments: the deployments of one
// backend (its profiles) share one wrapper, so each (rule, options) pair
// compiles once across runbooks and deployment files.
func CompileOnceFor(deps []Deployment) []Deployment {
	wrapped := map[string]target.Backend{}
	out := make([]Deployment, len(deps))
	for i, d := range deps {
		w, ok := wrapped[d.Backend.Name()]
		if !ok {
			w = CompileOnce([]target.Backend{d.Backend})[0]
			wrapped[d.Backend.Name()] = w
		}
		d.Backend = w
		out[i] = d
	}
	return out
}
