package hclrule

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/testutil"
)

func TestFormatGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/format/messy.hcl")
	require.NoError(t, err)
	out, diags := Format(File{Name: "messy.hcl", Data: data})
	require.Empty(t, diags)
	testutil.Golden(t, "format/messy.hcl.golden", out)
}

// TestFormatIsStable checks that formatted files are a fixed point, for
// every .hcl file under testdata, and that formatting does not change what
// a file means.
func TestFormatIsStable(t *testing.T) {
	var files []string
	require.NoError(t, filepath.WalkDir("testdata", func(path string, _ os.DirEntry, err error) error {
		if strings.HasSuffix(path, ".hcl") {
			files = append(files, path)
		}
		return err
	}))
	require.NotEmpty(t, files)
	for _, path := range files {
		t.Run(path, func(t *testing.T) {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			once, diags := Format(File{Name: path, Data: data})
			require.Empty(t, diags)
			twice, diags := Format(File{Name: path, Data: once})
			require.Empty(t, diags)
			assert.Equal(t, string(once), string(twice))

			before, d1 := Load([]File{{Name: path, Data: data}})
			after, d2 := Load([]File{{Name: path, Data: once}})
			assert.Equal(t, len(d1), len(d2))
			assert.Equal(t, testutil.Dump(before, false), testutil.Dump(after, false))
		})
	}
}

func TestFormatRefusesBrokenInput(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"unclosed block", "detection \"d\" {\n  title = \"t\"\n", []string{"a.hcl:1:15: error: Unclosed configuration block"}},
		{"two attributes on a line", "logsource { category = \"proxy\"  product = \"x\" }\n", []string{"a.hcl:1:33: error: Invalid single-argument block definition"}},
		{"too deep", strings.Repeat("a {\n", 200), []string{"a.hcl:101:3: error: Nesting too deep"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, diags := Format(File{Name: "a.hcl", Data: []byte(tc.src)})
			assert.Nil(t, out, "broken input is not rewritten")
			assert.Equal(t, tc.want, summaries(diags))
		})
	}
}

func TestFormatEdges(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"\n\n\n", ""},
		{" \n \t", ""},
		{"# only a comment", "# only a comment\n"},
		{"locals {\n  a = 1\n}\n\n\n", "locals {\n  a = 1\n}\n"},
		{"locals {\n  a = 1\n}", "locals {\n  a = 1\n}\n"},
	}
	for _, tc := range tests {
		out, diags := Format(File{Name: "a.hcl", Data: []byte(tc.in)})
		require.Empty(t, diags)
		require.NotNil(t, out, "only broken input gives nil")
		assert.Equal(t, tc.want, string(out), "input %q", tc.in)
	}
}
