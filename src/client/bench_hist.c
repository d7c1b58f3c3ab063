/*
 * bench_hist.c — log-linear latency histogram (see bench_hist.h).
 *
 * Bucket index of v: below 2^SUB_BITS, v itself.  Otherwise, with `shift`
 * chosen so that v >> shift lies in [HALF, 2*HALF), the index is
 * shift*HALF + (v >> shift): each power of two above 2^SUB_BITS occupies
 * the next HALF indexes, contiguously.
 */
#include "client/bench_hist.h"

#include <string.h>

static unsigned bucket_of(uint64_t v) {
    if (v < 2 * BHIST_HALF) return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = msb - BHIST_SUB_BITS + 1;
    if (shift > BHIST_MAX_SHIFT) return BHIST_BUCKETS - 1;
    return shift * BHIST_HALF + (unsigned)(v >> shift);
}

/* Lower bound and width of bucket i. */
static void bucket_range(unsigned i, uint64_t *lo, uint64_t *width) {
    if (i < 2 * BHIST_HALF) {
        *lo = i;
        *width = 1;
        return;
    }
    unsigned shift = i / BHIST_HALF - 1;
    *lo = (uint64_t)(i - shift * BHIST_HALF) << shift;
    *width = (uint64_t)1 << shift;
}

void bhist_reset(bhist *h) { memset(h, 0, sizeof *h); }

void bhist_record(bhist *h, uint64_t ns) {
    if (h->n == 0 || ns < h->min) h->min = ns;
    if (ns > h->max) h->max = ns;
    h->n++;
    h->sum += (double)ns;
    h->counts[bucket_of(ns)]++;
}

uint64_t bhist_percentile(const bhist *h, double p) {
    if (!h->n) return 0;
    if (p >= 100) return h->max;
    double r = p / 100.0 * (double)h->n;
    uint64_t rank = (uint64_t)r;
    if ((double)rank < r) rank++;
    if (rank < 1) rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < BHIST_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            uint64_t lo, w;
            bucket_range(i, &lo, &w);
            uint64_t v = lo + w / 2;
            if (v < h->min) v = h->min;
            if (v > h->max) v = h->max;
            return v;
        }
    }
    return h->max;
}

double bhist_mean(const bhist *h) { return h->n ? h->sum / (double)h->n : 0; }
