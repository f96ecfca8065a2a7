/*
 * Histogram.java — a port of src/stats/histogram.c: a log-linear histogram
 * of nanosecond durations, bucket for bucket the same as rgc-bench's, so a
 * JVM percentile and an rgc-bench percentile are rounded the same way.
 *
 * Values below 32 have a bucket each; above, every power of two is split
 * into 32 linear sub-buckets.  A percentile is the upper bound of its
 * bucket, capped at the exact maximum.  Values are unsigned 64-bit in C;
 * here they are longs compared unsigned where it matters.
 */
package rgcpeer;

final class Histogram {
    static final int SUB_BITS = 5;
    static final int SUB = 1 << SUB_BITS;
    static final int BUCKETS = SUB * (64 - SUB_BITS + 1);

    long count;
    long sum;
    long max;
    final long[] buckets = new long[BUCKETS];

    static int bucketOf(long v) {
        if (Long.compareUnsigned(v, SUB) < 0)
            return (int) v;
        int shift = 63 - Long.numberOfLeadingZeros(v) - SUB_BITS;
        return SUB + shift * SUB + (int) ((v >>> shift) - SUB);
    }

    /* The largest value that falls into bucket i. */
    static long bucketUpper(int i) {
        if (i < SUB)
            return i;
        int shift = (i - SUB) / SUB;
        long sub = (i - SUB) % SUB;
        long lower = (SUB + sub) << shift;
        return lower + ((1L << shift) - 1);
    }

    void record(long value) {
        count++;
        sum += value;
        if (Long.compareUnsigned(value, max) > 0)
            max = value;
        buckets[bucketOf(value)]++;
    }

    /* p in [0, 1]; 0 when the histogram is empty. */
    long percentile(double p) {
        if (count == 0)
            return 0;
        long target = (long) (p * (double) count + 0.999999);
        if (target == 0)
            target = 1;
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += buckets[i];
            if (seen >= target) {
                long upper = bucketUpper(i);
                return Long.compareUnsigned(upper, max) < 0 ? upper : max;
            }
        }
        return max;
    }

    long mean() {
        return count == 0 ? 0 : Long.divideUnsigned(sum, count);
    }

    void add(Histogram h) {
        count += h.count;
        sum += h.sum;
        if (Long.compareUnsigned(h.max, max) > 0)
            max = h.max;
        for (int b = 0; b < BUCKETS; b++)
            buckets[b] += h.buckets[b];
    }
}
