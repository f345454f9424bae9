package report

import (
	"fmt"
	"io"
	"slices"

	"github.com/detc/detc/internal/fixture"
)

// TestFormats are the --format values of detc test: the fixture report's
// own (text, json, junit), and sarif and github.
var TestFormats = append(slices.Clone(fixture.Formats), "sarif", "github")

// WriteTest writes a detc test report in format. sarif and github carry
// the failures only, at the tests that failed; github closes with the
// "N passed, N failed" line.
func WriteTest(w io.Writer, format string, rep *fixture.Report, tool Tool, paths Paths) error {
	switch format {
	case "sarif":
		return SARIF(w, tool, Tests(rep), paths)
	case "github":
		if err := GitHub(w, Tests(rep), paths); err != nil {
			return err
		}
		_, err := fmt.Fprintln(w, rep.Counts())
		return err
	}
	return rep.Write(w, format)
}
