//go:build !unix

package hunt

import "time"

func cpuTime() (time.Duration, bool) { return 0, false }
