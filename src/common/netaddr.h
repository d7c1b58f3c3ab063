/*
 * netaddr.h — small facts about host names and addresses, shared by the
 * server (which origins and addresses are local) and the client (where a
 * password may travel without TLS).
 */
#ifndef NDB_NETADDR_H
#define NDB_NETADDR_H

/* Is host "localhost" (any letter case) or a loopback address literal
 * (127.0.0.0/8, ::1, ::ffff:127.x.y.z; IPv6 without brackets)? */
int net_host_is_loopback(const char *host);

#endif
