/*
 * cmd_kv.c — the KV_ key commands on the top-level map (docs/protocol.md 3.1–3.9).
 *
 * Semantics live in keyops.c, shared with sessions; this file only points
 * them at the server's top-level map (a NULL session).
 */
#include "server/commands.h"
#include "server/keyops.h"

static void run_on_kv(request *r, const keycmd *kc) {
    uint32_t p[KEYCMD_MAX_PARAMS];
    if (keycmd_validate(r, kc, p)) return;
    kc->exec(r, NULL, p);
}

void cmd_KV_SET(request *r) { run_on_kv(r, &keycmd_kv_set); }
void cmd_KV_ADD(request *r) { run_on_kv(r, &keycmd_kv_add); }
void cmd_KV_GET(request *r) { run_on_kv(r, &keycmd_get); }
void cmd_KV_RMV(request *r) { run_on_kv(r, &keycmd_rmv); }
void cmd_KV_CLEAR(request *r) { run_on_kv(r, &keycmd_clear); }
void cmd_KV_COUNT(request *r) { run_on_kv(r, &keycmd_count); }
void cmd_KV_CONTAINS(request *r) { run_on_kv(r, &keycmd_contains); }
void cmd_KV_KEYS(request *r) { run_on_kv(r, &keycmd_keys); }
void cmd_KV_CLEAR_SET(request *r) { run_on_kv(r, &keycmd_kv_clear_set); }
