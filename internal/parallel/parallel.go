// Package parallel runs independent work on every core and gives the
// results back in the order of the input, so that output stays
// deterministic however the work was scheduled.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Map applies f to every item on up to GOMAXPROCS goroutines and returns
// the results in the items' order. f must be safe to call concurrently.
func Map[T, R any](items []T, f func(T) R) []R {
	out := make([]R, len(items))
	workers := min(runtime.GOMAXPROCS(0), len(items))
	if workers <= 1 {
		for i, it := range items {
			out[i] = f(it)
		}
		return out
	}
	// Items are handed out one at a time: their costs vary a lot (a rule
	// with a thousand values next to one with two).
	var next atomic.Int64
	var wg sync.WaitGroup
	wg.Add(workers)
	for range workers {
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(items) {
					return
				}
				out[i] = f(items[i])
			}
		}()
	}
	wg.Wait()
	return out
}
