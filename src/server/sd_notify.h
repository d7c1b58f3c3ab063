/*
 * sd_notify.h — telling systemd the server's state (the unit is
 * Type=notify), without linking libsystemd: one datagram to the socket
 * named by $NOTIFY_SOCKET (sd_notify(3)'s protocol).  Without that
 * variable (not started by systemd) nothing happens.
 */
#ifndef NDB_SD_NOTIFY_H
#define NDB_SD_NOTIFY_H

/* Send `state` ("READY=1", "STOPPING=1"); failures are logged at debug
 * level only: a server must run whether or not anyone listens. */
void sd_notify_state(const char *state);

#endif
