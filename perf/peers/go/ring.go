// ring.go — one worker's ring, written from perf/ring.h and
// perf/ring_malloc.c: a ring of `window` slots; push n allocates a fresh
// msgSize-byte message (a []byte), fills every byte with (n & 0xff), and
// stores it in slot n % window, dropping the message it replaces (the
// collector's garbage now).  With keepEvery K, push n = m * K also stores
// it in slot m % window of a second ring, the keep ring, so it lives about
// K times longer.  Each push (allocate + fill + store) is timed with the
// monotonic clock (clock.go) into this worker's histogram.
//
// After the loop, untimed (and, with gates, only once every worker's loop
// is done), every slot is checked as the C version checks it: written
// slots hold a message of the right length whose every byte is the fill
// of the push that wrote it, never-written slots are nil.  A mismatch
// fails the run.

package main

import "fmt"

const nsPerMs = 1000000

type ring struct {
	name          string // "msgbuf" or "mtchurn": error prefix
	p             *params
	start, finish *gate // nil: run alone, no gates

	latency        histogram
	over1ms        uint64
	loopNs         uint64
	startNs, endNs int64 // the push loop, when it ran to its end:
	looped         bool
	err            string // the first failure, or ""
}

func (w *ring) fail(format string, a ...interface{}) {
	if w.err == "" {
		w.err = fmt.Sprintf(format, a...)
	}
}

// Fill m with b as memset does: one byte, then copies that double the
// filled prefix (copy is memmove), rather than a byte-at-a-time loop.
func fill(m []byte, b byte) {
	if len(m) == 0 {
		return
	}
	m[0] = b
	for done := 1; done < len(m); done *= 2 {
		copy(m[done:], m[:done])
	}
}

func (w *ring) run() {
	window := make([][]byte, w.p.window)
	var keep [][]byte
	if w.p.keepEvery != 0 {
		keep = make([][]byte, w.p.window)
	}
	w.start.pass()
	w.pushLoop(window, keep)
	w.finish.pass()
	w.check(window, 1)
	if keep != nil {
		w.check(keep, w.p.keepEvery)
	}
}

func (w *ring) pushLoop(window, keep [][]byte) {
	size := w.p.msgSize
	slots := w.p.window
	every := w.p.keepEvery
	messages := w.p.messages
	h := &w.latency
	slot, kept := 0, 0
	var nextKeep uint64
	w.startNs = nowNs()
	for n := uint64(0); n < messages; n++ {
		t0 := nowNs()
		m := make([]byte, size)
		fill(m, byte(n))
		window[slot] = m
		if every != 0 && n == nextKeep {
			keep[kept] = m
			nextKeep += every
			if kept++; kept == slots {
				kept = 0
			}
		}
		ns := uint64(nowNs() - t0)
		h.record(ns)
		if ns > nsPerMs {
			w.over1ms++
		}
		if slot++; slot == slots {
			slot = 0
		}
	}
	w.endNs = nowNs()
	w.loopNs = uint64(w.endNs - w.startNs)
	w.looped = true
}

// As ring_last_writer in perf/ring_check.c: the push that last wrote slot
// i (stride 1: the main ring; stride K: the keep ring); false if none.
func (w *ring) lastWriter(i int, stride uint64) (uint64, bool) {
	writes := (w.p.messages + stride - 1) / stride
	if writes <= uint64(i) {
		return 0, false
	}
	last := writes - 1
	return (last - (last-uint64(i))%uint64(w.p.window)) * stride, true
}

func (w *ring) check(ring [][]byte, stride uint64) {
	for i, m := range ring {
		n, written := w.lastWriter(i, stride)
		if !written {
			if m != nil {
				w.fail("%s: slot %d was never written but is set", w.name, i)
				return
			}
			continue
		}
		if m == nil || len(m) != w.p.msgSize {
			w.fail("%s: slot %d (push %d): length %d (nil: %t), expected a byte array of %d",
				w.name, i, n, len(m), m == nil, w.p.msgSize)
			return
		}
		want := byte(n)
		for k, b := range m {
			if b != want {
				w.fail("%s: slot %d (push %d): byte %d is 0x%02x, expected 0x%02x",
					w.name, i, n, k, b, want)
				return
			}
		}
	}
}
