package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/detc/detc/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBuildIsLocationIndependent builds the same detections from two
// folders: the output is byte-identical and holds neither folder's path.
func TestBuildIsLocationIndependent(t *testing.T) {
	var trees []map[string]string
	var roots []string
	for range 2 {
		root := t.TempDir()
		roots = append(roots, root)
		src := copyTree(t, filepath.Join(packageDir, "testdata", "good"))
		require.NoError(t, os.Rename(src, filepath.Join(root, "detections")))
		t.Chdir(root)
		code, _, stderr := detc(t, "build", "--out", "out", "detections")
		require.Equal(t, 0, code, stderr)
		trees = append(trees, testutil.ReadTree(t, filepath.Join(root, "out")))
	}
	assert.Equal(t, trees[0], trees[1])
	for name, data := range trees[0] {
		for _, root := range roots {
			assert.NotContains(t, data, root, "%s holds an absolute path", name)
		}
	}
}

// TestBuildPackResponseOutputs builds the content pack twice: the block
// lists, secret-scanning rules and SOAR hand-off files are written, and
// the whole output is byte-identical.
func TestBuildPackResponseOutputs(t *testing.T) {
	t.Chdir(testutil.RepoRoot(t)) // the sidecar fixtures are found from there
	var trees []map[string]string
	for range 2 {
		out := filepath.Join(t.TempDir(), "out")
		code, _, stderr := detc(t, "build", "--out", out, "detections")
		require.Equal(t, 0, code, stderr)
		trees = append(trees, testutil.ReadTree(t, out))
	}
	assert.Equal(t, trees[0], trees[1])
	for _, f := range []string{
		"blocklists/rpz.zone", "blocklists/domains.txt", "blocklists/squid/detc-webhooks.conf",
		"blocklists/paloalto/edl-block-urls.txt", "blocklists/paloalto/edl-approved-urls.txt", "blocklists/README.md",
		"secret-scanning/gitleaks.toml", "secret-scanning/github-custom-patterns.json",
		"kql/playbooks/detc-isolate-host.json", "kql/playbooks/detc-soar-handoff.json",
		"splunk/detc_detections/lookups/detc_responses.csv",
	} {
		assert.NotEmpty(t, trees[0][f], f)
	}
	assert.Contains(t, trees[0]["elastic/detection-rules.ndjson"], `"response_actions":[{"action_type_id":".endpoint"`)
	assert.Contains(t, trees[0]["kql/analytics-rules.arm.json"], "Microsoft.SecurityInsights/automationRules")
	for _, approved := range []string{"hooks.slack.com", "contoso.webhook.office.com"} {
		assert.NotContains(t, trees[0]["blocklists/domains.txt"], approved)
	}
}
