/*
 * cmd_keys.c — the key commands: get, set, add, rm, keys, count, contains,
 * clear, clear-set.  Each is one request (KV_*, or SH_* with a session
 * token when --session / NDB_SESSION is given) and one answer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/cli.h"

/* `get -` / `get -0`: the key names, one per line (or NUL-separated), from
 * standard input into *names (pointers into *in).  A final separator ends
 * the last name rather than starting an empty one.  A line's trailing CR is
 * dropped, as send and `set KEY -` drop it: a file from Windows would
 * otherwise look up "a\r" (a name that ends in CR needs -0). */
static int names_from_stdin(cli_ctx *c, strbuf *in, char ***names, int *n) {
    int rc = cli_read_stdin(c, in);
    if (rc) return rc;
    char sep = c->opt[OPT_NULL] ? '\0' : '\n';
    size_t cap = 0, i = 0;
    *n = 0;
    *names = NULL;
    sb_grow(in, 1); /* never NULL, room for the terminator */
    in->buf[in->len] = '\0';
    while (i < in->len) {
        size_t j = i;
        while (j < in->len && in->buf[j] != sep) j++;
        if ((size_t)*n == cap) {
            cap = cap ? cap * 2 : 64;
            *names = realloc(*names, cap * sizeof **names);
            if (!*names) abort();
        }
        size_t end = j;
        if (sep == '\n' && end > i && in->buf[end - 1] == '\r') end--;
        in->buf[end] = '\0';
        if (memchr(in->buf + i, '\0', end - i))
            return cli_usage_error(c, "key name #%d on standard input holds a NUL byte "
                                      "(use -0 for NUL-separated names)", *n + 1);
        (*names)[(*n)++] = in->buf + i;
        i = j + 1;
    }
    return 0;
}

/* Print the found keys as one object, then name the missing ones. */
static int print_found(cli_ctx *c, uint32_t obj, int argc, char **argv) {
    cli_print_value(c, &c->rsp, obj);
    return cli_say_keys_missing(c, obj, argc, argv);
}

int cli_get(cli_ctx *c, int argc, char **argv) {
    int rc, from_stdin = (argc == 1 && !strcmp(argv[0], "-")) || (argc == 0 && c->opt[OPT_NULL]);
    if (argc == 0 && !from_stdin)
        return cli_usage_error(c, "missing argument (usage: ndb get KEY... | -)");
    if (c->opt[OPT_NULL] && !from_stdin)
        return cli_usage_error(c, "-0 applies to key names read from standard input ('-')");
    strbuf in = STRBUF_INIT;
    char **names = NULL;
    if (from_stdin) {
        if ((rc = names_from_stdin(c, &in, &names, &argc))) goto out;
        argv = names;
    }
    cli_req_begin(c);
    if ((rc = cli_req_key_array(c, "keys", argc, argv))) goto out;
    cli_req_end(c);
    uint32_t obj;
    if ((rc = cli_call_ok(c)) || (rc = cli_member(c, "keys", JT_OBJECT, &obj))) goto out;
    /* One KEY prints its bare value; an object whenever the number of keys
     * is not fixed by the command line (--object, names from stdin). */
    if (argc == 1 && !from_stdin && !c->opt[OPT_OBJECT]) {
        uint32_t v = jobj_get(&c->rsp, obj, argv[0], strlen(argv[0]));
        if (!v) {
            cli_say_key_missing(c, argv[0]);
            rc = CLI_FALSE;
        } else {
            cli_print_value(c, &c->rsp, v);
        }
    } else {
        rc = print_found(c, obj, argc, argv);
    }
out:
    free(names);
    sb_free(&in);
    return rc;
}

/* `set -`: the keys object comes from standard input. */
static int keys_from_stdin(cli_ctx *c) {
    if (c->opt[OPT_STRING])
        return cli_usage_error(c, "--string does not apply to '-' (standard input must be a JSON object)");
    strbuf in = STRBUF_INIT;
    int rc = cli_read_stdin(c, &in);
    if (!rc) rc = cli_stdin_object(c, in.buf ? in.buf : "", in.len);
    if (!rc) {
        cli_req_member(c, "keys");
        sb_add(&c->req, c->tmp.text.buf, c->tmp.text.len);
    }
    sb_free(&in);
    return rc;
}

/* Build "keys":{K:V,...} from KEY VALUE pairs; a KEY given twice keeps its
 * last VALUE; a VALUE of "-" is standard input (once). */
static int keys_from_pairs(cli_ctx *c, int argc, char **argv) {
    if (argc % 2) {
        return cli_usage_error(c, argc == 1 ? "missing VALUE for KEY '%s' "
                                              "(use '-' to read it from standard input)"
                                            : "missing VALUE for the last KEY '%s'",
                               argv[argc - 1]);
    }
    int stdin_used = 0, rc = 0;
    cli_req_member(c, "keys");
    sb_addc(&c->req, '{');
    size_t first = c->req.len;
    for (int i = 0; i < argc && !rc; i += 2) {
        int later = 0;
        for (int j = i + 2; j < argc; j += 2) later |= !strcmp(argv[i], argv[j]);
        if (!strcmp(argv[i + 1], "-")) {
            if (stdin_used++) return cli_usage_error(c, "standard input ('-') can be read only once");
        }
        if (later) continue;
        size_t kn = strlen(argv[i]);
        if (!utf8_valid(argv[i], kn)) return cli_usage_error(c, "KEY '%s' is not valid UTF-8", argv[i]);
        if (c->req.len > first) sb_addc(&c->req, ',');
        sb_add_json_string(&c->req, argv[i], kn);
        sb_addc(&c->req, ':');
        if (!strcmp(argv[i + 1], "-")) {
            rc = cli_add_stdin_value(c, &c->req);
        } else {
            rc = cli_add_value(c, &c->req, argv[i + 1], strlen(argv[i + 1]), "VALUE");
        }
    }
    sb_addc(&c->req, '}');
    return rc;
}

/* set, add and clear-set: the same arguments, different commands. */
int cli_set(cli_ctx *c, int argc, char **argv) {
    int rc;
    if (c->opt[OPT_STRING] && c->opt[OPT_JSON])
        return cli_usage_error(c, "--string and --json exclude each other");
    cli_req_begin(c);
    if (argc == 1 && !strcmp(argv[0], "-")) rc = keys_from_stdin(c);
    else rc = keys_from_pairs(c, argc, argv);
    if (rc || (rc = cli_add_key_ttl(c))) return rc;
    cli_req_end(c);
    if ((rc = cli_call_ok(c))) return rc;
    if (c->cmd->run == cli_set && !strcmp(c->cmd->name, "clear-set")) {
        uint32_t cnt;
        if ((rc = cli_member(c, "cnt", JT_NUMBER, &cnt))) return rc;
        cli_print_line(c, jtok_text(&c->rsp, &c->rsp.toks[cnt]), c->rsp.toks[cnt].len);
    }
    return 0;
}

int cli_rm(cli_ctx *c, int argc, char **argv) {
    int rc;
    cli_req_begin(c);
    if ((rc = cli_req_key_array(c, "keys", argc, argv))) return rc;
    cli_req_member(c, "cnt"); /* ndb's opt-in: answer how many were removed */
    SB_ADD_LIT(&c->req, "true");
    cli_req_end(c);
    if ((rc = cli_call_ok(c))) return rc;
    /* A server without the extension answers only {"st":1}: nothing to say. */
    uint32_t t = cli_rsp_get(c, "cnt");
    if (t && c->rsp.toks[t].type == JT_NUMBER)
        cli_print_line(c, jtok_text(&c->rsp, &c->rsp.toks[t]), c->rsp.toks[t].len);
    return 0;
}

/* Print member `name` (a number) of an Ok answer to a request without
 * arguments. */
static int print_count(cli_ctx *c, const char *name) {
    int rc;
    uint32_t t;
    cli_req_begin(c);
    cli_req_end(c);
    if ((rc = cli_call_ok(c)) || (rc = cli_member(c, name, JT_NUMBER, &t))) return rc;
    cli_print_line(c, jtok_text(&c->rsp, &c->rsp.toks[t]), c->rsp.toks[t].len);
    return 0;
}

int cli_count(cli_ctx *c, int argc, char **argv) { return print_count(c, "cnt"); }

/* The REPL's question before clear: "Remove all N keys ...? [y/N]" (for
 * one key "Remove the 1 key ...").
 * Returns 1 for yes, 0 for anything else (message printed), or an exit
 * status > 1 if the count could not be had. */
static int confirm_clear(cli_ctx *c) {
    uint32_t t;
    int rc;
    if (c->in_session) {
        cli_req_begin_as(c, "SH_COUNT");
        cli_req_member(c, "tkn");
        sb_add_u64(&c->req, c->tkn);
    } else {
        cli_req_begin_as(c, "KV_COUNT");
    }
    cli_req_end(c);
    if ((rc = cli_call_ok(c)) || (rc = cli_member(c, "cnt", JT_NUMBER, &t))) return rc;
    /* the count as the server wrote it; "Remove the 1 key", not "all 1 keys" */
    int len = (int)c->rsp.toks[t].len;
    const char *cnt = jtok_text(&c->rsp, &c->rsp.toks[t]);
    int one = len == 1 && cnt[0] == '1';
    fprintf(stderr, "Remove %s %.*s key%s of ", one ? "the" : "all", len, cnt, one ? "" : "s");
    if (c->in_session)
        fprintf(stderr, "session %llu? [y/N] ", (unsigned long long)c->tkn);
    else
        fprintf(stderr, "%s? [y/N] ", c->url);
    char line[16] = "";
    size_t n = 0;
    ssize_t k = 0;
    for (char ch; n + 1 < sizeof line && (k = read(STDIN_FILENO, &ch, 1)) == 1 && ch != '\n';) line[n++] = ch;
    line[n] = '\0';
    if (k < 0 && errno == EINTR) { /* Ctrl-C in the REPL (its handler does not restart the read): no */
        fputc('\n', stderr);
        n = 0;
        line[0] = '\0';
    }
    if (!strcmp(line, "y") || !strcmp(line, "Y") || !strcmp(line, "yes")) return 1;
    fprintf(stderr, "(nothing removed)\n");
    return 0;
}

int cli_clear(cli_ctx *c, int argc, char **argv) {
    /* A scripted clear (stdin not a terminal) runs as asked; a typed one
     * is confirmed: by --yes on the command line, by a question in the
     * REPL. */
    if (!c->opt[OPT_YES] && isatty(STDIN_FILENO)) {
        if (!c->can_ask)
            return cli_usage_error(c, "this removes every key; add --yes to confirm (required when "
                                      "standard input is a terminal)");
        int yes = confirm_clear(c);
        if (yes != 1) return yes == 0 ? CLI_FALSE : yes;
        cli_start_clock(c);
    }
    return print_count(c, "cnt");
}

/*
 * The key names to list, as an array at token *t of *d.  With --prefix at
 * the top level the server's KV_SCAN sends only the names that match (page
 * by page); a session has no key scan, so its SH_KEYS answer is filtered
 * here.
 */
static int list_keys(cli_ctx *c, const char *prefix, const jdoc **d, uint32_t *t) {
    int rc;
    if (prefix && *prefix && !c->in_session) return cli_keys_with_prefix(c, prefix, d, t);
    cli_req_begin(c);
    cli_req_end(c);
    if ((rc = cli_call_ok(c)) || (rc = cli_member(c, "keys", JT_ARRAY, t))) return rc;
    *d = &c->rsp;
    if (!prefix || !*prefix) return 0;
    size_t pn = strlen(prefix);
    strbuf arr = STRBUF_INIT, name = STRBUF_INIT;
    const jtok *a = &c->rsp.toks[*t];
    sb_addc(&arr, '[');
    for (uint32_t i = 0, k = *t + 1; i < a->count; i++, k = c->rsp.toks[k].next) {
        const jtok *it = &c->rsp.toks[k];
        sb_reset(&name);
        jstr_decode(&c->rsp, it, &name);
        if (name.len < pn || memcmp(name.buf, prefix, pn)) continue;
        if (arr.len > 1) sb_addc(&arr, ',');
        sb_add(&arr, jtok_text(&c->rsp, it), it->len);
    }
    sb_addc(&arr, ']');
    rc = jdoc_parse(&c->tmp, arr.buf, arr.len, NULL) ? CLI_USAGE : 0;
    sb_free(&arr);
    sb_free(&name);
    *d = &c->tmp;
    *t = 0;
    return rc;
}

int cli_keys(cli_ctx *c, int argc, char **argv) {
    const jdoc *d;
    uint32_t t;
    int rc = list_keys(c, c->opt[OPT_PREFIX], &d, &t);
    return rc ? rc : cli_print_list(c, d, t);
}

int cli_contains(cli_ctx *c, int argc, char **argv) {
    int rc;
    uint32_t t;
    cli_req_begin(c);
    if ((rc = cli_req_key_array(c, "keys", argc, argv))) return rc;
    cli_req_end(c);
    if ((rc = cli_call_ok(c)) || (rc = cli_member(c, "contains", JT_ARRAY, &t))) return rc;
    if ((rc = cli_print_list(c, &c->rsp, t))) return rc;
    return c->rsp.toks[t].count == (uint32_t)argc ? 0 : CLI_FALSE;
}
