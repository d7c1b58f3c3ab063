/*
 * dispatch.h — from the bytes of one WebSocket message to one response.
 *
 * This is the whole request pipeline of docs/protocol.md 1.7 minus transport:
 * the connection layer hands over a complete message and gets back exactly
 * one response appended to `out`.  No I/O happens here, which is what lets
 * unit tests and the fuzzer drive the server without sockets.
 */
#ifndef NDB_DISPATCH_H
#define NDB_DISPATCH_H

#include <stddef.h>

#include "common/strbuf.h"
#include "server/client.h"
#include "server/server.h"

/* Run one message from client cl through the pipeline; its reply (exactly
 * one, unless the handler deferred it with client_defer) is appended to
 * out. */
void dispatch_message(ndb_server *s, client *cl, const char *msg, size_t len, int binary, strbuf *out);

#endif
