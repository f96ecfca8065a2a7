// gclog.go — the Go runtime's own pause log, from runtime.MemStats at the
// end of the run: NumGC cycles, PauseTotalNs, and PauseNs, a ring of the
// last 256 cycles' pauses (each entry the sum of that cycle's
// stop-the-world pauses, of which a cycle has two).  Percentiles use the
// rgc-bench histogram, so they round the way rgc's pause percentiles do.
// ReadMemStats stops the world itself: it is read once, after the
// measurement.

package main

import (
	"fmt"
	"runtime"
)

type gcLog struct {
	Source  string `json:"source"`
	Count   uint32 `json:"count"` // GC cycles
	P50     uint64 `json:"p50"`
	P90     uint64 `json:"p90"`
	P99     uint64 `json:"p99"`
	Max     uint64 `json:"max"`
	TotalNs uint64 `json:"total_ns"`
	Note    string `json:"note,omitempty"`
}

func readGcLog() *gcLog {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	kept := ms.NumGC
	if kept > uint32(len(ms.PauseNs)) {
		kept = uint32(len(ms.PauseNs))
	}
	var h histogram
	// The most recent pause is at PauseNs[(NumGC+255)%256].
	for i := uint32(0); i < kept; i++ {
		h.record(ms.PauseNs[(ms.NumGC-1-i)%uint32(len(ms.PauseNs))])
	}
	log := &gcLog{
		Source: "go runtime.MemStats", Count: ms.NumGC,
		P50: h.percentile(0.50), P90: h.percentile(0.90), P99: h.percentile(0.99),
		Max: h.max, TotalNs: ms.PauseTotalNs,
	}
	if ms.NumGC > kept {
		log.Note = fmt.Sprintf("p50, p90, p99 and max are of the last %d of %d cycles "+
			"(runtime.MemStats keeps the last 256); count and total_ns are of all",
			kept, ms.NumGC)
	}
	return log
}
