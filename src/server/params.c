/*
 * params.c — docs/protocol.md 1.9 parameter validation (see params.h).
 *
 * limits.maxKeysPerRequest (1.7 step g) is checked here too, ahead of the
 * 1.9 checks: only a command that declares `keys` or `tkns` takes them, so
 * only its declaration can say that the limit applies (a member that a
 * command does not declare is ignored, however long).
 */
#include "server/params.h"

#include <stdio.h>
#include <string.h>

#include "common/plural.h"

int param_type_ok(const jdoc *d, const jtok *t, enum ptype type) {
    uint64_t v;
    switch (type) {
    case P_OBJECT: return t->type == JT_OBJECT;
    case P_ARRAY: return t->type == JT_ARRAY;
    case P_STRING: return t->type == JT_STRING;
    case P_BOOL: return t->type == JT_TRUE || t->type == JT_FALSE;
    case P_UINT: return jnum_to_u64(d, t, &v) == 0;
    case P_ANY: return 1;
    }
    return 0;
}

/* A declared `keys` or `tkns` (array, or object: counted whatever type is
 * declared, as the limit comes first) has at most maxKeysPerRequest items.
 * Answers 42 and returns -1 if not. */
static int check_item_limit(request *r, uint32_t obj, const param_spec *specs, size_t n) {
    size_t max = r->srv->cfg.max_keys;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(specs[i].name, "keys") && strcmp(specs[i].name, "tkns")) continue;
        uint32_t t = jobj_get(r->doc, obj, specs[i].name, 4);
        const jtok *l = t ? req_tok(r, t) : NULL;
        if (!l || (l->type != JT_ARRAY && l->type != JT_OBJECT) || l->count <= max) continue;
        char m[128];
        snprintf(m, sizeof m, "'%s' has more than %zu item%s (limits.maxKeysPerRequest)", specs[i].name, max,
                 plural_s(max));
        rsp_fail(r, ST_VALUE_SIZE, m);
        return -1;
    }
    return 0;
}

int params_check(request *r, uint32_t obj, const param_spec *specs, size_t n, uint32_t *idx) {
    if (check_item_limit(r, obj, specs, n)) return -1;
    for (size_t i = 0; i < n; i++) {
        uint32_t t = jobj_get(r->doc, obj, specs[i].name, strlen(specs[i].name));
        idx[i] = t;
        if (!t) {
            if (specs[i].required) {
                rsp_fail(r, ST_PARAM_MISSING, PARAM_MISSING_MSG);
                return -1;
            }
            continue;
        }
        if (!param_type_ok(r->doc, req_tok(r, t), specs[i].type)) {
            rsp_fail(r, ST_VALUE_TYPE_INVALID, PARAM_TYPE_MSG);
            return -1;
        }
    }
    return 0;
}
