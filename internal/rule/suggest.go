package rule

import (
	"sort"

	"github.com/agext/levenshtein"
)

// Suggest returns the name closest to given within an edit distance of
// two, as hcl does for unknown attributes ("endwith": "endswith"), or "".
// Ties go to the name that sorts first, so messages are stable.
func Suggest(given string, names []string) string {
	best, bestDist := "", 3
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	for _, n := range sorted {
		if d := levenshtein.Distance(given, n, nil); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

// DidYouMean is the detail of a diagnostic about an unknown name: a
// suggestion, or "" when no known name is close.
func DidYouMean(given string, names []string) string {
	if s := Suggest(given, names); s != "" {
		return `did you mean "` + s + `"?`
	}
	return ""
}
