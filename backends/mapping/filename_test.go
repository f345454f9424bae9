package mapping

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
)

func fileNameProfile() (*Profile, *Source) {
	src := &Source{Fields: map[string]Field{
		"TargetImage":      {FileName: "TargetImage.name"},
		"TargetImage.name": {Names: []string{"FileName"}},
	}}
	return &Profile{Name: "p", Sources: []*Source{src}}, src
}

func TestSplitFileName(t *testing.T) {
	p, src := fileNameProfile()
	m := func(op rule.Op, negate bool, values ...string) *rule.Matcher {
		out := &rule.Matcher{Field: "TargetImage", Op: op, Negate: negate}
		if op != rule.OpEquals {
			out.Modifiers = []string{op.String()}
		}
		for _, v := range values {
			out.Values = append(out.Values, str(v))
		}
		return out
	}
	tests := []struct {
		name    string
		m       *rule.Matcher
		want    string
		wantErr string
	}{
		{"endswith a backslash and a name is the name", m(rule.OpEndsWith, false, `\lsass.exe`), `TargetImage.name equals lsass.exe`, ""},
		{"endswith without backslash is the name's ending", m(rule.OpEndsWith, false, `vcredist_x64.exe`), `TargetImage.name endswith vcredist_x64.exe`, ""},
		{"names and endings are two alternatives", m(rule.OpEndsWith, false, `\calc.exe`, `.sys`, `\notepad.exe`),
			`TargetImage.name equals calc.exe, notepad.exe | TargetImage.name endswith .sys`, ""},
		{"negated: each value negated, then ORed", m(rule.OpEndsWith, true, `\calc.exe`, `.sys`),
			`!TargetImage.name equals calc.exe | !TargetImage.name endswith .sys`, ""},
		{"a folder", m(rule.OpEndsWith, false, `:\Windows\system32\wsmprovhost.exe`), "", "names a folder"},
		{"only a backslash", m(rule.OpEndsWith, false, `\`), "", "names no file"},
		{"equals is the whole path", m(rule.OpEquals, false, `C:\Windows\System32\lsass.exe`), "", "equals compares the folder too"},
		{"contains", m(rule.OpContains, false, `\WinDivert.sys`), "", "contains compares the folder too"},
		{"startswith", m(rule.OpStartsWith, false, `C:\`), "", "startswith compares the folder too"},
		{"wildcard", m(rule.OpEndsWith, false, `\gdrv*.sys`), "", "has wildcards"},
		{"cased", &rule.Matcher{Field: "TargetImage", Op: rule.OpEndsWith, Cased: true, Modifiers: []string{"endswith", "cased"}, Values: []rule.Value{str(`\lsass.exe`)}}, "", "a case-sensitive comparison (endswith|cased)"},
		{"null", &rule.Matcher{Field: "TargetImage", Op: rule.OpEndsWith, Modifiers: []string{"endswith"}, Values: []rule.Value{{Kind: rule.KindNull}}}, "", "a null value is not a file name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := matcherRule(tt.m)
			r.LogSource = rule.LogSource{Category: "process_access", Product: "windows"}
			out, err := p.TranslateValues(r, src)
			if tt.wantErr != "" {
				var ve *ValueError
				require.ErrorAs(t, err, &ve)
				assert.Contains(t, ve.Reason, tt.wantErr)
				assert.Contains(t, ve.Reason, "the target records the file name of the rule's TargetImage in FileName")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, writeTerms(out.Searches[0].Groups))
		})
	}
}

func TestParseFileName(t *testing.T) {
	p, err := Parse("p.yml", []byte("name: p\nsources:\n  - logsource: {category: driver_load}\n    fields:\n      ImageLoaded: {file_name: ImageLoaded.name}\n      ImageLoaded.name: FileName\n"), Schema{})
	require.NoError(t, err)
	assert.Equal(t, "ImageLoaded.name", p.Sources[0].Fields["ImageLoaded"].FileName)
	_, err = Parse("p.yml", []byte("name: p\nsources:\n  - logsource: {category: driver_load}\n    fields:\n      ImageLoaded: {file_name: [a, b]}\n"), Schema{})
	require.Error(t, err)
}
