/*
 * wsframe.h — WebSocket frame encoding and header decoding (RFC 6455 5.2),
 * the one copy used by the server's transport, the CLI's client
 * (wsclient.c) and `ndb bench` (bench_conn.c).
 *
 * These are plain byte functions: no sockets, no allocation, no state.
 * Frames from a server to a client are unmasked; frames from a client carry
 * a 4-byte masking key (the caller chooses it: the CLI draws it from
 * getrandom, the benchmark from a cheap generator) and a masked payload.
 * Every frame written here is final (FIN set): ndb never fragments what it
 * sends.
 */
#ifndef NDB_WSFRAME_H
#define NDB_WSFRAME_H

#include <stddef.h>
#include <stdint.h>

enum {
    WSF_CONT = 0x0,
    WSF_TEXT = 0x1,
    WSF_BINARY = 0x2,
    WSF_CLOSE = 0x8,
    WSF_PING = 0x9,
    WSF_PONG = 0xA,
};

/* Longest header: 2 bytes, an 8-byte length and a 4-byte masking key. */
#define WSF_MAX_HEADER 14
/* Longest payload of a control frame (close, ping, pong). */
#define WSF_MAX_CONTROL 125
/* Longest close reason: the payload less the 2-byte code. */
#define WSF_MAX_CLOSE_REASON (WSF_MAX_CONTROL - 2)
/* Longest close frame. */
#define WSF_MAX_CLOSE_FRAME (WSF_MAX_HEADER + WSF_MAX_CONTROL)

/*
 * Write into h the header of a final frame with the given opcode and a
 * payload of len bytes: unmasked when mask is NULL, else with the 4-byte
 * masking key mask (the payload must then be masked with the same key, see
 * wsf_mask).  Returns the header's length: 2, 4 or 10, plus 4 when masked.
 */
size_t wsf_header(unsigned char h[WSF_MAX_HEADER], unsigned opcode, uint64_t len,
                  const unsigned char *mask);

/* dst[i] = src[i] XOR mask[i % 4] for i < n; dst may be src (in place). */
void wsf_mask(unsigned char *dst, const unsigned char *src, size_t n, const unsigned char mask[4]);

/*
 * Write a whole final frame (header, then the payload, masked with mask
 * unless mask is NULL) to out, which must have room for
 * WSF_MAX_HEADER + len bytes.  Returns the frame's length.
 */
size_t wsf_encode(unsigned char *out, unsigned opcode, const void *payload, size_t len,
                  const unsigned char *mask);

/*
 * Write a close frame with status code `code` and the reason text (may be
 * NULL; cut to WSF_MAX_CLOSE_REASON bytes) to out, which must have room for
 * WSF_MAX_CLOSE_FRAME bytes; masked unless mask is NULL.  Returns the
 * frame's length.
 */
size_t wsf_close_frame(unsigned char out[WSF_MAX_CLOSE_FRAME], unsigned code, const char *reason,
                       const unsigned char *mask);

/* A decoded frame header. */
typedef struct wsf_head {
    int fin;                /* final frame of a message */
    unsigned rsv;           /* the three reserved bits (0 unless an extension is in use) */
    unsigned opcode;
    int masked;
    unsigned char mask[4];  /* the masking key when masked */
    uint64_t len;           /* payload length */
    size_t size;            /* header length */
} wsf_head;

/*
 * Decode the header of the frame starting at p, of which avail bytes are
 * present.  Returns 1 with *h filled in; or 0 when avail does not hold the
 * whole header yet, with h->size set to the number of bytes it needs (2
 * while the first two bytes are missing, else the exact header length).
 * Validity (reserved bits, opcodes, lengths) is left to the caller.
 */
int wsf_decode_header(const unsigned char *p, size_t avail, wsf_head *h);

#endif
