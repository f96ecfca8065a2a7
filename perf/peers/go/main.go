// main.go — the Go peer of rgc-bench: msgbuf, mtchurn or gcbench with
// rgc-bench's flags and defaults, one JSON object on stdout (one element
// of rgc-bench's results[], "alloc" being --name, "gc_log" the runtime's
// own pause log).  GOGC, GOMEMLIMIT and GOMAXPROCS are whoever runs it's
// to set; this program sets none.
//
// Exit status: 0 when the run succeeded, 1 when it found its data
// corrupt (the JSON says why), 2 for bad usage.  Running out of memory is
// fatal in Go: the runtime prints why and exits 2, with no JSON.

package main

import (
	"fmt"
	"os"
)

func main() {
	p, err := parseParams(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "rgc-peer-go: %v\n\n%s", err, usage)
		os.Exit(2)
	}
	r := newResult(p.name)
	rssStart := rssKb()
	if p.isRing() {
		runRing(p, r)
	} else {
		runGcBench(r)
	}
	peak := peakRssKb()
	out, err := r.json(p.isRing(), rssStart, peak, readGcLog())
	if err != nil {
		fmt.Fprintf(os.Stderr, "rgc-peer-go: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%s\n", out)
	if !r.ok {
		fmt.Fprintf(os.Stderr, "rgc-peer-go: %s\n", r.err)
		os.Exit(1)
	}
}
