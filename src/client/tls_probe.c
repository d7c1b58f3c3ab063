/*
 * tls_probe.c — read the alert with which a TLS server refuses a client
 * (see tls_probe.h).
 */
#include "client/tls_probe.h"

#include <errno.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"

/* A non-blocking socket connected to host:port by the deadline, or -1. */
static int connect_to(const char *host, int port, long long deadline) {
    struct addrinfo hints, *res = NULL;
    char p[8];
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    snprintf(p, sizeof p, "%d", port);
    if (getaddrinfo(host, p, &hints, &res)) return -1;
    int fd = -1;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS) {
            close(fd);
            fd = -1;
            continue;
        }
        struct pollfd pfd = {fd, POLLOUT, 0};
        int e = 0;
        socklen_t sl = sizeof e;
        long long left = deadline - mono_ms_i64();
        if (left < 1 || poll(&pfd, 1, (int)left) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) || e) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

int tls_probe_alert(const char *host, int port, const char *cert, const char *key, int timeout_ms, char *alert,
                    size_t alertlen) {
    long long deadline = mono_ms_i64() + timeout_ms;
    int found = 0, fd = connect_to(host, port, deadline);
    SSL_CTX *ctx = fd >= 0 ? SSL_CTX_new(TLS_client_method()) : NULL;
    SSL *ssl = NULL;
    if (ctx) {
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        if ((!cert || SSL_CTX_use_certificate_chain_file(ctx, cert) == 1) &&
            (!key || SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1))
            ssl = SSL_new(ctx);
    }
    if (ssl && SSL_set_fd(ssl, fd) == 1) {
        SSL_set_tlsext_host_name(ssl, host);
        int connected = 0;
        char byte;
        for (;;) { /* the handshake, then one read: the server's answer to us */
            ERR_clear_error();
            int r = connected ? SSL_read(ssl, &byte, 1) : SSL_connect(ssl);
            if (r == 1 && !connected) {
                connected = 1;
                continue;
            }
            int e = r > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl, r);
            long long left = deadline - mono_ms_i64();
            if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) && left > 0) {
                struct pollfd pfd = {fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, 0};
                if (poll(&pfd, 1, (int)left) == 1) continue;
            }
            unsigned long err = ERR_peek_error();
            const char *why = err ? ERR_reason_error_string(err) : NULL;
            if (why && strstr(why, "alert")) {
                snprintf(alert, alertlen, "%s", why);
                found = 1;
            }
            break;
        }
    }
    ERR_clear_error();
    if (ssl) SSL_free(ssl);
    if (ctx) SSL_CTX_free(ctx);
    if (fd >= 0) close(fd);
    return found;
}
