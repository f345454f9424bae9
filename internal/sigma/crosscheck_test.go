package sigma

import (
	"fmt"
	"github.com/detc/detc/internal/testutil"
	"sort"
	"strconv"
	"strings"
	"testing"

	sigmago "github.com/bradleyjkemp/sigma-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
)

// TestCrossCheckSigmaGo loads every corpus rule that sigma-go v0.6.6 also
// parses and checks that both read the same searches (names, groups,
// fields, modifiers, values) and the same condition.
func TestCrossCheckSigmaGo(t *testing.T) {
	files := testutil.SigmaCorpusFiles(t)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	compared := 0
	for _, name := range names {
		want, err := sigmago.ParseRule(files[name])
		if err != nil {
			continue // sigma-go rejects it (e.g. '-' in a condition name)
		}
		rules, diags := Load(name, files[name])
		require.False(t, diags.HasErrors(), "%s: %v", name, diags)
		require.Len(t, rules, 1, name)
		crossCheck(t, name, want, rules[0])
		compared++
	}
	t.Logf("compared %d of %d rules with sigma-go", compared, len(files))
	assert.Greater(t, compared, 2500, "sigma-go should parse most of the corpus")
}

func crossCheck(t *testing.T, file string, want sigmago.Rule, got *rule.Rule) {
	assert.Equal(t, want.Title, got.Title, file)
	assert.Equal(t, want.ID, got.ID, file)
	var wantNames, gotNames []string
	for n := range want.Detection.Searches {
		wantNames = append(wantNames, n)
	}
	for _, s := range got.Searches {
		gotNames = append(gotNames, s.Name)
	}
	sort.Strings(wantNames)
	sort.Strings(gotNames)
	require.Equal(t, wantNames, gotNames, file)
	for _, s := range got.Searches {
		w, g := sigmaGoSearch(want.Detection.Searches[s.Name]), modelSearch(s)
		if !sameSearch(w, g) {
			assert.Equal(t, w, g, "%s: search %s", file, s.Name)
		}
	}
	var conds []string
	for _, c := range want.Detection.Conditions {
		conds = append(conds, sigmaGoExpr(c.Search))
	}
	wantCond := conds[0]
	if len(conds) > 1 {
		wantCond = "or(" + strings.Join(conds, ", ") + ")"
	}
	assert.Equal(t, wantCond, modelExpr(got.Condition), file)
}

// field is one key of a search (field|modifiers) with its values as text;
// a keyword list is the key "keywords".
type field struct {
	Key    string
	Values []string
}

// sigmaGoSearch and modelSearch render a search the same way from either
// model: one []field per group.
func sigmaGoSearch(s sigmago.Search) [][]field {
	if s.Keywords != nil {
		return [][]field{{{"keywords", s.Keywords}}}
	}
	var out [][]field
	for _, em := range s.EventMatchers {
		var fields []field
		for _, fm := range em {
			vals := make([]string, len(fm.Values))
			for i, v := range fm.Values {
				vals[i] = sigmaGoValue(v, fm.Modifiers)
			}
			fields = append(fields, field{strings.Join(append([]string{fm.Field}, fm.Modifiers...), "|"), vals})
		}
		out = append(out, fields)
	}
	return out
}

func sigmaGoValue(v any, modifiers []string) string {
	for _, m := range modifiers {
		if transforms[m] {
			return "?" // see modelSearch
		}
	}
	switch v := v.(type) {
	case nil:
		return "null"
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// transforms are the modifiers that change a value's text, so the model's
// values are no longer the written ones; for these only their count (by
// source position) is compared.
var transforms = map[string]bool{"windash": true, "base64": true, "base64offset": true, "wide": true, "utf16le": true, "utf16be": true, "utf16": true}

func modelSearch(s *rule.Search) [][]field {
	var out [][]field
	for _, g := range s.Groups {
		var fields []field
		// Matchers split by |all share their key's position: merge them back.
		for i := 0; i < len(g.Matchers); {
			m := g.Matchers[i]
			key := strings.Join(append([]string{m.Field}, m.Modifiers...), "|")
			if key == "" {
				key = "keywords"
			}
			transformed := false
			for _, mod := range m.Modifiers {
				transformed = transformed || transforms[mod]
			}
			var vals []string
			seen := map[rule.Pos]bool{}
			for ; i < len(g.Matchers) && g.Matchers[i].Pos == m.Pos; i++ {
				for _, v := range g.Matchers[i].Values {
					switch {
					case transformed:
						if !seen[v.Pos] {
							seen[v.Pos] = true
							vals = append(vals, "?")
						}
					case v.Kind == rule.KindNull:
						vals = append(vals, "null")
					default:
						vals = append(vals, v.Text)
					}
				}
			}
			fields = append(fields, field{key, vals})
		}
		out = append(out, fields)
	}
	return out
}

// sameSearch compares rendered searches value by value. sigma-go keeps
// YAML's numbers, so an unquoted 00000429 is 429 there; detc keeps the
// text as written (PyYAML, which pySigma uses, even reads it as a string),
// so two values are also equal when both read as the same number.
func sameSearch(want, got [][]field) bool {
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		if len(want[i]) != len(got[i]) {
			return false
		}
		for j, w := range want[i] {
			g := got[i][j]
			if w.Key != g.Key || len(w.Values) != len(g.Values) {
				return false
			}
			for k := range w.Values {
				a, errA := strconv.ParseFloat(w.Values[k], 64)
				b, errB := strconv.ParseFloat(g.Values[k], 64)
				if w.Values[k] != g.Values[k] && (errA != nil || errB != nil || a != b) {
					return false
				}
			}
		}
	}
	return true
}

// sigmaGoExpr and modelExpr render conditions with nested and/or
// flattened, since sigma-go drops parentheses.
func sigmaGoExpr(e sigmago.SearchExpr) string {
	switch e := e.(type) {
	case sigmago.And:
		return flat("and", e, sigmaGoExpr, func(x sigmago.SearchExpr) ([]sigmago.SearchExpr, bool) { a, ok := x.(sigmago.And); return a, ok })
	case sigmago.Or:
		return flat("or", e, sigmaGoExpr, func(x sigmago.SearchExpr) ([]sigmago.SearchExpr, bool) { o, ok := x.(sigmago.Or); return o, ok })
	case sigmago.Not:
		return "not(" + sigmaGoExpr(e.Expr) + ")"
	case sigmago.SearchIdentifier:
		return e.Name
	case sigmago.OneOfIdentifier:
		return "1 of " + e.Ident.Name
	case sigmago.AllOfIdentifier:
		return "all of " + e.Ident.Name
	case sigmago.OneOfPattern:
		return "1 of " + e.Pattern
	case sigmago.AllOfPattern:
		return "all of " + e.Pattern
	case sigmago.OneOfThem:
		return "1 of them"
	case sigmago.AllOfThem:
		return "all of them"
	}
	return fmt.Sprintf("unknown %T", e)
}

func modelExpr(e rule.Expr) string {
	switch e := e.(type) {
	case *rule.And:
		return flat("and", e.Terms, modelExpr, func(x rule.Expr) ([]rule.Expr, bool) {
			if a, ok := x.(*rule.And); ok {
				return a.Terms, true
			}
			return nil, false
		})
	case *rule.Or:
		return flat("or", e.Terms, modelExpr, func(x rule.Expr) ([]rule.Expr, bool) {
			if o, ok := x.(*rule.Or); ok {
				return o.Terms, true
			}
			return nil, false
		})
	case *rule.Not:
		return "not(" + modelExpr(e.X) + ")"
	case *rule.SearchRef:
		return e.Name
	case *rule.Quantified:
		if e.All {
			return "all of " + e.Pattern
		}
		return "1 of " + e.Pattern
	}
	return fmt.Sprintf("unknown %T", e)
}

func flat[T any](op string, terms []T, str func(T) string, same func(T) ([]T, bool)) string {
	var parts []string
	var add func([]T)
	add = func(ts []T) {
		for _, x := range ts {
			if inner, ok := same(x); ok {
				add(inner)
				continue
			}
			parts = append(parts, str(x))
		}
	}
	add(terms)
	return op + "(" + strings.Join(parts, ", ") + ")"
}
