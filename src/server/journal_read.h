/*
 * journal_read.h — reading a journal file record by record, and telling a
 * torn tail from damage.
 *
 * A file is mapped read-only and walked from its header to its end.  When
 * a record cannot be read (the file ends inside it, or its checksum or its
 * body is wrong) the walk stops there and says where.  Whether that is a
 * *torn tail* — the last record of the newest file, cut short by a crash
 * in the middle of a write — or *damage* is decided by looking past it:
 * a crash can only leave a prefix of the last record (and zeros after it),
 * so if a valid record starts anywhere after the bad spot the bytes in
 * between are damage, never a torn tail.
 *
 * Records come out one unit (one write of the server, journal_format.h) at
 * a time: before the first record of a unit is returned, the whole unit is
 * checked, so a unit that the file ends inside — a torn tail — or that
 * holds a bad record stops the walk at the unit's first record, and none
 * of it is applied.
 *
 * Zeros from a unit's start to the file's end are the file's clean end,
 * not a torn tail: a journal written under `always` reserves its file's
 * space ahead of its writes (journal.c), and a crash leaves that space
 * unwritten; a power loss can leave zeros where writes not yet synced
 * were.  A record never starts with zeros (its length is not zero), and a
 * unit that starts with records and goes on as zeros is still torn.
 */
#ifndef NDB_JOURNAL_READ_H
#define NDB_JOURNAL_READ_H

#include <stddef.h>
#include <stdint.h>

#include "server/change.h"
#include "server/journal_format.h"

typedef struct jscan {
    const unsigned char *map; /* the file, mapped (NULL when empty) */
    size_t size;              /* its length */
    jf_header hdr;
    size_t off;               /* where the next record starts */
    size_t unit_end;          /* the end of the unit checked last (off < it: inside it) */
    size_t bad;               /* after -1 from jscan_next: where the bad bytes start
                               * (off, or a later record of off's unit, or the file's
                               * end when the unit's last record is missing) */
    uint64_t records;         /* records returned so far */
    size_t zero_tail;         /* after 0 from jscan_next: bytes of zeros after the
                               * last record (space reserved, never written) */
} jscan;

/* Map the file at path and check its header.  Returns 0; -1 with the
 * reason in err when its header is bad (s->size says how long the file is,
 * for the caller's torn-file check); -2 with the reason when it cannot be
 * opened or read at all, or when another ndb wrote it in a format version
 * this one does not read (after a downgrade): neither is damage, and a
 * repair must not cut such a file away.  After -2 nothing is held (no
 * jscan_close needed; it is harmless). */
int jscan_open(jscan *s, const char *path, char *err, size_t errlen);

/* The next record: 1 with *ch (key and val point into the mapping, valid
 * until jscan_close); 0 at the end of the file, or at zeros that run to its
 * end (then s->off is where they start and s->zero_tail how many there
 * are); -1 when the unit that
 * starts at s->off cannot be read whole, with the reason in err (s->off
 * stays at the unit's start, s->bad says where it breaks). */
int jscan_next(jscan *s, change *ch, char *err, size_t errlen);

/* After jscan_next returned -1: could the bad bytes be a torn tail — does
 * no valid record start anywhere after s->bad, and is the bad record not
 * whole?  A record whose bytes are all there (it ends before the zeros
 * that end the file) but whose checksum is wrong was written and then
 * damaged: a torn write leaves the rest of its record unwritten, zeros or
 * past the end of the file. */
int jscan_rest_is_torn(const jscan *s);

/* Where the file's trailing zeros start (its size if it does not end in
 * zero), but not before `from`: the end of a torn tail in reserved space. */
size_t jscan_data_end(const jscan *s, size_t from);

/* For a file whose header is bad: could a crash have left it so while the
 * file was created — is every byte zero (created but never written, or
 * zero-filled by a power loss), or is it shorter than a header and starts
 * with the first bytes of the magic (the header's write cut short)?  Any
 * other bytes are a foreign or damaged file, not a torn header. */
int jscan_torn_header(const jscan *s);

void jscan_close(jscan *s);

#endif
