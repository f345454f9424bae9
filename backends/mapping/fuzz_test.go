package mapping

import (
	"bytes"
	"errors"
	"testing"

	"github.com/detc/detc/internal/rule"
)

// FuzzParse feeds arbitrary mapping files to Parse: it never panics, an
// alias bomb stops at MaxNodes, and every problem is a diagnostic at a
// line of the file. Seeds: testdata/fuzz/FuzzParse and the cases below.
func FuzzParse(f *testing.F) {
	for _, s := range []string{cim, "soruces: []\n", "sources:\n  - logsource: {category: proxy}\n    attrs: {datamodle: Web}\n",
		"fields:\n  \"a\\e\": b\n", "a: &a [x, x]\nb: &b [*a, *a]\n", "fields:\n  <<: [&a {x: y}, &b {<<: [*a, *a]}]\n", "name: ["} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := &parser{file: "f.yml", schema: testSchema}
		prof := p.parse(data)
		if p.nodes > MaxNodes+1 {
			t.Fatalf("visited %d nodes, over the bound of %d", p.nodes, MaxNodes)
		}
		// YAML breaks lines at CR as well as LF.
		lines := bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) + 2
		for _, d := range p.diags {
			if d.Pos.File != "f.yml" || d.Pos.Line < 1 || d.Pos.Line > lines || d.Severity != rule.Error {
				t.Fatalf("diagnostic out of the file: %s", d)
			}
		}
		_, err := Parse("f.yml", data, testSchema)
		var diags rule.Diagnostics
		if (err != nil) != errors.As(err, &diags) || (err == nil) != (len(p.diags) == 0) {
			t.Fatalf("Parse's error %v does not match its diagnostics", err)
		}
		if err == nil && prof == nil {
			t.Fatal("no error and no profile")
		}
	})
}
