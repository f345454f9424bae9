package build

import (
	"github.com/detc/detc/internal/check"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/hclrule"
	"github.com/detc/detc/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const versionRule = `detection "webhook_post" {
  id          = "11111111-1111-4111-8111-111111111111"
  title       = "POST to a webhook host"
  description = "A client posted to a webhook host."
  status      = "test"
  level       = "high"
  logsource {
    category = "proxy"
  }
  selection "upload" {
    match "cs-method" {
      equals = ["POST"]
    }
    match "cs-host" {
      equals = ["hooks.slack.com"]
    }
  }
  condition = "upload"
}
`

// versionField finds the version each backend writes into its deployment
// files: the Splunk stanza's comment, the Sentinel rule's version, the
// Kibana rule's integer version.
var versionField = map[string]*regexp.Regexp{
	"splunk":  regexp.MustCompile(`# rule \S+, profile \S+, version (\S+)\n`),
	"kql":     regexp.MustCompile(`(?m)^version: (\S+)$`),
	"elastic": regexp.MustCompile(`"version":(\d+)`),
}

// deployedVersions builds src with every backend and returns, per target,
// the version its deployment files carry.
func deployedVersions(t *testing.T, src string) map[string]string {
	t.Helper()
	rules, diags := hclrule.Load([]hclrule.File{{Name: "r.hcl", Data: []byte(src)}})
	require.False(t, diags.HasErrors(), "%v", diags)
	require.Len(t, rules, 1)
	out := filepath.Join(t.TempDir(), "out")
	_, err := Run([]*check.Rule{testutil.Checked(t, rules[0])}, Options{Out: out, Deployments: Defaults(registry.All()), Runbook: func(r *check.Rule) (string, error) { return "# " + r.Title + "\n", nil }})
	require.NoError(t, err)
	got := map[string]string{}
	files := testutil.ReadTree(t, out)
	for name, re := range versionField {
		var all []string
		for p, data := range files {
			if strings.HasPrefix(p, name+"/") {
				for _, m := range re.FindAllStringSubmatch(data, -1) {
					all = append(all, m[1])
				}
			}
		}
		require.NotEmpty(t, all, "%s writes a version", name)
		for _, v := range all {
			require.Equal(t, all[0], v, "%s: every file carries one version", name)
		}
		got[name] = all[0]
	}
	return got
}

func TestDeployedVersionFollowsMeaning(t *testing.T) {
	base := deployedVersions(t, versionRule)
	require.Len(t, base, len(registry.Names()), "a version pattern for every backend")

	edits := []struct {
		name    string
		from    string
		to      string
		changes bool
	}{
		{"description", "A client posted to a webhook host.", "Someone posted to a webhook.", false},
		{"title", "POST to a webhook host", "Webhook upload", false},
		{"level", `level       = "high"`, `level       = "medium"`, false},
		{"value", `"hooks.slack.com"`, `"discord.com"`, true},
		{"field", `match "cs-method"`, `match "c-uri"`, true},
	}
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			src := strings.Replace(versionRule, e.from, e.to, 1)
			require.NotEqual(t, versionRule, src)
			got := deployedVersions(t, src)
			for name, v := range base {
				if e.changes {
					assert.NotEqual(t, v, got[name], "%s: changing the %s changes the version", name, e.name)
				} else {
					assert.Equal(t, v, got[name], "%s: changing the %s keeps the version", name, e.name)
				}
			}
		})
	}
}

func TestPackageUsesDeployableVersion(t *testing.T) {
	rules, diags := hclrule.Load([]hclrule.File{{Name: "r.hcl", Data: []byte(versionRule)}})
	require.False(t, diags.HasErrors(), "%v", diags)
	for _, b := range registry.All() {
		t.Run(b.Name(), func(t *testing.T) {
			d, refusal := Compile(Deployment{Backend: b}, testutil.Checked(t, rules[0]), "", nil)
			require.Nil(t, refusal)
			versions := map[string]bool{}
			for _, v := range []string{"0123456789ab", "fedcba987654"} {
				d.Version = v
				arts, refusals, err := b.Package([]target.Deployable{*d}, target.Options{})
				require.NoError(t, err)
				require.Empty(t, refusals)
				var text strings.Builder
				for _, a := range arts {
					text.Write(a.Data)
				}
				m := versionField[b.Name()].FindStringSubmatch(text.String())
				require.NotNil(t, m, "%s writes a version", b.Name())
				versions[m[1]] = true
			}
			assert.Len(t, versions, 2, "the deployed version is derived from Deployable.Version")
		})
	}
}
