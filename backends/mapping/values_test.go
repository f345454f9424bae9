package mapping

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
)

func directionProfile() (*Profile, *Source) {
	src := &Source{Fields: map[string]Field{
		"Initiated": {Names: []string{"network.direction"}, Values: map[string]string{"true": "egress", "false": "ingress"}},
		"Image":     {Names: []string{"process.executable"}},
	}}
	return &Profile{Name: "p", Sources: []*Source{src}}, src
}

func matcherRule(ms ...*rule.Matcher) *rule.Rule {
	return &rule.Rule{ID: "r", Searches: []*rule.Search{{Name: "sel", Groups: []*rule.Group{{Matchers: ms}}}}}
}

func str(s string) rule.Value {
	return rule.Value{Kind: rule.KindString, Pattern: rule.ParsePattern(s), Text: s}
}

func TestTranslateValues(t *testing.T) {
	p, src := directionProfile()
	image := &rule.Matcher{Field: "Image", Op: rule.OpEndsWith, Values: []rule.Value{str(`\curl.exe`)}}
	tests := []struct {
		name    string
		m       *rule.Matcher
		want    []string // translated values; nil with err
		wantErr string
	}{
		{"string value", &rule.Matcher{Field: "Initiated", Values: []rule.Value{str("true")}}, []string{"egress"}, ""},
		{"any case, several values", &rule.Matcher{Field: "Initiated", Values: []rule.Value{str("TRUE"), str("false")}}, []string{"egress", "ingress"}, ""},
		{"YAML boolean", &rule.Matcher{Field: "Initiated", Values: []rule.Value{{Kind: rule.KindBool, Text: "false"}}}, []string{"ingress"}, ""},
		{"negated", &rule.Matcher{Field: "Initiated", Negate: true, Values: []rule.Value{str("true")}}, []string{"egress"}, ""},
		{"contains", &rule.Matcher{Field: "Initiated", Op: rule.OpContains, Modifiers: []string{"contains"}, Values: []rule.Value{str("tru")}}, nil, "only an exact, case-insensitive comparison"},
		{"wildcard", &rule.Matcher{Field: "Initiated", Values: []rule.Value{str("t*")}}, nil, `the value "t*" has wildcards`},
		{"unknown value", &rule.Matcher{Field: "Initiated", Values: []rule.Value{str("yes")}}, nil, `the value "yes" has no translation`},
		{"cased", &rule.Matcher{Field: "Initiated", Cased: true, Values: []rule.Value{str("true")}}, nil, "only an exact, case-insensitive comparison"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := matcherRule(image, tt.m)
			before := tt.m.Values[0]
			out, err := p.TranslateValues(r, src)
			if tt.wantErr != "" {
				var ve *ValueError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, "Initiated", ve.Field)
				assert.Contains(t, ve.Reason, tt.wantErr)
				assert.Contains(t, ve.Reason, "false is ingress, true is egress")
				return
			}
			require.NoError(t, err)
			got := out.Searches[0].Groups[0].Matchers[1]
			var texts []string
			for _, v := range got.Values {
				lit, ok := v.Pattern.Literal()
				require.True(t, ok)
				assert.Equal(t, v.Text, lit)
				texts = append(texts, lit)
			}
			assert.Equal(t, tt.want, texts)
			assert.Equal(t, tt.m.Negate, got.Negate)
			assert.Same(t, image, out.Searches[0].Groups[0].Matchers[0], "other matchers are shared")
			assert.Equal(t, before, tt.m.Values[0], "the input rule is not changed")
		})
	}
}

func TestTranslateValuesWithoutTable(t *testing.T) {
	p, src := directionProfile()
	r := matcherRule(&rule.Matcher{Field: "Image", Op: rule.OpEndsWith, Values: []rule.Value{str(`\curl.exe`)}})
	out, err := p.TranslateValues(r, src)
	require.NoError(t, err)
	assert.Same(t, r, out)
}

func TestCasedUnsupported(t *testing.T) {
	src, err := Parse("p.yml", []byte(`
sources:
  - logsource: {category: process_access}
    fields:
      GrantedAccess: {name: GrantedAccess, cased_unsupported: "the mask is rebuilt in lower case"}
`), testSchema)
	require.NoError(t, err)
	s := src.Sources[0]
	for _, tt := range []struct {
		name    string
		m       *rule.Matcher
		wantErr string
	}{
		{"case-insensitive", &rule.Matcher{Field: "GrantedAccess", Values: []rule.Value{str("0x1FFFFF")}}, ""},
		{"case-insensitive endswith", &rule.Matcher{Field: "GrantedAccess", Op: rule.OpEndsWith, Values: []rule.Value{str("10")}}, ""},
		{"cased", &rule.Matcher{Field: "GrantedAccess", Cased: true, Values: []rule.Value{str("0x1FFFFF")}}, "a case-sensitive comparison (cased) cannot be kept: the mask is rebuilt in lower case"},
		{"cased, negated", &rule.Matcher{Field: "GrantedAccess", Cased: true, Negate: true, Values: []rule.Value{str("0x1410")}}, "cannot be kept"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := matcherRule(tt.m)
			out, err := src.TranslateValues(r, s)
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Same(t, r, out, "a comparison the field can keep is not rewritten")
				return
			}
			var ve *ValueError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "GrantedAccess", ve.Field)
			assert.Contains(t, ve.Reason, tt.wantErr)
		})
	}
}

func TestParseValues(t *testing.T) {
	p, err := Parse("p.yml", []byte("name: p\nsources:\n  - logsource: {category: network_connection}\n    fields:\n      Initiated: {name: network.direction, values: {\"true\": egress}}\n"), Schema{})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"true": "egress"}, p.Sources[0].Fields["Initiated"].Values)
}

// TestRenamedValues: a field whose target renames a few values and keeps
// the others (the Elastic Microsoft 365 pipeline's operation names). A
// comparison is kept when the renaming cannot change its result, an
// exact comparison with a renamed value is rewritten, and any other is
// refused, as the evaluator decides the matches.
func TestRenamedValues(t *testing.T) {
	src := &Source{Fields: map[string]Field{
		"Operation": {Names: []string{"event.action"}, Renamed: map[string]string{"Add user.": "added-user-account", "TeamCreated": "added-group-account-to"}},
	}}
	p := &Profile{Name: "p", Sources: []*Source{src}}
	tests := []struct {
		name    string
		m       *rule.Matcher
		want    []string // values after translation; nil with err
		wantErr string
	}{
		{"other value kept", &rule.Matcher{Field: "Operation", Values: []rule.Value{str("UserLoggedIn")}}, []string{"UserLoggedIn"}, ""},
		{"renamed value rewritten", &rule.Matcher{Field: "Operation", Values: []rule.Value{str("add user.")}}, []string{"added-user-account"}, ""},
		{"negated renamed value rewritten", &rule.Matcher{Field: "Operation", Negate: true, Values: []rule.Value{str("TeamCreated"), str("MemberRemoved")}}, []string{"added-group-account-to", "MemberRemoved"}, ""},
		{"contains both or neither", &rule.Matcher{Field: "Operation", Op: rule.OpContains, Modifiers: []string{"contains"}, Values: []rule.Value{str("domain"), str("user")}}, []string{"domain", "user"}, ""},
		{"contains one only", &rule.Matcher{Field: "Operation", Op: rule.OpContains, Modifiers: []string{"contains"}, Values: []rule.Value{str("add")}}, nil, `the value "add" does not match "TeamCreated" but matches "added-group-account-to"`},
		{"wildcard over a renamed value", &rule.Matcher{Field: "Operation", Values: []rule.Value{str("Add *")}}, nil, `the value "Add *" matches "Add user." but does not match "added-user-account"`},
		{"the target's name", &rule.Matcher{Field: "Operation", Values: []rule.Value{str("added-user-account")}}, nil, `does not match "Add user." but matches "added-user-account"`},
		{"cased, other case", &rule.Matcher{Field: "Operation", Cased: true, Values: []rule.Value{str("add user.")}}, []string{"add user."}, ""},
		{"field reference", &rule.Matcher{Field: "Operation", FieldRef: true, Values: []rule.Value{{Kind: rule.KindFieldRef, Text: "Workload"}}}, nil, "a field reference cannot be kept"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := p.TranslateValues(matcherRule(tt.m), src)
			if tt.wantErr != "" {
				var ve *ValueError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, "Operation", ve.Field)
				assert.Contains(t, ve.Reason, tt.wantErr)
				return
			}
			require.NoError(t, err)
			var got []string
			for _, v := range out.Searches[0].Groups[0].Matchers[0].Values {
				got = append(got, v.Text)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseRenamed(t *testing.T) {
	p, err := Parse("p.yml", []byte("name: p\nsources:\n  - logsource: {product: m365, service: audit}\n    fields:\n      Operation: {name: event.action, renamed: {\"Add user.\": added-user-account}}\n"), Schema{})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"Add user.": "added-user-account"}, p.Sources[0].Fields["Operation"].Renamed)

	_, err = Parse("p.yml", []byte("name: p\nsources:\n  - logsource: {product: m365, service: audit}\n    fields:\n      Operation: {name: event.action, renamed: [a, b]}\n"), Schema{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "p.yml:5:")
	assert.Contains(t, err.Error(), "a map from the values the target renames to its names for them")
}
