/*
 * commands.h — the server's command table: protocol name → handler.
 *
 * The list itself is src/common/commands.def, shared with the CLI, so the
 * names the server answers and the names the client knows cannot drift.
 */
#ifndef NDB_COMMANDS_H
#define NDB_COMMANDS_H

#include "server/request.h"

typedef void (*cmd_handler)(request *r);

#define NDB_COMMAND(name, summary) void cmd_##name(request *r);
#include "common/commands.def"
#undef NDB_COMMAND

/* Release the scratch buffers of the JSONPath commands (at shutdown). */
void kvpath_free_scratch(void);

/* Handler for the command named cmd (n bytes), or NULL if unknown. */
cmd_handler commands_find(const char *cmd, size_t n);

#endif
