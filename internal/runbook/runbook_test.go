package runbook

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func matcher(t *testing.T, field string, mods []string, vals ...string) *rule.Matcher {
	t.Helper()
	raw := make([]rule.RawValue, len(vals))
	for i, v := range vals {
		raw[i] = rule.RawValue{Kind: rule.RawString, Text: v}
	}
	ms, diags := rule.BuildMatchers(field, mods, raw, rule.Pos{})
	require.False(t, diags.HasErrors(), diags.Error())
	return ms[0]
}

func webhookRule(t *testing.T) *rule.Rule {
	return &rule.Rule{
		ID: "detc-t1567-004-proxy-webhook-post", Name: "proxy_webhook_post", Title: "POST to a webhook URL",
		Description: "A client sent data to a chat or automation webhook.", Level: "high", Status: "experimental",
		FalsePositives: []string{"CI notifiers posting build results to Slack | Teams"},
		Attack:         rule.Attack{Tactics: []string{"TA0010"}, Techniques: []string{"T1567.004"}},
		LogSource:      rule.LogSource{Category: "proxy"},
		Searches: []*rule.Search{
			{Name: "post", Groups: []*rule.Group{{Matchers: []*rule.Matcher{matcher(t, "cs-method", nil, "POST", "PUT")}}}},
			{Name: "discord", Groups: []*rule.Group{{Matchers: []*rule.Matcher{
				matcher(t, "cs-host", []string{"endswith"}, "discord.com", "discordapp.com"),
				matcher(t, "c-uri", []string{"contains"}, "/api/webhooks/"),
			}}}},
		},
		Condition: &rule.And{Terms: []rule.Expr{&rule.SearchRef{Name: "post"}, &rule.SearchRef{Name: "discord"}}},
		Runbook:   &rule.Runbook{Questions: []string{"Is the Discord server owned by the organisation?"}, Replace: []string{"escalation"}, Escalation: []string{"Escalate every Discord webhook upload from a server."}},
	}
}

func volumePivot(t *testing.T) *rule.Rule {
	return &rule.Rule{
		ID: "detc-pivot-volume", Name: "pivot_webhook_volume", Title: "Bytes sent to webhook hosts per source",
		Tags: []string{rule.PivotTag}, LogSource: rule.LogSource{Category: "proxy"},
		Searches:    []*rule.Search{{Name: "hosts", Groups: []*rule.Group{{Matchers: []*rule.Matcher{matcher(t, "cs-host", []string{"endswith"}, "discord.com")}}}}},
		Condition:   &rule.SearchRef{Name: "hosts"},
		Aggregation: &rule.Aggregation{Func: rule.AggSum, Field: "cs-bytes", GroupBy: []string{"src_ip", "cs-host"}, Window: 24 * time.Hour, Op: rule.CmpGte, Threshold: 1},
	}
}

// fakeCompiler stands in for the backends: the runbook must show exactly
// what the compiler gave, so the test checks that each block is one of these.
func fakeCompiler(r *rule.Rule) []Query {
	return []Query{
		{Target: "Splunk", Lang: "spl", Text: "| from datamodel:Web | search rule=" + r.Name},
		{Target: "Microsoft Sentinel", Lang: "kql", Text: "_Im_WebSession\n| where Rule == \"" + r.Name + "\" // ```"},
		{Target: "Elastic", Lang: "lucene", Refusal: "no | in " + r.Name},
	}
}

func loadShippedCards(t *testing.T) map[string]*Card {
	cards, diags := LoadCards(filepath.Join(testutil.RepoRoot(t), "detections"))
	require.False(t, diags.HasErrors(), diags.Error())
	return cards
}

func TestShippedCardsAreComplete(t *testing.T) {
	cards := loadShippedCards(t)
	c := cards["T1567.004"]
	require.NotNil(t, c, "the T1567.004 card ships in detections/cards")
	assert.NotEmpty(t, c.Playbook.Recover, "the seed left Recover as TODO; the card must have real steps")
	assert.NotEmpty(t, c.Playbook.LessonsLearned.Actions)
	assert.Equal(t, []string{"pivot_webhook_posts_by_source", "pivot_webhook_endpoint_all_hosts", "pivot_webhook_process", "pivot_webhook_volume"}, c.PivotNames())
}

func TestParseCardRejectsPlaceholdersAndUnknownTechniques(t *testing.T) {
	_, diags := ParseCard("c.card.yml", []byte("technique: T1567.999\nplaybook:\n  recover:\n    - \"TODO: Customize recovery steps for <Type of Incident>.\"\n"))
	msg := diags.Error()
	assert.Contains(t, msg, `c.card.yml:1:1: error: runbook card names unknown ATT&CK technique "T1567.999"`)
	assert.Contains(t, msg, `c.card.yml:4:7: error: runbook card text holds the placeholder "TODO"`)
	assert.Contains(t, msg, `placeholder "<Type of Incident>"`)

	_, diags = ParseCard("c.card.yml", []byte("technique: T1567.004\nbogus: 1\n"))
	assert.Contains(t, diags.Error(), "field bogus not found")
	_, diags = ParseCard("c.card.yml", []byte("technique: [\n"))
	assert.Contains(t, diags.Error(), "not valid YAML")
}

func TestCardFor(t *testing.T) {
	cards := map[string]*Card{"T1567.004": {Technique: "T1567.004"}, "T1041": {Technique: "T1041"}}
	tests := []struct {
		techniques []string
		want       string
	}{
		{[]string{"T1567", "T1567.004"}, "T1567.004"},
		{[]string{"t1567.004"}, "T1567.004"},
		{[]string{"T1041.001"}, "T1041"},
		{[]string{"T1102"}, ""},
	}
	for _, tt := range tests {
		got := CardFor(&rule.Rule{Attack: rule.Attack{Techniques: tt.techniques}}, cards)
		if tt.want == "" {
			assert.Nil(t, got)
			continue
		}
		require.NotNil(t, got)
		assert.Equal(t, tt.want, got.Technique)
	}
}

func render(t *testing.T) string {
	return renderRule(t, webhookRule(t))
}

func renderRule(t *testing.T, r *rule.Rule) string {
	cards := loadShippedCards(t)
	pivots := map[string]*rule.Rule{}
	for _, name := range cards["T1567.004"].PivotNames() {
		p := volumePivot(t)
		p.Name, p.ID = name, "detc-"+name
		pivots[name] = p
	}
	md, err := Render(Input{Rule: r, Card: CardFor(r, cards), Pivots: pivots, Compile: fakeCompiler})
	require.NoError(t, err)
	return md
}

func TestRenderGolden(t *testing.T) {
	md := render(t)
	testutil.Golden(t, "webhook_post.md", []byte(md))
	assert.Equal(t, md, render(t), "output is deterministic")
}

func TestRenderContent(t *testing.T) {
	md := render(t)
	for _, want := range []string{
		"`cs-host` ends with any of `discord.com`, `discordapp.com`",
		"Known false positives:",
		"[T1567.004](https://attack.mitre.org/techniques/T1567/004)",
		"Exfiltration (TA0010)",
		"- Is the Discord server owned by the organisation?", // added to the card's questions
		"- Escalate every Discord webhook upload from a server.",
		"### Recover",
		"#### Incident report",
		"> Not expressible for this target: no | in",
	} {
		assert.Contains(t, md, want)
	}
	assert.NotContains(t, md, "Escalate to Tier 2 when", "a replaced section drops the card's text")
	assert.Contains(t, md, "Is this webhook traffic consistent", "an added section keeps the card's text")
	for _, marker := range placeholderMarkers {
		assert.NotContains(t, md, marker)
	}
}

// The runbook tells analysts the rule's logic: a negated group keeps its
// parentheses (it once read "post and not discord and post").
func TestRenderConditionKeepsNegatedGroups(t *testing.T) {
	r := webhookRule(t)
	post, discord := &rule.SearchRef{Name: "post"}, &rule.SearchRef{Name: "discord"}
	r.Condition = &rule.Or{Terms: []rule.Expr{post, &rule.Not{X: &rule.And{Terms: []rule.Expr{discord, post}}}}}
	md, err := Render(Input{Rule: r, Compile: fakeCompiler})
	require.NoError(t, err)
	assert.Contains(t, md, "It matches when `post or not (discord and post)` holds")
}

// TestRenderResponse: the Contain section names what the detection's
// response automates and what stays manual.
func TestRenderResponse(t *testing.T) {
	r := webhookRule(t)
	var problem string
	r.Response, problem = rule.NewResponse([]string{rule.RespNotify, rule.RespIsolateHost}, rule.Pos{})
	require.Empty(t, problem)
	md := renderRule(t, r)
	contain := md[strings.Index(md, "#### Contain"):strings.Index(md, "#### Eradicate")]
	automated := contain[strings.Index(contain, "**Automated**"):strings.Index(contain, "**Manual**")]
	manual := contain[strings.Index(contain, "**Manual**"):]
	assert.Contains(t, automated, "- `isolate_host`: isolate the host")
	assert.Contains(t, automated, "- `notify`:")
	assert.Less(t, strings.Index(automated, "isolate_host"), strings.Index(automated, "notify"), "actions in canonical order")
	for _, a := range []string{"block_endpoint", "disable_webhook", "disable_account"} {
		assert.Contains(t, manual, "- `"+a+"`:")
		assert.NotContains(t, automated, a)
	}
	assert.NotContains(t, contain, "Nothing here is automated")
	assert.Contains(t, render(t), "Nothing here is automated", "a detection without a response automates nothing")
}

func TestRenderUnknownPivotFails(t *testing.T) {
	cards := loadShippedCards(t)
	r := webhookRule(t)
	_, err := Render(Input{Rule: r, Card: CardFor(r, cards), Pivots: map[string]*rule.Rule{}, Compile: fakeCompiler})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `names pivot "pivot_webhook_posts_by_source", which is not loaded`)
}

// TestMarkdownIsWellFormed parses the runbook and checks its structure:
// headings never skip a level, every table row has the header's cells, and
// every code block is exactly a query the compiler gave.
func TestMarkdownIsWellFormed(t *testing.T) {
	md := render(t)
	compiled := map[string]bool{}
	for _, name := range []string{"proxy_webhook_post", "pivot_webhook_posts_by_source", "pivot_webhook_endpoint_all_hosts", "pivot_webhook_process", "pivot_webhook_volume"} {
		for _, q := range fakeCompiler(&rule.Rule{Name: name}) {
			if q.Refusal == "" {
				compiled[q.Lang+"\x00"+q.Text] = true
			}
		}
	}
	blocks, problems := Inspect(md)
	assert.Empty(t, problems)
	for _, b := range blocks {
		assert.True(t, compiled[b.Lang+"\x00"+b.Text], "code block is not a query the compiler produced: %q", b.Text)
	}
	assert.Len(t, blocks, 2*5, "two expressible targets for the detection and its four pivots")
	assert.Equal(t, 1, strings.Count(md, "\n| --- |"), "the ATT&CK table")
	assert.Equal(t, strings.Count(md, "```spl"), strings.Count(md, "```spl\n"), "fences are opened on their own line")
}

func TestInspectFindsProblems(t *testing.T) {
	blocks, problems := Inspect("# A\n\n### C\n\n| a | b |\n| --- | --- |\n| 1 |\n\n```kql\nT | take 1\n```\n")
	assert.Equal(t, []CodeBlock{{Lang: "kql", Text: "T | take 1"}}, blocks)
	assert.Len(t, problems, 1, "a heading that skips a level; GFM pads short table rows, so they parse")
}

// The brief deployment files carry: the summary, the first four triage
// steps (the card's, then the detection's own, unless it replaces them),
// the first escalation criterion and the link; nothing of the queries or
// the playbook.
func TestBrief(t *testing.T) {
	card := &Card{Technique: "T1567.004", Triage: Triage{
		L1Steps:    []string{"one", "two", "three"},
		Escalation: []string{"Escalate when unknown.", "Or when large."},
		Questions:  []string{"Who?"},
	}}
	r := &rule.Rule{Title: "T", Description: "What it finds.", Runbook: &rule.Runbook{L1Steps: []string{"four", "five"}}}
	assert.Equal(t, "What it finds.\n\nFirst triage steps:\n\n1. one\n2. two\n3. three\n4. four\n\n"+
		"Escalate: Escalate when unknown.\n\nFull runbook (every SIEM's queries, investigation pivots, playbook): runbooks/x.md\n",
		Brief(r, card, "runbooks/x.md"))

	r.Runbook = &rule.Runbook{Summary: "Own summary.", L1Steps: []string{"only"}, Replace: []string{"l1_steps"}}
	assert.Equal(t, "Own summary.\n\nFirst triage steps:\n\n1. only\n\n"+
		"Escalate: Escalate when unknown.\n\nFull runbook (every SIEM's queries, investigation pivots, playbook): L\n",
		Brief(r, card, "L"))

	// No card: the title, and the link.
	assert.Equal(t, "T\n\nFull runbook (every SIEM's queries, investigation pivots, playbook): L\n", Brief(&rule.Rule{Title: "T"}, nil, "L"))
}
