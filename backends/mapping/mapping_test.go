package mapping

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/detc/detc/internal/rule"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const cim = `
name: cim
target: splunk
fields:
  src_ip: Web.src
sources:
  - logsource: {category: proxy}
    attrs: {datamodel: Web}
    fields:
      c-uri: Web.url
      cs-host: [Web.url_domain, Web.dest]
      cs-bytes: {name: Web.bytes_out, type: long}
      c-uri-extension: {unsupported: "the Web data model has no extension field"}
  - logsource: {category: proxy, product: zscaler}
    attrs: {datamodel: Web, index: zscaler}
  - logsource: {category: dns}
    fields:
      query: Network_Resolution.DNS.query
  - logsource: {category: ps_script, product: windows}
    unsupported: "the SIEM keeps no script block text"
`

func TestResolveAndField(t *testing.T) {
	p, err := Parse("cim.yml", []byte(cim), testSchema)
	require.NoError(t, err)

	tests := []struct {
		name      string
		ls        rule.LogSource
		field     string
		wantAttr  string
		wantNames []string
		wantType  string
		wantErr   string
	}{
		{"proxy url", rule.LogSource{Category: "proxy"}, "c-uri", "", []string{"Web.url"}, "", ""},
		{"several names", rule.LogSource{Category: "proxy"}, "cs-host", "", []string{"Web.url_domain", "Web.dest"}, "", ""},
		{"typed", rule.LogSource{Category: "proxy"}, "cs-bytes", "", []string{"Web.bytes_out"}, "long", ""},
		{"profile-wide field", rule.LogSource{Category: "proxy"}, "src_ip", "", []string{"Web.src"}, "", ""},
		{"most specific source wins", rule.LogSource{Category: "Proxy", Product: "zscaler"}, "", "zscaler", nil, "", ""},
		{"unsupported", rule.LogSource{Category: "proxy"}, "c-uri-extension", "", nil, "", `field "c-uri-extension": profile "cim": the Web data model has no extension field`},
		{"unmapped", rule.LogSource{Category: "dns"}, "answer", "", nil, "", `field "answer": profile "cim": no mapping for this field`},
		{"no source", rule.LogSource{Category: "process_creation", Product: "windows"}, "", "", nil, "", `profile "cim": no source for log source category=process_creation,product=windows`},
		{"a source the SIEM does not collect", rule.LogSource{Category: "ps_script", Product: "windows"}, "", "", nil, "", `profile "cim": the SIEM keeps no script block text`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := resolve(p, tt.ls)
			if err == nil && tt.field != "" {
				var f Field
				f, err = p.Field(s, tt.field)
				if err == nil {
					assert.Equal(t, tt.wantNames, f.Names)
					assert.Equal(t, tt.wantType, f.Type)
				}
			}
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantAttr, s.Attr("index"))
		})
	}
}

func TestPassthroughAndMerge(t *testing.T) {
	raw := &Profile{Name: "raw", Passthrough: true}
	s, err := resolve(raw, rule.LogSource{Category: "anything"})
	require.NoError(t, err)
	f, err := raw.Field(s, "cs-host")
	require.NoError(t, err)
	assert.Equal(t, []string{"cs-host"}, f.Names)

	base, err := Parse("cim.yml", []byte(cim), testSchema)
	require.NoError(t, err)
	over, err := Parse("mine.yml", []byte(`
sources:
  - logsource: {category: proxy}
    attrs: {index: proxy_idx}
    fields:
      c-uri: my_url
  - logsource: {category: firewall}
    fields: {dst_ip: dest}
`), testSchema)
	require.NoError(t, err)
	merged := base.Merge(over)
	s, err = resolve(merged, rule.LogSource{Category: "proxy"})
	require.NoError(t, err)
	assert.Equal(t, "proxy_idx", s.Attr("index"))
	assert.Equal(t, "Web", s.Attr("datamodel"), "attributes not overridden are kept")
	f, err = merged.Field(s, "c-uri")
	require.NoError(t, err)
	assert.Equal(t, []string{"my_url"}, f.Names)
	_, err = resolve(merged, rule.LogSource{Category: "firewall"})
	require.NoError(t, err, "a new source is added")

	s, _ = resolve(base, rule.LogSource{Category: "proxy"})
	f, _ = base.Field(s, "c-uri")
	assert.Equal(t, []string{"Web.url"}, f.Names, "merge leaves the base profile unchanged")

	scripts := rule.LogSource{Category: "ps_script", Product: "windows"}
	_, err = resolve(merged, scripts)
	require.Error(t, err, "an override that does not name the source keeps it uncollected")
	bare, err := Parse("mine.yml", []byte("sources:\n  - logsource: {category: ps_script, product: windows}\n"), testSchema)
	require.NoError(t, err)
	_, err = resolve(base.Merge(bare), scripts)
	require.Error(t, err, "a bare logsource in an override keeps the source uncollected")
	collects, err := Parse("mine.yml", []byte(`
sources:
  - logsource: {category: ps_script, product: windows}
    attrs: {index: powershell}
    fields: {ScriptBlockText: ScriptBlockText}
`), testSchema)
	require.NoError(t, err)
	s, err = resolve(base.Merge(collects), scripts)
	require.NoError(t, err, "a team that collects the source says how it reads it")
	assert.Equal(t, "powershell", s.Attr("index"))
	_, err = resolve(base, scripts)
	require.Error(t, err, "merge leaves the base profile unchanged")
}

// testSchema stands for a backend's: the attributes the tests' profiles set.
var testSchema = Schema{Target: "splunk", Attrs: []string{"datamodel", "dataset", "index"}, Types: []string{"long", "string"}}

func TestParseErrors(t *testing.T) {
	// Each level merges ten copies of the one before: level h stands for
	// ten million keys.
	bomb := "fields:\n  <<:\n    - &a {x: y}\n"
	for c := 'b'; c <= 'h'; c++ {
		bomb += fmt.Sprintf("    - &%c {<<: [%s]}\n", c, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*%c, ", c-1), 10), ", "))
	}
	tests := []struct {
		name, src string
		want      []string
	}{
		{"syntax", "name: [", []string{
			"bad.yml:2:1: error: YAML syntax error: did not find expected node content"}},
		{"misspelt top key", "soruces:\n  - logsource: {category: proxy}\n", []string{
			`bad.yml:1:1: error: unknown key "soruces" at the top of a mapping file (did you mean "sources"?); the keys are name, target, description, passthrough, fields, sources`}},
		{"misspelt source key", "sources:\n  - logsource: {category: proxy}\n    attr: {datamodel: Web}\n", []string{
			`bad.yml:3:5: error: unknown key "attr" in a source (did you mean "attrs"?); the keys are logsource, label, attrs, fields, unsupported`}},
		{"source key with no near name", "sources:\n  - logsource: {category: proxy}\n    mapping: {}\n", []string{
			`bad.yml:3:5: error: unknown key "mapping" in a source; the keys are logsource, label, attrs, fields, unsupported`}},
		{"misspelt attribute", "sources:\n  - logsource: {category: proxy}\n    attrs:\n      datamodle: Web\n", []string{
			`bad.yml:4:7: error: unknown splunk source attribute "datamodle" (did you mean "datamodel"?); splunk reads datamodel, dataset, index, only_product`}},
		{"misspelt logsource key", "sources:\n  - logsource: {categroy: proxy}\n", []string{
			`bad.yml:2:17: error: unknown key "categroy" in a logsource (did you mean "category"?); the keys are category, product, service`}},
		{"misspelt field key", "fields:\n  cs-bytes: {nmae: bytes_out}\n", []string{
			`bad.yml:2:14: error: unknown key "nmae" in a field mapping (did you mean "name"?); the keys are name, names, type, unsupported, values, renamed, hashes, account, file_name, cased_unsupported`}},
		{"field mapping without a name", "sources:\n  - logsource: {category: proxy}\n    fields:\n      x: {type: long}\n", []string{
			`bad.yml:4:10: error: the mapping of field "x" needs name, names, hashes, account, file_name or unsupported`}},
		{"wrongly typed value", "sources:\n  - logsource: {category: proxy}\n    fields: [a, b]\n", []string{
			"bad.yml:3:13: error: fields must be a map, not a list"}},
		{"sources not a list", "sources: {category: proxy}\n", []string{
			"bad.yml:1:10: error: sources must be a list of sources, not a map"}},
		{"attribute not a string", "sources:\n  - logsource: {category: proxy}\n    attrs: {datamodel: [Web]}\n", []string{
			"bad.yml:3:24: error: datamodel must be a string, not a list"}},
		{"names not a list", "fields:\n  c-uri: {names: url}\n", []string{
			"bad.yml:2:18: error: names must be a list of strings, not a string"}},
		{"wrong target", "target: kql\nfields: {a: b}\n", []string{
			`bad.yml:1:9: error: the mapping is for target "kql", not "splunk"`}},
		{"duplicate key", "fields:\n  c-uri: a\n  c-uri: b\n", []string{
			`bad.yml:3:3: error: duplicate key "c-uri" (first at line 2)`}},
		{"control character in a field", "fields:\n  \"cs-\\ehost\": b\n", []string{
			`bad.yml:2:3: error: field name "cs-\x1bhost" has a control character (U+001B) at byte 3: no target can name it`}},
		{"control character in a target name", "fields:\n  c-uri: [url, \"u\\x01rl\"]\n", []string{
			`bad.yml:2:16: error: field name "u\x01rl" has a control character (U+0001) at byte 1: no target can name it`}},
		{"empty target name", "fields:\n  c-uri: ~\n", []string{
			"bad.yml:2:10: error: a field name is empty"}},
		{"two documents", "fields: {a: b}\n---\nfields: {c: d}\n", []string{
			"bad.yml:2:1: error: a mapping file holds one YAML document; this is a second one"}},
		{"not a map", "- a\n- b\n", []string{
			"bad.yml:1:1: error: a mapping file must be a map, not a list"}},
		{"alias bomb", bomb, []string{
			"bad.yml:4:48: error: the mapping file expands to more than 200000 YAML nodes (aliases repeat what they name); write it out or split it"}},
		{"misspelt type", "fields:\n  cs-bytes: {name: bytes_out, type: lnog}\n", []string{
			`bad.yml:2:37: error: unknown splunk field type "lnog" (did you mean "long"?); splunk knows long, string`}},
		{"merge cycle", "fields: &m {a: b, <<: *m}\n", []string{
			"bad.yml:1:23: error: the merge key (<<) names a map it is part of"}},
		{"alternative without a label", "sources:\n  - logsource: {category: proxy}\n    label: one\n  - logsource: {category: Proxy}\n    attrs: {index: b}\n", []string{
			"bad.yml:4:5: error: log source category=Proxy has 2 sources (alternatives, the first at line 2): each needs a label, which names it in refusals"}},
		{"alternatives with one label", "sources:\n  - logsource: {category: proxy}\n    label: same\n  - logsource: {category: proxy}\n    label: same\n", []string{
			`bad.yml:4:5: error: log source category=proxy has 2 sources (alternatives, the first at line 2): label "same" names two of them`}},
		{"alternative of an uncollected source", "sources:\n  - logsource: {category: ps_script}\n    unsupported: not kept\n  - logsource: {category: ps_script}\n    label: b\n    attrs: {index: x}\n", []string{
			"bad.yml:2:5: error: log source category=ps_script has 2 sources (alternatives, the first at line 2): a log source the target does not collect (unsupported) has that one source"}},
		{"alternatives serving other rules", "sources:\n  - logsource: {category: process_creation, product: windows}\n    label: a\n    attrs: {only_product: \"true\"}\n" +
			"  - logsource: {category: process_creation, product: windows}\n    label: b\n", []string{
			`bad.yml:5:5: error: log source category=process_creation,product=windows has 2 sources (alternatives, the first at line 2): each must set only_product alike (this one "", the first "true")`}},
		{"uncollected source with fields", "sources:\n  - logsource: {category: ps_script}\n    unsupported: not kept\n    fields: {a: b}\n", []string{
			"bad.yml:2:5: error: a source the target does not collect (unsupported) has no attrs or fields"}},
		{"uncollected source without a reason", "sources:\n  - logsource: {category: ps_script}\n    unsupported: \"\"\n", []string{
			"bad.yml:3:18: error: a source's unsupported needs the reason the target does not collect it"}},
		{"every unknown key is named", "nmae: x\nsoruces: []\n", []string{
			`bad.yml:1:1: error: unknown key "nmae" at the top of a mapping file (did you mean "name"?); the keys are name, target, description, passthrough, fields, sources`,
			`bad.yml:2:1: error: unknown key "soruces" at the top of a mapping file (did you mean "sources"?); the keys are name, target, description, passthrough, fields, sources`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("bad.yml", []byte(tt.src), testSchema)
			assert.Nil(t, p)
			var diags rule.Diagnostics
			require.ErrorAs(t, err, &diags)
			var got []string
			for _, d := range diags {
				got = append(got, d.String())
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseAliasesAndMergeKeys(t *testing.T) {
	p, err := Parse("ok.yml", []byte(`
sources:
  - logsource: {category: web}
    attrs: &web {datamodel: Web, dataset: Web}
    fields: {c-uri: &urls [Web.url, Web.uri]}
  - logsource: {category: proxy}
    attrs:
      <<: *web
      dataset: Proxy
    fields: {c-uri: *urls}
`), testSchema)
	require.NoError(t, err)
	s, err := resolve(p, rule.LogSource{Category: "proxy"})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"datamodel": "Web", "dataset": "Proxy"}, s.Attrs, "keys written in the map win over merged ones")
	assert.Equal(t, []string{"Web.url", "Web.uri"}, s.Fields["c-uri"].Names)
}

func TestParseTooLarge(t *testing.T) {
	data := bigMapping(10 << 20)
	p, err := Parse("big.yml", data, testSchema)
	assert.Nil(t, p)
	assert.EqualError(t, err, fmt.Sprintf("big.yml:1:1: error: the mapping file is %d bytes; a mapping file may be at most 1048576 bytes (1 MiB)", len(data)))
}

// bigMapping writes a mapping of about n bytes: one source with many
// fields, the shape a generated mapping of a wide schema has.
func bigMapping(n int) []byte {
	var b strings.Builder
	b.WriteString("target: splunk\nsources:\n  - logsource: {category: proxy}\n    fields:\n")
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "      field_%d: [Web.field_%d, Web.other_%d]\n", i, i, i)
	}
	return []byte(b.String())
}

// BenchmarkParseLargest loads a mapping file of the largest size allowed;
// loading is linear, so this bounds every mapping file's load time.
func BenchmarkParseLargest(b *testing.B) {
	data := bigMapping(MaxFileSize - 100)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("big.yml", data, testSchema); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseTenMB is the 10 MB file of issue 19: refused by the cap.
func BenchmarkParseTenMB(b *testing.B) {
	data := bigMapping(10 << 20)
	for b.Loop() {
		if _, err := Parse("big.yml", data, testSchema); err == nil {
			b.Fatal("a 10 MB mapping file was accepted")
		}
	}
}

func TestBuiltin(t *testing.T) {
	files := fstest.MapFS{
		"profiles/main.yml":  {Data: []byte("name: main\nsources:\n  - logsource: {category: proxy}\n    attrs: {index: web}\n")},
		"profiles/other.yml": {Data: []byte("name: other\npassthrough: true\n")},
	}
	b := NewBuiltin(Schema{Target: "t", Attrs: []string{"index"}}, files, "main", "other")
	assert.Equal(t, []string{"main", "other"}, b.Names())
	p, err := b.Get("", nil)
	require.NoError(t, err)
	assert.Equal(t, "main", p.Name, "the first is the default")
	p, err = b.Get("other", nil)
	require.NoError(t, err)
	assert.Equal(t, "other", p.Name)
	_, err = b.Get("nope", nil)
	assert.EqualError(t, err, `target t has no profile "nope" (profiles: main, other)`)

	broken := NewBuiltin(Schema{Target: "t"}, fstest.MapFS{}, "gone")
	_, err = broken.Get("", nil)
	assert.ErrorContains(t, err, "t: built-in profile gone")
}

// TestResolveOnlyProduct: a source marked only_product serves rules that
// name its category and no product, never rules for another product.
func TestResolveOnlyProduct(t *testing.T) {
	p, err := Parse("p.yml", []byte(`name: p
target: t
sources:
  - logsource: {category: process_creation, product: windows}
    attrs: {only_product: "true", table: SecurityEvent}
  - logsource: {category: dns, product: windows}
    attrs: {table: DnsWindows}
`), Schema{Target: "t", Attrs: []string{"table"}})
	require.NoError(t, err)
	for _, tc := range []struct {
		ls    rule.LogSource
		table string
	}{
		{rule.LogSource{Category: "process_creation", Product: "windows"}, "SecurityEvent"},
		{rule.LogSource{Category: "process_creation"}, "SecurityEvent"},
		{rule.LogSource{Category: "process_creation", Product: "linux"}, ""},
		{rule.LogSource{Category: "dns"}, ""},
	} {
		src, err := resolve(p, tc.ls)
		if tc.table == "" {
			assert.Error(t, err, "%+v", tc.ls)
			continue
		}
		require.NoError(t, err, "%+v", tc.ls)
		assert.Equal(t, tc.table, src.Attr("table"))
	}
}

// resolve is the source a rule of log source ls that reads no field
// reads.
func resolve(p *Profile, ls rule.LogSource) (*Source, error) {
	s, _, err := p.Resolve(&rule.Rule{LogSource: ls}, nil)
	return s, err
}

// TestMergeAlternatives: a user's source for a log source with
// alternatives is merged into the first and replaces the others; the
// user's further sources for it are its alternatives.
func TestMergeAlternatives(t *testing.T) {
	schema := Schema{Target: "t", Attrs: []string{"table", "filter"}}
	base, err := Parse("p.yml", []byte(`sources:
  - logsource: {category: process_creation, product: windows}
    label: event 4688
    attrs: {table: SecurityEvent, filter: "EventID == 4688"}
    fields: {Image: NewProcessName}
  - logsource: {category: process_creation, product: windows}
    label: Sysmon event 1
    attrs: {table: WindowsEvent}
    fields: {Image: Image, OriginalFileName: OriginalFileName}
  - logsource: {category: dns}
    attrs: {table: DnsEvents}
`), schema)
	require.NoError(t, err)
	ls := rule.LogSource{Category: "process_creation", Product: "windows"}
	tests := []struct {
		name, override string
		want           []string // each alternative: label table filter fields
	}{
		{"no override", ``, []string{
			"event 4688 SecurityEvent EventID == 4688 [Image]",
			"Sysmon event 1 WindowsEvent  [Image OriginalFileName]"}},
		{"an attribute of the user's", "sources:\n  - logsource: {category: Process_Creation, product: windows}\n    attrs: {table: MyEvents}\n", []string{
			"event 4688 MyEvents EventID == 4688 [Image]"}},
		{"the user's own alternatives", "sources:\n  - logsource: {category: process_creation, product: windows}\n    label: mine\n    attrs: {table: Mine, filter: ''}\n    fields: {OriginalFileName: OFN}\n" +
			"  - logsource: {category: process_creation, product: windows}\n    label: theirs\n    attrs: {table: Theirs}\n", []string{
			"mine Mine  [Image OriginalFileName]",
			"theirs Theirs  []"}},
		{"another log source", "sources:\n  - logsource: {category: dns}\n    attrs: {table: MyDns}\n", []string{
			"event 4688 SecurityEvent EventID == 4688 [Image]",
			"Sysmon event 1 WindowsEvent  [Image OriginalFileName]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Parse("mine.yml", []byte(tt.override), schema)
			require.NoError(t, err)
			alts, err := base.Merge(o).Alternatives(ls)
			require.NoError(t, err)
			var got []string
			for _, s := range alts {
				got = append(got, fmt.Sprintf("%s %s %s %v", s.Label, s.Attr("table"), s.Attr("filter"), base.FieldNames(s)))
			}
			assert.Equal(t, tt.want, got)
		})
	}
	alts, err := base.Alternatives(ls)
	require.NoError(t, err)
	assert.Len(t, alts, 2, "merge leaves the base profile unchanged")
}

func TestShadowed(t *testing.T) {
	base, err := Parse("cim.yml", []byte(cim), testSchema)
	require.NoError(t, err)
	for _, tt := range []struct {
		name, over string
		want       map[string][]string // a source of over: the log sources hidden from it
	}{
		{"a source whose log source the profile refines", "sources:\n  - logsource: {category: proxy}\n    attrs: {index: web}\n",
			map[string][]string{"category=proxy": {"category=proxy,product=zscaler"}}},
		{"the refinement named too", "sources:\n  - logsource: {category: proxy}\n    attrs: {index: web}\n  - logsource: {category: proxy, product: zscaler}\n    attrs: {index: web}\n",
			map[string][]string{}},
		{"a product across categories", "sources:\n  - logsource: {product: windows}\n    attrs: {index: win}\n",
			map[string][]string{"product=windows": {"category=ps_script,product=windows"}}},
		{"the most specific source", "sources:\n  - logsource: {category: proxy, product: zscaler}\n    attrs: {index: z}\n",
			map[string][]string{}},
		{"a log source the profile lacks", "sources:\n  - logsource: {category: firewall}\n    attrs: {index: fw}\n",
			map[string][]string{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			over, err := Parse("mine.yml", []byte(tt.over), testSchema)
			require.NoError(t, err)
			got := map[string][]string{}
			for _, sh := range Shadowed(base, over) {
				for _, ls := range sh.Hidden {
					got[Describe(sh.Source.LogSource)] = append(got[Describe(sh.Source.LogSource)], Describe(ls))
				}
				assert.Equal(t, "mine.yml", sh.Source.Pos.File, "the warning points into the user's file")
			}
			assert.Equal(t, tt.want, got)
		})
	}
}
