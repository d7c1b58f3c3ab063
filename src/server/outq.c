/*
 * outq.c — a connection's output queue (see outq.h).
 */
#include "server/outq.h"

#include <stdlib.h>

/* The length word of a marker; real payloads are shorter: a longer one is
 * refused by outq_reply_end and outq_push (its connection is closed as over
 * maxOutputBytes).  maxOutputBytes alone did not keep them out: it may be
 * up to 2^40, and an answer was built whole before it was checked (a
 * KV_KEYS of 4.3 GB wrapped to a 2.6 MB frame, and the queue was read as
 * garbage from there). */
#define MARKER UINT32_MAX

static uint32_t entry_len(const outq *q, size_t at) {
    uint32_t n;
    memcpy(&n, q->buf.buf + at, sizeof n);
    return n;
}

static client_slot *entry_slot(const outq *q, size_t at) {
    client_slot *s;
    memcpy(&s, q->buf.buf + at + sizeof(uint32_t), sizeof s);
    return s;
}

/* Offset of the entry after the one at `at`. */
static size_t entry_next(const outq *q, size_t at) {
    uint32_t n = entry_len(q, at);
    return at + OUTQ_ENTRY_HEAD + (n == MARKER ? 0 : n);
}

/* Payload bytes queued in every queue (maxTotalOutputBytes reads it):
 * kept beside each queue's own `pending`, wherever that changes. */
static size_t total_pending;

size_t outq_total_pending(void) { return total_pending; }

/* q->pending and the total move together. */
static void pending_add(outq *q, size_t n) {
    q->pending += n;
    total_pending += n;
}

static void pending_sub(outq *q, size_t n) {
    q->pending -= n;
    total_pending -= n;
}

size_t outq_reply_begin(outq *q) {
    size_t at = q->buf.len;
    sb_grow(&q->buf, OUTQ_ENTRY_HEAD);
    q->buf.len += OUTQ_ENTRY_HEAD;
    return at;
}

int outq_reply_end(outq *q, size_t at) {
    size_t len = q->buf.len - at - OUTQ_ENTRY_HEAD;
    if (len >= MARKER) {
        q->buf.len = at;
        return -1;
    }
    uint32_t n = (uint32_t)len;
    memcpy(q->buf.buf + at, &n, sizeof n);
    pending_add(q, n);
    return 0;
}

void outq_reply_defer(outq *q, size_t at, client_slot *slot) {
    uint32_t n = MARKER;
    q->buf.len = at + OUTQ_ENTRY_HEAD;
    memcpy(q->buf.buf + at, &n, sizeof n);
    memcpy(q->buf.buf + at + sizeof n, &slot, sizeof slot);
    q->slots++;
}

int outq_push(outq *q, const char *msg, size_t n) {
    if (n >= MARKER) return -1;
    size_t at = outq_reply_begin(q);
    sb_add(&q->buf, msg, n);
    return outq_reply_end(q, at);
}

void outq_append(outq *dst, outq *src) {
    sb_add(&dst->buf, src->buf.buf + src->head, src->buf.len - src->head);
    dst->pending += src->pending;
    src->head = src->pending = 0;
    sb_reset(&src->buf);
}

int outq_fill(outq *q, client_slot *slot) {
    for (size_t at = q->head; at < q->buf.len; at = entry_next(q, at)) {
        if (entry_len(q, at) != MARKER || entry_slot(q, at) != slot) continue;
        /* open a gap of the payload's size after the marker's head, move
         * the rest of the queue behind it, and write the payload in */
        size_t n = slot->text.len, tail = at + OUTQ_ENTRY_HEAD;
        sb_grow(&q->buf, n);
        memmove(q->buf.buf + tail + n, q->buf.buf + tail, q->buf.len - tail);
        memcpy(q->buf.buf + tail, slot->text.buf, n);
        q->buf.len += n;
        if (q->held_from != OUTQ_NOT_HELD && q->held_from > at) q->held_from += n;
        uint32_t len = (uint32_t)n;
        memcpy(q->buf.buf + at, &len, sizeof len);
        pending_add(q, n);
        q->slots--;
        return 0;
    }
    return -1;
}

char *outq_front(outq *q, size_t *n) {
    if (outq_empty(q) || q->head >= q->held_from) return NULL;
    uint32_t len = entry_len(q, q->head);
    if (len == MARKER) return NULL;
    *n = len;
    return q->buf.buf + q->head + OUTQ_ENTRY_HEAD;
}

char *outq_peek(const outq *q, size_t *at, size_t *n) {
    if (*at >= q->buf.len || *at >= q->held_from) return NULL;
    uint32_t len = entry_len(q, *at);
    if (len == MARKER) return NULL;
    char *p = q->buf.buf + *at + OUTQ_ENTRY_HEAD;
    *n = len;
    *at += OUTQ_ENTRY_HEAD + len;
    return p;
}

void outq_pop(outq *q) {
    pending_sub(q, entry_len(q, q->head));
    q->head = entry_next(q, q->head);
}

void outq_compact(outq *q) {
    if (q->head == q->buf.len) {
        if (q->held_from != OUTQ_NOT_HELD) q->held_from = 0; /* held entries can only come later */
        q->head = 0;
        sb_reset(&q->buf);
        if (q->buf.cap > 4 * 1024 * 1024) sb_free(&q->buf); /* don't pin a big buffer */
        return;
    }
    /* A client that keeps requests in flight may never let the queue run
     * empty: move what is left to the front once the written part
     * dominates, so the buffer stays at its working size instead of
     * growing (and faulting in fresh pages) for as long as it is busy. */
    if (q->head >= 64 * 1024 && q->head >= q->buf.len / 2) {
        memmove(q->buf.buf, q->buf.buf + q->head, q->buf.len - q->head);
        q->buf.len -= q->head;
        if (q->held_from != OUTQ_NOT_HELD) q->held_from -= q->head;
        q->head = 0;
    }
}

void outq_hold(outq *q, size_t from, uint64_t seq) {
    if (q->held_from == OUTQ_NOT_HELD) q->held_from = from;
    if (seq > q->held_seq) q->held_seq = seq;
}

int outq_release(outq *q, uint64_t released) {
    if (q->held_from == OUTQ_NOT_HELD || q->held_seq > released) return 0;
    q->held_from = OUTQ_NOT_HELD;
    q->held_seq = 0;
    return 1;
}

/* Remove the entries from offset `at` (an entry boundary) to the end:
 * their bytes leave the counts, their markers are detached (their
 * producers free the slots). */
static void drop_from(outq *q, size_t at) {
    for (size_t e = at; e < q->buf.len; e = entry_next(q, e)) {
        uint32_t n = entry_len(q, e);
        if (n == MARKER) {
            entry_slot(q, e)->c = NULL; /* its producer frees it */
            q->slots--;
        } else {
            pending_sub(q, n);
        }
    }
    q->buf.len = at;
}

void outq_drop_held(outq *q) {
    if (q->held_from == OUTQ_NOT_HELD) return;
    drop_from(q, q->held_from);
    q->held_from = OUTQ_NOT_HELD;
    q->held_seq = 0;
}

void outq_keep_front(outq *q) {
    if (outq_empty(q)) return;
    drop_from(q, entry_next(q, q->head));
    /* the front is never held (outq_front stops at a held entry) */
    q->held_from = OUTQ_NOT_HELD;
    q->held_seq = 0;
}

size_t outq_shrink_empty(outq *q, size_t keep) {
    /* a hold still waiting for its record (held_from set) stays as it is:
     * what is queued next must wait behind it */
    if (!outq_empty(q) || q->buf.cap <= keep || q->held_from != OUTQ_NOT_HELD) return 0;
    size_t cap = q->buf.cap;
    outq_free(q); /* nothing queued: no marker, nothing pending */
    return cap;
}

void outq_free(outq *q) {
    for (size_t at = q->head; q->slots && at < q->buf.len; at = entry_next(q, at)) {
        if (entry_len(q, at) != MARKER) continue;
        entry_slot(q, at)->c = NULL; /* its producer frees it */
        q->slots--;
    }
    sb_free(&q->buf);
    pending_sub(q, q->pending);
    q->head = 0;
    q->slots = 0;
    q->held_from = OUTQ_NOT_HELD;
    q->held_seq = 0;
}
