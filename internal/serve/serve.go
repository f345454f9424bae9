// Package serve is detc serve: the catalog of the given detections and
// the playground, over HTTP. Every page is built in memory when the server
// starts; a request never reads or writes a file. The playground's
// api/compile loads the rule text it is sent with the front ends, lints,
// compiles and evaluates it, and answers with JSON. Bad input of any kind
// gets an error answer; a request is bounded in size, time and
// concurrency.
package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"mime"
	"net/http"
	"path"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/runbook"
)

// Limits bound what one request may cost.
type Limits struct {
	// MaxBody is the largest request body accepted, in bytes.
	MaxBody int64
	// Timeout bounds the work on one compile request.
	Timeout time.Duration
	// Concurrent is how many compile requests run at once; others wait
	// up to Timeout for a turn.
	Concurrent int
}

// DefaultLimits are detc serve's limits.
var DefaultLimits = Limits{MaxBody: 1 << 20, Timeout: 10 * time.Second, Concurrent: max(2, runtime.GOMAXPROCS(0))}

// Options configure the handler.
type Options struct {
	// Pages are the catalog's files (site.Generate with the playground),
	// by path.
	Pages []target.Artifact
	// Backends are the targets the playground compiles for.
	Backends []target.Backend
	// Shared are the HCL files of the served set that define no
	// detection (locals, shared selections): a pasted HCL rule is loaded
	// with them, as the rule would be in the repository.
	Shared map[string][]byte
	// RunbookRules and Cards feed the playground's runbook (pivots and
	// technique cards of the served set).
	RunbookRules []*rule.Rule
	Cards        map[string]*runbook.Card
	Limits       Limits
	// Log receives the panics a request caused (never the request's text).
	Log *log.Logger
}

// ContentSecurityPolicy is sent with every answer. (The static catalog
// carries none: browsers disagree on what 'self' means for file:// pages.)
const ContentSecurityPolicy = "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

type server struct {
	opts  Options
	pages map[string][]byte
	slots chan struct{}
}

// Handler serves the catalog and the playground's API.
func Handler(opts Options) http.Handler {
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits
	}
	if opts.Log == nil {
		opts.Log = log.Default()
	}
	s := &server{opts: opts, pages: map[string][]byte{}, slots: make(chan struct{}, opts.Limits.Concurrent)}
	for _, p := range opts.Pages {
		s.pages[p.Path] = p.Data
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/compile", s.compile)
	mux.HandleFunc("/", s.page)
	return s.recover(mux)
}

// recover turns a panic into a 500 answer, so one bad request cannot stop
// the server.
func (s *server) recover(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.opts.Log.Printf("detc serve: internal error on %s %s: %v", r.Method, r.URL.Path, v)
				writeJSON(w, http.StatusInternalServerError, Response{Error: fmt.Sprintf("internal error: %v", v)})
			}
		}()
		w.Header().Set("X-Content-Type-Options", "nosniff")
		// Defence in depth behind html/template's escaping: only the
		// server's own scripts, styles and images, no inline script.
		w.Header().Set("Content-Security-Policy", ContentSecurityPolicy)
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

func (s *server) page(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if name == "" {
		name = "index.html"
	}
	data, ok := s.pages[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(data)
}

// Request is what the playground sends.
type Request struct {
	// Format is "sigma" or "hcl".
	Format  string `json:"format"`
	Target  string `json:"target"`
	Profile string `json:"profile"`
	Lang    string `json:"lang"`
	Rule    string `json:"rule"`
	// Events are JSON Lines to evaluate the rules on.
	Events string `json:"events"`
}

// Response is the playground's answer.
type Response struct {
	// Error is set when the request itself is wrong (not the rule).
	Error       string       `json:"error,omitempty"`
	Diagnostics []Diagnostic `json:"diagnostics"`
	Rules       []RuleResult `json:"rules"`
}

// Diagnostic is a problem in the rule, at a line and column of its text
// (File is set only when the problem is in a shared file of the served set).
type Diagnostic struct {
	File     string `json:"file,omitempty"`
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
}

func (s *server) compile(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeJSON(w, http.StatusMethodNotAllowed, Response{Error: "use POST"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.Limits.Timeout)
	defer cancel()
	// The body is read before taking a compilation slot, so a slow
	// client holds no slot (the server's read deadline bounds it).
	body, status, err := readBody(w, r, s.opts.Limits.MaxBody)
	if err != nil {
		writeJSON(w, status, Response{Error: err.Error()})
		return
	}
	var req Request
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, Response{Error: "the request is not the playground's JSON: " + err.Error()})
		return
	}
	select {
	case s.slots <- struct{}{}:
		// Released when the work ends, not when the answer is sent: work
		// that outlives its timeout still holds its slot, so at most
		// Concurrent compilations ever run.
	case <-ctx.Done():
		writeJSON(w, http.StatusServiceUnavailable, Response{Error: "the server is busy; try again"})
		return
	}
	if ctx.Err() != nil {
		<-s.slots
		writeJSON(w, http.StatusServiceUnavailable, Response{Error: fmt.Sprintf("the request took longer than %s", s.opts.Limits.Timeout)})
		return
	}
	type answer struct {
		status int
		res    Response
	}
	done := make(chan answer, 1)
	go func() {
		defer func() { <-s.slots }()
		defer func() {
			if v := recover(); v != nil {
				s.opts.Log.Printf("detc serve: internal error compiling a playground rule: %v", v)
				done <- answer{http.StatusInternalServerError, Response{Error: fmt.Sprintf("internal error: %v", v)}}
			}
		}()
		res := s.run(req)
		status := http.StatusOK
		if res.Error != "" {
			status = http.StatusUnprocessableEntity
		}
		done <- answer{status, res}
	}()
	select {
	case a := <-done:
		writeJSON(w, a.status, a.res)
	case <-ctx.Done():
		// The work goes on in its goroutine until it ends (it is bounded
		// by the body size), holding its slot.
		writeJSON(w, http.StatusServiceUnavailable, Response{Error: fmt.Sprintf("compiling took longer than %s", s.opts.Limits.Timeout)})
	}
}

// readBody reads at most limit bytes and checks they are UTF-8.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, int, error) {
	if r.ContentLength > limit {
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("the request is %d bytes; at most %d are accepted", r.ContentLength, limit)
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if _, tooLarge := err.(*http.MaxBytesError); tooLarge {
			return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("the request is larger than %d bytes", limit)
		}
		return nil, http.StatusBadRequest, fmt.Errorf("cannot read the request: %v", err)
	}
	if !utf8.Valid(data) {
		return nil, http.StatusBadRequest, fmt.Errorf("the request is not valid UTF-8 (byte %d of %d)", invalidAt(data), len(data))
	}
	return data, 0, nil
}

func invalidAt(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return i + 1
		}
		i += size
	}
	return len(data)
}

func writeJSON(w http.ResponseWriter, status int, res Response) {
	if res.Diagnostics == nil {
		res.Diagnostics = []Diagnostic{}
	}
	if res.Rules == nil {
		res.Rules = []RuleResult{}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(res)
}
