package kql_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/kql"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil"
	"github.com/detc/detc/internal/testutil/corpus"
)

// antivirusRules are rules on Defender Antivirus detections (Sigma's
// antivirus category) in the shapes SigmaHQ's rules take: the threat's
// name by regular expression, prefix and substring, the detected file by
// its extension or name.
var antivirusRules = []string{
	"category: antivirus\ndetection:\n  sel:\n    - Signature|re: 'APT\\d'\n    - Signature|contains:\n        - 'Mimikatz'\n        - 'Cobalt'\n  condition: sel",
	"category: antivirus\ndetection:\n  sel:\n    Signature|startswith:\n      - 'HackTool:'\n      - 'PWS.'\n  filter:\n    Filename|endswith: '.tmp'\n  condition: sel and not filter",
	"category: antivirus\ndetection:\n  sel:\n    Filename|endswith:\n      - '.aspx'\n      - '\\evil.exe'\n  condition: sel",
}

// renameRule is a rule on Windows file renames as SigmaHQ's ransomware
// rule reads them: the old name's extension and the new path.
const renameRule = "product: windows\n  category: file_rename\ndetection:\n  sel:\n    SourceFilename|endswith:\n      - '.docx'\n      - '.pdf'\n    TargetFilename|contains:\n      - '.docx.'\n      - '.pdf.'\n  filter:\n    TargetFilename|endswith: '.bak'\n  condition: sel and not filter"

// TestAntivirusAgreesWithEvaluator: the rules, compiled for every profile
// that reads Defender's DeviceEvents and DeviceFileEvents and read back
// with the independent reader, decide on Defender's rows (the threat's
// name as AdditionalFields.ThreatName yields it, the file name apart from
// its folder) as the evaluator decides on Sigma's events. Sentinel's
// profiles read no Windows renames from Defender, so they compare the
// antivirus rules only.
func TestAntivirusAgreesWithEvaluator(t *testing.T) {
	rules := snippetRules(t, 1040, "", antivirusRules)
	for _, profile := range []string{"sentinel-csl", "sentinel-asim"} {
		assert.Equal(t, len(rules), agreeOnDefender(t, profile, rules), profile)
	}
	rules = append(rules, snippetRule(t, 1050, renameRule))
	assert.Equal(t, len(rules), agreeOnDefender(t, "defender-xdr", rules))
}

func TestAntivirusAgreesWithEvaluatorOnCorpus(t *testing.T) {
	var rules []*rule.Rule
	for _, r := range corpus.Rules(t) {
		if r.Aggregation == nil && (r.LogSource.Category == "antivirus" || r.LogSource.Category == "file_rename") {
			rules = append(rules, r)
		}
	}
	checked := agreeOnDefender(t, "defender-xdr", rules)
	t.Logf("%d SigmaHQ rules compared", checked)
	assert.GreaterOrEqual(t, checked, 8)
	for _, profile := range []string{"sentinel-csl", "sentinel-asim"} {
		assert.GreaterOrEqual(t, agreeOnDefender(t, profile, rules), 7, profile)
	}
}

// TestAntivirusFolderRefused: Defender keeps the detected file's name
// apart and the form of its folder is not established, so a comparison
// that needs the folder is refused, naming why.
func TestAntivirusFolderRefused(t *testing.T) {
	r := snippetRule(t, 1051, "category: antivirus\ndetection:\n  sel:\n    Filename|contains: ':\\Users\\Public\\'\n  condition: sel")
	for _, profile := range []string{"defender-xdr", "sentinel-csl", "sentinel-asim"} {
		_, err := kql.New().Compile(testutil.Checked(t, r), target.Options{Profile: profile})
		var refusal *target.Refusal
		require.True(t, errors.As(err, &refusal), "%s: %v", profile, err)
		assert.Contains(t, refusal.Error(), "only a comparison of the file name alone is kept", profile)
	}
}
