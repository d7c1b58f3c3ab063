/* ttl.c — see ttl.h. */
#include "common/ttl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int ttl_text_ns(const char *s, size_t n, uint64_t *ns) {
    char buf[64];
    if (n == 0 || n >= sizeof buf || s[0] == '-') return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    double v = strtod(buf, NULL), ms = v * 1000.0, whole = nearbyint(ms);
    if (!(v > 0) || v > NDB_TTL_MAX_S || whole < 1 || fabs(ms - whole) > 1e-6 * (whole > 1 ? whole : 1)) return -1;
    *ns = (uint64_t)whole * 1000000u;
    return 0;
}
