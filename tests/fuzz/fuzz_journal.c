/*
 * fuzz_journal.c — libFuzzer harness: reading a journal file
 * (src/server/journal_read.c) and replaying its records into a store
 * (store_apply), as a start-up does, on arbitrary bytes.
 *
 * The first input byte chooses how the rest becomes a file:
 *   bit 0  put a valid header (generation 1) in front
 *   bit 1  read the rest as records to frame: each a u16 (little-endian)
 *          body length and that many body bytes, written with a correct
 *          length and checksum — so that mutations reach the body decoder
 *          and store_apply, which a checksum would otherwise stop — and
 *          whatever is left after the last whole body appended raw (a torn
 *          tail, zeros, junk)
 *   bit 2  append 0..4095 zero bytes (the next two input bytes say how
 *          many): the space a journal under `always` reserves
 * Then the file is walked like replay_file() walks one: records applied
 * until one does not apply or the walk ends.  Checked on every input:
 *   - jscan_open's -2 (not read at all) only for a sound header of another
 *     format version (jf_header_decode says -2), with nothing left mapped;
 *   - an end at zeros (jscan_next 0 with zero_tail) leaves only zeros from
 *     s.off to the end, and s.off + zero_tail is the file's size;
 *   - after -1, jscan_data_end(s.off) lies within [s.off, size] and only
 *     zeros follow it; jscan_rest_is_torn answers (ASan checks its reads);
 *   - a record returned lies inside the file.
 * Anything else aborts: a finding.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "server/journal_format.h"
#include "server/journal_read.h"
#include "server/store.h"

#define FAIL(what)                                                          \
    do {                                                                    \
        fprintf(stderr, "fuzz_journal: %s (line %d)\n", what, __LINE__);  \
        abort();                                                            \
    } while (0)

static int zeros_only(const unsigned char *p, size_t from, size_t to) {
    for (size_t i = from; i < to; i++)
        if (p[i]) return 0;
    return 1;
}

/* The file the input describes (see the top of this file). */
static void build(const uint8_t *data, size_t size, strbuf *f) {
    unsigned mode = size ? data[0] : 0;
    size_t i = size ? 1 : 0, zeros = 0;
    if (mode & 4) {
        if (i + 2 <= size) zeros = (size_t)(data[i] | data[i + 1] << 8) & 4095;
        i = i + 2 <= size ? i + 2 : size;
    }
    if (mode & 1) {
        unsigned char h[JF_HEADER_SIZE];
        jf_header_encode(h, 1, 0);
        sb_add(f, h, sizeof h);
    }
    if (mode & 2) {
        while (i + 2 <= size) {
            size_t n = (size_t)(data[i] | data[i + 1] << 8);
            if (i + 2 + n > size) break;
            size_t rec = f->len;
            unsigned char head[JF_RECORD_HEAD] = {0}; /* sealed below */
            sb_add(f, head, sizeof head);
            sb_add(f, data + i + 2, n);
            jf_record_seal((unsigned char *)f->buf + rec, (uint32_t)n);
            i += 2 + n;
        }
    }
    sb_add(f, data + i, size - i);
    for (size_t k = 0; k < zeros; k++) sb_addc(f, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        log_threshold = LOG_ERROR; /* quiet: the store's warnings are not findings */
        fd = memfd_create("fuzz_journal", 0);
        if (fd < 0) FAIL("memfd_create");
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    strbuf f = STRBUF_INIT;
    build(data, size, &f);
    if (ftruncate(fd, 0) || (f.len && pwrite(fd, f.buf, f.len, 0) != (ssize_t)f.len)) FAIL("writing the file");

    jscan s;
    char err[800];
    int rc = jscan_open(&s, path, err, sizeof err);
    if (rc == -2) {
        /* the file is there to read: -2 may only be a sound header of
         * another format version, refused (not damage), and nothing held */
        jf_header h;
        char herr[200];
        if (jf_header_decode((const unsigned char *)f.buf, f.len, &h, herr, sizeof herr) != -2)
            FAIL("the file cannot be read");
        if (s.map) FAIL("a refused file is still mapped");
        sb_free(&f);
        return 0;
    }
    if (s.size != f.len) FAIL("mapped size differs");
    if (rc == -1) {
        (void)jscan_torn_header(&s);
    } else {
        ndb_store st;
        store_init(&st, 0, 53);
        change ch;
        int r;
        while ((r = jscan_next(&s, &ch, err, sizeof err)) == 1) {
            if (s.off > s.size) FAIL("a record past the end");
            if (ch.key && (ch.key < (const char *)s.map || ch.key + ch.klen > (const char *)s.map + s.size))
                FAIL("a key outside the file");
            if (ch.val && (ch.val < (const char *)s.map || ch.val + ch.vlen > (const char *)s.map + s.size))
                FAIL("a value outside the file");
            char aerr[300];
            if (store_apply(&st, &ch, aerr, sizeof aerr)) break; /* damage: the walk stops here */
        }
        if (r == 0 && s.zero_tail) {
            if (s.off + s.zero_tail != s.size) FAIL("zero_tail does not reach the end");
            if (!zeros_only(s.map, s.off, s.size)) FAIL("an end at zeros that are not all zero");
        }
        if (r < 0) {
            size_t end = jscan_data_end(&s, s.off);
            if (end < s.off || end > s.size) FAIL("data end out of range");
            if (!zeros_only(s.map, end, s.size)) FAIL("bytes after the data end");
            if (end > s.off && !s.map[end - 1]) FAIL("the data end is not the last non-zero byte");
            (void)jscan_rest_is_torn(&s);
        }
        store_free(&st);
    }
    jscan_close(&s);
    sb_free(&f);
    return 0;
}
