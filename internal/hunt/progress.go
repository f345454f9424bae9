package hunt

import (
	"fmt"
	"io"
	"time"
)

// progress draws one status line on a terminal, rewritten in place at most
// a few times a second. With no writer it does nothing.
type progress struct {
	w     io.Writer
	name  string
	size  int64
	start time.Time
	last  time.Time
	drawn bool
}

const progressInterval = 250 * time.Millisecond

func newProgress(w io.Writer, name string, size int64) *progress {
	now := time.Now()
	return &progress{w: w, name: name, size: size, start: now, last: now}
}

func (p *progress) update(bytes, events, alerts int64) {
	if p.w == nil {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < progressInterval {
		return
	}
	p.last = now
	rate := float64(events) / now.Sub(p.start).Seconds()
	done := ""
	if p.size > 0 {
		done = fmt.Sprintf(" %3.0f%% of %s", 100*float64(bytes)/float64(p.size), humanBytes(p.size))
	}
	fmt.Fprintf(p.w, "\r\033[K%s%s  %d events  %s events/s  %d alerts", p.name, done, events, humanCount(rate), alerts)
	p.drawn = true
}

// done clears the line, so that what follows starts on a clean line.
func (p *progress) done() {
	if p.w != nil && p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func humanCount(f float64) string {
	switch {
	case f >= 1e6:
		return fmt.Sprintf("%.2fM", f/1e6)
	case f >= 1e3:
		return fmt.Sprintf("%.0fk", f/1e3)
	}
	return fmt.Sprintf("%.0f", f)
}
