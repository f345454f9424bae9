package site

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/internal/build"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/testutil"
)

// vnuJar is the Nu Html Checker that make deps installs (htmlcheck/).
const vnuJar = "htmlcheck/node_modules/vnu-jar/build/dist/vnu.jar"

// TestValidHTML runs the W3C's Nu Html Checker over every page of the
// catalog (the pack's, with the playground page, and the testdata rules
// full of markup) and its style sheet: no error is allowed.
func TestValidHTML(t *testing.T) {
	_, err := os.Stat(vnuJar)
	testutil.RequireChecker(t, "Nu Html", err)
	java, err := exec.LookPath("java")
	testutil.RequireChecker(t, "Nu Html (Java)", err)
	dir := t.TempDir()
	var files []string
	for i, paths := range [][]string{{"../../detections"}, {"testdata/rules"}} {
		set, diags := load.Paths(paths)
		require.False(t, diags.HasErrors(), "%v", diags)
		backends := registry.All()
		arts, err := Generate(Input{Rules: set.Rules, Backends: backends, Sources: set.Sources, Playground: i == 0,
			Runbook: Runbooks(set.RunbookRules(), backends, set.Cards)})
		require.NoError(t, err)
		out := filepath.Join(dir, paths[0][strings.LastIndex(paths[0], "/")+1:])
		require.NoError(t, build.WriteFolder(out, arts))
		for _, a := range arts {
			if strings.HasSuffix(a.Path, ".html") || strings.HasSuffix(a.Path, ".css") {
				files = append(files, filepath.Join(out, a.Path))
			}
		}
	}
	require.Greater(t, len(files), 10)
	// The checker's time is mostly start-up: the client compiler alone and
	// the serial collector start it about twice as fast; it needs a larger
	// thread stack than the client compiler's default.
	args := []string{"-Xss2m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", vnuJar, "--errors-only", "--also-check-css", "--format", "gnu"}
	cmd := exec.Command(java, append(args, files...)...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the Nu Html Checker found errors:\n%s", out)
	require.Empty(t, strings.TrimSpace(string(out)))
}
