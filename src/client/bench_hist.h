/*
 * bench_hist.h — the latency histogram of `ndb bench`.
 *
 * Log-linear buckets in the manner of an HDR histogram: values (nanoseconds)
 * below 256 get a bucket each; above that every power of two is split into
 * 128 equal buckets, so a bucket is never wider than 1/128 of its lower
 * bound and a reported percentile (the bucket's midpoint, clamped to the
 * observed minimum and maximum) is within 0.4% of the true value.  Recording
 * is a count increment: no allocation, no sorting, constant memory (36 KiB)
 * whatever the number of samples.  Values above about 73 minutes are
 * counted in the last bucket; min, max and the mean stay exact.
 */
#ifndef NDB_BENCH_HIST_H
#define NDB_BENCH_HIST_H

#include <stdint.h>

#define BHIST_SUB_BITS 8
#define BHIST_HALF (1u << (BHIST_SUB_BITS - 1))
#define BHIST_MAX_SHIFT 34
#define BHIST_BUCKETS ((BHIST_MAX_SHIFT + 2) * BHIST_HALF)

typedef struct bhist {
    uint64_t n;
    uint64_t min, max; /* exact, ns */
    double sum;        /* ns, for the mean */
    uint64_t counts[BHIST_BUCKETS];
} bhist;

void bhist_reset(bhist *h);
void bhist_record(bhist *h, uint64_t ns);
/* The value (ns) at percentile p (0 < p <= 100); 0 when empty. */
uint64_t bhist_percentile(const bhist *h, double p);
double bhist_mean(const bhist *h);

#endif
