// Package hunt runs detections over real log files (`detc hunt`): any size,
// gzip or not, in the formats of internal/logs, streaming line
// by line so that memory stays flat however large the input. Alerts come
// out as JSON Lines. Only the fields the rules read are decoded, which is
// what makes a million events a second per core reachable.
package hunt

import (
	"errors"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/detc/detc/internal/eval"
	"github.com/detc/detc/internal/logs"
	"github.com/detc/detc/internal/rule"
)

// MaxWarningsPerFile caps the warnings about bad events reported for one
// file; the rest are counted and summarised.
const MaxWarningsPerFile = 20

// Options tune a hunt.
type Options struct {
	// Format names the format of every file; empty detects each file's.
	Format string
	// MaxEventBytes bounds one event (logs.DefaultMaxEventBytes if 0).
	MaxEventBytes int
	// Progress, when set, receives a progress line rewritten in place:
	// pass os.Stderr when it is a terminal (IsTerminal), nil otherwise.
	Progress io.Writer
	// Jobs is how many goroutines match events (all cores when 0).
	Jobs int
	// PieceBytes is about how much of a log a worker takes at a time
	// (logs.DefaultPieceBytes when 0).
	PieceBytes int
	// Diag receives warnings about the input as they are found: bad
	// events, events out of time order for an aggregation. Nil drops them.
	Diag func(rule.Diagnostic)
	// TimeField names the field that holds the event time in every file,
	// instead of the format's usual ones (logs.Options.TimeField).
	TimeField string
	// Note receives, once per file, which field the event times were
	// read from. Nil drops it.
	Note func(file, note string)
	// Now places times written without a year (logs.Options.Now).
	Now time.Time
	// Timeout, when positive, stops the hunt that long after New, even in
	// a read that waits for input (an endless pipe): what was read is
	// reported, open aggregation windows are closed.
	Timeout time.Duration
}

// ErrTimeout ends the reading of a log when Options.Timeout has passed.
var ErrTimeout = errors.New("the hunt's time is up")

// Stats count what a hunt did.
type Stats struct {
	Files     int
	Bytes     int64 // input bytes read (compressed size for gzip files)
	Events    int64
	BadEvents int64
	Alerts    int64
	// SkippedLines counts the lines not read as events (blank lines
	// aside), Skipped the same per file, for the files that have any.
	SkippedLines int64
	Skipped      []FileCount
	// LeftOut lists, per aggregation that left events out, how many
	// matching events it could not count, in the order of the rules.
	LeftOut []LeftOut
}

// FileCount is a count for one file.
type FileCount struct {
	File  string
	Count int64
}

// LeftOut counts the matching events an aggregation could not count.
// They are still read and counted among the hunt's events.
type LeftOut struct {
	Rule       *rule.Rule
	NoTime     int64 // without a time, or with one that does not read as a time
	OutOfOrder int64 // older than the window open when they came
}

type program struct {
	rule   *rule.Rule
	prog   *eval.Program
	agg    *eval.Aggregator
	prefix []byte // the start of its event alerts
	// Events left out of the aggregation: older than the open window, or
	// without a time; in the file being read, and in all.
	order, untimed           int
	orderTotal, untimedTotal int64
}

// Hunter holds compiled rules and aggregation state across files.
type Hunter struct {
	progs  []*program
	fields []string
	all    bool
	out    *alertWriter
	opts   Options
	stats  Stats
	// stop is closed when the timeout passes; timedOut is set when a read
	// was cut short by it.
	stop     chan struct{}
	timedOut bool
}

// New compiles the rules. Rules that do not compile are reported and left
// out, and so are investigation pivots: they are queries for an analyst,
// not detections, and raise no alerts.
func New(rules []*rule.Rule, out io.Writer, opts Options) (*Hunter, rule.Diagnostics) {
	var diags rule.Diagnostics
	h := &Hunter{out: newAlertWriter(out), opts: opts, stop: make(chan struct{})}
	if opts.Timeout > 0 {
		time.AfterFunc(opts.Timeout, func() { close(h.stop) })
	}
	fields := map[string]bool{}
	for _, r := range rules {
		if r.IsPivot() {
			continue
		}
		p, d := eval.Compile(r)
		diags = append(diags, d...)
		if p == nil {
			continue
		}
		hp := &program{rule: r, prog: p, prefix: alertPrefix(r)}
		if r.Aggregation != nil {
			agg, err := eval.NewAggregator(p)
			if err != nil {
				diags.Errorf(r.Pos, "hunt-aggregation", "%v", err)
				continue
			}
			hp.agg = agg
		}
		for _, f := range p.Fields() {
			fields[f] = true
		}
		h.all = h.all || p.NeedsKeywords()
		h.progs = append(h.progs, hp)
	}
	for f := range fields {
		h.fields = append(h.fields, f)
	}
	sort.Strings(h.fields)
	return h, diags
}

// Rules is how many detections the hunt runs: those that compiled,
// without the investigation pivots.
func (h *Hunter) Rules() int { return len(h.progs) }

// Fields are the event fields the rules read.
func (h *Hunter) Fields() []string { return h.fields }

// Run hunts rules over files and writes alerts to out as JSON Lines. The
// files are read in the order given, and aggregations run across them, so
// give rotated logs oldest first. Errors (a rule that does not compile, a
// file that cannot be read) are returned; warnings about bad events go to
// opts.Diag as they are found.
func Run(rules []*rule.Rule, files []string, out io.Writer, opts Options) (Stats, rule.Diagnostics) {
	h, diags := New(rules, out, opts)
	for _, f := range files {
		diags = append(diags, h.File(f)...)
	}
	if err := h.Finish(); err != nil {
		diags.Errorf(rule.Pos{}, "hunt-output", "writing alerts: %v", err)
	}
	return h.Stats(), diags
}

// Stats returns the counts so far.
func (h *Hunter) Stats() Stats {
	st := h.stats
	st.LeftOut = nil
	for _, p := range h.progs {
		if p.untimedTotal > 0 || p.orderTotal > 0 {
			st.LeftOut = append(st.LeftOut, LeftOut{Rule: p.rule, NoTime: p.untimedTotal, OutOfOrder: p.orderTotal})
		}
	}
	return st
}

// File hunts one log file.
func (h *Hunter) File(path string) rule.Diagnostics {
	var diags rule.Diagnostics
	f, err := os.Open(path)
	if err != nil {
		diags.Errorf(rule.Pos{File: path}, "hunt-input", "%v", err)
		return diags
	}
	defer f.Close()
	var size int64
	if info, err := f.Stat(); err == nil && info.Mode().IsRegular() {
		size = info.Size()
	}
	if err := h.stream(f, path, size); err != nil {
		diags.Errorf(rule.Pos{File: path}, "hunt-input", "%v", err)
	}
	return diags
}

// Reader hunts one stream (a pipe, or a generated log in a benchmark);
// name is used in alerts and messages.
func (h *Hunter) Reader(r io.Reader, name string) error { return h.stream(r, name, 0) }

// stream hunts one input; size (0 when unknown) is for the progress line.
func (h *Hunter) stream(r io.Reader, name string, size int64) error {
	if h.opts.Timeout > 0 {
		r = &stopReader{r: r, stop: h.stop}
	}
	sp, err := logs.NewSplitter(r, name, h.readOptions(), h.opts.PieceBytes)
	if err != nil {
		return h.checkTimeout(err)
	}
	defer sp.Close()
	return h.checkTimeout(h.hunt(sp, name, size))
}

// checkTimeout turns a read cut short by the timeout into the warning it
// is: the hunt stopped as asked.
func (h *Hunter) checkTimeout(err error) error {
	if errors.Is(err, ErrTimeout) {
		h.timedOut = true
		return nil
	}
	return err
}

// TimedOut reports whether the timeout has passed: no more logs are read.
func (h *Hunter) TimedOut() bool {
	select {
	case <-h.stop:
		return true
	default:
		return false
	}
}

// CutShort reports whether the timeout stopped the reading of a log before
// its end.
func (h *Hunter) CutShort() bool { return h.timedOut }

func (h *Hunter) readOptions() logs.Options {
	return logs.Options{Format: h.opts.Format, Fields: h.fields, All: h.all, MaxEventBytes: h.opts.MaxEventBytes,
		TimeField: h.opts.TimeField, Now: h.opts.Now}
}

// timeFieldsText names the fields times are looked for in, for messages.
func (h *Hunter) timeFieldsText(f *logs.Format) string {
	fields := f.TimeFrom()
	if h.opts.TimeField != "" {
		fields = []string{h.opts.TimeField}
	}
	quoted := make([]string, len(fields))
	for i, tf := range fields {
		quoted[i] = strconv.Quote(tf)
	}
	return strings.Join(quoted, ", ")
}

func (h *Hunter) warn(d rule.Diagnostic) {
	if h.opts.Diag != nil {
		h.opts.Diag(d)
	}
}

func (h *Hunter) emit(p *program, alerts []eval.Alert) {
	for _, a := range alerts {
		if err := h.out.aggregate(p.rule, a); err == nil {
			h.stats.Alerts++
		}
	}
}

// Finish closes the aggregations' open windows, writing their alerts.
func (h *Hunter) Finish() error {
	for _, p := range h.progs {
		if p.agg != nil {
			h.emit(p, p.agg.Flush())
		}
	}
	return h.out.flush()
}

// IsTerminal reports whether f is a terminal (a character device), where a
// progress bar belongs; a pipe or a file gets none.
func IsTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// stopReader reads from r until stop is closed, then returns ErrTimeout
// even while a read waits for input: each read runs in a goroutine of its
// own, into a buffer of its own, so one left waiting after the timeout
// touches nothing the hunt still uses.
type stopReader struct {
	r       io.Reader
	stop    <-chan struct{}
	results chan readResult
	rest    []byte
	err     error // returned once rest is used up
	waiting bool
}

type readResult struct {
	data []byte
	err  error
}

func (s *stopReader) Read(p []byte) (int, error) {
	if len(s.rest) > 0 {
		n := copy(p, s.rest)
		s.rest = s.rest[n:]
		if len(s.rest) > 0 {
			return n, nil
		}
		err := s.err
		s.err = nil
		return n, err
	}
	select {
	case <-s.stop:
		return 0, ErrTimeout
	default:
	}
	if !s.waiting {
		if s.results == nil {
			s.results = make(chan readResult, 1)
		}
		s.waiting = true
		go func(buf []byte) {
			n, err := s.r.Read(buf)
			s.results <- readResult{buf[:n], err}
		}(make([]byte, len(p)))
	}
	select {
	case res := <-s.results:
		s.waiting = false
		n := copy(p, res.data)
		if n < len(res.data) {
			s.rest, s.err = res.data[n:], res.err
			return n, nil
		}
		return n, res.err
	case <-s.stop:
		return 0, ErrTimeout
	}
}
