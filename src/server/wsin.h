/*
 * wsin.h — reading a client's WebSocket frames out of a receive buffer
 * (RFC 6455 5.2), for the connections whose socket the server reads itself
 * (direct.c).
 *
 * The buffer holds what was received and not yet consumed; wsin_next looks
 * at the frame at its start.  A complete frame's payload is unmasked in
 * place (eight bytes at a time, wsf_mask) and handed out as a pointer into
 * the buffer: a message in one frame reaches dispatch without a copy.
 * Only what RFC 6455 requires of every frame is checked here (masking, no
 * reserved bits or unknown opcodes, control frames final and at most 125
 * bytes, a 63-bit length); the message level — continuation order, size
 * limits, UTF-8 — is the caller's.
 *
 * No allocation, no state between calls.
 */
#ifndef NDB_WSIN_H
#define NDB_WSIN_H

#include <stddef.h>
#include <stdint.h>

typedef struct wsin_frame {
    unsigned opcode;        /* WSF_* of common/wsframe.h */
    int fin;                /* the final frame of its message */
    uint64_t len;           /* payload length */
    size_t size;            /* header + payload: bytes the frame takes */
    unsigned char *payload; /* WSIN_FRAME: the unmasked payload, in the buffer */
} wsin_frame;

enum {
    WSIN_ERROR = -1, /* a protocol error: close the connection with 1002 */
    WSIN_MORE = 0,   /* incomplete: f->size is how many bytes the frame needs
                      * (the header's, until the header is complete) */
    WSIN_FRAME = 1,  /* a complete frame: f is filled in, the payload unmasked */
};

/* Look at the frame at the start of buf (avail bytes).  Returns WSIN_FRAME,
 * WSIN_MORE or WSIN_ERROR as above; on WSIN_MORE after a complete header,
 * *head_done is set to 1 (so the caller can check the length against its
 * limits before the payload arrives), else 0. */
int wsin_next(unsigned char *buf, size_t avail, wsin_frame *f, int *head_done);

#endif
