package kql

import (
	"testing"
	"time"

	"github.com/detc/detc/internal/rule"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestARMString(t *testing.T) {
	assert.Equal(t, "[[concat('a')]", armString("[concat('a')]"))
	assert.Equal(t, "a [b]", armString("a [b]"))
}

func TestDurations(t *testing.T) {
	for d, want := range map[time.Duration]string{5 * time.Minute: "PT5M", time.Hour: "PT1H", 70 * time.Minute: "PT1H10M", 24 * time.Hour: "P1D", 26 * time.Hour: "P1DT2H", 14 * 24 * time.Hour: "P14D"} {
		assert.Equal(t, want, isoDuration(d))
	}
	for d, want := range map[time.Duration]string{5 * time.Minute: "5m", 2 * time.Hour: "2h", 70 * time.Minute: "70m", 48 * time.Hour: "2d"} {
		assert.Equal(t, want, sentinelDuration(d))
		back, err := parseDuration(want)
		assert.NoError(t, err)
		assert.Equal(t, d, back)
	}
}

func TestTemplateVersion(t *testing.T) {
	assert.Equal(t, "2.0.1", templateVersion("2.0.1", "q"))
	assert.Equal(t, "1.2587.11325", templateVersion("0a1b2c3d", "q"))
	// Not hex: hashed with the query, so it still follows the content.
	v1, v2 := templateVersion("v7", "q1"), templateVersion("v7", "q2")
	assert.Regexp(t, `^1\.\d+\.\d+$`, v1)
	assert.NotEqual(t, v1, v2)
	assert.LessOrEqual(t, len(templateVersion("ffffffff", "")), 20)
}

func TestSentinelTactic(t *testing.T) {
	assert.Equal(t, "CommandAndControl", sentinelTactic("Command and Control"))
	assert.Equal(t, "InitialAccess", sentinelTactic("Initial Access"))
}

// A technique newer than the bundled ATT&CK release (SigmaHQ tags v19's
// T1685) is left out of relevantTechniques instead of failing the package;
// its tactic stays.
func TestAttackNamesLeaveOutUnknownTechniques(t *testing.T) {
	r := &rule.Rule{Attack: rule.Attack{Tactics: []string{"TA0010"}, Techniques: []string{"T1685", "T1567.004"}}}
	tactics, techniques, err := attackNames(r)
	require.NoError(t, err)
	assert.Equal(t, []string{"Exfiltration"}, tactics)
	assert.Equal(t, []string{"T1567.004"}, techniques)
}

func TestUsedColumns(t *testing.T) {
	items := []string{
		"Image = tostring(EventData.Image)",
		"ProcessId = tostring(EventData.ProcessId)",
		"ParentProcessId = tostring(EventData.ParentProcessId)",
		"User = tostring(EventData.User)",
		"Hashes = strcat(\"SHA1=\", SHA1)",
	}
	for _, tt := range []struct {
		name, rest string
		want       []string
	}{
		{"only what the query reads", `| where Image endswith @"\x.exe"`, items[:1]},
		{"a whole word, not part of a longer name", "| where ParentProcessId == \"4\"", items[2:3]},
		{"entity mappings keep their columns", "| where Image =~ \"a\"\nAccount:FullName=User", []string{items[0], items[3]}},
		{"a name at the very start and end", "Hashes", items[4:]},
		{"none used", "| where Computer =~ \"h\"", nil},
		{"an underscore is part of a name", "| where User_Name == 1", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, usedColumns(items, tt.rest))
		})
	}
}
