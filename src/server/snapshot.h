/*
 * snapshot.h — the on-disk snapshot format of docs/protocol.md section 6,
 * written crash-safely.
 *
 *   <base>/<name>/<timestamp ns>/md/md.json    metadata (status 1 = complete)
 *   <base>/<name>/<timestamp ns>/data/0, 1 ...  data files, ≥ 10 MiB each but the last
 *
 * Crash safety (decision 10): every file is written under a temporary name,
 * fsynced, renamed into place, and its directory fsynced.  The metadata is
 * first written as Pending and rewritten as Complete only after every data
 * file is durable, so a crash at any moment leaves either a complete
 * snapshot or one that loaders skip.  Loaders pick the newest snapshot
 * whose metadata says Complete and ignore directory entries that are not
 * snapshots (Q17).
 *
 * This file knows files and directories only; what goes into the records
 * is the business of persist_kv.c / persist_sessions.c.
 */
#ifndef NDB_SNAPSHOT_H
#define NDB_SNAPSHOT_H

#include <dirent.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "json/scan.h"

/* saveDataType: 0 and 1 are the only kinds (docs/protocol.md 6.2); any
 * other value in a snapshot's metadata reads as SNAP_UNKNOWN. */
enum { SNAP_KV = 0, SNAP_SESSIONS = 1, SNAP_UNKNOWN = 2 };

/* The longest path a dataset directory (BASE/NAME) may have: its
 * snapshots' files go below it ("/<id, 20 digits>/data/<file>", md/md.json,
 * checksums), and the save and the load hold it to the same bound, so that
 * a save answered 121 can always be loaded. */
#define SNAP_DATASET_PATH_MAX (PATH_MAX - 64)

/* Bytes after which a data file is closed and the next one started. */
#define SNAP_FILE_TARGET (10u * 1024 * 1024)

/* Dataset names: [A-Za-z0-9_.-]{1,200}, not "." or ".." (Q16). */
int snapshot_name_ok(const char *name, size_t n);
#define SNAPSHOT_NAME_RULE "dataset names must match [A-Za-z0-9_.-]{1,200} and not be '.' or '..'"

/* The checksums of a snapshot's data files, one line "<path> <bytes>
 * <CRC-32C, 8 hex digits>" per file, the path without the first `prefix`
 * bytes (the directory of the checksum file and '/'): an automatic
 * snapshot's (autosnap.c) in its directory, "kv/TS/data/0 ...", and a
 * dataset snapshot's (KV_SAVE, SH_SAVE) in the snapshot's directory,
 * "data/0 ..." — other servers read only md/ and data/ and ignore it.
 * Writing: snap_writer appends a line for each data file to `out`.
 * Loading: snap_load checks each data file it reads against `text`, and
 * that none listed is missing.  A snapshot without the file (written by
 * an older ndb or another server) loads unchecked. */
typedef struct snap_sums {
    strbuf *out;      /* writing: where the lines go */
    const char *text; /* loading: the checksum file, NUL-terminated */
    const char *file; /* loading: its path, for messages */
    size_t prefix;
} snap_sums;

#define SNAP_SUMS_FILE "checksums"

/* Read dir's checksum file into text (sums points at it, and sums->file at
 * a static buffer: one load at a time); without the file, sums->text stays
 * NULL.  0, or -1 with err (the file is there but cannot be read). */
int snap_read_sums(const char *dir, strbuf *text, snap_sums *sums, char *err, size_t errlen);

typedef struct snap_writer {
    char dir[PATH_MAX]; /* <base>/<name>/<ts> */
    int made_dir;       /* dir was created by this save (snap_begin removes it if it fails) */
    char name[256];
    int type;           /* SNAP_KV or SNAP_SESSIONS */
    uint64_t start_ms;
    unsigned files;     /* data files written so far */
    unsigned records;   /* records in the current file */
    strbuf buf;         /* the current data file */
    const char *open_text, *close_text; /* each file is open_text records... close_text */
    strbuf trailer;     /* KV: an object member written after `keys` in the
                         * current data file (snap_trailer_member) */
    const snap_sums *sums; /* set after snap_begin to checksum the data files; NULL: none */
    int lock_fd;        /* dir, locked while this save writes it (snap_dir_busy); -1: none */
} snap_writer;

/* Create the snapshot directory and its Pending metadata.  Returns 0, or -1
 * with a reason in err (the caller answers 122). */
int snap_begin(snap_writer *w, const char *base, const char *name, int type, char *err, size_t errlen);
/* Start a record in the current data file (writes the separator); the
 * caller appends the record's text to w->buf, then calls snap_end_record. */
void snap_begin_record(snap_writer *w);
/* KV files: start a member of the object `name` that follows `keys` in
 * the current data file (e.g. "ttl"); the caller appends "member":value
 * to w->trailer.  Call it after snap_begin_record of the record it belongs
 * to, so the member lands in the same file. */
void snap_trailer_member(snap_writer *w, const char *name);
/* Flushes the current file when it has reached the target size.  Returns 0
 * or -1 with err set (the caller answers 123). */
int snap_end_record(snap_writer *w, char *err, size_t errlen);
/* Write the last data file, then the final metadata: Complete when ok and
 * every write succeeded, Error otherwise.  Returns 0 if the snapshot is
 * complete, -1 with err set if not.  Frees the writer's buffers. */
int snap_finish(snap_writer *w, int ok, char *err, size_t errlen);

typedef struct snap_found {
    char dir[PATH_MAX]; /* the chosen snapshot directory */
    uint64_t ts;        /* its timestamp (directory name) */
    int type;           /* SNAP_KV or SNAP_SESSIONS (snap_find_latest refuses others) */
    uint64_t save_type; /* saveDataType as its metadata says it */
    const snap_sums *sums; /* set after finding it to check its data files; NULL: none */
} snap_found;

/* Find the newest complete snapshot of <base>/<name>.  Incomplete or
 * unreadable newer ones are skipped with a warning in the log.  Returns 0,
 * or -1 with a reason in err — also when that snapshot's saveDataType is
 * neither 0 nor 1: no loader knows what it holds. */
int snap_find_latest(const char *base, const char *name, snap_found *out, char *err, size_t errlen);

/* The kind of that snapshot (SNAP_KV, SNAP_SESSIONS or SNAP_UNKNOWN, with
 * its saveDataType in *raw), or -1 if the dataset has none; quiet (a save
 * asks before writing, not a load). */
int snap_latest_type(const char *base, const char *name, uint64_t *raw);

/* Is the snapshot directory dir complete (metadata status 1 and a data
 * directory)?  1 with *type set (SNAP_UNKNOWN for a saveDataType other
 * than 0 and 1), or 0 with the reason in why. */
int snap_is_complete(const char *dir, int *type, char *why, size_t whylen);

/* The timestamps of the snapshot directories in dataset (names of 1 to 19
 * digits; temporary files and anything else are skipped), newest first,
 * into *ts (malloc'd; the caller frees it).  Returns how many; consumes
 * and closes d. */
size_t snap_list_newest_first(DIR *d, uint64_t **ts);

/* Retention (persist.keepSnapshots): in dataset <base>/<name>, keep the
 * newest `keep` complete snapshots (0: all) and remove the older ones, and
 * every incomplete snapshot older than the newest complete one (left by a
 * crash or a failed save) that no save is still writing (snap_dir_busy:
 * another server's, on a shared persist path) and that holds nothing but
 * what a save writes.  Entries that are not snapshots stay: a numbered
 * directory of other files with a warning.  Returns
 * how many snapshots were removed (failures are logged). */
unsigned snap_retention(const char *base, const char *name, unsigned keep);

/* Lock the snapshot directory dir that a save has just created, for as
 * long as it writes it (close the descriptor to unlock).  A retention's
 * probe of that lock (snap_dir_busy) holding it at that instant is waited
 * for.  The descriptor, or -1 with errno set. */
int snap_lock_dir(const char *dir);

/* Is the snapshot directory dir being written now (a save, of this or
 * another process, holds its lock)?  1 or 0. */
int snap_dir_busy(const char *dir);

/* The data files of a snapshot, sorted by number.  Returns the count (0 is
 * a valid, empty snapshot) or -1 with err set; *paths is malloc'd, each
 * entry PATH_MAX long. */
int snap_list_data(const snap_found *s, char (**paths)[PATH_MAX], char *err, size_t errlen);

/* Read a whole regular file (or a symbolic link to one) into out; anything
 * else (a FIFO, a device, a directory) is refused without blocking.
 * Returns 0 or -1 with err set. */
int snap_read_file(const char *path, strbuf *out, char *err, size_t errlen);

/* Loading is all or nothing.  snap_load reads every data file of s and
 * passes it to ld->check (which parses it into d and returns 0, or -1 with
 * err naming the file) and then to ld->plan (which adds what the file
 * would store to the loader's plan); once every file passed, ld->ready
 * says whether the whole load may go ahead (e.g. it fits under maxMemory;
 * -1 with err if not); only then is each file handed to ld->apply.  Each
 * file is read once: the bytes checked and planned are the bytes stored
 * (parsed again from memory for apply), so every data file of the
 * snapshot is held in memory until it is stored.  Returns 0, -1 with err
 * set, or what ld->ready returned when it refused (a negative value of
 * its choosing). */
typedef struct snap_loader {
    int (*check)(const char *path, const strbuf *text, jdoc *d, char *err, size_t errlen);
    void (*plan)(const jdoc *d, void *ctx);
    int (*ready)(void *ctx, char *err, size_t errlen);
    void (*apply)(const jdoc *d, void *ctx);
} snap_loader;
int snap_load(const snap_found *s, const snap_loader *ld, void *ctx, char *err, size_t errlen);

/* Write the last data file now (snap_finish would), so that everything
 * but the final metadata is on disk.  0, or -1 with err. */
int snap_flush(snap_writer *w, char *err, size_t errlen);

/* Write data to dir/name durably (a temporary name, fsync, rename, the
 * directory synced).  0, or -1 with errno set. */
int snap_write_atomic(const char *dir, const char *name, const char *data, size_t n);

/* Why jdoc_parse refused data file `path` (text; the parse stopped at
 * byte pos).  A data file may hold a value nested deeper than ndb's parser
 * goes (another server wrote it, or a hand), and the refusal should say so,
 * not "not valid JSON".  When the parse stopped at the nesting limit inside
 * the value of a member of a `keys` object whose own object sits keys_at
 * levels down (0: the root's "keys", 1: a record's "keys" in a root array),
 * returns 1 with that member's decoded name in *key and, for a root array,
 * the record's index in *element: the caller names the key.  Otherwise
 * writes the refusal (not JSON, or nested too deep elsewhere) into err and
 * returns 0. */
int snap_parse_refusal(const char *path, const strbuf *text, size_t pos, unsigned keys_at, strbuf *key,
                       uint32_t *element, char *err, size_t errlen);

/* Into out: `key "K"` for key k (kn bytes) as refusals name it — JSON-escaped,
 * cut to its first 64 bytes (never inside a character) with its length
 * after "..." when longer. */
void snap_key_name(strbuf *out, const char *k, size_t kn);

#endif
