/*
 * core_dumps.h — no core files of ndb by default.
 *
 * A core file is the whole memory of the process: the server's data, the
 * TLS private key, the users' password hashes and the passwords of SV_AUTH
 * requests as they arrived; a client's --password-file password and its
 * SV_AUTH text.  It is written where the crash happened (or handed to a
 * core handler such as systemd-coredump or apport) and readable by whoever
 * reads those.  So every ndb command starts with core dumps off;
 * `ndb serve --core-dumps` (config "coreDumps": true) turns them back on
 * for debugging (ndb-serve(1), "Core dumps").
 */
#ifndef NDB_CORE_DUMPS_H
#define NDB_CORE_DUMPS_H

/* Soft RLIMIT_CORE to 0 (the hard limit stays, so that core_dumps_on can
 * restore it) and the process not dumpable (PR_SET_DUMPABLE 0), which also
 * stops a core handler named by a pipe in core_pattern, which the kernel
 * runs whatever RLIMIT_CORE says.  Call before anything secret is read. */
void core_dumps_off(void);

/* Undo core_dumps_off: the soft limit it found, dumpable again. */
void core_dumps_on(void);

#endif
