/*
 * commands.h — the server's handlers, one per command of
 * src/common/commands.def (whose table, common/command_info.h, carries
 * each command's name, flags and role).
 */
#ifndef NDB_COMMANDS_H
#define NDB_COMMANDS_H

#include "common/command_info.h"
#include "server/request.h"

typedef void (*cmd_handler)(request *r);

#define NDB_COMMAND(name, flags, role, summary) void cmd_##name(request *r);
#include "common/commands.def"
#undef NDB_COMMAND

/* Release the scratch buffers of the JSONPath commands (at shutdown). */
void kvpath_free_scratch(void);
/* Release them when they hold more than `keep` bytes (after a request);
 * returns 1 when they did. */
int kvpath_release_big_scratch(size_t keep);

/* The handler of command ci. */
cmd_handler commands_handler(const cmd_info *ci);

#endif
