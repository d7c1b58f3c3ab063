/*
 * sd_notify.h — telling systemd the server's state (the unit is
 * Type=notify), without linking libsystemd: one datagram to the socket
 * named by $NOTIFY_SOCKET (sd_notify(3)'s protocol).  Without that
 * variable (not started by systemd) nothing happens.
 */
#ifndef NDB_SD_NOTIFY_H
#define NDB_SD_NOTIFY_H

#include <libwebsockets.h>

/* Send `state` ("READY=1", "STOPPING=1"); failures are logged at debug
 * level only: a server must run whether or not anyone listens. */
void sd_notify_state(const char *state);

/* systemd's watchdog (WatchdogSec= in the unit: $WATCHDOG_USEC, and
 * $WATCHDOG_PID when set naming this process): once the server is ready,
 * send WATCHDOG=1 every half of that interval from a timer of the event
 * loop, so that a loop stuck longer than the interval (a hang) gets the
 * service killed and, under Restart=on-failure, started again.  Without
 * the variables nothing is scheduled.  Logs the interval at info level. */
void sd_watchdog_start(struct lws_context *ctx);

/* Forget the timer (its list goes with the lws context being destroyed). */
void sd_watchdog_forget(void);

#endif
