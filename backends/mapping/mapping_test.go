package mapping

import (
	"testing"

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
`

func TestResolveAndField(t *testing.T) {
	p, err := Parse("cim.yml", []byte(cim))
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := p.Resolve(tt.ls)
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
	s, err := raw.Resolve(rule.LogSource{Category: "anything"})
	require.NoError(t, err)
	f, err := raw.Field(s, "cs-host")
	require.NoError(t, err)
	assert.Equal(t, []string{"cs-host"}, f.Names)

	base, err := Parse("cim.yml", []byte(cim))
	require.NoError(t, err)
	over, err := Parse("mine.yml", []byte(`
sources:
  - logsource: {category: proxy}
    attrs: {index: proxy_idx}
    fields:
      c-uri: my_url
  - logsource: {category: firewall}
    fields: {dst_ip: dest}
`))
	require.NoError(t, err)
	merged := base.Merge(over)
	s, err = merged.Resolve(rule.LogSource{Category: "proxy"})
	require.NoError(t, err)
	assert.Equal(t, "proxy_idx", s.Attr("index"))
	assert.Equal(t, "Web", s.Attr("datamodel"), "attributes not overridden are kept")
	f, err = merged.Field(s, "c-uri")
	require.NoError(t, err)
	assert.Equal(t, []string{"my_url"}, f.Names)
	_, err = merged.Resolve(rule.LogSource{Category: "firewall"})
	require.NoError(t, err, "a new source is added")

	s, _ = base.Resolve(rule.LogSource{Category: "proxy"})
	f, _ = base.Field(s, "c-uri")
	assert.Equal(t, []string{"Web.url"}, f.Names, "merge leaves the base profile unchanged")
}

func TestParseErrors(t *testing.T) {
	for _, src := range []string{"name: [", "sources:\n  - logsource: {category: proxy}\n    fields:\n      x: {type: long}\n", "bogus_key: 1\n"} {
		_, err := Parse("bad.yml", []byte(src))
		require.Error(t, err, src)
		assert.Contains(t, err.Error(), "bad.yml")
	}
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
`))
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
		src, err := p.Resolve(tc.ls)
		if tc.table == "" {
			assert.Error(t, err, "%+v", tc.ls)
			continue
		}
		require.NoError(t, err, "%+v", tc.ls)
		assert.Equal(t, tc.table, src.Attr("table"))
	}
}
