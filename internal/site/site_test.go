package site

import (
	"encoding/json"
	"github.com/detc/detc/internal/build"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/navigator"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/sigma"
	"github.com/detc/detc/internal/testutil"
)

func generate(t *testing.T, paths ...string) (map[string]string, *load.Set) {
	t.Helper()
	set, diags := load.Paths(paths)
	require.False(t, diags.HasErrors(), "%v", diags)
	backends := registry.All()
	arts, err := Generate(Input{Rules: set.Rules, Backends: backends, Sources: set.Sources,
		Runbook: Runbooks(set.RunbookRules(), build.Defaults(backends), set.Cards)})
	require.NoError(t, err)
	files := map[string]string{}
	for _, a := range arts {
		_, dup := files[a.Path]
		require.False(t, dup, "two files at %s", a.Path)
		files[a.Path] = string(a.Data)
	}
	return files, set
}

func TestGenerate(t *testing.T) {
	files, set := generate(t, "testdata/rules")
	testutil.Golden(t, "index.html", []byte(files["index.html"]))
	var names []string
	for name := range files {
		names = append(names, name)
	}
	assert.ElementsMatch(t, []string{"index.html", "attack.html", "style.css", "site.js", "favicon.svg",
		"rule-11111111-1111-4111-8111-111111111111.html", "rule-22222222-2222-4222-8222-222222222222.html"}, names)

	page := files[PageName(set.Rules[0])]
	require.NotEmpty(t, page)
	// Every target, profile and language has a block.
	blocks := 0
	for _, b := range registry.All() {
		blocks += len(b.Profiles()) * len(b.Langs())
	}
	assert.Equal(t, blocks, strings.Count(page, `<div class="query" data-target=`))
	assert.Contains(t, page, `<tr class="agree" data-event="slack-post" data-expected="true" data-matched="true">`)
	assert.Contains(t, page, `<tr class="agree" data-event="slack-get" data-expected="false" data-matched="false">`)
	assert.Contains(t, page, "search upload: matched")
	assert.Contains(t, page, "All fixture tests pass.")
	assert.Contains(t, page, `<a href="https://attack.mitre.org/techniques/T1567/004" rel="external noopener">T1567.004 Exfiltration Over Webhook</a>`)
	assert.Contains(t, page, `<section id="runbook"`)
	assert.Contains(t, page, "<h3>Runbook: POST to a &lt;b&gt;webhook&lt;/b&gt; host &amp; &quot;friends&quot;</h3>", "the runbook's Markdown is rendered, its text escaped")
	assert.Contains(t, page, "splunk/detc_detections/default/savedsearches.conf")
}

// TestMarkupIsText: what a rule says is text on every page, never markup.
func TestMarkupIsText(t *testing.T) {
	files, _ := generate(t, "testdata/rules")
	for name, html := range files {
		if !strings.HasSuffix(name, ".html") {
			continue
		}
		for _, raw := range []string{"<b>webhook</b>", "<script>alert", "<img src=x", "<i>discord.com</i>", `<script>"`} {
			assert.NotContains(t, html, raw, "%s holds markup from the rule", name)
		}
	}
	assert.Contains(t, files["index.html"], "POST to a &lt;b&gt;webhook&lt;/b&gt; host &amp; &#34;friends&#34;")
}

func TestMarkdownHTML(t *testing.T) {
	tests := []struct{ md, want string }{
		{"# A <b>bold</b> title", "<h3>A &lt;b&gt;bold&lt;/b&gt; title</h3>\n"},
		{"#### Deep", "<h6>Deep</h6>\n"},
		{"<script>alert(1)</script>\n", "<p>&lt;script&gt;alert(1)&lt;/script&gt;\n</p>\n"},
		{"[x](javascript:alert(1))", "<p><a href=\"\">x</a></p>\n"},
		{"`<i>`", "<p><code>&lt;i&gt;</code></p>\n"},
	}
	for _, tt := range tests {
		got, err := MarkdownHTML(tt.md)
		require.NoError(t, err)
		assert.Equal(t, tt.want, string(got), tt.md)
	}
}

func TestDeterministic(t *testing.T) {
	first, _ := generate(t, "testdata/rules")
	second, _ := generate(t, "testdata/rules")
	assert.Equal(t, first, second)
}

var linkAttr = regexp.MustCompile(`\s(?:href|src)="([^"]*)"`)

// TestLinks: every link inside the catalog is relative and names a file
// of it (or an anchor on the page); the only absolute links go to
// attack.mitre.org and the rules' own references.
func TestLinks(t *testing.T) {
	files, set := generate(t, "../../detections")
	refs := map[string]bool{}
	for _, r := range set.Rules {
		for _, ref := range r.References {
			refs[ref] = true
		}
	}
	for name, html := range files {
		if !strings.HasSuffix(name, ".html") {
			continue
		}
		for _, m := range linkAttr.FindAllStringSubmatch(html, -1) {
			link := strings.ReplaceAll(m[1], "&amp;", "&")
			u, err := url.Parse(link)
			require.NoError(t, err, "%s: %s", name, link)
			switch {
			case u.Scheme == "https":
				assert.True(t, u.Host == "attack.mitre.org" || refs[link], "%s links outside the catalog: %s", name, link)
			case u.Scheme != "" || u.Host != "" || strings.HasPrefix(u.Path, "/"):
				t.Errorf("%s: link %s is not relative", name, link)
			case u.Path == "":
				id := strings.TrimPrefix(u.Fragment, "")
				assert.Contains(t, html, `id="`+id+`"`, "%s: anchor #%s", name, id)
			default:
				_, ok := files[path.Clean(u.Path)]
				assert.True(t, ok, "%s links to %s, which the catalog does not have", name, link)
			}
		}
	}
}

var coveredRow = regexp.MustCompile(`<tr data-technique="([^"]+)" data-score="(\d+)"`)

// TestMatrixMatchesNavigatorLayer: the coverage page lists exactly the
// layer's techniques with the layer's scores.
func TestMatrixMatchesNavigatorLayer(t *testing.T) {
	files, set := generate(t, "../../detections", "testdata/rules")
	data, err := navigator.Build(Name, set.Rules, func(*rule.Rule) string { return "file:x" })
	require.NoError(t, err)
	var layer navigator.Layer
	require.NoError(t, json.Unmarshal(data, &layer))
	want := map[string]int{}
	for _, tech := range layer.Techniques {
		want[tech.TechniqueID] = tech.Score
	}
	got := map[string]int{}
	for _, m := range coveredRow.FindAllStringSubmatch(files["attack.html"], -1) {
		got[m[1]], _ = strconv.Atoi(m[2])
	}
	assert.Equal(t, want, got)
	webhook := 0
	for _, r := range set.Rules {
		if !r.IsPivot() && slices.Contains(r.Attack.Techniques, "T1567.004") {
			webhook++
		}
	}
	assert.Equal(t, webhook, want["T1567.004"], "the detections of T1567.004, pack and testdata")
	assert.Greater(t, webhook, 2)
	assert.Contains(t, files["attack.html"], `<li class="cell s1" data-technique="T1041" data-score="1">`, "T1041 sits in the Exfiltration column")
}

// TestFixtureRoots: a fixture outside the roots is not read.
func TestFixtureRoots(t *testing.T) {
	set, diags := load.Paths([]string{"testdata/rules"})
	require.False(t, diags.HasErrors(), "%v", diags)
	elsewhere, err := filepath.Abs("../../detections")
	require.NoError(t, err)
	arts, err := Generate(Input{Rules: set.Rules, Backends: registry.All(), FixtureRoots: []string{elsewhere}})
	require.NoError(t, err)
	for _, a := range arts {
		if a.Path == PageName(set.Rules[0]) {
			page := string(a.Data)
			assert.Contains(t, page, "not read: the fixture is outside the folders detc serve was given")
			assert.NotContains(t, page, "slack-post", "no event of the fixture is shown")
			assert.Contains(t, page, "Not every fixture test passes.")
			return
		}
	}
	t.Fatal("no page for the rule")
}

func TestSameIDTwice(t *testing.T) {
	src := []byte("title: A\nid: x\nlogsource: {category: proxy}\ndetection:\n  s: {a: 1}\n  condition: s\n---\ntitle: B\nid: x\nlogsource: {category: proxy}\ndetection:\n  s: {a: 2}\n  condition: s\n")
	rules, diags := sigma.Load("two.yml", src)
	require.False(t, diags.HasErrors(), "%v", diags)
	require.Len(t, rules, 2)
	arts, err := Generate(Input{Rules: rules, Backends: registry.All()})
	require.NoError(t, err)
	pages := map[string]string{}
	for _, a := range arts {
		pages[a.Path] = string(a.Data)
	}
	assert.Contains(t, pages["rule-x.html"], "<h1>A</h1>")
	assert.Contains(t, pages["rule-x-2.html"], "<h1>B</h1>")
	assert.Contains(t, pages["index.html"], `href="rule-x-2.html"`)
}

func TestRuleSource(t *testing.T) {
	_, set := generate(t, "testdata/rules")
	src := ruleSource(set.Rules[1], set.Sources)
	assert.Equal(t, 37, src.First)
	assert.Equal(t, 67, src.Last)
	assert.True(t, strings.HasPrefix(src.Text, `detection "catcher_get" {`))
	assert.True(t, strings.HasSuffix(src.Text, "\n}"))
}

func TestStaticHasNoExternalReference(t *testing.T) {
	arts, err := Static()
	require.NoError(t, err)
	for _, a := range append(arts, target.Artifact{Path: "playground.js", Data: mustRead(t, "static/playground.js")}) {
		assert.NotRegexp(t, `https?:|url\(|@import`, strings.ReplaceAll(string(a.Data), "http://www.w3.org/2000/svg", ""), a.Path)
	}
}

func mustRead(t *testing.T, name string) []byte {
	data, err := staticFS.ReadFile(name)
	require.NoError(t, err)
	return data
}

// BenchmarkGenerate writes the pack's catalog (every query of every
// profile and language, runbooks, fixture traces).
func BenchmarkGenerate(b *testing.B) {
	set, diags := load.Paths([]string{"../../detections"})
	require.False(b, diags.HasErrors(), "%v", diags)
	backends := registry.All()
	in := Input{Rules: set.Rules, Backends: backends, Sources: set.Sources, Runbook: Runbooks(set.RunbookRules(), build.Defaults(backends), set.Cards)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(in); err != nil {
			b.Fatal(err)
		}
	}
}

// A build and its catalog render each runbook once, and the catalog shows
// what the build wrote; a rule the build did not render is rendered when
// the catalog asks.
func TestSharedRunbooks(t *testing.T) {
	set, diags := load.Paths([]string{"testdata/rules"})
	require.False(t, diags.HasErrors(), "%v", diags)
	checked, diags := check.All(set.RunbookRules())
	require.False(t, diags.HasErrors(), "%v", diags)
	renders := map[*rule.Rule]int{}
	var mu sync.Mutex
	forBuild, forCatalog := SharedRunbooks(checked[1:], func(c *check.Rule) (string, error) {
		mu.Lock()
		renders[c.Rule]++
		mu.Unlock()
		return "runbook of " + c.ID, nil
	})
	for _, c := range checked[1:] {
		md, err := forBuild(c)
		require.NoError(t, err)
		assert.Equal(t, "runbook of "+c.ID, md)
	}
	for _, r := range set.Rules {
		md, err := forCatalog(r)
		require.NoError(t, err)
		assert.Equal(t, "runbook of "+r.ID, md)
	}
	for _, c := range checked[1:] {
		assert.Equal(t, 1, renders[c.Rule], "rule %s", c.ID)
	}
	assert.Equal(t, 1, renders[set.Rules[0]], "the rule the build did not render")
}
