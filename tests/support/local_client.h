/*
 * local_client.h — a client without a socket, for unit tests and fuzzers
 * that drive dispatch_message() directly: pushed messages are collected in
 * `pushed` (one per line), a deferred reply's slot is kept in `slot` and
 * its text lands in `pushed` when filled, and a close is recorded.
 *
 * Header-only (static functions) so each test program gets its own copy.
 */
#ifndef NDB_TEST_LOCAL_CLIENT_H
#define NDB_TEST_LOCAL_CLIENT_H

#include <stdio.h>
#include <stdlib.h>

#include "server/client.h"

typedef struct local_client {
    client cl;        /* first: the ops find the local_client from it */
    strbuf pushed;    /* every pushed message, each followed by '\n' */
    client_slot *slot; /* the last deferred reply, until filled */
    int closed, close_code;
    int held;         /* client_hold_input: 1 while its input is held */
} local_client;

static int local_push(client *c, const char *msg, size_t n) {
    local_client *lc = (local_client *)c;
    if (lc->closed) return -1;
    sb_add(&lc->pushed, msg, n);
    sb_addc(&lc->pushed, '\n');
    return 0;
}

static void local_wake(client_slot *slot) {
    local_client *lc = (local_client *)slot->c;
    local_push(slot->c, slot->text.buf ? slot->text.buf : "", slot->text.len);
    if (lc->slot == slot) lc->slot = NULL;
    sb_free(&slot->text);
    free(slot);
}

static client_slot *local_defer(client *c) {
    local_client *lc = (local_client *)c;
    client_slot *slot = calloc(1, sizeof *slot);
    if (!slot) abort();
    slot->c = c;
    slot->wake = local_wake;
    lc->slot = slot;
    return slot;
}

static size_t local_queued(const client *c) { return ((const local_client *)c)->pushed.len; }

static void local_close(client *c, int code, const char *reason) {
    (void)reason;
    ((local_client *)c)->closed = 1;
    ((local_client *)c)->close_code = code;
}

static void local_hold_input(client *c, int hold) { ((local_client *)c)->held = hold; }

static const client_ops local_client_ops = {local_push, local_defer, local_queued, local_close, local_hold_input};

/* Set up lc as a client with role `role` (ROLE_ADMIN: no users). */
static inline void local_client_init(local_client *lc, enum cmd_role role) {
    memset(lc, 0, sizeof *lc);
    lc->cl.id = client_next_id();
    lc->cl.ops = &local_client_ops;
    lc->cl.transport = lc;
    lc->cl.role = role;
    snprintf(lc->cl.addr, sizeof lc->cl.addr, "local");
}

static inline void local_client_free(local_client *lc) {
    sb_free(&lc->pushed);
    if (lc->slot) lc->slot->c = NULL; /* its producer frees it */
}

#endif
