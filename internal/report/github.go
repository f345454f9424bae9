package report

import (
	"fmt"
	"io"
	"strings"
)

// GitHub writes findings as GitHub Actions workflow commands, which the
// runner turns into annotations on the file and line:
//
//	::error file=detections/x.hcl,line=3,col=5,title=unknown-search::message
func GitHub(w io.Writer, findings []Finding, paths Paths) error {
	var b strings.Builder
	for _, f := range findings {
		var props []string
		if f.File != "" {
			props = append(props, "file="+escapeProperty(paths.Rel(f.File)))
			if f.Line > 0 {
				props = append(props, fmt.Sprintf("line=%d", f.Line))
				if f.Col > 0 {
					props = append(props, fmt.Sprintf("col=%d", f.Col))
				}
			}
		}
		props = append(props, "title="+escapeProperty(f.Code))
		cmd := "error"
		if f.Level == LevelWarning {
			cmd = "warning"
		}
		fmt.Fprintf(&b, "::%s %s::%s\n", cmd, strings.Join(props, ","), escapeData(f.Message))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// escapeData escapes a workflow command's message as the Actions toolkit
// does: % first, then carriage returns and newlines.
var escapeData = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace

// escapeProperty escapes a property value: as data, and the : and , that
// separate properties.
var escapeProperty = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace
