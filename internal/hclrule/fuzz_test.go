package hclrule

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzLoad feeds arbitrary bytes to Load and Format:
// none may panic, every diagnostic must point into the file, and Format's
// output must be a fixed point. The seed corpus is testdata/fuzz/FuzzLoad
// (crashers found so far are kept there) plus the golden inputs. Run it
// with a short minimisation time, or the first interesting input stalls
// the run for a minute:
//
//	go test ./internal/hclrule -run '^$' -fuzz FuzzLoad -fuzztime 60s -fuzzminimizetime 3s
func FuzzLoad(f *testing.F) {
	inputs, err := filepath.Glob("testdata/golden/*.hcl")
	require.NoError(f, err)
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		files := []File{{Name: "fuzz.hcl", Data: data}}
		rules, diags := Load(files)
		for _, d := range diags {
			assert.Equal(t, "fuzz.hcl", d.Pos.File, "%s", d)
			assert.True(t, d.Pos.IsValid(), "%s", d)
		}
		if !diags.HasErrors() {
			for _, r := range rules {
				assert.NotNil(t, r.Condition, "rule %s", r.Name)
				assert.NotEmpty(t, r.Searches, "rule %s", r.Name)
			}
		}
		formatted, fd := Format(files[0])
		if fd.HasErrors() {
			assert.Nil(t, formatted)
			return
		}
		again, fd := Format(File{Name: "fuzz.hcl", Data: formatted})
		assert.Empty(t, fd)
		assert.Equal(t, string(formatted), string(again), "Format is not stable")
	})
}
