/*
 * wsin.c — a client's frames out of a receive buffer (see wsin.h).
 */
#include "server/wsin.h"

#include "common/wsframe.h"

int wsin_next(unsigned char *buf, size_t avail, wsin_frame *f, int *head_done) {
    wsf_head h;
    *head_done = 0;
    f->payload = NULL;
    if (!wsf_decode_header(buf, avail, &h)) {
        f->opcode = 0;
        f->fin = 0;
        f->len = 0;
        f->size = h.size;
        /* the first two bytes already tell some errors: fail early */
        if (avail >= 2 && (h.rsv || !h.masked)) return WSIN_ERROR;
        return WSIN_MORE;
    }
    if (h.rsv || !h.masked) return WSIN_ERROR; /* no extensions; clients mask (5.1) */
    switch (h.opcode) {
    case WSF_CONT:
    case WSF_TEXT:
    case WSF_BINARY: break;
    case WSF_CLOSE:
    case WSF_PING:
    case WSF_PONG:
        if (!h.fin || h.len > WSF_MAX_CONTROL) return WSIN_ERROR; /* 5.5 */
        break;
    default: return WSIN_ERROR;
    }
    if (h.len >> 63) return WSIN_ERROR; /* 5.2: the most significant bit is 0 */
    f->opcode = h.opcode;
    f->fin = h.fin;
    f->len = h.len;
    if (h.len > SIZE_MAX - h.size) return WSIN_ERROR;
    f->size = h.size + (size_t)h.len;
    *head_done = 1;
    if (avail < f->size) return WSIN_MORE;
    f->payload = buf + h.size;
    wsf_mask(f->payload, f->payload, (size_t)h.len, h.mask);
    return WSIN_FRAME;
}
