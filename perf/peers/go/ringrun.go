// ringrun.go — msgbuf and mtchurn, as perf/ring_run.c runs them: the ring
// on the calling goroutine (msgbuf --threads 1) or on `threads` new
// goroutines behind a start and a finish gate (msgbuf --threads N > 1, and
// mtchurn always), each with its own window; then the workers' latencies
// merged, and the wall time from the first loop's start to the last one's
// end.  The workers are goroutines, which Go runs on GOMAXPROCS OS threads
// (the CPU count unless set).

package main

import (
	"fmt"
	"sync"
)

func runRing(p *params, r *result) {
	spawn := p.workload == "mtchurn" || p.threads > 1
	n := 1
	var start, finish *gate
	if spawn {
		n = p.threads
		start, finish = newGate(n), newGate(n)
	}
	w := make([]*ring, n)
	for i := range w {
		w[i] = &ring{name: p.workload, p: p, start: start, finish: finish}
	}
	if spawn {
		var done sync.WaitGroup
		done.Add(n)
		for _, wk := range w {
			go func(wk *ring) {
				defer done.Done()
				wk.run()
			}(wk)
		}
		start.openWhenReady()
		finish.openWhenReady()
		done.Wait()
	} else {
		w[0].run()
	}
	collect(w, spawn, r)
}

func collect(w []*ring, spawn bool, r *result) {
	var first, last int64
	looped := false
	failed := 0
	for i, wk := range w {
		if wk.err != "" {
			if failed == 0 && spawn {
				r.fail("thread %d: %s", i, wk.err)
			} else if failed == 0 {
				r.fail("%s", wk.err)
			}
			failed++
		}
		r.latency.add(&wk.latency)
		r.over1ms += wk.over1ms
		if wk.looped {
			if !looped || wk.startNs < first {
				first = wk.startNs
			}
			if !looped || wk.endNs > last {
				last = wk.endNs
			}
			looped = true
		}
	}
	if failed > 1 {
		r.err += fmt.Sprintf(" (and %d more threads failed)", failed-1)
	}
	r.threads = w
	if r.ok {
		r.totalNs = uint64(last - first)
	}
}
