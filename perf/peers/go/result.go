// result.go — what one run produced, and its JSON line: the keys of one
// element of rgc-bench's results[] (docs/benchmarks.md, "Each result"),
// with "gc" null (rgc's own figures) and "gc_log" the Go runtime's pause
// log (gclog.go).

package main

import (
	"encoding/json"
	"fmt"
)

type phase struct {
	Phase string `json:"phase"`
	Depth int    `json:"depth"`
	Trees uint64 `json:"trees"`
	Ns    uint64 `json:"ns"`
}

type result struct {
	alloc   string
	ok      bool
	err     string
	totalNs uint64
	// msgbuf, mtchurn
	latency histogram
	over1ms uint64
	threads []*ring
	// gcbench
	phases []*phase
}

func newResult(alloc string) *result { return &result{alloc: alloc, ok: true} }

// Record a failure; the first reason is kept.
func (r *result) fail(format string, a ...interface{}) {
	if r.ok {
		r.ok = false
		r.err = fmt.Sprintf(format, a...)
	}
}

type latencyJSON struct {
	P50    uint64 `json:"p50"`
	P90    uint64 `json:"p90"`
	P99    uint64 `json:"p99"`
	P999   uint64 `json:"p999"`
	P9999  uint64 `json:"p9999"`
	P99999 uint64 `json:"p99999"`
	Max    uint64 `json:"max"`
	Mean   uint64 `json:"mean"`
}

func latencyOf(h *histogram) latencyJSON {
	return latencyJSON{
		P50: h.percentile(0.50), P90: h.percentile(0.90),
		P99: h.percentile(0.99), P999: h.percentile(0.999),
		P9999: h.percentile(0.9999), P99999: h.percentile(0.99999),
		Max: h.max, Mean: h.mean(),
	}
}

type threadJSON struct {
	Thread    int         `json:"thread"`
	LatencyNs latencyJSON `json:"latency_ns"`
	Pushes    uint64      `json:"pushes"`
	Over1ms   uint64      `json:"over_1ms"`
	LoopNs    uint64      `json:"loop_ns"`
}

// The keys after the workload's own, in rgc-bench's order.
type tailJSON struct {
	TotalNs    uint64    `json:"total_ns"`
	RssStartKb int64     `json:"rss_start_kb"`
	PeakRssKb  int64     `json:"peak_rss_kb"`
	Gc         *struct{} `json:"gc"`
	GcLog      *gcLog    `json:"gc_log"`
}

type ringJSON struct {
	Alloc     string       `json:"alloc"`
	Ok        bool         `json:"ok"`
	LatencyNs latencyJSON  `json:"latency_ns"`
	Pushes    uint64       `json:"pushes"`
	Over1ms   uint64       `json:"over_1ms"`
	PerThread []threadJSON `json:"per_thread"`
	tailJSON
}

type gcbenchJSON struct {
	Alloc  string   `json:"alloc"`
	Ok     bool     `json:"ok"`
	Phases []*phase `json:"phases"`
	tailJSON
}

type failedJSON struct {
	Alloc string `json:"alloc"`
	Ok    bool   `json:"ok"`
	Error string `json:"error"`
}

func (r *result) json(ring bool, rssStart, peakRss int64, log *gcLog) ([]byte, error) {
	if !r.ok {
		return json.Marshal(failedJSON{r.alloc, false, r.err})
	}
	tail := tailJSON{TotalNs: r.totalNs, RssStartKb: rssStart, PeakRssKb: peakRss, GcLog: log}
	if !ring {
		return json.Marshal(gcbenchJSON{Alloc: r.alloc, Ok: true, Phases: r.phases, tailJSON: tail})
	}
	threads := make([]threadJSON, len(r.threads))
	for i, w := range r.threads {
		threads[i] = threadJSON{i, latencyOf(&w.latency), w.latency.count, w.over1ms, w.loopNs}
	}
	return json.Marshal(ringJSON{
		Alloc: r.alloc, Ok: true, LatencyNs: latencyOf(&r.latency),
		Pushes: r.latency.count, Over1ms: r.over1ms, PerThread: threads, tailJSON: tail,
	})
}
