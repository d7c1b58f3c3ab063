/*
 * wsframe.c — WebSocket frame encoding and header decoding (see wsframe.h).
 *
 * Lengths use the shortest form RFC 6455 allows (7 bits, 16 bits, 64 bits):
 * receivers may insist on it.  Masking runs a word at a time because the
 * clients mask every byte they send, which at benchmark rates is the one
 * per-byte cost on their side.
 */
#include "common/wsframe.h"

#include <string.h>

/* Write the header (see wsframe.h). */
size_t wsf_header(unsigned char h[WSF_MAX_HEADER], unsigned opcode, uint64_t len,
                  const unsigned char *mask) {
    unsigned char m = mask ? 0x80 : 0;
    size_t n = 2;
    h[0] = (unsigned char)(0x80 | (opcode & 0x0f)); /* FIN + opcode */
    if (len < 126) {
        h[1] = (unsigned char)(m | len);
    } else if (len < 65536) {
        h[1] = m | 126;
        h[2] = (unsigned char)(len >> 8);
        h[3] = (unsigned char)len;
        n = 4;
    } else {
        h[1] = m | 127;
        for (int i = 0; i < 8; i++) h[2 + i] = (unsigned char)(len >> (56 - 8 * i));
        n = 10;
    }
    if (mask) {
        memcpy(h + n, mask, 4);
        n += 4;
    }
    return n;
}

/* XOR with the repeated key (see wsframe.h). */
void wsf_mask(unsigned char *dst, const unsigned char *src, size_t n, const unsigned char mask[4]) {
    unsigned char m8[8];
    uint64_t m, w;
    size_t i = 0;
    memcpy(m8, mask, 4);
    memcpy(m8 + 4, mask, 4);
    memcpy(&m, m8, 8);
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, src + i, 8);
        w ^= m;
        memcpy(dst + i, &w, 8);
    }
    for (; i < n; i++) dst[i] = src[i] ^ mask[i & 3];
}

/* Header plus (masked) payload (see wsframe.h). */
size_t wsf_encode(unsigned char *out, unsigned opcode, const void *payload, size_t len,
                  const unsigned char *mask) {
    size_t h = wsf_header(out, opcode, len, mask);
    if (len == 0) return h;
    if (mask) wsf_mask(out + h, payload, len, mask);
    else memcpy(out + h, payload, len);
    return h + len;
}

/* Close frame with a code and a reason (see wsframe.h). */
size_t wsf_close_frame(unsigned char out[WSF_MAX_CLOSE_FRAME], unsigned code, const char *reason,
                       const unsigned char *mask) {
    unsigned char p[WSF_MAX_CONTROL];
    size_t rn = reason ? strlen(reason) : 0;
    if (rn > WSF_MAX_CLOSE_REASON) rn = WSF_MAX_CLOSE_REASON;
    p[0] = (unsigned char)(code >> 8);
    p[1] = (unsigned char)code;
    if (rn) memcpy(p + 2, reason, rn);
    return wsf_encode(out, WSF_CLOSE, p, 2 + rn, mask);
}

/* Decode a header (see wsframe.h). */
int wsf_decode_header(const unsigned char *p, size_t avail, wsf_head *h) {
    memset(h, 0, sizeof *h);
    h->size = 2;
    if (avail < 2) return 0;
    h->fin = (p[0] & 0x80) != 0;
    h->rsv = (p[0] >> 4) & 7;
    h->opcode = p[0] & 0x0f;
    h->masked = (p[1] & 0x80) != 0;
    uint64_t n = p[1] & 0x7f;
    size_t lenbytes = n == 126 ? 2 : n == 127 ? 8 : 0;
    h->size = 2 + lenbytes + (h->masked ? 4 : 0);
    if (avail < h->size) return 0;
    if (lenbytes) {
        n = 0;
        for (size_t i = 0; i < lenbytes; i++) n = n << 8 | p[2 + i];
    }
    h->len = n;
    if (h->masked) memcpy(h->mask, p + 2 + lenbytes, 4);
    return 1;
}
