/*
 * cmd_kv_path.c — the structural KV commands: KV_FIND, KV_UPDATE and
 * KV_ARR_APPEND (docs/protocol.md 3.10–3.12, with the fixes of section 0.1).
 *
 * A path is compiled once per request, before any value is looked at, so an
 * invalid path is always status 4 (Q5, Q6).  Stored values are text: each
 * searched value is scanned, turned into a jansson tree for the JSONPath
 * engine, and edits are spliced into the original text (json/tree.h), so
 * untouched parts keep their exact numbers and escapes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/jsonpath.h"
#include "json/tree.h"
#include "server/commands.h"
#include "server/keyops.h"
#include "server/params.h"

/* Scratch for the stored value being examined; reused across requests. */
static jdoc vdoc = JDOC_INIT;
static strbuf edit = STRBUF_INIT;

void kvpath_free_scratch(void) {
    jdoc_free(&vdoc);
    sb_free(&edit);
}

int kvpath_release_big_scratch(size_t keep) {
    return jdoc_release_over(&vdoc, keep) + sb_release_over(&edit, keep) != 0;
}

/* Compile the path token; on failure answer 4 with the engine's message
 * (which names the offending position) and return NULL.  With refuse_empty
 * (KV_FIND, 3.10) an empty path answers 42 instead.  Empty means the decoded
 * text, as for every other string parameter: "\udc00" is a dropped lone
 * surrogate (1.10), so it is "" too. */
static jp_path *compile_or_answer(request *r, uint32_t path_tok, int refuse_empty) {
    strbuf src = STRBUF_INIT;
    jstr_decode(r->doc, req_tok(r, path_tok), &src);
    jp_error err = {0, ""};
    jp_path *p = NULL;
    if (refuse_empty && src.len == 0)
        rsp_fail(r, ST_VALUE_SIZE, "'path' is empty");
    else if (!(p = jp_compile(src.buf ? src.buf : "", src.len, &err)))
        rsp_fail(r, ST_PATH_INVALID, err.msg[0] ? err.msg : "invalid JSONPath");
    sb_free(&src);
    return p;
}

/* Evaluate p on the stored value e (scanned into vdoc).  With res, the results
 * go to *res and their tree to *tree (free both); with res NULL only their
 * number goes to *count (KV_FIND rsp "keys"/"kv" need no paths, so none are
 * copied) and no tree is kept.  Returns -1 with err set when evaluation had to
 * stop (a regex over its step limit); nothing is written to the response. */
static int eval_entry(const jp_path *p, const kv_entry *e, jp_budget *b, json_t **tree, jp_results **res,
                      size_t *count, jp_error *err) {
    *tree = NULL;
    if (res) *res = NULL;
    if (jdoc_parse(&vdoc, kv_val(e), e->vlen, NULL)) { /* values are validated on entry */
        snprintf(err->msg, sizeof err->msg, "stored value failed to parse");
        return -1;
    }
    jp_numtexts *texts = jp_numtexts_new(); /* only needed while evaluating */
    *tree = jtree_build(&vdoc, 0, texts);
    int failed = res ? jp_eval_exact(p, *tree, texts, b, res, err) : jp_eval_count(p, *tree, texts, b, count, err);
    jp_numtexts_free(texts);
    if (failed || !res) {
        json_decref(*tree);
        *tree = NULL;
    }
    if (failed && !err->msg[0]) snprintf(err->msg, sizeof err->msg, "JSONPath evaluation failed");
    return failed ? -1 : 0;
}

enum find_rsp { FIND_KEYS, FIND_PATHS, FIND_KV };

/* Append one matching key's contribution to the response body.  Returns
 * whether the key matched, or -1 (err set) if evaluation failed. */
static int find_one(request *r, const jp_path *p, const kv_entry *e, jp_budget *b, enum find_rsp mode, int *first,
                    jp_error *err) {
    json_t *tree = NULL;
    jp_results *res = NULL;
    size_t n = 0;
    /* only rsp "paths" needs the nodes' paths: the other forms just count them */
    if (eval_entry(p, e, b, &tree, mode == FIND_PATHS ? &res : NULL, &n, err)) return -1;
    if (mode == FIND_PATHS) n = jp_results_count(res);
    if (n && mode == FIND_PATHS) {
        for (size_t i = 0; i < n; i++) {
            strbuf path = STRBUF_INIT;
            jp_normalised_path(jp_results_get(res, i), &path);
            if (!*first) sb_addc(r->out, ',');
            *first = 0;
            sb_add_json_string(r->out, path.buf ? path.buf : "", path.len);
            sb_free(&path);
        }
    } else if (n) {
        if (!*first) sb_addc(r->out, ',');
        *first = 0;
        sb_add_json_string(r->out, kv_key(e), e->klen);
        if (mode == FIND_KV) {
            sb_addc(r->out, ':');
            sb_add(r->out, kv_val(e), e->vlen);
        }
    }
    jp_results_free(res);
    json_decref(tree);
    return n > 0;
}

static const param_spec find_params[] = {
    {"keys", P_ARRAY, 0},
    {"path", P_STRING, 1},
    {"rsp", P_STRING, 1},
};

void cmd_KV_FIND(request *r) {
    uint32_t p[3];
    if (params_check(r, r->body, find_params, 3, p)) return;
    const jtok *rsp = req_tok(r, p[2]);
    enum find_rsp mode;
    if (jstr_equals(r->doc, rsp, "keys", 4)) mode = FIND_KEYS;
    else if (jstr_equals(r->doc, rsp, "paths", 5)) mode = FIND_PATHS;
    else if (jstr_equals(r->doc, rsp, "kv", 2)) mode = FIND_KV;
    else return rsp_fail(r, ST_COMMAND_SYNTAX, "'rsp' invalid value");
    jp_path *path = compile_or_answer(r, p[1], 1);
    if (!path) return;

    /* The response is built after the header; on a late failure it is cut
     * back and replaced by the error. */
    size_t mark = r->out->len;
    rsp_begin(r);
    sb_adds(r->out, mode == FIND_PATHS ? "\"paths\":[" : mode == FIND_KV ? "\"keys\":{" : "\"keys\":[");
    int first = 1, failed = 0;
    jp_error err = {0, ""};
    jp_budget budget = {0, 0}; /* one for the whole request, however many keys it searches */
    const kvmap *m = &r->srv->store.kv;
    const jtok *keys = p[0] ? req_tok(r, p[0]) : NULL;
    /* A body past maxOutputBytes is never sent (the connection is closed with 1008, 7.3):
     * stop searching there rather than build gigabytes of paths first. */
    size_t cap = mark + r->srv->cfg.max_output;
    if (!keys || keys->count == 0) {
        uint32_t pos = 0;
        for (const kv_entry *e; !failed && r->out->len <= cap && (e = kvmap_next(m, &pos));)
            failed = find_one(r, path, e, &budget, mode, &first, &err) < 0;
    } else {
        strbuf k = STRBUF_INIT;
        for (uint32_t i = 0, t = p[0] + 1; i < keys->count && !failed && r->out->len <= cap;
             i++, t = req_tok(r, t)->next) {
            if (req_tok(r, t)->type != JT_STRING) continue; /* Q7 fixed: non-strings are skipped */
            sb_reset(&k);
            jstr_decode(r->doc, req_tok(r, t), &k);
            sb_grow(&k, 0);
            kv_entry *e = store_get(&r->srv->store, NULL, k.buf, k.len);
            if (!e || (mode == FIND_KV && e->flag)) continue; /* an object lists each key once */
            /* A key listed again is parsed again: that costs a step per byte, or a short
             * request naming one large key thousands of times would hold the server. */
            if (e->flag) failed = jp_budget_charge(&budget, e->vlen, &err) < 0;
            else keyops_remember(r, e);
            if (!failed) failed = find_one(r, path, e, &budget, mode, &first, &err) < 0;
        }
        keyops_forget(r);
        sb_free(&k);
    }
    jp_free(path);
    if (failed) { /* drop the partial body, answer the error instead */
        r->out->len = mark;
        return rsp_fail(r, ST_PATH_INVALID, err.msg);
    }
    sb_addc(r->out, mode == FIND_KV ? '}' : ']');
    rsp_end_st(r, ST_OK, 0);
}

/* The longest value KV_UPDATE and KV_ARR_APPEND may build: what a stored value can hold,
 * and under a maxMemory ceiling no more than the ceiling (the store would refuse it after
 * it was built, but building it could take gigabytes first). */
static size_t edit_room(const request *r) {
    size_t mm = r->srv->store.max_memory;
    return mm && mm < STORE_MAX_VALUE_LEN ? mm : STORE_MAX_VALUE_LEN;
}

/* Answer 42 for an edit longer than edit_room, naming the bound that refused it. */
static void refuse_long_edit(request *r) {
    size_t mm = r->srv->store.max_memory;
    rsp_fail(r, ST_VALUE_SIZE, mm && mm < STORE_MAX_VALUE_LEN ? NDB_MAXMEMORY_MSG : STORE_LENGTH_MSG);
}

/* KV_UPDATE and KV_ARR_APPEND build a value with fewer wrapping levels than
 * KV_SET takes one: refuse (answering 42) an edit past the stored-value
 * bound (store.h) instead of storing it.  Returns 1 if refused. */
static int refuse_deep_edit(request *r) {
    if (json_text_depth(edit.buf, edit.len) <= STORE_MAX_VALUE_DEPTH) return 0;
    rsp_fail(r, ST_VALUE_SIZE, STORE_DEPTH_MSG);
    return 1;
}

static const param_spec update_params[] = {
    {"key", P_STRING, 1},
    {"path", P_STRING, 1},
    {"value", P_ANY, 1},
};

void cmd_KV_UPDATE(request *r) {
    uint32_t p[3];
    if (params_check(r, r->body, update_params, 3, p) ||
        keyops_refuse_ttl(r, "KV_UPDATE takes no 'ttl': the key keeps its TTL (set one with KV_EXPIRE)"))
        return;
    jp_path *path = compile_or_answer(r, p[1], 0); /* an empty path is a compile error here (3.11) */
    if (!path) return;
    strbuf k = STRBUF_INIT;
    jstr_decode(r->doc, req_tok(r, p[0]), &k);
    sb_grow(&k, 0);
    kv_entry *e = store_get(&r->srv->store, NULL, k.buf, k.len);
    if (!e) {
        rsp_begin(r);
        SB_ADD_LIT(r->out, "\"cnt\":0");
        rsp_end_st(r, ST_KEY_NOT_EXIST, 0);
    } else {
        json_t *tree = NULL;
        jp_error err = {0, ""};
        jp_budget budget = {0, 0};
        jp_results *res = NULL;
        if (eval_entry(path, e, &budget, &tree, &res, NULL, &err)) {
            rsp_fail(r, ST_PATH_INVALID, err.msg);
        } else {
            const jtok *v = req_tok(r, p[2]);
            sb_reset(&edit);
            int too_long = jtree_replace_max(&vdoc, res, jtok_text(r->doc, v), v->len, edit_room(r), &edit);
            /* Nothing selected, only `length` pseudo-members, or the same
             * text: no change, so no journal record and no watch event. */
            int unchanged = !too_long && edit.len == e->vlen && !memcmp(edit.buf, kv_val(e), edit.len);
            if (too_long) {
                refuse_long_edit(r);
            } else if (refuse_deep_edit(r)) {
                /* answered */
            } else if (!unchanged &&
                       store_put(&r->srv->store, NULL, k.buf, k.len, edit.buf, edit.len, CAUSE_UPDATE) == STORE_OOM) {
                rsp_fail(r, ST_VALUE_SIZE, NDB_MAXMEMORY_MSG);
            } else {
                rsp_begin(r);
                SB_ADD_LIT(r->out, "\"cnt\":");
                sb_add_u64(r->out, jp_results_count(res));
                rsp_end_st(r, ST_OK, 0);
            }
            jp_results_free(res);
            json_decref(tree);
        }
    }
    sb_free(&k);
    jp_free(path);
}

static const param_spec append_params[] = {
    {"items", P_ARRAY, 1},
    {"key", P_STRING, 1},
    {"name", P_STRING, 0},
};

/* Splice the items of the request's array (token `items`) into the stored
 * array at token `arr` of vdoc, writing the new value into `edit`. */
static void splice_items(request *r, uint32_t items, uint32_t arr) {
    const jtok *it = req_tok(r, items), *a = &vdoc.toks[arr];
    size_t close = a->start + a->len - 1; /* the array's ']' */
    sb_reset(&edit);
    sb_add(&edit, vdoc.text.buf, close);
    if (a->count) sb_addc(&edit, ',');
    sb_add(&edit, jtok_text(r->doc, it) + 1, it->len - 2); /* the items without [ ] */
    sb_add(&edit, vdoc.text.buf + close, vdoc.text.len - close);
}

void cmd_KV_ARR_APPEND(request *r) {
    uint32_t p[3];
    if (params_check(r, r->body, append_params, 3, p) ||
        keyops_refuse_ttl(r, "KV_ARR_APPEND takes no 'ttl': the key keeps its TTL (set one with KV_EXPIRE)"))
        return;
    strbuf k = STRBUF_INIT;
    jstr_decode(r->doc, req_tok(r, p[1]), &k);
    sb_grow(&k, 0);
    kv_entry *e = store_get(&r->srv->store, NULL, k.buf, k.len);
    if (!e) {
        rsp_st_only(r, ST_KEY_NOT_EXIST);
        goto out;
    }
    if (jdoc_parse(&vdoc, kv_val(e), e->vlen, NULL)) {
        rsp_fail(r, ST_UNKNOWN, "stored value failed to parse");
        goto out;
    }
    uint32_t target = 0;
    if (p[2]) {
        if (vdoc.toks[0].type != JT_OBJECT) {
            rsp_fail(r, ST_VALUE_TYPE_INVALID, "value is not an object");
            goto out;
        }
        strbuf name = STRBUF_INIT;
        jstr_decode(r->doc, req_tok(r, p[2]), &name);
        target = jobj_get(&vdoc, 0, name.buf ? name.buf : "", name.len);
        sb_free(&name);
        if (!target) {
            rsp_fail(r, ST_KEY_NOT_EXIST, "'name' is not a member of the value");
            goto out;
        }
    }
    if (vdoc.toks[target].type != JT_ARRAY) {
        rsp_fail(r, ST_VALUE_TYPE_INVALID, p[2] ? "member 'name' is not an array" : "value is not an array");
        goto out;
    }
    if (req_tok(r, p[0])->count) {
        if ((size_t)e->vlen + req_tok(r, p[0])->len - 1 > edit_room(r)) { /* the items less [ ], a comma */
            refuse_long_edit(r);
            goto out;
        }
        splice_items(r, p[0], target);
        if (refuse_deep_edit(r)) goto out;
        if (store_put(&r->srv->store, NULL, k.buf, k.len, edit.buf, edit.len, CAUSE_APPEND) == STORE_OOM) {
            rsp_fail(r, ST_VALUE_SIZE, NDB_MAXMEMORY_MSG);
            goto out;
        }
    }
    rsp_st_only(r, ST_OK);
out:
    sb_free(&k);
}
