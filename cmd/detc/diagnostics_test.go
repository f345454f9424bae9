package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// codePattern finds diagnostic codes where the code base defines or uses
// them: Code... = "x" constants, Errorf/Warnf(pos, "x", ...) and Code: "x".
var codePattern = regexp.MustCompile(`(?:Code[A-Za-z]*\s+= |(?:Errorf|Warnf)\([^,"]+, |Code:\s+)"([a-z][a-z0-9-]+)"`)

// TestDiagnosticsCatalogue keeps docs/diagnostics.md complete: every code
// the source defines or uses has a row there.
func TestDiagnosticsCatalogue(t *testing.T) {
	doc, err := os.ReadFile("../../docs/diagnostics.md")
	require.NoError(t, err)
	codes := map[string]string{}
	for _, dir := range []string{"../../internal", "../../backends", "."} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			data, err := os.ReadFile(path)
			for _, m := range codePattern.FindAllStringSubmatch(string(data), -1) {
				codes[m[1]] = path
			}
			return err
		})
		require.NoError(t, err)
	}
	require.Greater(t, len(codes), 50, "the pattern finds the codes")
	var names []string
	for c := range codes {
		names = append(names, c)
	}
	sort.Strings(names)
	var missing []string
	for _, c := range names {
		if !strings.Contains(string(doc), "| `"+c+"` |") {
			missing = append(missing, c+" ("+codes[c]+")")
		}
	}
	assert.Empty(t, missing, "codes not catalogued in docs/diagnostics.md")
}
