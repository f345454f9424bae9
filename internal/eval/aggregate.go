package eval

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/detc/detc/internal/rule"
)

// Alert is one group of one window whose aggregate passed the threshold.
type Alert struct {
	WindowStart time.Time // UTC
	// Group holds the group-by fields' values ("" for an absent field).
	Group map[string]string
	Value float64
	// First are where the first events that counted for the group were
	// (at most MaxFirst), when AddAt was told.
	First []Ref
}

// Ref is where an event is: a file and a 1-based line.
type Ref struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

// MaxFirst bounds the events an alert points at.
const MaxFirst = 5

// Aggregator runs a rule's aggregation over events in time order. Windows
// are tumbling and aligned to the Unix epoch (window start = time rounded
// down to a multiple of Window since 1970-01-01T00:00:00Z), like Splunk's
// `bin _time span=W` and KQL's bin(). Only the current window's groups are
// held in memory. An Aggregator is not safe for concurrent use.
type Aggregator struct {
	p      *Program
	agg    *rule.Aggregation
	window int64 // nanoseconds
	open   bool
	start  int64 // the open window's start, Unix nanoseconds
	groups map[string]*groupState
	// key and text are reused for each event's group key and group-by
	// texts; ends[i] is where the i-th text ends in text.
	key, text []byte
	ends      []int
}

type groupState struct {
	values   []string // group-by values, in GroupBy order
	count    float64
	n        float64 // numeric values seen (sum, avg, min, max)
	sum      float64
	min, max float64
	distinct map[string]struct{}
	parts    uint64 // temporal: bit i set when part i matched
	first    []Ref
}

// NewAggregator prepares to aggregate with the program's rule, which must
// have an aggregation.
func NewAggregator(p *Program) (*Aggregator, error) {
	agg := p.rule.Aggregation
	if agg == nil {
		return nil, fmt.Errorf("rule %q has no aggregation", p.rule.ID)
	}
	return &Aggregator{p: p, agg: agg, window: int64(agg.Window), groups: map[string]*groupState{}}, nil
}

// ErrOutOfOrder is returned by Add for an event older than the open window.
var ErrOutOfOrder = errors.New("event is older than the open window: events must come in time order")

// Add feeds one event. Events must come in time order (events inside one
// window may come in any order). When ts opens a new window, the alerts
// of the window it closes are returned.
func (a *Aggregator) Add(ts time.Time, ev Event) ([]Alert, error) {
	return a.AddAt(ts, ev, Ref{})
}

// AddAt is Add for an event found at ref, which the alerts of its group
// name among their first events (a zero ref is not recorded).
func (a *Aggregator) AddAt(ts time.Time, ev Event, ref Ref) ([]Alert, error) {
	return a.AddMatched(ts, ev, ref, a.p.AggregationMatch(ev))
}

// AggregationMatch is how an event matches an aggregating rule: whether it
// counts, and for a temporal aggregation which parts it matches (bit i for
// part i). It reads only the event and the program, so goroutines can work
// it out for an Aggregator that takes the events in order (AddMatched).
func (p *Program) AggregationMatch(ev Event) AggregationMatch {
	if p.rule.Aggregation == nil || p.rule.Aggregation.Func != rule.AggTemporal {
		return AggregationMatch{Counts: p.Match(ev)}
	}
	in := newInput(ev)
	var parts uint64
	for i := range p.parts {
		if p.evalNode(&p.parts[i], in) {
			parts |= 1 << i
		}
	}
	return AggregationMatch{Counts: parts != 0, Parts: parts}
}

// AggregationMatch is Program.AggregationMatch's answer.
type AggregationMatch struct {
	Counts bool
	Parts  uint64
}

// AddMatched is AddAt for an event whose match is known (AggregationMatch).
// An event that does not count still moves time on, closing the open
// window when it is past it; ev is read only when the event counts.
func (a *Aggregator) AddMatched(ts time.Time, ev Event, ref Ref, m AggregationMatch) ([]Alert, error) {
	start := windowStart(ts.UnixNano(), a.window)
	var alerts []Alert
	if a.open && start < a.start {
		return nil, fmt.Errorf("%w (event at %s, window opened at %s)", ErrOutOfOrder,
			ts.UTC().Format(time.RFC3339Nano), time.Unix(0, a.start).UTC().Format(time.RFC3339))
	}
	if a.open && start > a.start {
		alerts = a.close()
	}
	a.open, a.start = true, start
	if m.Counts {
		a.update(ev, m.Parts, ref)
	}
	return alerts, nil
}

// Flush closes the open window and returns its alerts.
func (a *Aggregator) Flush() []Alert {
	if !a.open {
		return nil
	}
	a.open = false
	return a.close()
}

func windowStart(ns, window int64) int64 {
	r := ns % window
	if r < 0 {
		r += window
	}
	return ns - r
}

// update counts a matching event. The event's values may live in a
// reader's memory that the next event overwrites: only what a group
// keeps (its group-by texts when the group is new, a distinct value when
// first seen) is copied.
func (a *Aggregator) update(ev Event, parts uint64, ref Ref) {
	a.key, a.text, a.ends = a.key[:0], a.text[:0], a.ends[:0]
	for _, f := range a.agg.GroupBy {
		start := len(a.text)
		if v, ok := ev.Field(f); ok {
			a.text = appendGroupText(a.text, v)
		}
		a.ends = append(a.ends, len(a.text))
		// Length-prefixed, so that no value can run into the next.
		a.key = strconv.AppendInt(a.key, int64(len(a.text)-start), 10)
		a.key = append(a.key, ':')
		a.key = append(a.key, a.text[start:]...)
	}
	g := a.groups[string(a.key)]
	if g == nil {
		g = &groupState{values: make([]string, len(a.ends)), min: math.Inf(1), max: math.Inf(-1)}
		start := 0
		for i, end := range a.ends {
			g.values[i] = string(a.text[start:end])
			start = end
		}
		a.groups[string(a.key)] = g
	}
	g.count++
	g.parts |= parts
	if ref != (Ref{}) && len(g.first) < MaxFirst {
		g.first = append(g.first, ref)
	}
	if a.agg.Field == "" {
		return
	}
	v, ok := ev.Field(a.agg.Field)
	if !ok {
		return
	}
	eachValue(v, func(v Value) bool {
		switch a.agg.Func {
		case rule.AggDistinctCount:
			if t, ok := v.Text(); ok {
				if g.distinct == nil {
					g.distinct = map[string]struct{}{}
				}
				if _, seen := g.distinct[t]; !seen {
					g.distinct[strings.Clone(t)] = struct{}{}
				}
			}
		default:
			if f, ok := v.Float(); ok {
				g.n++
				g.sum += f
				g.min = math.Min(g.min, f)
				g.max = math.Max(g.max, f)
			}
		}
		return true
	})
}

// appendGroupText appends a group-by value: the value's text, an array's
// elements' texts joined by commas, nothing for null or an object.
func appendGroupText(dst []byte, v Value) []byte {
	if v.Kind == KindList {
		for i, el := range v.List {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendGroupText(dst, el)
		}
		return dst
	}
	t, _ := v.Text()
	return append(dst, t...)
}

// close computes the open window's alerts, ordered by group values, and
// forgets its groups.
func (a *Aggregator) close() []Alert {
	var alerts []Alert
	for _, g := range a.groups {
		value, ok := a.value(g)
		if !ok {
			continue
		}
		if a.agg.Func != rule.AggTemporal && !a.agg.Op.Holds(value, a.agg.Threshold) {
			continue
		}
		group := make(map[string]string, len(a.agg.GroupBy))
		for i, f := range a.agg.GroupBy {
			group[f] = g.values[i]
		}
		alerts = append(alerts, Alert{WindowStart: time.Unix(0, a.start).UTC(), Group: group, Value: value, First: g.first})
	}
	slices.SortFunc(alerts, func(x, y Alert) int {
		for _, f := range a.agg.GroupBy {
			if c := strings.Compare(x.Group[f], y.Group[f]); c != 0 {
				return c
			}
		}
		return 0
	})
	a.groups = map[string]*groupState{}
	return alerts
}

// value is the group's aggregate; ok is false when there is none (no
// numeric value for sum/avg/min/max, a temporal part never matched).
func (a *Aggregator) value(g *groupState) (float64, bool) {
	switch a.agg.Func {
	case rule.AggCount:
		return g.count, true
	case rule.AggDistinctCount:
		return float64(len(g.distinct)), true
	case rule.AggTemporal:
		all := uint64(1)<<len(a.p.parts) - 1
		if len(a.p.parts) == 64 {
			all = math.MaxUint64
		}
		return float64(len(a.p.parts)), g.parts == all
	}
	if g.n == 0 {
		return 0, false
	}
	switch a.agg.Func {
	case rule.AggSum:
		return g.sum, true
	case rule.AggAvg:
		return g.sum / g.n, true
	case rule.AggMin:
		return g.min, true
	default:
		return g.max, true
	}
}
