package hclrule

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil"
)

func TestWriteDiagnosticsGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/render/broken.hcl")
	require.NoError(t, err)
	files := []File{{Name: "broken.hcl", Data: data}}
	_, diags := Load(files)
	require.Len(t, diags, 4)
	// A diagnostic from another front end, about a file that was not given,
	// and one without a position are written too.
	diags = append(diags,
		rule.Diagnostic{Severity: rule.Warning, Pos: rule.Pos{File: "rule.yml", Line: 3, Col: 7}, Summary: "unknown field"},
		rule.Diagnostic{Severity: rule.Error, Summary: "no detections found"},
	)
	for _, c := range []struct {
		name  string
		width uint
		color bool
	}{{"plain", 0, false}, {"wrapped-color", 60, true}} {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			require.NoError(t, WriteDiagnostics(&out, files, diags, c.width, c.color))
			testutil.Golden(t, "render/broken."+c.name+".golden", out.Bytes())
		})
	}
}

func TestWriteDiagnosticsHighlightsTheToken(t *testing.T) {
	src := []byte("locals {\n  a = \"été\" + 1\n}\n")
	files := []File{{Name: "a.hcl", Data: src}}
	var out bytes.Buffer
	diags := rule.Diagnostics{{Pos: rule.Pos{File: "a.hcl", Line: 2, Col: 13}, Summary: "here"}}
	require.NoError(t, WriteDiagnostics(&out, files, diags, 0, true))
	// Column 13 is the "+" after a string with two-byte characters.
	assert.Contains(t, out.String(), "\x1b[1;4m+\x1b[0m")
}

func TestWriteDiagnosticsDoesNotPassControlCharacters(t *testing.T) {
	src := []byte("locals {\n  a = \"\x1b[2J\" + 1\n}\n")
	files := []File{{Name: "a.hcl", Data: src}}
	_, diags := Load(files)
	require.NotEmpty(t, diags)
	var out bytes.Buffer
	require.NoError(t, WriteDiagnostics(&out, files, diags, 0, false))
	assert.NotContains(t, out.String(), "\x1b")
	assert.Contains(t, out.String(), `a = "?[2J" + 1`)
}
