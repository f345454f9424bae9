package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// undeployedRule is a Sigma rule of logsource whose selection compares
// field (line 12, column 5).
func undeployedRule(logsource, field string) string {
	return `title: Webhook upload
id: 44444444-4444-4444-8444-444444444444
status: test
level: medium
description: A host posted to a webhook.
author: detc tests
date: 2026-12-01
tags: [attack.exfiltration, attack.t1567.004]
logsource: ` + logsource + `
detection:
  sel:
    ` + field + `|contains: hooks.slack.com
  condition: sel
`
}

// TestBuildUndeployed: a rule that every target refuses fails detc build
// when a target refuses a misspelt field (undeployed-unknown-field, at the
// field, with the name it meant); one refused for what the targets lack (a
// log source no profile collects) is a warning, counted in the summary and
// marked in refusals.json, and fails the build under --strict or when the
// project makes undeployed an error.
func TestBuildUndeployed(t *testing.T) {
	const typo = "r.yml:12:5: error: rule 44444444-4444-4444-8444-444444444444 would be deployed nowhere: " +
		`field "cs-hots" is not a field of log source category=proxy in the Sigma taxonomy or any mapping profile (did you mean "cs-host"?), and every target meant for the rule refuses it`
	const uncollected = "r.yml:1:1: warning: rule 44444444-4444-4444-8444-444444444444 is deployed nowhere: every target meant for it refuses it"
	tests := []struct {
		name      string
		logsource string
		field     string
		flags     []string
		code      int
		stderr    string // a line the build writes on stderr
		absent    string // and one it does not
		deployed  bool   // the build was written, counting the rule deployed nowhere
	}{
		{"a misspelt field", "{category: proxy}", "cs-hots", nil, 1, typo, "", false},
		{"a misspelt field, the check a warning", "{category: proxy}", "cs-hots", []string{"--check", "undeployed-unknown-field=warning"},
			0, strings.Replace(typo, "error:", "warning:", 1), "", true},
		{"a source no profile collects", "{product: opencanary}", "cs-host", nil, 0, uncollected, "undeployed-unknown-field", true},
		{"a source no profile collects, --strict", "{product: opencanary}", "cs-host", []string{"--strict"},
			1, strings.Replace(uncollected, "warning:", "error:", 1), "", false},
		{"a source no profile collects, the check an error", "{product: opencanary}", "cs-host", []string{"--check", "undeployed=error"},
			1, strings.Replace(uncollected, "warning:", "error:", 1), "", false},
		{"a source no profile collects, the check off", "{product: opencanary}", "cs-host", []string{"--check", "undeployed=off"},
			0, "warning: rule 44444444-4444-4444-8444-444444444444: splunk/cim cannot express", "is deployed nowhere", true},
		{"an unknown field that is no near miss", "{category: proxy}", "x-webhook-token", nil, 0, uncollected, "would be deployed nowhere", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "r.yml"), []byte(undeployedRule(tt.logsource, tt.field)), 0o644))
			t.Chdir(dir)
			args := append([]string{"build", "--check", "fixture-coverage=off"}, tt.flags...)
			code, stdout, stderr := detc(t, append(args, "--out", "out", "r.yml")...)
			assert.Equal(t, tt.code, code, stderr)
			assert.Contains(t, stderr, tt.stderr)
			if tt.absent != "" {
				assert.NotContains(t, stderr, tt.absent)
			}
			if !tt.deployed {
				assert.Contains(t, stderr, "every target refuses a detection (1 detection); out was left as it was")
				assert.NoDirExists(t, "out")
				return
			}
			assert.Contains(t, stdout, "  1 detection deployed nowhere: every target meant for them refused them")
			refusals, err := os.ReadFile(filepath.Join("out", "refusals.json"))
			require.NoError(t, err)
			assert.Equal(t, 3, strings.Count(string(refusals), `"deployed_nowhere": true`), "each default target's refusal")
		})
	}
}
