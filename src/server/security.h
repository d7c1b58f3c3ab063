/*
 * security.h — the start-up side of README "Security": protected mode,
 * the TLS file checks, and the log lines saying what is in force.
 */
#ifndef NDB_SECURITY_H
#define NDB_SECURITY_H

#include <stddef.h>

#include "server/config.h"

/* Refuse a configuration that would expose the data by accident:
 * listening on an address that is not loopback with no users while
 * protected mode is on (the message says how to add a user, or to pass
 * --no-auth); TLS files that are missing, unreadable or do not match
 * (tls_server_check).  Returns 0, or -1 with the reason in err (which may
 * hold several lines: the first is the error, the others the way out). */
int security_check_startup(const ndb_config *cfg, char *err, size_t errlen);

/* Log what is in force: allowed origins and hosts, users, TLS, protected
 * mode; warnings for '*' among the origins and for a non-loopback address
 * served without users (--no-auth). */
void security_log(const ndb_config *cfg);

/* Is ip (an address literal) a loopback address? */
int security_ip_is_loopback(const char *ip);

#endif
