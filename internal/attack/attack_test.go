package attack

import (
	"os"
	"strings"
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
	require.Len(t, tactics, 15, "every tactic of the CSV is a column")
	require.Equal(t, "Reconnaissance", tactics[0].Name)
	require.Equal(t, "Impact", tactics[len(tactics)-1].Name)
	for _, tac := range tactics {
		require.NotEmpty(t, tac.Name, "matrix column %s is not a tactic of the CSV", tac.ID)
	}
	techs := Techniques()
	require.Len(t, techs, 691)
	require.Equal(t, "T1001", techs[0].ID)
}

// The bundled data knows v19's tactics: Stealth took Defense Evasion's id,
// whose old name still finds it, and Defense Impairment is new; a v18.1
// Defense Evasion technique counts under both successors.
func TestBundledV19Tactics(t *testing.T) {
	for key, want := range map[string]string{"stealth": "TA0005", "defense-evasion": "TA0005", "defense_impairment": "TA0112", "TA0112": "TA0112"} {
		tac, ok := LookupTactic(key)
		require.True(t, ok, key)
		assert.Equal(t, want, tac.ID, key)
	}
	tac, _ := LookupTactic("TA0005")
	assert.Equal(t, "Stealth", tac.Name)
	tech, ok := LookupTechnique("T1562.001")
	require.True(t, ok)
	assert.Equal(t, []string{"TA0005", "TA0112"}, tech.Tactics)
	assert.Equal(t, "18.1", Version())
}

func TestWellFormed(t *testing.T) {
	for id, want := range map[string]bool{"T1685": true, "t1686.003": true, "T168": false, "T1685.1": false, "TA0005": false, "S0001": false} {
		assert.Equal(t, want, WellFormed(id), id)
	}
}

// A STIX 2.1 bundle replaces the bundled release: its version, its
// tactics and its techniques (revoked and deprecated ones left out).
func TestLoadSTIXAndUse(t *testing.T) {
	f, err := os.Open("testdata/enterprise-attack-mini.json")
	require.NoError(t, err)
	defer f.Close()
	d, err := LoadSTIX("mini.json", f)
	require.NoError(t, err)
	Use(d)
	defer Use(nil)
	assert.Equal(t, "19", Version())
	tech, ok := LookupTechnique("t1685")
	require.True(t, ok)
	assert.Equal(t, "Disable or Modify Tools", tech.Name)
	assert.Equal(t, []string{"TA0112"}, tech.Tactics)
	assert.Equal(t, "https://attack.mitre.org/techniques/T1685", tech.URL)
	_, ok = LookupTechnique("T1099")
	assert.False(t, ok, "revoked")
	_, ok = LookupTechnique("T1098.009")
	assert.False(t, ok, "deprecated")
	_, ok = LookupTechnique("T1562.001")
	assert.False(t, ok, "only the loaded release is read")
	tac, ok := LookupTactic("defense-impairment")
	require.True(t, ok)
	assert.Equal(t, "TA0112", tac.ID)
	Use(nil)
	assert.Equal(t, "18.1", Version())
}

func TestLoadSTIXErrors(t *testing.T) {
	for name, input := range map[string]string{
		"not json":      `{"type": "bundle", "objects": [`,
		"not a bundle":  `{"type": "identity", "objects": []}`,
		"no version":    `{"type": "bundle", "objects": [{"type": "x-mitre-tactic", "name": "X", "x_mitre_shortname": "x", "external_references": [{"source_name": "mitre-attack", "external_id": "TA0001"}]}]}`,
		"no techniques": `{"type": "bundle", "objects": [{"type": "x-mitre-collection", "x_mitre_version": "19.0"}]}`,
	} {
		_, err := LoadSTIX("in.json", strings.NewReader(input))
		assert.ErrorContains(t, err, "in.json: ", name)
	}
}
