/*
 * cmd_scan.c — the commands built on the server's scans (KV_SCAN, SH_SCAN):
 * `ndb scan` streams key names a page at a time, `ndb keys --prefix P`
 * collects the names with a prefix, `ndb session list` streams sessions.
 *
 * Streaming means memory stays flat however many keys there are: each page
 * is printed before the next is asked for.  The --timeout clock restarts
 * for every page, since it bounds one answer, not the whole listing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli.h"

/* Keys (or sessions) asked for in one request. */
#define SCAN_PAGE 1000

/* A page's items: called with the array token of the answer. */
typedef int (*page_fn)(cli_ctx *c, uint32_t items, void *arg);

/*
 * Walk a scan (proto KV_SCAN or SH_SCAN, items in member `member`) from
 * the start to the end, calling fn for each page.  Returns 0 or the exit
 * status of the first failure (message printed).
 */
static int scan_all(cli_ctx *c, const char *proto, const char *member, const char *prefix, page_fn fn, void *arg) {
    uint64_t cursor = 0;
    /* the server would close the connection on text that is not UTF-8 */
    if (prefix && !utf8_valid(prefix, strlen(prefix))) return cli_usage_error(c, "--prefix is not valid UTF-8");
    for (;;) {
        int rc;
        uint32_t items, cur;
        cli_start_clock(c);
        cli_req_begin_as(c, proto);
        cli_req_member(c, "count");
        sb_add_u64(&c->req, SCAN_PAGE);
        cli_req_member(c, "cursor");
        sb_add_u64(&c->req, cursor);
        if (prefix && *prefix) {
            cli_req_member(c, "prefix");
            sb_add_json_string(&c->req, prefix, strlen(prefix));
        }
        cli_req_end(c);
        if ((rc = cli_call_ok(c)) || (rc = cli_member(c, member, JT_ARRAY, &items)) ||
            (rc = cli_member(c, "cursor", JT_NUMBER, &cur)))
            return rc;
        if ((rc = fn(c, items, arg))) return rc;
        if (jnum_to_u64(&c->rsp, &c->rsp.toks[cur], &cursor)) {
            fprintf(stderr, "ndb: the server answered a cursor that is not a number\n");
            return CLI_USAGE;
        }
        if (!cursor) return 0;
    }
}

/* ndb scan: each page's names printed at once, one per line. */
static int print_page(cli_ctx *c, uint32_t items, void *arg) {
    (void)arg;
    return cli_print_lines(c, &c->rsp, items);
}

int cli_scan(cli_ctx *c, int argc, char **argv) {
    (void)argc;
    (void)argv;
    return scan_all(c, "KV_SCAN", "keys", c->opt[OPT_PREFIX], print_page, NULL);
}

/* ndb keys --prefix: the names of every page, gathered into one array. */
static int gather_page(cli_ctx *c, uint32_t items, void *arg) {
    strbuf *arr = arg;
    const jtok *a = &c->rsp.toks[items];
    for (uint32_t i = 0, k = items + 1; i < a->count; i++, k = c->rsp.toks[k].next) {
        if (arr->len > 1) sb_addc(arr, ',');
        sb_add(arr, jtok_text(&c->rsp, &c->rsp.toks[k]), c->rsp.toks[k].len);
    }
    return 0;
}

int cli_keys_with_prefix(cli_ctx *c, const char *prefix, const jdoc **d, uint32_t *t) {
    strbuf arr = STRBUF_INIT;
    sb_addc(&arr, '[');
    int rc = scan_all(c, "KV_SCAN", "keys", prefix, gather_page, &arr);
    sb_addc(&arr, ']');
    if (!rc && jdoc_parse(&c->tmp, arr.buf, arr.len, NULL)) {
        fprintf(stderr, "ndb: the server's answer could not be read\n");
        rc = CLI_USAGE;
    }
    sb_free(&arr);
    *d = &c->tmp;
    *t = 0;
    return rc;
}

/* ndb session list: one session (its SH_INFO members) per line. */
static int print_sessions(cli_ctx *c, uint32_t items, void *arg) {
    (void)arg;
    const jtok *a = &c->rsp.toks[items];
    for (uint32_t i = 0, k = items + 1; i < a->count; i++, k = c->rsp.toks[k].next) cli_print_value(c, &c->rsp, k);
    return 0;
}

int cli_session_list(cli_ctx *c, int argc, char **argv) {
    (void)argc;
    (void)argv;
    return scan_all(c, "SH_SCAN", "sessions", NULL, print_sessions, NULL);
}
