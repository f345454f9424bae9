package mapping

import (
	"fmt"
	"io/fs"
	"strings"
	"sync"
)

// Builtin is a backend's built-in profiles: files profiles/<name>.yml in
// the file system the backend embeds, read and parsed once, on first use.
// It is the one loader of built-in profiles every backend uses.
type Builtin struct {
	target string
	names  []string
	load   func() (map[string]*Profile, error)
}

// NewBuiltin declares the built-in profiles of the schema's target, read
// against the schema; the first name is the default.
func NewBuiltin(schema Schema, files fs.FS, names ...string) *Builtin {
	target := schema.Target
	return &Builtin{target: target, names: names, load: sync.OnceValues(func() (map[string]*Profile, error) {
		out := make(map[string]*Profile, len(names))
		for _, name := range names {
			file := "profiles/" + name + ".yml"
			data, err := fs.ReadFile(files, file)
			if err != nil {
				return nil, fmt.Errorf("%s: built-in profile %s: %w", target, name, err)
			}
			p, err := Parse(file, data, schema)
			if err != nil {
				return nil, fmt.Errorf("%s: built-in profile %s: %w", target, name, err)
			}
			out[name] = p
		}
		return out, nil
	})}
}

// Names lists the profiles, the default first.
func (b *Builtin) Names() []string { return append([]string(nil), b.names...) }

// Get returns the named profile ("" is the default) with overrides, a
// user's mapping file, merged over it.
func (b *Builtin) Get(name string, overrides *Profile) (*Profile, error) {
	profiles, err := b.load()
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = b.names[0]
	}
	p, ok := profiles[name]
	if !ok {
		return nil, fmt.Errorf("target %s has no profile %q (profiles: %s)", b.target, name, strings.Join(b.names, ", "))
	}
	return p.Merge(overrides), nil
}
