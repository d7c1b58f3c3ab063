/*
 * commands.c — name → handler lookup over commands.def.
 */
#include "server/commands.h"

#include <string.h>

typedef struct command {
    const char *name;
    cmd_handler fn;
} command;

static const command table[] = {
#define NDB_COMMAND(name, summary) {#name, cmd_##name},
#include "common/commands.def"
#undef NDB_COMMAND
};

static int cmp_name(const char *a, size_t an, const char *b) {
    size_t bn = strlen(b);
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c) return c;
    return an < bn ? -1 : an > bn;
}

cmd_handler commands_find(const char *cmd, size_t n) {
    size_t lo = 0, hi = sizeof table / sizeof table[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = cmp_name(cmd, n, table[mid].name);
        if (c == 0) return table[mid].fn;
        if (c < 0) hi = mid;
        else lo = mid + 1;
    }
    return NULL;
}
