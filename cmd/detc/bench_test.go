package main

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/testutil"
)

// The corpus benchmarks run whole commands in process over the shared
// SigmaHQ corpus (3,141 rules; skipped where it is absent): what a user
// waits for, less the process start (about 5 ms).

func benchmarkCommand(b *testing.B, args ...string) {
	for b.Loop() {
		if code := run(args, io.Discard, io.Discard); code > 1 {
			b.Fatalf("detc %v exited %d", args, code)
		}
	}
}

// BenchmarkCorpusLoad is loading alone: finding, reading and parsing the
// corpus files (load.Paths), which every command starts with.
func BenchmarkCorpusLoad(b *testing.B) {
	dir := testutil.SigmaCorpus(b)
	for b.Loop() {
		if set, _ := load.Paths([]string{dir}); len(set.Rules) == 0 {
			b.Fatal("no rule loaded")
		}
	}
}

// BenchmarkCorpusLint is `detc lint` over the corpus: load and lint.
func BenchmarkCorpusLint(b *testing.B) {
	benchmarkCommand(b, "lint", testutil.SigmaCorpus(b))
}

// BenchmarkCorpusCompile is `detc compile --json` over the corpus for each
// target in its first profile, and Splunk's raw profile (the figure set
// beside sigma-cli's).
func BenchmarkCorpusCompile(b *testing.B) {
	dir := testutil.SigmaCorpus(b)
	b.Run("splunk-raw", func(b *testing.B) {
		benchmarkCommand(b, "compile", "--target", "splunk", "--profile", "raw", "--json", dir)
	})
	for _, name := range registry.Names() {
		b.Run(name, func(b *testing.B) {
			benchmarkCommand(b, "compile", "--target", name, "--json", dir)
		})
	}
}

// BenchmarkCorpusBuildCommand is `detc build` over the corpus for every
// target in its default profile, with the policy of a team adopting the
// set, the command (no fixture tests; rules every target refuses
// for what the SIEMs lack are warnings by default): lint,
// compile, runbooks, deployment files, the Navigator layer and the
// catalog, written to disk. A failed build fails the benchmark.
func BenchmarkCorpusBuildCommand(b *testing.B) {
	dir := testutil.SigmaCorpus(b)
	out := filepath.Join(b.TempDir(), "out")
	for b.Loop() {
		if code := run([]string{"build", "--config", "none", "--check", "fixture-coverage=off", "--out", out, dir}, io.Discard, io.Discard); code != 0 {
			b.Fatalf("detc build exited %d", code)
		}
	}
}
