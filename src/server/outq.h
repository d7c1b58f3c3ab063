/*
 * outq.h — one connection's queue of outgoing messages, in order.
 *
 * The queue is one buffer of entries, each [uint32 length][headroom]
 * [payload]: replies are built straight into it (no copy), and the
 * headroom lets the writer put a frame header in front of a payload
 * without moving it.  Three kinds of entry, kept in the order they were
 * queued:
 *   - a reply: opened with outq_reply_begin, written by the handler,
 *     closed with outq_reply_end;
 *   - a pushed message (outq_push), queued whole;
 *   - a deferred reply's marker (outq_reply_defer): its place is kept, and
 *     nothing behind it can be written until outq_fill replaces the marker
 *     with the reply's text.
 * The writer takes the payloads that are ready from the front
 * (outq_front / outq_pop) and stops at an unfilled marker.
 *
 * Durability gate (issue 15): entries queued after a change whose journal
 * record is not yet durable must not leave before it is.  outq_hold marks
 * everything from a given entry on as held until a record number is
 * released; outq_front stops at the first held entry, so what was queued
 * earlier still goes out.
 *
 * No I/O here: the transport owns the socket, this owns the bytes.
 */
#ifndef NDB_OUTQ_H
#define NDB_OUTQ_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "server/client.h"

/* Bytes before each payload: its length, then room for a frame header
 * (and for libwebsockets' LWS_PRE, which transport.c checks fits). */
#define OUTQ_HEADROOM 16
#define OUTQ_ENTRY_HEAD (sizeof(uint32_t) + OUTQ_HEADROOM)

typedef struct outq {
    strbuf buf;     /* the entries */
    size_t head;    /* offset of the first entry not yet written */
    size_t pending; /* payload bytes queued and not yet written */
    unsigned slots; /* unfilled markers in the queue */
    size_t held_from;  /* offset of the first held entry; OUTQ_NOT_HELD when none */
    uint64_t held_seq; /* they wait until this record number is released */
} outq;

#define OUTQ_NOT_HELD SIZE_MAX
#define OUTQ_INIT {STRBUF_INIT, 0, 0, 0, OUTQ_NOT_HELD, 0}

/* Open a reply at the end of the queue; the handler appends its payload to
 * q->buf.  Returns the entry's offset for outq_reply_end. */
size_t outq_reply_begin(outq *q);
/* Close the reply opened at `at`: its payload is everything appended since.
 * Returns -1, with the reply dropped, if the payload is too long for an
 * entry (4 GiB or more: its length is a uint32); else 0. */
int outq_reply_end(outq *q, size_t at);
/* Turn the reply opened at `at` (to which nothing was appended) into the
 * marker of deferred reply `slot`. */
void outq_reply_defer(outq *q, size_t at, client_slot *slot);

/* Queue a whole message.  Returns -1, with nothing queued, if it is too
 * long for an entry (as outq_reply_end); else 0. */
int outq_push(outq *q, const char *msg, size_t n);

/* Payload bytes queued and not yet written in every queue together (all
 * connections' output: limits.maxTotalOutputBytes). */
size_t outq_total_pending(void);

/* Move every entry of src (which holds no markers) to the end of dst. */
void outq_append(outq *dst, outq *src);

/* Put slot's text in the place of its marker.  Returns 0, or -1 if the
 * marker is not in the queue. */
int outq_fill(outq *q, client_slot *slot);

/* The first entry not yet written: returns its payload and length, or NULL
 * when the queue is empty or its front is an unfilled marker.  The
 * OUTQ_HEADROOM bytes before the payload belong to the writer. */
char *outq_front(outq *q, size_t *n);
/* The entry at offset *at (begin with q->head): returns its payload and
 * length and moves *at to the next entry, or returns NULL at the end, at an
 * unfilled marker or at the first held entry — what outq_front would give
 * one after the other, without popping (a writer gathering several
 * entries into one writev). */
char *outq_peek(const outq *q, size_t *at, size_t *n);
/* The front entry has been written: drop it. */
void outq_pop(outq *q);
/* Reclaim the space of written entries (cheap to call after each write). */
void outq_compact(outq *q);
/* When q is empty, holds nothing back (no outq_hold waiting for its
 * record) and its buffer holds more than keep bytes, free the buffer;
 * returns the bytes freed (0 when kept). */
size_t outq_shrink_empty(outq *q, size_t keep);

static inline int outq_empty(const outq *q) { return q->head >= q->buf.len; }

/* Hold the entries from offset `from` (an entry boundary; the queue's end
 * when nothing new was queued) to the end until record `seq` is released;
 * a queue already held keeps its start and waits for the larger number. */
void outq_hold(outq *q, size_t from, uint64_t seq);
/* Records up to `released` are durable: let held entries go if they
 * waited for no more.  Returns 1 if the queue is no longer held. */
int outq_release(outq *q, uint64_t released);
static inline int outq_held(const outq *q) { return q->held_from != OUTQ_NOT_HELD; }
/* Remove the held entries: what they waited for will never be durable
 * (the server stops with its journal broken).  A deferred reply's marker
 * among them is detached from its slot, as outq_free does. */
void outq_drop_held(outq *q);

/* Remove every entry but the front one: it is partly written, and the
 * frame must end whole before a close frame can follow it (a connection
 * closed for its output).  Markers are detached as outq_free does. */
void outq_keep_front(outq *q);

/* Free the queue.  Unfilled markers are orphaned (their producers will
 * free them when they fill them); filled ones were already replaced. */
void outq_free(outq *q);

#endif
