// histogram.go — a port of src/stats/histogram.c: a log-linear histogram
// of nanosecond durations, bucket for bucket the same as rgc-bench's, so a
// Go percentile and an rgc-bench percentile are rounded the same way.
//
// Values below 32 have a bucket each; above, every power of two is split
// into 32 linear sub-buckets.  A percentile is the upper bound of its
// bucket, capped at the exact maximum.

package main

import "math/bits"

const (
	histSubBits = 5
	histSub     = 1 << histSubBits
	histBuckets = histSub * (64 - histSubBits + 1)
)

type histogram struct {
	count, sum, max uint64
	buckets         [histBuckets]uint64
}

func bucketOf(v uint64) int {
	if v < histSub {
		return int(v)
	}
	shift := 63 - bits.LeadingZeros64(v) - histSubBits
	return histSub + shift*histSub + int((v>>shift)-histSub)
}

// The largest value that falls into bucket i.
func bucketUpper(i int) uint64 {
	if i < histSub {
		return uint64(i)
	}
	shift := (i - histSub) / histSub
	sub := uint64((i - histSub) % histSub)
	lower := (histSub + sub) << shift
	return lower + ((uint64(1) << shift) - 1)
}

func (h *histogram) record(v uint64) {
	h.count++
	h.sum += v
	if v > h.max {
		h.max = v
	}
	h.buckets[bucketOf(v)]++
}

// p in [0, 1]; 0 when the histogram is empty.
func (h *histogram) percentile(p float64) uint64 {
	if h.count == 0 {
		return 0
	}
	target := uint64(p*float64(h.count) + 0.999999)
	if target == 0 {
		target = 1
	}
	var seen uint64
	for i := 0; i < histBuckets; i++ {
		seen += h.buckets[i]
		if seen >= target {
			if upper := bucketUpper(i); upper < h.max {
				return upper
			}
			return h.max
		}
	}
	return h.max
}

func (h *histogram) mean() uint64 {
	if h.count == 0 {
		return 0
	}
	return h.sum / h.count
}

func (h *histogram) add(o *histogram) {
	h.count += o.count
	h.sum += o.sum
	if o.max > h.max {
		h.max = o.max
	}
	for b := range h.buckets {
		h.buckets[b] += o.buckets[b]
	}
}
