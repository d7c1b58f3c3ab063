/*
 * test_sessions.c — the session registry, and session expiry as the store
 * applies it, with a fake clock: token ranges, lookup and creation order
 * with swap-last removal, key counters, and the expiry rules of
 * docs/protocol.md 4.3 with Q11 fixed (delete vs keep, next period from the
 * previous deadline, extension, remaining never negative).
 */
#include <stdint.h>
#include <stdlib.h>

#include "server/sessions.h"
#include "server/store.h"
#include "unit.h"

#define S EXPIRY_NS_PER_S

static void set_key(session_registry *r, session *s, const char *k) {
    uint32_t c = s->map.count;
    size_t b = kvmap_bytes(&s->map);
    kvmap_set(&s->map, k, strlen(k), "1", 1, 1);
    sessions_account(r, s, c, b);
}

/* Every session's index matches its place and it is found by its token;
 * sequence numbers rise in order; the counters add up. */
static int registry_ok(const session_registry *r) {
    uint64_t keys = 0, last = 0;
    uint32_t pos = 0, n = 0;
    for (const session *s; (s = sessions_next(r, &pos)); n++) {
        if (s->index != pos - 1 || sessions_get(r, s->token) != s || s->seq <= last) return 0;
        last = s->seq;
        keys += s->map.count;
    }
    return keys == r->total_keys && n == r->count;
}

/* The tokens in registry order, as "t1,t2,..." (thousands). */
static const char *order(const session_registry *r) {
    static char buf[256];
    size_t n = 0;
    uint32_t pos = 0;
    buf[0] = 0;
    for (const session *s; (s = sessions_next(r, &pos));)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%llu", n ? "," : "", (unsigned long long)(s->token / 1000));
    return buf;
}

static void test_tokens(void) {
    session_registry r;
    sessions_init(&r, 53);
    session_expiry never = {0, 0, 0, 0};
    int bad = 0;
    for (int i = 0; i < 5000; i++) {
        session *s = sessions_insert(&r, sessions_new_token(&r), &never, 0);
        if (!s || s->token == 0 || s->token > (UINT64_C(1) << 53) - 1) bad++;
    }
    CHECK_INT(bad, 0);
    CHECK_INT(r.count, 5000);
    CHECK(registry_ok(&r));
    CHECK_INT(sessions_clear(&r), 5000);
    CHECK_INT(r.count, 0);
    sessions_free(&r);

    /* 64-bit tokens: about half of them are above 2^63. */
    sessions_init(&r, 64);
    int high = 0;
    for (int i = 0; i < 1000; i++) {
        session *s = sessions_insert(&r, sessions_new_token(&r), &never, 0);
        if (s->token > (UINT64_C(1) << 63)) high++;
    }
    CHECK(high > 350 && high < 650);
    CHECK(registry_ok(&r));
    sessions_free(&r);
}

static void test_insert_remove_order(void) {
    session_registry r;
    sessions_init(&r, 53);
    session_expiry never = {0, 0, 0, 0};
    for (uint64_t t = 1; t <= 5; t++) CHECK(sessions_insert(&r, t * 1000, &never, 0) != NULL);
    CHECK(sessions_insert(&r, 3000, &never, 0) == NULL); /* taken */
    CHECK(sessions_insert(&r, UINT64_MAX, &never, 0) != NULL);
    CHECK(sessions_get(&r, UINT64_MAX) != NULL);
    CHECK(sessions_get(&r, UINT64_MAX - 1) == NULL);
    CHECK(sessions_get(&r, 0) == NULL);
    set_key(&r, sessions_get(&r, 2000), "a");
    set_key(&r, sessions_get(&r, 2000), "b");
    set_key(&r, sessions_get(&r, 4000), "a");
    CHECK_INT(r.total_keys, 3);
    /* Removing the second leaves the others in creation order. */
    sessions_remove(&r, sessions_get(&r, 2000));
    CHECK_INT(r.count, 5);
    CHECK_INT(r.total_keys, 1);
    CHECK_STR(order(&r), "1,3,4,5,18446744073709551");
    CHECK_INT(sessions_seek(&r, 1), 2); /* the hole of 2000 is skipped */
    CHECK(sessions_get(&r, 2000) == NULL);
    CHECK(registry_ok(&r));
    /* Remove the last one, then all the rest one by one (first ones first). */
    sessions_remove(&r, sessions_get(&r, UINT64_MAX));
    CHECK_INT(r.used, 5); /* the hole of 2000 stays; no trailing hole is kept */
    CHECK(registry_ok(&r));
    for (uint32_t pos = 0; r.count;) {
        pos = 0;
        sessions_remove(&r, sessions_next(&r, &pos));
        CHECK(registry_ok(&r));
    }
    CHECK_INT(r.total_keys, 0);
    CHECK_INT(r.key_bytes, 0);
    sessions_free(&r);
}

/* A key in session s, through the store. */
static void store_key(ndb_store *st, session *s, const char *k) {
    CHECK_INT(store_put(st, s, k, strlen(k), "1", 1, CAUSE_SET), STORE_OK);
}

static void test_expiry(void) {
    ndb_store st;
    store_init(&st, 0, 53);
    session_registry *r = &st.sessions;
    uint64_t t0 = 100 * S;
    int oom;
    session_expiry del = {10, 1, 0, 0}, keep = {10, 0, 0, 0}, ext = {10, 0, 1, 1}, never = {0, 0, 0, 0};
    session *a = store_session_new(&st, &del, t0, &oom);
    session *b = store_session_new(&st, &keep, t0, &oom);
    session *c = store_session_new(&st, &ext, t0, &oom);
    session *n = store_session_new(&st, &never, t0, &oom);
    uint64_t ta = a->token, tb = b->token, tc = c->token, tn = n->token;
    store_key(&st, a, "x");
    store_key(&st, b, "x");
    store_key(&st, b, "y");
    store_key(&st, n, "x");
    CHECK_INT(r->heap.count, 3); /* the never-expiring one is not in the heap */
    CHECK_INT(sessions_remaining_s(a, t0), 10);
    CHECK_INT(sessions_remaining_s(a, t0 + 1), 9); /* truncated */
    CHECK_INT(sessions_remaining_s(n, t0), 0);
    /* At the deadline exactly nothing has expired yet. */
    CHECK_INT(store_expire(&st, t0 + 10 * S), 0);
    /* c is extended at t0+5 s: its deadline moves to t0+15 s. */
    store_session_extend(&st, c, t0 + 5 * S);
    CHECK_INT(sessions_remaining_s(c, t0 + 5 * S), 10);
    /* Just after t0+10 s: a is gone, b is emptied and kept, c lives on. */
    CHECK_INT(store_expire(&st, t0 + 10 * S + 1), 2);
    CHECK(sessions_get(r, ta) == NULL);
    CHECK(sessions_get(r, tb) == b);
    CHECK_INT(b->map.count, 0);
    CHECK_INT(r->total_keys, 1);
    CHECK_INT(r->count, 3);
    /* b's next period starts at its previous deadline (t0+10 s), not now. */
    CHECK(b->exp.deadline == t0 + 20 * S);
    CHECK(registry_ok(r));
    /* Long after: whole periods are skipped, the new deadline is in the future. */
    store_key(&st, b, "z");
    CHECK_INT(store_expire(&st, t0 + 47 * S), 2); /* b, and c (deadline t0+15 s) */
    CHECK(b->exp.deadline == t0 + 50 * S);
    CHECK_INT(b->map.count, 0);
    CHECK(c->exp.deadline == t0 + 55 * S); /* t0+15 s + 4 periods */
    CHECK_INT(sessions_remaining_s(b, t0 + 47 * S), 3);
    CHECK_INT(sessions_remaining_s(b, t0 + 60 * S), 0); /* never negative */
    /* Extending a never-expiring session does nothing. */
    store_session_extend(&st, n, t0);
    CHECK_INT(r->heap.count, 2);
    CHECK(sessions_get(r, tn) == n && sessions_get(r, tc) == c);
    CHECK_INT(store_expire(&st, t0 + 1000000 * S), 2);
    CHECK_INT(r->count, 3);
    CHECK(sessions_bytes(r) > 3 * sizeof(session));
    store_free(&st);
}

int main(void) {
    test_tokens();
    test_insert_remove_order();
    test_expiry();
    return UNIT_DONE();
}
