/*
 * test_wsin.c — the server's frame reader for direct connections
 * (src/server/wsin.c): complete frames of every length form unmasked in
 * place, frames cut at every byte, back-to-back frames, and each header
 * that RFC 6455 makes a protocol error.
 */
#include <stdlib.h>

#include "common/wsframe.h"
#include "server/wsin.h"
#include "unit.h"

static const unsigned char key[4] = {0x37, 0xfa, 0x21, 0x3d};

/* A masked client frame of `len` bytes of a known pattern into out (which
 * must hold WSF_MAX_HEADER + len bytes); returns its size. */
static size_t client_frame(unsigned char *out, unsigned opcode, size_t len) {
    unsigned char *p = malloc(len ? len : 1);
    for (size_t i = 0; i < len; i++) p[i] = (unsigned char)('a' + i % 26);
    size_t n = wsf_encode(out, opcode, p, len, key);
    free(p);
    return n;
}

/* Does payload hold the pattern of client_frame? */
static int pattern_ok(const unsigned char *payload, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (payload[i] != (unsigned char)('a' + i % 26)) return 0;
    return 1;
}

/* One complete frame of each length form: FRAME, fields, payload unmasked
 * in place right after the header. */
static void test_complete(void) {
    static const size_t lens[] = {0, 1, 7, 8, 9, 37, 125, 126, 200, 65535, 65536, 100000};
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        size_t len = lens[k];
        unsigned char *buf = malloc(WSF_MAX_HEADER + len);
        size_t n = client_frame(buf, WSF_TEXT, len);
        size_t head = n - len;
        CHECK_INT(head, len < 126 ? 6 : len < 65536 ? 8 : 14);
        wsin_frame f;
        int done = -1;
        CHECK_INT(wsin_next(buf, n, &f, &done), WSIN_FRAME);
        CHECK_INT(done, 1);
        CHECK_INT(f.opcode, WSF_TEXT);
        CHECK_INT(f.fin, 1);
        CHECK_INT(f.len, len);
        CHECK_INT(f.size, n);
        CHECK(f.payload == buf + head);
        CHECK(pattern_ok(f.payload, len));
        free(buf);
    }
}

/* A frame cut short at every byte: MORE, with the size needed so far (the
 * header's until it is complete, then the whole frame's). */
static void test_cut(void) {
    unsigned char buf[WSF_MAX_HEADER + 300];
    size_t n = client_frame(buf, WSF_BINARY, 300); /* 8-byte header */
    for (size_t avail = 0; avail < n; avail++) {
        unsigned char copy[sizeof buf];
        memcpy(copy, buf, n);
        wsin_frame f;
        int done = -1;
        CHECK_INT(wsin_next(copy, avail, &f, &done), WSIN_MORE);
        CHECK(f.payload == NULL);
        if (avail < 2) {
            CHECK_INT(done, 0);
            CHECK_INT(f.size, 2);
        } else if (avail < 8) {
            CHECK_INT(done, 0);
            CHECK_INT(f.size, 8); /* 2 + 2 length bytes + 4 mask bytes */
        } else {
            CHECK_INT(done, 1);
            CHECK_INT(f.size, n);
            CHECK_INT(f.len, 300);
            CHECK_INT(f.opcode, WSF_BINARY);
        }
        CHECK(memcmp(copy, buf, n) == 0); /* nothing unmasked before it is complete */
    }
    /* a 64-bit length: known from its header alone */
    unsigned char big[14];
    size_t hn = wsf_header(big, WSF_TEXT, (size_t)1 << 32, key);
    CHECK_INT(hn, 14);
    wsin_frame f;
    int done = 0;
    CHECK_INT(wsin_next(big, hn, &f, &done), WSIN_MORE);
    CHECK_INT(done, 1);
    CHECK_INT(f.len, (uint64_t)1 << 32);
    CHECK_INT(f.size, ((uint64_t)1 << 32) + 14);
}

/* Frames back to back, a fragmented message and control frames: each is
 * read at the offset the previous one's size gives. */
static void test_sequence(void) {
    unsigned char buf[4 * (WSF_MAX_HEADER + 130)];
    size_t n = 0;
    n += client_frame(buf + n, WSF_TEXT, 10);
    buf[0] &= 0x7f; /* not final: the start of a fragmented message */
    n += client_frame(buf + n, WSF_PING, 125);
    n += client_frame(buf + n, WSF_CONT, 130);
    n += client_frame(buf + n, WSF_CLOSE, 2);
    static const unsigned want_op[] = {WSF_TEXT, WSF_PING, WSF_CONT, WSF_CLOSE};
    static const int want_fin[] = {0, 1, 1, 1};
    static const uint64_t want_len[] = {10, 125, 130, 2};
    size_t off = 0;
    for (int i = 0; i < 4; i++) {
        wsin_frame f;
        int done;
        CHECK_INT(wsin_next(buf + off, n - off, &f, &done), WSIN_FRAME);
        CHECK_INT(f.opcode, want_op[i]);
        CHECK_INT(f.fin, want_fin[i]);
        CHECK_INT(f.len, want_len[i]);
        CHECK(pattern_ok(f.payload, (size_t)f.len));
        off += f.size;
    }
    CHECK_INT(off, n);
}

/* Check that the frame in buf (n bytes) is a protocol error. */
static void expect_error(const unsigned char *buf, size_t n, int line) {
    unsigned char copy[WSF_MAX_HEADER + 200];
    memcpy(copy, buf, n);
    wsin_frame f;
    int done;
    int r = wsin_next(copy, n, &f, &done);
    if (r != WSIN_ERROR) fprintf(stderr, "test_wsin.c:%d: not an error\n", line);
    CHECK_INT(r, WSIN_ERROR);
}

/* Each header RFC 6455 makes an error: reserved bits (no extension was
 * agreed), no mask (5.1), unknown opcodes, control frames fragmented or
 * over 125 bytes (5.5), a 64-bit length with its top bit set (5.2). */
static void test_errors(void) {
    unsigned char buf[WSF_MAX_HEADER + 200];
    size_t n;
    for (unsigned rsv = 1; rsv < 8; rsv++) {
        n = client_frame(buf, WSF_TEXT, 5);
        buf[0] |= (unsigned char)(rsv << 4);
        expect_error(buf, n, __LINE__);
        expect_error(buf, 2, __LINE__); /* told by the first two bytes */
    }
    n = wsf_encode(buf, WSF_TEXT, "hello", 5, NULL); /* unmasked */
    expect_error(buf, n, __LINE__);
    expect_error(buf, 2, __LINE__);
    static const unsigned bad_ops[] = {3, 4, 5, 6, 7, 11, 12, 13, 14, 15};
    for (size_t i = 0; i < sizeof bad_ops / sizeof bad_ops[0]; i++) {
        n = client_frame(buf, bad_ops[i], 3);
        expect_error(buf, n, __LINE__);
    }
    static const unsigned ctl_ops[] = {WSF_CLOSE, WSF_PING, WSF_PONG};
    for (size_t i = 0; i < 3; i++) {
        n = client_frame(buf, ctl_ops[i], 4);
        buf[0] &= 0x7f; /* a fragmented control frame */
        expect_error(buf, n, __LINE__);
        n = client_frame(buf, ctl_ops[i], 126); /* over 125 bytes */
        expect_error(buf, n, __LINE__);
    }
    n = wsf_header(buf, WSF_BINARY, 70000, key);
    buf[2] |= 0x80; /* the most significant bit of the 64-bit length */
    expect_error(buf, n, __LINE__);
}

int main(void) {
    test_complete();
    test_cut();
    test_sequence();
    test_errors();
    return UNIT_DONE();
}
