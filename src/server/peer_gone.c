/*
 * peer_gone.c — a clean close seen without reading (see peer_gone.h).
 */
#define _GNU_SOURCE /* POLLRDHUP */
#include "server/peer_gone.h"

#include <poll.h>

int peer_gone(int fd) {
    /* POLLRDHUP: the peer shut down its writing side, even with data it
     * sent still unread (a request behind the login will never be
     * answered to anyone: a WebSocket client that half-closes without a
     * close frame has gone, RFC 6455 7.1.5) */
    struct pollfd p = {.fd = fd, .events = POLLRDHUP, .revents = 0};
    return fd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}
