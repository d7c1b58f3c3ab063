/*
 * test_outq.c — a connection's output queue (src/server/outq.c): entries
 * keep their order and length, and a reply or message of 4 GiB or more,
 * whose length an entry cannot hold, is refused instead of being queued
 * under a wrapped length (a 4.3 GB KV_KEYS answer went out as a 2.6 MB
 * frame, and the rest of the queue was read as garbage).
 */
#include <stdint.h>
#include <string.h>

#include "server/outq.h"
#include "unit.h"

/* Replies and pushes come out whole and in order. */
static void test_order(void) {
    outq q = OUTQ_INIT;
    size_t at = outq_reply_begin(&q);
    sb_adds(&q.buf, "first");
    CHECK_INT(outq_reply_end(&q, at), 0);
    CHECK_INT(outq_push(&q, "second!", 7), 0);
    CHECK_INT(q.pending, 12);
    size_t n = 0;
    char *p = outq_front(&q, &n);
    CHECK(p && n == 5 && memcmp(p, "first", 5) == 0);
    outq_pop(&q);
    p = outq_front(&q, &n);
    CHECK(p && n == 7 && memcmp(p, "second!", 7) == 0);
    outq_pop(&q);
    CHECK(outq_empty(&q));
    outq_free(&q);
}

/* A reply of UINT32_MAX bytes or more is dropped (the queue is as before
 * it began) and reported; one byte less is an entry.  The length is only
 * claimed, not written: outq_reply_end reads no payload byte. */
static void test_too_long(void) {
    outq q = OUTQ_INIT;
    CHECK_INT(outq_push(&q, "before", 6), 0);
    size_t len_before = q.buf.len, pending = q.pending;
    size_t at = outq_reply_begin(&q);
    q.buf.len = at + OUTQ_ENTRY_HEAD + (size_t)UINT32_MAX;
    CHECK_INT(outq_reply_end(&q, at), -1);
    CHECK_INT(q.buf.len, len_before);
    CHECK_INT(q.pending, pending);
    at = outq_reply_begin(&q);
    q.buf.len = at + OUTQ_ENTRY_HEAD + (size_t)UINT32_MAX + 1000;
    CHECK_INT(outq_reply_end(&q, at), -1);
    CHECK_INT(q.buf.len, len_before);
    /* a message that long is refused before anything is copied */
    CHECK_INT(outq_push(&q, "", (size_t)UINT32_MAX), -1);
    CHECK_INT(q.buf.len, len_before);
    CHECK_INT(q.pending, pending);
    /* what was queued before is intact */
    size_t n = 0;
    char *p = outq_front(&q, &n);
    CHECK(p && n == 6 && memcmp(p, "before", 6) == 0);
    outq_free(&q);
}

/* outq_keep_front (a connection closed for its output while its front
 * entry is partly written): the front stays whole, everything after it
 * goes — a deferred reply's marker detached from its slot — and the counts
 * (the queue's and all queues' together) lose exactly those bytes. */
static void test_keep_front(void) {
    outq q = OUTQ_INIT;
    size_t total = outq_total_pending();
    CHECK_INT(outq_push(&q, "partly written", 14), 0);
    CHECK_INT(outq_push(&q, "next", 4), 0);
    client cl;
    client_slot slot = {.c = &cl};
    outq_reply_defer(&q, outq_reply_begin(&q), &slot);
    CHECK_INT(outq_push(&q, "last", 4), 0);
    CHECK_INT(q.pending, 22);
    CHECK_INT(outq_total_pending(), total + 22);
    outq_keep_front(&q);
    CHECK_INT(q.pending, 14);
    CHECK_INT(outq_total_pending(), total + 14);
    CHECK_INT(q.slots, 0);
    CHECK(slot.c == NULL);
    size_t n = 0;
    char *p = outq_front(&q, &n);
    CHECK(p && n == 14 && memcmp(p, "partly written", 14) == 0);
    outq_pop(&q);
    CHECK(outq_empty(&q));
    CHECK_INT(outq_total_pending(), total);
    outq_keep_front(&q); /* empty: nothing to do */
    CHECK(outq_empty(&q));
    outq_free(&q);
}

int main(void) {
    test_order();
    test_too_long();
    test_keep_front();
    return UNIT_DONE();
}
