package splunk_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/splunk"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil"
)

func deployables(t *testing.T, opts target.Options, docs ...string) []target.Deployable {
	t.Helper()
	b := splunk.New()
	var ds []target.Deployable
	for i, doc := range docs {
		r := testRule(t, doc)
		q, err := b.Compile(testutil.Checked(t, r), opts)
		require.NoError(t, err, r.ID)
		runbook := ""
		if i == 0 {
			runbook = "## Triage\n\n1. Who sent it? Check `src_ip` against the asset list.\n2. Was it \"normal\"? C:\\Users\\ paths are suspicious.\n"
		}
		// The second rule is deployed disabled, as the project's
		// enablement policy decides for, e.g., experimental rules.
		ds = append(ds, target.Deployable{Query: q, Runbook: runbook, Version: "v" + r.ID, Enabled: i != 1})
	}
	return ds
}

var packageRules = []string{`
id: 6f4e-webhook
title: Outbound POST to a chat webhook
description: |
  A client posted data to a Slack, Discord or Teams webhook.
  Exfiltration over webhooks (T1567.004) looks like this.
level: high
techniques: [T1567, T1567.004]
logsource: {category: proxy}
detection:
  sel: {cs-host|endswith: [.slack.com, discord.com], cs-method: POST}
  condition: sel
`, `
id: 9a1b-volume
title: Many webhook posts from one host
level: medium
techniques: [T1567.004]
logsource: {category: proxy}
timeframe: 15m
detection:
  sel: {cs-host|endswith: .slack.com}
  condition: sel | count() by src_ip > 20
`, `
id: 0c3d-pivot
title: All webhook traffic of a host
tags: [detc.pivot]
logsource: {category: proxy}
detection:
  sel: {cs-host|endswith: .slack.com}
  condition: sel
`, `
id: 7e7e-dup-a
title: Same [title]
description: "ends with a backslash \\"
logsource: {category: dns}
detection:
  sel: {query: webhook.site}
  condition: sel
`, `
id: 7e7e-dup-b
title: Same [title]
logsource: {category: dns}
detection:
  sel: {query: hooks.slack.com}
  condition: sel
`}

func TestPackageGolden(t *testing.T) {
	b := splunk.New()
	arts, refusals, err := b.Package(deployables(t, target.Options{}, packageRules...), target.Options{})
	require.NoError(t, err)
	require.Empty(t, refusals)
	require.Len(t, arts, 3)
	for _, a := range arts {
		assert.True(t, strings.HasPrefix(a.Path, splunk.AppID+"/"), a.Path)
		testutil.Golden(t, "app/"+a.Path, a.Data)
	}
	conf := string(arts[1].Data)
	assert.NotContains(t, conf, "All webhook traffic", "pivots are not deployed")
	assert.Contains(t, conf, "[detc - Same (title) (7e7e-dup-a) - Rule]")

	// Deterministic whatever the input order.
	ds := deployables(t, target.Options{}, packageRules...)
	for i, j := 0, len(ds)-1; i < j; i, j = i+1, j-1 {
		ds[i], ds[j] = ds[j], ds[i]
	}
	again, refusals, err := b.Package(ds, target.Options{})
	require.NoError(t, err)
	require.Empty(t, refusals)
	assert.Equal(t, arts, again)
}

// readConf parses a .conf file the way Splunk does: [stanza] lines,
// key = value lines, a backslash at the end of a line continues the value
// on the next line with the line break kept, # starts a comment line.
func readConf(t *testing.T, data string) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	var cur map[string]string
	lines := strings.Split(data, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			require.True(t, strings.HasSuffix(line, "]"), "line %d: %q", i+1, line)
			cur = map[string]string{}
			out[line[1:len(line)-1]] = cur
		default:
			k, v, ok := strings.Cut(line, " = ")
			require.True(t, ok, "line %d: %q", i+1, line)
			for strings.HasSuffix(v, `\`) {
				i++
				require.Less(t, i, len(lines), "continuation past the end")
				v = v[:len(v)-1] + "\n" + lines[i]
			}
			require.NotNil(t, cur, "a key outside a stanza")
			cur[k] = v
		}
	}
	return out
}

// The conf file reads back to the queries and the keys Enterprise Security
// needs, and the search still parses.
func TestPackageReadsBack(t *testing.T) {
	b := splunk.New()
	ds := deployables(t, target.Options{}, packageRules...)
	arts, refusals, err := b.Package(ds, target.Options{})
	require.NoError(t, err)
	require.Empty(t, refusals)
	conf := readConf(t, string(arts[1].Data))
	require.Len(t, conf, 4)
	s := conf["detc - Outbound POST to a chat webhook - Rule"]
	require.NotNil(t, s)
	// Over a data model the scheduled search reads the accelerated
	// summaries (tstats); detc compile's query stays | datamodel.
	require.True(t, strings.HasPrefix(ds[0].Query.Text, "| datamodel Web Web search"), ds[0].Query.Text)
	tstats, err := b.Compile(ds[0].Query.Rule, target.Options{Variant: splunk.VariantTstats})
	require.NoError(t, err)
	assert.Equal(t, tstats.Text, s["search"])
	assert.True(t, strings.HasPrefix(s["search"], "| tstats summariesonly=true "), s["search"])
	_, err = parseSPL(s["search"])
	require.NoError(t, err)
	for _, k := range []string{"search", "enableSched", "cron_schedule", "dispatch.earliest_time", "dispatch.latest_time",
		"action.correlationsearch.enabled", "action.correlationsearch.label", "action.correlationsearch.annotations",
		"action.notable.param.rule_title", "action.notable.param.rule_description", "action.notable.param.security_domain",
		"action.notable.param.severity", "action.notable.param.next_steps", "action.risk", "action.risk.param._risk",
		"alert.suppress", "alert.suppress.fields", "alert.suppress.period"} {
		assert.Contains(t, s, k)
	}
	assert.Equal(t, `{"mitre_attack":["T1567","T1567.004"]}`, s["action.correlationsearch.annotations"])
	assert.Equal(t, "high", s["action.notable.param.severity"])
	assert.Equal(t, "network", s["action.notable.param.security_domain"])
	assert.Equal(t, "A client posted data to a Slack, Discord or Teams webhook.\nExfiltration over webhooks (T1567.004) looks like this.", s["description"])
	assert.Contains(t, s["action.notable.param.next_steps"], `"data":"## Triage\n\n1. Who sent it?`)
	assert.Equal(t, `[{"risk_object_field":"Web.src","risk_object_type":"system","risk_score":75}]`, s["action.risk.param._risk"])

	agg := conf["detc - Many webhook posts from one host - Rule"]
	assert.Equal(t, "Web.src", agg["alert.suppress.fields"])
	assert.Equal(t, "900s", agg["alert.suppress.period"])
	assert.Equal(t, "-35m@m", agg["dispatch.earliest_time"])
	assert.NotContains(t, agg, "action.notable.param.next_steps")

	dup := conf["detc - Same (title) (7e7e-dup-a) - Rule"]
	assert.Equal(t, "ends with a backslash \\ ", dup["description"])
}

func TestPackageErrors(t *testing.T) {
	b := splunk.New()
	_, _, err := b.Package([]target.Deployable{{}}, target.Options{})
	assert.ErrorContains(t, err, "no compiled query")
	_, _, err = b.Package(nil, target.Options{Profile: "nope"})
	assert.EqualError(t, err, `target splunk has no profile "nope" (profiles: cim, raw)`)

}

// Two rules whose titles and ids both collide cannot get distinct saved
// search names: the second is refused, the first deployed.
func TestPackageRefusesCollidingName(t *testing.T) {
	r := &rule.Rule{ID: "same", Title: "T", Level: "low", LogSource: rule.LogSource{Category: "dns"}, Pos: rule.Pos{File: "a.yml", Line: 1, Col: 1}}
	q := &target.Query{Rule: &check.Rule{Rule: r}, Text: "*"} // packaging reads metadata only
	arts, refusals, err := splunk.New().Package([]target.Deployable{{Query: q}, {Query: q}}, target.Options{})
	require.NoError(t, err)
	require.Len(t, refusals, 1)
	assert.Equal(t, "a.yml:1:1: rule same: splunk/cim cannot express its saved search name: \"detc - T (same) - Rule\" is already rule same's: give the rules distinct titles or ids", refusals[0].Error())
	conf := readConf(t, string(arts[1].Data))
	assert.Len(t, conf, 1)
	assert.Contains(t, conf, "detc - T (same) - Rule")
}

// A group-by field mapped to several fields is grouped by the field the
// search derives for it, and alerts are suppressed and risk-scored on that.
func TestPackageDerivedKey(t *testing.T) {
	b := splunk.New()
	ds := deployables(t, target.Options{}, `
id: by-host
title: Posts per webhook host
level: low
logsource: {category: proxy}
timeframe: 1h
detection:
  sel: {cs-method: POST}
  condition: sel | count() by cs-host > 10
`)
	require.Contains(t, ds[0].Query.Text, "| eval cs_host=coalesce('Web.url_domain', 'Web.dest')\n")
	arts, refusals, err := b.Package(ds, target.Options{})
	require.NoError(t, err)
	require.Empty(t, refusals)
	s := readConf(t, string(arts[1].Data))["detc - Posts per webhook host - Rule"]
	require.NotNil(t, s)
	assert.Equal(t, "cs_host", s["alert.suppress.fields"])
	assert.Contains(t, s["action.risk.param._risk"], `"risk_object_field":"cs_host"`)
}

func TestPackageAppIdentity(t *testing.T) {
	b := splunk.New()
	ds := deployables(t, target.Options{}, packageRules...)
	arts, refusals, err := b.Package(ds, target.Options{App: target.App{Name: "acme_soc", Author: "ACME SOC", Version: "2.4.1"}})
	require.NoError(t, err)
	require.Empty(t, refusals)
	require.Len(t, arts, 3)
	assert.Equal(t, "acme_soc/default/app.conf", arts[0].Path)
	conf := string(arts[0].Data)
	for _, want := range []string{"id = acme_soc\n", "author = ACME SOC\n", "version = 2.4.1\n", "label = acme_soc\n"} {
		assert.Contains(t, conf, want)
	}

	// The default version follows the searches: a changed search is a new
	// version, so Splunk sees an upgrade.
	version := func(ds []target.Deployable) string {
		arts, refusals, err := b.Package(ds, target.Options{})
		require.NoError(t, err)
		require.Empty(t, refusals)
		m := regexp.MustCompile(`(?m)^version = (.*)$`).FindStringSubmatch(string(arts[0].Data))
		require.NotNil(t, m)
		return m[1]
	}
	v1 := version(ds)
	assert.Regexp(t, `^1\.\d+\.\d+$`, v1)
	assert.Equal(t, v1, version(deployables(t, target.Options{}, packageRules...)))
	ds[0].Enabled = !ds[0].Enabled
	assert.NotEqual(t, v1, version(ds))

	for _, app := range []target.App{{Name: "../escape"}, {Name: "1app"}, {Version: "latest"}} {
		_, _, err := b.Package(ds, target.Options{App: app})
		assert.Error(t, err, "%+v", app)
	}
}

func TestIndexAndSourcetype(t *testing.T) {
	override, err := mapping.Parse("m.yml", []byte(`
sources:
  - logsource: {category: proxy}
    attrs: {index: "proxy, proxy_eu", sourcetype: "squid:access"}
`), splunkSchema())
	require.NoError(t, err)
	r := testutil.Checked(t, testRule(t, packageRules[0]))
	q, err := splunk.New().Compile(r, target.Options{Overrides: override})
	require.NoError(t, err)
	assert.Contains(t, q.Text, `| search (index="proxy" OR index="proxy_eu") sourcetype="squid:access" `)
	q, err = splunk.New().Compile(r, target.Options{Overrides: override, Variant: splunk.VariantTstats})
	require.NoError(t, err)
	assert.Contains(t, q.Text, `from datamodel=Web where (index="proxy" OR index="proxy_eu") sourcetype="squid:access" `)
}
