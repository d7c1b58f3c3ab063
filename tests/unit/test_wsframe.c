/*
 * test_wsframe.c — WebSocket frame encoding and header decoding
 * (src/common/wsframe.c): exact bytes for every length form, masked and
 * unmasked, the examples of RFC 6455 5.7, close frames, and headers that
 * are cut short.
 */
#include <stdlib.h>

#include "common/strbuf.h"
#include "common/wsframe.h"
#include "unit.h"

/* The bytes as lower-case hex, space-separated (a static buffer). */
static const char *hex(const unsigned char *p, size_t n) {
    static strbuf sb = STRBUF_INIT;
    sb_reset(&sb);
    for (size_t i = 0; i < n; i++) sb_addf(&sb, i ? " %02x" : "%02x", p[i]);
    sb_addc(&sb, '\0');
    return sb.buf;
}

static const unsigned char rfc_mask[4] = {0x37, 0xfa, 0x21, 0x3d};

static void test_headers(void) {
    unsigned char h[WSF_MAX_HEADER];
    static const unsigned char key[4] = {1, 2, 3, 4};
    size_t n;

    n = wsf_header(h, WSF_TEXT, 0, NULL);
    CHECK_STR(hex(h, n), "81 00");
    n = wsf_header(h, WSF_TEXT, 125, NULL);
    CHECK_STR(hex(h, n), "81 7d");
    n = wsf_header(h, WSF_TEXT, 126, NULL);
    CHECK_STR(hex(h, n), "81 7e 00 7e");
    n = wsf_header(h, WSF_BINARY, 256, NULL); /* RFC 6455 5.7 */
    CHECK_STR(hex(h, n), "82 7e 01 00");
    n = wsf_header(h, WSF_TEXT, 65535, NULL);
    CHECK_STR(hex(h, n), "81 7e ff ff");
    n = wsf_header(h, WSF_BINARY, 65536, NULL); /* RFC 6455 5.7 */
    CHECK_STR(hex(h, n), "82 7f 00 00 00 00 00 01 00 00");
    n = wsf_header(h, WSF_TEXT, 0x0102030405060708ULL, NULL);
    CHECK_STR(hex(h, n), "81 7f 01 02 03 04 05 06 07 08");

    n = wsf_header(h, WSF_TEXT, 5, key);
    CHECK_STR(hex(h, n), "81 85 01 02 03 04");
    n = wsf_header(h, WSF_CLOSE, 300, key);
    CHECK_STR(hex(h, n), "88 fe 01 2c 01 02 03 04");
    n = wsf_header(h, WSF_TEXT, 70000, key);
    CHECK_STR(hex(h, n), "81 ff 00 00 00 00 00 01 11 70 01 02 03 04");
    CHECK_INT(n, WSF_MAX_HEADER);
}

static void test_encode(void) {
    unsigned char f[64];
    size_t n;
    /* RFC 6455 5.7: single-frame unmasked and masked "Hello", unmasked ping */
    n = wsf_encode(f, WSF_TEXT, "Hello", 5, NULL);
    CHECK_STR(hex(f, n), "81 05 48 65 6c 6c 6f");
    n = wsf_encode(f, WSF_TEXT, "Hello", 5, rfc_mask);
    CHECK_STR(hex(f, n), "81 85 37 fa 21 3d 7f 9f 4d 51 58");
    n = wsf_encode(f, WSF_PING, "Hello", 5, NULL);
    CHECK_STR(hex(f, n), "89 05 48 65 6c 6c 6f");
    n = wsf_encode(f, WSF_PONG, "Hello", 5, rfc_mask);
    CHECK_STR(hex(f, n), "8a 85 37 fa 21 3d 7f 9f 4d 51 58");
    /* empty payloads: a header only (the payload pointer is not read) */
    n = wsf_encode(f, WSF_TEXT, NULL, 0, NULL);
    CHECK_STR(hex(f, n), "81 00");
    n = wsf_encode(f, WSF_TEXT, NULL, 0, rfc_mask);
    CHECK_STR(hex(f, n), "81 80 37 fa 21 3d");

    /* a payload long enough for the word-at-a-time path, and an odd tail */
    unsigned char big[200], out[300], back[200];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (unsigned char)(i * 7 + 1);
    n = wsf_encode(out, WSF_BINARY, big, sizeof big, rfc_mask);
    CHECK_INT(n, 4 + 4 + sizeof big);
    CHECK_STR(hex(out, 8), "82 fe 00 c8 37 fa 21 3d");
    int ok = 1;
    for (size_t i = 0; i < sizeof big; i++) ok &= out[8 + i] == (big[i] ^ rfc_mask[i % 4]);
    CHECK(ok);
    wsf_mask(back, out + 8, sizeof big, rfc_mask); /* masking twice restores */
    CHECK(memcmp(back, big, sizeof big) == 0);
    memcpy(back, big, 13);
    wsf_mask(back, back, 13, rfc_mask); /* in place */
    CHECK(memcmp(back, out + 8, 13) == 0);
}

static void test_close(void) {
    unsigned char f[WSF_MAX_CLOSE_FRAME];
    size_t n;
    n = wsf_close_frame(f, 1000, NULL, NULL);
    CHECK_STR(hex(f, n), "88 02 03 e8");
    n = wsf_close_frame(f, 1009, "too big", NULL);
    CHECK_STR(hex(f, n), "88 09 03 f1 74 6f 6f 20 62 69 67");
    n = wsf_close_frame(f, 1000, "", rfc_mask);
    CHECK_STR(hex(f, n), "88 82 37 fa 21 3d 34 12");
    n = wsf_close_frame(f, 1001, "ab", rfc_mask);
    CHECK_STR(hex(f, n), "88 84 37 fa 21 3d 34 13 40 5f");
    /* a reason longer than a control frame holds is cut to 123 bytes */
    char lng[200];
    memset(lng, 'x', sizeof lng - 1);
    lng[sizeof lng - 1] = '\0';
    n = wsf_close_frame(f, 1008, lng, NULL);
    CHECK_INT(n, 2 + WSF_MAX_CONTROL);
    CHECK_STR(hex(f, 4), "88 7d 03 f0");
    CHECK(f[n - 1] == 'x');
    n = wsf_close_frame(f, 1008, lng, rfc_mask);
    CHECK_INT(n, WSF_MAX_CLOSE_FRAME - 8);
    CHECK_STR(hex(f, 2), "88 fd");
}

static void test_decode(void) {
    wsf_head h;
    unsigned char f[32];
    size_t n = wsf_encode(f, WSF_TEXT, "Hello", 5, rfc_mask);
    CHECK_INT(wsf_decode_header(f, n, &h), 1);
    CHECK(h.fin && h.rsv == 0 && h.opcode == WSF_TEXT && h.masked && h.len == 5 && h.size == 6);
    CHECK(memcmp(h.mask, rfc_mask, 4) == 0);

    /* cut short: 0 and the bytes the header needs */
    CHECK_INT(wsf_decode_header(f, 0, &h), 0);
    CHECK_INT(h.size, 2);
    CHECK_INT(wsf_decode_header(f, 1, &h), 0);
    CHECK_INT(h.size, 2);
    CHECK_INT(wsf_decode_header(f, 5, &h), 0);
    CHECK_INT(h.size, 6);
    CHECK_INT(wsf_decode_header(f, 6, &h), 1);

    n = wsf_header(f, WSF_BINARY, 65536, NULL);
    CHECK_INT(wsf_decode_header(f, 9, &h), 0);
    CHECK_INT(h.size, 10);
    CHECK_INT(wsf_decode_header(f, n, &h), 1);
    CHECK(h.opcode == WSF_BINARY && !h.masked && h.len == 65536 && h.size == 10);
    n = wsf_header(f, WSF_CLOSE, 300, NULL);
    CHECK_INT(wsf_decode_header(f, 3, &h), 0);
    CHECK_INT(h.size, 4);
    CHECK_INT(wsf_decode_header(f, n, &h), 1);
    CHECK(h.len == 300 && h.size == 4);

    /* what a peer may send that ndb never writes: no FIN, reserved bits, odd opcodes */
    static const unsigned char odd[] = {0x72, 0x03};
    CHECK_INT(wsf_decode_header(odd, sizeof odd, &h), 1);
    CHECK(!h.fin && h.rsv == 7 && h.opcode == 2 && h.len == 3 && h.size == 2);
    static const unsigned char cont[] = {0x8b, 0x00};
    CHECK_INT(wsf_decode_header(cont, sizeof cont, &h), 1);
    CHECK(h.fin && h.rsv == 0 && h.opcode == 0xb && h.len == 0);
    static const unsigned char huge[] = {0x81, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    CHECK_INT(wsf_decode_header(huge, sizeof huge, &h), 1);
    CHECK(h.len == UINT64_MAX && h.size == 10);
}

int main(void) {
    test_headers();
    test_encode();
    test_close();
    test_decode();
    return UNIT_DONE();
}
