package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/detc/detc/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunbook(t *testing.T) {
	code, stdout, stderr := detc(t, "runbook", "testdata/good")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, 2, strings.Count(stdout, "# Runbook: "))
	assert.Less(t, strings.Index(stdout, "# Runbook: POST to a webhook host"), strings.Index(stdout, "# Runbook: Request to a request catcher"))

	code, stdout, _ = detc(t, "runbook", "--rule", "catcher_get", "testdata/good")
	require.Equal(t, 0, code)
	assert.True(t, strings.HasPrefix(stdout, "# Runbook: Request to a request catcher\n"), stdout)
	for _, lang := range []string{"```spl", "```kql", "```lucene"} {
		assert.Contains(t, stdout, lang, "the query for every target")
	}

	out := filepath.Join(t.TempDir(), "runbooks")
	code, _, stderr = detc(t, "runbook", "--out", out, "testdata/good")
	require.Equal(t, 0, code, stderr)
	files := testutil.ReadTree(t, out)
	assert.Len(t, files, 2)
	assert.Contains(t, files["22222222-2222-4222-8222-222222222222.md"], "# Runbook: Request to a request catcher")

	code, _, stderr = detc(t, "runbook", "--rule", "nope", "testdata/good")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, `detc runbook: no detection has the id or name "nope"`)
}
