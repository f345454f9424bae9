package lower_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/lower"
	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/sigma"
	"github.com/detc/detc/internal/testutil"
)

// alternatives reads process creation from the Security log's event 4688
// first and from Sysmon's event 1 when the rule needs a field 4688 lacks,
// as sentinel-csl does.
const alternatives = `name: alt
sources:
  - logsource: {category: process_creation, product: windows}
    label: event 4688 (SecurityEvent)
    attrs: {table: SecurityEvent}
    fields:
      Image: NewProcessName
      CommandLine: CommandLine
      OriginalFileName: {unsupported: "event 4688 has no original file name"}
      IntegrityLevel: {name: MandatoryLabel, values: {High: S-1-16-12288}}
  - logsource: {category: process_creation, product: windows}
    label: Sysmon event 1 (WindowsEvent)
    attrs: {table: WindowsEvent}
    fields:
      Image: Image
      CommandLine: CommandLine
      OriginalFileName: OriginalFileName
      IntegrityLevel: IntegrityLevel
      ParentImage: ParentImage
`

// TestSourceAlternatives: a rule reads the first alternative that
// expresses every field its condition reads, with its values rewritten;
// when none does, the refusal says what each lacks; a user's source for
// the log source replaces the alternatives.
func TestSourceAlternatives(t *testing.T) {
	base, err := mapping.Parse("alt.yml", []byte(alternatives), mapping.Schema{})
	require.NoError(t, err)
	override, err := mapping.Parse("mine.yml", []byte(`sources:
  - logsource: {category: process_creation, product: windows}
    attrs: {table: MyProcesses}
    fields:
      OriginalFileName: OriginalName
`), mapping.Schema{})
	require.NoError(t, err)
	tests := []struct {
		name, detection string
		profile         *mapping.Profile
		table           string // the source read; "" when refused
		query           string // a value the rewritten rule compares
		construct       string
		refusal         string
		line            int
	}{
		{name: "the first covers the rule", detection: "sel:\n    Image|endswith: '\\cmd.exe'\n    CommandLine|contains: ' /c '\n  condition: sel",
			profile: base, table: "SecurityEvent"},
		{name: "the first lacks a field", detection: "sel:\n    Image|endswith: '\\cmd.exe'\n  other:\n    OriginalFileName: 'Cmd.Exe'\n  condition: sel or other",
			profile: base, table: "WindowsEvent"},
		{name: "the first lacks a field of the condition only", detection: "sel:\n    ParentImage|endswith: '\\winword.exe'\n  condition: sel",
			profile: base, table: "WindowsEvent"},
		{name: "a search the condition leaves out decides nothing", detection: "sel:\n    Image|endswith: '\\cmd.exe'\n  unused:\n    OriginalFileName: 'Cmd.Exe'\n  condition: sel",
			profile: base, table: "SecurityEvent"},
		{name: "the first rewrites the value", detection: "sel:\n    IntegrityLevel: High\n  condition: sel",
			profile: base, table: "SecurityEvent", query: "S-1-16-12288"},
		{name: "the first cannot rewrite the value", detection: "sel:\n    IntegrityLevel|contains: Hig\n  condition: sel",
			profile: base, table: "WindowsEvent", query: "Hig"},
		{name: "neither covers the rule", detection: "sel:\n    OriginalFileName: 'Cmd.Exe'\n    Hashes|contains: 'MD5=0123'\n  condition: sel",
			profile: base, construct: `field "OriginalFileName"`, line: 6,
			refusal: `event 4688 (SecurityEvent): event 4688 has no original file name; Sysmon event 1 (WindowsEvent): field "Hashes": no mapping for this field (add one in a mapping file: see docs/mappings.md)`},
		{name: "neither covers the field", detection: "sel:\n    Hashes|contains: 'MD5=0123'\n  condition: sel",
			profile: base, construct: `field "Hashes"`, line: 6,
			refusal: `event 4688 (SecurityEvent): no mapping for this field (add one in a mapping file: see docs/mappings.md); Sysmon event 1 (WindowsEvent): no mapping for this field (add one in a mapping file: see docs/mappings.md)`},
		{name: "a user's source replaces the alternatives", detection: "sel:\n    OriginalFileName: 'Cmd.Exe'\n  condition: sel",
			profile: base.Merge(override), table: "MyProcesses"},
		{name: "only the user's source is read", detection: "sel:\n    ParentImage|endswith: '\\winword.exe'\n  condition: sel",
			profile: base.Merge(override), table: "MyProcesses"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := "title: t\nid: 6f1c2d3e-0000-4000-8000-000000000001\nlogsource: {category: process_creation, product: windows}\n" +
				"detection:\n  " + tt.detection + "\n"
			rules, diags := sigma.LoadFiles(map[string][]byte{"t.yml": []byte(text)})
			require.False(t, diags.HasErrors(), "%v", diags)
			src, c, err := lower.Source(testutil.Checked(t, rules[0]), tt.profile, "test")
			if tt.refusal != "" {
				var ref *target.Refusal
				require.ErrorAs(t, err, &ref)
				assert.Equal(t, tt.construct, ref.Construct)
				assert.Equal(t, tt.refusal, ref.Reason)
				assert.Equal(t, tt.line, ref.Pos.Line)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.table, src.Attr("table"))
			if tt.query != "" {
				assert.Equal(t, tt.query, c.Searches[0].Groups[0].Matchers[0].Values[0].Pattern.String())
			}
		})
	}
}
