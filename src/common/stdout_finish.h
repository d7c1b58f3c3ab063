/*
 * stdout_finish.h — the last step of a command that printed to stdout
 * (the client's commands, and the server's --help and `ndb journal`):
 * make sure what it printed was written.
 */
#ifndef NDB_STDOUT_FINISH_H
#define NDB_STDOUT_FINISH_H

/* Flush stdout; returns 0, or -1 when the output could not be written (a
 * full disk...), said once on stderr however often it is called.  A reader
 * that went away (EPIPE: `ndb keys | head -1`) took what it wanted: 0. */
int stdout_finish(void);

#endif
