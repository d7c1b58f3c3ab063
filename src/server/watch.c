/*
 * watch.c — the watch registry and the watchers' store sink (see watch.h).
 */
#include "server/watch.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/log.h"
#include "common/plural.h"

struct watch {
    uint64_t id;
    watcher *owner;
    uint8_t family, values, all;
    char *prefix; /* KV watch of a prefix (all): prefix_len bytes */
    size_t prefix_len;
    watch_sub **subs; /* its entries in an index (keys or tokens) */
    size_t nsubs;
    size_t bytes; /* watch_bytes: what it counts in reg->bytes */
    watch *next; /* the owner's list */
    watch *lprev, *lnext; /* with `all`: the registry's kv_prefix or sh_all list */
};

/* One key or token followed by one watch, chained in a bucket. */
struct watch_sub {
    watch_sub *next;
    watch_sub **pprev; /* the pointer to this one: unlinked without walking the chain */
    watch *w;
    uint64_t hash;
    uint64_t tkn; /* SH */
    size_t klen;  /* KV */
    char key[];
};

struct watcher {
    client *cl;
    watcher *prev; /* in reg->watchers, doubly linked: a client leaves without a scan */
    watch *watches;
    watch *last; /* the end of `watches`, where a new watch goes without a walk */
    unsigned count;
    size_t nsubs; /* keys and tokens of its watches: limits.maxWatchKeys */
    uint64_t last_id;
    int overflowed;
    watcher *next, *next_overflowed;
};

static void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size);
    if (!p) abort();
    return p;
}

void watch_init(watch_registry *reg, unsigned max_per_client, size_t max_keys_per_client, size_t max_bytes,
                size_t max_queued) {
    memset(reg, 0, sizeof *reg);
    reg->max_per_client = max_per_client;
    reg->max_keys_per_client = max_keys_per_client;
    reg->max_bytes = max_bytes;
    reg->max_queued = max_queued;
}

/* ------------------------------------------------------------- indexes */

static uint64_t key_hash(const char *k, size_t kn) { return hash_bytes(k, kn); }

/* Put sub at the front of the chain at *head. */
static void chain_push(watch_sub **head, watch_sub *sub) {
    sub->next = *head;
    if (*head) (*head)->pprev = &sub->next;
    sub->pprev = head;
    *head = sub;
}

/* Insert sub into ix, doubling the buckets when they are outnumbered. */
static void index_insert(watch_index *ix, watch_sub *sub) {
    if (ix->count + 1 > ix->nbuckets) {
        uint32_t n = ix->nbuckets ? ix->nbuckets * 2 : 16;
        watch_sub **b = xcalloc(n, sizeof *b);
        for (uint32_t i = 0; i < ix->nbuckets; i++) {
            for (watch_sub *s = ix->buckets[i], *next; s; s = next) {
                next = s->next;
                chain_push(&b[s->hash & (n - 1)], s);
            }
        }
        free(ix->buckets);
        ix->buckets = b;
        ix->nbuckets = n;
    }
    chain_push(&ix->buckets[sub->hash & (ix->nbuckets - 1)], sub);
    ix->count++;
}

/* Unlink sub in constant time: thousands of watches of one hot key share
 * a chain, and walking it for each of them when their clients leave at
 * once stalled the server for minutes. */
static void index_remove(watch_index *ix, watch_sub *sub) {
    *sub->pprev = sub->next;
    if (sub->next) sub->next->pprev = sub->pprev;
    ix->count--;
    if (!ix->count) { /* the last one: give the buckets back */
        free(ix->buckets);
        ix->buckets = NULL;
        ix->nbuckets = 0;
    }
}

/* The chain that may hold subscriptions with this hash, or NULL. */
static watch_sub *index_chain(const watch_index *ix, uint64_t h) {
    return ix->nbuckets ? ix->buckets[h & (ix->nbuckets - 1)] : NULL;
}

/* ------------------------------------------------------------- lists */

static void list_add(watch_list *l, watch *w) {
    w->lnext = NULL;
    w->lprev = l->tail;
    if (l->tail) l->tail->lnext = w;
    else l->head = w;
    l->tail = w;
}

/* Unlink w, the others keeping their order, without a scan. */
static void list_remove(watch_list *l, watch *w) {
    if (w->lprev) w->lprev->lnext = w->lnext;
    else l->head = w->lnext;
    if (w->lnext) w->lnext->lprev = w->lprev;
    else l->tail = w->lprev;
    w->lprev = w->lnext = NULL;
}

/* ------------------------------------------------------------- watchers */

/* The client's watcher: a pointer on the client, not a scan of every
 * watching client (thousands of them leaving at once made that quadratic). */
static watcher *find_watcher(const watch_registry *reg, const client *cl) {
    (void)reg;
    return cl->watcher;
}

unsigned watch_count(const watch_registry *reg, const client *cl) {
    const watcher *o = find_watcher(reg, cl);
    return o ? o->count : 0;
}

/* Free w, its subscriptions and its prefix (unlinked from everything). */
static void free_watch(watch *w) {
    for (size_t i = 0; i < w->nsubs; i++) free(w->subs[i]);
    free(w->subs);
    free(w->prefix);
    free(w);
}

/* The memory watch w holds, as limits.maxTotalWatchBytes counts it: the
 * watch, its prefix, and for each key or token its subscription (with the
 * key, and the allocator's 16 bytes), its pointer in w->subs and about two
 * in the index's buckets — about 90 bytes plus the key. */
static size_t watch_bytes(const watch *w) {
    size_t b = sizeof *w + w->prefix_len;
    for (size_t i = 0; i < w->nsubs; i++) b += sizeof *w->subs[i] + w->subs[i]->klen + 16 + 3 * sizeof(watch_sub *);
    return b;
}

/* Unlink w from everything that finds it and free it. */
static void drop_watch(watch_registry *reg, watch *w) {
    for (size_t i = 0; i < w->nsubs; i++) index_remove(w->family == WATCH_KV ? &reg->kv_keys : &reg->sh_tkns, w->subs[i]);
    if (w->all) list_remove(w->family == WATCH_KV ? &reg->kv_prefix : &reg->sh_all, w);
    watch *prev = NULL; /* drop_all drops the first: found at once */
    for (watch **p = &w->owner->watches; *p; prev = *p, p = &(*p)->next) {
        if (*p != w) continue;
        *p = w->next;
        if (w->owner->last == w) w->owner->last = prev;
        break;
    }
    w->owner->count--;
    w->owner->nsubs -= w->nsubs;
    reg->bytes -= w->bytes;
    reg->nwatches--;
    free_watch(w);
}

static void drop_all(watch_registry *reg, watcher *o) {
    while (o->watches) drop_watch(reg, o->watches);
}

/* Is sub s the same key or token as the one hashed h (kn bytes of k, or
 * tkn)? */
static int same_sub(const watch_sub *s, int family, uint64_t h, const char *k, size_t kn, uint64_t tkn) {
    if (s->hash != h) return 0;
    return family == WATCH_KV ? s->klen == kn && !memcmp(s->key, k, kn) : s->tkn == tkn;
}

/* Give w one subscription per distinct key or token of spec (not yet in
 * the registry's index).  A name given twice is followed once: a table of
 * the subscriptions made so far finds the duplicate in constant time
 * (checking each name against all earlier ones made one request of
 * 150,000 keys hold every client up for 12 seconds). */
static void make_subs(watch *w, const watch_spec *spec) {
    size_t nslots = 16;
    while (nslots < 2 * spec->n) nslots *= 2;
    watch_sub **seen = xcalloc(nslots, sizeof *seen); /* open addressing, at most half full */
    w->subs = xcalloc(spec->n, sizeof *w->subs);
    for (size_t i = 0; i < spec->n; i++) {
        size_t kn = w->family == WATCH_KV ? spec->key_lens[i] : 0;
        const char *k = w->family == WATCH_KV ? spec->keys[i] : NULL;
        uint64_t tkn = w->family == WATCH_KV ? 0 : spec->tkns[i];
        uint64_t h = w->family == WATCH_KV ? key_hash(k, kn) : hash_u64(tkn);
        size_t slot = (size_t)h & (nslots - 1);
        while (seen[slot] && !same_sub(seen[slot], w->family, h, k, kn, tkn)) slot = (slot + 1) & (nslots - 1);
        if (seen[slot]) continue;
        watch_sub *s = xcalloc(1, sizeof *s + kn);
        s->w = w;
        s->hash = h;
        s->klen = kn;
        if (kn) memcpy(s->key, k, kn);
        s->tkn = tkn;
        seen[slot] = s;
        w->subs[w->nsubs++] = s;
    }
    free(seen);
}

int watch_add(watch_registry *reg, client *cl, const watch_spec *spec, uint64_t *id) {
    watcher *o = find_watcher(reg, cl);
    if (o && o->count >= reg->max_per_client) return WATCH_LIMIT;
    if (!reg->max_per_client) return WATCH_LIMIT;
    watch *w = xcalloc(1, sizeof *w);
    w->family = (uint8_t)spec->family;
    w->values = (uint8_t)!!spec->values;
    w->all = (uint8_t)!!spec->all;
    w->prefix_len = w->all && w->family == WATCH_KV ? spec->prefix_len : 0; /* counted before it is copied */
    if (!w->all) make_subs(w, spec);
    w->bytes = watch_bytes(w);
    int over = !w->all && (o ? o->nsubs : 0) + w->nsubs > reg->max_keys_per_client ? WATCH_KEYS_LIMIT
               : reg->max_bytes && reg->bytes + w->bytes > reg->max_bytes       ? WATCH_BYTES_LIMIT
                                                                                : WATCH_OK;
    if (over) { /* nothing was indexed yet */
        free_watch(w);
        return over;
    }
    if (!w->all) {
        watch_index *ix = w->family == WATCH_KV ? &reg->kv_keys : &reg->sh_tkns;
        for (size_t i = 0; i < w->nsubs; i++) index_insert(ix, w->subs[i]);
    }
    if (!o) {
        o = xcalloc(1, sizeof *o);
        o->cl = cl;
        o->next = reg->watchers;
        if (o->next) o->next->prev = o;
        reg->watchers = o;
        cl->watcher = o;
    }
    w->id = ++o->last_id;
    w->owner = o;
    if (w->all && w->family == WATCH_KV) {
        w->prefix = malloc(spec->prefix_len + 1);
        if (!w->prefix) abort();
        memcpy(w->prefix, spec->prefix, spec->prefix_len);
        list_add(&reg->kv_prefix, w);
    } else if (w->all) {
        list_add(&reg->sh_all, w);
    }
    /* ids ascend along the list: events of one change go in id order */
    if (o->last) o->last->next = w;
    else o->watches = w;
    o->last = w;
    o->count++;
    o->nsubs += w->nsubs;
    reg->bytes += w->bytes;
    reg->nwatches++;
    *id = w->id;
    return WATCH_OK;
}

int watch_remove(watch_registry *reg, client *cl, int family, uint64_t id) {
    watcher *o = find_watcher(reg, cl);
    for (watch *w = o ? o->watches : NULL; w; w = w->next) {
        if (w->id != id || w->family != family) continue;
        drop_watch(reg, w);
        return 1;
    }
    return 0;
}

void watch_client_gone(watch_registry *reg, client *cl) {
    watcher *o = cl->watcher;
    if (!o) return;
    drop_all(reg, o);
    if (o->prev) o->prev->next = o->next;
    else reg->watchers = o->next;
    if (o->next) o->next->prev = o->prev;
    cl->watcher = NULL;
    free(o);
}

void watch_free(watch_registry *reg) {
    while (reg->watchers) {
        watcher *o = reg->watchers;
        drop_all(reg, o);
        reg->watchers = o->next;
        o->cl->watcher = NULL;
        free(o);
    }
    free(reg->kv_keys.buckets);
    free(reg->sh_tkns.buckets);
    sb_free(&reg->tail);
    sb_free(&reg->msg);
    memset(reg, 0, sizeof *reg);
}

/* ------------------------------------------------------------- delivery */

static const char *event_name(int family) { return family == WATCH_KV ? "{\"KV_EVENT\":{\"id\":" : "{\"SH_EVENT\":{\"id\":"; }

/* Client o stopped reading: one overflow event per watch, then (after the
 * record is delivered) its watches go. */
static void overflow(watch_registry *reg, watcher *o) {
    o->overflowed = 1;
    o->next_overflowed = reg->overflowed;
    reg->overflowed = o;
    reg->overflows++;
    log_info("client %llu (%s): %zu bytes of output queued, over watchOutputBytes (%zu); dropping its %u watch%s",
             (unsigned long long)o->cl->id, o->cl->addr, client_queued(o->cl), reg->max_queued, o->count,
             o->count == 1 ? "" : "es");
    for (watch *w = o->watches; w; w = w->next) {
        sb_reset(&reg->msg);
        sb_adds(&reg->msg, event_name(w->family));
        sb_add_u64(&reg->msg, w->id);
        SB_ADD_LIT(&reg->msg, ",\"op\":\"overflow\"}}");
        client_push(o->cl, reg->msg.buf, reg->msg.len);
    }
}

/* One event to watch w: head, id, reg->tail (the members after the id),
 * the value when the watch asked for values and there is one, the end. */
static void deliver(watch_registry *reg, watch *w, const char *val, size_t vlen) {
    watcher *o = w->owner;
    if (o->overflowed) return;
    if (client_queued(o->cl) > reg->max_queued) {
        overflow(reg, o);
        return;
    }
    strbuf *m = &reg->msg;
    sb_reset(m);
    sb_adds(m, event_name(w->family));
    sb_add_u64(m, w->id);
    sb_add(m, reg->tail.buf, reg->tail.len);
    if (w->values && val) {
        SB_ADD_LIT(m, ",\"value\":");
        sb_add(m, val, vlen);
    }
    SB_ADD_LIT(m, "}}");
    client_push(o->cl, m->buf, m->len);
    reg->events++;
}

/* The event name of a key change. */
static const char *key_op(const change *ch) {
    switch ((enum change_cause)ch->cause) {
    case CAUSE_UPDATE:
    case CAUSE_INCR: return "update";
    case CAUSE_APPEND: return "append";
    case CAUSE_LOAD: return "load";
    case CAUSE_EXPIRE: return "expire";
    default: return ch->kind == CH_KEY_RMV ? "rmv" : "set";
    }
}

/* Write reg->tail: [,"key":K],"op":"OP"[,"tkn":T]. */
static void make_tail(watch_registry *reg, const change *ch, int key, const char *op, int tkn) {
    strbuf *t = &reg->tail;
    sb_reset(t);
    if (key) {
        SB_ADD_LIT(t, ",\"key\":");
        sb_add_json_string(t, ch->key, ch->klen);
    }
    SB_ADD_LIT(t, ",\"op\":\"");
    sb_adds(t, op);
    sb_addc(t, '"');
    if (tkn) {
        SB_ADD_LIT(t, ",\"tkn\":");
        sb_add_u64(t, ch->tkn);
    }
}

static void deliver_kv_key(watch_registry *reg, const change *ch) {
    const char *val = ch->kind == CH_KEY_SET ? ch->val : NULL;
    make_tail(reg, ch, 1, key_op(ch), 0);
    uint64_t h = key_hash(ch->key, ch->klen);
    for (watch_sub *s = index_chain(&reg->kv_keys, h); s; s = s->next)
        if (s->hash == h && s->klen == ch->klen && !memcmp(s->key, ch->key, ch->klen)) deliver(reg, s->w, val, ch->vlen);
    for (watch *w = reg->kv_prefix.head; w; w = w->lnext)
        if (w->prefix_len <= ch->klen && !memcmp(w->prefix, ch->key, w->prefix_len)) deliver(reg, w, val, ch->vlen);
}

/* Every watch of family `family` gets the event in reg->tail. */
static void deliver_family(watch_registry *reg, int family) {
    for (watcher *o = reg->watchers; o; o = o->next)
        for (watch *w = o->watches; w; w = w->next)
            if (w->family == family) deliver(reg, w, NULL, 0);
}

/* The SH watches of session tkn, and those of every session, get the event
 * in reg->tail. */
static void deliver_session(watch_registry *reg, uint64_t tkn, const char *val, size_t vlen) {
    uint64_t h = hash_u64(tkn);
    for (watch_sub *s = index_chain(&reg->sh_tkns, h); s; s = s->next)
        if (s->tkn == tkn) deliver(reg, s->w, val, vlen);
    for (watch *w = reg->sh_all.head; w; w = w->lnext) deliver(reg, w, val, vlen);
}

void watch_sink(void *ctx, const change *ch) {
    watch_registry *reg = ctx;
    if (!reg->nwatches) return; /* the common case: nobody watches */
    switch ((enum change_kind)ch->kind) {
    case CH_KEY_SET:
    case CH_KEY_RMV:
        if (!ch->in_session) {
            deliver_kv_key(reg, ch);
        } else {
            make_tail(reg, ch, 1, key_op(ch), 1);
            deliver_session(reg, ch->tkn, ch->kind == CH_KEY_SET ? ch->val : NULL, ch->vlen);
        }
        break;
    case CH_MAP_CLEAR:
        make_tail(reg, ch, 0, "clear", ch->in_session);
        if (ch->in_session) deliver_session(reg, ch->tkn, NULL, 0);
        else deliver_family(reg, WATCH_KV);
        break;
    case CH_SESSION_NEW:
        make_tail(reg, ch, 0, ch->cause == CAUSE_LOAD ? "load" : "new", 1);
        deliver_session(reg, ch->tkn, NULL, 0);
        break;
    case CH_SESSION_END:
        make_tail(reg, ch, 0, ch->cause == CAUSE_EXPIRE ? "expire" : "end", 1);
        deliver_session(reg, ch->tkn, NULL, 0);
        break;
    case CH_SESSION_RESET:
        make_tail(reg, ch, 0, "reset", 1);
        deliver_session(reg, ch->tkn, NULL, 0);
        break;
    default: /* deadlines moved: no event */
        return;
    }
    while (reg->overflowed) { /* after the record: nothing iterates the watches now */
        watcher *o = reg->overflowed;
        reg->overflowed = o->next_overflowed;
        o->overflowed = 0;
        drop_all(reg, o);
    }
}
