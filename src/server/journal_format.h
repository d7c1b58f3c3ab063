/*
 * journal_format.h — the bytes of a journal file: a header, then records,
 * each one change record (change.h) with a length and a checksum.
 *
 * File:   header (JF_HEADER_SIZE bytes), then records back to back.
 * Header: "NDBJOURN" | u32 version (1) | u32 flags (0) | u64 generation |
 *         u64 created (wall-clock ms) | u32 reserved (0) | u32 CRC-32C of
 *         the 36 bytes before it.  Integers little-endian.
 * Record: u32 body length | u32 CRC-32C of (the 4 length bytes, body) | body.
 * Body:   u8 kind | u8 cause (bit 7: JF_MORE) | u8 presence bits | the fields present, in
 *         this order: tkn, deadline_ns, count (each an unsigned LEB128
 *         varint), expiry (varint duration, u8 flag bits), key (varint
 *         length, bytes), val (varint length, bytes).
 *
 * The body carries every field of struct change and knows nothing about
 * what a kind means: a field that is zero (or a NULL key or value) is left
 * out, any other is written, whatever the kind.  A change kind added later
 * (a key's deadline, a deadline moved) is therefore written and read with
 * no change here; what a record does is store_apply()'s business.  A new
 * *field* of struct change needs a new format version.
 *
 * Writes: the records the server writes with one write() — every change
 * of one event-loop turn — form one unit, marked by JF_MORE on every
 * record but the last.  A crash (kill -9 can cut a write() short at a page
 * boundary) may leave a unit's first records whole and the rest missing;
 * none of the unit's changes was acknowledged, and the records of one
 * request must never be replayed in part (a KV_SET of two keys is one
 * change for the client), so the reader applies a unit only when it is
 * complete.  A file written before units existed reads as units of one
 * record each.
 *
 * The checksum covers the length too, so a damaged length is caught like a
 * damaged body (unless it points past the end of the file: the reader,
 * journal_read.c, tells a torn tail from damage).
 */
#ifndef NDB_JOURNAL_FORMAT_H
#define NDB_JOURNAL_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "server/change.h"

#define JF_MAGIC "NDBJOURN"
#define JF_VERSION 1u
#define JF_HEADER_SIZE 40u
#define JF_RECORD_HEAD 8u /* length + checksum */
#define JF_MIN_BODY 3u    /* kind, cause, presence bits */

/* The header of a journal file. */
typedef struct jf_header {
    uint32_t version;
    uint64_t generation;
    uint64_t created_ms;
} jf_header;

/* Write the header of a file of generation `gen` into out (JF_HEADER_SIZE bytes). */
void jf_header_encode(unsigned char out[JF_HEADER_SIZE], uint64_t gen, uint64_t created_ms);

/* Parse and check a header.  Returns 0; -1 with the reason in err when it
 * is no header (damage); -2 when it is a sound header of a format version
 * this ndb does not read — a file another ndb wrote, not damage. */
int jf_header_decode(const unsigned char *p, size_t n, jf_header *h, char *err, size_t errlen);

/* Append record ch (length, checksum, body) to out: with `more`, followed
 * by more records of its unit; without, the last record of its unit. */
void jf_record_encode(strbuf *out, const change *ch, int more);

/* Write the length and checksum of the record at rec, whose body_len bytes
 * of body follow its head (JF_RECORD_HEAD bytes at rec). */
void jf_record_seal(unsigned char *rec, uint32_t body_len);

/* Bit 7 of the cause byte: more records of the same write follow. */
#define JF_MORE 0x80u

/* Mark the record that starts at rec (as jf_record_encode wrote it) as
 * followed by more records of its unit, or not, and fix its checksum. */
void jf_record_set_more(unsigned char *rec, int more);

/* Is the record whose body starts at body followed by more of its unit? */
static inline int jf_body_more(const unsigned char *body) { return (body[1] & JF_MORE) != 0; }

/* Decode the body of a record (n bytes at p, checksum already verified)
 * into *ch; key and val point into p.  Returns 0, or -1 with the reason in
 * err (a truncated varint, a length past the end, bytes left over, kind 0). */
int jf_record_decode(const unsigned char *p, size_t n, change *ch, char *err, size_t errlen);

/* Look at the record at p (avail bytes from p to the end of the file):
 * JF_OK with *body, *body_len when it is complete and its checksum
 * matches; JF_SHORT when the file ends inside it; JF_BAD when its checksum
 * does not match (or its length is below JF_MIN_BODY). */
enum { JF_OK = 0, JF_SHORT = 1, JF_BAD = 2 };
int jf_record_at(const unsigned char *p, size_t avail, const unsigned char **body, uint32_t *body_len);

static inline uint32_t jf_get32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t jf_get64(const unsigned char *p) { return jf_get32(p) | (uint64_t)jf_get32(p + 4) << 32; }

#endif
