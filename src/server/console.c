/*
 * console.c — serve the embedded web console over plain HTTP (console.h).
 *
 * Only the files compiled in exist: a path is looked up exactly in the
 * generated table, so "..", "%2e%2e", "//" and friends simply name no
 * file.  Responses carry the same security headers whatever their status;
 * a body is written from the table in pieces of XFER_CHUNK bytes, one per
 * writeable callback, and the connection is kept alive for the page's next
 * file (within its handshake time: the transport says when it is over).
 */
#include "server/console.h"

#include <libwebsockets.h>
#include <string.h>

/* Most body bytes written per writeable callback. */
#define XFER_CHUNK (16 * 1024)

/* One transfer in progress on a connection (lives in the transport's
 * per-connection memory, CONSOLE_STATE_SIZE bytes, zeroed by lws). */
typedef struct xfer {
    const console_file *file; /* the body being written; NULL: none */
    size_t sent;              /* bytes of it written so far */
    int close;                /* close the connection after it (not kept alive) */
} xfer;
_Static_assert(sizeof(xfer) <= CONSOLE_STATE_SIZE, "CONSOLE_STATE_SIZE too small");

/* Why each header is there:
 *  - the CSP allows code, styles, images and connections (the WebSocket
 *    back to the server) from the server's own origin only: no inline
 *    script or style, no eval, no framing, no forms posting elsewhere;
 *    CSP level 3 lets 'self' match ws:// and wss:// of the same host;
 *  - nosniff makes browsers trust our Content-Type, never guess one;
 *  - no-cache with an ETag: a browser revalidates (cheap, 304) and so
 *    never runs a console older than the server it talks to;
 *  - no referrer, no embedding by other origins. */
static const char *const security_headers[][2] = {
    {"content-security-policy:",
     "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
     "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
    {"x-content-type-options:", "nosniff"},
    {"x-frame-options:", "DENY"},
    {"referrer-policy:", "no-referrer"},
    {"cross-origin-opener-policy:", "same-origin"},
    {"cross-origin-resource-policy:", "same-origin"},
    {"cache-control:", "no-cache"},
};

static const unsigned char text_not_found[] = "404 Not Found\n";
static const unsigned char text_not_allowed[] = "405 Method Not Allowed: only GET and HEAD\n";
static const unsigned char text_forbidden[] =
    "403 Forbidden: the Host header does not name this ndb server (see --allow-host)\n";
static const console_file not_found = {"/404.txt", text_not_found, sizeof text_not_found - 1, NULL};
static const console_file not_allowed = {"/405.txt", text_not_allowed, sizeof text_not_allowed - 1, NULL};
static const console_file forbidden = {"/403.txt", text_forbidden, sizeof text_forbidden - 1, NULL};

const console_file *console_find(const char *path) {
    if (!strcmp(path, "/")) path = "/index.html";
    for (size_t i = 0; i < console_nfiles; i++)
        if (!strcmp(console_files[i].path, path)) return &console_files[i];
    return NULL;
}

const char *console_content_type(const char *path) {
    static const char *const types[][2] = {
        {".html", "text/html; charset=utf-8"},      {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},  {".svg", "image/svg+xml"},
        {".png", "image/png"},                      {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (!strcmp(dot, types[i][0])) return types[i][1];
    return "application/octet-stream";
}

/* Add a header; returns nonzero when the header buffer is full. */
static int add_header(struct lws *wsi, const char *name, const char *value, unsigned char **p,
                      unsigned char *end) {
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name, (const unsigned char *)value,
                                       (int)strlen(value), p, end);
}

/* Does the request's If-None-Match name etag (or "*")? */
static int etag_matches(struct lws *wsi, const char *etag) {
    char have[256];
    if (!etag || lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_IF_NONE_MATCH) <= 0) return 0;
    if (lws_hdr_copy(wsi, have, sizeof have, WSI_TOKEN_HTTP_IF_NONE_MATCH) < 0) return 0;
    return strstr(have, etag) != NULL || !strcmp(have, "*");
}

/* Write the status line and headers for f (its length as Content-Length,
 * except for 304), and arrange for its body to follow when `body`.
 * Returns what the lws callback must return. */
static int respond(struct lws *wsi, xfer *x, unsigned code, const console_file *f, int body) {
    unsigned char buf[LWS_PRE + 2048];
    unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
    lws_filepos_t len = f->len; /* for 304 and HEAD: what a 200 would carry */
    if (lws_add_http_common_headers(wsi, code, console_content_type(f->path), len, &p, end)) return -1;
    for (size_t i = 0; i < sizeof security_headers / sizeof security_headers[0]; i++)
        if (add_header(wsi, security_headers[i][0], security_headers[i][1], &p, end)) return -1;
    if (f->etag && add_header(wsi, "etag:", f->etag, &p, end)) return -1;
    if (code == HTTP_STATUS_METHOD_NOT_ALLOWED && add_header(wsi, "allow:", "GET, HEAD", &p, end)) return -1;
    if (x->close && add_header(wsi, "connection:", "close", &p, end)) return -1;
    if (lws_finalize_write_http_header(wsi, start, &p, end)) return -1;
    if (body && f->len && code != HTTP_STATUS_NOT_MODIFIED) {
        x->file = f;
        x->sent = 0;
        lws_callback_on_writable(wsi);
        return 0;
    }
    x->file = NULL;
    return x->close || lws_http_transaction_completed(wsi) ? -1 : 0;
}

int console_http(struct lws *wsi, void *state, const char *uri, int enabled, int host_ok, int keep_alive) {
    xfer *x = state;
    int head = lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0;
    int get = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0;
    x->file = NULL;
    /* another method may have sent a body we did not read: never reuse the
     * connection after it */
    int other_method = !get && !head;
    x->close = other_method || !keep_alive;
    /* --no-console: every plain HTTP request is 404, whatever its method, as
     * other servers of the protocol answer (a 405 would offer a GET that
     * does not exist) */
    if (!enabled) return respond(wsi, x, HTTP_STATUS_NOT_FOUND, &not_found, !head);
    /* before the method, for the same reason: under a Host that does not
     * name the server no GET is served either */
    if (!host_ok) return respond(wsi, x, HTTP_STATUS_FORBIDDEN, &forbidden, !head);
    if (other_method) return respond(wsi, x, HTTP_STATUS_METHOD_NOT_ALLOWED, &not_allowed, 1);
    const console_file *f = uri ? console_find(uri) : NULL;
    if (!f) return respond(wsi, x, HTTP_STATUS_NOT_FOUND, &not_found, !head);
    if (etag_matches(wsi, f->etag)) return respond(wsi, x, HTTP_STATUS_NOT_MODIFIED, f, 0);
    return respond(wsi, x, HTTP_STATUS_OK, f, !head);
}

int console_http_writeable(struct lws *wsi, void *state) {
    xfer *x = state;
    const console_file *f = x->file;
    if (!f) return 0; /* nothing being sent (a stray callback) */
    unsigned char buf[LWS_PRE + XFER_CHUNK];
    size_t n = f->len - x->sent;
    if (n > XFER_CHUNK) n = XFER_CHUNK;
    int last = x->sent + n == f->len;
    memcpy(buf + LWS_PRE, f->data + x->sent, n); /* lws_write may use the LWS_PRE bytes before */
    if (lws_write(wsi, buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n) return -1;
    x->sent += n;
    if (!last) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    x->file = NULL;
    return x->close || lws_http_transaction_completed(wsi) ? -1 : 0;
}
