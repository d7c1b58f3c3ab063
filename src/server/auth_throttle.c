/*
 * auth_throttle.c — per-address rate of password checks (see
 * auth_throttle.h).
 */
#include "server/auth_throttle.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#define INTERVAL_MS (1000 / THROTTLE_PER_SECOND)
#define TOLERANCE_MS ((THROTTLE_BURST - 1) * INTERVAL_MS)

/* One address: its key (16 bytes: IPv4 as a mapped IPv6 address, IPv6
 * cut to its /64) and its theoretical arrival time. */
typedef struct slot {
    unsigned char key[16];
    uint64_t tat;
    int used;
} slot;

struct throttle {
    slot slots[THROTTLE_SLOTS];
    slot overflow;
};

throttle *throttle_new(void) {
    throttle *t = calloc(1, sizeof *t);
    if (!t) abort();
    return t;
}

void throttle_free(throttle *t) { free(t); }

/* The key of an address text; unparsable text (which lws never gives)
 * hashes as its bytes. */
void throttle_address_key(const char *addr, unsigned char key[16]) {
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    memset(key, 0, 16);
    if (inet_pton(AF_INET, addr, key + 12) == 1) {
        memcpy(key, mapped, 12);
    } else if (inet_pton(AF_INET6, addr, key) == 1) {
        if (memcmp(key, mapped, 12)) memset(key + 8, 0, 8); /* the /64 */
    } else {
        for (size_t i = 0; addr[i]; i++) key[i % 16] ^= (unsigned char)addr[i];
    }
}

/* FNV-1a of the key. */
static size_t key_hash(const unsigned char key[16]) {
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < 16; i++) h = (h ^ key[i]) * 1099511628211ULL;
    return (size_t)(h % THROTTLE_SLOTS);
}

#define PROBES 16

/* The slot holding key, or NULL; *reuse (if given) is set to the first
 * free or idle slot of the probe window, or NULL. */
static slot *lookup(throttle *t, const unsigned char key[16], uint64_t now, slot **reuse) {
    size_t h = key_hash(key);
    if (reuse) *reuse = NULL;
    for (size_t i = 0; i < PROBES; i++) {
        slot *s = &t->slots[(h + i) % THROTTLE_SLOTS];
        if (s->used && !memcmp(s->key, key, 16)) return s;
        if (reuse && !*reuse && (!s->used || s->tat <= now)) *reuse = s; /* an idle address is forgotten */
    }
    return NULL;
}

/* The slot of addr: found, or a free or idle one taken over (linear
 * probing over a few slots), or the shared overflow slot. */
static slot *find_slot(throttle *t, const char *addr, uint64_t now) {
    unsigned char key[16];
    throttle_address_key(addr, key);
    slot *reuse, *s = lookup(t, key, now, &reuse);
    if (s) return s;
    if (!reuse) return &t->overflow;
    memcpy(reuse->key, key, 16);
    reuse->tat = now;
    reuse->used = 1;
    return reuse;
}

uint64_t throttle_reserve(throttle *t, const char *addr, uint64_t now_ms) {
    slot *s = find_slot(t, addr, now_ms);
    uint64_t tat = s->tat > now_ms ? s->tat : now_ms;
    uint64_t start = tat > now_ms + TOLERANCE_MS ? tat - TOLERANCE_MS : now_ms;
    s->tat = tat + INTERVAL_MS;
    return start;
}

uint64_t throttle_try(throttle *t, const char *addr, uint64_t now_ms) {
    slot *s = find_slot(t, addr, now_ms);
    uint64_t tat = s->tat > now_ms ? s->tat : now_ms;
    if (tat > now_ms + TOLERANCE_MS) return tat - TOLERANCE_MS - now_ms;
    s->tat = tat + INTERVAL_MS;
    return 0;
}

void throttle_release(throttle *t, const char *addr, uint64_t now_ms) {
    unsigned char key[16];
    throttle_address_key(addr, key);
    slot *s = lookup(t, key, now_ms, NULL);
    /* not in the table: its reservation has run out, or it was the shared
     * overflow slot's, which stays as it is (stricter, never looser) */
    if (!s || s->tat <= now_ms) return;
    s->tat = s->tat - now_ms > INTERVAL_MS ? s->tat - INTERVAL_MS : now_ms;
}
