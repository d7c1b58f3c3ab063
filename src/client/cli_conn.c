/*
 * cli_conn.c — the client side of one command: build the request, connect
 * (within the --timeout budget), send it, wait for its one answer, parse it,
 * and turn protocol statuses into exit codes and messages.
 *
 * The whole command shares one deadline: --timeout bounds connecting plus
 * every answer, so a dead or silent server ends the command in about
 * --timeout seconds with exit status 2.  Answers are parsed with the JSON
 * scanner (no tree, numbers and tokens keep their exact text).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/cli.h"
#include "common/clock.h"
#include "json/jindex.h"

/* ------------------------------------------------------------- statuses */

/* Name of a status ("KeyNotExist"), or NULL for a value common/status.def
 * does not list.  A switch, so that a duplicated value fails to compile. */
const char *cli_status_name(unsigned st) {
    switch (st) {
#define NDB_STATUS(value, ident, name, meaning) case value: return name;
#include "common/status.def"
#undef NDB_STATUS
    default: return NULL;
    }
}

/* What a status means, added to the error line when the server sent no
 * message; NULL for an unlisted value. */
static const char *status_hint(unsigned st) {
    switch (st) {
#define NDB_STATUS(value, ident, name, meaning) case value: return meaning;
#include "common/status.def"
#undef NDB_STATUS
    default: return NULL;
    }
}

void cli_status_line(unsigned st, const char *m, size_t mlen, strbuf *out) {
    const char *name = cli_status_name(st);
    sb_reset(out);
    sb_adds(out, name ? name : "status");
    SB_ADD_LIT(out, " (");
    sb_add_u64(out, st);
    sb_addc(out, ')');
    if (mlen) SB_ADD_LIT(out, ": ");
    sb_add_visible_line(out, m, mlen);
    if (!mlen && status_hint(st)) {
        SB_ADD_LIT(out, ": ");
        sb_adds(out, status_hint(st));
    }
    if (st == 43) SB_ADD_LIT(out, " (the server has users: log in with --user NAME, or set NDB_USER)");
}

int cli_server_error(cli_ctx *c) {
    strbuf m = STRBUF_INIT, line = STRBUF_INIT;
    uint32_t mt = c->body ? cli_rsp_get(c, "m") : 0;
    if (mt && c->rsp.toks[mt].type == JT_STRING) jstr_decode(&c->rsp, &c->rsp.toks[mt], &m);
    cli_status_line(c->st, m.buf, m.len, &line);
    fprintf(stderr, "ndb: %s\n", line.buf);
    sb_free(&m);
    sb_free(&line);
    return cli_status_exit(c->st);
}

int cli_status_exit(unsigned st) {
    /* One rule for every command, raw requests and scripts included: what
     * was asked for does not exist → 1, like a missing key. */
    return st == 22 || st == 100 ? CLI_FALSE : CLI_SERVER;
}

int cli_server_error_as(cli_ctx *c, const char *fmt, ...) {
    const char *name = cli_status_name(c->st);
    fprintf(stderr, "ndb: %s (%u): ", name ? name : "status", c->st);
    va_list ap;
    va_start(ap, fmt);
    /* quoted: the text may hold the server's m (a dataset name's rule, a
     * refused --ttl), which from a server that is not ndb could be an
     * escape sequence for the terminal */
    vfprintf_visible(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return cli_status_exit(c->st);
}

int cli_snapshot_error(cli_ctx *c, const char *name) {
    strbuf m = STRBUF_INIT, q = STRBUF_INIT;
    cli_member_visible(&c->rsp, c->body, "m", &m);
    sb_grow(&m, 0);
    cli_quote(&q, name, strlen(name));
    int rc;
    if (c->st == 42 && !strncmp(m.buf, "dataset names", 13)) /* 42 is also the memory ceiling, or a kind clash */
        rc = cli_server_error_as(c, "invalid dataset name %s: %s", q.buf, m.buf);
    else if (c->st == 42 && (!strncmp(m.buf, "dataset holds", 13) || !strncmp(m.buf, "dataset is being", 16)))
        rc = cli_server_error_as(c, "dataset %s%s", q.buf, m.buf + 7);
    else if (c->st == 142 && strstr(m.buf, "use SH_LOAD")) /* the server names its commands */
        rc = cli_server_error_as(c, "%s holds sessions, not keys: load it with 'ndb session load %s'", q.buf, name);
    else if (c->st == 142 && strstr(m.buf, "use KV_LOAD"))
        rc = cli_server_error_as(c, "%s holds keys, not sessions: load it with 'ndb load %s'", q.buf, name);
    else
        rc = cli_server_error(c);
    sb_free(&m);
    sb_free(&q);
    return rc;
}

void cli_say_no_session(uint64_t tkn) {
    fprintf(stderr, "ndb: session %llu does not exist\n", (unsigned long long)tkn);
}

/* ------------------------------------------------------------- requests */

/* Whether the next member needs a comma (the request body is not empty). */
static int body_started(const strbuf *r) { return r->len && r->buf[r->len - 1] != '{'; }

/* What to add when the answer to c's request did not come in time.  A
 * save runs in the background in the server and completes (or fails)
 * whether or not its client waits: a script must not take the timeout of a
 * long save for a failed one. */
static const char *timeout_hint(const cli_ctx *c) {
    static const char kv[] = "{\"KV_SAVE\":", sh[] = "{\"SH_SAVE\":";
    size_t n = sizeof kv - 1;
    if (c->req.len > n && (!memcmp(c->req.buf, kv, n) || !memcmp(c->req.buf, sh, n)))
        return "; the save goes on in the server (--timeout 0 waits for it)";
    return "";
}

void cli_req_begin_as(cli_ctx *c, const char *proto) {
    sb_reset(&c->req);
    sb_addc(&c->req, '{');
    sb_add_json_string(&c->req, proto, strlen(proto));
    SB_ADD_LIT(&c->req, ":{");
}

void cli_req_begin(cli_ctx *c) {
    if (c->in_session) {
        cli_req_begin_as(c, c->cmd->sh_proto);
        SB_ADD_LIT(&c->req, "\"tkn\":");
        sb_add_u64(&c->req, c->tkn);
    } else {
        cli_req_begin_as(c, c->cmd->proto);
    }
}

void cli_req_member(cli_ctx *c, const char *name) {
    if (body_started(&c->req)) sb_addc(&c->req, ',');
    sb_add_json_string(&c->req, name, strlen(name));
    sb_addc(&c->req, ':');
}

void cli_req_end(cli_ctx *c) { SB_ADD_LIT(&c->req, "}}"); }

int cli_req_key_array(cli_ctx *c, const char *member, int argc, char **argv) {
    cli_req_member(c, member);
    sb_addc(&c->req, '[');
    for (int i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]);
        if (!utf8_valid(argv[i], n)) return cli_usage_error(c, "key #%d is not valid UTF-8", i + 1);
        if (i) sb_addc(&c->req, ',');
        sb_add_json_string(&c->req, argv[i], n);
    }
    sb_addc(&c->req, ']');
    return 0;
}

/* `ndb get user '$.name'` reads as two key names: a newcomer expecting a
 * JSONPath form of get learns why "$.name" is missing and what to do. */
static const char *path_hint(const cli_ctx *c, const char *key) {
    if (!c->cmd || c->cmd->run != cli_get || key[0] != '$' || (key[1] && key[1] != '.' && key[1] != '['))
        return "";
    return " (get takes key names, not a JSONPath: for part of a value, pipe it to jq)";
}

void cli_say_key_missing(const cli_ctx *c, const char *key) {
    strbuf m = STRBUF_INIT;
    cli_quote(&m, key, strlen(key));
    if (c->in_session) fprintf(stderr, "ndb: key %s does not exist in session %llu%s\n", m.buf,
                               (unsigned long long)c->tkn, path_hint(c, key));
    else fprintf(stderr, "ndb: key %s does not exist%s\n", m.buf, path_hint(c, key));
    sb_free(&m);
}

/* An argument and its position, sorted by name, then position. */
typedef struct {
    const char *name;
    int at;
} name_at;

static int by_name_then_at(const void *a, const void *b) {
    const name_at *x = a, *y = b;
    int d = strcmp(x->name, y->name);
    return d ? d : (x->at > y->at) - (x->at < y->at);
}

unsigned char *cli_first_names(int argc, char *const *argv) {
    /* sorted, not compared pairwise: `ndb get -` may name 100,000 keys */
    size_t size = argc > 0 ? (size_t)argc : 0;
    unsigned char *first = malloc(size + 1);
    name_at *s = malloc((size + 1) * sizeof *s);
    if (!first || !s) abort();
    for (int i = 0; i < argc; i++) s[i] = (name_at){argv[i], i};
    qsort(s, size, sizeof *s, by_name_then_at);
    for (int i = 0; i < argc; i++) first[s[i].at] = i == 0 || strcmp(s[i].name, s[i - 1].name) != 0;
    free(s);
    return first;
}

int cli_say_keys_missing(const cli_ctx *c, uint32_t obj, int argc, char **argv) {
    int rc = 0;
    jmembers m; /* one lookup per name: an index, or `ndb get -` of 100,000 names is quadratic */
    jmembers_init(&m, &c->rsp, obj);
    unsigned char *first = cli_first_names(argc, argv);
    for (int i = 0; i < argc; i++) {
        if (jmembers_get(&m, argv[i], strlen(argv[i]))) continue;
        rc = CLI_FALSE;
        if (first[i]) cli_say_key_missing(c, argv[i]); /* `get a nope nope` names nope once */
    }
    free(first);
    jmembers_free(&m);
    return rc;
}

/* ------------------------------------------------------------- connection */

/* Milliseconds left before the deadline (-1 = no limit, at least 1). */
static int time_left(const cli_ctx *c) {
    if (c->timeout_ms < 0) return -1;
    int64_t left = c->deadline - mono_ms_i64();
    return left < 1 ? 1 : (int)left;
}

void cli_timeout_in_seconds(char *err, size_t n, double secs) {
    char *t = strstr(err, ": timed out after ");
    if (t) snprintf(t, n - (size_t)(t - err), ": timed out after %g s", secs);
}

static int connect_server(cli_ctx *c) {
    char err[600];
    int rc;
    c->ws = cli_login_connect(&c->login, c->url, time_left(c), err, sizeof err, &rc); /* cli_auth.h */
    if (!c->ws && c->stop && *c->stop) return CLI_INTERRUPTED; /* Ctrl-C in the REPL: no message */
    if (!c->ws) {
        cli_timeout_in_seconds(err, sizeof err, c->timeout_s);
        fprintf_visible(stderr, "ndb: %s\n", err); /* it quotes the URL, --cacert, ... as typed */
        return rc;
    }
    if (!(c->ws_url = strdup(c->url))) abort();
    c->conn_gen++;
    return 0;
}

void cli_disconnect(cli_ctx *c) {
    if (c->ws) wsc_close_nowait(c->ws, 200);
    c->ws = NULL;
    free(c->ws_url);
    c->ws_url = NULL;
}

void cli_start_clock(cli_ctx *c) { c->deadline = mono_ms_i64() + (c->timeout_ms < 0 ? 0 : c->timeout_ms); }

uint32_t cli_rsp_get(cli_ctx *c, const char *name) {
    return jobj_get(&c->rsp, c->body, name, strlen(name));
}

/* Is the answer in c->rsp (an object of one member) the answer to the
 * request in c->req?  Its name must be the request's with "_RSP" (names
 * compared decoded: the server answers the name it read), or ERR, the
 * answer to a request the server could not take apart; a request that is
 * not an object of one member (a raw one, in the REPL) can only get ERR.
 * Another command's answer means the peer is not an ndb server, or is
 * out of step: taking it would print a wrong result with exit 0. */
static int answers_request(const cli_ctx *c) {
    strbuf got = STRBUF_INIT, want = STRBUF_INIT;
    jdoc q = JDOC_INIT;
    jstr_decode(&c->rsp, &c->rsp.toks[1], &got);
    int ok = got.len == 3 && !memcmp(got.buf, "ERR", 3);
    if (!ok && jdoc_parse(&q, c->req.buf, c->req.len, NULL) == 0 && q.toks[0].type == JT_OBJECT &&
        q.toks[0].count == 1) {
        jstr_decode(&q, &q.toks[1], &want);
        SB_ADD_LIT(&want, "_RSP");
        ok = got.len == want.len && !memcmp(got.buf, want.buf, got.len);
    }
    jdoc_free(&q);
    sb_free(&got);
    sb_free(&want);
    return ok;
}

int cli_call(cli_ctx *c) {
    int rc;
    /* A connection kept from an earlier command (REPL) is reused if it is
     * to the same URL and still open. */
    int sent = c->ws && !strcmp(c->ws_url, c->url) && cli_login_matches(&c->login) &&
               wsc_send(c->ws, c->req.buf, c->req.len) == 0;
    if (!sent) {
        cli_disconnect(c);
        if ((rc = connect_server(c))) return rc;
        if (wsc_send(c->ws, c->req.buf, c->req.len) < 0) {
            fprintf(stderr, "ndb: lost connection to %s\n", wsc_url(c->ws));
            return CLI_USAGE;
        }
    }
    char err[320];
    int r;
    /* events of the connection's watches (REPL) may come before the answer */
    while ((r = wsc_recv(c->ws, &c->buf, time_left(c), err, sizeof err)) == 1 && cli_is_event(c->buf.buf, c->buf.len))
        if (c->on_event) c->on_event(c, c->buf.buf, c->buf.len);
    if (r == -2) {
        /* Ctrl-C in the REPL.  The answer may still come; on this
         * connection it would be taken for the answer to the next request,
         * so the connection goes (the REPL reconnects at the next command). */
        cli_disconnect(c);
        return CLI_INTERRUPTED;
    }
    if (r == 0) {
        fprintf(stderr, "ndb: no answer from %s: timed out after %g s%s\n", wsc_url(c->ws), c->timeout_s,
                timeout_hint(c));
        return CLI_USAGE;
    }
    if (r < 0) {
        if (strstr(err, "(1009"))
            fprintf(stderr, "ndb: the request (%zu bytes) is larger than the server accepts: %s; "
                            "the server's --max-payload option (maxPayload in its config file) "
                            "raises the limit\n", c->req.len, err);
        else
            fprintf(stderr, "ndb: lost connection to %s before the answer arrived: %s\n", wsc_url(c->ws), err);
        return CLI_USAGE;
    }
    /* {"<CMD>_RSP":{...,"st":N,...}} or {"ERR":{...}} */
    if (jdoc_parse(&c->rsp, c->buf.buf, c->buf.len, NULL) || c->rsp.toks[0].type != JT_OBJECT ||
        c->rsp.toks[0].count != 1 || c->rsp.toks[2].type != JT_OBJECT) {
        return cli_bad_answer(c, "the server's answer is not understood");
    }
    if (!answers_request(c)) return cli_bad_answer(c, "the server's answer is to another request");
    c->body = 2;
    uint32_t st = cli_rsp_get(c, "st");
    uint64_t v;
    if (!st || c->rsp.toks[st].type != JT_NUMBER || jnum_to_u64(&c->rsp, &c->rsp.toks[st], &v) ||
        v > 100000) {
        return cli_bad_answer(c, "the server's answer has no status");
    }
    c->st = (unsigned)v;
    return 0;
}

int cli_is_event(const char *msg, size_t n) {
    static const char suffix[] = "_EVENT\"";
    const size_t sn = sizeof suffix - 1;
    if (n < 3 || msg[0] != '{' || msg[1] != '"') return 0;
    const char *end = memchr(msg + 2, '"', n - 2);
    return end && (size_t)(end + 1 - (msg + 1)) >= sn + 1 && !memcmp(end + 1 - sn, suffix, sn);
}

int cli_call_ok(cli_ctx *c) {
    int rc = cli_call(c);
    if (rc) return rc;
    if (c->st == 100 && c->in_session) { /* the session a key command named is gone */
        cli_say_no_session(c->tkn);
        return CLI_FALSE;
    }
    return c->st == 1 ? 0 : cli_server_error(c);
}

int cli_member(cli_ctx *c, const char *name, int type, uint32_t *t) {
    *t = cli_rsp_get(c, name);
    if (!*t || c->rsp.toks[*t].type != type) {
        char what[96];
        snprintf(what, sizeof what, "the server's answer lacks '%s'", name);
        return cli_bad_answer(c, what);
    }
    return 0;
}

void cli_bad_text(const char *what, const char *s, size_t n) {
    strbuf q = STRBUF_INIT;
    sb_add_visible_cut(&q, s, n, 200);
    fprintf(stderr, "ndb: %s: %s\n", what, q.len ? q.buf : "");
    sb_free(&q);
}

int cli_bad_answer(cli_ctx *c, const char *what) {
    cli_bad_text(what, c->buf.buf, c->buf.len);
    return CLI_USAGE;
}

void cli_member_visible(const jdoc *d, uint32_t obj, const char *name, strbuf *out) {
    uint32_t t = jobj_get(d, obj, name, strlen(name));
    if (!t || d->toks[t].type != JT_STRING) return;
    strbuf raw = STRBUF_INIT;
    jstr_decode(d, &d->toks[t], &raw);
    sb_add_visible_line(out, raw.buf, raw.len);
    sb_free(&raw);
}
