package hclrule

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
)

// loadOne loads sources as files a.hcl, b.hcl ... and requires no
// diagnostics.
func loadOne(t *testing.T, sources ...string) []*rule.Rule {
	t.Helper()
	files := make([]File, len(sources))
	for i, s := range sources {
		files[i] = File{Name: string(rune('a'+i)) + ".hcl", Data: []byte(s)}
	}
	rules, diags := Load(files)
	require.Empty(t, diags, diags.Error())
	return rules
}

// texts lists the value texts of the first matcher of a rule's first search.
func texts(r *rule.Rule) []string {
	var out []string
	for _, v := range r.Searches[0].Groups[0].Matchers[0].Values {
		out = append(out, v.Text)
	}
	return out
}

func TestLoadSharesLocalsAcrossFiles(t *testing.T) {
	// The detection comes first and uses locals from the second file, one
	// of which uses a local of the third.
	rules := loadOne(t,
		`detection "d" {
  title = "t"
  logsource {
    category = "proxy"
  }
  selection "sel" {
    match "cs-host" {
      endswith = local.all_hosts
    }
  }
  condition = "sel"
}
`,
		"locals {\n  all_hosts = concat(local.chat, [\"webhook.site\"])\n}\n",
		"locals {\n  chat = [\"discord.com\", \"hooks.slack.com\"]\n}\n",
	)
	require.Len(t, rules, 1)
	assert.Equal(t, []string{"discord.com", "hooks.slack.com", "webhook.site"}, texts(rules[0]))
	assert.Equal(t, "a.hcl", rules[0].File)
}

func TestLoadFunctions(t *testing.T) {
	tests := []struct {
		expr string
		want []string
	}{
		{`lower("Discord.COM")`, []string{"discord.com"}},
		{`upper("post")`, []string{"POST"}},
		{`concat(["a"], ["b", "c"])`, []string{"a", "b", "c"}},
		{`distinct(["a", "b", "a"])`, []string{"a", "b"}},
		{`flatten([["a"], [["b"]], "c"])`, []string{"a", "b", "c"}},
		{`format("%s.%s", "hooks", "slack.com")`, []string{"hooks.slack.com"}},
		{`formatlist("*.%s", ["discord.com", "slack.com"])`, []string{"*.discord.com", "*.slack.com"}},
		{`split(",", join(",", ["a", "b"]))`, []string{"a", "b"}},
		{`replace("a-b-c", "-", ".")`, []string{"a.b.c"}},
		{`sort(["c", "a", "b"])`, []string{"a", "b", "c"}},
		{`reverse(["a", "b"])`, []string{"b", "a"}},
		{`setunion(["b"], ["a", "b"])`, []string{"a", "b"}},
		{`setsubtract(["a", "b", "c"], ["b"])`, []string{"a", "c"}},
		{`setintersection(["a", "b"], ["b", "c"])`, []string{"b"}},
		{`compact(["a", "", "b"])`, []string{"a", "b"}},
		{`[trimspace("  a "), trimprefix("www.a", "www."), trimsuffix("a.com.", "."), trim("--a--", "-")]`, []string{"a", "a", "a.com", "a"}},
		{`[for h in ["a", "b"] : "${h}.example"]`, []string{"a.example", "b.example"}},
		{`[for h in [["a"], ["b", "c"]] : h[1] if length(h) > 1]`, []string{"c"}},
		{`contains(["a"], "a") ? "yes" : "no"`, []string{"yes"}},
		{`[1 + 1, 10 / 4]`, []string{"2", "2.5"}},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			rules := loadOne(t, `locals {
  v = `+tc.expr+`
}
detection "d" {
  title = "t"
  logsource {
    category = "proxy"
  }
  selection "sel" {
    match "f" {
      equals = local.v
    }
  }
  condition = "sel"
}
`)
			assert.Equal(t, tc.want, texts(rules[0]))
		})
	}
}

func TestLoadPositions(t *testing.T) {
	rules := loadOne(t, `locals {
  hosts = ["a.com", "b.com"]
}
detection "d" {
  title = "t"
  logsource {
    category = "proxy"
  }
  selection "sel" {
    match "cs-host" {
      equals = [local.hosts, "c.com"]
    }
  }
  selection "other" {
    match "x" {
      equals = local.hosts
    }
  }
  condition = "sel or other"
}
detection "heredoc" {
  title = "t"
  logsource {
    category = "proxy"
  }
  selection "sel" {
    match "x" {
      equals = "y"
    }
  }
  condition = <<EOT
not
sel
EOT
}
`)
	require.Len(t, rules, 2)
	r := rules[0]
	assert.Equal(t, rule.Pos{File: "a.hcl", Line: 4, Col: 1}, r.Pos)
	assert.Equal(t, "a.hcl", r.File)
	m := r.Searches[0].Groups[0].Matchers[0]
	assert.Equal(t, rule.Pos{File: "a.hcl", Line: 10, Col: 5}, m.Pos, "a matcher is at its match block")
	// Values from a list element keep the element's position, even when
	// the element is a local that expands to several values.
	var got []string
	for _, v := range m.Values {
		got = append(got, v.Text+"@"+v.Pos.String())
	}
	assert.Equal(t, []string{"a.com@a.hcl:11:17", "b.com@a.hcl:11:17", "c.com@a.hcl:11:30"}, got)
	assert.Equal(t, rule.Pos{File: "a.hcl", Line: 16, Col: 16}, r.Searches[1].Groups[0].Matchers[0].Values[0].Pos)

	// Condition positions are in the .hcl file: inside the quotes ...
	or := r.Condition.(*rule.Or)
	assert.Equal(t, rule.Pos{File: "a.hcl", Line: 19, Col: 16}, or.Terms[0].Position())
	assert.Equal(t, rule.Pos{File: "a.hcl", Line: 19, Col: 23}, or.Terms[1].Position())
	// ... and on the heredoc's lines.
	not := rules[1].Condition.(*rule.Not)
	assert.Equal(t, rule.Pos{File: "a.hcl", Line: 32, Col: 1}, not.Pos)
	assert.Equal(t, rule.Pos{File: "a.hcl", Line: 33, Col: 1}, not.X.Position())
}

func TestLoadDefaultsAndPartialResults(t *testing.T) {
	rules, diags := Load([]File{{Name: "a.hcl", Data: []byte(`detection "good" {
  title = "t"
  logsource {
    category = "proxy"
  }
  selection "sel" {
    match "f" {
      equals = "x"
    }
  }
  condition = "sel"
  test "quiet" {
    fixture = "benign.jsonl"
    format  = "zeek-http"
  }
}
detection "bad" {
  title = "t"
  logsource {
    category = "proxy"
  }
  selection "sel" {
    match "f" {
      gt = "many"
    }
  }
  condition = "sel"
}
`)}})
	assert.Equal(t, []string{`a.hcl:24:12: error: field "f": gt needs a number, not "many"`}, summaries(diags))
	require.Len(t, rules, 1, "the good detection loads beside the bad one")
	r := rules[0]
	assert.Equal(t, "good", r.Name)
	assert.Equal(t, "good", r.ID, "the label is the id until one is given")
	require.Len(t, r.Tests, 1)
	assert.Equal(t, rule.FixtureTest{Name: "quiet", File: "benign.jsonl", Format: "zeek-http", Pos: rule.Pos{File: "a.hcl", Line: 12, Col: 3}}, *r.Tests[0])
}

func TestLoadThresholdAndAlerts(t *testing.T) {
	tests := []struct {
		threshold string
		want      rule.Aggregation
	}{
		{"count = true\n    gt = 10\n    window = \"1d\"", rule.Aggregation{Func: rule.AggCount, Op: rule.CmpGt, Threshold: 10, Window: 24 * 3600e9}},
		{"distinct_count = \"cs-host\"\n    gte = 3\n    window = \"90s\"\n    group_by = [\"src_ip\"]", rule.Aggregation{Func: rule.AggDistinctCount, Field: "cs-host", Op: rule.CmpGte, Threshold: 3, Window: 90e9, GroupBy: []string{"src_ip"}}},
		{"avg = \"b\"\n    lt = 0.5\n    window = \"90m\"", rule.Aggregation{Func: rule.AggAvg, Field: "b", Op: rule.CmpLt, Threshold: 0.5, Window: 5400e9}},
		{"min = \"b\"\n    lte = -1\n    window = \"1m\"", rule.Aggregation{Func: rule.AggMin, Field: "b", Op: rule.CmpLte, Threshold: -1, Window: 60e9}},
		{"max = \"b\"\n    eq = 0\n    window = \"1m\"", rule.Aggregation{Func: rule.AggMax, Field: "b", Op: rule.CmpEq, Window: 60e9}},
		{"sum = \"b\"\n    neq = 2\n    window = \"1m\"", rule.Aggregation{Func: rule.AggSum, Field: "b", Op: rule.CmpNeq, Threshold: 2, Window: 60e9}},
	}
	for _, tc := range tests {
		t.Run(tc.threshold, func(t *testing.T) {
			rules := loadOne(t, `detection "d" {
  title = "t"
  logsource {
    category = "proxy"
  }
  selection "sel" {
    match "f" {
      equals = "x"
    }
  }
  condition = "sel"
  threshold {
    `+tc.threshold+`
  }
  test "burst" {
    fixture = "burst.jsonl"
    alert {
      group  = { src_ip = "10.0.0.5", port = 443, tls = true }
      value  = 12
      window = "2026-11-30T10:00:00Z"
    }
  }
}
`)
			got := *rules[0].Aggregation
			got.Pos = rule.Pos{}
			assert.Equal(t, tc.want, got)
			require.Len(t, rules[0].Tests[0].Alerts, 1)
			a := rules[0].Tests[0].Alerts[0]
			assert.Equal(t, map[string]string{"src_ip": "10.0.0.5", "port": "443", "tls": "true"}, a.Group)
			assert.Equal(t, 12.0, a.Value)
			assert.Equal(t, "2026-11-30T10:00:00Z", a.Window)
		})
	}
}

func TestRuleWithoutOptionalParts(t *testing.T) {
	rules := loadOne(t, `detection "minimal" {
  title = "t"
  logsource {
    product = "zeek"
    service = "dns"
  }
  keywords "kw" {
    values = "evil"
  }
  condition = "kw"
}
`)
	r := rules[0]
	assert.Equal(t, rule.LogSource{Product: "zeek", Service: "dns", Pos: rule.Pos{File: "a.hcl", Line: 3, Col: 3}}, r.LogSource)
	assert.Nil(t, r.Aggregation)
	assert.Nil(t, r.Runbook)
	assert.Empty(t, r.Tests)
	assert.True(t, r.Searches[0].Groups[0].Matchers[0].IsKeyword())
}

func TestLoadValues(t *testing.T) {
	files := []File{
		{Name: "a.hcl", Data: []byte("locals {\n  hosts = [\"a.com\", [\"b.com\"]]\n  port  = 443\n  one   = \"x\"\n  empty = []\n  obj   = { a = 1 }\n  bad   = local.nope\n}\n")},
		{Name: "b.hcl", Data: []byte("locals {\n  more = concat(local.hosts, [null, true])\n}\n")},
	}
	rules, values, _, diags := LoadValues(files)
	assert.Empty(t, rules)
	assert.Equal(t, []string{"a.hcl:7:11: error: Reference to undeclared local value"}, summaries(diags))
	at := func(line, col int) rule.Pos { return rule.Pos{File: "a.hcl", Line: line, Col: col} }
	assert.Equal(t, Values{
		"hosts": {{Kind: rule.RawString, Text: "a.com", Pos: at(2, 12)}, {Kind: rule.RawString, Text: "b.com", Pos: at(2, 21)}}, // each element of a literal list at itself
		"port":  {{Kind: rule.RawNumber, Text: "443", Pos: at(3, 11)}},
		"one":   {{Kind: rule.RawString, Text: "x", Pos: at(4, 11)}},
		"empty": nil,
		"more": {
			{Kind: rule.RawString, Text: "a.com", Pos: rule.Pos{File: "b.hcl", Line: 2, Col: 10}},
			{Kind: rule.RawString, Text: "b.com", Pos: rule.Pos{File: "b.hcl", Line: 2, Col: 10}},
			{Kind: rule.RawNull, Pos: rule.Pos{File: "b.hcl", Line: 2, Col: 10}},
			{Kind: rule.RawBool, Text: "true", Pos: rule.Pos{File: "b.hcl", Line: 2, Col: 10}},
		},
	}, values, "objects and failed locals are left out")
}

// A selection outside any detection is shared: every detection that names
// it in use_selections gets it as a search of that name, decoded with the
// locals, with positions in the file that declares it.
func TestLoadSharedSelections(t *testing.T) {
	detection := func(name, extra string) string {
		return `detection "` + name + `" {
  title = "t"
  logsource {
    category = "proxy"
  }
  use_selections = ["webhook_url"]
` + extra + `  condition = "webhook_url"
}
`
	}
	shared := "selection \"webhook_url\" {\n  match \"cs-host\" {\n    equals = local.hosts\n  }\n}\nlocals {\n  hosts = [\"webhook.site\"]\n}\n"
	rules := loadOne(t, detection("a", ""), detection("b", ""), shared)
	require.Len(t, rules, 2)
	for _, r := range rules {
		require.Len(t, r.Searches, 1)
		assert.Equal(t, "webhook_url", r.Searches[0].Name)
		assert.Equal(t, []string{"webhook.site"}, texts(r))
		assert.Equal(t, rule.Pos{File: "c.hcl", Line: 1, Col: 1}, r.Searches[0].Pos, "positions point at the shared block")
	}

	tests := []struct {
		name    string
		sources []string
		want    string
	}{
		{"unknown", []string{detection("a", ""), "locals {\n  x = 1\n}\n"}, `a.hcl:6:20: error: Unknown shared selection: use_selections names "webhook_url", but no selection block of that name stands outside a detection (known: none).`},
		{"clash with own search", []string{detection("a", "  selection \"webhook_url\" {\n    match \"a\" {\n      equals = [\"x\"]\n    }\n  }\n"), shared}, `a.hcl:6:20: error: Duplicate search: The detection has its own search named "webhook_url" at a.hcl:7:3`},
		{"shared twice", []string{shared, "selection \"webhook_url\" {\n  match \"b\" {\n    equals = [\"y\"]\n  }\n}\n"}, `b.hcl:1:11: error: Duplicate shared selection: A shared selection named "webhook_url" is already defined at a.hcl:1:1.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := make([]File, len(tt.sources))
			for i, s := range tt.sources {
				files[i] = File{Name: string(rune('a'+i)) + ".hcl", Data: []byte(s)}
			}
			_, diags := Load(files)
			require.True(t, diags.HasErrors())
			assert.Contains(t, diags.Error(), tt.want)
		})
	}
}

// TestLoadEmptyConfigurationList: a comparison that names a list left
// empty (an approved list with no entries) never holds. Its selection
// folds out of the condition, so "not approved" stops excluding
// anything, and a condition that could then never hold, or would hold
// for every event, is an error at the condition.
func TestLoadEmptyConfigurationList(t *testing.T) {
	detection := func(cond string) string {
		return `detection "d" {
  title = "t"
  logsource {
    category = "proxy"
  }
  selection "post" {
    match "cs-method" {
      equals = ["POST"]
    }
  }
  selection "approved" {
    group {
      match "c-uri" {
        startswith = local.approved
      }
    }
    group {
      match "c-uri" {
        startswith = concat(local.approved, local.also_approved)
      }
      match "cs-host" {
        equals = ["hooks.slack.com"]
      }
    }
  }
  condition = "` + cond + `"
}
locals {
  approved      = []
  also_approved = []
}
`
	}
	tests := []struct {
		cond, want, err string
	}{
		{cond: "post and not approved", want: "post"},
		{cond: "post or approved", want: "post"},
		{cond: "post and not 1 of approved*", want: "post"},
		{cond: "post and approved", err: `a.hcl:26:16: error: the condition can never hold: "approved" has no values (an empty configuration list)`},
		{cond: "not approved", err: `a.hcl:26:16: error: the condition would hold for every event of the log source: "approved" has no values (an empty configuration list)`},
	}
	for _, tc := range tests {
		rules, diags := Load([]File{{Name: "a.hcl", Data: []byte(detection(tc.cond))}})
		if tc.err != "" {
			require.Len(t, diags, 1, tc.cond)
			assert.Equal(t, tc.err, diags[0].String(), tc.cond)
			continue
		}
		require.Empty(t, diags, tc.cond)
		require.Len(t, rules, 1)
		ref, ok := rules[0].Condition.(*rule.SearchRef)
		require.True(t, ok, "%s folds to one search", tc.cond)
		assert.Equal(t, tc.want, ref.Name)
		require.Len(t, rules[0].Searches, 1, "the empty selection is dropped")
	}
	// A literal [] is a mistake, not configuration.
	_, diags := Load([]File{{Name: "a.hcl", Data: []byte(`detection "d" {
  title = "t"
  logsource {
    category = "proxy"
  }
  selection "s" {
    match "c-uri" {
      startswith = []
    }
  }
  condition = "s"
}
`)}})
	require.Len(t, diags, 1)
	assert.Contains(t, diags[0].String(), `field "c-uri" has no values`)
}
