package elastic

import (
	"errors"
	"fmt"
	"github.com/detc/detc/internal/testutil"
	"strings"
	"testing"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/sigma"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sigmaRule loads one rule from a detection block and a log source.
func sigmaRule(t *testing.T, logsource, detection string) *rule.Rule {
	t.Helper()
	src := fmt.Sprintf("title: t\nid: 00000000-0000-4000-8000-000000000001\nlogsource:\n%s\ndetection:\n%s\n", indent(logsource), indent(detection))
	rules, diags := sigma.Load("t.yml", []byte(src))
	require.False(t, diags.HasErrors(), "%v\n%s", diags, src)
	require.Len(t, rules, 1)
	return rules[0]
}

func indent(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n")
}

func TestRefusals(t *testing.T) {
	proxy := "category: proxy"
	tests := []struct {
		name, logsource, detection, profile, lang, want string
	}{
		{"unmapped field", proxy, "sel:\n  Foo: x\ncondition: sel", "ecs", "", `elastic/ecs cannot express field "Foo": no mapping`},
		{"unsupported field", proxy, "sel:\n  cs-cookie: x\ncondition: sel", "ecs", "", "ECS has no cookie field"},
		{"unknown log source", "category: file_event", "sel:\n  TargetFilename: x\ncondition: sel", "ecs", "", "no source for log source category=file_event"},
		{"cidr on a keyword field in lucene", proxy, "sel:\n  cs-host|cidr: 10.0.0.0/8\ncondition: sel", "ecs", Lucene, "cidr needs an ip field in a Lucene query; ES|QL reads a keyword field's text as an address"},
		{"cidr on a keyword field in eql", proxy, "sel:\n  cs-host|cidr: 10.0.0.0/8\ncondition: sel", "ecs", EQL, "detc writes EQL's cidrMatch on ip fields only"},
		{"cidr on a long field", proxy, "sel:\n  cs-bytes|cidr: 10.0.0.0/8\ncondition: sel", "ecs", "", "cidr needs an ip field"},
		{"range on a keyword field", proxy, "sel:\n  cs-host|gt: 5\ncondition: sel", "ecs", "", "compares as text, not as a number"},
		{"wildcard on an ip field", proxy, "sel:\n  src_ip|startswith: '10.'\ncondition: sel", "ecs", "", "an ip field takes addresses"},
		{"text on a long field", proxy, "sel:\n  cs-bytes: abc\ncondition: sel", "ecs", "", "a numeric field takes numbers"},
		{"one field, two types", proxy, "a:\n  src_ip|gt: 10\nb:\n  src_ip|contains: '10.'\ncondition: a or b", "raw", "", "an Elasticsearch field has one type"},
		{"one keyword field with cidr in lucene", proxy, "a:\n  src_ip|cidr: 10.0.0.0/8\nb:\n  src_ip|contains: '10.'\ncondition: a or b", "raw", Lucene, "cidr needs an ip field in a Lucene query"},
		{"fieldref in lucene", proxy, "sel:\n  cs-host|fieldref: r-dns\ncondition: sel", "raw", Lucene, "cannot compare two fields"},
		{"fieldref and keywords", proxy, "sel:\n  cs-host|fieldref: r-dns\nkeywords:\n  - x\ncondition: sel and keywords", "raw", "", `ES|QL compares fields; detc does not search all fields there, and Lucene, which does, cannot express fieldref "r-dns" on field "cs-host" in the same rule`},
		{"fieldref in eql", proxy, "sel:\n  cs-host|fieldref: r-dns\ncondition: sel", "raw", EQL, "EQL cannot compare a field with another field"},
		{"word boundary", proxy, "sel:\n  c-uri|re: 'x?\\bb'\ncondition: sel", "raw", "", "no word-boundary assertion, and the characters around this one do not decide it"},
		{"regex too long", proxy, "sel:\n  c-uri|contains: '" + strings.Repeat("ab", 130) + "'\ncondition: sel", "raw", "", "index.max_regex_length"},
		{"regex too complex to determinize", proxy, "sel:\n  c-uri|re: 'a.{13}'\ncondition: sel", "raw", "", `re "a.{13}" on field "c-uri": Elasticsearch cannot determinize this regular expression within Lucene's limit of 10,000`},
		{"regex too complex to determinize in eql", proxy, "sel:\n  c-uri|re: 'a.{13}'\ncondition: sel", "raw", EQL, "Elasticsearch cannot determinize this regular expression"},
		{"regex too complex to determinize in esql", proxy, "sel:\n  c-uri|re: 'a.{13}'\ncondition: sel", "raw", ESQL, "Elasticsearch cannot determinize this regular expression"},
		{"keywords in eql", proxy, "keywords:\n  - x\ncondition: keywords", "raw", EQL, "no search over all fields"},
		{"keywords in esql", proxy, "keywords:\n  - x\ncondition: keywords", "raw", ESQL, "does not search all fields"},
		{"analysed text in lucene", "category: ps_script\nproduct: windows", "sel:\n  ScriptBlockText|contains: x\ncondition: sel", "ecs", Lucene, "it is an analysed text field, whose terms are words, not the value, in lucene; ES|QL compares the whole value"},
		{"analysed text in eql", "category: ps_script\nproduct: windows", "sel:\n  ScriptBlockText|contains: x\ncondition: sel", "ecs", EQL, "ES|QL compares the whole value"},
	}
	b := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sigmaRule(t, tt.logsource, tt.detection)
			_, err := b.Compile(testutil.Checked(t, r), target.Options{Profile: tt.profile, Lang: tt.lang})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			var te *target.Refusal
			require.True(t, errors.As(err, &te))
			assert.Equal(t, "elastic", te.Target)
			assert.True(t, te.Pos.IsValid(), "a refusal points into the rule: %v", err)
		})
	}
}

func TestLanguageChoice(t *testing.T) {
	r := sigmaRule(t, "category: proxy", "sel:\n  cs-method: POST\ncondition: sel")
	b := New()
	_, err := b.Compile(testutil.Checked(t, r), target.Options{Lang: "sql"})
	assert.EqualError(t, err, `target elastic has no language "sql" (did you mean "eql"?) (languages: lucene, eql, esql)`)
	_, err = b.Compile(testutil.Checked(t, r), target.Options{Profile: "cim"})
	assert.EqualError(t, err, `target elastic has no profile "cim" (profiles: ecs, raw)`)

	// An average is no Kibana threshold: the default language is ES|QL,
	// and asking for Lucene is refused with the way out.
	r.Aggregation = &rule.Aggregation{Func: rule.AggAvg, Field: "cs-bytes", Op: rule.CmpGt, Threshold: 10, Window: 3600e9, Pos: rule.Pos{File: "t.yml", Line: 1, Col: 1}}
	q, err := b.Compile(testutil.Checked(t, r), target.Options{})
	require.NoError(t, err)
	assert.Equal(t, ESQL, q.Lang)
	assert.Contains(t, q.Text, "STATS value = AVG(http.request.bytes) BY window_start")
	_, err = b.Compile(testutil.Checked(t, r), target.Options{Lang: Lucene})
	assert.ErrorContains(t, err, "compile it with --lang esql")

	// An analysed text field (PowerShell's script block) is compared
	// whole in ES|QL, the default language for such a rule.
	r = sigmaRule(t, "category: ps_script\nproduct: windows", "sel:\n  ScriptBlockText|contains: hooks.slack.com/services/\ncondition: sel")
	q, err = b.Compile(testutil.Checked(t, r), target.Options{})
	require.NoError(t, err)
	assert.Equal(t, ESQL, q.Lang)
	assert.Contains(t, q.Text, `TO_LOWER(powershell.file.script_block_text) LIKE "*hooks.slack.com/services/*"`)
}

// TestDefaultLanguage: without --lang, a rule is Lucene unless one of its
// comparisons needs ES|QL, decided on the lowered condition (a search the
// condition does not use does not count).
func TestDefaultLanguage(t *testing.T) {
	proxy, ps := "category: proxy", "category: ps_script\nproduct: windows"
	tests := []struct {
		name, logsource, detection, profile, want, text string
	}{
		{"plain", proxy, "sel:\n  cs-method: POST\ncondition: sel", "ecs", Lucene, `http.request.method:/[Pp][Oo][Ssſ][Tt]/`},
		{"fieldref", proxy, "sel:\n  c-uri|contains|fieldref: cs-host\ncondition: not sel", "ecs", ESQL, `NOT COALESCE(LOCATE(TO_LOWER(url.full), TO_LOWER(url.domain)) > 0, false)`},
		{"cased fieldref", proxy, "sel:\n  c-uri|cased|startswith|fieldref: cs-host\ncondition: sel", "raw", ESQL, "STARTS_WITH(`c-uri`, `cs-host`)"},
		{"unused fieldref", proxy, "sel:\n  cs-method: POST\nother:\n  c-uri|fieldref: cs-host\ncondition: sel", "ecs", Lucene, `http.request.method:/[Pp][Oo][Ssſ][Tt]/`},
		{"cidr on a keyword field", proxy, "sel:\n  cs-host|cidr: 10.0.0.0/8\ncondition: sel", "ecs", ESQL, `CIDR_MATCH(TO_IP(url.domain), "10.0.0.0/8")`},
		{"cidr on an ip field", proxy, "sel:\n  src_ip|cidr: 10.0.0.0/8\ncondition: sel", "ecs", Lucene, `source.ip:"10.0.0.0/8"`},
		{"raw field with cidr and text", proxy, "a:\n  IpAddress|cidr: 10.0.0.0/8\nb:\n  IpAddress: '-'\ncondition: not a and not b", "raw", ESQL, `NOT COALESCE(CIDR_MATCH(TO_IP(IpAddress), "10.0.0.0/8"), false) AND NOT COALESCE(IpAddress == "-", false)`},
		{"analysed text field", ps, "sel:\n  ScriptBlockText|contains: x\ncondition: sel", "ecs", ESQL, `TO_LOWER(powershell.file.script_block_text) LIKE "*x*"`},
		{"text field kept as keyword by raw", ps, "sel:\n  ScriptBlockText|contains: x\ncondition: sel", "raw", Lucene, `ScriptBlockText:/.*[Xx].*/`},
	}
	b := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sigmaRule(t, tt.logsource, tt.detection)
			q, err := b.Compile(testutil.Checked(t, r), target.Options{Profile: tt.profile})
			require.NoError(t, err)
			assert.Equal(t, tt.want, q.Lang)
			assert.Contains(t, q.Text, tt.text)
			// --lang still forces a language: the same rule in Lucene is
			// refused when ES|QL was needed.
			_, err = b.Compile(testutil.Checked(t, r), target.Options{Profile: tt.profile, Lang: Lucene})
			assert.Equal(t, tt.want == Lucene, err == nil, "%v", err)
		})
	}
}

// TestFieldRefToSeveralFields: ES|QL compares a field with one other
// field; a fieldref to a field a mapping splits over two is refused.
func TestFieldRefToSeveralFields(t *testing.T) {
	r := sigmaRule(t, "category: proxy", "sel:\n  c-uri|contains|fieldref: cs-host\ncondition: sel")
	p, err := parseProfile(`
name: mine
target: elastic
sources:
  - logsource: {category: proxy}
    fields:
      cs-host: {names: [url.domain, destination.domain], type: keyword}
`)
	require.NoError(t, err)
	_, err = New().Compile(testutil.Checked(t, r), target.Options{Overrides: p})
	assert.ErrorContains(t, err, `cannot express fieldref "cs-host" on field "c-uri": "cs-host" maps to 2 fields; detc compares a field with one`)
}

func TestOverrides(t *testing.T) {
	r := sigmaRule(t, "category: proxy", "sel:\n  cs-host: x.com\ncondition: sel")
	over := `
name: mine
target: elastic
sources:
  - logsource: {category: proxy}
    attrs: {index: "proxy-*"}
    fields:
      cs-host: {name: destination.domain, type: keyword}
`
	p, err := parseProfile(over)
	require.NoError(t, err)
	c, err := compile(testutil.Checked(t, r), target.Options{Overrides: p})
	require.NoError(t, err)
	assert.Equal(t, `destination.domain:/[Xx]\.[Cc][Oo][Mm]/`, c.query.Text)
	assert.Equal(t, []string{"proxy-*"}, indexes(c.query.Source))
}

func TestKibanaFields(t *testing.T) {
	for level, want := range map[string]string{"informational": "21 low", "low": "21 low", "medium": "47 medium", "high": "73 high", "critical": "99 critical", "": "47 medium"} {
		score, sev := risk(level)
		assert.Equal(t, want, fmt.Sprintf("%d %s", score, sev), level)
	}
	assert.Equal(t, 0x3528249, version("3528249a1dff74f4"))
	assert.Equal(t, 12, version("12"))
	assert.Positive(t, version("not hex"))
	assert.Equal(t, "90s", duration(90e9))
	assert.Equal(t, "2h", duration(7200e9))
	assert.Equal(t, "1d", duration(86400e9))

	th := threats(rule.Attack{Techniques: []string{"T1567.004", "T1059.001"}, Tactics: []string{"exfiltration"}})
	require.Len(t, th, 2)
	assert.Equal(t, "TA0002", th[0].Tactic.ID) // T1059.001's own tactic, Execution
	assert.Equal(t, "TA0010", th[1].Tactic.ID)
	require.Len(t, th[1].Technique, 1)
	assert.Equal(t, "T1567", th[1].Technique[0].ID)
	assert.Equal(t, "T1567.004", th[1].Technique[0].Subtechnique[0].ID)
}

func parseProfile(yml string) (*mapping.Profile, error) {
	return mapping.Parse("override.yml", []byte(yml), schema)
}
