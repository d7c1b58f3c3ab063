/*
 * commands.c — command → handler, in the order of commands.def.
 */
#include "server/commands.h"

static const cmd_handler handlers[CMD__COUNT] = {
#define NDB_COMMAND(name, flags, role, summary) [CMD_##name] = cmd_##name,
#include "common/commands.def"
#undef NDB_COMMAND
};

cmd_handler commands_handler(const cmd_info *ci) { return handlers[cmd_id_of(ci)]; }
