/*
 * cmd_passwd.h — `ndb passwd`: hash a password for the server's config.
 *
 * Reads a password (from the terminal without echo, asked twice, or the
 * first line of standard input) and prints its hash (common/pwhash.h) for
 * the "password" member of a user in security.users, or with --name the
 * whole user entry.  See cmd_passwd.c for the usage text.
 */
#ifndef NDB_CMD_PASSWD_H
#define NDB_CMD_PASSWD_H

/* argv[0] is "passwd".  Returns 0 when a hash was printed, 1 when no
 * password could be read (or the two entries differ), 2 on a usage
 * error. */
int cmd_passwd(int argc, char **argv);

#endif
