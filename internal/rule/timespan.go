package rule

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

var timespanRE = regexp.MustCompile(`^(-?)([0-9]+)([smhd])$`)

var timespanUnits = map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}

// MaxTimespan is the longest window or timespan: a year. Longer ones are
// typos (an aggregation over years holds every event of the group in
// memory for that long), and the bound keeps the arithmetic far from
// time.Duration's limit (about 292 years).
const MaxTimespan = 365 * 24 * time.Hour

// ParseTimespan reads a time span as Sigma writes one (a correlation's
// timespan, an HCL threshold's window): a whole number and a unit s, m, h
// or d, such as 90s, 5m, 12h or 7d, from 1s to 365d.
func ParseTimespan(s string) (time.Duration, error) {
	m := timespanRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("%q is not a time span: write a whole number and a unit s, m, h or d (for example 5m)", s)
	}
	if m[1] == "-" {
		return 0, fmt.Errorf("%q is negative: a time span is at least 1s", s)
	}
	unit := timespanUnits[m[3]]
	n, err := strconv.ParseInt(m[2], 10, 64)
	if err != nil || n > int64(MaxTimespan/unit) {
		return 0, fmt.Errorf("%q is longer than the longest time span, 365d", s)
	}
	if n == 0 {
		return 0, fmt.Errorf("%q is zero: a time span is at least 1s", s)
	}
	return time.Duration(n) * unit, nil
}
