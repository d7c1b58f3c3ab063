/*
 * cmd_send.h — `ndb send`: the raw protocol client.
 *
 * Sends requests byte for byte as given (arguments or stdin lines) and
 * prints every answer on its own line, in order.  See cmd_send.c for the
 * behaviour and the usage text.
 */
#ifndef NDB_CMD_SEND_H
#define NDB_CMD_SEND_H

/* argv[0] is "send".  Returns the process exit status: 0 when every request
 * got its answer, 2 on a usage error, a failed connection, a timeout or a
 * connection closed before all answers arrived. */
int cmd_send(int argc, char **argv);

#endif
