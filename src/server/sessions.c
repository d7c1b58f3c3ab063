/*
 * sessions.c — the session registry (see sessions.h).
 *
 * The token index works like kvmap's: linear probing over 64-bit slots
 * holding the high half of the token's keyed hash and the session's
 * position + 1, with backward-shift deletion (no tombstones).  Tokens from
 * getrandom are unpredictable, but tokens can also come from files and the
 * lookups from clients, so the index still uses the keyed hash.
 */
#include "server/sessions.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/hash.h"
#include "common/log.h"

#define SLOT_POS(s) ((uint32_t)(s)-1)
#define SLOT_H32(s) ((uint32_t)((s) >> 32))

static uint32_t h32_of(uint64_t token) { return (uint32_t)(hash_u64(token) >> 32); }

void sessions_init(session_registry *r, unsigned token_bits) {
    memset(r, 0, sizeof *r);
    r->token_bits = token_bits == 64 ? 64 : 53;
}

/* Index of the slot holding token, or of the empty slot where it would go. */
static uint32_t find_slot(const session_registry *r, uint64_t token, uint32_t h) {
    uint32_t mask = r->nslots - 1;
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
        uint64_t s = r->slots[i];
        if (!s || (SLOT_H32(s) == h && r->items[SLOT_POS(s)]->token == token)) return i;
    }
}

static void resize_index(session_registry *r, uint32_t nslots) {
    uint64_t *old = r->slots;
    uint32_t oldn = r->nslots, mask = nslots - 1;
    r->slots = calloc(nslots, sizeof *r->slots);
    if (!r->slots) abort();
    r->nslots = nslots;
    for (uint32_t j = 0; j < oldn; j++) {
        if (!old[j]) continue;
        uint32_t i = SLOT_H32(old[j]) & mask;
        while (r->slots[i]) i = (i + 1) & mask;
        r->slots[i] = old[j];
    }
    free(old);
}

/* Empty slot i, shifting later members of its probe run back. */
static void delete_slot(session_registry *r, uint32_t i) {
    uint32_t mask = r->nslots - 1;
    for (uint32_t j = (i + 1) & mask; r->slots[j]; j = (j + 1) & mask) {
        uint32_t home = SLOT_H32(r->slots[j]) & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            r->slots[i] = r->slots[j];
            i = j;
        }
    }
    r->slots[i] = 0;
}

session *sessions_get(const session_registry *r, uint64_t token) {
    if (!r->count) return NULL;
    uint64_t s = r->slots[find_slot(r, token, h32_of(token))];
    return s ? r->items[SLOT_POS(s)] : NULL;
}

session *sessions_insert(session_registry *r, uint64_t token, const session_expiry *ex, uint64_t deadline) {
    if (r->count == UINT32_MAX - 1) return NULL; /* positions are 32-bit */
    uint32_t h = h32_of(token);
    if (r->nslots && r->slots[find_slot(r, token, h)]) return NULL; /* taken */
    if ((uint64_t)(r->count + 1) * 4 > (uint64_t)r->nslots * 3) resize_index(r, r->nslots ? r->nslots * 2 : 16);
    uint32_t i = find_slot(r, token, h);
    if (r->count == r->cap) {
        uint32_t cap = r->cap ? (r->cap > UINT32_MAX / 2 ? UINT32_MAX : r->cap * 2) : 16;
        session **items = realloc(r->items, (size_t)cap * sizeof *items);
        if (!items) abort();
        r->items = items;
        r->cap = cap;
    }
    session *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->token = token;
    s->map = (kvmap)KVMAP_INIT;
    s->index = r->count;
    if (ex->duration) {
        s->ex = *ex;
        expiry_set(&r->heap, &s->exp, deadline);
    }
    r->items[r->count++] = s;
    r->slots[i] = (uint64_t)h << 32 | r->count;
    return s;
}

/* Fill the random pool from the kernel's CSPRNG (4.2, Q12). */
static void refill_pool(session_registry *r) {
    unsigned char *p = (unsigned char *)r->pool;
    size_t need = sizeof r->pool, got = 0;
    while (got < need) {
        ssize_t n = getrandom(p + got, need - got, 0);
        if (n > 0) {
            got += (size_t)n;
        } else if (n < 0 && errno != EINTR) {
            log_error("getrandom failed: %s; cannot issue session tokens", strerror(errno));
            abort();
        }
    }
    r->pool_left = sizeof r->pool / sizeof r->pool[0];
}

uint64_t sessions_new_token(session_registry *r) {
    for (;;) {
        if (!r->pool_left) refill_pool(r);
        uint64_t t = r->pool[--r->pool_left];
        r->pool[r->pool_left] = 0; /* do not keep used randomness around */
        if (r->token_bits != 64) t &= (UINT64_C(1) << 53) - 1;
        /* Rejecting 0 keeps the rest uniform; collisions are retried, so
         * 103 (SessionNewFail) is never needed. */
        if (t && !sessions_get(r, t)) return t;
    }
}

uint32_t sessions_clear_keys(session_registry *r, session *s) {
    r->total_keys -= s->map.count;
    r->key_bytes -= s->map.bytes;
    return kvmap_clear(&s->map);
}

void sessions_remove(session_registry *r, session *s) {
    sessions_clear_keys(r, s);
    expiry_remove(&r->heap, &s->exp);
    delete_slot(r, find_slot(r, s->token, h32_of(s->token)));
    uint32_t pos = s->index, last = r->count - 1;
    if (pos != last) { /* move the last session into the hole, repoint its slot */
        session *mv = r->items[last];
        uint32_t j = find_slot(r, mv->token, h32_of(mv->token));
        r->slots[j] = (r->slots[j] & 0xffffffff00000000ULL) | (pos + 1);
        r->items[pos] = mv;
        mv->index = pos;
    }
    r->count--;
    free(s);
}

uint32_t sessions_clear(session_registry *r) {
    uint32_t n = r->count;
    for (uint32_t i = 0; i < n; i++) {
        kvmap_free(&r->items[i]->map);
        free(r->items[i]);
    }
    free(r->items);
    free(r->slots);
    expiry_free(&r->heap);
    r->items = NULL;
    r->slots = NULL;
    r->count = r->cap = r->nslots = 0;
    r->total_keys = 0;
    r->key_bytes = 0;
    return n;
}

void sessions_free(session_registry *r) {
    sessions_clear(r);
    memset(r->pool, 0, sizeof r->pool);
    r->pool_left = 0;
}

void sessions_set_deadline(session_registry *r, session *s, uint64_t deadline) {
    expiry_set(&r->heap, &s->exp, deadline);
}

session *sessions_pop_due(session_registry *r, uint64_t now) {
    expiry_entry *e = expiry_pop_due(&r->heap, now);
    return e ? (session *)((char *)e - offsetof(session, exp)) : NULL;
}

uint64_t sessions_remaining_s(const session *s, uint64_t now) {
    if (!s->ex.duration || s->exp.deadline <= now) return 0;
    return (s->exp.deadline - now) / EXPIRY_NS_PER_S;
}

size_t sessions_bytes(const session_registry *r) {
    return r->key_bytes + (size_t)r->count * sizeof(session) + (size_t)r->cap * sizeof *r->items +
           (size_t)r->nslots * sizeof *r->slots + (size_t)r->heap.cap * sizeof *r->heap.nodes;
}

/* The capacity a table of capacity `cap` (doubling from `first`) reaches
 * when it must hold `want` entries. */
static uint64_t grown(uint64_t cap, uint64_t first, uint64_t want) {
    uint64_t c = cap ? cap : first;
    while (c < want) c *= 2;
    return want > cap ? c : cap;
}

size_t sessions_bytes_after(const session_registry *r, uint64_t n, uint64_t expiring, size_t key_bytes) {
    uint64_t count = r->count + n, nslots = r->nslots ? r->nslots : 16;
    while (count * 4 > nslots * 3) nslots *= 2; /* sessions_insert keeps it at most 3/4 full */
    if (!n) nslots = r->nslots;
    return r->key_bytes + key_bytes + (size_t)count * sizeof(session) +
           (size_t)grown(r->cap, 16, count) * sizeof *r->items + (size_t)nslots * sizeof *r->slots +
           (size_t)grown(r->heap.cap, 16, r->heap.count + expiring) * sizeof *r->heap.nodes;
}
