/*
 * cmd_keys.c — the key commands: get, set, add, rm, keys, count, contains,
 * clear, clear-set.  Each is one request (KV_*, or SH_* with a session
 * token when --session / NDB_SESSION is given) and one answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli.h"

/* Append "name":[KEY,...] with the keys as JSON strings.  Returns 0 or
 * CLI_USAGE for a key that is not UTF-8. */
static int add_key_array(cli_ctx *c, const char *member, int argc, char **argv) {
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

/* "ndb: key "k" does not exist[ in session N]" */
static void say_missing(cli_ctx *c, const char *key) {
    strbuf m = STRBUF_INIT;
    cli_quote(&m, key, strlen(key));
    if (c->in_session) fprintf(stderr, "ndb: key %s does not exist in session %llu\n", m.buf,
                               (unsigned long long)c->tkn);
    else fprintf(stderr, "ndb: key %s does not exist\n", m.buf);
    sb_free(&m);
}

int cli_get(cli_ctx *c, int argc, char **argv) {
    int rc;
    cli_req_begin(c);
    if ((rc = add_key_array(c, "keys", argc, argv))) return rc;
    cli_req_end(c);
    uint32_t obj;
    if ((rc = cli_call_ok(c)) || (rc = cli_member(c, "keys", JT_OBJECT, &obj))) return rc;
    if (argc == 1) {
        uint32_t v = jobj_get(&c->rsp, obj, argv[0], strlen(argv[0]));
        if (!v) {
            say_missing(c, argv[0]);
            return CLI_FALSE;
        }
        cli_print_value(c, &c->rsp, v);
        return 0;
    }
    cli_print_value(c, &c->rsp, obj);
    for (int i = 0; i < argc; i++) {
        if (jobj_get(&c->rsp, obj, argv[i], strlen(argv[i]))) continue;
        say_missing(c, argv[i]);
        rc = CLI_FALSE;
    }
    return rc;
}

/* `set -`: the keys object comes from standard input. */
static int keys_from_stdin(cli_ctx *c) {
    if (c->opt[OPT_STRING])
        return cli_usage_error(c, "--string does not apply to '-' (standard input must be a JSON object)");
    strbuf in = STRBUF_INIT;
    int rc = cli_read_stdin(c, &in);
    if (!rc && (!cli_is_json(&c->tmp, in.buf ? in.buf : "", in.len) ||
                c->tmp.toks[0].type != JT_OBJECT))
        rc = cli_usage_error(c, "standard input is not a JSON object");
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
            strbuf in = STRBUF_INIT;
            rc = cli_read_stdin(c, &in);
            if (!rc) rc = cli_add_value(c, &c->req, in.buf ? in.buf : "", in.len, "standard input");
            sb_free(&in);
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
    if ((rc = add_key_array(c, "keys", argc, argv))) return rc;
    cli_req_end(c);
    return cli_call_ok(c);
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

int cli_clear(cli_ctx *c, int argc, char **argv) { return print_count(c, "cnt"); }

int cli_keys(cli_ctx *c, int argc, char **argv) {
    int rc;
    uint32_t t;
    cli_req_begin(c);
    cli_req_end(c);
    if ((rc = cli_call_ok(c)) || (rc = cli_member(c, "keys", JT_ARRAY, &t))) return rc;
    cli_print_list(c, &c->rsp, t);
    return 0;
}

int cli_contains(cli_ctx *c, int argc, char **argv) {
    int rc;
    uint32_t t;
    cli_req_begin(c);
    if ((rc = add_key_array(c, "keys", argc, argv))) return rc;
    cli_req_end(c);
    if ((rc = cli_call_ok(c)) || (rc = cli_member(c, "contains", JT_ARRAY, &t))) return rc;
    cli_print_list(c, &c->rsp, t);
    return c->rsp.toks[t].count == (uint32_t)argc ? 0 : CLI_FALSE;
}
