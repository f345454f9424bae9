package mapping

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
)

func hashProfile() (*Profile, *Source) {
	src := &Source{Fields: map[string]Field{
		"Hashes":      {Hashes: map[string]string{"MD5": "md5", "SHA1": "sha1", "SHA256": "sha256"}},
		"md5":         {Names: []string{"MD5"}},
		"sha1":        {Names: []string{"SHA1"}},
		"sha256":      {Names: []string{"SHA256"}},
		"CommandLine": {Names: []string{"ProcessCommandLine"}},
	}}
	return &Profile{Name: "p", Sources: []*Source{src}}, src
}

var (
	md5Hex    = "09D278F9DE118EF09163C6140255C690"
	sha1Hex   = strings.Repeat("AB", 20)
	sha256Hex = strings.Repeat("c0", 32)
)

func TestSplitHashes(t *testing.T) {
	p, src := hashProfile()
	contains := func(negate bool, values ...string) *rule.Matcher {
		m := &rule.Matcher{Field: "Hashes", Op: rule.OpContains, Modifiers: []string{"contains"}, Negate: negate}
		for _, v := range values {
			m.Values = append(m.Values, str(v))
		}
		return m
	}
	tests := []struct {
		name    string
		m       *rule.Matcher
		want    []string // per alternative: field=values (lower case), "!" when negated
		wantErr string
	}{
		{"one token", contains(false, "MD5="+md5Hex), []string{"md5=" + strings.ToLower(md5Hex)}, ""},
		{"algorithm in any case", contains(false, "sha256="+sha256Hex), []string{"sha256=" + sha256Hex}, ""},
		{"two of one algorithm stay one comparison", contains(false, "SHA1="+sha1Hex, "SHA1="+strings.Repeat("0f", 20)),
			[]string{"sha1=" + strings.ToLower(sha1Hex) + "|" + strings.Repeat("0f", 20)}, ""},
		{"several algorithms become alternatives", contains(false, "SHA256="+sha256Hex, "MD5="+md5Hex, "SHA1="+sha1Hex),
			[]string{"sha256=" + sha256Hex, "md5=" + strings.ToLower(md5Hex), "sha1=" + strings.ToLower(sha1Hex)}, ""},
		{"negated per value", contains(true, "MD5="+md5Hex, "SHA256="+sha256Hex), []string{"!md5=" + strings.ToLower(md5Hex), "!sha256=" + sha256Hex}, ""},
		{"algorithm the target lacks", contains(false, "MD5="+md5Hex, "IMPHASH="+md5Hex), nil, `compares the IMPHASH hash, which the target does not record`},
		{"partial hash", contains(false, "MD5=09D278"), nil, "is not a whole MD5 hash (32 hexadecimal digits)"},
		{"too long", contains(false, "MD5="+md5Hex+"0"), nil, "is not a whole MD5 hash"},
		{"not hexadecimal", contains(false, "MD5="+strings.Repeat("g", 32)), nil, "is not a whole MD5 hash"},
		{"all zeros", contains(false, "SHA1="+strings.Repeat("0", 40)), nil, "is all zeros"},
		{"no algorithm", contains(false, md5Hex), nil, "is not a whole ALGO=hash token"},
		{"unknown algorithm", contains(false, "SHA512="+sha256Hex+sha256Hex), nil, "is not a whole ALGO=hash token"},
		{"wildcard", contains(false, "MD5=09D278*"), nil, "is not a plain ALGO=hash token"},
		{"equals depends on the configuration", &rule.Matcher{Field: "Hashes", Values: []rule.Value{str("MD5=" + md5Hex)}}, nil, "not equals"},
		{"startswith depends on the order", &rule.Matcher{Field: "Hashes", Op: rule.OpStartsWith, Modifiers: []string{"startswith"}, Values: []rule.Value{str("SHA1=" + sha1Hex)}}, nil, "not startswith"},
		{"endswith depends on the order", &rule.Matcher{Field: "Hashes", Op: rule.OpEndsWith, Modifiers: []string{"endswith"}, Values: []rule.Value{str("SHA256=" + sha256Hex)}}, nil, "not endswith"},
		{"cased", &rule.Matcher{Field: "Hashes", Op: rule.OpContains, Cased: true, Modifiers: []string{"contains", "cased"}, Values: []rule.Value{str("MD5=" + md5Hex)}}, nil, "a case-sensitive comparison (contains|cased)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := &rule.Matcher{Field: "CommandLine", Op: rule.OpContains, Values: []rule.Value{str("x")}}
			r := matcherRule(cmd, tt.m)
			out, err := p.TranslateValues(r, src)
			if tt.wantErr != "" {
				var ve *ValueError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, "Hashes", ve.Field)
				assert.Contains(t, ve.Reason, tt.wantErr)
				assert.Contains(t, ve.Reason, "MD5 in MD5, SHA1 in SHA1, SHA256 in SHA256", "the reason names the target's fields")
				return
			}
			require.NoError(t, err)
			groups := out.Searches[0].Groups
			require.Len(t, groups, len(tt.want), "one group per alternative")
			var got []string
			for _, g := range groups {
				require.Len(t, g.Matchers, 2)
				assert.Same(t, cmd, g.Matchers[0], "the group's other matchers are kept in every alternative")
				m := g.Matchers[1]
				assert.Equal(t, rule.OpEquals, m.Op)
				var vals []string
				for _, v := range m.Values {
					lit, ok := v.Pattern.Literal()
					require.True(t, ok)
					assert.Equal(t, v.Text, lit)
					vals = append(vals, lit)
				}
				neg := ""
				if m.Negate {
					neg = "!"
				}
				got = append(got, neg+m.Field+"="+strings.Join(vals, "|"))
			}
			assert.Equal(t, tt.want, got)
			assert.Len(t, r.Searches[0].Groups, 1, "the input rule is not changed")
			assert.Same(t, tt.m, r.Searches[0].Groups[0].Matchers[1])
		})
	}
}

// Two Hashes comparisons in one group (contains|all) multiply out: every
// choice of one alternative from each is a group.
func TestSplitHashesDistributes(t *testing.T) {
	p, src := hashProfile()
	a := &rule.Matcher{Field: "Hashes", Op: rule.OpContains, Values: []rule.Value{str("MD5=" + md5Hex), str("SHA1=" + sha1Hex)}}
	b := &rule.Matcher{Field: "Hashes", Op: rule.OpContains, Values: []rule.Value{str("SHA256=" + sha256Hex)}}
	out, err := p.TranslateValues(matcherRule(a, b), src)
	require.NoError(t, err)
	var got [][]string
	for _, g := range out.Searches[0].Groups {
		var fields []string
		for _, m := range g.Matchers {
			fields = append(fields, m.Field)
		}
		got = append(got, fields)
	}
	assert.Equal(t, [][]string{{"md5", "sha256"}, {"sha1", "sha256"}}, got)
}

func TestParseHashes(t *testing.T) {
	p, err := Parse("p.yml", []byte("name: p\nsources:\n  - logsource: {category: process_creation}\n    fields:\n      Hashes: {hashes: {sha256: sha256, MD5: md5}}\n      sha256: SHA256\n"), Schema{})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"SHA256": "sha256", "MD5": "md5"}, p.Sources[0].Fields["Hashes"].Hashes)

	_, err = Parse("p.yml", []byte("name: p\nsources:\n  - logsource: {category: process_creation}\n    fields:\n      Hashes: {hashes: {SHA265: sha256}}\n"), Schema{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `p.yml:5:25: error: unknown hash algorithm "SHA265" (did you mean "SHA256"?); Sysmon writes IMPHASH, MD5, SHA1, SHA256`)
}
