/*
 * journal_format.c — encoding and decoding of journal headers and records
 * (see journal_format.h for the layout).
 */
#include "server/journal_format.h"

#include <stdio.h>
#include <string.h>

#include "server/crc32c.h"

/* Presence bits of a record body. */
enum {
    JB_IN_SESSION = 1,
    JB_SHARED = 2,
    JB_TKN = 4,
    JB_DEADLINE = 8,
    JB_COUNT = 16,
    JB_EXPIRY = 32,
    JB_KEY = 64,
    JB_VAL = 128,
};
/* Flag bits of the expiry field. */
enum { JX_DELETE = 1, JX_EXTEND_GET = 2, JX_EXTEND_SET = 4 };

/* Little-endian stores. */
static void put32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static void put64(unsigned char *p, uint64_t v) {
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

void jf_header_encode(unsigned char out[JF_HEADER_SIZE], uint64_t gen, uint64_t created_ms) {
    memcpy(out, JF_MAGIC, 8);
    put32(out + 8, JF_VERSION);
    put32(out + 12, 0);
    put64(out + 16, gen);
    put64(out + 24, created_ms);
    put32(out + 32, 0);
    put32(out + 36, crc32c(0, out, 36));
}

int jf_header_decode(const unsigned char *p, size_t n, jf_header *h, char *err, size_t errlen) {
    if (n < JF_HEADER_SIZE) {
        snprintf(err, errlen, "the file is shorter than a journal header (%zu of %u bytes)", n, JF_HEADER_SIZE);
        return -1;
    }
    if (memcmp(p, JF_MAGIC, 8) != 0) {
        snprintf(err, errlen, "not a journal file (no NDBJOURN magic)");
        return -1;
    }
    if (jf_get32(p + 36) != crc32c(0, p, 36)) {
        snprintf(err, errlen, "the journal header's checksum does not match");
        return -1;
    }
    h->version = jf_get32(p + 8);
    if (h->version != JF_VERSION) {
        snprintf(err, errlen, "journal format version %u (this ndb reads version %u)", h->version, JF_VERSION);
        return -2;
    }
    h->generation = jf_get64(p + 16);
    h->created_ms = jf_get64(p + 24);
    return 0;
}

/* Append v as an unsigned LEB128 varint. */
static void put_varint(strbuf *out, uint64_t v) {
    unsigned char b[10];
    size_t n = 0;
    do {
        b[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v) b[n] |= 0x80;
        n++;
    } while (v);
    sb_add(out, b, n);
}

/* The checksum of the record at rec whose body is len bytes: over its
 * length field and its body. */
static uint32_t record_crc(const unsigned char *rec, uint32_t len) {
    return crc32c(crc32c(0, rec, 4), rec + JF_RECORD_HEAD, len);
}

void jf_record_seal(unsigned char *rec, uint32_t body_len) {
    put32(rec, body_len);
    put32(rec + 4, record_crc(rec, body_len));
}

void jf_record_encode(strbuf *out, const change *ch, int more) {
    size_t at = out->len;
    unsigned char head[JF_RECORD_HEAD] = {0};
    sb_add(out, head, sizeof head);
    unsigned bits = (ch->in_session ? JB_IN_SESSION : 0) | (ch->shared ? JB_SHARED : 0) |
                    (ch->tkn ? JB_TKN : 0) | (ch->deadline_ns ? JB_DEADLINE : 0) | (ch->count ? JB_COUNT : 0) |
                    (ch->key ? JB_KEY : 0) | (ch->val ? JB_VAL : 0);
    unsigned xflags = (ch->ex.delete_session ? JX_DELETE : 0) | (ch->ex.extend_on_get ? JX_EXTEND_GET : 0) |
                      (ch->ex.extend_on_set_add ? JX_EXTEND_SET : 0);
    if (ch->ex.duration || xflags) bits |= JB_EXPIRY;
    unsigned char fixed[3] = {ch->kind, (unsigned char)(ch->cause | (more ? JF_MORE : 0)), (unsigned char)bits};
    sb_add(out, fixed, 3);
    if (bits & JB_TKN) put_varint(out, ch->tkn);
    if (bits & JB_DEADLINE) put_varint(out, ch->deadline_ns);
    if (bits & JB_COUNT) put_varint(out, ch->count);
    if (bits & JB_EXPIRY) {
        put_varint(out, ch->ex.duration);
        sb_addc(out, (char)xflags);
    }
    if (bits & JB_KEY) {
        put_varint(out, ch->klen);
        sb_add(out, ch->key, ch->klen);
    }
    if (bits & JB_VAL) {
        put_varint(out, ch->vlen);
        sb_add(out, ch->val, ch->vlen);
    }
    jf_record_seal((unsigned char *)out->buf + at, (uint32_t)(out->len - at - JF_RECORD_HEAD));
}

void jf_record_set_more(unsigned char *rec, int more) {
    unsigned char *cause = rec + JF_RECORD_HEAD + 1;
    *cause = more ? (unsigned char)(*cause | JF_MORE) : (unsigned char)(*cause & ~JF_MORE);
    jf_record_seal(rec, jf_get32(rec));
}

/* Read a varint at *p (before end) into *v.  0, or -1 if truncated or
 * longer than 64 bits. */
static int get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v) {
    uint64_t x = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (*p == end) return -1;
        unsigned char b = *(*p)++;
        if (shift == 63 && b > 1) return -1;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -1;
}

/* Read a varint length and that many bytes: *s points at them. */
static int get_bytes(const unsigned char **p, const unsigned char *end, const char **s, size_t *n) {
    uint64_t len;
    if (get_varint(p, end, &len) || len > (uint64_t)(end - *p)) return -1;
    *s = (const char *)*p;
    *n = (size_t)len;
    *p += len;
    return 0;
}

int jf_record_decode(const unsigned char *p, size_t n, change *ch, char *err, size_t errlen) {
    memset(ch, 0, sizeof *ch);
    const unsigned char *end = p + n;
    if (n < JF_MIN_BODY) {
        snprintf(err, errlen, "record body of %zu bytes is too short", n);
        return -1;
    }
    ch->kind = p[0];
    ch->cause = p[1] & ~JF_MORE;
    unsigned bits = p[2];
    p += 3;
    if (!ch->kind) {
        snprintf(err, errlen, "record of kind 0");
        return -1;
    }
    ch->in_session = (bits & JB_IN_SESSION) != 0;
    ch->shared = (bits & JB_SHARED) != 0;
    uint64_t dur;
    const char *what = NULL;
    if ((bits & JB_TKN) && get_varint(&p, end, &ch->tkn)) what = "token";
    else if ((bits & JB_DEADLINE) && get_varint(&p, end, &ch->deadline_ns)) what = "deadline";
    else if ((bits & JB_COUNT) && get_varint(&p, end, &ch->count)) what = "count";
    else if ((bits & JB_EXPIRY) && (get_varint(&p, end, &dur) || dur > UINT32_MAX || p == end || *p > 7))
        what = "expiry";
    if (!what && (bits & JB_EXPIRY)) {
        unsigned x = *p++;
        ch->ex.duration = (uint32_t)dur;
        ch->ex.delete_session = (x & JX_DELETE) != 0;
        ch->ex.extend_on_get = (x & JX_EXTEND_GET) != 0;
        ch->ex.extend_on_set_add = (x & JX_EXTEND_SET) != 0;
    }
    if (!what && (bits & JB_KEY) && get_bytes(&p, end, &ch->key, &ch->klen)) what = "key";
    if (!what && (bits & JB_VAL) && get_bytes(&p, end, &ch->val, &ch->vlen)) what = "value";
    if (!what && p != end) what = "end (bytes left over)";
    if (what) {
        snprintf(err, errlen, "record of kind %u has a malformed %s", ch->kind, what);
        return -1;
    }
    return 0;
}

int jf_record_at(const unsigned char *p, size_t avail, const unsigned char **body, uint32_t *body_len) {
    if (avail < JF_RECORD_HEAD) return JF_SHORT;
    uint32_t len = jf_get32(p);
    if (len > avail - JF_RECORD_HEAD) return JF_SHORT;
    if (len < JF_MIN_BODY) return JF_BAD;
    if (jf_get32(p + 4) != record_crc(p, len)) return JF_BAD;
    *body = p + JF_RECORD_HEAD;
    *body_len = len;
    return JF_OK;
}
