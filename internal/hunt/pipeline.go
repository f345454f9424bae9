package hunt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/detc/detc/internal/eval"
	"github.com/detc/detc/internal/logs"
	"github.com/detc/detc/internal/rule"
)

// A log is hunted in pieces (logs.Splitter): workers match the pieces'
// events on every core, and the hunt takes their results in the order of
// the pieces, writing event alerts as the workers formatted them and
// feeding the aggregations, which need the events in order, itself. The
// pieces are the same whatever the number of workers, so the output is
// too. At most two pieces per worker are in flight, which keeps memory
// flat however large the log. A log that cannot be cut (Splitter.Whole)
// is read in order by one worker, in batches of events.

// batch is what matching one piece (or, for a log read whole, a run of
// events) gave, in the order of its events.
type batch struct {
	piece logs.Piece
	out   []byte // event alert lines
	aggs  []aggEvent
	warns []rule.Diagnostic
	bad   int64
	// skipped counts the lines not read as events.
	skipped int64
	events  int64
	alerts  int64
	// read is how much of the input had been read: a progress figure.
	read int64
	// timeField is the field the batch's first timed event had its time in.
	timeField string
	err       error // the input failed after this batch
}

// aggEvent is an event for an aggregation, at its place among the alerts.
type aggEvent struct {
	at    int // offset in batch.out
	prog  int
	line  int
	timed bool
	ts    time.Time
	match eval.AggregationMatch
	ev    *eval.FlatEvent // a copy, when the event counts
}

// worker matches events; each goroutine has its own.
type worker struct {
	h    *Hunter
	name string
	rd   *logs.Reader
	// Which rules apply depends only on the event's log source: the list
	// is cached per source key instead of comparing log sources per event.
	active  map[int][]int
	scratch bytes.Buffer
}

func (h *Hunter) newWorker(rd *logs.Reader, name string) *worker {
	return &worker{h: h, name: name, rd: rd, active: map[int][]int{}}
}

// matchPiece reads the piece's events into b.
func (w *worker) matchPiece(b *batch) {
	w.rd.Reset(b.piece)
	b.read = b.piece.Read
	w.match(b, 0)
}

// wholeBatch is how many events of a log read whole make one batch.
const wholeBatch = 1 << 14

// match reads events from the worker's reader into b until the reader
// ends or, when limit is positive, b holds that many events and errors;
// it reports whether the reader has more.
func (w *worker) match(b *batch, limit int64) bool {
	progs := w.h.progs
	var list []int
	lastKey := 0
	skipped := w.rd.Skipped()
	defer func() { b.skipped += w.rd.Skipped() - skipped }()
	for limit <= 0 || b.events+b.bad < limit {
		ev, err := w.rd.Next()
		if err != nil {
			if err == io.EOF {
				return false
			}
			var ee *logs.EventError
			if !errors.As(err, &ee) {
				if b.err == nil {
					b.err = err
				}
				return false
			}
			b.bad++
			b.warns = append(b.warns, ee.Diagnostic())
			continue
		}
		b.events++
		if b.timeField == "" {
			b.timeField = ev.TimeField()
		}
		if key := ev.SourceKey(); key != lastKey || list == nil {
			var ok bool
			if list, ok = w.active[key]; !ok {
				list = []int{}
				for i, p := range progs {
					if ev.Applies(p.rule.LogSource) {
						list = append(list, i)
					}
				}
				w.active[key] = list
			}
			lastKey = key
		}
		// The rules read the event's fields, which are its FlatEvent's:
		// handing that over saves each Match finding it.
		flat := &ev.FlatEvent
		for _, i := range list {
			p := progs[i]
			if p.agg != nil {
				w.aggregate(b, i, ev)
				continue
			}
			if p.prog.Match(flat) {
				b.out = appendEventAlert(b.out, &w.scratch, p, w.name, ev)
				b.alerts++
			}
		}
	}
	return true
}

// aggregate records an event for an aggregation: temporal rules test their
// parts on every event, the others take matching events only.
func (w *worker) aggregate(b *batch, i int, ev *logs.Event) {
	p := w.h.progs[i]
	temporal := p.rule.Aggregation.Func == rule.AggTemporal
	if !temporal && !p.prog.Match(&ev.FlatEvent) {
		return
	}
	a := aggEvent{at: len(b.out), prog: i, line: ev.Line}
	a.ts, a.timed = ev.Time()
	if a.timed {
		if temporal {
			a.match = p.prog.AggregationMatch(&ev.FlatEvent)
		} else {
			a.match = eval.AggregationMatch{Counts: true}
		}
		if a.match.Counts {
			a.ev = ev.Clone()
		}
	}
	b.aggs = append(b.aggs, a)
}

// hunt reads one log through the splitter with the hunt's workers.
func (h *Hunter) hunt(sp *logs.Splitter, name string, size int64) error {
	h.stats.Files++
	bar := newProgress(h.opts.Progress, name, size)
	f := fileState{name: name, bar: bar}
	// Counted whether the log was read to its end or not.
	defer func() {
		h.stats.Events += f.events
		h.stats.Bytes += sp.BytesRead()
		if f.skipped > 0 {
			h.stats.SkippedLines += f.skipped
			h.stats.Skipped = append(h.stats.Skipped, FileCount{File: name, Count: f.skipped})
		}
		bar.done()
		h.out.flush()
	}()
	if rd := sp.Whole(); rd != nil {
		w := h.newWorker(rd, name)
		for more := true; more; {
			b := &batch{}
			more = w.match(b, wholeBatch)
			b.read = rd.BytesRead()
			if err := h.apply(&f, b); err != nil {
				return err
			}
		}
		return h.endFile(&f, name, sp.Format())
	}
	jobs := h.jobs()
	if jobs == 1 {
		w := h.newWorker(sp.NewReader(), name)
		var buf []byte
		for {
			p, err := sp.Next(buf)
			if err == io.EOF {
				break
			}
			// An input error comes after the lines read before it.
			b := &batch{piece: p, err: err}
			w.matchPiece(b)
			buf = p.Data()
			if err := h.apply(&f, b); err != nil {
				return err
			}
		}
		return h.endFile(&f, name, sp.Format())
	}
	// Each piece goes to the workers and, as a channel its batch will come
	// on, to the queue the hunt takes results from in order.
	queue := make(chan chan *batch, 2*jobs)
	free := make(chan []byte, 2*jobs+1)
	done := make(chan struct{})
	type job struct {
		b   *batch
		res chan *batch
	}
	jobsCh := make(chan job)
	var wg sync.WaitGroup
	// The splitter and the workers are done when this returns, whatever
	// the reason: the caller closes the input next.
	defer wg.Wait()
	defer close(done)
	wg.Add(1 + jobs)
	go func() {
		defer wg.Done()
		defer close(queue)
		defer close(jobsCh)
		for {
			var buf []byte
			select {
			case buf = <-free:
			default:
			}
			p, err := sp.Next(buf)
			if err == io.EOF {
				return
			}
			res := make(chan *batch, 1)
			// An input error comes after the lines read before it.
			b := &batch{piece: p, err: err}
			select {
			case queue <- res:
			case <-done:
				return
			}
			select {
			case jobsCh <- job{b, res}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	for range jobs {
		go func() {
			defer wg.Done()
			w := h.newWorker(sp.NewReader(), name)
			for j := range jobsCh {
				w.matchPiece(j.b)
				j.res <- j.b
			}
		}()
	}
	for res := range queue {
		b := <-res
		if err := h.apply(&f, b); err != nil {
			return err
		}
		select {
		case free <- b.piece.Data():
		default:
		}
	}
	return h.endFile(&f, name, sp.Format())
}

func (h *Hunter) jobs() int {
	if h.opts.Jobs > 0 {
		return h.opts.Jobs
	}
	return runtime.GOMAXPROCS(0)
}

// fileState is what the hunt counts over one file.
type fileState struct {
	name      string
	bar       *progress
	events    int64
	skipped   int64
	warned    int64
	timeField string
}

// apply takes a batch's results, in the order of the pieces.
func (h *Hunter) apply(f *fileState, b *batch) error {
	at := 0
	for _, a := range b.aggs {
		if err := h.out.raw(b.out[at:a.at]); err != nil {
			return err
		}
		at = a.at
		p := h.progs[a.prog]
		if !a.timed {
			p.untimed++
			continue
		}
		var ev eval.Event = a.ev
		if a.ev == nil {
			ev = &eval.FlatEvent{}
		}
		alerts, err := p.agg.AddMatched(a.ts, ev, eval.Ref{File: f.name, Line: a.line}, a.match)
		if errors.Is(err, eval.ErrOutOfOrder) {
			p.order++
			continue
		}
		h.emit(p, alerts)
	}
	if err := h.out.raw(b.out[at:]); err != nil {
		return err
	}
	for _, d := range b.warns {
		f.warned++
		if f.warned <= MaxWarningsPerFile {
			h.warn(d)
		}
	}
	if f.timeField == "" {
		f.timeField = b.timeField
	}
	h.stats.BadEvents += b.bad
	h.stats.Alerts += b.alerts
	f.events += b.events
	f.skipped += b.skipped
	f.bar.update(b.read, f.events, h.stats.Alerts)
	return b.err
}

// endFile reports, at the end of a log, what it left out.
func (h *Hunter) endFile(f *fileState, name string, format *logs.Format) error {
	if f.warned > MaxWarningsPerFile {
		h.warn(rule.Diagnostic{Severity: rule.Warning, Pos: rule.Pos{File: name}, Code: "bad-event",
			Summary: fmt.Sprintf("%d more bad events not shown (%d in all)", f.warned-MaxWarningsPerFile, f.warned)})
	}
	if f.timeField != "" && h.opts.Note != nil {
		h.opts.Note(name, fmt.Sprintf("event times read from the field %q", f.timeField))
	}
	for _, p := range h.progs {
		p.orderTotal += int64(p.order)
		p.untimedTotal += int64(p.untimed)
		if p.order > 0 {
			h.warn(rule.Diagnostic{Severity: rule.Warning, Pos: rule.Pos{File: name}, Code: "out-of-order",
				Summary: fmt.Sprintf("%d events older than the open window were left out of the aggregation of %q: give logs in time order", p.order, p.rule.ID)})
			p.order = 0
		}
		if p.untimed > 0 {
			h.warn(rule.Diagnostic{Severity: rule.Warning, Pos: rule.Pos{File: name}, Code: "no-time",
				Summary: fmt.Sprintf("%d matching events without a time were left out of the aggregation of %q (times are read from %s; name another field with --time-field)", p.untimed, p.rule.ID, h.timeFieldsText(format))})
			p.untimed = 0
		}
	}
	return h.out.flush()
}
