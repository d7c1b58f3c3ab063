/*
 * request.h — one parsed request on its way through a handler, and the
 * helpers that write the response shapes of docs/protocol.md 1.8.
 *
 * Handlers append exactly one JSON response to r->out.  They never fail in
 * C terms: every outcome, including bad input, is a protocol response.
 * Handlers read data freely but change it only through the store
 * (r->srv->store, store.h).
 */
#ifndef NDB_REQUEST_H
#define NDB_REQUEST_H

#include <stdint.h>

#include "common/command_info.h"
#include "common/strbuf.h"
#include "json/scan.h"
#include "server/client.h"
#include "server/server.h"

typedef struct request {
    ndb_server *srv;
    client *cl;      /* the connection it came from */
    const jdoc *doc;
    uint32_t body;   /* token index of the command's body object */
    const char *cmd; /* decoded command name (not NUL-terminated) */
    size_t cmdlen;
    const cmd_info *ci; /* the command (NULL before it is found) */
    strbuf *out;     /* the reply goes here */
    uint64_t now;    /* monotonic ns, when the command applied due expiry */
} request;

static inline const jtok *req_tok(const request *r, uint32_t i) { return &r->doc->toks[i]; }

/* The request's time (monotonic ns), read once on first use. */
static inline uint64_t request_now(request *r) {
    if (!r->now) r->now = expiry_now_ns();
    return r->now;
}

/* {"ERR":{"m":"","st":N}} */
void rsp_err(strbuf *out, unsigned st);
/* {"<CMD>_RSP":{"m":"<m>","st":N,"tkn":null}} — the shape of every
 * validation and structural failure. */
void rsp_fail(request *r, unsigned st, const char *m);
/* {"<CMD>_RSP":{   — open a response; members follow, then rsp_end(). */
void rsp_begin(request *r);
/* ...,"st":N}}     — close a response opened with rsp_begin. `first` says
 * whether no member was written before. */
void rsp_end_st(request *r, unsigned st, int first);
/* {"<CMD>_RSP":{"st":N}} */
void rsp_st_only(request *r, unsigned st);

/* Protocol status codes (docs/protocol.md section 2): ST_OK = 1, ST_KEY_NOT_EXIST
 * = 22, ...; the list is common/status.def, shared with the client. */
enum status {
#define NDB_STATUS(value, ident, name, meaning) ST_##ident = value,
#include "common/status.def"
#undef NDB_STATUS
};

#endif
