// gate.go — the start and finish gates of a multi-threaded ring run, as
// perf/gate.c: every worker announces it is ready and waits; the main
// goroutine opens the gate once all of them are ready, so the measured
// loops start together (start gate) and no worker's untimed check runs
// beside another's loop (finish gate).  C's gate can also open aborted,
// for a thread that could not be created; starting a goroutine cannot
// fail, so this one has no abort.

package main

import "sync"

type gate struct {
	ready sync.WaitGroup
	open  chan struct{}
}

func newGate(n int) *gate {
	g := &gate{open: make(chan struct{})}
	g.ready.Add(n)
	return g
}

// A worker: announce readiness, wait for the gate (no-op without one).
func (g *gate) pass() {
	if g == nil {
		return
	}
	g.ready.Done()
	<-g.open
}

// The main goroutine: wait until every worker is ready, then open.
func (g *gate) openWhenReady() {
	g.ready.Wait()
	close(g.open)
}
