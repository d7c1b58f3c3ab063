/*
 * params.h — the shared parameter validation of docs/protocol.md 1.9.
 *
 * A command declares its parameters in ascending byte order of their names
 * (that is the order the protocol checks them in); params_check walks them,
 * answers 26 "Missing parameter" or 41 "Param type incorrect" for the first
 * failure, and otherwise hands back the token index of each parameter.
 */
#ifndef NDB_PARAMS_H
#define NDB_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "server/request.h"

enum ptype { P_OBJECT, P_ARRAY, P_STRING, P_BOOL, P_UINT, P_ANY };

typedef struct param_spec {
    const char *name;
    enum ptype type;
    int required;
} param_spec;

/* Validate the members of object token `obj` against specs[0..n).  On
 * success fills idx[i] with the token index of parameter i (0 when absent)
 * and returns 0; on failure writes the failure response and returns -1. */
int params_check(request *r, uint32_t obj, const param_spec *specs, size_t n, uint32_t *idx);

/* Does token t have type `type` (docs/protocol.md 1.9 type rules)? */
int param_type_ok(const jdoc *d, const jtok *t, enum ptype type);

#define PARAM_MISSING_MSG "Missing parameter"
#define PARAM_TYPE_MSG "Param type incorrect"

#endif
