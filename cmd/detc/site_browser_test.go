package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/build"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/sigma"
	"github.com/detc/detc/internal/site"
	"github.com/detc/detc/internal/testutil/browser"
)

// queryKey names one query block: a rule in one target, profile and
// language.
type queryKey struct{ rule, target, profile, lang string }

// compiledQueries runs `detc compile --json` for every target, profile and
// language over paths: what each block of the catalog must show.
func compiledQueries(t *testing.T, paths ...string) map[queryKey]compiled {
	t.Helper()
	out := map[queryKey]compiled{}
	for _, b := range registry.All() {
		for _, p := range b.Profiles() {
			for _, l := range b.Langs() {
				_, stdout, _ := detc(t, append([]string{"compile", "--json", "--target", b.Name(), "--profile", p, "--lang", l}, paths...)...)
				sc := bufio.NewScanner(strings.NewReader(stdout))
				sc.Buffer(nil, 1<<20)
				for sc.Scan() {
					var c compiled
					require.NoError(t, json.Unmarshal(sc.Bytes(), &c))
					out[queryKey{c.RuleID, b.Name(), p, l}] = c
				}
			}
		}
	}
	require.NotEmpty(t, out)
	return out
}

// addElasticRefusal adds to a copy of the pack a detection on the proxy's
// cookie header, which ECS has no field for, with its fixture.
func addElasticRefusal(t *testing.T, dir string) {
	t.Helper()
	const detection = `detection "proxy_webhook_session_cookie" {
  id          = "5e0b8c2d-7f41-4a3e-9d16-2b8e4c7a9f03"
  title       = "Session cookie sent to a webhook host"
  description = "A request to a webhook host carried a session cookie (a test detection Elastic cannot express)."
  status      = "experimental"
  level       = "low"
  author      = "detc tests"
  date        = "2026-12-07"
  tags        = ["attack.exfiltration", "attack.t1567.004"]

  logsource {
    category = "proxy"
  }

  mitre {
    tactics    = ["TA0010"]
    techniques = ["T1567.004"]
  }

  selection "cookie" {
    match "cs-cookie" {
      contains = ["session="]
    }
  }

  condition = "cookie"

  test "cookies" {
    fixture = "fixtures/proxy/session_cookie.jsonl"
    match   = ["with-cookie"]
  }
}
`
	const events = `{"_id":"with-cookie","cs-host":"discord.com","cs-cookie":"session=4f2a9c"}
{"_id":"without-cookie","cs-host":"discord.com","cs-cookie":"locale=en"}
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "detections", "proxy", "session_cookie.hcl"), []byte(detection), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "fixtures", "proxy", "session_cookie.jsonl"), []byte(events), 0o644))
}

// pageQuery is one query block as the browser shows it.
type pageQuery struct {
	Target, Profile, Lang string
	Text                  *string
	Refusal               string
}

const readQueries = `Array.from(document.querySelectorAll('.query[data-target]')).map(function (d) {
  var code = d.querySelector('pre code');
  var refusal = d.querySelector('.refusal');
  return {Target: d.dataset.target, Profile: d.dataset.profile, Lang: d.dataset.lang,
    Text: code ? code.textContent : null, Refusal: refusal ? refusal.textContent : ''};
})`

// TestCatalogAndPlaygroundInBrowser drives Chromium through the catalog
// detc build writes for the repository's detections (out/site/, as make
// run does) and through detc serve's playground. One browser serves every
// subtest.
func TestCatalogAndPlaygroundInBrowser(t *testing.T) {
	// The shipped pack compiles for every target's default profile, so a
	// copy of it gets one detection Elastic cannot express: the target
	// filter then has a row to hide.
	dir := packRepo(t)
	addElasticRefusal(t, dir)
	t.Chdir(dir)
	// The catalog as make run writes it: detc build's out/site/.
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := detc(t, "build", "--out", out, "detections")
	require.Equal(t, 0, code, stderr)
	siteDir := filepath.Join(out, "site")
	base := "file://" + filepath.ToSlash(siteDir) + "/"
	want := compiledQueries(t, "detections")
	set, diags := loadDetections([]string{"detections"}, noProject(t))
	require.False(t, diags.HasErrors(), "%v", diags)
	// Screenshots go under the test's temporary folder, or into
	// $DETC_SCREENSHOTS to keep them.
	shots := os.Getenv("DETC_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	ctx := browser.Start(t)

	t.Run("index filters and sorts", func(t *testing.T) {
		tab := browser.NewTab(t, ctx, time.Minute)
		browser.Do(t, tab, chromedp.Navigate(base+"index.html"))
		browser.Wait(t, tab, `document.readyState === 'complete'`, "the index to load")
		total := browser.Eval[int](t, tab, `document.querySelectorAll('#catalog tbody tr').length`)
		require.Equal(t, countDetections(set.Rules), total, "one row per detection")
		browser.Screenshot(t, tab, filepath.Join(shots, "index.png"))
		// Tab from the top reaches the filters.
		reached := false
		for range 8 {
			browser.Do(t, tab, chromedp.KeyEvent("\t"))
			if browser.Eval[string](t, tab, `document.activeElement.id`) == "f-text" {
				reached = true
				break
			}
		}
		assert.True(t, reached, "the text filter is reachable with Tab")

		visible := `Array.from(document.querySelectorAll('#catalog tbody tr')).filter(function (r) { return !r.hidden; })`
		// Text filter.
		browser.Do(t, tab, chromedp.SendKeys(chromedp.CSS("#f-text"), "dns"))
		titles := browser.Eval[[]string](t, tab, visible+`.map(function (r) { return r.dataset.title; })`)
		require.NotEmpty(t, titles)
		require.Less(t, len(titles), total, "the text filter hides rows")
		for _, r := range set.Rules {
			if !r.IsPivot() && strings.Contains(strings.ToLower(r.Title), "dns") {
				assert.Contains(t, titles, r.Title)
			}
		}
		assert.Contains(t, browser.Eval[string](t, tab, `document.getElementById('shown').textContent`), fmt.Sprintf("of %d detections shown", total))
		// Level and target filters (set and dispatch change, as a user's pick does).
		pick := func(id, value string) {
			browser.Eval[bool](t, tab, fmt.Sprintf(`(function () { var s = document.getElementById(%q); s.value = %q; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, id, value))
		}
		pick("f-text", "")
		pick("f-level", "high")
		levels := browser.Eval[[]string](t, tab, visible+`.map(function (r) { return r.dataset.level; })`)
		require.NotEmpty(t, levels)
		for _, l := range levels {
			assert.Equal(t, "high", l)
		}
		pick("f-level", "")
		pick("f-logsource", "dns")
		sources := browser.Eval[[]string](t, tab, visible+`.map(function (r) { return r.dataset.logsource; })`)
		require.NotEmpty(t, sources)
		require.Less(t, len(sources), total)
		for _, s := range sources {
			assert.Equal(t, "dns", s)
		}
		pick("f-logsource", "")
		pick("f-tactic", "TA0010")
		assert.Equal(t, total, browser.Eval[int](t, tab, visible+`.length`), "every detection of the pack is in Exfiltration")
		pick("f-tactic", "")
		pick("f-target", "elastic")
		elastic := browser.Eval[int](t, tab, visible+`.length`)
		// What detc compile does with no --profile and --lang: the default.
		_, stdout, _ := detc(t, "compile", "--json", "--target", "elastic", "detections")
		refusedByElastic := strings.Count(stdout, `"error":`)
		require.Positive(t, refusedByElastic, "the pack has a detection Elastic refuses (the filter must hide something)")
		assert.Equal(t, total-refusedByElastic, elastic, "the target filter hides the detections Elastic refuses")
		pick("f-target", "")
		// Sorting by level with the keyboard: focus the header button, press Enter.
		browser.Do(t, tab, chromedp.Focus(chromedp.CSS(`button[data-sort="level"]`)), chromedp.KeyEvent("\r"))
		ranks := browser.Eval[[]int](t, tab, visible+`.map(function (r) { return Number(r.dataset.levelRank); })`)
		require.Len(t, ranks, total)
		assert.True(t, sort.IntsAreSorted(ranks), "sorted by level: %v", ranks)
		assert.Equal(t, "ascending", browser.Eval[string](t, tab, `document.querySelector('button[data-sort="level"]').parentNode.getAttribute('aria-sort')`))
		tab.RequireClean(t, base)
	})

	t.Run("detection pages show what detc compile prints", func(t *testing.T) {
		tab := browser.NewTab(t, ctx, 2*time.Minute)
		browser.Do(t, tab, chromedp.Navigate(base+"index.html"))
		browser.Wait(t, tab, `document.readyState === 'complete'`, "the index to load")
		first := true
		for _, r := range set.Rules {
			if r.IsPivot() {
				continue
			}
			if first {
				// Reach the first page the way a reader does: by its link.
				browser.Do(t, tab, chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href=%q]`, site.Href(r)))))
			} else {
				browser.Do(t, tab, chromedp.Navigate(base+site.Href(r)))
			}
			browser.Wait(t, tab, fmt.Sprintf(`location.href.endsWith(%q) && document.readyState === 'complete'`, site.Href(r)), "the page of "+r.ID)
			assert.Equal(t, r.Title, browser.Eval[string](t, tab, `document.querySelector('h1').textContent`))
			blocks := browser.Eval[[]pageQuery](t, tab, readQueries)
			n := 0
			for k, c := range want {
				if k.rule == r.ID {
					n++
					_ = c
				}
			}
			require.Len(t, blocks, n, "%s: one block per target, profile and language", r.ID)
			for _, b := range blocks {
				c := want[queryKey{r.ID, b.Target, b.Profile, b.Lang}]
				if c.Query != nil {
					require.NotNil(t, b.Text, "%s %s/%s/%s: detc compile prints a query, the page shows none (%s)", r.ID, b.Target, b.Profile, b.Lang, b.Refusal)
					require.Equal(t, strings.TrimRight(*c.Query, "\n"), *b.Text, "%s %s/%s/%s", r.ID, b.Target, b.Profile, b.Lang)
				} else {
					require.NotNil(t, c.Error, "%s %s/%s/%s missing from detc compile", r.ID, b.Target, b.Profile, b.Lang)
					require.Nil(t, b.Text, "%s %s/%s/%s: detc compile refuses, the page shows a query", r.ID, b.Target, b.Profile, b.Lang)
					require.Contains(t, b.Refusal, c.Error.Message)
				}
			}
			checkFixtureTable(t, tab, r.ID, r.Tests)
			if first {
				browser.Screenshot(t, tab, filepath.Join(shots, "detection.png"))
				browser.ScreenshotOf(t, tab, "#tests .test", filepath.Join(shots, "detection-tests.png"))
				// The copy button answers (the clipboard, or the selected text when it is refused).
				browser.Do(t, tab, chromedp.Click(chromedp.CSS(`#queries button.copy`)))
				browser.Wait(t, tab, `document.querySelector('#queries button.copy').textContent === 'Copied'`, "the copy button to answer")
				// A phone: nothing wider than the screen.
				browser.Do(t, tab, chromedp.EmulateViewport(390, 844))
				browser.Wait(t, tab, `window.innerWidth === 390`, "the phone viewport")
				assert.LessOrEqual(t, browser.Eval[int](t, tab, `document.documentElement.scrollWidth`), 390, "the page scrolls sideways on a phone: %v",
					browser.Eval[[]string](t, tab, `Array.from(document.querySelectorAll('body *')).filter(function (e) { return e.getBoundingClientRect().right > 391; }).slice(0, 8).map(function (e) { return e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right); })`))
				browser.Screenshot(t, tab, filepath.Join(shots, "detection-phone.png"))
				browser.Do(t, tab, chromedp.EmulateViewport(1280, 900))
			}
			first = false
		}
		browser.Do(t, tab, chromedp.Navigate(base+"attack.html"))
		browser.Wait(t, tab, `document.readyState === 'complete'`, "the matrix to load")
		covered := browser.Eval[int](t, tab, `document.querySelectorAll('.matrix .cell.s1, .matrix .cell.s2').length`)
		assert.Positive(t, covered, "the matrix colours the covered techniques")
		tab.RequireClean(t, base)
	})

	t.Run("markup in a rule renders as text", func(t *testing.T) {
		dir := t.TempDir()
		const title = `<b id="injected">Bold</b><img src="https://example.invalid/x.png">`
		src := fmt.Sprintf(`title: '%s'
id: 0a1b2c3d-0000-4000-8000-000000000001
status: test
level: high
description: "<script>window.pwned = 1</script> in the description"
logsource:
  category: proxy
detection:
  selection:
    cs-host: '"><script>window.pwned = 2</script>'
  condition: selection
falsepositives:
  - '<i>none</i>'
`, title)
		file := filepath.Join(dir, "markup.yml")
		require.NoError(t, os.WriteFile(file, []byte(src), 0o644))
		rules, diags := sigma.Load(file, []byte(src))
		require.False(t, diags.HasErrors(), "%v", diags)
		backends := registry.All()
		arts, err := site.Generate(site.Input{Rules: rules, Backends: backends, Sources: map[string][]byte{file: []byte(src)},
			Runbook: site.Runbooks(rules, build.Defaults(backends), nil)})
		require.NoError(t, err)
		out := filepath.Join(dir, "site")
		require.NoError(t, build.WriteFolder(out, arts))
		tab := browser.NewTab(t, ctx, time.Minute)
		pageBase := "file://" + filepath.ToSlash(out) + "/"
		browser.Do(t, tab, chromedp.Navigate(pageBase+site.Href(rules[0])))
		browser.Wait(t, tab, `document.readyState === 'complete'`, "the page to load")
		assert.Equal(t, title, browser.Eval[string](t, tab, `document.querySelector('h1').textContent`))
		assert.False(t, browser.Eval[bool](t, tab, `!!document.getElementById('injected') || !!document.querySelector('main img') || !!document.querySelector('main i')`), "markup from the rule became elements")
		assert.True(t, browser.Eval[bool](t, tab, `window.pwned === undefined`), "a script from the rule ran")
		browser.Do(t, tab, chromedp.Navigate(pageBase+"index.html"))
		browser.Wait(t, tab, `document.readyState === 'complete'`, "the index to load")
		assert.Equal(t, title, browser.Eval[string](t, tab, `document.querySelector('#catalog tbody a').textContent`))
		assert.False(t, browser.Eval[bool](t, tab, `!!document.getElementById('injected')`))
		tab.RequireClean(t, pageBase)
	})

	t.Run("playground", func(t *testing.T) {
		e := &env{stdout: io.Discard, stderr: io.Discard}
		h, err := serveHandler(e, []string{"detections"}, noProject(t))
		require.NoError(t, err)
		srv := httptest.NewUnstartedServer(h)
		srv.Config = newServer(h, e)
		srv.Start()
		t.Cleanup(srv.Close)
		tab := browser.NewTab(t, ctx, 2*time.Minute)
		browser.Do(t, tab, chromedp.Navigate(srv.URL+"/playground.html"))
		query := `(document.querySelector('.pg-query') || {}).textContent`
		browser.Wait(t, tab, query+` && document.getElementById('pg-status').textContent === 'Up to date.'`, "the first query")
		splunk, _ := registry.Lookup("splunk")
		compile := func(text string) string {
			rules, diags := sigma.Load("playground.yml", []byte(text))
			require.False(t, diags.HasErrors(), "%v", diags)
			checked, cdiags := check.Run(rules[0])
			require.NotNil(t, checked, "%v", cdiags)
			q, err := splunk.Compile(checked, target.Options{})
			require.NoError(t, err)
			return strings.TrimRight(q.Text, "\n")
		}
		example := browser.Eval[string](t, tab, `document.getElementById('pg-rule').value`)
		require.Equal(t, "splunk", browser.Eval[string](t, tab, `document.getElementById('pg-target').value`))
		require.Equal(t, compile(example), browser.Eval[string](t, tab, query))
		// The example events: the upload matches, the visit does not.
		assert.Equal(t, []string{"true", "false"}, browser.Eval[[]string](t, tab, `Array.from(document.querySelectorAll('#pg-events-table tbody tr')).map(function (r) { return r.dataset.matched; })`))

		setRule := func(text string) {
			browser.Eval[bool](t, tab, fmt.Sprintf(`(function () { var a = document.getElementById('pg-rule'); a.value = %s; a.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`, jsString(text)))
		}
		edited := strings.Replace(example, "cs-method: POST", "cs-method: PUT", 1)
		require.NotEqual(t, example, edited, "the example rule has cs-method: POST")
		setRule(edited)
		browser.Wait(t, tab, query+`.indexOf('PUT') >= 0`, "the SPL to follow the edit")
		assert.Equal(t, compile(edited), browser.Eval[string](t, tab, query))

		broken := strings.Replace(edited, "condition: selection", "condition: selection and no_such_search", 1)
		line := 0
		for i, l := range strings.Split(broken, "\n") {
			if strings.Contains(l, "no_such_search") {
				line = i + 1
			}
		}
		setRule(broken)
		browser.Wait(t, tab, `document.querySelector('#pg-diags li.error')`, "the diagnostic of the broken rule")
		diag := browser.Eval[map[string]string](t, tab, `(function () { var li = document.querySelector('#pg-diags li.error'); return {line: li.dataset.line, text: li.textContent}; })()`)
		assert.Equal(t, fmt.Sprint(line), diag["line"], "the diagnostic is on the condition's line: %s", diag["text"])
		assert.Contains(t, diag["text"], "no_such_search")

		shared := browser.Eval[string](t, tab, `location.href`)
		require.Contains(t, shared, "#s=")
		// The link opens the same state in a fresh tab.
		other := browser.NewTab(t, ctx, time.Minute)
		browser.Do(t, other, chromedp.Navigate(shared))
		browser.Wait(t, other, `document.querySelector('#pg-diags li.error')`, "the shared rule's diagnostic")
		assert.Equal(t, broken, browser.Eval[string](t, other, `document.getElementById('pg-rule').value`))
		assert.Equal(t, fmt.Sprint(line), browser.Eval[string](t, other, `document.querySelector('#pg-diags li.error').dataset.line`))
		browser.Screenshot(t, other, filepath.Join(shots, "playground.png"))

		// A pack detection opened from its page compiles in the playground
		// as detc compile compiles it: the shared selection it uses
		// (webhooks.hcl) is loaded beside it.
		var hclRule *rule.Rule
		for _, r := range set.Rules {
			if strings.HasSuffix(r.File, ".hcl") && !r.IsPivot() && len(r.Tests) > 0 && strings.Contains(string(set.Sources[r.File]), "use_selections") {
				hclRule = r
				break
			}
		}
		require.NotNil(t, hclRule, "the pack has an HCL detection with use_selections")
		browser.Do(t, other, chromedp.Navigate(srv.URL+"/"+site.Href(hclRule)))
		browser.Wait(t, other, `document.getElementById('open-playground')`, "the link to the playground")
		// The served page reads the fixtures (they are under the fixtures folder detc serve is given).
		assert.Equal(t, "All fixture tests pass.", browser.Eval[string](t, other, `document.querySelector('#tests > p.verdict').textContent`))
		browser.Do(t, other, chromedp.Click(chromedp.CSS("#open-playground")))
		browser.Wait(t, other, `location.pathname === '/playground.html' && document.getElementById('pg-status').textContent === 'Up to date.' && document.querySelector('.pg-query')`, "the detection in the playground")
		assert.Equal(t, "hcl", browser.Eval[string](t, other, `document.getElementById('pg-format').value`))
		assert.Equal(t, 0, browser.Eval[int](t, other, `document.querySelectorAll('#pg-diags li.error').length`), "%v", browser.Eval[[]string](t, other, `Array.from(document.querySelectorAll('#pg-diags li')).map(function (l) { return l.textContent; })`))
		b0, _ := registry.Lookup(browser.Eval[string](t, other, `document.getElementById('pg-target').value`))
		c := want[queryKey{hclRule.ID, b0.Name(), b0.Profiles()[0], b0.Langs()[0]}]
		require.NotNil(t, c.Query)
		assert.Equal(t, strings.TrimRight(*c.Query, "\n"), browser.Eval[string](t, other, query))
		tab.RequireClean(t, srv.URL+"/")
		other.RequireClean(t, srv.URL+"/")

		// A rule over the size limit: the page says so (the browser logs
		// the 413 answer, nothing else).
		big := browser.NewTab(t, ctx, time.Minute)
		browser.Do(t, big, chromedp.Navigate(srv.URL+"/playground.html"))
		browser.Wait(t, big, `document.getElementById('pg-status').textContent === 'Up to date.'`, "the playground")
		browser.Eval[bool](t, big, `(function () { var a = document.getElementById('pg-rule'); a.value = 'title: x\n#' + 'x'.repeat(1100000); a.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`)
		browser.Wait(t, big, `document.getElementById('pg-status').textContent.indexOf('Error: the request is') === 0`, "the size error on the page")
		assert.Contains(t, browser.Eval[string](t, big, `document.querySelector('#pg-diags li.error').textContent`), "at most 1048576")
		for _, e := range big.Errors() {
			assert.Contains(t, e, "status of 413", "only the refused request is logged")
		}
	})
}

// checkFixtureTable checks a detection page's fixture tests: every event
// is listed, the ones the test says must match are marked so, and the
// evaluator agrees with each (the pack's tests pass).
func checkFixtureTable(t *testing.T, tab *browser.Tab, id string, tests []*rule.FixtureTest) {
	t.Helper()
	type row struct{ Event, Expected, Matched, Explain string }
	tables := browser.Eval[[][]row](t, tab, `Array.from(document.querySelectorAll('#tests .test')).map(function (s) {
  return Array.from(s.querySelectorAll('tr[data-event]')).map(function (r) {
    return {Event: r.dataset.event, Expected: r.dataset.expected, Matched: r.dataset.matched, Explain: r.querySelector('.explain').textContent};
  });
})`)
	require.Len(t, tables, len(tests), "%s: one table per fixture test", id)
	assert.Equal(t, "All fixture tests pass.", browser.Eval[string](t, tab, `document.querySelector('#tests > p.verdict').textContent`))
	for i, test := range tests {
		require.NotEmpty(t, tables[i], "%s: test %s lists its events", id, test.Name)
		var expected []string
		for _, r := range tables[i] {
			if r.Expected == "" {
				// Counted towards an aggregation's alerts: no verdict per event.
				require.NotEmpty(t, test.Alerts, "%s: event %s has no expectation", id, r.Event)
				continue
			}
			assert.Equal(t, r.Expected, r.Matched, "%s: event %s", id, r.Event)
			if strings.HasPrefix(r.Explain, "match: ") {
				assert.True(t, strings.HasPrefix(r.Explain, "match: "+r.Matched+"\n"), "%s: event %s: the explanation disagrees with the verdict: %s", id, r.Event, r.Explain)
			} else {
				assert.Contains(t, r.Explain, "log source", "%s: event %s is explained", id, r.Event)
			}
			if r.Expected == "true" {
				expected = append(expected, r.Event)
			}
		}
		if len(test.Match) > 0 || test.Alerts == nil {
			assert.ElementsMatch(t, test.Match, expected, "%s: test %s", id, test.Name)
		}
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
