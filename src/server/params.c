/*
 * params.c — docs/protocol.md 1.9 parameter validation (see params.h).
 */
#include "server/params.h"

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

int params_check(request *r, uint32_t obj, const param_spec *specs, size_t n, uint32_t *idx) {
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
