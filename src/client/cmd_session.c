/*
 * cmd_session.c — `ndb session new|end|exists|info|save|load` (SH_NEW,
 * SH_END / SH_END_ALL, SH_EXISTS, SH_INFO / SH_INFO_ALL, SH_SAVE, SH_LOAD).
 *
 * Tokens are unsigned 64-bit numbers; they travel as decimal text from the
 * command line to the request and from the answer to stdout, never through
 * a floating-point type.  A token that names no session is "not found"
 * (exit 1), for these commands (`session save` then saves nothing) and for
 * key commands run with --session alike.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli.h"

/* Parse every argument from argv[from] on as a token into tk. */
static int parse_tokens(cli_ctx *c, int argc, char **argv, int from, uint64_t *tk) {
    for (int i = from; i < argc; i++)
        if (cli_parse_u64(argv[i], &tk[i]))
            return cli_usage_error(c, "invalid session token '%s' "
                                      "(expected a number 0..18446744073709551615)",
                                   argv[i]);
    return 0;
}

/* "tkns":[...] of tk[from..argc). */
static void add_tokens(cli_ctx *c, int argc, const uint64_t *tk, int from) {
    cli_req_member(c, "tkns");
    sb_addc(&c->req, '[');
    for (int i = from; i < argc; i++) {
        if (i > from) sb_addc(&c->req, ',');
        sb_add_u64(&c->req, tk[i]);
    }
    sb_addc(&c->req, ']');
}

int cli_session_ttl_refused(cli_ctx *c, const char *t) {
    strbuf m = STRBUF_INIT;
    cli_member_visible(&c->rsp, c->body, "m", &m);
    /* 42 is also a full server's (maxMemory): only a message about the
     * duration is about --ttl, else the server's words alone */
    static const char dur[] = "'duration'";
    int rc = m.len >= sizeof dur - 1 && memcmp(m.buf, dur, sizeof dur - 1) == 0
                 ? cli_server_error_as(c, "--ttl %s refused by the server: %s", t, m.buf)
                 : cli_server_error(c);
    sb_free(&m);
    return rc;
}

int cli_session_new(cli_ctx *c, int argc, char **argv) {
    uint64_t ttl = 0;
    int rc;
    const char *t = c->opt[OPT_TTL];
    if (t && cli_parse_u64(t, &ttl))
        return cli_usage_error(c, "invalid --ttl '%s' (expected whole seconds)", t);
    /* with no expiry they would be dropped without a word (session expire
     * refuses them the same way) */
    if (!ttl && (c->opt[OPT_DELETE] || c->opt[OPT_EXTEND_GET] || c->opt[OPT_EXTEND_SET]))
        return cli_usage_error(c, "--delete, --extend-on-get and --extend-on-set need a --ttl above 0");
    cli_req_begin(c);
    if (t) {
        cli_req_member(c, "expiry");
        sb_addf(&c->req, "{\"deleteSession\":%s,\"duration\":", c->opt[OPT_DELETE] ? "true" : "false");
        sb_add_u64(&c->req, ttl);
        sb_addf(&c->req, ",\"extendOnGet\":%s,\"extendOnSetAdd\":%s}",
                c->opt[OPT_EXTEND_GET] ? "true" : "false", c->opt[OPT_EXTEND_SET] ? "true" : "false");
    }
    cli_req_end(c);
    uint32_t k;
    if ((rc = cli_call(c))) return rc;
    if (c->st == 42 && t) return cli_session_ttl_refused(c, t); /* too long a duration, or maxMemory */
    if (c->st != 1) return cli_server_error(c);
    if ((rc = cli_member(c, "tkn", JT_NUMBER, &k))) return rc;
    cli_print_line(c, jtok_text(&c->rsp, &c->rsp.toks[k]), c->rsp.toks[k].len);
    return 0;
}

/* cli_first_names over the tokens' decimal text: "7" and "07" parse to
 * one session, and one text. */
static unsigned char *first_tokens(int n, const uint64_t *tk) {
    size_t size = n > 0 ? (size_t)n : 0;
    char(*text)[24] = malloc((size + 1) * sizeof *text);
    char **names = calloc(size + 1, sizeof *names);
    if (!text || !names) abort();
    for (int i = 0; i < n; i++) {
        snprintf(text[i], sizeof text[i], "%llu", (unsigned long long)tk[i]);
        names[i] = text[i];
    }
    unsigned char *first = cli_first_names(n, names);
    free(names);
    free(text);
    return first;
}

int cli_session_end(cli_ctx *c, int argc, char **argv) {
    int rc = 0;
    if (c->opt[OPT_ALL]) {
        if (argc) return cli_usage_error(c, "give tokens or --all, not both");
        uint32_t k;
        cli_req_begin_as(c, "SH_END_ALL");
        cli_req_end(c);
        if ((rc = cli_call_ok(c)) || (rc = cli_member(c, "cnt", JT_NUMBER, &k))) return rc;
        cli_print_line(c, jtok_text(&c->rsp, &c->rsp.toks[k]), c->rsp.toks[k].len);
        return 0;
    }
    if (!argc) return cli_usage_error(c, "missing TKN (or --all)");
    uint64_t *tk = calloc((size_t)argc, sizeof *tk);
    if (!tk) abort();
    if (!(rc = parse_tokens(c, argc, argv, 0, tk))) {
        unsigned char *first = first_tokens(argc, tk);
        for (int i = 0; i < argc; i++) {
            if (!first[i]) continue; /* ended already: a second SH_END would call it missing */
            cli_req_begin(c);
            cli_req_member(c, "tkn");
            sb_add_u64(&c->req, tk[i]);
            cli_req_end(c);
            int r = cli_call(c);
            if (r) {
                rc = r;
                break;
            }
            if (c->st == 100) {
                cli_say_no_session(tk[i]);
                rc = CLI_FALSE;
            } else if (c->st != 1) {
                rc = cli_server_error(c);
                break;
            }
        }
        free(first);
    }
    free(tk);
    return rc;
}

int cli_session_exists(cli_ctx *c, int argc, char **argv) {
    uint64_t *tk = calloc((size_t)argc, sizeof *tk);
    int rc;
    uint32_t t;
    if (!tk) abort();
    if ((rc = parse_tokens(c, argc, argv, 0, tk))) {
        free(tk);
        return rc;
    }
    cli_req_begin(c);
    add_tokens(c, argc, tk, 0);
    cli_req_end(c);
    free(tk);
    if ((rc = cli_call_ok(c)) || (rc = cli_member(c, "exist", JT_ARRAY, &t))) return rc;
    if ((rc = cli_print_list(c, &c->rsp, t))) return rc;
    return c->rsp.toks[t].count == (uint32_t)argc ? 0 : CLI_FALSE;
}

int cli_session_info(cli_ctx *c, int argc, char **argv) {
    int rc;
    uint64_t tkn;
    if (argc == 0) {
        cli_req_begin_as(c, "SH_INFO_ALL");
        cli_req_end(c);
        if ((rc = cli_call_ok(c))) return rc;
        cli_print_body(c, &c->rsp, c->body);
        return 0;
    }
    if ((rc = parse_tokens(c, 1, argv, 0, &tkn))) return rc;
    cli_req_begin(c);
    cli_req_member(c, "tkn");
    sb_add_u64(&c->req, tkn);
    cli_req_end(c);
    if ((rc = cli_call(c))) return rc;
    if (c->st == 100) {
        cli_say_no_session(tkn);
        return CLI_FALSE;
    }
    if (c->st != 1) return cli_server_error(c);
    cli_print_body(c, &c->rsp, c->body);
    return 0;
}

/* Send the request built so far, expect `ok`, print the report. */
static int report(cli_ctx *c, unsigned ok, const char *name) {
    int rc = cli_call(c);
    if (rc) return rc;
    if (c->st != ok) return cli_snapshot_error(c, name);
    cli_print_body(c, &c->rsp, c->body);
    return 0;
}

static int check_name(cli_ctx *c, const char *name) {
    return utf8_valid(name, strlen(name)) ? 0 : cli_usage_error(c, "NAME is not valid UTF-8");
}

static int add_name(cli_ctx *c, const char *name) {
    int rc = check_name(c, name);
    if (rc) return rc;
    cli_req_member(c, "name");
    sb_add_json_string(&c->req, name, strlen(name));
    return 0;
}

/* Before `session save NAME TKN...`: do all of tk[from..argc) name a
 * session?  Each one that does not is named on stderr, one line each, and
 * the answer is CLI_FALSE (not found, as for `session end`).  The server
 * would skip such a token and still write a snapshot, and that snapshot,
 * the newest of the dataset, is what a later `session load NAME` reads: a
 * mistyped token must not hide the sessions saved before under NAME. */
static int all_exist(cli_ctx *c, int argc, const uint64_t *tk, int from) {
    int rc;
    uint32_t t;
    cli_req_begin_as(c, "SH_EXISTS");
    add_tokens(c, argc, tk, from);
    cli_req_end(c);
    if ((rc = cli_call_ok(c)) || (rc = cli_member(c, "exist", JT_ARRAY, &t))) return rc;
    /* `exist` is the subsequence of the tokens asked that exist, in order */
    const jtok *a = &c->rsp.toks[t];
    uint32_t i = 0, e = t + 1;
    unsigned char *first = first_tokens(argc - from, tk + from); /* a token given twice is named once */
    for (int k = from; k < argc; k++) {
        uint64_t v;
        if (i < a->count && !jnum_to_u64(&c->rsp, &c->rsp.toks[e], &v) && v == tk[k]) {
            i++;
            e = c->rsp.toks[e].next;
            continue;
        }
        if (first[k - from])
            fprintf(stderr, "ndb: session %llu does not exist; nothing was saved\n", (unsigned long long)tk[k]);
        rc = CLI_FALSE;
    }
    free(first);
    return rc;
}

int cli_session_save(cli_ctx *c, int argc, char **argv) {
    uint64_t *tk = calloc((size_t)argc, sizeof *tk);
    int rc;
    if (!tk) abort();
    if ((rc = parse_tokens(c, argc, argv, 1, tk)) || (rc = check_name(c, argv[0])) ||
        (argc > 1 && (rc = all_exist(c, argc, tk, 1)))) {
        free(tk);
        return rc;
    }
    cli_req_begin(c);
    add_name(c, argv[0]);
    if (argc > 1) add_tokens(c, argc, tk, 1);
    cli_req_end(c);
    free(tk);
    return report(c, 121, argv[0]);
}

int cli_session_load(cli_ctx *c, int argc, char **argv) {
    int rc;
    cli_req_begin(c);
    if ((rc = add_name(c, argv[0]))) return rc;
    cli_req_end(c);
    return report(c, 141, argv[0]);
}
