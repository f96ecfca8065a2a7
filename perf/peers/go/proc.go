// proc.go — this process's resident set from /proc/self/status, as
// perf/proc.c reads it (VmRSS now, VmHWM the peak), in KiB; -1 if unknown.

package main

import (
	"os"
	"strconv"
	"strings"
)

func rssKb() int64     { return statusKb("VmRSS") }
func peakRssKb() int64 { return statusKb("VmHWM") }

// The value of "key:   N kB", or -1.
func statusKb(key string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, key+":") {
			fields := strings.Fields(line[len(key)+1:])
			if len(fields) == 0 {
				return -1
			}
			kb, err := strconv.ParseInt(fields[0], 10, 64)
			if err != nil {
				return -1
			}
			return kb
		}
	}
	return -1
}
