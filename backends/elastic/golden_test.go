package elastic

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/testutil"
	"github.com/stretchr/testify/require"
)

// TestGolden writes every test rule in every language and profile, and the
// Kibana NDJSON, to golden files (go test -update rewrites them). EQL and
// ES|QL have no parser here: these files are their proof, read in review.
func TestGolden(t *testing.T) {
	rules := testRules(t)
	b := New()
	for _, lang := range []string{Lucene, EQL, ESQL} {
		for _, profile := range []string{"ecs", "raw"} {
			t.Run(lang+"-"+profile, func(t *testing.T) {
				var parts []testutil.Part
				for _, r := range rules {
					text := fmt.Sprintf("# %s %s\n", r.ID, r.Title)
					q, err := b.Compile(testutil.Checked(t, r), target.Options{Profile: profile, Lang: lang})
					if err != nil {
						text += fmt.Sprintf("refused: %v\n\n", err)
					} else {
						text += q.Text + "\n\n"
					}
					parts = append(parts, testutil.Part{Name: r.ID, Text: text})
				}
				testutil.GoldenParts(t, "golden/"+lang+"-"+profile+".txt", parts)
			})
		}
	}
}

// TestGoldenKibana packages the test rules as the import API reads them:
// the default language for each rule (ES|QL where Lucene cannot say it),
// EQL for the other process rules: query, threshold, eql and esql rules in
// one file.
func TestGoldenKibana(t *testing.T) {
	b := New()
	for _, profile := range []string{"ecs", "raw"} {
		var ds []target.Deployable
		for _, r := range testRules(t) {
			opts := target.Options{Profile: profile}
			q, err := b.Compile(testutil.Checked(t, r), opts)
			require.NoError(t, err, r.ID)
			if r.LogSource.Category == "process_creation" && q.Lang == Lucene {
				opts.Lang = EQL
				q, err = b.Compile(testutil.Checked(t, r), opts)
				require.NoError(t, err, r.ID)
			}
			runbook := ""
			if len(r.Attack.Techniques) > 0 {
				runbook = "## Triage\n\n1. Who sent the request?\n2. Is the webhook approved?\n"
			}
			sum := sha256.Sum256([]byte(r.ID + q.Text + runbook))
			ds = append(ds, target.Deployable{Query: q, Runbook: runbook, Version: hex.EncodeToString(sum[:8]), Enabled: r.Status != "experimental"})
		}
		arts, refusals, err := b.Package(ds, target.Options{Profile: profile})
		require.NoError(t, err)
		require.Empty(t, refusals)
		require.Len(t, arts, 1)
		require.Equal(t, RulesFile, arts[0].Path)
		testutil.Golden(t, "golden/kibana-"+profile+".ndjson", arts[0].Data)
	}
}
