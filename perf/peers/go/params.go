// params.go — the command line, with rgc-bench's flags, ranges and
// defaults for msgbuf, mtchurn and gcbench (perf/main.c), plus --name, the
// "alloc" string the result carries.

package main

import (
	"fmt"
	"math"
	"strings"
)

const usage = `usage: rgc-peer-go msgbuf [--threads N] [--window N] [--messages N] [--msg-size BYTES] [--keep-every K] [--name NAME]
       rgc-peer-go mtchurn --threads N [--window N] [--messages N] [--msg-size BYTES] [--keep-every K] [--name NAME]
       rgc-peer-go gcbench [--name NAME]
defaults as rgc-bench's (msgbuf / mtchurn): --threads 1 / required, --window 200000 / 50000,
--messages 1000000 / 500000, --msg-size 1024 / 256, --keep-every off; --name go.
Prints one JSON object (one element of rgc-bench's results[]).
`

type params struct {
	workload  string
	name      string
	threads   int // 0 until given: mtchurn requires it
	window    int
	messages  uint64
	msgSize   int
	keepEvery uint64 // 0: off
}

func (p *params) isRing() bool { return p.workload != "gcbench" }

func isRingFlag(flag string) bool {
	switch flag {
	case "--threads", "--window", "--messages", "--msg-size", "--keep-every":
		return true
	}
	return false
}

func parseParams(args []string) (*params, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("a workload is required (msgbuf, mtchurn, gcbench)")
	}
	p := &params{workload: args[0], name: "go"}
	switch p.workload {
	case "msgbuf":
		p.threads, p.window, p.messages, p.msgSize = 1, 200000, 1000000, 1024
	case "mtchurn":
		p.window, p.messages, p.msgSize = 50000, 500000, 256
	case "gcbench":
	default:
		return nil, fmt.Errorf("unknown workload '%s' (msgbuf, mtchurn, gcbench)", p.workload)
	}
	for i := 1; i < len(args); i++ {
		arg := args[i]
		if !strings.HasPrefix(arg, "--") {
			return nil, fmt.Errorf("unexpected argument '%s'", arg)
		}
		// --flag=value or --flag value
		flag, value, hasValue := strings.Cut(arg, "=")
		if !isRingFlag(flag) && flag != "--name" {
			return nil, fmt.Errorf("unknown flag '%s'", flag)
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("%s needs a value", flag)
			}
			i++
			value = args[i]
		}
		if isRingFlag(flag) && !p.isRing() {
			return nil, fmt.Errorf("%s is a msgbuf and mtchurn flag", flag)
		}
		var v uint64
		var err error
		switch flag {
		case "--threads":
			v, err = count(flag, value, 1, 64)
			p.threads = int(v)
		case "--window":
			v, err = count(flag, value, 1, 1<<30)
			p.window = int(v)
		case "--messages":
			p.messages, err = count(flag, value, 1, math.MaxUint64/2)
		case "--msg-size":
			v, err = count(flag, value, 1, 1<<30)
			p.msgSize = int(v)
		case "--keep-every":
			p.keepEvery, err = count(flag, value, 2, 1<<30)
		default: // --name
			p.name = value
		}
		if err != nil {
			return nil, err
		}
	}
	if p.isRing() && p.threads == 0 {
		return nil, fmt.Errorf("%s needs --threads N", p.workload)
	}
	return p, nil
}

// A plain decimal number in [min, max].
func count(flag, s string, min, max uint64) (uint64, error) {
	if s == "" {
		return 0, fmt.Errorf("%s needs a number", flag)
	}
	var v uint64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("'%s' is not a decimal number", s)
		}
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, fmt.Errorf("'%s' is too large", s)
		}
		v = v*10 + d
	}
	if v < min || v > max {
		return 0, fmt.Errorf("%s %s is out of range (%d..%d)", flag, s, min, max)
	}
	return v, nil
}
