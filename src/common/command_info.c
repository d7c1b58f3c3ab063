/*
 * command_info.c — the command table as data (see command_info.h).
 */
#include "common/command_info.h"

#include <stdint.h>
#include <string.h>

const cmd_info cmd_table[CMD__COUNT] = {
#define NDB_COMMAND(name, flags, role, summary) {#name, sizeof #name - 1, flags, role, summary},
#include "common/commands.def"
#undef NDB_COMMAND
};

/* The index of command names: open addressing over a power-of-two table
 * at least four times the commands, so that a lookup hashes the name once
 * and most often compares one entry (issue 18: the binary search compared
 * six names per request).  Slots hold a command's index + 1; 0 is empty.
 * Built on first use: only the event loop's thread looks commands up. */
#define NAME_SLOTS 256
_Static_assert(NAME_SLOTS >= 4 * CMD__COUNT && CMD__COUNT < 255, "command name index too small");
static unsigned char name_slot[NAME_SLOTS];
static int name_index_built;

/* A hash of the n bytes at s (FNV-1a, length mixed in). */
static unsigned name_hash(const char *s, size_t n) {
    uint32_t h = 2166136261u ^ (uint32_t)n;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return (unsigned)(h ^ h >> 16);
}

static void build_name_index(void) {
    for (size_t i = 0; i < CMD__COUNT; i++) {
        unsigned at = name_hash(cmd_table[i].name, cmd_table[i].namelen) & (NAME_SLOTS - 1);
        while (name_slot[at]) at = (at + 1) & (NAME_SLOTS - 1);
        name_slot[at] = (unsigned char)(i + 1);
    }
    name_index_built = 1;
}

const cmd_info *cmd_lookup(const char *name, size_t n) {
    if (!name_index_built) build_name_index();
    for (unsigned at = name_hash(name, n) & (NAME_SLOTS - 1); name_slot[at]; at = (at + 1) & (NAME_SLOTS - 1)) {
        const cmd_info *ci = &cmd_table[name_slot[at] - 1];
        if (ci->namelen == n && memcmp(ci->name, name, n) == 0) return ci;
    }
    return NULL;
}

const char *cmd_role_name(enum cmd_role r) {
    switch (r) {
    case ROLE_READ: return "read";
    case ROLE_WRITE: return "write";
    case ROLE_ADMIN: return "admin";
    case ROLE_NONE: break;
    }
    return "none";
}
