/*
 * server.c — life cycle of the server state (see server.h).
 */
#include "server/server.h"

#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "common/log.h"
#include "common/plural.h"
#include "server/commands.h"
#include "server/durability.h"
#include "server/keyops.h"

ndb_server *g_server;

void server_init(ndb_server *s, const ndb_config *cfg) {
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    s->started_ns = expiry_now_ns();
    store_init(&s->store, cfg->max_memory, cfg->token_bits);
    watch_init(&s->watches, cfg->max_watches, cfg->max_watch_keys, cfg->max_total_watch, cfg->watch_output);
    store_add_sink(&s->store, watch_sink, &s->watches);
    durability_init(s);
}

void server_free(ndb_server *s) {
    kvmap_reap(SIZE_MAX); /* entries of a KV_CLEAR the loop had not freed yet */
    durability_free(s);
    store_free(&s->store);
    watch_free(&s->watches);
    jdoc_free(&s->doc);
    sb_free(&s->cmd);
    sb_free(&s->key);
    sb_free(&s->keys);
    sb_free(&s->vals);
    free(s->refs);
    free(s->items);
    free(s->listed);
    kvpath_free_scratch();
}

/* The scratch of one request is sized by the biggest request so far: a
 * read-only KV_COUNT of 8 million array items left its token array, 160
 * MB, allocated for the rest of the server's life, and a KV_FIND over a
 * big value the same for the value's tokens — memory maxMemory does not
 * count, which any reader could pin.  Past SERVER_SCRATCH_KEEP a buffer
 * is freed after the request; the next such request allocates again (its
 * parse costs far more than that). */
void server_release_big_scratch(ndb_server *s) {
    const size_t keep = SERVER_SCRATCH_KEEP;
    int released = jdoc_release_over(&s->doc, keep) != 0;
    released |= keyops_release_big_scratch(s, keep) | kvpath_release_big_scratch(keep); /* each looks at its own */
    if (released) s->trim_due = 1;
}

void server_client_closed(ndb_server *s, client *cl) { watch_client_gone(&s->watches, cl); }

/* The stored data fell from its peak by at least this much (and by half):
 * give the free heap pages back to the system. */
#define TRIM_MIN_DROP ((size_t)1 << 20)

/* After a burst of keys or sessions is gone, glibc keeps most of the freed
 * blocks' pages in its heap, so the process would keep the burst's peak
 * size for the rest of its life (300,000 small keys set and removed:
 * 20 MB resident instead of 6).  malloc_trim hands the whole free pages
 * back; it walks the heap, so it runs once per such fall, not per tick.
 * Sampled every tick: a burst that comes and goes within one is missed. */
static void trim_after_fall(ndb_server *s) {
    size_t now = store_memory(&s->store) + s->watches.bytes; /* watches given up free their memory too */
    if (now >= s->memory_peak) {
        s->memory_peak = now;
        if (!s->trim_due) return;
    } else if (s->memory_peak - now >= TRIM_MIN_DROP && now <= s->memory_peak / 2) {
        log_debug("memoryBytes fell from %zu to %zu: returning free heap pages to the system", s->memory_peak, now);
        s->memory_peak = now;
    } else if (!s->trim_due) {
        return;
    } /* else: big scratch buffers were freed (server_release_big_scratch) */
#ifdef __GLIBC__
    malloc_trim(0);
#endif
    s->trim_due = 0;
}

void server_expire_later(ndb_server *s) {
    if (s->expire_queued || !s->expire_soon) return;
    s->expire_queued = 1;
    s->expire_soon();
}

/* One slice of session expiry and one of key expiry; another is asked
 * for while some stay due.  (A command flagged SESSIONS still applies all
 * due session expiry first: this only spares the others the wait.) */
static void expire_slice(ndb_server *s, uint64_t now, const char *who) {
    size_t n = store_expire_upto(&s->store, now, SERVER_EXPIRE_SLICE);
    if (n) log_debug("%s: %zu session%s expired", who, n, plural_s(n));
    n = store_expire_keys_upto(&s->store, now, SERVER_EXPIRE_SLICE);
    if (n) log_debug("%s: %zu key%s expired", who, n, plural_s(n));
    if (kvmap_parked()) { /* the entries of a cleared key map (KV_CLEAR), freed in slices too */
        size_t before = kvmap_parked(), left = kvmap_reap(SERVER_EXPIRE_SLICE);
        log_debug("%s: freed %zu entries of cleared keys, %zu left", who, before - left, left);
    }
    if (store_sessions_due(&s->store, now) || store_keys_due(&s->store, now) || kvmap_parked())
        server_expire_later(s);
}

void server_expire_more(ndb_server *s) {
    s->expire_queued = 0;
    expire_slice(s, expiry_now_ns(), "expiry, next slice");
}

void server_clock_sync(ndb_server *s) {
    int64_t moved = store_clock_sync(&s->store);
    if (!moved) return;
    if (!s->cfg.persist_enabled) { /* no journal, no snapshot: no deadline is ever written */
        log_warn("the wall clock moved %+.3f s against the monotonic clock: keys and sessions keep the time they "
                 "had left (persistence is disabled: no deadline is written to disk)",
                 (double)moved / 1e9);
        return;
    }
    const char *on_disk = durability_clock_stepped(s);
    log_warn("the wall clock moved %+.3f s against the monotonic clock: keys and sessions keep the time they had "
             "left, and their deadlines are written by the new wall clock from now on%s",
             (double)moved / 1e9, on_disk);
}

void server_tick(ndb_server *s) {
    server_clock_sync(s);
    uint64_t now = expiry_now_ns();
    if (s->expire_soon) {
        expire_slice(s, now, "expiry timer");
    } else { /* no loop to continue a slice (not serving) */
        size_t n = store_expire(&s->store, now);
        if (n) log_debug("expiry timer: %zu session%s expired", n, plural_s(n));
        n = store_expire_keys(&s->store, now);
        if (n) log_debug("expiry timer: %zu key%s expired", n, plural_s(n));
    }
    trim_after_fall(s);
    durability_tick(s);
}
