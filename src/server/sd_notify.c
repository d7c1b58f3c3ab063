/*
 * sd_notify.c — see sd_notify.h.  systemd's unit starts ndb as
 * Type=notify so that `systemctl start ndb` (and units ordered after it)
 * return only once the server listens: recovering a large journal can take
 * a while, and a client started right after would be refused.
 */
#include "server/sd_notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"

void sd_notify_state(const char *state) {
    const char *path = getenv("NOTIFY_SOCKET");
    if (!path || !*path) return;
    struct sockaddr_un sa;
    size_t n = strlen(path);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if ((path[0] != '/' && path[0] != '@') || n >= sizeof sa.sun_path) {
        log_debug("NOTIFY_SOCKET is not a socket path ('%s'): systemd not told %s", path, state);
        return;
    }
    memcpy(sa.sun_path, path, n);
    if (path[0] == '@') sa.sun_path[0] = '\0'; /* an abstract socket */
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa,
                         (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0)
        log_debug("cannot tell systemd %s through %s: %s", state, path, strerror(errno));
    if (fd >= 0) close(fd);
}
