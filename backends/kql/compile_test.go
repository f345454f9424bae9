package kql_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/kql"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/testutil"
)

// TestGoldenQueries compiles every test rule for every profile. The
// queries (or refusals) are golden files, and every query is parsed by
// Microsoft's Kusto.Language with its tables declared.
func TestGoldenQueries(t *testing.T) {
	rules := loadRules(t, filepath.Join("testdata", "rules"))
	b := kql.New()
	check := newChecker(t)
	for _, r := range rules {
		if r.Correlation != nil && !r.Correlation.Generate && r.Aggregation == nil {
			continue
		}
		t.Run(r.ID, func(t *testing.T) {
			var out strings.Builder
			for _, p := range b.Profiles() {
				fmt.Fprintf(&out, "== %s\n", p)
				q, err := b.Compile(testutil.Checked(t, r), target.Options{Profile: p})
				if err != nil {
					var te *target.Refusal
					require.True(t, errors.As(err, &te), "%s/%s: not a refusal: %v", r.ID, p, err)
					fmt.Fprintf(&out, "refused: %s: %s\n\n", te.Construct, te.Reason)
					continue
				}
				out.WriteString(q.Text + "\n\n")
				check.add(t, r.ID+"/"+p, q, q.Text, nil)
			}
			name := strings.TrimSuffix(filepath.Base(r.File), ".yml") + "." + r.ID[len(r.ID)-2:] + ".kql"
			testutil.Golden(t, filepath.Join("golden", name), []byte(out.String()))
		})
	}
	check.requireClean(t)
}

// TestCompileDeterministic: the same rule gives byte-identical output.
func TestCompileDeterministic(t *testing.T) {
	rules := loadRules(t, filepath.Join("testdata", "rules"))
	b := kql.New()
	for _, r := range rules {
		for _, p := range b.Profiles() {
			q1, err1 := b.Compile(testutil.Checked(t, r), target.Options{Profile: p})
			q2, err2 := b.Compile(testutil.Checked(t, r), target.Options{Profile: p})
			if err1 != nil {
				assert.Equal(t, err1.Error(), err2.Error())
				continue
			}
			assert.Equal(t, q1.Text, q2.Text)
		}
	}
}

func TestBadOptions(t *testing.T) {
	r := loadRules(t, filepath.Join("testdata", "rules"))[0]
	b := kql.New()
	_, err := b.Compile(testutil.Checked(t, r), target.Options{Profile: "splunk-cim"})
	assert.EqualError(t, err, `target kql has no profile "splunk-cim" (profiles: sentinel-asim, sentinel-csl, defender-xdr, raw)`)
	_, err = b.Compile(testutil.Checked(t, r), target.Options{Lang: "eql"})
	assert.EqualError(t, err, `target kql has no language "eql" (languages: kql)`)
	_, err = b.Compile(testutil.Checked(t, r), target.Options{Variant: "tstats"})
	assert.EqualError(t, err, `target kql has no variant "tstats" (it has none)`)
	assert.Equal(t, "kql", b.Name())
	assert.Equal(t, []string{"kql"}, b.Langs())
	assert.Equal(t, "sentinel-asim", b.Profiles()[0])
}
