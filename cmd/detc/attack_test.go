package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/detc/detc/internal/attack"
)

// TestLintAttackRelease: a Sigma rule tagged with a v19 tactic and a v19
// technique gets no tactic warning from the bundled data and a warning
// naming v18.1 for the technique; with --attack and a v19 bundle, neither.
// A bundle that cannot be read is an error naming the file.
func TestLintAttackRelease(t *testing.T) {
	defer attack.Use(nil)
	dir := t.TempDir()
	rule := `title: Firewall rules deleted
id: 5e3cfd86-7a80-4bd0-a1a6-1f2a3b4c5d6e
status: test
description: All rules deleted from the Windows Defender Firewall configuration.
author: detc
date: 2026-01-01
tags:
  - attack.defense-impairment
  - attack.t1685
logsource: {product: windows, service: firewall-as}
detection:
  selection: {EventID: 2033}
  condition: selection
level: high
`
	file := filepath.Join(dir, "rule.yml")
	assert.NoError(t, os.WriteFile(file, []byte(rule), 0o644))

	_, _, stderr := detc(t, "lint", "--fixtures", dir, file)
	assert.Contains(t, stderr, `ATT&CK technique "T1685" is not in ATT&CK v18.1`)
	assert.NotContains(t, stderr, "names no tactic")

	bundle, err := filepath.Abs("../../internal/attack/testdata/enterprise-attack-mini.json")
	assert.NoError(t, err)
	_, _, stderr = detc(t, "lint", "--fixtures", dir, "--attack", bundle, file)
	assert.NotContains(t, stderr, `ATT&CK technique "T1685" is not in`)
	assert.NotContains(t, stderr, "names no tactic")

	code, _, stderr := detc(t, "lint", "--attack", filepath.Join(dir, "missing.json"), file)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "--attack: open "+filepath.Join(dir, "missing.json"))
}
