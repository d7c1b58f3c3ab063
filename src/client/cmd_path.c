/*
 * cmd_path.c — the JSONPath commands: find (KV_FIND), update (KV_UPDATE)
 * and append (KV_ARR_APPEND).  They work on top-level keys only: the
 * protocol has no session form of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/cli.h"

/* Append s as a JSON string; CLI_USAGE if it is not UTF-8. */
static int add_string(cli_ctx *c, const char *s, size_t n, const char *what) {
    if (!utf8_valid(s, n)) return cli_usage_error(c, "%s is not valid UTF-8", what);
    sb_add_json_string(&c->req, s, n);
    return 0;
}

/* "keys":[...] from every --keys K,... (split at commas) and --key K. */
static int add_find_keys(cli_ctx *c) {
    if (!c->nkeys_opts) return 0;
    cli_req_member(c, "keys");
    sb_addc(&c->req, '[');
    int first = 1;
    for (size_t i = 0; i < c->nkeys_opts; i++) {
        const char *s = c->keys_opts[i];
        size_t n = strlen(s);
        for (;;) {
            size_t w = c->keys_kind[i] == OPT_KEYS ? strcspn(s, ",") : n;
            if (!first) sb_addc(&c->req, ',');
            first = 0;
            if (add_string(c, s, w, "a key of --keys")) return CLI_USAGE;
            if (s[w] != ',') break;
            s += w + 1;
            n -= w + 1;
        }
    }
    sb_addc(&c->req, ']');
    return 0;
}

/* One KV_FIND of `path` over the --keys/--key candidates, or over the one
 * key `only` (its JSON text) when given; expects Ok. */
static int find_request(cli_ctx *c, const char *path, size_t pathn, const char *rsp,
                        const char *only, size_t onlyn) {
    int rc;
    cli_req_begin(c);
    if (only) {
        cli_req_member(c, "keys");
        sb_addc(&c->req, '[');
        sb_add(&c->req, only, onlyn);
        sb_addc(&c->req, ']');
    } else if ((rc = add_find_keys(c))) {
        return rc;
    }
    cli_req_member(c, "path");
    if ((rc = add_string(c, path, pathn, "PATH"))) return rc;
    cli_req_member(c, "rsp");
    sb_add_json_string(&c->req, rsp, strlen(rsp));
    cli_req_end(c);
    return cli_call_ok(c);
}

/*
 * find's answer when no key matched PATH: CLI_FALSE (exit 1, as from grep).
 * `find '$[?(@.age > 18)]'` over one record per key matches nothing,
 * silently: the filter tests each value's members.  A person at a terminal
 * is told what does what they meant; a script sees only the exit status.
 */
static int no_key_matched(const char *path) {
    if (!strncmp(path, "$[?(", 4) && isatty(STDERR_FILENO))
        fputs("ndb find: no key matched; a filter $[?(...)] tests the members of each value (a list's "
              "records): to test each value itself, use --where EXPR (ndb find --where '@.age > 18')\n",
              stderr);
    return CLI_FALSE;
}

/*
 * --paths: KV_FIND's "paths" answer does not say which key each path came
 * from, so ask which keys match, then for the paths of each matching key
 * (one request each, on the same connection).  Prints {KEY: [PATH...]}.
 * Not atomic: a key changed between the two steps shows its new paths, or
 * is left out if it no longer matches.
 */
static int find_paths(cli_ctx *c, const char *path, size_t pathn) {
    int rc;
    uint32_t t;
    if ((rc = find_request(c, path, pathn, "keys", NULL, 0)) ||
        (rc = cli_member(c, "keys", JT_ARRAY, &t)))
        return rc;
    /* The key list is overwritten by the next answer: keep its text. */
    strbuf keys = STRBUF_INIT, out = STRBUF_INIT;
    jdoc kd = JDOC_INIT;
    sb_add(&keys, jtok_text(&c->rsp, &c->rsp.toks[t]), c->rsp.toks[t].len);
    if (jdoc_parse(&kd, keys.buf, keys.len, NULL)) abort(); /* it parsed once already */
    sb_addc(&out, '{');
    size_t found = 0;
    for (uint32_t i = 0, k = 1; i < kd.toks[0].count && !rc; i++, k = kd.toks[k].next) {
        const jtok *key = &kd.toks[k];
        int dup = 0; /* --keys may list a key twice: print it once */
        for (uint32_t j = 0, q = 1; j < i && !dup; j++, q = kd.toks[q].next)
            dup = kd.toks[q].len == key->len && !memcmp(jtok_text(&kd, &kd.toks[q]), jtok_text(&kd, key), key->len);
        if (dup) continue;
        uint32_t p;
        if ((rc = find_request(c, path, pathn, "paths", jtok_text(&kd, key), key->len)) ||
            (rc = cli_member(c, "paths", JT_ARRAY, &p)))
            break;
        if (!c->rsp.toks[p].count) continue;
        if (found++) sb_addc(&out, ',');
        sb_add(&out, jtok_text(&kd, key), key->len);
        sb_addc(&out, ':');
        sb_add(&out, jtok_text(&c->rsp, &c->rsp.toks[p]), c->rsp.toks[p].len);
    }
    sb_addc(&out, '}');
    if (!rc && jdoc_parse(&c->tmp, out.buf, out.len, NULL) == 0) cli_print_value(c, &c->tmp, 0);
    sb_free(&keys);
    sb_free(&out);
    jdoc_free(&kd);
    return rc ? rc : found ? 0 : no_key_matched(path);
}

int cli_find_cmd(cli_ctx *c, int argc, char **argv) {
    if (c->opt[OPT_PATHS] && c->opt[OPT_KV])
        return cli_usage_error(c, "--paths and --kv exclude each other");
    const char *where = c->opt[OPT_WHERE];
    if (where && argc)
        return cli_usage_error(c, "give PATH or --where EXPR, not both");
    if (!where && !argc)
        return cli_usage_error(c, "missing argument (usage: ndb find PATH | --where EXPR)");
    if (c->opt[OPT_NULL] && (c->opt[OPT_PATHS] || c->opt[OPT_KV]))
        return cli_usage_error(c, "-0 lists key names; --paths and --kv print an object");
    if (where && c->opt[OPT_PATHS])
        return cli_usage_error(c, "--paths does not apply to --where (what matches is the whole "
                                  "value, at path $)");
    strbuf wpath = STRBUF_INIT;
    const char *path = argc ? argv[0] : NULL;
    int rc;
    if (where) {
        char err[256];
        if (!utf8_valid(where, strlen(where)))
            return cli_usage_error(c, "--where EXPR is not valid UTF-8");
        if (cli_where_path(where, &wpath, err, sizeof err)) {
            sb_free(&wpath);
            return cli_usage_error(c, "invalid --where expression: %s", err);
        }
        path = wpath.buf;
    }
    size_t pathn = strlen(path);
    if (c->opt[OPT_PATHS]) {
        rc = find_paths(c, path, pathn);
        sb_free(&wpath);
        return rc;
    }
    const char *rsp = c->opt[OPT_KV] ? "kv" : "keys";
    rc = find_request(c, path, pathn, rsp, NULL, 0);
    sb_free(&wpath);
    if (rc) return rc;
    uint32_t t;
    if (c->opt[OPT_KV]) {
        if ((rc = cli_member(c, "keys", JT_OBJECT, &t))) return rc;
        cli_print_value(c, &c->rsp, t);
    } else {
        if ((rc = cli_member(c, "keys", JT_ARRAY, &t)) || (rc = cli_print_list(c, &c->rsp, t))) return rc;
    }
    if (c->rsp.toks[t].count) return 0;
    return where ? CLI_FALSE : no_key_matched(path);
}

static void say_no_key(const char *key, const char *member) {
    strbuf m = STRBUF_INIT;
    cli_quote(&m, key, strlen(key));
    if (member) {
        SB_ADD_LIT(&m, " (or its member ");
        cli_quote(&m, member, strlen(member));
        SB_ADD_LIT(&m, ")");
    }
    fprintf(stderr, "ndb: key %s does not exist\n", m.buf);
    sb_free(&m);
}

/* `update u '$.age' '@ + 1'` would store the string "@ + 1": update stores
 * values, it evaluates no expressions, so say so instead.  The same holds for
 * a VALUE read from standard input ('-': "by the same rules", ndb help values). */
static int refuse_expression(cli_ctx *c, const char *v, int from_stdin) {
    if (c->opt[OPT_STRING] || (v[0] != '@' && v[0] != '$')) return 0;
    if (from_stdin)
        return cli_usage_error(c, "VALUE from standard input starts with '%c' like a JSONPath expression, "
                                  "but update stores VALUE as given and evaluates nothing (-s stores it as "
                                  "a string)", v[0]);
    return cli_usage_error(c, "VALUE '%s' looks like a JSONPath expression, but update "
                              "stores VALUE as given and evaluates nothing (-s stores it as "
                              "a string)", v);
}

/* The VALUE of update: the argument, or standard input for '-', checked by
 * refuse_expression and added to the request. */
static int add_update_value(cli_ctx *c, const char *arg) {
    int rc;
    if (strcmp(arg, "-"))
        return (rc = refuse_expression(c, arg, 0)) ? rc : cli_add_value(c, &c->req, arg, strlen(arg), "VALUE");
    strbuf in = STRBUF_INIT;
    rc = cli_read_stdin_value(c, &in);
    if (!rc && !(rc = refuse_expression(c, in.buf, 1)))
        rc = cli_add_value(c, &c->req, in.buf, in.len, "standard input");
    sb_free(&in);
    return rc;
}

int cli_update(cli_ctx *c, int argc, char **argv) {
    int rc;
    if (c->opt[OPT_STRING] && c->opt[OPT_JSON])
        return cli_usage_error(c, "--string and --json exclude each other");
    cli_req_begin(c);
    cli_req_member(c, "key");
    if ((rc = add_string(c, argv[0], strlen(argv[0]), "KEY"))) return rc;
    cli_req_member(c, "path");
    if ((rc = add_string(c, argv[1], strlen(argv[1]), "PATH"))) return rc;
    cli_req_member(c, "value");
    if ((rc = add_update_value(c, argv[2]))) return rc;
    cli_req_end(c);
    if ((rc = cli_call(c))) return rc;
    if (c->st == 22) {
        say_no_key(argv[0], NULL);
        return CLI_FALSE;
    }
    if (c->st != 1) return cli_server_error(c);
    uint32_t t;
    if ((rc = cli_member(c, "cnt", JT_NUMBER, &t))) return rc;
    const jtok *k = &c->rsp.toks[t];
    cli_print_line(c, jtok_text(&c->rsp, k), k->len);
    return k->len == 1 && jtok_text(&c->rsp, k)[0] == '0' ? CLI_FALSE : 0;
}

/* Did KV_ARR_APPEND refuse the value itself for not being an object (docs/protocol.md 3.12:
 * m "value is not an object"), rather than its member for not being an array? */
static int append_refused_object(cli_ctx *c) {
    uint32_t mt = cli_rsp_get(c, "m");
    static const char refusal[] = "value is not an object";
    return mt && c->rsp.toks[mt].type == JT_STRING &&
           jstr_equals(&c->rsp, &c->rsp.toks[mt], refusal, sizeof refusal - 1);
}

int cli_append(cli_ctx *c, int argc, char **argv) {
    int rc, used = 0;
    if (c->opt[OPT_STRING] && c->opt[OPT_JSON])
        return cli_usage_error(c, "--string and --json exclude each other");
    cli_req_begin(c);
    cli_req_member(c, "items");
    sb_addc(&c->req, '[');
    for (int i = 1; i < argc; i++) {
        if (i > 1) sb_addc(&c->req, ',');
        if ((rc = cli_add_arg_value(c, argv[i], &used, "ITEM"))) return rc;
    }
    sb_addc(&c->req, ']');
    cli_req_member(c, "key");
    if ((rc = add_string(c, argv[0], strlen(argv[0]), "KEY"))) return rc;
    if (c->opt[OPT_NAME]) {
        cli_req_member(c, "name");
        if ((rc = add_string(c, c->opt[OPT_NAME], strlen(c->opt[OPT_NAME]), "--name"))) return rc;
    }
    cli_req_end(c);
    if ((rc = cli_call(c))) return rc;
    if (c->st == 22) {
        say_no_key(argv[0], c->opt[OPT_NAME]);
        return CLI_FALSE;
    }
    if (c->st == 41) { /* the server names its parameter ('name'); say what the user typed */
        /* with --name, 41 is either the value (not an object) or its member (not an array) */
        int not_object = c->opt[OPT_NAME] && append_refused_object(c);
        strbuf m = STRBUF_INIT;
        if (c->opt[OPT_NAME] && !not_object) {
            SB_ADD_LIT(&m, "member ");
            cli_quote(&m, c->opt[OPT_NAME], strlen(c->opt[OPT_NAME]));
            SB_ADD_LIT(&m, " of key ");
        } else {
            SB_ADD_LIT(&m, "the value of key ");
        }
        cli_quote(&m, argv[0], strlen(argv[0]));
        fprintf(stderr, "ndb: ValueTypeInvalid (41): %s is not an %s\n", m.buf, not_object ? "object" : "array");
        sb_free(&m);
        return cli_status_exit(c->st);
    }
    return c->st == 1 ? 0 : cli_server_error(c);
}
