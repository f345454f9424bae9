package attack

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLookupTechnique(t *testing.T) {
	tests := []struct {
		id, name, parent string
		tactics          []string
		ok               bool
	}{
		{"T1567.004", "Exfiltration Over Webhook", "T1567", []string{"TA0010"}, true},
		{"t1567", "Exfiltration Over Web Service", "", []string{"TA0010"}, true},
		{"T1567.999", "", "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			tech, ok := LookupTechnique(tt.id)
			require.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.name, tech.Name)
			assert.Equal(t, tt.parent, tech.Parent())
			assert.Equal(t, tt.tactics, tech.Tactics)
		})
	}
}

func TestLookupTactic(t *testing.T) {
	for _, key := range []string{"TA0010", "ta0010", "exfiltration", "Exfiltration"} {
		tac, ok := LookupTactic(key)
		require.True(t, ok, key)
		assert.Equal(t, "TA0010", tac.ID)
		assert.Equal(t, "Exfiltration", tac.Name)
	}
	tac, ok := LookupTactic("command_and_control")
	require.True(t, ok)
	assert.Equal(t, "TA0011", tac.ID)
	_, ok = LookupTactic("TA9999")
	assert.False(t, ok)
}

func TestTacticsInMatrixOrder(t *testing.T) {
	tactics := Tactics()
	require.Len(t, tactics, 14, "every tactic of the CSV is a column")
	require.Equal(t, "Reconnaissance", tactics[0].Name)
	require.Equal(t, "Impact", tactics[len(tactics)-1].Name)
	for _, tac := range tactics {
		require.NotEmpty(t, tac.Name, "matrix column %s is not a tactic of the CSV", tac.ID)
	}
	techs := Techniques()
	require.Len(t, techs, 691)
	require.Equal(t, "T1001", techs[0].ID)
}
