/*
 * sessions.c — the session registry (see sessions.h).
 *
 * The dense array and the token index are kvmap's (ordered.h): slots hold
 * the high half of the token's keyed hash and the session's position + 1.
 * Tokens from getrandom are unpredictable, but tokens can also come from
 * files and the lookups from clients, so the index still uses the keyed
 * hash.
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
#include "server/ordered.h"

_Static_assert(offsetof(session, inl) == offsetof(session, map) + sizeof(kvmap),
               "a session's inline area must follow its map (kvmap_inline)");
_Static_assert(SESSION_ALLOC >= sizeof(session) + 32 && SESSION_ALLOC - sizeof(session) <= UINT16_MAX,
               "SESSION_ALLOC leaves no useful inline area");

#define SLOT_POS ORDERED_SLOT_POS
#define SLOT_H32 ORDERED_SLOT_H32

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

static void moved(void *s, uint32_t pos) { ((session *)s)->index = pos; }

static uint64_t seq_of(const void *s) { return ((const session *)s)->seq; }

uint32_t sessions_seek(const session_registry *r, uint64_t seq) {
    return ordered_seek((void *const *)r->items, r->used, seq, seq_of);
}

session *sessions_get(const session_registry *r, uint64_t token) {
    if (!r->count) return NULL;
    uint64_t s = r->slots[find_slot(r, token, h32_of(token))];
    return s ? r->items[SLOT_POS(s)] : NULL;
}

session *sessions_insert(session_registry *r, uint64_t token, const session_expiry *ex, uint64_t deadline) {
    if (r->count >= UINT32_MAX / 2) return NULL; /* positions are 32-bit */
    uint32_t h = h32_of(token);
    if (r->nslots && r->slots[find_slot(r, token, h)]) return NULL; /* taken */
    if (ordered_index_full(r->count, r->nslots)) {
        uint32_t n = r->nslots ? r->nslots * 2 : 16;
        r->slots = ordered_index_resize(r->slots, r->nslots, n);
        r->nslots = n;
    }
    uint32_t i = find_slot(r, token, h);
    if (r->used == r->cap) {
        if (ordered_compact_when_full(r->used, r->count, r->cap)) {
            r->used = ordered_compact((void **)r->items, r->used, r->slots, r->nslots, moved);
        } else {
            uint32_t cap = r->cap ? r->cap * 2 : 16;
            session **items = realloc(r->items, (size_t)cap * sizeof *items);
            if (!items) abort();
            r->items = items;
            r->cap = cap;
        }
    }
    session *s = calloc(1, SESSION_ALLOC);
    if (!s) abort();
    s->token = token;
    kvmap_init_inline(&s->map, (uint16_t)SESSION_INLINE);
    s->index = r->used;
    s->seq = ++r->next_seq;
    if (ex->duration) {
        s->ex = *ex;
        expiry_set(&r->heap, &s->exp, deadline);
    }
    r->items[r->used] = s;
    r->slots[i] = ORDERED_SLOT(h, r->used);
    r->used++;
    r->count++;
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
    r->key_bytes -= kvmap_bytes(&s->map);
    return kvmap_clear(&s->map);
}

/* After a removal: give back the tables' room that a burst of sessions left
 * (ordered_index_shrunk, ordered_cap_shrunk; the expiry heap shrinks by
 * itself). */
static void shrink(session_registry *r) {
    uint32_t nslots = ordered_index_shrunk(r->nslots, 16, r->count);
    if (nslots != r->nslots) {
        r->slots = ordered_index_resize(r->slots, r->nslots, nslots);
        r->nslots = nslots;
    }
    uint32_t cap = ordered_cap_shrunk(r->cap, 16, r->count);
    if (cap == r->cap) return;
    if (r->used > cap) r->used = ordered_compact((void **)r->items, r->used, r->slots, r->nslots, moved);
    session **items = realloc(r->items, (size_t)cap * sizeof *items);
    if (!items) abort();
    r->items = items;
    r->cap = cap;
}

void sessions_remove(session_registry *r, session *s) {
    sessions_clear_keys(r, s);
    expiry_remove(&r->heap, &s->exp);
    ordered_index_delete(r->slots, r->nslots, find_slot(r, s->token, h32_of(s->token)));
    uint32_t pos = s->index;
    r->items[pos] = NULL;
    r->count--;
    free(s);
    if (pos == r->used - 1) /* the last one: no hole to keep */
        while (r->used && !r->items[r->used - 1]) r->used--;
    else if (ordered_compact_after_removal(r->used, r->count))
        r->used = ordered_compact((void **)r->items, r->used, r->slots, r->nslots, moved);
    shrink(r);
}

uint32_t sessions_clear(session_registry *r) {
    uint32_t n = r->count;
    for (uint32_t i = 0; i < r->used; i++) {
        if (!r->items[i]) continue;
        kvmap_free(&r->items[i]->map);
        free(r->items[i]);
    }
    free(r->items);
    free(r->slots);
    expiry_free(&r->heap);
    r->items = NULL;
    r->slots = NULL;
    r->count = r->used = r->cap = r->nslots = 0;
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

void sessions_clear_deadline(session_registry *r, session *s) { expiry_remove(&r->heap, &s->exp); }

session *sessions_pop_due(session_registry *r, uint64_t now) {
    expiry_entry *e = expiry_pop_due(&r->heap, now);
    return e ? (session *)((char *)e - offsetof(session, exp)) : NULL;
}

uint64_t sessions_remaining_s(const session *s, uint64_t now) {
    if (!s->ex.duration || s->exp.deadline <= now) return 0;
    return (s->exp.deadline - now) / EXPIRY_NS_PER_S;
}

size_t sessions_bytes(const session_registry *r) {
    return r->key_bytes + (size_t)r->count * SESSION_ALLOC + (size_t)r->cap * sizeof *r->items +
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
    uint64_t count = r->count + n;
    uint64_t nslots = n ? ordered_index_size_for(r->nslots, 16, count) : r->nslots;
    uint64_t cap = ordered_cap_after(r->used, r->count, r->cap, 16, n);
    return r->key_bytes + key_bytes + (size_t)count * SESSION_ALLOC + (size_t)cap * sizeof *r->items +
           (size_t)nslots * sizeof *r->slots +
           (size_t)grown(r->heap.cap, 16, r->heap.count + expiring) * sizeof *r->heap.nodes;
}
