/*
 * cmd_watch.c — following changes on the command line:
 *   ndb watch [--prefix P] [--values] [--count N] [KEY...]     KV_WATCH
 *   ndb session watch [--values] [--count N] [TKN... | --all]  SH_WATCH
 *   ndb unwatch ID...                                           (REPL)
 *
 * `watch` prints each event's body, e.g. {"id":1,"key":"job:7","op":"set"},
 * as one compact JSON line, flushed at once, so that
 *   ndb watch --prefix job: | while read -r ev; do ...; done
 * reacts to each change as it happens.  It runs until interrupted, until
 * --count events were printed, or until the connection ends.  In the REPL
 * (the context has an event handler) the watch is registered and the
 * prompt comes back; events are shown between prompts, and `unwatch ID`
 * stops one.  A watch with --count runs in the foreground there too; when
 * it ends (its count reached, or Ctrl-C) it is unwatched, and the
 * connection with the REPL's other watches stays.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/cli.h"

/* --count N: 1 … 2^64-1; 0 when not given (no limit). */
static int parse_count(cli_ctx *c, uint64_t *count) {
    *count = 0;
    const char *s = c->opt[OPT_COUNT];
    if (!s) return 0;
    if (cli_parse_u64(s, count) || *count == 0)
        return cli_usage_error(c, "invalid count '%s' (expected a number of events, 1 or more)", s);
    return 0;
}

/* Print the body of event message m (one line) and flush.  Returns 1 for
 * an "overflow" event, 0 for another, -1 if m is not understood. */
static int print_event(cli_ctx *c, const char *m, size_t n) {
    if (jdoc_parse(&c->rsp, m, n, NULL) || c->rsp.toks[0].type != JT_OBJECT || c->rsp.toks[0].count != 1 ||
        c->rsp.toks[2].type != JT_OBJECT)
        return -1;
    const jtok *body = &c->rsp.toks[2];
    cli_print_line(c, jtok_text(&c->rsp, body), body->len); /* to a terminal its C1 controls escaped */
    fflush(stdout);
    uint32_t op = jobj_get(&c->rsp, 2, "op", 2);
    return op && jstr_equals(&c->rsp, &c->rsp.toks[op], "overflow", 8);
}

/* How often a watch with no events checks that its output is still read. */
#define OUTPUT_CHECK_MS 200

/* Is m an event of watch id? */
static int event_of(cli_ctx *c, const strbuf *m, uint64_t id) {
    uint64_t v;
    uint32_t t;
    return jdoc_parse(&c->tmp, m->buf, m->len, NULL) == 0 && c->tmp.toks[0].type == JT_OBJECT && c->tmp.ntoks > 2 &&
           c->tmp.toks[2].type == JT_OBJECT && (t = jobj_get(&c->tmp, 2, "id", 2)) &&
           jnum_to_u64(&c->tmp, &c->tmp.toks[t], &v) == 0 && v == id;
}

/* After the watch request in c->req was answered with an id: print events
 * until --count, a closed connection, an overflow, the end of the reader
 * of the output, or (REPL) Ctrl-C. */
static int follow(cli_ctx *c, uint64_t id, uint64_t count) {
    char err[320];
    int wait_ms = c->on_event ? -1 : OUTPUT_CHECK_MS; /* the REPL's output is its terminal */
    for (uint64_t seen = 0; !count || seen < count;) {
        int r = wsc_recv(c->ws, &c->buf, wait_ms, err, sizeof err);
        if (r == -2) return CLI_INTERRUPTED;
        if (r == 0 && wait_ms >= 0 && cli_output_gone()) {
            c->output_closed = 1;
            return 0;
        }
        if (r < 0) {
            fprintf(stderr, "ndb: lost connection to %s: %s\n", wsc_url(c->ws), err);
            return CLI_USAGE;
        }
        if (r == 0 || !cli_is_event(c->buf.buf, c->buf.len)) continue;
        /* In the REPL the connection carries its other watches too: their
         * events are shown as between prompts and are not this watch's
         * count (they ended it early, and its own events were lost). */
        if (c->on_event && !event_of(c, &c->buf, id)) {
            c->on_event(c, c->buf.buf, c->buf.len);
            continue;
        }
        int k = print_event(c, c->buf.buf, c->buf.len);
        if (k < 0) {
            return cli_bad_answer(c, "the server's event is not understood");
        }
        if (ferror(stdout)) {
            if (errno != EPIPE) return cli_output_finish();
            c->output_closed = 1; /* the reader went away: done, as documented (exit 0) */
            return 0;
        }
        if (k == 1) {
            fprintf(stderr, "ndb: events came faster than they were read; the server dropped the watch "
                            "(overflow): read the state again and watch anew\n");
            return CLI_SERVER;
        }
        seen++;
    }
    return 0;
}

/*
 * In the REPL the connection outlives a counted (or interrupted) watch:
 * end the watch there, so that none of its events shows up later between
 * prompts, while the REPL's other watches on the connection go on.  Its
 * events still on the way are dropped; the others' are shown.  If the
 * server does not confirm within --timeout (5 s with --timeout 0), or a
 * second Ctrl-C cuts the wait short, the connection is dropped, which ends
 * every watch on it.
 */
static void end_watch(cli_ctx *c, const char *proto, uint64_t id) {
    char err[320];
    strbuf m = STRBUF_INIT;
    cli_req_begin_as(c, proto);
    cli_req_member(c, "id");
    sb_add_u64(&c->req, id);
    cli_req_end(c);
    int tmo = c->timeout_ms < 0 ? (int)(CLI_DEFAULT_TIMEOUT * 1000) : c->timeout_ms;
    int r = c->ws && wsc_send(c->ws, c->req.buf, c->req.len) == 0 ? 1 : -1;
    while (r == 1 && (r = wsc_recv(c->ws, &m, tmo, err, sizeof err)) == 1 && cli_is_event(m.buf, m.len))
        if (!event_of(c, &m, id)) c->on_event(c, m.buf, m.len);
    if (r != 1) cli_disconnect(c);
    sb_free(&m);
}

/* SH_WATCH answered 100: its "m" names the token that names no session.
 * Say it in the words of every other command ('ndb: session 5 does not
 * exist'), not as a server error; exit 1.  Quoted as every server
 * message is (cli_member_visible): from a server that is not ndb, the m could
 * be an escape sequence for the terminal. */
static int say_no_session(cli_ctx *c) {
    uint32_t mt = cli_rsp_get(c, "m");
    if (!mt || c->rsp.toks[mt].type != JT_STRING || c->rsp.toks[mt].len <= 2) return cli_server_error(c);
    strbuf m = STRBUF_INIT;
    cli_member_visible(&c->rsp, c->body, "m", &m);
    fprintf(stderr, "ndb: %.*s\n", (int)m.len, m.buf);
    sb_free(&m);
    return CLI_FALSE;
}

/* Send the watch request built in c->req; on success follow it (or, in the
 * REPL without --count, say so and return). */
static int run_watch(cli_ctx *c, const char *unwatch, uint64_t count) {
    int rc;
    uint32_t id;
    uint64_t idv;
    cli_req_end(c);
    if ((rc = cli_call(c))) return rc;
    if (c->st == 100) return say_no_session(c);
    if (c->st != 1) return cli_server_error(c);
    if ((rc = cli_member(c, "id", JT_NUMBER, &id))) return rc;
    if (jnum_to_u64(&c->rsp, &c->rsp.toks[id], &idv)) {
        return cli_bad_answer(c, "the server's watch id is not understood");
    }
    if (c->on_event && !count) {
        /* a script (`ndb repl < x.ndb`, can_ask 0) has no prompts: its
         * events come between the output of its lines */
        fprintf(stderr, "watching (id %llu); %s; 'unwatch %llu' stops it\n", (unsigned long long)idv,
                c->can_ask ? "events appear between prompts" : "its events are printed as they come",
                (unsigned long long)idv);
        if (c->on_watch) c->on_watch(c, idv, 1);
        return 0;
    }
    rc = follow(c, idv, count);
    if (rc == CLI_INTERRUPTED) *c->stop = 0; /* the Ctrl-C is handled: it must not cut end_watch short */
    if (c->on_event && c->ws) end_watch(c, unwatch, idv);
    return rc;
}

int cli_watch(cli_ctx *c, int argc, char **argv) {
    uint64_t count;
    int rc;
    if ((rc = parse_count(c, &count))) return rc;
    const char *prefix = c->opt[OPT_PREFIX];
    if (prefix && argc) return cli_usage_error(c, "--prefix and KEY... exclude each other");
    if (!prefix && !argc) return cli_usage_error(c, "nothing to watch: give KEY... or --prefix P ('' for every key)");
    cli_req_begin_as(c, "KV_WATCH");
    if (prefix) {
        size_t n = strlen(prefix);
        if (!utf8_valid(prefix, n)) return cli_usage_error(c, "--prefix is not valid UTF-8");
        cli_req_member(c, "prefix");
        sb_add_json_string(&c->req, prefix, n);
    } else if ((rc = cli_req_key_array(c, "keys", argc, argv))) {
        return rc;
    }
    if (c->opt[OPT_VALUES]) {
        cli_req_member(c, "values");
        sb_adds(&c->req, "true");
    }
    return run_watch(c, "KV_UNWATCH", count);
}

int cli_session_watch(cli_ctx *c, int argc, char **argv) {
    uint64_t count;
    int rc;
    if ((rc = parse_count(c, &count))) return rc;
    int all = c->opt[OPT_ALL_SESSIONS] != NULL;
    if (all && argc) return cli_usage_error(c, "--all and TKN... exclude each other");
    if (!all && !argc) return cli_usage_error(c, "nothing to watch: give TKN... or --all");
    cli_req_begin_as(c, "SH_WATCH");
    if (all) {
        cli_req_member(c, "all");
        sb_adds(&c->req, "true");
    } else {
        cli_req_member(c, "tkns");
        sb_addc(&c->req, '[');
        for (int i = 0; i < argc; i++) {
            uint64_t t;
            if (cli_parse_u64(argv[i], &t))
                return cli_usage_error(c, "invalid session token '%s' (expected a number 0..18446744073709551615)",
                                       argv[i]);
            if (i) sb_addc(&c->req, ',');
            sb_add_u64(&c->req, t);
        }
        sb_addc(&c->req, ']');
    }
    if (c->opt[OPT_VALUES]) {
        cli_req_member(c, "values");
        sb_adds(&c->req, "true");
    }
    return run_watch(c, "SH_UNWATCH", count);
}

int cli_unwatch(cli_ctx *c, int argc, char **argv) {
    int rc = 0;
    for (int i = 0; i < argc; i++) {
        uint64_t id;
        if (cli_parse_u64(argv[i], &id)) return cli_usage_error(c, "invalid watch id '%s'", argv[i]);
        /* ids are per connection, whatever the family: try KV, then SH */
        int found = 0;
        for (int f = 0; f < 2 && !found; f++) {
            cli_req_begin_as(c, f ? "SH_UNWATCH" : "KV_UNWATCH");
            cli_req_member(c, "id");
            sb_add_u64(&c->req, id);
            cli_req_end(c);
            if ((rc = cli_call(c))) return rc;
            found = c->st == 1;
        }
        if (found && c->on_watch) c->on_watch(c, id, 0);
        if (!found) {
            fprintf(stderr, "ndb: no watch %s on this connection\n", argv[i]);
            rc = CLI_FALSE;
        }
    }
    return rc;
}
