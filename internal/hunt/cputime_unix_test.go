//go:build unix

package hunt

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used (user and system). On a
// machine shared with other work, events per CPU second is the figure that
// does not depend on how much of a core the benchmark was given.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
