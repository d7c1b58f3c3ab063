/*
 * filemode.h — the modes of what the server creates under the persist
 * path: snapshots, the journal, and the directories and files of @ndb.
 * They hold the data (sessions, one-time passwords, whatever clients
 * store), so only the server's user may read them, whatever the umask (it
 * can only take permissions away); a directory given as the persist path
 * is the administrator's and keeps its mode.
 */
#ifndef NDB_FILEMODE_H
#define NDB_FILEMODE_H

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#define NDB_FILE_MODE 0600
#define NDB_DIR_MODE 0700

/* Why a file of mode m that is not a regular file is refused ("not a
 * regular file (a FIFO)", ...).  The server opens what it reads under the
 * persist path with O_NONBLOCK and checks this: opening a FIFO for reading
 * would otherwise wait for a writer, with the server or `ndb journal`
 * stopped. */
static inline const char *ndb_file_kind(mode_t m) {
    return S_ISDIR(m) ? strerror(EISDIR) : S_ISFIFO(m) ? "not a regular file (a FIFO)"
         : S_ISSOCK(m) ? "not a regular file (a socket)" : S_ISCHR(m) ? "not a regular file (a character device)"
         : S_ISBLK(m) ? "not a regular file (a block device)" : "not a regular file";
}

#endif
