package mapping

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
)

func accountProfile() (*Profile, *Source) {
	src := &Source{Fields: map[string]Field{
		"User":        {Account: &Account{Domain: "User.domain", Name: "User.name"}},
		"User.domain": {Names: []string{"AccountDomain"}},
		"User.name":   {Names: []string{"AccountName"}},
	}}
	return &Profile{Name: "p", Sources: []*Source{src}}, src
}

// writeTerms prints an OR of ANDs of matchers: "|" between alternatives,
// "&" between the matchers of one, "!" for a negated matcher, a matcher's
// values (an OR) separated by ", ".
func writeTerms(groups []*rule.Group) string {
	var ors []string
	for _, g := range groups {
		var ands []string
		for _, m := range g.Matchers {
			neg := ""
			if m.Negate {
				neg = "!"
			}
			var lits []string
			for _, v := range m.Values {
				lit, _ := v.Pattern.Literal()
				lits = append(lits, lit)
			}
			ands = append(ands, neg+m.Field+" "+m.Op.String()+" "+strings.Join(lits, ", "))
		}
		ors = append(ors, strings.Join(ands, " & "))
	}
	return strings.Join(ors, " | ")
}

func TestSplitAccount(t *testing.T) {
	p, src := accountProfile()
	m := func(op rule.Op, negate bool, values ...string) *rule.Matcher {
		out := &rule.Matcher{Field: "User", Op: op, Negate: negate}
		if op != rule.OpEquals {
			out.Modifiers = []string{op.String()}
		}
		for _, v := range values {
			out.Values = append(out.Values, str(v))
		}
		return out
	}
	tests := []struct {
		name    string
		m       *rule.Matcher
		want    string
		wantErr string
	}{
		{"equals", m(rule.OpEquals, false, `NT AUTHORITY\SYSTEM`), `User.domain equals NT AUTHORITY & User.name equals SYSTEM`, ""},
		{"contains without backslash is either part", m(rule.OpContains, false, "AUTHORI", "AUTORI"),
			`User.domain contains AUTHORI | User.name contains AUTHORI | User.domain contains AUTORI | User.name contains AUTORI`, ""},
		{"contains across the backslash", m(rule.OpContains, false, `AUTHORITY\SYS`), `User.domain endswith AUTHORITY & User.name startswith SYS`, ""},
		{"contains with an empty side", m(rule.OpContains, false, `\SYSTEM`), `User.name startswith SYSTEM`, ""},
		{"startswith without backslash is the domain", m(rule.OpStartsWith, false, "NT AUTH"), `User.domain startswith NT AUTH`, ""},
		{"startswith across", m(rule.OpStartsWith, false, `NT AUTHORITY\SYS`), `User.domain equals NT AUTHORITY & User.name startswith SYS`, ""},
		{"endswith without backslash is the name", m(rule.OpEndsWith, false, "SYSTEM"), `User.name endswith SYSTEM`, ""},
		{"endswith across", m(rule.OpEndsWith, false, `\SYSTEM`), `User.name equals SYSTEM`, ""},
		{"negated equals by De Morgan", m(rule.OpEquals, true, `NT AUTHORITY\SYSTEM`), `!User.domain equals NT AUTHORITY | !User.name equals SYSTEM`, ""},
		{"negated contains", m(rule.OpContains, true, "AUTHORI"), `!User.domain contains AUTHORI & !User.name contains AUTHORI`, ""},
		{"equals without domain", m(rule.OpEquals, false, "SYSTEM"), "", "has no domain"},
		{"two backslashes", m(rule.OpContains, false, `a\b\c`), "", "more than one backslash"},
		{"empty name under equals", m(rule.OpEquals, false, `NT AUTHORITY\`), "", "leaves the domain or the name empty"},
		{"wildcard", m(rule.OpEquals, false, `NT*\SYSTEM`), "", "has wildcards"},
		{"only a backslash", m(rule.OpContains, false, `\`), "", "names neither a domain nor a name"},
		{"cased", &rule.Matcher{Field: "User", Cased: true, Modifiers: []string{"cased"}, Values: []rule.Value{str(`A\B`)}}, "", "a case-sensitive comparison (cased)"},
		{"regex", &rule.Matcher{Field: "User", Op: rule.OpRegex, Modifiers: []string{"re"}, Values: []rule.Value{{Kind: rule.KindRegex, Text: `.*`}}}, "", "not re"},
		{"null", &rule.Matcher{Field: "User", Values: []rule.Value{{Kind: rule.KindNull}}}, "", "a null value cannot be split"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := matcherRule(tt.m)
			r.LogSource = rule.LogSource{Category: "process_creation", Product: "windows"}
			out, err := p.TranslateValues(r, src)
			if tt.wantErr != "" {
				var ve *ValueError
				require.ErrorAs(t, err, &ve)
				assert.Contains(t, ve.Reason, tt.wantErr)
				assert.Contains(t, ve.Reason, "the domain in AccountDomain, the name in AccountName")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, writeTerms(out.Searches[0].Groups))
		})
	}
}

// Only a Windows rule's account is DOMAIN\name: another product's rule is
// refused when the field has no plain mapping, and keeps the plain one
// when it has.
func TestSplitAccountWindowsOnly(t *testing.T) {
	p, src := accountProfile()
	r := matcherRule(&rule.Matcher{Field: "User", Values: []rule.Value{str("root")}})
	r.LogSource = rule.LogSource{Category: "process_creation", Product: "linux"}
	_, err := p.TranslateValues(r, src)
	var ve *ValueError
	require.ErrorAs(t, err, &ve)
	assert.Contains(t, ve.Reason, "only a Windows rule's DOMAIN\\name is split")

	f := src.Fields["User"]
	f.Names = []string{"user.name"}
	src.Fields["User"] = f
	out, err := p.TranslateValues(r, src)
	require.NoError(t, err)
	assert.Same(t, r, out)
}

// A selection whose split would multiply past MaxSplitGroups is refused.
func TestSplitLimit(t *testing.T) {
	p, src := accountProfile()
	var ms []*rule.Matcher
	for i := 0; i < 9; i++ { // 2^9 alternatives
		ms = append(ms, &rule.Matcher{Field: "User", Op: rule.OpContains, Values: []rule.Value{str("x")}})
	}
	r := matcherRule(ms...)
	r.LogSource.Product = "windows"
	_, err := p.TranslateValues(r, src)
	var ve *ValueError
	require.ErrorAs(t, err, &ve)
	assert.Contains(t, ve.Reason, "more than 256 alternatives")
}

func TestParseAccount(t *testing.T) {
	p, err := Parse("p.yml", []byte("name: p\nsources:\n  - logsource: {category: process_creation}\n    fields:\n      User: {account: {domain: D, name: N}}\n"), Schema{})
	require.NoError(t, err)
	assert.Equal(t, &Account{Domain: "D", Name: "N"}, p.Sources[0].Fields["User"].Account)
	_, err = Parse("p.yml", []byte("name: p\nsources:\n  - logsource: {category: process_creation}\n    fields:\n      User: {account: {domain: D}}\n"), Schema{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "an account needs both domain and name")
}
