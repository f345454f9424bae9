package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
)

// TestResponseBothFormats: an HCL response block and a Sigma response key
// give the same model; bad actions are errors at their position.
func TestResponseBothFormats(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	write("a.hcl", `detection "a" {
  title = "t"
  logsource {
    category = "proxy"
  }
  selection "sel" {
    match "cs-host" {
      equals = "webhook.site"
    }
  }
  condition = "sel"
  response {
    actions = ["notify", "isolate_host"]
  }
}
`)
	write("b.yml", `title: t
id: b
logsource: {category: proxy}
detection:
  sel: {cs-host: webhook.site}
  condition: sel
response:
  actions: [notify, isolate_host]
`)
	set, diags := Paths([]string{dir})
	for _, d := range diags {
		require.NotEqual(t, rule.Error, d.Severity, d.String())
	}
	require.Len(t, set.Rules, 2)
	for _, r := range set.Rules {
		require.NotNil(t, r.Response, r.ID)
		assert.Equal(t, []string{rule.RespIsolateHost, rule.RespNotify}, r.Response.Actions, r.ID)
		assert.Equal(t, []string{rule.RespBlockEndpoint, rule.RespDisableWebhook, rule.RespDisableAccount}, r.Response.Manual())
	}
	assert.Nil(t, (&rule.Rule{}).Response, "no response unless declared")
}

func TestResponseErrors(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"a.hcl", "detection \"a\" {\n  title = \"t\"\n  logsource {\n    category = \"proxy\"\n  }\n  keywords \"k\" {\n    values = \"x\"\n  }\n  condition = \"k\"\n  response {\n    actions = [\"isolate\"]\n  }\n}\n",
			`a.hcl:11:15: error: Invalid response`},
		{"b.yml", "title: t\nlogsource: {category: proxy}\ndetection:\n  k: [x]\n  condition: k\nresponse:\n  actions: [notify, notify]\n",
			`b.yml:7:12: error: response action "notify" is listed twice`},
		{"c.yml", "title: t\nlogsource: {category: proxy}\ndetection:\n  k: [x]\n  condition: k\nresponse:\n  actions: []\n",
			`c.yml:7:12: error: a response needs at least one action`},
		{"d.yml", "title: t\nlogsource: {category: proxy}\ndetection:\n  k: [x]\n  condition: k\nresponse: [notify]\n",
			`d.yml:6:11: error: response must be a map with actions`},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, tt.name), []byte(tt.text), 0o644))
		_, diags := Paths([]string{dir})
		var got []string
		for _, d := range diags {
			if d.Severity == rule.Error {
				got = append(got, d.String())
			}
		}
		require.NotEmpty(t, got, tt.name)
		assert.Contains(t, got[0], filepath.Join(dir, tt.want[:strings.Index(tt.want, ":")])+tt.want[strings.Index(tt.want, ":"):], tt.name)
	}
}
