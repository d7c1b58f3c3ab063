/*
 * sd_notify.c — see sd_notify.h.  systemd's unit starts ndb as
 * Type=notify so that `systemctl start ndb` (and units ordered after it)
 * return only once the server listens: recovering a large journal can take
 * a while, and a client started right after would be refused.
 */
#include "server/sd_notify.h"

#include <errno.h>
#include <inttypes.h>
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
    /* MSG_DONTWAIT: a receiver whose queue is full (one that reads no
     * datagrams; systemd reads them as they come) must not hold the event
     * loop, and with it every client, until it reads: the message is dropped,
     * said at debug level, as when the socket is missing. */
    if (fd < 0 || sendto(fd, state, strlen(state), MSG_NOSIGNAL | MSG_DONTWAIT, (struct sockaddr *)&sa,
                         (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0)
        log_debug("cannot tell systemd %s through %s: %s", state, path, strerror(errno));
    if (fd >= 0) close(fd);
}

/* The watchdog interval systemd asks for, in microseconds, or 0: none set,
 * not a positive number, or meant for another process (WATCHDOG_PID). */
static uint64_t watchdog_usec(void) {
    const char *us = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
    char *end;
    if (pid && *pid) {
        errno = 0;
        long long p = strtoll(pid, &end, 10);
        if (errno || *end || p != (long long)getpid()) return 0;
    }
    if (!us || *us < '0' || *us > '9') return 0;
    errno = 0;
    unsigned long long v = strtoull(us, &end, 10);
    return errno || *end ? 0 : (uint64_t)v;
}

static lws_sorted_usec_list_t watchdog_sul;
static struct lws_context *watchdog_ctx;
static lws_usec_t watchdog_every;

static void on_watchdog(lws_sorted_usec_list_t *sul) {
    (void)sul;
    sd_notify_state("WATCHDOG=1"); /* this runs only when the event loop does */
    lws_sul_schedule(watchdog_ctx, 0, &watchdog_sul, on_watchdog, watchdog_every);
}

/* The shortest time between two pings.  Half of an interval under 2 ms would
 * have the loop send a datagram on every turn (WATCHDOG_USEC=1: a ping every
 * microsecond, a core spent on it) for a watchdog that no event loop doing
 * real work can satisfy anyway: such an interval is named in a warning. */
#define WATCHDOG_MIN_EVERY_US 1000u

/* The longest: pings at least once an hour, whatever the interval.  Half of
 * the largest one (systemd's "infinity", 2^64 - 1 us) added to the loop's
 * clock overflowed, and the timer was due on every turn: pings without end,
 * a core spent, and SIGTERM never acted on.  Pinging more often than asked
 * costs nothing. */
#define WATCHDOG_MAX_EVERY_US 3600000000u

void sd_watchdog_start(struct lws_context *ctx) {
    uint64_t us = watchdog_usec();
    if (!us) return;
    watchdog_ctx = ctx;
    if (us / 2 < WATCHDOG_MIN_EVERY_US) {
        watchdog_every = WATCHDOG_MIN_EVERY_US;
        log_warn("systemd watchdog: WatchdogSec %" PRIu64 " us is too short to keep: WATCHDOG=1 every 1 ms, "
                 "the most often this server sends it, and systemd stops it at the first ping that is late; "
                 "set WatchdogSec well above the longest command (seconds)",
                 us);
        on_watchdog(&watchdog_sul);
        return;
    }
    watchdog_every = us / 2 < WATCHDOG_MAX_EVERY_US ? (lws_usec_t)(us / 2) : WATCHDOG_MAX_EVERY_US;
    log_info("systemd watchdog: WATCHDOG=1 every %" PRIu64 " ms (WatchdogSec %" PRIu64 " ms)",
             (uint64_t)watchdog_every / 1000, us / 1000);
    on_watchdog(&watchdog_sul);
}

void sd_watchdog_forget(void) {
    memset(&watchdog_sul, 0, sizeof watchdog_sul);
    watchdog_ctx = NULL;
}
