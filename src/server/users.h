/*
 * users.h — the users of security.users: a name, a password hash
 * (common/pwhash.h) and a role (common/command_info.h).
 *
 * The list is a setting (a CUSTOM entry of settings.def, parsed by
 * settings_security.c) and so lives in ndb_config; the server reads it,
 * never changes it.  An empty list means authentication is off: every
 * connection has ROLE_ADMIN, as before users existed.
 */
#ifndef NDB_USERS_H
#define NDB_USERS_H

#include <stddef.h>

#include "common/command_info.h"
#include "common/pwhash.h"
#include "common/username.h" /* USER_NAME_MAX, user_name_ok */

typedef struct ndb_user {
    char name[USER_NAME_MAX + 1];
    pwhash hash;
    enum cmd_role role;
} ndb_user;

/* The list: n users, owned (free with users_free). */
typedef struct ndb_userlist {
    ndb_user *items;
    size_t n;
} ndb_userlist;

/* The user named by the n bytes at name, or NULL. */
const ndb_user *users_find(const ndb_userlist *l, const char *name, size_t n);

/* The role named "read", "write" or "admin" (n bytes), or ROLE_NONE. */
enum cmd_role users_role_from_name(const char *name, size_t n);

/* Free the list and empty it. */
void users_free(ndb_userlist *l);

#endif
