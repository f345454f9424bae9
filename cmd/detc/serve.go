package main

import (
	"errors"
	"flag"
	"fmt"
	"github.com/detc/detc/internal/project"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/internal/cli"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/serve"
	"github.com/detc/detc/internal/site"
)

var serveCmd = &subcommand{
	Command: cli.Command{
		Name:    "serve",
		Summary: "serve the catalog and a playground that compiles a rule as you type",
		Usage:   "detc serve [--addr HOST:PORT] [--fixtures DIR] [PATH...]",
		Detail: `Loads the detections under the paths once, then serves their catalog (the
pages detc site writes) and playground.html, where you paste or edit a
rule in Sigma YAML or HCL, pick a target, profile and language, and see
the query, deployment entry, runbook and every diagnostic with its line
and column as you type; JSON Lines events pasted beside it show which
match, with the evaluator's explanation. The page's address holds the
rule: copy it to share it.

It listens on the loopback address unless --addr says otherwise and
writes no file. It reads the detections once, at start-up, with the
fixture files their tests name under the paths or the --fixtures folder
(no other); then pages are kept in memory and the playground works on the
text it is sent. A request body may be at most 1 MiB and a compilation
may take at most 10 s. Stop it with Ctrl-C. See docs/site.md.`,
		Example: "detc serve detections/\ndetc serve --addr 127.0.0.1:9000 detections/proxy/",
	},
	run: runServe,
}

func runServe(c *cli.Command, e *env, args []string) int {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "`address` to listen on (host:port)")
	pf := project.AddFlags(fs, project.Fixtures)
	paths, err := cli.Parse(c, fs, args, e.stdout, e.stderr)
	if err != nil {
		return cli.Exit(err)
	}
	s, code := openProject(c, e, pf, paths)
	if s == nil {
		return code
	}
	handler, err := serveHandler(e, paths, s)
	if err != nil {
		fmt.Fprintf(e.stderr, "detc serve: %v\n", err)
		return cli.ExitFail
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(e.stderr, "detc serve: %v\n", err)
		return cli.ExitFail
	}
	if host, _, err := net.SplitHostPort(*addr); err == nil {
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			fmt.Fprintf(e.stderr, "detc serve: warning: %s is not a loopback address: other machines can reach the playground\n", *addr)
		}
	}
	fmt.Fprintf(e.stdout, "serving the catalog on http://%s/ and the playground on http://%s/playground.html\n", ln.Addr(), ln.Addr())
	srv := newServer(handler, e)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(e.stderr, "detc serve: %v\n", err)
		return cli.ExitFail
	}
	return cli.ExitOK
}

// newServer bounds slow clients: headers, bodies and answers each have a
// deadline, headers a size.
func newServer(h http.Handler, e *env) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       20 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(e.stderr, "", 0),
	}
}

// serveHandler loads the detections and builds the catalog in memory. Lint
// problems are reported but do not stop the server: the catalog shows
// what loaded, and the playground is there to fix rules. Fixture files are
// read only under the paths and the fixtures folder.
func serveHandler(e *env, paths []string, s *project.Settings) (http.Handler, error) {
	set, diags := loadDetections(paths, s)
	cli.WriteDiagnostics(e.stderr, diags, set.Sources)
	in := siteInput(set, set.Rules, true, siteRunbooks(set, s.Deployments))
	if len(paths) == 0 {
		paths = []string{load.DefaultPath}
	}
	roots := paths
	if s.Fixtures != "" {
		roots = append(roots, s.Fixtures)
	}
	for _, p := range roots {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		if info, err := os.Stat(abs); err == nil && !info.IsDir() {
			abs = filepath.Dir(abs)
		}
		in.FixtureRoots = append(in.FixtureRoots, abs)
	}
	pages, err := site.Generate(in)
	if err != nil {
		return nil, err
	}
	return serve.Handler(serve.Options{
		Pages: pages, Backends: registry.All(), Shared: sharedHCL(set),
		RunbookRules: set.RunbookRules(), Cards: set.Cards,
		Log: log.New(e.stderr, "", 0),
	}), nil
}

// sharedHCL are the set's HCL files that define no detection: its locals
// and shared selections.
func sharedHCL(set *load.Set) map[string][]byte {
	defines := map[string]bool{}
	for _, r := range set.RunbookRules() {
		defines[r.File] = true
	}
	out := map[string][]byte{}
	for f, data := range set.Sources {
		if load.IsHCL(f) && !defines[f] {
			out[f] = data
		}
	}
	return out
}
