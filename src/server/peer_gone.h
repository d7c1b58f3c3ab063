/*
 * peer_gone.h — has the client at the other end of a socket closed its
 * side, while the server is not reading it?
 *
 * A connection whose input is held (a login being checked, a save under
 * the durability gate) is not read: a reset shows at once (the poll
 * reports an error), but a clean close (FIN) is only data to read, seen
 * when input resumes.  Until then a client that had gone kept its slot of
 * maxConnections, and its login was still checked for nobody.  The
 * transport asks this on its tick for each held connection that lws
 * reads (the lws path, TLS), where the end of the stream ends the
 * connection anyway; the direct path keeps a half-closed client, which
 * still gets its answers.
 */
#ifndef NDB_PEER_GONE_H
#define NDB_PEER_GONE_H

/* 1 when the peer of socket fd has shut its side down (FIN) or the
 * socket has failed, else 0; never blocks, reads nothing. */
int peer_gone(int fd);

#endif
