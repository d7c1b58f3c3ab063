/*
 * auto_layout.h — where the journal and the automatic snapshots live.
 *
 *   P/@ndb/journal/<generation>.jnl          journal files (journal_format.h)
 *   P/@ndb/snapshots/<generation>/kv/<ts>/   the keys, in the snapshot format of
 *   P/@ndb/snapshots/<generation>/sessions/<ts>/   docs/protocol.md 6 (snapshot.h)
 *
 * P is the persist path.  '@' is not allowed in a dataset name (6.1), so
 * "@ndb" can never collide with a dataset of KV_SAVE / SH_SAVE, and no
 * protocol command can read or write in it.  Generations are decimal
 * numbers written with 20 digits, so names sort like their values.
 *
 * The automatic snapshot of generation g holds the state at the moment the
 * journal file of generation g was started: recovery loads the newest
 * complete automatic snapshot and replays the journal files of its
 * generation and later ones, in order.  An automatic snapshot is complete
 * when both its kv and its sessions snapshots are (each has its own
 * complete-marker, snapshot.c).
 */
#ifndef NDB_AUTO_LAYOUT_H
#define NDB_AUTO_LAYOUT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "server/snapshot.h"

#define AUTO_DIR_NAME "@ndb"

/* Room left in a PATH_MAX buffer for a generation's file or directory name. */
#define AUTO_PATH_MAX (PATH_MAX - 64)

typedef struct auto_layout {
    char root[AUTO_PATH_MAX];      /* P/@ndb */
    char journal[AUTO_PATH_MAX];   /* P/@ndb/journal */
    char snapshots[AUTO_PATH_MAX]; /* P/@ndb/snapshots */
} auto_layout;

/* Fill the paths for persist path P.  Returns 0, or -1 if they are too long. */
int auto_layout_init(auto_layout *L, const char *persist_path);

/* Create the directories that are missing (and sync their parents).
 * Returns 0, or -1 with the reason in err. */
int auto_layout_create(const auto_layout *L, char *err, size_t errlen);

/* Take P/@ndb/lock (flock, exclusive, not waiting): one server per persist
 * path, and no journal repair under a running server.  Returns the
 * descriptor that holds it (close it to let go), or -1 with the reason in
 * err (*busy set when another process holds it; errno EACCES when the
 * lock file's mode refused it). */
int auto_layout_lock(const auto_layout *L, int *busy, char *err, size_t errlen);

/* The same for a reader that writes nothing (ndb journal check): the lock
 * file is opened read-only and never created, so a persist path this
 * process may not write (a read-only mount, another user's copy) can be
 * checked.  -2 when there is no lock file: no server uses the path. */
int auto_layout_lock_read(const auto_layout *L, int *busy, char *err, size_t errlen);

/* Is the file open on fd still the one at path?  0 once it was removed,
 * or moved away with its directory (an rm -rf or mv of the persist path
 * under a running server), or path names another file now. */
int auto_fd_at_path(int fd, const char *path);

/* Does P/@ndb exist? */
int auto_layout_exists(const auto_layout *L);

/* The path of journal file `gen`, and of the automatic snapshot `gen`. */
void auto_journal_path(const auto_layout *L, uint64_t gen, char *out, size_t outlen);
void auto_snapshot_path(const auto_layout *L, uint64_t gen, char *out, size_t outlen);

/* The generations present, ascending: journal files (names of 20 digits
 * then ".jnl"), snapshot directories (20 digits).  Other entries are
 * ignored.  Returns the count, or -1 with err set if the directory cannot
 * be read (a missing directory is 0).  *gens is malloc'd (free it). */
int auto_list_journals(const auto_layout *L, uint64_t **gens, char *err, size_t errlen);
int auto_list_snapshots(const auto_layout *L, uint64_t **gens, char *err, size_t errlen);

/* Is automatic snapshot `gen` complete?  Fills kv and sessions with its two
 * snapshots if so (1); 0 if not, with the reason in why. */
int auto_snapshot_complete(const auto_layout *L, uint64_t gen, snap_found *kv, snap_found *sessions, char *why,
                           size_t whylen);

/* fsync directory dir, so that an entry created, renamed or removed in it
 * is durable.  Returns 0, or -1 with errno set. */
int auto_sync_dir(const char *dir);

/* Bytes of the regular files under path (0 if it does not exist). */
uint64_t auto_tree_bytes(const char *path);

/* Remove path and everything under it.  Returns 0, or -1 (errno set). */
int auto_remove_tree(const char *path);

/* After automatic snapshot `newest` completed: keep the newest `keep`
 * complete automatic snapshots (0 = all) and remove older ones, incomplete
 * snapshot directories older than `newest`, and the journal files older than
 * the oldest snapshot kept (recovery from any kept snapshot still has every
 * journal file it needs).  Logs what it removed; failures are logged and
 * otherwise ignored (the files are merely left behind). */
void auto_retention(const auto_layout *L, uint64_t newest, unsigned keep);

#endif
