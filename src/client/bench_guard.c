/*
 * bench_guard.c — count the server's keys before `ndb bench` writes
 * (see bench_guard.h).
 */
#include "client/bench_guard.h"

#include <stdio.h>
#include <string.h>

#include "client/cli.h"
#include "json/scan.h"

/* Bytes of an unexpected answer quoted in a reason. */
#define GUARD_EXCERPT 160

/* Ask KV_COUNT (see bench_guard.h). */
int bench_count_keys(bws *c, int timeout_ms, uint64_t *keys, char *why, size_t whylen) {
    static const char req[] = "{\"KV_COUNT\":{}}";
    const char *ans;
    size_t n;
    if (bws_call(c, req, sizeof req - 1, timeout_ms, &ans, &n)) {
        snprintf(why, whylen, "%s", c->why[0] ? c->why : "connection failed");
        return -1;
    }
    jdoc d = JDOC_INIT;
    int ok = jdoc_parse(&d, ans, n, NULL) == 0 && d.toks[0].type == JT_OBJECT && d.toks[0].count == 1 &&
             jstr_equals(&d, &d.toks[1], "KV_COUNT_RSP", 12) && d.toks[2].type == JT_OBJECT;
    uint32_t st = ok ? jobj_get(&d, 2, "st", 2) : 0, cnt = ok ? jobj_get(&d, 2, "cnt", 3) : 0;
    uint64_t stv = 0;
    ok = ok && st && d.toks[st].type == JT_NUMBER && !jnum_to_u64(&d, &d.toks[st], &stv);
    if (ok && stv == 43) { /* the server has users, and the run logged in as none */
        strbuf m = STRBUF_INIT, line = STRBUF_INIT;
        uint32_t mt = jobj_get(&d, 2, "m", 1);
        if (mt && d.toks[mt].type == JT_STRING) jstr_decode(&d, &d.toks[mt], &m);
        cli_status_line(43, m.buf, m.len, &line); /* as every client command says it */
        snprintf(why, whylen, "%s", line.buf);
        sb_free(&m);
        sb_free(&line);
        jdoc_free(&d);
        return -3;
    }
    ok = ok && stv == 1 && cnt && d.toks[cnt].type == JT_NUMBER && !jnum_to_u64(&d, &d.toks[cnt], keys);
    jdoc_free(&d);
    if (ok) return 0;
    char text[GUARD_EXCERPT + 4];
    size_t j = 0;
    for (size_t i = 0; i < n && i < GUARD_EXCERPT; i++) {
        unsigned char ch = (unsigned char)ans[i];
        text[j++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    if (n > GUARD_EXCERPT) {
        memcpy(text + j, "...", 3);
        j += 3;
    }
    text[j] = '\0';
    snprintf(why, whylen, "wrong answer to KV_COUNT: %s", text);
    return -2;
}
