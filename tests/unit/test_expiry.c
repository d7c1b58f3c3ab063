/*
 * test_expiry.c — the expiry heap against a fake clock: ordering, extension
 * (earlier and later deadlines), removal from any position, the "due only
 * when now > deadline" rule, and a long run of random operations checked
 * against a plain array model and the heap invariants.
 */
#include <stdint.h>
#include <stdlib.h>

#include "server/expiry.h"
#include "unit.h"

typedef struct item {
    int id;
    expiry_entry exp;
    int in;             /* model: is it scheduled? */
    uint64_t deadline;  /* model: its deadline */
} item;

#define ITEM_OF(e) ((item *)((char *)(e) - offsetof(item, exp)))

/* Heap shape: parents never later than children, every pos consistent. */
static int heap_ok(const expiry_heap *h) {
    for (uint32_t i = 0; i < h->count; i++) {
        if (h->nodes[i].e->pos != i + 1) return 0;
        if (h->nodes[i].deadline != h->nodes[i].e->deadline) return 0;
        if (i && h->nodes[(i - 1) / 2].deadline > h->nodes[i].deadline) return 0;
    }
    return 1;
}

static void test_ordering(void) {
    expiry_heap h = EXPIRY_HEAP_INIT;
    item it[8];
    uint64_t d[8] = {50, 10, 70, 30, 30, 90, 20, 60};
    for (int i = 0; i < 8; i++) {
        it[i] = (item){.id = i};
        expiry_set(&h, &it[i].exp, d[i]);
    }
    CHECK(heap_ok(&h));
    CHECK_INT(h.count, 8);
    CHECK_INT(ITEM_OF(expiry_peek(&h))->id, 1);
    /* Nothing is due at or before the earliest deadline itself. */
    CHECK(expiry_pop_due(&h, 0) == NULL);
    CHECK(expiry_pop_due(&h, 10) == NULL);
    /* At 35: 10, 20, 30, 30 are due, in deadline order. */
    uint64_t last = 0;
    int n = 0;
    expiry_entry *e;
    while ((e = expiry_pop_due(&h, 35))) {
        CHECK(e->deadline >= last);
        CHECK(e->deadline < 35);
        CHECK_INT(e->pos, 0);
        last = e->deadline;
        n++;
    }
    CHECK_INT(n, 4);
    CHECK_INT(h.count, 4);
    CHECK(heap_ok(&h));
    /* The rest come out in order too. */
    uint64_t want[4] = {50, 60, 70, 90};
    for (int i = 0; i < 4; i++) {
        e = expiry_pop_due(&h, UINT64_MAX);
        CHECK(e != NULL);
        if (e) CHECK_INT(e->deadline, want[i]);
    }
    CHECK(expiry_pop_due(&h, UINT64_MAX) == NULL);
    CHECK(expiry_peek(&h) == NULL);
    expiry_free(&h);
}

static void test_extend_and_remove(void) {
    expiry_heap h = EXPIRY_HEAP_INIT;
    item it[5];
    for (int i = 0; i < 5; i++) {
        it[i] = (item){.id = i};
        expiry_set(&h, &it[i].exp, 100 + 10 * (uint64_t)i); /* 100..140 */
    }
    /* Extending the earliest moves it behind the others. */
    expiry_set(&h, &it[0].exp, 200);
    CHECK(heap_ok(&h));
    CHECK_INT(h.count, 5);
    CHECK_INT(ITEM_OF(expiry_peek(&h))->id, 1);
    /* Moving the latest earlier brings it to the front. */
    expiry_set(&h, &it[4].exp, 5);
    CHECK(heap_ok(&h));
    CHECK_INT(ITEM_OF(expiry_peek(&h))->id, 4);
    /* Removing the root and an inner entry. */
    expiry_remove(&h, &it[4].exp);
    expiry_remove(&h, &it[2].exp);
    CHECK(heap_ok(&h));
    CHECK_INT(h.count, 3);
    CHECK(!expiry_contains(&it[2].exp));
    expiry_remove(&h, &it[2].exp); /* removing twice is harmless */
    CHECK_INT(h.count, 3);
    /* A check at a time when nothing is due changes nothing. */
    CHECK(expiry_pop_due(&h, 110) == NULL);
    CHECK(expiry_pop_due(&h, 111) == &it[1].exp);
    CHECK(expiry_pop_due(&h, 131) == &it[3].exp);
    CHECK(expiry_pop_due(&h, 131) == NULL);
    /* A popped entry can be scheduled again (a non-deleting session). */
    expiry_set(&h, &it[3].exp, 300);
    CHECK_INT(h.count, 2);
    CHECK(expiry_pop_due(&h, 250) == &it[0].exp);
    CHECK(expiry_pop_due(&h, 301) == &it[3].exp);
    CHECK_INT(h.count, 0);
    /* clear forgets everything and resets positions. */
    for (int i = 0; i < 5; i++) expiry_set(&h, &it[i].exp, 1);
    expiry_clear(&h);
    CHECK_INT(h.count, 0);
    for (int i = 0; i < 5; i++) CHECK(!expiry_contains(&it[i].exp));
    expiry_free(&h);
}

/* Deterministic PRNG so failures reproduce. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next_rand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_random_against_model(void) {
    enum { N = 2000, OPS = 200000 };
    item *it = calloc(N, sizeof *it);
    expiry_heap h = EXPIRY_HEAP_INIT;
    uint64_t now = 1000;
    int bad_pop = 0, bad_shape = 0, bad_count = 0;
    for (int i = 0; i < N; i++) it[i].id = i;
    for (int op = 0; op < OPS; op++) {
        uint64_t r = next_rand();
        item *x = &it[r % N];
        switch ((r >> 20) % 6) {
        case 0:
        case 1: /* schedule or reschedule, sometimes in the past */
            x->deadline = now + (next_rand() % 500) - 50;
            x->in = 1;
            expiry_set(&h, &x->exp, x->deadline);
            break;
        case 2: /* remove */
            x->in = 0;
            expiry_remove(&h, &x->exp);
            break;
        case 3: /* a tick: the clock moves on, everything due comes out, in order */
        case 4: {
            now += next_rand() % 40;
            expiry_entry *e;
            uint64_t last = 0;
            while ((e = expiry_pop_due(&h, now))) {
                item *y = ITEM_OF(e);
                if (!y->in || y->deadline != e->deadline || !(now > e->deadline) || e->deadline < last) bad_pop++;
                last = e->deadline;
                y->in = 0;
            }
            for (int i = 0; i < N; i++)
                if (it[i].in && !(it[i].deadline >= now)) bad_pop++; /* a due one was left */
            break;
        }
        case 5: /* peek agrees with the model's minimum */ {
            uint64_t min = UINT64_MAX;
            for (int i = 0; i < N; i++)
                if (it[i].in && it[i].deadline < min) min = it[i].deadline;
            expiry_entry *e = expiry_peek(&h);
            if (e ? e->deadline != min : min != UINT64_MAX) bad_pop++;
            break;
        }
        }
        if (op % 1000 == 0) {
            if (!heap_ok(&h)) bad_shape++;
            uint32_t n = 0;
            for (int i = 0; i < N; i++) {
                n += (uint32_t)it[i].in;
                if (it[i].in != expiry_contains(&it[i].exp)) bad_count++;
            }
            if (n != h.count) bad_count++;
        }
    }
    CHECK_INT(bad_pop, 0);
    CHECK_INT(bad_shape, 0);
    CHECK_INT(bad_count, 0);
    CHECK(heap_ok(&h));
    expiry_free(&h);
    free(it);
}

static void test_clock(void) {
    uint64_t a = expiry_now_ns(), b = expiry_now_ns();
    CHECK(a > 0);
    CHECK(b >= a);
}

int main(void) {
    test_ordering();
    test_extend_and_remove();
    test_random_against_model();
    test_clock();
    return UNIT_DONE();
}
