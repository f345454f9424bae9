package rule

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

var timespanRE = regexp.MustCompile(`^([0-9]+)([smhd])$`)

var timespanUnits = map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}

// maxTimespan is a hundred years: longer spans are typos, and the bound
// keeps the multiplication from overflowing.
const maxTimespan = 100 * 365 * 24 * time.Hour

// ParseTimespan reads a time span as Sigma writes one (a correlation's
// timespan, an HCL threshold's window): a positive whole number and a unit
// s, m, h or d, such as 90s, 5m, 12h or 7d.
func ParseTimespan(s string) (time.Duration, error) {
	if m := timespanRE.FindStringSubmatch(s); m != nil {
		n, err := strconv.ParseInt(m[1], 10, 64)
		unit := timespanUnits[m[2]]
		if err == nil && n > 0 && n <= int64(maxTimespan/unit) {
			return time.Duration(n) * unit, nil
		}
	}
	return 0, fmt.Errorf("%q is not a time span: write a positive number and a unit s, m, h or d (for example 5m)", s)
}
