package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTestCommand(t *testing.T) {
	code, stdout, stderr := detc(t, "test", "testdata/good")
	assert.Equal(t, 0, code, stderr)
	assert.Equal(t, "PASS 11111111-1111-4111-8111-111111111111 POST to a webhook host\n"+
		"PASS 22222222-2222-4222-8222-222222222222 Request to a request catcher\n"+
		"2 passed, 0 failed\n", stdout)

	code, stdout, _ = detc(t, "test", "--format", "junit", "testdata/good")
	assert.Equal(t, 0, code)
	assert.True(t, strings.HasPrefix(stdout, "<?xml"), stdout)

	code, _, stderr = detc(t, "test", "--format", "tap", "testdata/good")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `unknown format "tap"`)

	// A wrong expectation fails the run and says which event.
	dir := copyTree(t, "testdata/good")
	rules := filepath.Join(dir, "proxy.hcl")
	src, err := os.ReadFile(rules)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(rules, []byte(strings.Replace(string(src), `match   = ["catcher-get"]`, `match   = ["catcher-get", "lookalike"]`, 1)), 0o644))
	code, stdout, _ = detc(t, "test", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, stdout, "FAIL 22222222-2222-4222-8222-222222222222")
	assert.Contains(t, stdout, "lookalike")
	assert.Contains(t, stdout, "1 passed, 1 failed")
}
