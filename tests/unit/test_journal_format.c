/*
 * test_journal_format.c — the journal's bytes: CRC-32C, the header, record
 * encoding and decoding for every kind of change (and a kind no code knows
 * yet), and reading files with a torn tail, a damaged middle, a zero-filled
 * tail and a damaged length, and a file of another format version.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/crc32c.h"
#include "server/journal_format.h"
#include "server/journal_read.h"
#include "unit.h"

static void test_crc32c(void) {
    CHECK_INT(crc32c(0, "123456789", 9), 0xE3069283u);
    CHECK_INT(crc32c_portable(0, "123456789", 9), 0xE3069283u);
    CHECK_INT(crc32c(0, "", 0), 0);
    /* chaining equals one pass; hardware equals tables, at every alignment */
    unsigned char buf[300];
    for (unsigned i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)(i * 131 + 7);
    unsigned bad = 0;
    for (unsigned off = 0; off < 9; off++)
        for (unsigned n = 0; n + off <= sizeof buf; n += 17) {
            uint32_t one = crc32c(0, buf + off, n);
            if (one != crc32c_portable(0, buf + off, n)) bad++;
            if (one != crc32c(crc32c(0, buf + off, n / 3), buf + off + n / 3, n - n / 3)) bad++;
        }
    CHECK_INT(bad, 0);
}

/* Make h a sound header of format version v (its checksum right). */
static void set_version(unsigned char h[JF_HEADER_SIZE], uint32_t v) {
    for (int i = 0; i < 4; i++) h[8 + i] = (unsigned char)(v >> (8 * i));
    uint32_t c = crc32c(0, h, 36);
    for (int i = 0; i < 4; i++) h[36 + i] = (unsigned char)(c >> (8 * i));
}

static void test_header(void) {
    unsigned char h[JF_HEADER_SIZE];
    jf_header hd;
    char err[200];
    jf_header_encode(h, 77, 1700000000123ULL);
    CHECK_INT(jf_header_decode(h, sizeof h, &hd, err, sizeof err), 0);
    CHECK_INT(hd.generation, 77);
    CHECK_INT(hd.created_ms, 1700000000123ULL);
    CHECK_INT(jf_header_decode(h, 20, &hd, err, sizeof err), -1);
    CHECK_STR(err, "the file is shorter than a journal header (20 of 40 bytes)");
    /* a sound header of another format version: not damage (-2) */
    set_version(h, 2);
    CHECK_INT(jf_header_decode(h, sizeof h, &hd, err, sizeof err), -2);
    CHECK_STR(err, "journal format version 2 (this ndb reads version 1)");
    set_version(h, 1);
    CHECK_INT(jf_header_decode(h, sizeof h, &hd, err, sizeof err), 0);
    h[17] ^= 1;
    CHECK_INT(jf_header_decode(h, sizeof h, &hd, err, sizeof err), -1);
    CHECK_STR(err, "the journal header's checksum does not match");
    memcpy(h, "NOTAJRNL", 8);
    CHECK_INT(jf_header_decode(h, sizeof h, &hd, err, sizeof err), -1);
    CHECK_STR(err, "not a journal file (no NDBJOURN magic)");
}

/* Encode ch, check the frame, decode it and compare every field. */
static int roundtrip(const change *ch) {
    strbuf b = STRBUF_INIT;
    jf_record_encode(&b, ch, 0);
    const unsigned char *body;
    uint32_t len;
    change d;
    char err[200];
    int ok = jf_record_at((unsigned char *)b.buf, b.len, &body, &len) == JF_OK && len + JF_RECORD_HEAD == b.len &&
             jf_record_decode(body, len, &d, err, sizeof err) == 0;
    ok = ok && d.kind == ch->kind && d.cause == ch->cause && d.in_session == ch->in_session &&
         d.shared == ch->shared && d.tkn == ch->tkn && d.deadline_ns == ch->deadline_ns && d.count == ch->count &&
         d.ex.duration == ch->ex.duration && d.ex.delete_session == ch->ex.delete_session &&
         d.ex.extend_on_get == ch->ex.extend_on_get && d.ex.extend_on_set_add == ch->ex.extend_on_set_add &&
         (d.key == NULL) == (ch->key == NULL) && d.klen == ch->klen && (!ch->klen || !memcmp(d.key, ch->key, ch->klen)) &&
         (d.val == NULL) == (ch->val == NULL) && d.vlen == ch->vlen && (!ch->vlen || !memcmp(d.val, ch->val, ch->vlen));
    sb_free(&b);
    return ok;
}

static void test_records(void) {
    change c;
    memset(&c, 0, sizeof c);
    c.kind = CH_KEY_SET, c.cause = CAUSE_SET, c.key = "k", c.klen = 1, c.val = "[1,2.50]", c.vlen = 8;
    CHECK(roundtrip(&c));
    c.key = "", c.klen = 0; /* the empty key is a key, not an absent one */
    CHECK(roundtrip(&c));
    c.key = "a\0b", c.klen = 3, c.in_session = 1, c.tkn = UINT64_MAX, c.cause = CAUSE_LOAD;
    CHECK(roundtrip(&c));
    memset(&c, 0, sizeof c);
    c.kind = CH_KEY_RMV, c.cause = CAUSE_RMV, c.key = "gone", c.klen = 4;
    CHECK(roundtrip(&c));
    memset(&c, 0, sizeof c);
    c.kind = CH_MAP_CLEAR, c.cause = CAUSE_CLEAR, c.count = 300;
    CHECK(roundtrip(&c));
    memset(&c, 0, sizeof c);
    c.kind = CH_SESSION_NEW, c.cause = CAUSE_NEW, c.tkn = 9007199254740991ULL, c.shared = 1;
    c.ex.duration = 315360000, c.ex.delete_session = 1, c.ex.extend_on_set_add = 1;
    c.deadline_ns = 1764067200123456789ULL;
    CHECK(roundtrip(&c));
    c.ex.delete_session = 0, c.ex.extend_on_set_add = 0, c.ex.extend_on_get = 1;
    CHECK(roundtrip(&c));
    memset(&c, 0, sizeof c);
    c.kind = CH_SESSION_TOUCH, c.cause = CAUSE_EXTEND, c.tkn = 5, c.deadline_ns = 1;
    CHECK(roundtrip(&c));
    /* a kind this code does not know (e.g. a key deadline moved): every field still round-trips */
    memset(&c, 0, sizeof c);
    c.kind = 200, c.cause = 99, c.key = "key", c.klen = 3, c.deadline_ns = UINT64_MAX, c.count = 1, c.tkn = 1;
    CHECK(roundtrip(&c));
    /* a large value */
    char *big = malloc(300000);
    memset(big, 'x', 300000);
    memset(&c, 0, sizeof c);
    c.kind = CH_KEY_SET, c.cause = CAUSE_SET, c.key = "big", c.klen = 3, c.val = big, c.vlen = 300000;
    CHECK(roundtrip(&c));
    free(big);
}

static void test_bad_bodies(void) {
    change d;
    char err[200];
    const unsigned char zero_kind[] = {0, 1, 0};
    CHECK_INT(jf_record_decode(zero_kind, 3, &d, err, sizeof err), -1);
    CHECK_STR(err, "record of kind 0");
    const unsigned char short_body[] = {1, 1};
    CHECK_INT(jf_record_decode(short_body, 2, &d, err, sizeof err), -1);
    CHECK_STR(err, "record body of 2 bytes is too short");
    const unsigned char trunc_varint[] = {1, 1, 4, 0x80, 0x80};
    CHECK_INT(jf_record_decode(trunc_varint, sizeof trunc_varint, &d, err, sizeof err), -1);
    CHECK_STR(err, "record of kind 1 has a malformed token");
    const unsigned char long_key[] = {1, 1, 64, 5, 'a', 'b'};
    CHECK_INT(jf_record_decode(long_key, sizeof long_key, &d, err, sizeof err), -1);
    CHECK_STR(err, "record of kind 1 has a malformed key");
    const unsigned char extra[] = {1, 1, 64, 1, 'a', 'z'};
    CHECK_INT(jf_record_decode(extra, sizeof extra, &d, err, sizeof err), -1);
    CHECK_STR(err, "record of kind 1 has a malformed end (bytes left over)");
    const unsigned char bad_flags[] = {4, 9, 32, 5, 9};
    CHECK_INT(jf_record_decode(bad_flags, sizeof bad_flags, &d, err, sizeof err), -1);
    CHECK_STR(err, "record of kind 4 has a malformed expiry");
    const unsigned char overlong[] = {1, 1, 4, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    CHECK_INT(jf_record_decode(overlong, sizeof overlong, &d, err, sizeof err), -1);
}

/* ---------------------------------------------------------- files */

static char dir[] = "/tmp/ndb-jformat-XXXXXX";
static char path[256];

/* A journal of n records "k<i>" = i into b; offsets[i] = where record i starts. */
static void build(strbuf *b, unsigned n, size_t *offsets) {
    unsigned char h[JF_HEADER_SIZE];
    jf_header_encode(h, 3, 1);
    sb_reset(b);
    sb_add(b, h, sizeof h);
    for (unsigned i = 0; i < n; i++) {
        char k[16], v[16];
        change c;
        memset(&c, 0, sizeof c);
        snprintf(k, sizeof k, "k%u", i);
        snprintf(v, sizeof v, "%u", i);
        c.kind = CH_KEY_SET, c.cause = CAUSE_SET, c.key = k, c.klen = strlen(k), c.val = v, c.vlen = strlen(v);
        offsets[i] = b->len;
        jf_record_encode(b, &c, 0);
    }
}

static void put(const char *bytes, size_t n) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, bytes, n) != (ssize_t)n) abort();
    close(fd);
}

/* Read the file: how many records came out, whether it ended cleanly (1),
 * and if not, whether the rest is a torn tail; *bad_at = where it stopped. */
static unsigned scan(int *clean, int *torn, size_t *bad_at) {
    jscan s;
    char err[200];
    change c;
    unsigned n = 0;
    *clean = *torn = 0;
    if (jscan_open(&s, path, err, sizeof err)) return 0;
    int rc;
    while ((rc = jscan_next(&s, &c, err, sizeof err)) == 1) n++;
    *clean = rc == 0;
    if (rc < 0) *torn = jscan_rest_is_torn(&s);
    *bad_at = s.off;
    jscan_close(&s);
    return n;
}

static void test_files(void) {
    if (!mkdtemp(dir)) abort();
    snprintf(path, sizeof path, "%s/j", dir);
    strbuf b = STRBUF_INIT;
    size_t off[10], at;
    int clean, torn;
    build(&b, 10, off);

    put(b.buf, b.len); /* intact */
    CHECK_INT(scan(&clean, &torn, &at), 10);
    CHECK_INT(clean, 1);

    for (size_t cut = 1; cut < b.len - off[9]; cut++) { /* the last record cut at every byte: a torn tail */
        put(b.buf, b.len - cut);
        CHECK_INT(scan(&clean, &torn, &at), 9);
        CHECK(!clean && torn && at == off[9]);
    }

    /* zeros after the last record (space reserved under `always`, or a
     * power loss): the clean end, where they start */
    strbuf z = STRBUF_INIT;
    sb_add(&z, b.buf, b.len);
    for (int i = 0; i < 100; i++) sb_addc(&z, 0);
    put(z.buf, z.len);
    CHECK_INT(scan(&clean, &torn, &at), 10);
    CHECK(clean && !torn && at == b.len);
    /* ... but not when anything follows them: the walk stops at the zeros */
    sb_addc(&z, 1);
    put(z.buf, z.len);
    CHECK_INT(scan(&clean, &torn, &at), 10);
    CHECK(!clean && torn && at == b.len);

    b.buf[off[4] + 10] ^= 0x20; /* a flipped bit in the middle: damage, 4 good records before it */
    put(b.buf, b.len);
    CHECK_INT(scan(&clean, &torn, &at), 4);
    CHECK(!clean && !torn && at == off[4]);
    b.buf[off[4] + 10] ^= 0x20;

    b.buf[off[9] + 9] ^= 1; /* the last record is whole but its checksum fails: damage, not torn */
    put(b.buf, b.len);
    CHECK_INT(scan(&clean, &torn, &at), 9);
    CHECK(!clean && !torn && at == off[9]);
    b.buf[off[9] + 9] ^= 1;

    { /* the last record's end never written (zeros, as in reserved space): torn */
        strbuf t = STRBUF_INIT;
        sb_add(&t, b.buf, b.len);
        memset(t.buf + t.len - 3, 0, 3);
        for (int i = 0; i < 50; i++) sb_addc(&t, 0);
        put(t.buf, t.len);
        CHECK_INT(scan(&clean, &torn, &at), 9);
        CHECK(!clean && torn && at == off[9]);
        sb_free(&t);
    }

    b.buf[off[2] + 3] = 0x7f; /* a length pointing past the end, in the middle: damage, not torn */
    put(b.buf, b.len);
    CHECK_INT(scan(&clean, &torn, &at), 2);
    CHECK(!clean && !torn && at == off[2]);

    put(b.buf, 17); /* a header cut short */
    jscan s;
    char err[200];
    CHECK_INT(jscan_open(&s, path, err, sizeof err), -1);
    CHECK_STR(err, "the file is shorter than a journal header (17 of 40 bytes)");
    CHECK(jscan_torn_header(&s)); /* the header's write cut short by a crash */
    jscan_close(&s);
    put("\0\0\0\0\0\0\0\0\0\0", 10); /* created, never written */
    CHECK_INT(jscan_open(&s, path, err, sizeof err), -1);
    CHECK(jscan_torn_header(&s));
    jscan_close(&s);
    put("NDBJ\0\0\0\0", 8); /* a prefix of the magic, then zeros a power loss left */
    CHECK_INT(jscan_open(&s, path, err, sizeof err), -1);
    CHECK(jscan_torn_header(&s));
    jscan_close(&s);
    put("hello\n", 6); /* short, but not the start of a header: a foreign file */
    CHECK_INT(jscan_open(&s, path, err, sizeof err), -1);
    CHECK_STR(err, "the file is shorter than a journal header (6 of 40 bytes)");
    CHECK(!jscan_torn_header(&s));
    jscan_close(&s);
    put(b.buf + 4, 30); /* header bytes, but not from its start */
    CHECK_INT(jscan_open(&s, path, err, sizeof err), -1);
    CHECK(!jscan_torn_header(&s));
    jscan_close(&s);
    /* a file of another format version, records and all: not damage (-2),
     * so no repair cuts it away */
    set_version((unsigned char *)b.buf, 3);
    put(b.buf, b.len);
    char want[400];
    snprintf(want, sizeof want,
             "journal file %s was written by another version of ndb, in journal format version 3 (this ndb reads "
             "version 1): start that version",
             path);
    CHECK_INT(jscan_open(&s, path, err, sizeof err), -2);
    CHECK_STR(err, want);
    CHECK(s.map == NULL && s.size == 0); /* nothing held: recovery's -2 path has no close */
    jscan_close(&s);

    sb_free(&b);
    sb_free(&z);
    unlink(path);
    rmdir(dir);
}

/* Units (journal_format.h): records 4..7 written as one unit (JF_MORE on
 * 4, 5 and 6) come out only when the whole unit is there. */
static void test_units(void) {
    if (mkdir(dir, 0700)) abort(); /* test_files made it and removed it */
    strbuf b = STRBUF_INIT;
    size_t off[10], at;
    int clean, torn;
    build(&b, 10, off);
    for (int i = 4; i <= 6; i++) jf_record_set_more((unsigned char *)b.buf + off[i], 1);
    change c;
    char err[200];
    CHECK_INT(jf_record_decode((unsigned char *)b.buf + off[4] + JF_RECORD_HEAD, off[5] - off[4] - JF_RECORD_HEAD, &c,
                               err, sizeof err),
              0);
    CHECK_INT(c.cause, CAUSE_SET); /* the flag is not part of the cause */
    CHECK(jf_body_more((unsigned char *)b.buf + off[4] + JF_RECORD_HEAD));
    CHECK(!jf_body_more((unsigned char *)b.buf + off[7] + JF_RECORD_HEAD));

    put(b.buf, b.len); /* intact: every record */
    CHECK_INT(scan(&clean, &torn, &at), 10);
    CHECK_INT(clean, 1);

    /* a crash inside the unit's write, at any byte (also between two of its
     * records): none of the unit comes out, and it is a torn tail */
    for (size_t end = off[4] + 1; end < off[8]; end++) {
        put(b.buf, end);
        CHECK_INT(scan(&clean, &torn, &at), 4);
        CHECK(!clean && torn && at == off[4]);
    }

    /* a bad record inside the unit, with a good record after: damage at
     * the unit's start, none of the unit applied */
    b.buf[off[6] + 10] ^= 0x20;
    put(b.buf, b.len);
    CHECK_INT(scan(&clean, &torn, &at), 4);
    CHECK(!clean && !torn && at == off[4]);
    b.buf[off[6] + 10] ^= 0x20;

    /* clearing the flag again makes record 6 end a unit of its own */
    jf_record_set_more((unsigned char *)b.buf + off[6], 0);
    put(b.buf, off[7] + 3);
    CHECK_INT(scan(&clean, &torn, &at), 7);
    CHECK(!clean && torn && at == off[7]);
    sb_free(&b);
    unlink(path);
    rmdir(dir);
}

int main(void) {
    test_crc32c();
    test_header();
    test_records();
    test_bad_bodies();
    test_files();
    test_units();
    return UNIT_DONE();
}
