package report

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/detc/detc/internal/fixture"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// repo is a folder with a .git entry and a detections folder inside, the
// commands' working folder.
func repo(t *testing.T) Paths {
	t.Helper()
	root := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(root, ".git"), 0o755))
	dir := filepath.Join(root, "sub")
	require.NoError(t, os.Mkdir(dir, 0o755))
	p := PathsFrom(dir)
	require.Equal(t, root, p.Root)
	return p
}

func TestPaths(t *testing.T) {
	p := repo(t)
	assert.Equal(t, "sub/detections/a.hcl", p.Rel("detections/a.hcl"))
	assert.Equal(t, "sub/a b.hcl", p.Rel(filepath.Join(p.Dir, "a b.hcl")), "absolute paths inside the repository")
	assert.Equal(t, "other.hcl", p.Rel("../other.hcl"))
	outside := filepath.Join(filepath.Dir(p.Root), "elsewhere.hcl")
	assert.Equal(t, filepath.ToSlash(outside), p.Rel(outside), "a file outside the repository is kept as named")
	assert.Equal(t, "", p.Rel(""))

	noRepo := t.TempDir()
	assert.Equal(t, Paths{Root: noRepo, Dir: noRepo}, PathsFrom(noRepo), "without a repository, paths are relative to the folder")
}

var diags = rule.Diagnostics{
	{Severity: rule.Error, Pos: rule.Pos{File: "detections/a.hcl", Line: 3, Col: 5}, Code: "unknown-search", Summary: `condition names search "filter"`, Detail: "define it or remove it"},
	{Severity: rule.Warning, Pos: rule.Pos{File: "detections/a.hcl", Line: 9, Col: 1}, Code: "missing-metadata", Summary: "rule x has no author"},
	{Severity: rule.Error, Pos: rule.Pos{File: "detections/b, c:d%.yml", Line: 1, Col: 1}, Code: "bad-regex", Summary: "regex 100%\nbroken"},
	{Severity: rule.Error, Pos: rule.Pos{File: "detections/missing"}, Code: "missing-path", Summary: "cannot read detections/missing"},
	{Severity: rule.Error, Pos: rule.Pos{}, Summary: "no position, no code"},
}

func TestDiagnostics(t *testing.T) {
	got := Diagnostics(diags)
	assert.Equal(t, []Finding{
		{Code: "unknown-search", Level: LevelError, File: "detections/a.hcl", Line: 3, Col: 5, Message: `condition names search "filter": define it or remove it`},
		{Code: "missing-metadata", Level: LevelWarning, File: "detections/a.hcl", Line: 9, Col: 1, Message: "rule x has no author"},
		{Code: "bad-regex", Level: LevelError, File: "detections/b, c:d%.yml", Line: 1, Col: 1, Message: "regex 100%\nbroken"},
		{Code: "missing-path", Level: LevelError, File: "detections/missing", Message: "cannot read detections/missing"},
		{Code: "detc", Level: LevelError, Message: "no position, no code"},
	}, got)
}

// testReport has a detection that passes, one whose test failed twice and
// one that could not be tested.
func testReport() *fixture.Report {
	return &fixture.Report{Detections: []*fixture.DetectionResult{
		{ID: "r1", Title: "Passes", File: "detections/a.hcl", Pass: true, Tests: []*fixture.TestResult{{Name: "ok", Pos: rule.Pos{File: "detections/a.hcl", Line: 20, Col: 3}, Pass: true}}},
		{ID: "r2", Title: "Fails", File: "detections/a.hcl", Tests: []*fixture.TestResult{
			{Name: "posts", Fixture: "proxy.jsonl", Pos: rule.Pos{File: "detections/a.hcl", Line: 40, Col: 3}, Pass: true},
			{Name: "gets", Fixture: "proxy.jsonl", Pos: rule.Pos{File: "detections/a.hcl", Line: 45, Col: 3}, Failures: []fixture.Failure{
				{Event: "e1", Where: "proxy.jsonl:2", Expected: "a match", Actual: "no match"},
				{Expected: "a readable fixture", Actual: "open proxy.jsonl: no such file"},
			}},
		}},
		{ID: "r3", Title: "Untested", File: "detections/c.yml", Errors: rule.Diagnostics{
			{Pos: rule.Pos{File: "detections/c.yml", Line: 1, Col: 1}, Code: "fixture-coverage", Summary: "detection has no fixture tests: it needs at least one positive and one negative case"},
			{Pos: rule.Pos{File: "detections/c.yml", Line: 7, Col: 9}, End: rule.Pos{File: "detections/c.yml", Line: 7, Col: 12}, Code: "bad-regex", Summary: "regex does not compile"},
			{Summary: "an error without a position"},
		}},
	}}
}

func TestTests(t *testing.T) {
	got := Tests(testReport())
	assert.Equal(t, []Finding{
		{Code: CodeNotTested, Level: LevelError, File: "detections/c.yml", Line: 1, Col: 1, Message: "detection r3 Untested cannot be tested: detection has no fixture tests: it needs at least one positive and one negative case"},
		{Code: CodeNotTested, Level: LevelError, File: "detections/c.yml", Line: 7, Col: 9, EndLine: 7, EndCol: 12, Message: "detection r3 Untested cannot be tested: regex does not compile"},
		{Code: CodeNotTested, Level: LevelError, File: "detections/c.yml", Message: "detection r3 Untested cannot be tested: an error without a position"},
	}, got[1:])
	assert.Equal(t, Finding{Code: CodeTestFailed, Level: LevelError, File: "detections/a.hcl", Line: 45, Col: 3,
		Message: "detection r2 Fails: fixture test \"gets\" on proxy.jsonl failed\n- event e1 (proxy.jsonl:2): expected a match, got no match\n- expected a readable fixture, got open proxy.jsonl: no such file"}, got[0])
}

// sarifSchema compiles the SARIF 2.1.0 schema (OASIS errata 01, kept
// verbatim in testdata).
func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/sarif-schema-2.1.0.json")
	require.NoError(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	require.NoError(t, c.AddResource("sarif-schema-2.1.0.json", doc))
	sch, err := c.Compile("sarif-schema-2.1.0.json")
	require.NoError(t, err)
	return sch
}

func validate(t *testing.T, sch *jsonschema.Schema, data []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	require.NoError(t, err)
	return sch.Validate(inst)
}

func TestSARIF(t *testing.T) {
	sch := sarifSchema(t)
	p := repo(t)
	tool := Tool{Name: "detc", Version: "1.2.3", InformationURI: "https://github.com/detc/detc"}
	var b bytes.Buffer
	require.NoError(t, SARIF(&b, tool, Diagnostics(diags), p))
	testutil.Golden(t, "lint.sarif", b.Bytes())
	require.NoError(t, validate(t, sch, b.Bytes()))
	assert.Contains(t, b.String(), `"uri": "sub/detections/b,%20c:d%25.yml"`, "a repository-relative URI, percent-encoded")
	assert.NotContains(t, b.String(), p.Root, "no absolute paths")

	b.Reset()
	require.NoError(t, SARIF(&b, tool, Tests(testReport()), p))
	testutil.Golden(t, "test.sarif", b.Bytes())
	require.NoError(t, validate(t, sch, b.Bytes()))

	b.Reset()
	require.NoError(t, SARIF(&b, Tool{Name: "detc"}, nil, p))
	require.NoError(t, validate(t, sch, b.Bytes()), "a clean run is a valid log with no results")
	assert.Contains(t, b.String(), `"results": []`)
}

// TestSchemaRejects makes sure the schema check can fail: logs that break
// SARIF's rules are rejected.
func TestSchemaRejects(t *testing.T) {
	sch := sarifSchema(t)
	bad := map[string]string{
		"wrong version":    `{"version":"2.0.0","runs":[]}`,
		"no tool":          `{"version":"2.1.0","runs":[{"results":[]}]}`,
		"level not in set": `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"detc"}},"results":[{"level":"fatal","message":{"text":"x"}}]}]}`,
		"line 0":           `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"detc"}},"results":[{"message":{"text":"x"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a"},"region":{"startLine":0}}}]}]}]}`,
		"unknown property": `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"detc","colour":"red"}}}]}`,
	}
	for name, doc := range bad {
		assert.Error(t, validate(t, sch, []byte(doc)), name)
	}
}

func TestGitHub(t *testing.T) {
	tests := []struct {
		name string
		f    Finding
		want string
	}{
		{"error with position", Finding{Code: "unknown-search", Level: LevelError, File: "detections/a.hcl", Line: 3, Col: 5, Message: "no such search"},
			"::error file=sub/detections/a.hcl,line=3,col=5,title=unknown-search::no such search\n"},
		{"warning", Finding{Code: "missing-metadata", Level: LevelWarning, File: "a.hcl", Line: 9, Col: 1, Message: "no author"},
			"::warning file=sub/a.hcl,line=9,col=1,title=missing-metadata::no author\n"},
		{"message escapes", Finding{Code: "c", Level: LevelError, Message: "100% sure\r\nline two: a, b"},
			"::error title=c::100%25 sure%0D%0Aline two: a, b\n"},
		{"property escapes", Finding{Code: "a:b,c%", Level: LevelError, File: "x, y:z%.yml", Line: 1, Col: 2, Message: "m"},
			"::error file=sub/x%2C y%3Az%25.yml,line=1,col=2,title=a%3Ab%2Cc%25::m\n"},
		{"file without a line", Finding{Code: "missing-path", Level: LevelError, File: "missing", Message: "cannot read missing"},
			"::error file=sub/missing,title=missing-path::cannot read missing\n"},
		{"line without a column", Finding{Code: "c", Level: LevelError, File: "a.hcl", Line: 4, Message: "m"},
			"::error file=sub/a.hcl,line=4,title=c::m\n"},
	}
	p := repo(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, GitHub(&b, []Finding{tt.f}, p))
			assert.Equal(t, tt.want, b.String())
		})
	}
}

func TestLintJUnit(t *testing.T) {
	p := repo(t)
	var b bytes.Buffer
	files := []string{"detections/a.hcl", "detections/clean.hcl", "detections/b, c:d%.yml"}
	require.NoError(t, LintJUnit(&b, files, Diagnostics(diags), p))
	testutil.Golden(t, "lint.junit.xml", b.Bytes())

	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Body    string `xml:",chardata"`
				} `xml:"failure"`
				SystemOut string `xml:"system-out"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(b.Bytes(), &doc), "well-formed XML")
	assert.Equal(t, 5, doc.Tests, "every file checked, and the places findings name")
	assert.Equal(t, 4, doc.Failures)
	cases := map[string]int{}
	for i, c := range doc.Suites[0].Cases {
		cases[c.Name] = i
	}
	all := doc.Suites[0].Cases
	clean := all[cases["sub/detections/clean.hcl"]]
	assert.Nil(t, clean.Failure)
	a := all[cases["sub/detections/a.hcl"]]
	require.NotNil(t, a.Failure)
	assert.Equal(t, "1 error", a.Failure.Message)
	assert.Equal(t, "sub/detections/a.hcl:3:5: error: condition names search \"filter\": define it or remove it [unknown-search]\n"+
		"sub/detections/a.hcl:9:1: warning: rule x has no author [missing-metadata]\n", a.Failure.Body)
	assert.Contains(t, cases, "(no file)")
	assert.True(t, strings.HasPrefix(b.String(), "<?xml"))

	// A file with warnings only passes, and lists them as its output.
	b.Reset()
	require.NoError(t, LintJUnit(&b, nil, Diagnostics(diags[1:2]), p))
	doc.Suites = nil
	require.NoError(t, xml.Unmarshal(b.Bytes(), &doc))
	assert.Equal(t, 0, doc.Failures)
	require.Len(t, doc.Suites[0].Cases, 1)
	assert.Nil(t, doc.Suites[0].Cases[0].Failure)
	assert.Equal(t, "sub/detections/a.hcl:9:1: warning: rule x has no author [missing-metadata]\n", doc.Suites[0].Cases[0].SystemOut)
}

func TestWriteTest(t *testing.T) {
	p := repo(t)
	var b bytes.Buffer
	require.NoError(t, WriteTest(&b, "github", testReport(), Tool{Name: "detc"}, p))
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	require.Len(t, lines, 5)
	assert.Equal(t, "::error file=sub/detections/a.hcl,line=45,col=3,title=fixture-test::detection r2 Fails: fixture test \"gets\" on proxy.jsonl failed%0A- event e1 (proxy.jsonl:2): expected a match, got no match%0A- expected a readable fixture, got open proxy.jsonl: no such file", lines[0])
	assert.Equal(t, "1 passed, 2 failed", lines[4])

	b.Reset()
	require.NoError(t, WriteTest(&b, "junit", testReport(), Tool{Name: "detc"}, p))
	assert.True(t, strings.HasPrefix(b.String(), "<?xml"), "other formats are the fixture report's")
	assert.Equal(t, []string{"text", "json", "junit", "sarif", "github"}, TestFormats)
}
