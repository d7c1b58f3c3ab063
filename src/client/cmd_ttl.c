/*
 * cmd_ttl.c — key expiry and atomic updates on the command line:
 *   ndb expire KEY SECONDS     KV_EXPIRE
 *   ndb ttl KEY...             KV_TTL
 *   ndb persist KEY...         KV_PERSIST
 *   ndb incr KEY [N]           KV_INCR (SH_INCR in a session)
 *   ndb cas KEY EXPECT [VALUE] KV_CAS
 *   ndb session expire TKN --ttl S [--delete] [--extend-on-get] [--extend-on-set]
 *                              SH_EXPIRE
 * and the --ttl option that set and add send (cli_add_key_ttl).
 */
#include <stdio.h>
#include <string.h>

#include "client/cli.h"
#include "common/ttl.h"

/* Check that s is a JSON number (the server judges its range) and append
 * it; `what` names it in the message.  Returns 0 or CLI_USAGE. */
static int add_number(cli_ctx *c, const char *s, const char *what) {
    if (!cli_is_json(&c->tmp, s, strlen(s)) || c->tmp.toks[0].type != JT_NUMBER)
        return cli_usage_error(c, "invalid %s '%s' (expected a number)", what, s);
    sb_add(&c->req, c->tmp.text.buf, c->tmp.text.len);
    return 0;
}

/* Check that s is a TTL by the rule the server applies (common/ttl.h) and
 * append it; `what` names it in the message (the option or operand the
 * user typed), so a typo is a usage error before anything is sent.
 * Returns 0 or CLI_USAGE. */
static int add_ttl(cli_ctx *c, const char *s, const char *what) {
    uint64_t ns;
    if (!cli_is_json(&c->tmp, s, strlen(s)) || c->tmp.toks[0].type != JT_NUMBER ||
        ttl_text_ns(c->tmp.text.buf, c->tmp.text.len, &ns))
        return cli_usage_error(c, "invalid %s '%s': it must be " NDB_TTL_RULE ", e.g. 30 or 0.5", what, s);
    sb_add(&c->req, c->tmp.text.buf, c->tmp.text.len);
    return 0;
}

int cli_add_key_ttl(cli_ctx *c) {
    const char *t = c->opt[OPT_KEY_TTL];
    if (!t) return 0;
    if (c->in_session) return cli_usage_error(c, "--ttl applies to top-level keys only (sessions expire as a whole)");
    cli_req_member(c, "ttl");
    return add_ttl(c, t, "--ttl");
}

/* Send the request and take the answer's `keys` object into *obj. */
static int call_keys(cli_ctx *c, uint32_t *obj) {
    int rc;
    cli_req_end(c);
    if ((rc = cli_call_ok(c)) || (rc = cli_member(c, "keys", JT_OBJECT, obj))) return rc;
    return 0;
}

/* Begin a request {"keys":{"KEY": — the caller appends the number and
 * the closing brace.  Returns 0, or CLI_USAGE when KEY is not UTF-8. */
static int begin_one_key(cli_ctx *c, const char *k, size_t n) {
    if (!utf8_valid(k, n)) return cli_usage_error(c, "KEY is not valid UTF-8");
    cli_req_begin(c);
    cli_req_member(c, "keys");
    sb_addc(&c->req, '{');
    sb_add_json_string(&c->req, k, n);
    sb_addc(&c->req, ':');
    return 0;
}

int cli_expire(cli_ctx *c, int argc, char **argv) {
    int rc;
    size_t n = strlen(argv[0]);
    if ((rc = begin_one_key(c, argv[0], n)) || (rc = add_ttl(c, argv[1], "SECONDS"))) return rc;
    sb_addc(&c->req, '}');
    uint32_t obj, v;
    if ((rc = call_keys(c, &obj))) return rc;
    v = jobj_get(&c->rsp, obj, argv[0], n);
    if (v && c->rsp.toks[v].type == JT_TRUE) return 0;
    cli_say_key_missing(c, argv[0]);
    return CLI_FALSE;
}

int cli_ttl(cli_ctx *c, int argc, char **argv) {
    int rc;
    uint32_t obj;
    cli_req_begin(c);
    if ((rc = cli_req_key_array(c, "keys", argc, argv)) || (rc = call_keys(c, &obj))) return rc;
    if (argc == 1) {
        uint32_t v = jobj_get(&c->rsp, obj, argv[0], strlen(argv[0]));
        if (!v) {
            cli_say_key_missing(c, argv[0]);
            return CLI_FALSE;
        }
        cli_print_value(c, &c->rsp, v);
        return 0;
    }
    cli_print_value(c, &c->rsp, obj);
    return cli_say_keys_missing(c, obj, argc, argv);
}

int cli_persist(cli_ctx *c, int argc, char **argv) {
    int rc;
    uint32_t obj;
    cli_req_begin(c);
    if ((rc = cli_req_key_array(c, "keys", argc, argv)) || (rc = call_keys(c, &obj))) return rc;
    return cli_say_keys_missing(c, obj, argc, argv);
}

int cli_incr(cli_ctx *c, int argc, char **argv) {
    int rc;
    size_t n = strlen(argv[0]);
    if ((rc = begin_one_key(c, argv[0], n))) return rc;
    if (argc > 1) {
        if ((rc = add_number(c, argv[1], "increment"))) return rc;
    } else {
        sb_addc(&c->req, '1');
    }
    sb_addc(&c->req, '}');
    uint32_t obj, v;
    if ((rc = call_keys(c, &obj))) return rc;
    if (!(v = jobj_get(&c->rsp, obj, argv[0], n))) return cli_member(c, "keys", JT_NULL, &v); /* says why */
    cli_print_value(c, &c->rsp, v);
    return 0;
}

int cli_cas(cli_ctx *c, int argc, char **argv) {
    int rc;
    size_t n = strlen(argv[0]);
    if (c->opt[OPT_STRING] && c->opt[OPT_JSON]) return cli_usage_error(c, "--string and --json exclude each other");
    if (!utf8_valid(argv[0], n)) return cli_usage_error(c, "KEY is not valid UTF-8");
    if (c->opt[OPT_KEY_TTL] && argc < 3) return cli_usage_error(c, "--ttl needs a VALUE to store");
    cli_req_begin(c);
    cli_req_member(c, "key");
    sb_add_json_string(&c->req, argv[0], n);
    int stdin_used = 0;
    cli_req_member(c, "expect");
    /* null is how EXPECT says 'KEY does not exist', also under -s: otherwise
     * `cas -s lock null me`, a lock taken with a string value, expected the
     * string "null" and could never succeed */
    if (c->opt[OPT_STRING] && strcmp(argv[1], "null") == 0) SB_ADD_LIT(&c->req, "null");
    else if ((rc = cli_add_arg_value(c, argv[1], &stdin_used, "EXPECT"))) return rc;
    if (argc > 2) {
        cli_req_member(c, "value");
        if ((rc = cli_add_arg_value(c, argv[2], &stdin_used, "VALUE"))) return rc;
    }
    if ((rc = cli_add_key_ttl(c))) return rc;
    cli_req_end(c);
    uint32_t ok;
    if ((rc = cli_call_ok(c))) return rc;
    if (!(ok = cli_rsp_get(c, "ok")) || (c->rsp.toks[ok].type != JT_TRUE && c->rsp.toks[ok].type != JT_FALSE))
        return cli_member(c, "ok", JT_TRUE, &ok);
    if (c->rsp.toks[ok].type == JT_TRUE) return 0;
    strbuf m = STRBUF_INIT;
    cli_quote(&m, argv[0], n);
    fprintf(stderr, "ndb: key %s does not hold the expected value; nothing changed\n", m.buf);
    sb_free(&m);
    return CLI_FALSE;
}

int cli_session_expire(cli_ctx *c, int argc, char **argv) {
    uint64_t tkn, ttl = 0;
    int rc;
    const char *t = c->opt[OPT_TTL];
    if (!t) return cli_usage_error(c, "missing --ttl SECONDS (0: the session never expires)");
    if (cli_parse_u64(t, &ttl)) return cli_usage_error(c, "invalid --ttl '%s' (expected whole seconds)", t);
    if (!ttl && (c->opt[OPT_DELETE] || c->opt[OPT_EXTEND_GET] || c->opt[OPT_EXTEND_SET]))
        return cli_usage_error(c, "--delete, --extend-on-get and --extend-on-set need a --ttl above 0");
    if (cli_parse_u64(argv[0], &tkn))
        return cli_usage_error(c, "invalid session token '%s' (expected a number 0..18446744073709551615)", argv[0]);
    cli_req_begin_as(c, "SH_EXPIRE");
    cli_req_member(c, "tkn");
    sb_add_u64(&c->req, tkn);
    cli_req_member(c, "expiry");
    sb_addf(&c->req, "{\"deleteSession\":%s,\"duration\":", c->opt[OPT_DELETE] ? "true" : "false");
    sb_add_u64(&c->req, ttl);
    sb_addf(&c->req, ",\"extendOnGet\":%s,\"extendOnSetAdd\":%s}", c->opt[OPT_EXTEND_GET] ? "true" : "false",
            c->opt[OPT_EXTEND_SET] ? "true" : "false");
    cli_req_end(c);
    if ((rc = cli_call(c))) return rc;
    if (c->st == 100) {
        fprintf(stderr, "ndb: session %llu does not exist\n", (unsigned long long)tkn);
        return CLI_FALSE;
    }
    if (c->st == 42) return cli_session_ttl_refused(c, t); /* "'duration' exceeds ..." */
    return c->st == 1 ? 0 : cli_server_error(c);
}
