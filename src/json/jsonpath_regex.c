/*
 * jsonpath_regex.c — the PCRE2 wrapper behind `=~` and tokenize().
 *
 * Patterns are compiled in UTF mode with options that bring PCRE2 close to ECMAScript
 * (see the header comment of jsonpath.h for the remaining differences).  Every match runs
 * with a shared match context holding step, depth and heap limits, so a catastrophic
 * pattern costs a bounded amount of time and then fails the whole evaluation (decision 12).
 * Patterns that only exist at run time (`=~ @.pattern`) are compiled on demand through a
 * one-entry cache in the evaluation context.
 */
#include <stdlib.h>
#include <time.h>

#include "json/jsonpath_internal.h"

#define JP_RE_MATCH_LIMIT 10000000u /* ~0.1 s of backtracking */
#define JP_RE_DEPTH_LIMIT 1000000u
#define JP_RE_HEAP_LIMIT 65536u     /* KiB */

#define JP_RE_OPTIONS (PCRE2_UTF | PCRE2_ALT_BSUX | PCRE2_ALLOW_EMPTY_CLASS | \
                       PCRE2_MATCH_UNSET_BACKREF | PCRE2_DOLLAR_ENDONLY |    \
                       PCRE2_NEVER_BACKSLASH_C)

/* Translate ECMAScript flag letters f[0..n) into PCRE2 options; -1 on an unknown or
 * repeated flag.  Supported: i (caseless), m (multi-line), s (dot-all). */
int jp_re_flags(const char *f, size_t n, uint32_t *opts) {
    *opts = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t o = f[k] == 'i' ? PCRE2_CASELESS : f[k] == 'm' ? PCRE2_MULTILINE
                   : f[k] == 's' ? PCRE2_DOTALL : 0;
        if (!o || (*opts & o)) return -1;
        *opts |= o;
    }
    return 0;
}

/* Compile pat[0..n) with extra options opts.  On failure returns NULL, writes PCRE2's
 * message into msg and the offending pattern offset into *erroff. */
pcre2_code *jp_re_compile(const char *pat, size_t n, uint32_t opts, char *msg, size_t msgcap,
                          size_t *erroff) {
    int code;
    PCRE2_SIZE off = 0;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)(n ? pat : ""), n, opts | JP_RE_OPTIONS, &code,
                                   &off, NULL);
    if (!re) {
        pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, msgcap);
        *erroff = off;
    }
    return re;
}

/* The match context with this module's limits (one per compiled path). */
pcre2_match_context *jp_re_mctx_new(void) {
    pcre2_match_context *m = pcre2_match_context_create(NULL);
    if (!m) abort();
    pcre2_set_match_limit(m, JP_RE_MATCH_LIMIT);
    pcre2_set_depth_limit(m, JP_RE_DEPTH_LIMIT);
    pcre2_set_heap_limit(m, JP_RE_HEAP_LIMIT);
    return m;
}

/* Search s[from..n) for re.  Returns 1 (match at [*ms, *me)), 0 (no match), -1 (step limit
 * exceeded: c->failed and c->err are set) or -2 (another matcher error, e.g. invalid UTF-8
 * in the subject: c->elem_err is set). */
int jp_re_search(jp_ctx *c, const pcre2_code *re, const char *s, size_t n, size_t from,
                 size_t *ms, size_t *me) {
    if (!c->md && !(c->md = pcre2_match_data_create(1, NULL))) abort();
    /* A search from past the start (tokenize's next piece) is of a subject
     * already checked: without PCRE2_NO_UTF_CHECK, PCRE2 would check all of
     * it again on every call, making tokenize quadratic in its length. */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = pcre2_match(re, (PCRE2_SPTR)(n ? s : ""), n, from, from ? PCRE2_NO_UTF_CHECK : 0, c->md,
                         c->path->mctx);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    c->regex_ns += (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
    if (c->regex_ns > JP_RE_TIME_LIMIT_NS) {
        /* each match stays under its step limit, but a request may run many (every element,
         * every key): their time together is bounded too, so no request holds the server up */
        if (!c->failed) {
            c->failed = 1;
            snprintf(c->err->msg, sizeof c->err->msg,
                     "regular expressions exceeded their time limit (1 s per request)");
        }
        return -1;
    }
    if (rc >= 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
        *ms = ov[0];
        *me = ov[1];
        return 1;
    }
    if (rc == PCRE2_ERROR_NOMATCH) return 0;
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
        rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_NOMEMORY) {
        jp_fail_limit(c, "regex", JP_RE_MATCH_LIMIT);
        return -1;
    }
    c->elem_err = 1;
    return -2;
}

/* A regex for a pattern computed at run time; NULL if it does not compile.  The result is
 * owned by c (valid until the next call or the end of the evaluation). */
pcre2_code *jp_re_dynamic(jp_ctx *c, const char *pat, size_t n) {
    if (c->dyn_pat && c->dyn_len == n && memcmp(c->dyn_pat, pat, n) == 0) return c->dyn_re;
    pcre2_code_free(c->dyn_re);
    free(c->dyn_pat);
    c->dyn_pat = malloc(n + 1);
    if (!c->dyn_pat) abort();
    memcpy(c->dyn_pat, pat, n);
    c->dyn_len = n;
    char msg[120];
    size_t off;
    c->dyn_re = jp_re_compile(pat, n, 0, msg, sizeof msg, &off);
    return c->dyn_re;
}
