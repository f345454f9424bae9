package eval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
)

// fieldSpec is one "field|mod|mod: values" line of a search, built through
// rule.BuildMatchers as the front ends do.
type fieldSpec struct {
	key  string
	vals []any
}

func f(key string, vals ...any) fieldSpec { return fieldSpec{key, vals} }

// group is an AND of field specs.
func group(specs ...fieldSpec) []fieldSpec { return specs }

type searchSpec struct {
	name   string
	groups [][]fieldSpec
}

func search1(name string, specs ...fieldSpec) searchSpec {
	return searchSpec{name, [][]fieldSpec{specs}}
}

func searchN(name string, groups ...[]fieldSpec) searchSpec { return searchSpec{name, groups} }

func rawValue(v any) rule.RawValue {
	switch v := v.(type) {
	case nil:
		return rule.RawValue{Kind: rule.RawNull, Text: "null"}
	case string:
		return rule.RawValue{Kind: rule.RawString, Text: v}
	case bool:
		return rule.RawValue{Kind: rule.RawBool, Text: fmt.Sprint(v)}
	case int, int64, float64:
		return rule.RawValue{Kind: rule.RawNumber, Text: fmt.Sprint(v)}
	}
	panic(fmt.Sprintf("test helper: unsupported value %T", v))
}

func buildSearch(t testing.TB, s searchSpec) *rule.Search {
	t.Helper()
	out := &rule.Search{Name: s.name}
	for gi, g := range s.groups {
		grp := &rule.Group{}
		for fi, spec := range g {
			parts := strings.Split(spec.key, "|")
			var raws []rule.RawValue
			for _, v := range spec.vals {
				raws = append(raws, rawValue(v))
			}
			pos := rule.Pos{File: "test.yml", Line: 10*gi + fi + 1, Col: 5}
			ms, diags := rule.BuildMatchers(parts[0], parts[1:], raws, pos)
			require.False(t, diags.HasErrors(), "building %s: %v", spec.key, diags)
			grp.Matchers = append(grp.Matchers, ms...)
		}
		out.Groups = append(out.Groups, grp)
	}
	return out
}

// mkRule builds a rule from searches and a condition (nil: the AND of
// every search, in order).
func mkRule(t testing.TB, cond rule.Expr, searches ...searchSpec) *rule.Rule {
	t.Helper()
	r := &rule.Rule{ID: "test-rule", File: "test.yml"}
	var refs []rule.Expr
	for _, s := range searches {
		r.Searches = append(r.Searches, buildSearch(t, s))
		refs = append(refs, ref(s.name))
	}
	if cond == nil {
		cond = and(refs...)
	}
	r.Condition = cond
	return r
}

func compile(t testing.TB, r *rule.Rule) *Program {
	t.Helper()
	p, diags := Compile(r)
	require.False(t, diags.HasErrors(), "compile: %v", diags)
	require.NotNil(t, p)
	return p
}

func ref(name string) rule.Expr     { return &rule.SearchRef{Name: name} }
func and(xs ...rule.Expr) rule.Expr { return &rule.And{Terms: xs} }
func or(xs ...rule.Expr) rule.Expr  { return &rule.Or{Terms: xs} }
func not(x rule.Expr) rule.Expr     { return &rule.Not{X: x} }
func oneOf(pattern string) rule.Expr {
	return &rule.Quantified{Pattern: pattern}
}
func allOf(pattern string) rule.Expr {
	return &rule.Quantified{Pattern: pattern, All: true}
}

// eventForms decodes a JSON object into every Event implementation, so a
// test checks that all of them agree.
func eventForms(t testing.TB, doc string) map[string]Event {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(doc), &m), doc)
	dec := json.NewDecoder(bytes.NewReader([]byte(doc)))
	dec.UseNumber()
	var mn map[string]any
	require.NoError(t, dec.Decode(&mn))
	flat := &FlatEvent{}
	Flatten(m, flat)
	return map[string]Event{"map": MapEvent(m), "map-usenumber": MapEvent(mn), "flat": flat}
}
