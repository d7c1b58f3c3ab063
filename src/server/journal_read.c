/*
 * journal_read.c — walking a journal file (see journal_read.h).
 */
#include "server/journal_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/filemode.h"

int jscan_open(jscan *s, const char *path, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY); /* a FIFO: no wait (filemode.h) */
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -2;
    }
    struct stat st;
    const char *refused = fstat(fd, &st) ? strerror(errno) : !S_ISREG(st.st_mode) ? ndb_file_kind(st.st_mode) : NULL;
    if (refused) {
        snprintf(err, errlen, "cannot read %s: %s", path, refused);
        close(fd);
        return -2;
    }
    s->size = (size_t)st.st_size;
    if (s->size) {
        void *m = mmap(NULL, s->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            snprintf(err, errlen, "cannot map %s: %s", path, strerror(errno));
            close(fd);
            s->size = 0;
            return -2;
        }
        madvise(m, s->size, MADV_SEQUENTIAL);
        s->map = m;
    }
    close(fd); /* the mapping stays valid */
    int rc = jf_header_decode(s->map, s->size, &s->hdr, err, errlen);
    if (rc == -2) { /* a sound header of another format: say which file, and what helps */
        char why[100];
        snprintf(why, sizeof why, "%s", err);
        snprintf(err, errlen, "journal file %s was written by another version of ndb, in %s: start that version",
                 path, why);
        jscan_close(s); /* -2 holds nothing, as when the file cannot be opened: callers need no close */
    }
    if (rc) return rc;
    s->off = JF_HEADER_SIZE;
    return 0;
}

/* Check the unit that starts at s->off: every record whole, its checksum
 * right and its body readable, up to a record without JF_MORE.  0 (then
 * s->unit_end is its end), or -1 with s->bad and the reason in err. */
static int check_unit(jscan *s, char *err, size_t errlen) {
    size_t at = s->off;
    for (;;) {
        const unsigned char *body;
        uint32_t len;
        change ch;
        s->bad = at;
        if (at >= s->size) {
            snprintf(err, errlen, "the file ends inside a write: its last %zu bytes are whole records, not the "
                                  "write's last one",
                     at - s->off);
            return -1;
        }
        int rc = jf_record_at(s->map + at, s->size - at, &body, &len);
        if (rc == JF_SHORT) {
            snprintf(err, errlen, "the file ends inside a record (%zu bytes left)", s->size - at);
            return -1;
        }
        if (rc == JF_BAD) {
            snprintf(err, errlen, "a record's checksum does not match");
            return -1;
        }
        if (jf_record_decode(body, len, &ch, err, errlen)) return -1;
        at += JF_RECORD_HEAD + len;
        if (!jf_body_more(body)) break;
    }
    s->unit_end = at;
    return 0;
}

/* Is every byte from `from` to the end of the file zero? */
static int zero_from(const jscan *s, size_t from) {
    for (size_t i = from; i < s->size; i++)
        if (s->map[i]) return 0;
    return 1;
}

int jscan_next(jscan *s, change *ch, char *err, size_t errlen) {
    if (s->off >= s->size) return 0;
    if (s->off >= s->unit_end && check_unit(s, err, errlen)) {
        if (!zero_from(s, s->off)) return -1;
        s->zero_tail = s->size - s->off; /* reserved space never written: the clean end */
        return 0;
    }
    const unsigned char *body;
    uint32_t len;
    jf_record_at(s->map + s->off, s->size - s->off, &body, &len); /* checked with its unit */
    jf_record_decode(body, len, ch, err, errlen);
    s->off += JF_RECORD_HEAD + len;
    s->records++;
    return 1;
}

int jscan_rest_is_torn(const jscan *s) {
    change ch;
    char why[128];
    const unsigned char *body;
    uint32_t len;
    if (s->bad + JF_RECORD_HEAD <= s->size && jf_record_at(s->map + s->bad, s->size - s->bad, &body, &len) == JF_BAD) {
        uint32_t declared = jf_get32(s->map + s->bad);
        if (declared >= JF_MIN_BODY && s->bad + JF_RECORD_HEAD + declared <= jscan_data_end(s, s->bad))
            return 0; /* whole, and wrong: damage */
    }
    for (size_t at = s->bad + 1; at + JF_RECORD_HEAD + JF_MIN_BODY <= s->size; at++) {
        if (jf_record_at(s->map + at, s->size - at, &body, &len) == JF_OK &&
            jf_record_decode(body, len, &ch, why, sizeof why) == 0)
            return 0; /* a good record after the bad spot: damage, not a torn tail */
    }
    return 1;
}

int jscan_torn_header(const jscan *s) {
    size_t data = jscan_data_end(s, 0);
    if (!data) return 1; /* all zero (or empty) */
    /* a crash keeps a prefix of the header's one write, perhaps followed by
     * zeros; any other short file is not one ndb created (a foreign file) */
    return s->size < JF_HEADER_SIZE && memcmp(s->map, JF_MAGIC, data < 8 ? data : 8) == 0;
}

size_t jscan_data_end(const jscan *s, size_t from) {
    size_t end = s->size;
    while (end > from && !s->map[end - 1]) end--;
    return end;
}

void jscan_close(jscan *s) {
    if (s->map) munmap((void *)s->map, s->size);
    memset(s, 0, sizeof *s);
}
