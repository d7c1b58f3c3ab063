/*
 * fuzz_wsin.c — libFuzzer harness: the server's frame reader for direct
 * connections (src/server/wsin.c) on arbitrary bytes.
 *
 * The input is read as a direct connection's receive buffer would be: the
 * first byte chooses how many bytes arrive at a time (1 to 256), and after
 * each arrival every complete frame at the front is taken off.  For every
 * answer the harness checks what the caller relies on:
 *   - FRAME: the frame fits in what arrived, its payload is the bytes
 *     right after its header, unmasked exactly as a byte-by-byte XOR with
 *     the header's key would give, and the header agrees with
 *     wsf_decode_header;
 *   - MORE: a complete header promises more bytes than arrived; an
 *     incomplete one asks for more than arrived as well;
 *   - the same bytes read again give the same answer (no hidden state).
 * Anything else aborts: a finding.  ASan reports any read outside the
 * buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/wsframe.h"
#include "server/wsin.h"

#define FAIL(what)                                                       \
    do {                                                                 \
        fprintf(stderr, "fuzz_wsin: %s (line %d)\n", what, __LINE__);  \
        abort();                                                         \
    } while (0)

/* Check one answer of wsin_next for the `avail` bytes at p, which held
 * `orig` (the same bytes, still masked) before the call. */
static void check(int r, const wsin_frame *f, int head_done, const unsigned char *p, const unsigned char *orig,
                  size_t avail) {
    wsf_head h;
    int whole = wsf_decode_header(orig, avail, &h);
    if (r == WSIN_ERROR) {
        int data_ok = h.opcode <= 2 && (h.len >> 63) == 0 && h.len <= SIZE_MAX - h.size;
        int control_ok = h.opcode >= 8 && h.opcode <= 10 && h.fin && h.len <= WSF_MAX_CONTROL;
        if (whole && !h.rsv && h.masked && (data_ok || control_ok)) FAIL("a valid header called an error");
        return;
    }
    if (r == WSIN_MORE) {
        if (f->payload) FAIL("MORE with a payload");
        if (f->size <= avail) FAIL("MORE but the frame fits");
        if (head_done != whole) FAIL("head_done disagrees with the header decoder");
        return;
    }
    if (r != WSIN_FRAME) FAIL("unknown answer");
    if (!whole || !head_done) FAIL("FRAME without a complete header");
    if (f->size > avail || f->size != h.size + h.len) FAIL("FRAME size");
    if (f->payload != p + h.size) FAIL("payload not right after the header");
    if (f->opcode != h.opcode || f->fin != h.fin || f->len != h.len) FAIL("fields");
    for (size_t i = 0; i < (size_t)h.len; i++)
        if (f->payload[i] != (orig[h.size + i] ^ h.mask[i & 3])) FAIL("payload not unmasked");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    size_t step = (size_t)data[0] + 1;
    data++;
    size--;
    unsigned char *buf = malloc(size ? size : 1);
    unsigned char *orig = malloc(size ? size : 1);
    size_t have = 0, off = 0; /* bytes arrived; bytes taken off as frames */
    while (have < size) {
        size_t k = size - have < step ? size - have : step;
        memcpy(buf + have, data + have, k);
        have += k;
        for (;;) {
            size_t avail = have - off;
            memcpy(orig, buf + off, avail);
            wsin_frame f, again;
            int done, done2;
            int r = wsin_next(buf + off, avail, &f, &done);
            check(r, &f, done, buf + off, orig, avail);
            if (r != WSIN_FRAME) {
                /* the same bytes again: the same answer */
                int r2 = wsin_next(buf + off, avail, &again, &done2);
                if (r2 != r || done2 != done || (r == WSIN_MORE && again.size != f.size)) FAIL("not repeatable");
                if (r == WSIN_ERROR) have = size; /* the connection would close: stop */
                break;
            }
            off += f.size;
        }
    }
    free(orig);
    free(buf);
    return 0;
}
