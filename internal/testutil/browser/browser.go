// Package browser runs Debian's Chromium headless for tests (through
// chromedp) and records what a page did that a test must see: console
// errors, uncaught exceptions and every network request.
package browser

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/testutil"
)

// Start starts one headless Chromium for the test and its subtests, with
// a fresh profile, and stops it when the test ends. Chromium is a checker
// that make deps installs: without it the test skips, or fails under
// DETC_REQUIRE_CHECKERS (testutil.RequireChecker).
func Start(t *testing.T) context.Context {
	t.Helper()
	exe := os.Getenv("DETC_CHROMIUM")
	if exe == "" {
		exe = "chromium"
	}
	path, err := exec.LookPath(exe)
	testutil.RequireChecker(t, "Chromium", err)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		// The machines that run the tests may have no network at all: turn
		// off everything that would reach out on its own.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("no-pings", true),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first run starts the browser; it must not carry a timeout.
	require.NoError(t, chromedp.Do(ctx), "cannot start %s", path)
	return ctx
}

// Tab is one browser tab and what happened in it.
type Tab struct {
	Ctx context.Context

	mu       sync.Mutex
	errors   []string
	requests []string
}

// NewTab opens a tab of the browser; it is closed when the test ends.
// Every action on it is bounded by timeout.
func NewTab(t *testing.T, browser context.Context, timeout time.Duration) *Tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	tab := &Tab{}
	require.NoError(t, chromedp.Listen(ctx, tab.record))
	tctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(cancelTimeout)
	tab.Ctx = tctx
	return tab
}

func (tab *Tab) record(ev any) {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			tab.errors = append(tab.errors, "console."+string(ev.Type)+": "+strings.Join(parts, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		tab.errors = append(tab.errors, fmt.Sprintf("uncaught exception at %s:%d: %s", d.URL, d.LineNumber+1, msg))
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			tab.errors = append(tab.errors, fmt.Sprintf("%s error: %s (%s)", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	case *network.EventRequestWillBeSent:
		tab.requests = append(tab.requests, ev.Request.URL)
	}
}

// Errors are the console errors, uncaught exceptions and error log
// entries (failed loads, blocked content) seen so far.
func (tab *Tab) Errors() []string {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	return append([]string(nil), tab.errors...)
}

// Requests are the URLs the tab requested so far, in order.
func (tab *Tab) Requests() []string {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	return append([]string(nil), tab.requests...)
}

// RequireClean fails the test when the tab logged an error or requested
// a URL outside base (a prefix such as file:///tmp/x/site/).
func (tab *Tab) RequireClean(t *testing.T, base string) {
	t.Helper()
	require.Empty(t, tab.Errors(), "the page logged errors")
	reqs := tab.Requests()
	require.NotEmpty(t, reqs, "no request was recorded: the recorder is broken")
	for _, u := range reqs {
		require.True(t, strings.HasPrefix(u, base), "request outside %s: %s", base, u)
	}
}

// Eval evaluates a JavaScript expression in the tab and decodes its value.
func Eval[T any](t *testing.T, tab *Tab, expr string) T {
	t.Helper()
	v, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[T](expr))
	require.NoError(t, err, "evaluating %s", expr)
	return v
}

// Wait polls a JavaScript expression until it is truthy, failing the test
// with what when it never becomes so.
func Wait(t *testing.T, tab *Tab, expr, what string) {
	t.Helper()
	// Evaluated again and again rather than with chromedp.Poll, which
	// fails when a navigation replaces the page it polls.
	deadline := time.Now().Add(20 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[bool]("!!("+expr+")"))
		if err == nil && ok {
			return
		}
		last = err
		if tab.Ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	require.Fail(t, "timed out waiting for "+what, "%s (last error: %v)", expr, last)
}

// Do runs chromedp actions in the tab.
func Do(t *testing.T, tab *Tab, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	require.NoError(t, chromedp.Do(tab.Ctx, steps...))
}

// Screenshot writes a full-page PNG to file.
func Screenshot(t *testing.T, tab *Tab, file string) {
	t.Helper()
	png, err := chromedp.Run(tab.Ctx, chromedp.FullScreenshot(90))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, png, 0o644))
	t.Logf("screenshot: %s", file)
}

// ScreenshotOf writes a PNG of the first element that the CSS selector
// matches.
func ScreenshotOf(t *testing.T, tab *Tab, selector, file string) {
	t.Helper()
	png, err := chromedp.Run(tab.Ctx, chromedp.Screenshot(chromedp.CSS(selector)))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, png, 0o644))
	t.Logf("screenshot of %s: %s", selector, file)
}
