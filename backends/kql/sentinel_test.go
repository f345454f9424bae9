package kql_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/detc/detc/backends/kql"
	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil"
)

// deployables compiles rules for a profile, skipping refusals.
func deployables(t testing.TB, rules []*rule.Rule, opts target.Options) []target.Deployable {
	t.Helper()
	var ds []target.Deployable
	for _, r := range rules {
		q, err := kql.New().Compile(testutil.Checked(t, r), opts)
		if err != nil {
			var te *target.Refusal
			require.ErrorAs(t, err, &te)
			continue
		}
		ds = append(ds, target.Deployable{Query: q, Version: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Enabled: true})
	}
	return ds
}

// TestPackageGolden writes the test rules as Sentinel YAML and ARM for
// the ASIM and raw profiles; the files are golden, they read back as YAML
// and JSON with the repository's required keys, and their queries (with
// the entity columns the packaging adds) parse cleanly.
func TestPackageGolden(t *testing.T) {
	rules := loadRules(t, filepath.Join("testdata", "rules"))
	check := newChecker(t)
	for _, p := range []string{"sentinel-asim", "raw"} {
		opts := target.Options{Profile: p}
		ds := deployables(t, rules, opts)
		arts, refusals, err := kql.New().Package(ds, opts)
		require.NoError(t, err)
		require.Empty(t, refusals)
		require.Len(t, arts, len(ds)+1)
		for i, a := range arts {
			testutil.Golden(t, filepath.Join("package", p, a.Path), a.Data)
			if a.Path == kql.ARMFile {
				assertARM(t, a.Data, len(ds))
				continue
			}
			doc := assertYAML(t, a.Data)
			check.add(t, p+" "+a.Path, ds[i].Query, doc["query"].(string), nil)
			assert.Equal(t, kql.RuleGUID(p, ds[i].Query.Rule.ID), doc["id"])
		}
	}
	check.requireClean(t)
}

// TestPackageContent packages the content pack (detections/) for every
// profile: every rule that compiles packages within Sentinel's limits,
// and every packaged query parses cleanly.
func TestPackageContent(t *testing.T) {
	set, diags := load.Paths([]string{filepath.Join(testutil.RepoRoot(t), "detections")})
	require.False(t, diags.HasErrors(), "%v", diags)
	require.NotEmpty(t, set.Rules)
	check := newChecker(t)
	packaged := 0
	for _, p := range kql.New().Profiles() {
		opts := target.Options{Profile: p}
		ds := deployables(t, set.Rules, opts)
		arts, refusals, err := kql.New().Package(ds, opts)
		require.NoError(t, err, p)
		require.Empty(t, refusals)
		for i, a := range arts {
			switch {
			case a.Path == kql.ARMFile:
				assertARM(t, a.Data, len(ds))
				continue
			case strings.HasPrefix(a.Path, kql.PlaybookDir+"/"):
				continue // response_test.go validates the playbooks
			}
			doc := assertYAML(t, a.Data)
			check.add(t, p+" "+a.Path, ds[i].Query, doc["query"].(string), nil)
			packaged++
		}
	}
	require.NotZero(t, packaged)
	check.requireClean(t)
}

func assertYAML(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var doc map[string]any
	require.NoError(t, yaml.Unmarshal(data, &doc))
	for _, k := range []string{"id", "name", "description", "severity", "requiredDataConnectors", "queryFrequency", "queryPeriod", "triggerOperator", "triggerThreshold", "tactics", "relevantTechniques", "query", "version", "kind"} {
		assert.Contains(t, doc, k)
	}
	assert.Equal(t, "Scheduled", doc["kind"])
	assert.LessOrEqual(t, len(doc["query"].(string)), kql.MaxQueryLength)
	return doc
}

func assertARM(t *testing.T, data []byte, n int) {
	t.Helper()
	var tmpl struct {
		Resources []struct {
			Type       string         `json:"type"`
			Name       string         `json:"name"`
			Kind       string         `json:"kind"`
			Properties map[string]any `json:"properties"`
		} `json:"resources"`
	}
	require.NoError(t, json.Unmarshal(data, &tmpl))
	rules := 0
	for _, r := range tmpl.Resources {
		if r.Type == "Microsoft.SecurityInsights/automationRules" {
			continue // response_test.go validates them
		}
		rules++
		assert.Equal(t, "Microsoft.SecurityInsights/alertRules", r.Type)
		assert.Equal(t, "Scheduled", r.Kind)
		assert.True(t, strings.HasPrefix(r.Properties["queryFrequency"].(string), "P"))
	}
	assert.Equal(t, n, rules)
}

// overrides lays attrs over the proxy source of the ASIM profile.
func overrides(t testing.TB, attrs string) *mapping.Profile {
	t.Helper()
	p, err := mapping.Parse("override.yml", []byte("name: sentinel-asim\nsources:\n  - logsource: {category: proxy}\n    attrs: {"+attrs+"}\n"), kqlSchema())
	require.NoError(t, err)
	return p
}

// TestPackageLimits: a profile setting or rule the Sentinel validation
// would reject is an error naming the rule and the limit.
func TestPackageLimits(t *testing.T) {
	proxy := rule.LogSource{Category: "proxy"}
	tests := []struct {
		name  string
		attrs string
		r     func(*rule.Rule)
		field field
		want  string
	}{
		{"frequency too short", "frequency: 1m", nil, field{"c-uri", nil, []any{"x"}}, "queryFrequency PT1M is outside 5m to 14d"},
		{"period too long", "period: 15d", nil, field{"c-uri", nil, []any{"x"}}, "queryPeriod P15D is outside 5m to 14d"},
		{"period below frequency", "frequency: 2h, period: 1h", nil, field{"c-uri", nil, []any{"x"}}, "queryPeriod PT1H is shorter than queryFrequency PT2H"},
		{"long period, fast runs", "frequency: 30m, period: 3d", nil, field{"c-uri", nil, []any{"x"}}, "a queryPeriod of 2 days or more needs a queryFrequency of at least 1 hour"},
		{"bad duration", "frequency: soon", nil, field{"c-uri", nil, []any{"x"}}, `attrs.frequency: "soon" is not a duration`},
		{"six entities", `entities: "IP:Address=SrcIpAddr; IP:Address=DstIpAddr; URL:Url=Url; Host:HostName=DvcHostname; Account:Name=SrcUsername; DNS:DomainName=DstFQDN"`, nil, field{"c-uri", nil, []any{"x"}}, "6 entity mappings; Sentinel accepts at most 5"},
		{"four fields", `entities: "Account:Name=SrcUsername,NTDomain=SrcDomain,Sid=SrcUserId,UPNSuffix=DstDomain"`, nil, field{"c-uri", nil, []any{"x"}}, "entity Account has 4 field mappings; Sentinel accepts 1 to 3"},
		{"unknown identifier", `entities: "IP:Name=SrcIpAddr"`, nil, field{"c-uri", nil, []any{"x"}}, `entity IP has no identifier "Name"`},
		{"missing required identifier", `entities: "Account:NTDomain=SrcDomain"`, nil, field{"c-uri", nil, []any{"x"}}, "entity Account needs one of the identifier sets"},
		{"unknown entity type", `entities: "Mailbox:Upn=SrcUsername"`, nil, field{"c-uri", nil, []any{"x"}}, `entity type "Mailbox" is not one detc maps`},
		{"bad entities syntax", `entities: "IP"`, nil, field{"c-uri", nil, []any{"x"}}, `attrs.entities item "IP" is not Type:Identifier=Column`},
		{"no level", "", func(r *rule.Rule) { r.Level = "" }, field{"c-uri", nil, []any{"x"}}, `level "" has no Sentinel severity`},
		{"unknown tactic", "", func(r *rule.Rule) { r.Attack.Tactics = []string{"TA9999"} }, field{"c-uri", nil, []any{"x"}}, `unknown ATT&CK tactic "TA9999"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRule(t, proxy, false, tt.field)
			if tt.r != nil {
				tt.r(r)
			}
			opts := target.Options{Profile: "sentinel-asim"}
			if tt.attrs != "" {
				opts.Overrides = overrides(t, tt.attrs)
			}
			q, err := kql.New().Compile(testutil.Checked(t, r), opts)
			require.NoError(t, err)
			_, refusals, err := kql.New().Package([]target.Deployable{{Query: q}}, opts)
			require.Error(t, err)
			assert.Empty(t, refusals)
			assert.Contains(t, err.Error(), "test.yml:3:5: rule t1: Sentinel analytics rule: ")
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestPackageRefusals: a rule beyond a limit of Sentinel's analytics
// rules (its query's length, its title's, the schedule its window needs)
// is refused with the reason, and the other rules are still packaged.
func TestPackageRefusals(t *testing.T) {
	proxy := rule.LogSource{Category: "proxy"}
	long := make([]any, 700)
	for i := range long {
		long[i] = "value-number-" + strings.Repeat("x", 4) + string(rune('a'+i%26))
	}
	tests := []struct {
		name  string
		r     func(*rule.Rule)
		field field
		want  string
	}{
		{"query too long", nil, field{"c-uri", []string{"contains"}, long},
			"test.yml:3:5: rule t1: kql/sentinel-asim cannot express its query in a scheduled analytics rule: the query is 32184 characters; Sentinel takes at most 10000: split the rule or shorten its value lists"},
		{"long name", func(r *rule.Rule) { r.Title = strings.Repeat("n", 257) }, field{"c-uri", nil, []any{"x"}},
			"test.yml:3:5: rule t1: kql/sentinel-asim cannot express its title as an analytics rule name: it is 257 characters; Sentinel takes at most 256: shorten the title"},
		{"window beyond the lookback", func(r *rule.Rule) {
			r.Aggregation = &rule.Aggregation{Func: rule.AggCount, Op: rule.CmpGt, Threshold: 5, Window: 8 * 24 * time.Hour, Pos: r.Pos}
		}, field{"c-uri", nil, []any{"x"}},
			"test.yml:3:5: rule t1: kql/sentinel-asim cannot express its aggregation window in a scheduled analytics rule: the window needs a schedule Sentinel does not run: queryPeriod P16D is outside 5m to 14d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRule(t, proxy, false, tt.field)
			if tt.r != nil {
				tt.r(r)
			}
			other := testRule(t, proxy, false, field{"c-uri", nil, []any{"y"}})
			other.ID = "t2"
			opts := target.Options{Profile: "sentinel-asim"}
			ds := deployables(t, []*rule.Rule{r, other}, opts)
			require.Len(t, ds, 2)
			arts, refusals, err := kql.New().Package(ds, opts)
			require.NoError(t, err)
			require.Len(t, refusals, 1)
			assert.Equal(t, tt.want, refusals[0].Error())
			assert.Equal(t, "t1", refusals[0].RuleID)
			require.Len(t, arts, 2, "the other rule and the ARM template")
			assert.Equal(t, kql.AnalyticsDir+"/t2.yaml", arts[0].Path)
			assert.Equal(t, 1, strings.Count(string(arts[1].Data), `"kind": "Scheduled"`))
		})
	}
}

// TestPackageRefusesCollidingFile: two rule ids that make one file name
// cannot both have a file: the second rule is refused.
func TestPackageRefusesCollidingFile(t *testing.T) {
	one := testRule(t, rule.LogSource{Category: "proxy"}, false, field{"c-uri", nil, []any{"x"}})
	two := testRule(t, rule.LogSource{Category: "proxy"}, false, field{"c-uri", nil, []any{"y"}})
	one.ID, two.ID = "web hook", "web_hook"
	opts := target.Options{Profile: "sentinel-asim"}
	arts, refusals, err := kql.New().Package(deployables(t, []*rule.Rule{one, two}, opts), opts)
	require.NoError(t, err)
	require.Len(t, refusals, 1)
	assert.Equal(t, "test.yml:3:5: rule web_hook: kql/sentinel-asim cannot express its analytics rule file: analytics-rules/web_hook.yaml is already rule web hook's (both ids make one file name): give the rules ids that differ in letters or digits", refusals[0].Error())
	require.Len(t, arts, 2)
	assert.Equal(t, kql.AnalyticsDir+"/web_hook.yaml", arts[0].Path)
}

// TestPackageNonASCII: titles and descriptions in any language are kept,
// written as escapes, so that the files are ASCII (the Azure-Sentinel
// repository's NonAsciiValidations) and read back as the same text.
func TestPackageNonASCII(t *testing.T) {
	r := testRule(t, rule.LogSource{Category: "proxy"}, false, field{"c-uri", nil, []any{"x"}})
	r.Title = "Webhook \u2013 upload \U0001F600"
	r.Description = "Größer als \u2248 100 Anfragen.\nZweite Zeile."
	opts := target.Options{Profile: "sentinel-asim"}
	ds := deployables(t, []*rule.Rule{r}, opts)
	arts, refusals, err := kql.New().Package(ds, opts)
	require.NoError(t, err)
	require.Empty(t, refusals)
	require.Len(t, arts, 2)
	for _, a := range arts {
		for i, c := range a.Data {
			require.Less(t, c, byte(0x80), "%s: byte %d is not ASCII", a.Path, i)
		}
	}
	assert.Contains(t, string(arts[0].Data), `name: "Webhook \u2013 upload \U0001F600"`)
	doc := assertYAML(t, arts[0].Data)
	assert.Equal(t, r.Title, doc["name"])
	assert.True(t, strings.HasPrefix(doc["description"].(string), r.Description+"\n\n"), doc["description"])

	assert.Contains(t, string(arts[1].Data), `"displayName": "Webhook \u2013 upload \uD83D\uDE00"`)
	var arm struct {
		Resources []struct {
			Properties struct{ DisplayName, Description string }
		}
	}
	require.NoError(t, json.Unmarshal(arts[1].Data, &arm))
	assert.Equal(t, r.Title, arm.Resources[0].Properties.DisplayName)
	assert.True(t, strings.HasPrefix(arm.Resources[0].Properties.Description, r.Description+"\n\n"))
}

// TestAnalyticsRuleFields checks what the YAML carries: severity, ATT&CK
// names (a technique brings its tactic), schedule of an aggregation,
// connectors, description with the runbook summary and the cut at 5000.
func TestAnalyticsRuleFields(t *testing.T) {
	r := testRule(t, rule.LogSource{Category: "proxy"}, false, field{"cs-host", nil, []any{"hooks.slack.com"}})
	r.Level = "critical"
	r.Description = strings.Repeat("word ", 1100)
	r.Attack = rule.Attack{Tactics: []string{"command-and-control"}, Techniques: []string{"T1567.004", "T1071.001"}}
	r.Runbook = &rule.Runbook{Summary: "Find the process that posted."}
	r.Aggregation = &rule.Aggregation{Func: rule.AggCount, GroupBy: []string{"src_ip"}, Window: 90 * time.Minute, Op: rule.CmpGt, Threshold: 5}
	opts := target.Options{Profile: "sentinel-csl"}
	q, err := kql.New().Compile(testutil.Checked(t, r), opts)
	require.NoError(t, err)
	a, err := kql.NewAnalyticsRule(target.Deployable{Query: q, Version: "1.4.2"}, opts)
	require.NoError(t, err)
	assert.Equal(t, "High", a.Severity)
	assert.Equal(t, []string{"CommandAndControl", "Exfiltration"}, a.Tactics)
	assert.Equal(t, []string{"T1567.004", "T1071.001"}, a.RelevantTechniques)
	assert.Equal(t, 90*time.Minute, a.QueryFrequency)
	assert.Equal(t, 180*time.Minute, a.QueryPeriod)
	assert.Equal(t, []kql.DataConnector{{ConnectorID: "CEF", DataTypes: []string{"CommonSecurityLog"}}}, a.RequiredDataConnectors)
	assert.Equal(t, "1.4.2", a.Version)
	assert.LessOrEqual(t, len(a.Description), 5000)
	assert.Greater(t, len(a.Description), 4900)
	assert.True(t, strings.HasSuffix(a.Description, " [...]"), a.Description[4900:])
	// Only the group-by column survives summarize.
	assert.Equal(t, []kql.EntityMapping{{EntityType: "IP", FieldMappings: []kql.FieldMapping{{Identifier: "Address", ColumnName: "SourceIP"}}}}, a.EntityMappings)

	r.Description = "Short."
	a, err = kql.NewAnalyticsRule(target.Deployable{Query: q, Runbook: "# Card\n\nCheck the   upload\nsize."}, opts)
	require.NoError(t, err)
	assert.Equal(t, "Short.\n\nTriage: Find the process that posted.\n\nCompiled by detc from rule t1.", a.Description)
	r.Runbook = nil
	a, err = kql.NewAnalyticsRule(target.Deployable{Query: q, Runbook: "# Card\n\nCheck the   upload\nsize."}, opts)
	require.NoError(t, err)
	assert.Equal(t, "Short.\n\nTriage: Check the upload size.\n\nCompiled by detc from rule t1.", a.Description)
}

// TestRawEntities: a raw table is known to hold only the fields the rule
// reads; a column that is not a plain name gets an alias column.
func TestRawEntities(t *testing.T) {
	r := testRule(t, rule.LogSource{Category: "proxy"}, false, field{"c-uri", []string{"contains"}, []any{"/hooks/"}}, field{"src_ip", nil, []any{"10.1.1.1"}})
	opts := target.Options{Profile: "raw"}
	q, err := kql.New().Compile(testutil.Checked(t, r), opts)
	require.NoError(t, err)
	a, err := kql.NewAnalyticsRule(target.Deployable{Query: q}, opts)
	require.NoError(t, err)
	assert.Equal(t, []kql.EntityMapping{
		{EntityType: "URL", FieldMappings: []kql.FieldMapping{{Identifier: "Url", ColumnName: "EntityURL1"}}},
		{EntityType: "IP", FieldMappings: []kql.FieldMapping{{Identifier: "Address", ColumnName: "src_ip"}}},
	}, a.EntityMappings)
	assert.Equal(t, q.Text+"\n| extend EntityURL1 = ['c-uri']", a.Query)
	assert.Regexp(t, `^1\.\d+\.\d+$`, a.Version)
}

func TestRuleGUID(t *testing.T) {
	// The name-based UUID v5 Python's uuid.uuid5 gives for the same
	// namespace and name.
	assert.Equal(t, "d6382acf-5985-5f8e-b49c-2ff37f52953c", kql.RuleGUID("sentinel-asim", "webhook_discord"))
	assert.NotEqual(t, kql.RuleGUID("sentinel-asim", "x"), kql.RuleGUID("raw", "x"))
}

func TestARMEnabledFollowsTheDeployable(t *testing.T) {
	ds := deployables(t, loadRules(t, filepath.Join("testdata", "rules")), target.Options{})
	require.NotEmpty(t, ds)
	q := ds[0].Query
	for _, enabled := range []bool{true, false} {
		arts, refusals, err := kql.New().Package([]target.Deployable{{Query: q, Enabled: enabled}}, target.Options{})
		require.NoError(t, err)
		require.Empty(t, refusals)
		arm := arts[len(arts)-1]
		require.Equal(t, kql.ARMFile, arm.Path)
		assert.Contains(t, string(arm.Data), fmt.Sprintf(`"enabled": %t,`, enabled))
	}
}

// kqlSchema is the attribute schema the KQL backend registers.
func kqlSchema() mapping.Schema {
	s, _ := mapping.SchemaFor(kql.Name)
	return s
}
