/*
 * username.h — the rule for a user name, shared by the server (the names
 * of security.users, server/settings_security.c) and `ndb passwd --name`,
 * so that passwd never prints an entry the server then refuses.
 */
#ifndef NDB_USERNAME_H
#define NDB_USERNAME_H

#include <stddef.h>

/* Longest user name, in bytes. */
#define USER_NAME_MAX 64

/* Is the n bytes at s a user name: 1..USER_NAME_MAX bytes of UTF-8, no
 * control character (C0, DEL or C1), no ':' (Basic authentication ends the name at the
 * first colon)?  1 or 0. */
int user_name_ok(const char *s, size_t n);

#endif
