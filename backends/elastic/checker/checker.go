// Package checker runs Elasticsearch query_string queries through Apache
// Lucene 8 (Debian's liblucene8-java): LuceneChecker.java parses them with
// the classic QueryParser, overriding the hooks Elasticsearch overrides,
// and runs them over events indexed in memory with Elasticsearch's field
// types. The Java source is compiled with javac into a cache folder on
// first use; one JVM then serves every batch of a test run.
package checker

import (
	"bufio"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

//go:embed LuceneChecker.java
var source []byte

// JarDir is where Debian installs Lucene's jars.
var JarDir = "/usr/share/java"

// jars are the Lucene modules the checker needs.
var jars = []string{"lucene-core", "lucene-queryparser", "lucene-misc", "lucene-analyzers-common"}

// Classpath finds the Lucene jars, or says how to install them.
func Classpath() (string, error) {
	var paths []string
	for _, j := range jars {
		found, _ := filepath.Glob(filepath.Join(JarDir, j+"-8*.jar"))
		if len(found) == 0 {
			found, _ = filepath.Glob(filepath.Join(JarDir, j+".jar"))
		}
		if len(found) == 0 {
			return "", fmt.Errorf("%s.jar (Lucene 8) is not in %s: run backends/elastic/checker/install.sh (apt-get install liblucene8-java)", j, JarDir)
		}
		sort.Strings(found)
		paths = append(paths, found[len(found)-1])
	}
	return strings.Join(paths, string(os.PathListSeparator)), nil
}

// Available reports whether the checker can run here: the Lucene jars,
// java and javac (make deps installs them).
func Available() error {
	if _, err := Classpath(); err != nil {
		return err
	}
	for _, tool := range []string{"java", "javac"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not on PATH; the Lucene checker needs a JDK (make deps installs it): %w", tool, err)
		}
	}
	return nil
}

// Checker is a running LuceneChecker JVM.
type Checker struct {
	mu   sync.Mutex
	cmd  *exec.Cmd
	in   *bufio.Writer
	pipe io.WriteCloser
	out  *bufio.Reader
}

// Start compiles the checker if needed (into cacheDir, keyed by the source
// and jars) and starts it.
func Start(cacheDir string) (*Checker, error) {
	cp, err := Classpath()
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(append(append([]byte{}, source...), cp...))
	dir := filepath.Join(cacheDir, "elastic-checker-"+hex.EncodeToString(sum[:8]))
	if _, err := os.Stat(filepath.Join(dir, "LuceneChecker.class")); err != nil {
		if err := compileJava(dir, cp); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command("java", "-Xss8m", "-cp", dir+string(os.PathListSeparator)+cp, "LuceneChecker")
	cmd.Stderr = os.Stderr
	pipe, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting java (Java 17 is needed): %w", err)
	}
	return &Checker{cmd: cmd, pipe: pipe, in: bufio.NewWriterSize(pipe, 1<<16), out: bufio.NewReaderSize(stdout, 1<<16)}, nil
}

// compileJava builds the class into a fresh folder, then renames it into
// place, so that a failed or concurrent build leaves no half-built cache.
func compileJava(dir, cp string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	src := filepath.Join(tmp, "LuceneChecker.java")
	if err := os.WriteFile(src, source, 0o644); err != nil {
		return err
	}
	out, err := exec.Command("javac", "-nowarn", "-encoding", "UTF-8", "-cp", cp, "-d", tmp, src).CombinedOutput()
	if err != nil {
		return fmt.Errorf("javac LuceneChecker.java (Java 17 is needed): %v\n%s", err, out)
	}
	if err := os.Remove(src); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, "LuceneChecker.class")); statErr == nil {
			return nil // built concurrently
		}
		return err
	}
	return nil
}

// Segment is a schema, the events indexed with it and the queries run
// over them.
type Segment struct {
	// Fields maps field names to Elasticsearch types: keyword, wildcard,
	// long, double, ip, boolean.
	Fields  map[string]string
	Events  []Event
	Queries []Query
}

// Event is one indexed event; a field may repeat (an array).
type Event struct {
	ID     string
	Fields [][2]string
}

// Query is one query_string query.
type Query struct {
	ID, Text string
}

// Result is what Lucene made of one query.
type Result struct {
	ID string
	// Err is the parse (or run) error, "" when the query ran.
	Err string
	// Matches are the ids of the matching events, sorted.
	Matches []string
	// Parsed is the Lucene query ("term:<text>" for a single term).
	Parsed string
}

// Run sends segments and returns one result per query, in order.
func (c *Checker) Run(segs []Segment) ([]Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Write from another goroutine: a large batch would otherwise fill
	// both pipes and deadlock.
	werr := make(chan error, 1)
	go func() { werr <- c.write(segs) }()
	var results []Result
	for {
		line, err := c.out.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("lucene checker stopped: %w", err)
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "DONE" {
			break
		}
		cols := strings.Split(line, "\t")
		for i := range cols {
			cols[i] = unescape(cols[i])
		}
		if len(cols) < 4 || cols[0] != "R" {
			return nil, fmt.Errorf("lucene checker: unexpected output %q", line)
		}
		r := Result{ID: cols[1]}
		switch cols[2] {
		case "OK":
			if cols[3] != "" {
				r.Matches = strings.Split(cols[3], ",")
			}
			if len(cols) > 4 {
				r.Parsed = cols[4]
			}
		default:
			r.Err = cols[3]
		}
		results = append(results, r)
	}
	if err := <-werr; err != nil {
		return nil, err
	}
	return results, nil
}

func (c *Checker) write(segs []Segment) error {
	for _, s := range segs {
		c.line("S")
		names := make([]string, 0, len(s.Fields))
		for n := range s.Fields {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			c.line("F", n, s.Fields[n])
		}
		for _, ev := range s.Events {
			cols := []string{"D", ev.ID}
			for _, kv := range ev.Fields {
				cols = append(cols, kv[0], kv[1])
			}
			c.line(cols...)
		}
		for _, q := range s.Queries {
			c.line("Q", q.ID, q.Text)
		}
	}
	c.line("E")
	return c.in.Flush()
}

func (c *Checker) line(cols ...string) {
	for i, col := range cols {
		if i > 0 {
			c.in.WriteByte('\t')
		}
		c.in.WriteString(escape(col))
	}
	c.in.WriteByte('\n')
}

// Close stops the JVM.
func (c *Checker) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return errors.Join(c.pipe.Close(), c.cmd.Wait())
}

var escaper = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`)

func escape(s string) string { return escaper.Replace(s) }

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 't':
				b.WriteByte('\t')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
