package lower_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/kql"
	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/eval"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil"
	"github.com/detc/detc/internal/testutil/corpus"
)

// fileNameRules are the forms SigmaHQ's rules compare a target process's
// or a driver's path with.
var fileNameRules = []string{
	`TargetImage|endswith: '\lsass.exe'`,
	"TargetImage|endswith:\n      - '\\calc.exe'\n      - '\\notepad.exe'\n      - 'vcredist_x64.exe'",
	"ImageLoaded|endswith:\n      - '\\gdrv.sys'\n      - '.sys'\n    CommandLine|contains: ' -x '",
}

// fileNameProfile keeps only the file name of TargetImage and
// ImageLoaded, as defender-xdr's process access and driver load sources
// do.
func fileNameProfile(t *testing.T) *mapping.Profile {
	p, err := mapping.Parse("filename.yml", []byte(`name: filename
sources:
  - logsource: {category: process_creation}
    fields:
      TargetImage: {file_name: TargetImage.name}
      TargetImage.name: FileName
      ImageLoaded: {file_name: ImageLoaded.name}
      ImageLoaded.name: FileName
      CommandLine: CommandLine
`), mapping.Schema{})
	require.NoError(t, err)
	return p
}

// TestFileNameSplitAgreesWithEvaluator: on generated events (paths in
// folders of every form, with file names made of the rule's values, the
// file name in another case on the target), the rule on Sysmon's path and
// the rewritten rule on the file name decide alike, for the test rules
// and every SigmaHQ rule the rewrite accepts; a rule compared under "not"
// too.
func TestFileNameSplitAgreesWithEvaluator(t *testing.T) {
	var rules []*rule.Rule
	for i, s := range fileNameRules {
		rules = append(rules, loadRule(t, s, 400+i))
	}
	negated := loadRule(t, "TargetImage|endswith: '\\lsass.exe'", 410)
	negated.Searches[0].Groups[0].Matchers[0].Negate = true
	rules = append(rules, negated)
	p := fileNameProfile(t)
	assert.Equal(t, len(rules), checkSplitAgreement(t, rules, p, pathEvent))
}

func TestFileNameSplitAgreesWithEvaluatorOnCorpus(t *testing.T) {
	var rules []*rule.Rule
	for _, r := range corpus.Rules(t) {
		fields := corpus.Fields(r)
		if r.Aggregation == nil && (slices.Contains(fields, "TargetImage") || slices.Contains(fields, "ImageLoaded")) {
			c := *r
			c.LogSource = rule.LogSource{Category: "process_creation"}
			rules = append(rules, &c)
		}
	}
	p := fileNameProfile(t)
	checked := checkSplitAgreement(t, rules, p, pathEvent)
	assert.Greater(t, checked, 20, "SigmaHQ's rules on TargetImage or ImageLoaded that the rewrite accepts")
}

// pathEvent writes TargetImage and ImageLoaded as Sysmon does, a folder
// (full, NT or one named like a file) and a file name made of pieces of
// the rule's values, and the target's file name in upper case half the
// time.
func pathEvent(rng *rand.Rand, r *rule.Rule, sysmon, split eval.MapEvent) {
	folders := []string{`C:\Windows\System32`, `\SystemRoot\System32\drivers`, `C:\Users\alice\AppData\Local\Temp`, `C:\lsass.exe`, `C:\x\gdrv.sys.d`}
	for _, field := range []string{"TargetImage", "ImageLoaded"} {
		delete(split, field)
		names := []string{"lsass.exe", "ntfs.sys"}
		for _, s := range r.Searches {
			for _, g := range s.Groups {
				for _, m := range g.Matchers {
					for _, v := range m.Values {
						if lit, ok := v.Pattern.Literal(); ok && m.Field == field {
							parts := strings.Split(lit, `\`)
							if n := parts[len(parts)-1]; n != "" {
								names = append(names, n, "x"+n, n+"x", n[1:])
							}
						}
					}
				}
			}
		}
		if rng.IntN(6) == 0 {
			delete(sysmon, field)
			continue // absent
		}
		name := names[rng.IntN(len(names))]
		sysmon[field] = folders[rng.IntN(len(folders))] + `\` + name
		if rng.IntN(2) == 0 {
			name = strings.ToUpper(name)
		}
		split[field+".name"] = name
	}
}

// Through the backends: Defender's queries compare FileName, and a form
// that needs the folder is the target's refusal at the value.
func TestFileNameThroughBackends(t *testing.T) {
	tests := []struct {
		name      string
		logsource string
		selection string
		want      []string
		refusal   string
	}{
		{"target process", "process_access", `TargetImage|endswith: '\lsass.exe'`, []string{`FileName =~ "lsass.exe"`, `ActionType == "OpenProcessApiCall"`}, ""},
		{"driver", "driver_load", `ImageLoaded|endswith: '\gdrv.sys'`, []string{`FileName =~ "gdrv.sys"`, `ActionType == "DriverLoad"`}, ""},
		{"the folder", "process_access", `TargetImage|endswith: ':\Windows\System32\svchost.exe'`, nil, "names a folder"},
		{"a folder anywhere", "driver_load", `ImageLoaded|contains: '\Temp\'`, nil, "contains compares the folder too"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := loadRule(t, tt.selection, 420+i)
			r.LogSource.Category = tt.logsource
			q, err := kql.New().Compile(testutil.Checked(t, r), target.Options{Profile: "defender-xdr"})
			if tt.refusal != "" {
				var ref *target.Refusal
				require.ErrorAs(t, err, &ref)
				assert.Contains(t, ref.Reason, tt.refusal)
				assert.Contains(t, ref.Reason, "in FileName; the form of its path is not established")
				assert.Equal(t, 6, ref.Pos.Line)
				return
			}
			require.NoError(t, err)
			for _, w := range tt.want {
				assert.Contains(t, q.Text, w)
			}
		})
	}
}
