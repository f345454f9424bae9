package splunk_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/splunk"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil"
)

// TestGoldenQueries writes every agreement rule's SPL per profile and
// variant (or its refusal) to a golden file, so reviews see the text.
func TestGoldenQueries(t *testing.T) {
	b := splunk.New()
	for _, v := range []struct {
		file string
		opts target.Options
	}{
		{"queries/cim.spl", target.Options{}},
		{"queries/raw.spl", target.Options{Profile: "raw"}},
		{"queries/tstats.spl", target.Options{Variant: splunk.VariantTstats}},
	} {
		t.Run(v.file, func(t *testing.T) {
			var parts []testutil.Part
			for _, doc := range agreementRules {
				r := testRule(t, doc)
				text := fmt.Sprintf("=== %s\n", r.ID)
				q, err := b.Compile(testutil.Checked(t, r), v.opts)
				if err != nil {
					text += fmt.Sprintf("refused: %v\n\n", err)
				} else {
					text += q.Text + "\n\n"
				}
				parts = append(parts, testutil.Part{Name: r.ID, Text: text})
			}
			testutil.GoldenParts(t, v.file, parts)
		})
	}
}

func TestRefusals(t *testing.T) {
	b := splunk.New()
	tests := []struct {
		name      string
		doc       string
		opts      target.Options
		construct string
		reason    string
	}{
		{"unmapped field", `
id: r
logsource: {category: proxy}
detection: {sel: {c-uri-extension: exe}, condition: sel}`, target.Options{}, `field "c-uri-extension"`, "the CIM Web data model has no URL extension field"},
		{"no mapping at all", `
id: r
logsource: {category: proxy}
detection: {sel: {x-made-up: 1}, condition: sel}`, target.Options{}, `field "x-made-up"`, "no mapping for this field (add one in a mapping file"},
		{"unknown log source", `
id: r
logsource: {category: clipboard_capture, product: macos}
detection: {sel: {TargetObject: x}, condition: sel}`, target.Options{}, "log source category=clipboard_capture,product=macos", "no source for log source"},
		{"fieldref contains", `
id: r
logsource: {category: proxy}
detection: {sel: {c-uri|fieldref|contains: cs-host}, condition: sel}`, target.Options{Profile: "raw"}, `fieldref "cs-host" on field "c-uri"`, "no substring test"},
		{"not utf-8", `
id: r
logsource: {category: proxy}
detection: {sel: {c-uri|utf16le|contains: é}, condition: sel}`, target.Options{Profile: "raw"}, `on field "c-uri"`, "not valid UTF-8"},
		{"tstats keyword", `
id: r
logsource: {category: proxy}
detection: {keywords: [x], condition: keywords}`, target.Options{Variant: splunk.VariantTstats}, "keyword search", "tstats reads the data model's indexed fields only"},
		{"tstats cased", `
id: r
logsource: {category: proxy}
detection: {sel: {cs-method|cased: POST}, condition: sel}`, target.Options{Variant: splunk.VariantTstats}, `value "POST" on field "cs-method" (case-sensitive)`, "needs the where command"},
		{"tstats regex", `
id: r
logsource: {category: proxy}
detection: {sel: {c-uri|re: 'a.b'}, condition: sel}`, target.Options{Variant: splunk.VariantTstats}, `regular expression on field "c-uri"`, "tstats takes search terms only"},
		{"tstats without a data model", `
id: r
logsource: {category: proxy}
detection: {sel: {c-uri: x}, condition: sel}`, target.Options{Profile: "raw", Variant: splunk.VariantTstats}, "the tstats variant", "has no data model"},
		{"tstats over an add-on sourcetype", `
id: r
logsource: {category: ps_script, product: windows}
detection: {sel: {ScriptBlockText|contains: hooks.slack.com}, condition: sel}`, target.Options{Variant: splunk.VariantTstats}, "the tstats variant", `profile "cim" has no data model for log source category=ps_script,product=windows`},
		{"source with neither a data model nor a search prefix", `
id: r
logsource: {category: clipboard_capture, product: macos}
detection: {sel: {TargetObject|endswith: '\Run\x'}, condition: sel}`, target.Options{Overrides: &mapping.Profile{Sources: []*mapping.Source{{
			LogSource: rule.LogSource{Category: "clipboard_capture", Product: "macos"},
			Fields:    map[string]mapping.Field{"TargetObject": {Names: []string{"registry_path"}}},
		}}}}, "log source category=clipboard_capture,product=macos", `profile "cim" gives it no datamodel, search_prefix, index or sourcetype`},
		// Only Windows rules read Sysmon's event 1: a rule of no product
		// or of Linux reads the data model, which has no Description.
		{"process field of Sysmon only, no product", `
id: r
logsource: {category: process_creation}
detection: {sel: {Description: 7-Zip Console}, condition: sel}`, target.Options{}, `field "Description"`, "no mapping for this field"},
		{"process field of Sysmon only, Linux", `
id: r
logsource: {category: process_creation, product: linux}
detection: {sel: {LogonId: 0}, condition: sel}`, target.Options{}, `field "LogonId"`, "no mapping for this field"},
		{"process field of neither Windows source", `
id: r
logsource: {category: process_creation, product: windows}
detection: {sel: {Description: x, NoSuchField: y}, condition: sel}`, target.Options{}, `field "Description"`,
			`Endpoint.Processes (data model): no mapping for this field (add one in a mapping file: see docs/mappings.md); Sysmon event 1 (add-on): field "NoSuchField": no mapping`},
		{"tstats over the Sysmon alternative", `
id: r
logsource: {category: process_creation, product: windows}
detection: {sel: {Description: 7-Zip Console}, condition: sel}`, target.Options{Variant: splunk.VariantTstats}, "the tstats variant", "from Sysmon event 1 (add-on), which has no data model (the profile's earlier sources for it cannot express the rule)"},
		{"sub-second window", `
id: r
logsource: {category: proxy}
timeframe: 1500ms
detection: {sel: {c-uri: x}, condition: sel | count() > 1}`, target.Options{Profile: "raw"}, "window 1.5s", "whole seconds"},
		{"group-by name stats cannot write", `
id: r
logsource: {category: proxy}
timeframe: 5m
detection: {sel: {c-uri: x}, condition: sel | count() by src_ip > 1}`, target.Options{Profile: "raw", Overrides: &mapping.Profile{Fields: map[string]mapping.Field{"src_ip": {Names: []string{"src ip"}}}}}, `group-by field "src_ip"`, "stats cannot name"},
		{"field name with a quote", `
id: r
logsource: {category: proxy}
detection: {sel: {c-uri: x}, condition: sel}`, target.Options{Profile: "raw", Overrides: &mapping.Profile{Fields: map[string]mapping.Field{"c-uri": {Names: []string{"it's"}}}}}, `field "c-uri" (mapped to "it's")`, "SPL cannot quote"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRule(t, tt.doc)
			_, err := b.Compile(testutil.Checked(t, r), tt.opts)
			require.Error(t, err)
			var te *target.Refusal
			require.True(t, errors.As(err, &te), "not a refusal: %v", err)
			assert.Equal(t, "splunk", te.Target)
			assert.Equal(t, "r", te.RuleID)
			assert.Contains(t, te.Construct, tt.construct)
			assert.Contains(t, te.Reason, tt.reason)
			assert.Contains(t, err.Error(), "rule r: splunk/")
		})
	}
}

func TestOptionsAndProfiles(t *testing.T) {
	b := splunk.New()
	assert.Equal(t, "splunk", b.Name())
	assert.Equal(t, []string{"cim", "raw"}, b.Profiles())
	assert.Equal(t, []string{"spl"}, b.Langs())
	r := testRule(t, `
id: r
logsource: {category: proxy}
detection: {sel: {cs-host: hooks.slack.com}, condition: sel}`)
	for _, opts := range []target.Options{{Profile: "ecs"}, {Lang: "kql"}, {Variant: "pivot"}} {
		_, err := b.Compile(testutil.Checked(t, r), opts)
		require.Error(t, err)
		var te *target.Refusal
		assert.False(t, errors.As(err, &te), "a usage error is not a refusal")
	}

	// A user's mapping file overrides a field and scopes the raw profile.
	over, err := mapping.Parse("mine.yml", []byte(`
name: mine
sources:
  - logsource: {}
    attrs: {search_prefix: "index=proxy sourcetype=zscaler:nss"}
fields:
  cs-host: dest_host
`), splunkSchema())
	require.NoError(t, err)
	q, err := b.Compile(testutil.Checked(t, r), target.Options{Profile: "raw", Overrides: over})
	require.NoError(t, err)
	assert.Equal(t, `index=proxy sourcetype=zscaler:nss dest_host="hooks.slack.com"`, q.Text)
	assert.Equal(t, "raw", q.Profile)
	assert.Equal(t, "spl", q.Lang)

	q, err = b.Compile(testutil.Checked(t, r), target.Options{})
	require.NoError(t, err)
	assert.Equal(t, "| datamodel Web Web search\n| search Web.url_domain=\"hooks.slack.com\" OR Web.dest=\"hooks.slack.com\"", q.Text)
	assert.Equal(t, "Web", q.Source.Attr("datamodel"))
}

// TestAddonSources: the cim profile reads the log sources no data model
// carries from their add-on's events, selected by the source's
// search_prefix, with the add-on's field names; the risk object is a field
// of those events.
func TestAddonSources(t *testing.T) {
	b := splunk.New()
	tests := []struct {
		doc, want, risk string
	}{
		{`
id: r
logsource: {category: ps_script, product: windows}
detection: {sel: {ScriptBlockText|contains: '://discord.com/api/webhooks/'}, condition: sel}`,
			`(source="XmlWinEventLog:Microsoft-Windows-PowerShell/Operational" OR source="XmlWinEventLog:PowerShellCore/Operational") EventCode=4104 ScriptBlockText="*://discord.com/api/webhooks/*"`, "Computer"},
		{`
id: r
logsource: {category: network_connection, product: windows}
detection: {sel: {Image|endswith: '\powershell.exe', DestinationHostname|endswith: .slack.com}, condition: sel}`,
			`source="XmlWinEventLog:Microsoft-Windows-Sysmon/Operational" EventCode=3 Image="*\\powershell.exe" DestinationHostname="*.slack.com"`, "Computer"},
		{`
id: r
logsource: {category: dns_query, product: windows}
detection: {sel: {QueryName: webhook.site}, filter: {Image|endswith: '\chrome.exe'}, condition: sel and not filter}`,
			`source="XmlWinEventLog:Microsoft-Windows-Sysmon/Operational" EventCode=22 QueryName="webhook.site" NOT Image="*\\chrome.exe"`, "Computer"},
		{`
id: r
logsource: {product: github, service: audit}
detection: {sel: {action: hook.create}, filter: {config.url|startswith: 'https://ci.corp.example/'}, condition: sel and not filter}`,
			`(sourcetype="github:cloud:audit" OR sourcetype="github:enterprise:audit") action="hook.create" NOT config.url="https://ci.corp.example/*"`, "actor"},
		// Windows process creation: the data model while it has every
		// field the rule reads, as for a rule of any OS ...
		{`
id: r
logsource: {category: process_creation, product: windows}
detection: {sel: {Image|endswith: '\7z.exe', IntegrityLevel: High}, condition: sel}`,
			"| datamodel Endpoint Processes search\n| search Processes.process_path=\"*\\\\7z.exe\" Processes.process_integrity_level=\"High\"", "Processes.dest"},
		// ... else Sysmon's event 1 (Description is no data model field).
		{`
id: r
logsource: {category: process_creation, product: windows}
detection: {sel: {Image|endswith: '\7z.exe', Description: 7-Zip Console}, condition: sel}`,
			`source="XmlWinEventLog:Microsoft-Windows-Sysmon/Operational" EventCode=1 Image="*\\7z.exe" Description="7-Zip Console"`, "Computer"},
		// A dns_query rule of another product keeps the data model.
		{`
id: r
logsource: {category: dns_query}
detection: {sel: {QueryName: webhook.site}, condition: sel}`,
			"| datamodel Network_Resolution DNS search\n| search DNS.query=\"webhook.site\"", "DNS.src"},
	}
	for _, tt := range tests {
		r := testRule(t, tt.doc)
		t.Run(r.LogSource.Category+r.LogSource.Product, func(t *testing.T) {
			q, err := b.Compile(testutil.Checked(t, r), target.Options{})
			require.NoError(t, err)
			assert.Equal(t, tt.want, q.Text)
			assert.Equal(t, tt.risk, q.Source.Attr("risk_object"))
			_, err = parseSPL(q.Text)
			require.NoError(t, err, "the SPL reader cannot read it")
		})
	}
}

// Every value a rule can hold stays inside its quotes: each emitted search
// has only the commands of the form chosen, and each quoted search value
// reads back as the rule's literal.
func TestNoInjection(t *testing.T) {
	b := splunk.New()
	for _, v := range []string{`x" | delete`, `x\" | delete`, `x\\" | delete`, "a`delete`b", "x\n| delete", `"`, `\`, `x) OR (y`, `[| delete]`} {
		r := literalRule(t, "c-uri", nil, v)
		q, err := b.Compile(testutil.Checked(t, r), target.Options{Profile: "raw"})
		require.NoError(t, err)
		p, err := parseSPL(q.Text)
		require.NoError(t, err, q.Text)
		assert.NotContains(t, p.names, "delete", q.Text)
		assert.NotContains(t, q.Text, "`", "backticks expand macros")
		for _, term := range searchValues(t, q.Text) {
			assert.Equal(t, v, term, q.Text)
		}
	}
}

// splunkSchema is the attribute schema the Splunk backend registers.
func splunkSchema() mapping.Schema {
	s, _ := mapping.SchemaFor(splunk.Name)
	return s
}

// TestWindowsProcessOverrides: a mapping file's process_creation source
// for Windows replaces both built-in alternatives (Sysmon's event 1 is no
// longer read); one of no product changes the rules of no product only.
func TestWindowsProcessOverrides(t *testing.T) {
	b := splunk.New()
	parse := func(doc string) *mapping.Profile {
		p, err := mapping.Parse("mine.yml", []byte(doc), splunkSchema())
		require.NoError(t, err)
		return p
	}
	windows := parse(`
name: mine
sources:
  - logsource: {category: process_creation, product: windows}
    attrs: {datamodel: "", search_prefix: "index=edr sourcetype=edr:process"}
    fields: {Image: image_path}
`)
	anyOS := parse(`
name: mine
sources:
  - logsource: {category: process_creation}
    attrs: {datamodel: "", search_prefix: "index=edr sourcetype=edr:process"}
    fields: {Image: image_path}
`)
	win := func(sel string) *rule.Rule {
		return testRule(t, "id: r\nlogsource: {category: process_creation, product: windows}\ndetection: {sel: "+sel+", condition: sel}")
	}
	noProduct := testRule(t, `
id: r
logsource: {category: process_creation}
detection: {sel: {Image|endswith: '\7z.exe'}, condition: sel}`)

	q, err := b.Compile(testutil.Checked(t, win(`{Image|endswith: '\7z.exe'}`)), target.Options{Overrides: windows})
	require.NoError(t, err)
	assert.Equal(t, `index=edr sourcetype=edr:process image_path="*\\7z.exe"`, q.Text)
	_, err = b.Compile(testutil.Checked(t, win(`{Description: 7-Zip Console}`)), target.Options{Overrides: windows})
	require.Error(t, err, "the user's Windows source replaces Sysmon's event 1")
	assert.Contains(t, err.Error(), `field "Description"`)
	q, err = b.Compile(testutil.Checked(t, noProduct), target.Options{Overrides: windows})
	require.NoError(t, err)
	assert.Equal(t, "| datamodel Endpoint Processes search\n| search Processes.process_path=\"*\\\\7z.exe\"", q.Text)

	q, err = b.Compile(testutil.Checked(t, noProduct), target.Options{Overrides: anyOS})
	require.NoError(t, err)
	assert.Equal(t, `index=edr sourcetype=edr:process image_path="*\\7z.exe"`, q.Text)
	q, err = b.Compile(testutil.Checked(t, win(`{Image|endswith: '\7z.exe'}`)), target.Options{Overrides: anyOS})
	require.NoError(t, err)
	assert.Equal(t, "| datamodel Endpoint Processes search\n| search Processes.process_path=\"*\\\\7z.exe\"", q.Text)
}
