package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/backends/target"
)

const goodRule = `title: POST to a webhook
id: 11111111-2222-4333-8444-555555555555
status: test
level: high
description: test
logsource:
  category: proxy
detection:
  selection:
    cs-method: POST
    cs-host|endswith: hooks.slack.com
  condition: selection
`

func newTestServer(t *testing.T, limits Limits) *httptest.Server {
	t.Helper()
	var logs bytes.Buffer
	h := Handler(Options{
		Pages:    []target.Artifact{{Path: "index.html", Data: []byte("<!DOCTYPE html><title>x</title>")}},
		Backends: registry.All(),
		Limits:   limits,
		Log:      log.New(&logs, "", 0),
	})
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		assert.Empty(t, logs.String(), "a request made the server log an internal error")
	})
	return srv
}

func post(t *testing.T, srv *httptest.Server, body []byte) (int, Response) {
	t.Helper()
	resp, err := http.Post(srv.URL+"/api/compile", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var res Response
	require.NoError(t, json.Unmarshal(data, &res), "the answer is JSON: %s", data)
	return resp.StatusCode, res
}

func request(t *testing.T, rule, format, events string) []byte {
	t.Helper()
	data, err := json.Marshal(Request{Format: format, Target: "splunk", Rule: rule, Events: events})
	require.NoError(t, err)
	return data
}

func TestCompile(t *testing.T) {
	srv := newTestServer(t, DefaultLimits)
	code, res := post(t, srv, request(t, goodRule, "sigma", `{"id":"a","cs-method":"POST","cs-host":"hooks.slack.com"}
{"id":"b","cs-method":"GET","cs-host":"hooks.slack.com"}
not json`))
	require.Equal(t, http.StatusOK, code, res.Error)
	require.Len(t, res.Rules, 1)
	r := res.Rules[0]
	require.NotNil(t, r.Query)
	assert.Contains(t, *r.Query, "hooks.slack.com")
	assert.NotEmpty(t, r.Deployment)
	assert.Contains(t, r.RunbookHTML, "<h3>Runbook: POST to a webhook</h3>")
	require.Len(t, r.Events, 3)
	assert.True(t, r.Events[0].Matched)
	assert.False(t, r.Events[1].Matched)
	assert.NotEmpty(t, r.Events[2].Error, "a line that is not JSON is reported, not dropped")
	assert.Equal(t, "events:3:1", r.Events[2].Where)
}

func TestCompileReportsDiagnosticsAtTheirLine(t *testing.T) {
	srv := newTestServer(t, DefaultLimits)
	broken := strings.Replace(goodRule, "condition: selection", "condition: selection and nothere", 1)
	code, res := post(t, srv, request(t, broken, "sigma", ""))
	require.Equal(t, http.StatusOK, code)
	d := firstError(t, res)
	assert.Equal(t, [2]int{12, 28}, [2]int{d.Line, d.Col}, "%+v", d)
	assert.Contains(t, d.Message, "nothere")

	hcl := "detection \"x\" {\n  title = \"t\"\n  condition = \n}\n"
	code, res = post(t, srv, request(t, hcl, "hcl", ""))
	require.Equal(t, http.StatusOK, code)
	d = firstError(t, res)
	assert.Equal(t, 3, d.Line, "%+v", d)
}

func TestWrongFormatIsNamed(t *testing.T) {
	srv := newTestServer(t, DefaultLimits)
	hcl := "detection \"x\" {\n  title = \"t\"\n}\n"
	for _, c := range []struct{ text, format, want string }{
		{hcl, "sigma", "pick HCL"},
		{goodRule, "hcl", "pick Sigma YAML"},
	} {
		_, res := post(t, srv, request(t, c.text, c.format, ""))
		var msgs []string
		for _, d := range res.Diagnostics {
			msgs = append(msgs, d.Message)
		}
		assert.Contains(t, strings.Join(msgs, "\n"), c.want)
	}
}

func firstError(t *testing.T, res Response) Diagnostic {
	t.Helper()
	for _, d := range res.Diagnostics {
		if d.Severity == "error" {
			return d
		}
	}
	require.Fail(t, "no error diagnostic", "%+v", res.Diagnostics)
	return Diagnostic{}
}

// TestBadInput sends what a hostile or careless client might: each gets
// an error answer (JSON with error or diagnostics), none stops the server,
// and the server still answers a good request afterwards.
func TestBadInput(t *testing.T) {
	srv := newTestServer(t, Limits{MaxBody: 1 << 20, Timeout: 10 * time.Second, Concurrent: 2})
	nested := strings.Repeat("(", 5000) + "selection" + strings.Repeat(")", 5000)
	deepYAML := strings.Repeat("- ", 50000) + "x"
	deepFlow := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	var bomb strings.Builder
	bomb.WriteString("title: bomb\nlogsource: {category: proxy}\ndetection:\n  a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n")
	prev := "a"
	for i := 0; i < 9; i++ {
		name := fmt.Sprintf("b%d", i)
		fmt.Fprintf(&bomb, "  %s: &%s [*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s]\n", name, name, prev, prev, prev, prev, prev, prev, prev, prev, prev)
		prev = name
	}
	bomb.WriteString("  selection:\n    cs-host: *" + prev + "\n  condition: selection\n")
	hclBomb := "locals {\n  l0 = [\"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\"]\n"
	for i := 1; i < 9; i++ {
		prev := fmt.Sprintf("local.l%d", i-1)
		hclBomb += fmt.Sprintf("  l%d = concat(%s)\n", i, strings.TrimSuffix(strings.Repeat(prev+", ", 10), ", "))
	}
	hclBomb += "}\ndetection \"x\" {\n  title = \"t\"\n  logsource {\n    category = \"proxy\"\n  }\n  selection \"s\" {\n    match \"cs-host\" {\n      equals = local.l8\n    }\n  }\n  condition = \"s\"\n}\n"
	hclDeep := "detection \"x\" {\n  title = " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "\n}\n"
	cases := []struct {
		name   string
		body   []byte
		status int
		want   string // in the error or the first diagnostic
	}{
		{"huge body", append(request(t, goodRule, "sigma", ""), bytes.Repeat([]byte(" "), 2<<20)...), http.StatusRequestEntityTooLarge, "at most"},
		{"invalid UTF-8", []byte("{\"format\":\"sigma\",\"target\":\"splunk\",\"rule\":\"title: \xff\xfe\"}"), http.StatusBadRequest, "not valid UTF-8"},
		{"not JSON", []byte("title: x"), http.StatusBadRequest, "not the playground's JSON"},
		{"unknown field", []byte(`{"rules":"x"}`), http.StatusBadRequest, "unknown field"},
		{"unknown target", []byte(`{"format":"sigma","target":"qradar","rule":"x"}`), http.StatusUnprocessableEntity, "unknown target"},
		{"unknown profile", []byte(`{"format":"sigma","target":"splunk","profile":"nope","rule":"x"}`), http.StatusUnprocessableEntity, "no profile"},
		{"unknown format", []byte(`{"format":"xml","target":"splunk","rule":"x"}`), http.StatusUnprocessableEntity, "unknown format"},
		{"empty rule", request(t, "", "sigma", ""), http.StatusOK, "empty"},
		{"YAML alias bomb", request(t, bomb.String(), "sigma", ""), http.StatusOK, ""},
		{"deeply nested condition", request(t, strings.Replace(goodRule, "condition: selection", "condition: "+nested, 1), "sigma", ""), http.StatusOK, "deeper than"},
		{"deeply nested YAML", request(t, deepYAML, "sigma", ""), http.StatusOK, ""},
		{"deeply nested YAML flow", request(t, "detection: "+deepFlow, "sigma", ""), http.StatusOK, ""},
		{"deeply nested HCL", request(t, hclDeep, "hcl", ""), http.StatusOK, ""},
		{"HCL list bomb", request(t, hclBomb, "hcl", ""), http.StatusOK, "elements"},
		{"deeply nested event", request(t, goodRule, "sigma", `{"a":`+deepFlow+`}`), http.StatusOK, ""},
		{"binary in the rule", request(t, "\x00\x01\x02title: x", "sigma", ""), http.StatusOK, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, res := post(t, srv, c.body)
			require.Equal(t, c.status, code, "error %q, diagnostics %+v", res.Error, res.Diagnostics)
			if code != http.StatusOK {
				require.Contains(t, res.Error, c.want)
				return
			}
			if len(res.Rules) == 1 && len(res.Rules[0].Events) > 0 {
				assert.NotEmpty(t, res.Rules[0].Events[0].Error, "the deeply nested event is refused")
				return
			}
			firstError(t, res)
			if c.want != "" {
				var all []string
				for _, d := range res.Diagnostics {
					all = append(all, d.Message)
				}
				assert.Contains(t, strings.Join(all, "\n"), c.want)
			}
		})
	}
	// A huge body sent without a length (chunked) is cut at the limit.
	resp, err := http.Post(srv.URL+"/api/compile", "application/json", io.MultiReader(bytes.NewReader(request(t, goodRule, "sigma", "")), bytes.NewReader(bytes.Repeat([]byte(" "), 2<<20))))
	require.NoError(t, err)
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode, "%s", data)
	assert.Contains(t, string(data), "larger than")

	code, res := post(t, srv, request(t, goodRule, "sigma", ""))
	require.Equal(t, http.StatusOK, code, "the server still answers: %s", res.Error)
}

// TestConcurrentRequests sends many requests at once to a server that
// compiles two at a time: each gets a complete answer (a result, or
// "busy" when it waited longer than the timeout), and the results do not
// mix one request's rule with another's.
func TestConcurrentRequests(t *testing.T) {
	srv := newTestServer(t, Limits{MaxBody: 1 << 20, Timeout: 10 * time.Second, Concurrent: 2})
	const n = 64
	var wg sync.WaitGroup
	codes := make([]int, n)
	hosts := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			host := fmt.Sprintf("host%d.example", i)
			code, res := post(t, srv, request(t, strings.Replace(goodRule, "hooks.slack.com", host, 1), "sigma", ""))
			codes[i] = code
			if code == http.StatusOK && len(res.Rules) == 1 && res.Rules[0].Query != nil {
				hosts[i] = *res.Rules[0].Query
			}
		}()
	}
	wg.Wait()
	for i := range n {
		if codes[i] == http.StatusServiceUnavailable {
			continue
		}
		require.Equal(t, http.StatusOK, codes[i])
		assert.Contains(t, hosts[i], fmt.Sprintf("host%d.example", i))
		assert.NotContains(t, hosts[i], fmt.Sprintf("host%d.example\"", (i+1)%n))
	}
}

// TestTimeout: a compilation that outlives the limit gets a 503 answer.
func TestTimeout(t *testing.T) {
	srv := newTestServer(t, Limits{MaxBody: 1 << 20, Timeout: time.Nanosecond, Concurrent: 1})
	code, res := post(t, srv, request(t, goodRule, "sigma", ""))
	require.Equal(t, http.StatusServiceUnavailable, code)
	assert.NotEmpty(t, res.Error)
}

func TestPages(t *testing.T) {
	srv := newTestServer(t, DefaultLimits)
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/", 200},
		{"GET", "/index.html", 200},
		{"HEAD", "/index.html", 200},
		{"GET", "/../../etc/passwd", 404},
		{"GET", "/%2e%2e/go.mod", 404},
		{"GET", "/nothere.html", 404},
		{"POST", "/index.html", 405},
		{"GET", "/api/compile", 405},
	} {
		req, err := http.NewRequest(c.method, srv.URL+c.path, nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, c.status, resp.StatusCode, "%s %s", c.method, c.path)
	}
}
