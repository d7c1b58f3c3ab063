/*
 * snapshot.c — crash-safe snapshot files and snapshot selection (see
 * snapshot.h).
 */
#include "server/snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/plural.h"
#include "json/scan.h"
#include "server/auto_layout.h"
#include "server/crc32c.h"
#include "server/filemode.h"

/* Snapshot directories are named by at most 19 digits (larger names are
 * not snapshots: docs/protocol.md 6.1, Q17). */
#define SNAP_MAX_ID 9999999999999999999ULL

int snapshot_name_ok(const char *name, size_t n) {
    if (n < 1 || n > 200) return 0;
    if ((n == 1 && name[0] == '.') || (n == 2 && name[0] == '.' && name[1] == '.')) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

static int fsync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Through dir/name.tmp: write, fsync, rename, fsync the directory. */
int snap_write_atomic(const char *dir, const char *name, const char *data, size_t n) {
    char tmp[PATH_MAX], dst[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, name) >= (int)sizeof tmp ||
        snprintf(dst, sizeof dst, "%s/%s", dir, name) >= (int)sizeof dst) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, NDB_FILE_MODE);
    if (fd < 0) return -1;
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, data + off, n - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            goto fail;
        }
        off += (size_t)w;
    }
    if (fsync(fd)) goto fail;
    if (close(fd)) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, dst)) goto fail;
    return fsync_dir(dir);
fail: {
    int e = errno;
    if (fd >= 0) close(fd);
    unlink(tmp);
    errno = e;
    return -1;
}
}

static int write_metadata(snap_writer *w, int status, uint64_t complete_ms) {
    char md[PATH_MAX + 8], json[512];
    snprintf(md, sizeof md, "%s/md", w->dir);
    strbuf name = STRBUF_INIT;
    sb_add_json_string(&name, w->name, strlen(w->name));
    int n = snprintf(json, sizeof json,
                     "{\"complete\":%llu,\"name\":%s,\"saveDataType\":%d,\"start\":%llu,\"status\":%d,\"version\":2}",
                     (unsigned long long)complete_ms, name.buf, w->type, (unsigned long long)w->start_ms, status);
    sb_free(&name);
    return snap_write_atomic(md, "md.json", json, (size_t)n);
}

static int mkdir_p1(const char *path) { return mkdir(path, NDB_DIR_MODE) == 0 || errno == EEXIST ? 0 : -1; }

/* The largest snapshot id in directory `dataset` (0 if none). */
static uint64_t newest_id(const char *dataset) {
    DIR *d = opendir(dataset);
    if (!d) return 0;
    uint64_t *ids, top = 0;
    size_t n = snap_list_newest_first(d, &ids);
    if (n) top = ids[0];
    free(ids);
    return top;
}

/* Lock w->dir for as long as this save writes it.  Retention takes an
 * incomplete snapshot older than a complete one for what a crashed or
 * failed save left, and removes it; with two servers saving into one
 * persist path, that was another's save still being written (it then
 * failed, 122 "No such file or directory").  The lock goes with its
 * descriptor: at snap_finish, or when a crashed save's process ends. */
static void lock_dir(snap_writer *w) {
    w->lock_fd = snap_lock_dir(w->dir);
    if (w->lock_fd < 0)
        log_warn("save into %s goes on without its lock (%s): a retention of another server on this persist "
                 "path could take it for a crashed save's",
                 w->dir, strerror(errno));
}

int snap_lock_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    /* The directory was just made, so only a retention's probe
     * (snap_dir_busy) can hold its lock, and only for an instant: wait for
     * it, up to 100 ms (saves run in their own process). */
    for (int tries = 0; flock(fd, LOCK_EX | LOCK_NB); tries++) {
        if (errno != EWOULDBLOCK || tries == 200) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        struct timespec pause = {0, 500000};
        nanosleep(&pause, NULL);
    }
    return fd;
}

static void unlock_dir(snap_writer *w) {
    if (w->lock_fd >= 0) close(w->lock_fd);
    w->lock_fd = -1;
}

int snap_dir_busy(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return 0;
    int busy = flock(fd, LOCK_EX | LOCK_NB) && errno == EWOULDBLOCK;
    close(fd); /* releases the lock if this took it */
    return busy;
}

/* BASE/NAME into dataset; -1 with err when it is longer than a dataset's
 * path may be (SNAP_DATASET_PATH_MAX: the save and the load use this one
 * bound, so that what is saved can be loaded). */
static int dataset_path(char dataset[SNAP_DATASET_PATH_MAX + 1], const char *base, const char *name, char *err,
                        size_t errlen) {
    int len = snprintf(dataset, SNAP_DATASET_PATH_MAX + 1, "%s/%s", base, name);
    if (len >= 0 && len <= SNAP_DATASET_PATH_MAX) return 0;
    snprintf(err, errlen, "dataset path too long: %zu bytes of directory, '/' and %zu of name, over %d "
                          "(a snapshot's files go below it)", strlen(base), strlen(name), SNAP_DATASET_PATH_MAX);
    return -1;
}

/* Create w->dir, the new snapshot's directory in `dataset`.  Its name is
 * the wall clock in nanoseconds, but always above every snapshot already
 * there: loads take the highest name as the newest, and retention keeps
 * the highest, so a clock stepped back (or a snapshot copied from a host
 * whose clock ran ahead) must not make a new save count as old — it would
 * be answered 121, never loaded, and removed by its own retention. */
static int make_snapshot_dir(snap_writer *w, const char *dataset, const char *name, char *err, size_t errlen) {
    uint64_t now = wall_ns(), top = newest_id(dataset);
    uint64_t id = now > top ? now : top + 1;
    if (id != now && id <= SNAP_MAX_ID) /* (past it, the refusal below says why, not this) */
        log_warn("save of '%s': the clock is behind its newest snapshot %llu; naming this one %llu so that it "
                 "stays the newest",
                 name, (unsigned long long)top, (unsigned long long)id);
    for (int tries = 0;; tries++, id++) {
        if (id > SNAP_MAX_ID) {
            snprintf(err, errlen, "dataset '%s' has a snapshot named %llu, the largest a snapshot may have: "
                                  "move it away", name, (unsigned long long)top);
            return -1;
        }
        if (snprintf(w->dir, sizeof w->dir, "%s/%llu", dataset, (unsigned long long)id) >= (int)sizeof w->dir) {
            snprintf(err, errlen, "snapshot path too long");
            return -1;
        }
        if (mkdir(w->dir, NDB_DIR_MODE) == 0) {
            w->made_dir = 1;
            lock_dir(w);
            break;
        }
        if (errno != EEXIST || tries == 100) { /* EEXIST: a save of the same dataset at the same moment */
            snprintf(err, errlen, "cannot create snapshot directory %s: %s", w->dir, strerror(errno));
            return -1;
        }
    }
    if (fsync_dir(dataset)) {
        snprintf(err, errlen, "cannot create snapshot directory %s: %s", w->dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* snap_begin failed (the save answers 122): remove what it made of the
 * snapshot directory, if anything.  Nothing in it can be loaded, and left
 * there each one would be skipped with a warning by every load of the
 * dataset until a later save's retention — one more per failed save while
 * the disk is full.  Returns -1. */
static int begin_failed(snap_writer *w) {
    int e = errno;
    unlock_dir(w);
    if (w->made_dir && auto_remove_tree(w->dir) && errno != ENOENT) /* only its own: never another's */
        log_warn("cannot remove %s of a failed save: %s", w->dir, strerror(errno));
    errno = e;
    return -1;
}

int snap_begin(snap_writer *w, const char *base, const char *name, int type, char *err, size_t errlen) {
    memset(w, 0, sizeof *w);
    w->lock_fd = -1;
    snprintf(w->name, sizeof w->name, "%s", name);
    w->type = type;
    w->start_ms = wall_ms();
    w->open_text = type == SNAP_KV ? "{ \"keys\":{" : "[";
    w->close_text = type == SNAP_KV ? "}}" : "]";
    char dataset[SNAP_DATASET_PATH_MAX + 1], sub[PATH_MAX + 16];
    if (dataset_path(dataset, base, name, err, errlen)) return -1;
    if (mkdir_p1(dataset) || fsync_dir(base)) {
        snprintf(err, errlen, "cannot create dataset directory %s: %s", dataset, strerror(errno));
        return -1;
    }
    if (make_snapshot_dir(w, dataset, name, err, errlen)) return begin_failed(w);
    snprintf(sub, sizeof sub, "%s/md", w->dir);
    if (mkdir(sub, NDB_DIR_MODE) || write_metadata(w, 0, 0)) {
        snprintf(err, errlen, "cannot write snapshot metadata in %s: %s", sub, strerror(errno));
        return begin_failed(w);
    }
    snprintf(sub, sizeof sub, "%s/data", w->dir);
    if (mkdir(sub, NDB_DIR_MODE) || fsync_dir(w->dir)) {
        snprintf(err, errlen, "cannot create %s: %s", sub, strerror(errno));
        return begin_failed(w);
    }
    return 0;
}

void snap_begin_record(snap_writer *w) {
    if (w->records == 0) sb_adds(&w->buf, w->open_text);
    else sb_addc(&w->buf, ',');
    w->records++;
}

void snap_trailer_member(snap_writer *w, const char *name) {
    if (w->trailer.len) {
        sb_addc(&w->trailer, ',');
        return;
    }
    sb_addf(&w->trailer, ",\"%s\":{", name);
}

static int flush_file(snap_writer *w, char *err, size_t errlen) {
    char dir[PATH_MAX + 8], name[16];
    if (w->trailer.len) { /* KV: {"keys":{...},"<name>":{...}} */
        sb_addc(&w->buf, '}');
        sb_add(&w->buf, w->trailer.buf, w->trailer.len);
        sb_adds(&w->buf, "}}");
        sb_reset(&w->trailer);
    } else {
        sb_adds(&w->buf, w->close_text);
    }
    snprintf(dir, sizeof dir, "%s/data", w->dir);
    snprintf(name, sizeof name, "%u", w->files);
    if (snap_write_atomic(dir, name, w->buf.buf, w->buf.len)) {
        snprintf(err, errlen, "cannot write %s/%s: %s", dir, name, strerror(errno));
        return -1;
    }
    if (w->sums)
        sb_addf(w->sums->out, "%s/%s %zu %08x\n", dir + w->sums->prefix, name, w->buf.len,
                (unsigned)crc32c(0, w->buf.buf, w->buf.len));
    w->files++;
    w->records = 0;
    sb_reset(&w->buf);
    return 0;
}

int snap_end_record(snap_writer *w, char *err, size_t errlen) {
    return w->buf.len >= SNAP_FILE_TARGET ? flush_file(w, err, errlen) : 0;
}

int snap_flush(snap_writer *w, char *err, size_t errlen) { return w->records ? flush_file(w, err, errlen) : 0; }

int snap_finish(snap_writer *w, int ok, char *err, size_t errlen) {
    if (ok && w->records && flush_file(w, err, errlen)) ok = 0;
    sb_free(&w->buf);
    sb_free(&w->trailer);
    int wrote = write_metadata(w, ok ? 1 : 2, wall_ms());
    unlock_dir(w);
    if (wrote) {
        if (ok) snprintf(err, errlen, "cannot write final metadata in %s: %s", w->dir, strerror(errno));
        return -1;
    }
    return ok ? 0 : -1;
}

int snap_read_file(const char *path, strbuf *out, char *err, size_t errlen) {
    /* O_NONBLOCK: opening a FIFO for reading blocks until a writer comes,
     * and loads run on the event loop — one FIFO in a snapshot would stop
     * the whole server.  Only regular files are read (a symbolic link to
     * one is fine); for them O_NONBLOCK changes nothing. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    const char *why = fstat(fd, &st) ? strerror(errno) : !S_ISREG(st.st_mode) ? ndb_file_kind(st.st_mode) : NULL;
    if (why) {
        snprintf(err, errlen, "cannot read %s: %s", path, why);
        close(fd);
        return -1;
    }
    if (st.st_size > 0) sb_grow(out, (size_t)st.st_size);
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) sb_add(out, buf, (size_t)n);
    int e = errno;
    close(fd);
    if (n < 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(e));
        return -1;
    }
    return 0;
}

static int all_digits(const char *s) {
    if (!*s) return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return 0;
    return 1;
}

/* Read md.json of snapshot dir; 0 if it is complete (type set, and *raw to
 * the saveDataType the file says, when raw is not NULL). */
static int read_complete_metadata(const char *dir, int *type, uint64_t *raw, char *why, size_t whylen) {
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/md/md.json", dir);
    strbuf text = STRBUF_INIT;
    jdoc d = JDOC_INIT;
    int rc = -1;
    uint64_t status, sdt;
    if (snap_read_file(path, &text, why, whylen)) goto out;
    if (jdoc_parse(&d, text.buf ? text.buf : "", text.len, NULL) || d.toks[0].type != JT_OBJECT) {
        snprintf(why, whylen, "%s is not valid JSON", path);
        goto out;
    }
    uint32_t st = jobj_get(&d, 0, "status", 6), ty = jobj_get(&d, 0, "saveDataType", 12);
    if (!st || jnum_to_u64(&d, &d.toks[st], &status) || !ty || jnum_to_u64(&d, &d.toks[ty], &sdt)) {
        snprintf(why, whylen, "%s lacks an unsigned 'status' or 'saveDataType'", path);
        goto out;
    }
    if (status != 1) {
        snprintf(why, whylen, "it is not complete (status %llu)", (unsigned long long)status);
        goto out;
    }
    char data[PATH_MAX + 8];
    struct stat sb;
    snprintf(data, sizeof data, "%s/data", dir);
    if (stat(data, &sb) || !S_ISDIR(sb.st_mode)) {
        snprintf(why, whylen, "%s is missing", data);
        goto out;
    }
    *type = sdt == SNAP_KV ? SNAP_KV : sdt == SNAP_SESSIONS ? SNAP_SESSIONS : SNAP_UNKNOWN;
    if (raw) *raw = sdt;
    rc = 0;
out:
    jdoc_free(&d);
    sb_free(&text);
    return rc;
}

int snap_is_complete(const char *dir, int *type, char *why, size_t whylen) {
    return read_complete_metadata(dir, type, NULL, why, whylen) == 0;
}

static int cmp_u64_desc(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

size_t snap_list_newest_first(DIR *d, uint64_t **out) {
    uint64_t *ts = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!all_digits(de->d_name) || strlen(de->d_name) > 19) continue; /* Q17: not a snapshot */
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            ts = realloc(ts, cap * sizeof *ts);
            if (!ts) abort();
        }
        ts[n++] = strtoull(de->d_name, NULL, 10);
    }
    closedir(d);
    if (n > 1) qsort(ts, n, sizeof *ts, cmp_u64_desc);
    *out = ts;
    return n;
}

/* One look through the snapshots of a dataset for the newest complete one
 * (find_latest); *listed: how many there were. */
static int find_latest_once(const char *base, const char *name, snap_found *out, char *err, size_t errlen, int warn,
                            size_t *listed) {
    char dataset[SNAP_DATASET_PATH_MAX + 1];
    if (dataset_path(dataset, base, name, err, errlen)) return -1;
    out->sums = NULL;
    DIR *dir = opendir(dataset);
    if (!dir) {
        snprintf(err, errlen, "dataset '%s' does not exist in %s", name, base);
        return -1;
    }
    uint64_t *ts;
    size_t n = snap_list_newest_first(dir, &ts);
    *listed = n;
    int rc = -1, skipped = 0;
    snprintf(err, errlen, "dataset '%s' has no complete snapshot", name);
    for (size_t i = 0; i < n; i++) {
        char why[PATH_MAX + 128];
        snprintf(out->dir, sizeof out->dir, "%s/%llu", dataset, (unsigned long long)ts[i]);
        struct stat sb;
        if (stat(out->dir, &sb) || !S_ISDIR(sb.st_mode)) continue;
        if (read_complete_metadata(out->dir, &out->type, &out->save_type, why, sizeof why) == 0) {
            out->ts = ts[i];
            rc = 0;
            break;
        }
        /* A save of this server or another one still writing it: say so,
         * not which of its files is not there yet (that reads as damage). */
        if (snap_dir_busy(out->dir)) snprintf(why, sizeof why, "a save is writing it now; load it once that save is answered");
        if (warn) log_warn("skipping snapshot %s: %s", out->dir, why);
        if (!skipped++) /* the client sees why too, not only the log: an md.json edited or removed */
            snprintf(err, errlen, "dataset '%s' has no complete snapshot (the newest, %llu, was skipped: %s)", name,
                     (unsigned long long)ts[i], why);
    }
    free(ts);
    return rc;
}

/* snap_find_latest; `warn`: log each incomplete snapshot skipped.  A save
 * completing meanwhile can make one look find none: the new snapshot was
 * still incomplete when it was read, and its retention removed the older
 * complete one before that was.  A complete snapshot existed all along,
 * so look again (the first look logs what it skipped, once). */
static int find_latest(const char *base, const char *name, snap_found *out, char *err, size_t errlen, int warn) {
    size_t listed = 0;
    for (int tries = 0;; tries++) {
        if (find_latest_once(base, name, out, err, errlen, warn && !tries, &listed) == 0) return 0;
        if (tries == 2 || !listed) return -1;
    }
}

int snap_find_latest(const char *base, const char *name, snap_found *out, char *err, size_t errlen) {
    if (find_latest(base, name, out, err, errlen, 1)) return -1;
    if (out->type == SNAP_UNKNOWN) { /* not skipped: it is complete, and an older one would be stale data */
        snprintf(err, errlen, "%s/md/md.json has saveDataType %llu: only 0 (keys) and 1 (sessions) exist", out->dir,
                 (unsigned long long)out->save_type);
        return -1;
    }
    return 0;
}

int snap_latest_type(const char *base, const char *name, uint64_t *raw) {
    static snap_found s; /* static: it holds a PATH_MAX buffer */
    char err[64];
    if (find_latest(base, name, &s, err, sizeof err, 0)) return -1;
    *raw = s.save_type;
    return s.type;
}

static int cmp_path_num(const void *a, const void *b) {
    const char *x = strrchr((const char *)a, '/') + 1, *y = strrchr((const char *)b, '/') + 1;
    size_t lx = strlen(x), ly = strlen(y);
    if (lx != ly) return lx < ly ? -1 : 1;
    return strcmp(x, y);
}

int snap_list_data(const snap_found *s, char (**paths)[PATH_MAX], char *err, size_t errlen) {
    char data[PATH_MAX + 8];
    snprintf(data, sizeof data, "%s/data", s->dir);
    if (strlen(data) + 32 > PATH_MAX) {
        snprintf(err, errlen, "snapshot path too long");
        return -1;
    }
    DIR *dir = opendir(data);
    if (!dir) {
        snprintf(err, errlen, "cannot open %s: %s", data, strerror(errno));
        return -1;
    }
    size_t n = 0, cap = 0;
    *paths = NULL;
    struct dirent *de;
    while ((de = readdir(dir))) {
        if (!all_digits(de->d_name)) continue; /* temporary files of an interrupted save */
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            *paths = realloc(*paths, cap * sizeof **paths);
            if (!*paths) abort();
        }
        if (strlen(de->d_name) > 20) continue;
        size_t dl = strlen(data);
        memcpy((*paths)[n], data, dl);
        (*paths)[n][dl] = '/';
        strcpy((*paths)[n] + dl + 1, de->d_name);
        n++;
    }
    closedir(dir);
    if (n > 1) qsort(*paths, n, sizeof **paths, cmp_path_num);
    return (int)n;
}

/* A string literal of a data file: offset and length into its text. */
typedef struct snap_span {
    size_t off, len;
} snap_span;

/* Did the parse stop (at errpos) at an array or object opened
 * JSON_MAX_DEPTH levels deep?  Then 1, with names[i] the string literal
 * (len 0 if none) of the member being read at depth i+1 (names[0]: a
 * member of the root object) and *element the index of the element being
 * read when the root is an array. */
static int too_deep(const strbuf *text, size_t errpos, snap_span names[3], uint32_t *element) {
    /* The bytes before errpos parsed, so a scan that skips strings and
     * comments counts the open containers exactly. */
    const char *s = text->buf ? text->buf : "";
    size_t depth = 0;
    snap_span last = {0, 0}; /* the last string literal seen */
    memset(names, 0, 3 * sizeof *names);
    *element = 0;
    if (errpos >= text->len || (s[errpos] != '[' && s[errpos] != '{')) return 0;
    for (size_t i = 0; i < errpos; i++) {
        char c = s[i];
        if (c == '"') {
            size_t start = i++;
            while (i < errpos && s[i] != '"') i += s[i] == '\\' ? 2 : 1;
            last.off = start;
            last.len = i + 1 - start;
        } else if (c == '/' && i + 1 < errpos && s[i + 1] == '/') {
            while (i < errpos && s[i] != '\n') i++;
        } else if (c == '/' && i + 1 < errpos && s[i + 1] == '*') {
            for (i += 2; i + 1 < errpos && !(s[i] == '*' && s[i + 1] == '/'); i++) {}
            i++;
        } else if (c == '[' || c == '{') {
            depth++;
            for (size_t j = depth - 1; j < 3; j++) names[j].len = 0; /* a new container has no member yet */
        } else if (c == ']' || c == '}') {
            if (depth) depth--;
        } else if (c == ':' && depth >= 1 && depth <= 3) {
            names[depth - 1] = last;
        } else if (c == ',' && depth >= 1) {
            for (size_t j = depth - 1; j < 3; j++) names[j].len = 0; /* the member or element is over */
            if (depth == 1) (*element)++;
        }
    }
    return depth == JSON_MAX_DEPTH;
}

void snap_key_name(strbuf *out, const char *k, size_t kn) {
    size_t cut = utf8_cut(k, kn, 64);
    SB_ADD_LIT(out, "key ");
    sb_add_json_string(out, k, cut);
    if (cut < kn) sb_addf(out, "... (%zu bytes)", kn);
}

/* Decode the string literal at span s of text into out (replacing its
 * content); empty if the span is not one. */
static void span_decode(const strbuf *text, snap_span s, strbuf *out) {
    jdoc d = JDOC_INIT;
    sb_reset(out);
    if (s.len && jdoc_parse(&d, text->buf + s.off, s.len, NULL) == 0 && d.toks[0].type == JT_STRING)
        jstr_decode(&d, &d.toks[0], out);
    sb_grow(out, 0);
    jdoc_free(&d);
}

int snap_parse_refusal(const char *path, const strbuf *text, size_t pos, unsigned keys_at, strbuf *key,
                       uint32_t *element, char *err, size_t errlen) {
    snap_span names[3];
    if (!too_deep(text, pos, names, element)) {
        snprintf(err, errlen, "data file %s is not valid JSON (at byte %zu)", path, pos);
        return 0;
    }
    span_decode(text, names[keys_at], key);
    if (keys_at + 1 < 3 && names[keys_at + 1].len && key->len == 4 && memcmp(key->buf, "keys", 4) == 0) {
        span_decode(text, names[keys_at + 1], key);
        return 1;
    }
    snprintf(err, errlen, "data file %s is nested deeper than %d levels (at byte %zu)", path, JSON_MAX_DEPTH, pos);
    return 0;
}

/* Is every line of a checksum file "<path> <bytes> <CRC-32C, 8 hex
 * digits>", each path once?  A damaged file was read line by line as it
 * was asked for, and its damage then blamed on the data files: garbage
 * read as "data file D has no checksum (a file added?)", a line written
 * twice as "lists 2 data files but only 1 is there (one removed?)", a
 * size past 64 bits as 18446744073709551615.  Returns 0, or -1 with err
 * naming the line. */
static int sums_malformed(const char *text, const char *file, char *err, size_t errlen) {
    unsigned line = 0;
    for (const char *l = text; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
        line++;
        size_t n = strcspn(l, "\n");
        const char *crc = n > 9 ? l + n - 8 : NULL, *sp2 = crc ? crc - 1 : NULL, *bytes = NULL;
        int ok = sp2 && *sp2 == ' ' && strspn(crc, "0123456789abcdefABCDEF") >= 8;
        if (ok) { /* the size: digits between the two last spaces, at most 2^64-1 */
            for (bytes = sp2; bytes > l && bytes[-1] != ' '; bytes--) {}
            size_t digits = (size_t)(sp2 - bytes);
            errno = 0;
            ok = bytes > l + 1 && digits && digits <= 20 && strspn(bytes, "0123456789") == digits &&
                 (strtoull(bytes, NULL, 10), errno == 0);
        }
        if (!ok) {
            snprintf(err, errlen, "%s is damaged: line %u is not '<data file> <bytes> <CRC-32C, 8 hex digits>'",
                     file, line);
            return -1;
        }
        size_t plen = (size_t)(bytes - 1 - l);
        for (const char *e = text; e < l; e = strchr(e, '\n') + 1) /* the lines before: each ends in \n */
            if (strncmp(e, l, plen + 1) == 0) {
                snprintf(err, errlen, "%s is damaged: line %u names a data file that an earlier line names", file,
                         line);
                return -1;
            }
    }
    return 0;
}

int snap_read_sums(const char *dir, strbuf *text, snap_sums *sums, char *err, size_t errlen) {
    static char path[PATH_MAX + 16]; /* static: sums->file points at it */
    snprintf(path, sizeof path, "%s/%s", dir, SNAP_SUMS_FILE);
    memset(sums, 0, sizeof *sums);
    struct stat sb;
    if (lstat(path, &sb) && errno == ENOENT) return 0;
    if (snap_read_file(path, text, err, errlen)) return -1;
    sb_addc(text, 0); /* NUL-terminated, and not NULL when empty */
    if (memchr(text->buf, 0, text->len - 1)) {
        snprintf(err, errlen, "%s is damaged: it holds a NUL byte", path);
        return -1;
    }
    if (sums_malformed(text->buf, path, err, errlen)) return -1;
    sums->text = text->buf;
    sums->file = path;
    sums->prefix = strlen(dir) + 1;
    return 0;
}

/* The line of s->sums for data file `path`, or NULL. */
static const char *sum_line(const snap_sums *sums, const char *path) {
    const char *rel = path + sums->prefix;
    size_t n = strlen(rel);
    for (const char *l = sums->text; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l))
        if (strncmp(l, rel, n) == 0 && l[n] == ' ') return l + n + 1;
    return NULL;
}

/* Does data file `path` (its bytes in text) match its checksum line?  A
 * flipped byte inside a string still parses: only this catches it. */
static int check_sum(const snap_sums *sums, const char *path, const strbuf *text, char *err, size_t errlen) {
    const char *l = sum_line(sums, path);
    unsigned long long bytes;
    unsigned crc, got = (unsigned)crc32c(0, text->buf, text->len);
    if (!l || sscanf(l, "%llu %8x", &bytes, &crc) != 2) {
        snprintf(err, errlen, "data file %s has no checksum in %s (%s)", path, sums->file,
                 *sums->text ? "a file added to the snapshot?" : "it is empty: damaged?");
        return -1;
    }
    if (bytes == text->len && crc == got) return 0;
    snprintf(err, errlen, "data file %s is damaged: %zu bytes with CRC-32C %08x, but %s says %llu bytes with %08x",
             path, text->len, got, sums->file, bytes, crc);
    return -1;
}

/* Are all the data files that s->sums lists for snapshot s there (n of them)? */
static int check_sum_count(const snap_found *s, int n, char *err, size_t errlen) {
    char data[PATH_MAX + 8];
    snprintf(data, sizeof data, "%s/data/", s->dir);
    const char *rel = data + s->sums->prefix;
    size_t len = strlen(rel);
    int listed = 0;
    for (const char *l = s->sums->text; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l))
        listed += strncmp(l, rel, len) == 0;
    if (listed <= n) return 0;
    snprintf(err, errlen, "%s lists %d data file%s in %s, but only %d %s there (a data file removed?)",
             s->sums->file, listed, plural_s((unsigned)listed), data, n, n == 1 ? "is" : "are");
    return -1;
}

int snap_load(const snap_found *s, const snap_loader *ld, void *ctx, char *err, size_t errlen) {
    char(*paths)[PATH_MAX] = NULL;
    int n = snap_list_data(s, &paths, err, errlen);
    if (n < 0) return -1;
    /* Every file is read once and its bytes kept until they are stored: a
     * second read could see a file changed since it was checked (another
     * save, a copy still being written), and a failure then would leave
     * the files before it stored — a 142 with part of the snapshot in
     * memory.  The load needs that much memory for what it stores anyway. */
    strbuf *texts = calloc(n ? (size_t)n : 1, sizeof *texts);
    if (!texts) abort();
    jdoc d = JDOC_INIT;
    int rc = -1;
    if (s->sums && check_sum_count(s, n, err, errlen)) goto out;
    for (int i = 0; i < n; i++) {
        if (snap_read_file(paths[i], &texts[i], err, errlen) ||
            (s->sums && check_sum(s->sums, paths[i], &texts[i], err, errlen)) ||
            ld->check(paths[i], &texts[i], &d, err, errlen))
            goto out;
        ld->plan(&d, ctx);
    }
    if ((rc = ld->ready(ctx, err, errlen)) != 0) goto out;
    for (int i = 0; i < n; i++) {
        /* the same bytes as checked above: this parse cannot fail */
        if (ld->check(paths[i], &texts[i], &d, err, errlen)) abort();
        ld->apply(&d, ctx);
        sb_free(&texts[i]);
    }
    rc = 0;
out:
    for (int i = 0; i < n; i++) sb_free(&texts[i]);
    free(texts);
    free(paths);
    jdoc_free(&d);
    return rc;
}
