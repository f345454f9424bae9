package kqlcheck

import (
	_ "embed"
	"fmt"
	"maps"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed workspace.yml
var workspaceYAML []byte

// Workspace returns the declared Microsoft Sentinel workspace: the tables
// and ASIM functions that detc's KQL profiles read, with their published
// columns (see workspace.yml for the sources).
func Workspace() (*Database, error) {
	var y struct {
		Tables    map[string]string `yaml:"tables"`
		Functions map[string]struct {
			Params  string `yaml:"params"`
			Columns string `yaml:"columns"`
		} `yaml:"functions"`
	}
	if err := yaml.Unmarshal(workspaceYAML, &y); err != nil {
		return nil, fmt.Errorf("workspace.yml: %w", err)
	}
	db := &Database{}
	for _, name := range slices.Sorted(maps.Keys(y.Tables)) {
		cols, err := ParseSchema(y.Tables[name])
		if err != nil {
			return nil, fmt.Errorf("workspace.yml: table %s: %w", name, err)
		}
		db.Tables = append(db.Tables, Table{Name: name, Columns: cols})
	}
	for _, name := range slices.Sorted(maps.Keys(y.Functions)) {
		f := y.Functions[name]
		cols, err := ParseSchema(f.Columns)
		if err != nil {
			return nil, fmt.Errorf("workspace.yml: function %s: %w", name, err)
		}
		db.Functions = append(db.Functions, Function{Name: name, Params: f.Params, Columns: cols})
	}
	return db, nil
}

// ParseSchema reads "Name:type, Name:type" (plain identifiers only).
func ParseSchema(s string) ([]Column, error) {
	var cols []Column
	for _, item := range strings.Split(s, ",") {
		name, typ, ok := strings.Cut(strings.TrimSpace(item), ":")
		if !ok || name == "" || typ == "" {
			return nil, fmt.Errorf("bad column %q (want Name:type)", item)
		}
		cols = append(cols, Column{Name: strings.TrimSpace(name), Type: strings.TrimSpace(typ)})
	}
	return cols, nil
}

// Columns returns the columns of the named table or function.
func (db *Database) Columns(name string) ([]Column, bool) {
	for _, t := range db.Tables {
		if t.Name == name {
			return t.Columns, true
		}
	}
	for _, f := range db.Functions {
		if f.Name == name {
			return f.Columns, true
		}
	}
	return nil, false
}
