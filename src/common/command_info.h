/*
 * command_info.h — the command table of commands.def as data: each
 * protocol command's name, flags, least role and summary, plus an id per
 * command (CMD_KV_GET, ...) so code can name a command without a string.
 *
 * Shared by the server (dispatch checks flags and roles here, in one place)
 * and the client (names it sends are checked against it).
 */
#ifndef NDB_COMMAND_INFO_H
#define NDB_COMMAND_INFO_H

#include <stddef.h>

/* What a command does; see the header of commands.def. */
enum cmd_flag {
    CMDF_WRITE = 1,
    /* 2 was DENYOOM: a refusal ahead of the store's exact maxMemory check,
     * which refused shrinking writes while memory was over the ceiling */
    CMDF_SESSIONS = 4,
    CMDF_TOUCH = 8,
    CMDF_NOAUTH = 16,
    CMDF_EXT = 32,
    CMDF_SAVE = 64,
    CMDF_NAMED = 128,
};

/* Roles, ordered: a user with role R may run every command whose role is
 * at most R.  ROLE_NONE is a connection that has not authenticated. */
enum cmd_role { ROLE_NONE = 0, ROLE_READ = 1, ROLE_WRITE = 2, ROLE_ADMIN = 3 };

typedef enum cmd_id {
#define NDB_COMMAND(name, flags, role, summary) CMD_##name,
#include "common/commands.def"
#undef NDB_COMMAND
    CMD__COUNT
} cmd_id;

typedef struct cmd_info {
    const char *name;
    unsigned namelen;   /* strlen(name) */
    unsigned flags;     /* CMDF_* */
    enum cmd_role role; /* least role that may run it */
    const char *summary;
} cmd_info;

/* The table, indexed by cmd_id, sorted by name. */
extern const cmd_info cmd_table[CMD__COUNT];

/* The command named by the n bytes at name, or NULL if there is none. */
const cmd_info *cmd_lookup(const char *name, size_t n);

static inline cmd_id cmd_id_of(const cmd_info *ci) { return (cmd_id)(ci - cmd_table); }

/* "read", "write", "admin" (or "none"). */
const char *cmd_role_name(enum cmd_role r);

#endif
