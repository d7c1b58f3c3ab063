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

#define NDB_FILE_MODE 0600
#define NDB_DIR_MODE 0700

#endif
