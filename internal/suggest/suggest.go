// Package suggest finds the known name a misspelt one was probably meant
// to be, for "did you mean" hints in diagnostics.
package suggest

import (
	"fmt"
	"strings"
)

// Closest returns the candidate nearest to name by edit distance (case
// ignored), if it is close enough to be a likely typo: at most a third of
// the name's length, and at least one edit allowed. Ties go to the earlier
// candidate, so the answer does not depend on map order when candidates
// are sorted.
func Closest(name string, candidates []string) (string, bool) {
	return closest(name, candidates, max(1, len([]rune(name))/3))
}

// Misspelt returns the candidate name is most likely a misspelling of:
// Closest's answer when it is at most two edits away. Closest's limit
// grows with the name, which suits a hint but not a verdict: long dotted
// names share most of their text with their neighbours
// (properties.result is five edits from properties.message).
func Misspelt(name string, candidates []string) (string, bool) {
	return closest(name, candidates, min(2, max(1, len([]rune(name))/3)))
}

func closest(name string, candidates []string, limit int) (string, bool) {
	best, bestDist := "", -1
	lower := strings.ToLower(name)
	for _, c := range candidates {
		d := distance(lower, strings.ToLower(c), limit)
		if d <= limit && (bestDist < 0 || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best, bestDist >= 0
}

// DidYouMean returns ` (did you mean "x"?)` for the closest candidate, or
// "" when none is close.
func DidYouMean(name string, candidates []string) string {
	if c, ok := Closest(name, candidates); ok {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	return ""
}

// distance is the optimal string alignment distance between a and b
// (insertions, deletions, substitutions and swaps of neighbours), or a
// number above limit as soon as it is sure to exceed it: names are short,
// but an unknown key can be long, and the cost stays O(len(a)·len(b)) only
// for lengths that differ by no more than limit.
func distance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
