/*
 * command_info.c — the command table as data (see command_info.h).
 */
#include "common/command_info.h"

#include <string.h>

const cmd_info cmd_table[CMD__COUNT] = {
#define NDB_COMMAND(name, flags, role, summary) {#name, sizeof #name - 1, flags, role, summary},
#include "common/commands.def"
#undef NDB_COMMAND
};

/* Byte-wise comparison of the n bytes at a with command b's name. */
static int cmp_name(const char *a, size_t an, const cmd_info *b) {
    size_t bn = b->namelen;
    int c = memcmp(a, b->name, an < bn ? an : bn);
    if (c) return c;
    return an < bn ? -1 : an > bn;
}

const cmd_info *cmd_lookup(const char *name, size_t n) {
    size_t lo = 0, hi = CMD__COUNT;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = cmp_name(name, n, &cmd_table[mid]);
        if (c == 0) return &cmd_table[mid];
        if (c < 0) hi = mid;
        else lo = mid + 1;
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
