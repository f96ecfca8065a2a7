// clock.go — the monotonic clock every timed operation reads.  time.Since
// of a time.Now that carries a monotonic reading costs one runtime
// nanotime (CLOCK_MONOTONIC through the vDSO), as clock_gettime does in
// the C version; time.Now itself reads the wall clock too, so it is read
// once, here.

package main

import "time"

var epoch = time.Now()

// Nanoseconds since the program started, monotonic.
func nowNs() int64 {
	return int64(time.Since(epoch))
}
