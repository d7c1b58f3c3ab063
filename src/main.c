/*
 * main.c — the `ndb` binary: one table of subcommands.
 *
 * Every subcommand is a function `int cmd_x(int argc, char **argv)` that
 * receives its own name as argv[0] and returns the process exit status.
 */
#include <stdio.h>
#include <string.h>

#include "client/cmd_send.h"
#include "server/serve.h"

typedef struct subcommand {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} subcommand;

static int cmd_help(int argc, char **argv);

static const subcommand subcommands[] = {
    {"serve", cmd_serve, "run the database server"},
    {"send", cmd_send, "send raw protocol requests, print one response per line"},
    {"help", cmd_help, "show help for ndb or one of its commands"},
};
#define NSUB (sizeof subcommands / sizeof subcommands[0])

static void usage(FILE *f) {
    fprintf(f, "usage: ndb COMMAND [ARGS...]\n\n"
               "ndb is an in-memory JSON database spoken to over WebSocket.\n\ncommands:\n");
    for (size_t i = 0; i < NSUB; i++) fprintf(f, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
    fprintf(f, "\nRun 'ndb COMMAND --help' for the options of one command.\n");
}

static const subcommand *find(const char *name) {
    for (size_t i = 0; i < NSUB; i++)
        if (strcmp(subcommands[i].name, name) == 0) return &subcommands[i];
    return NULL;
}

static int cmd_help(int argc, char **argv) {
    if (argc < 2) {
        usage(stdout);
        return 0;
    }
    const subcommand *s = find(argv[1]);
    if (!s || s->fn == cmd_help) {
        if (!s) {
            fprintf(stderr, "ndb: unknown command '%s'\n", argv[1]);
            return 2;
        }
        usage(stdout);
        return 0;
    }
    char *args[] = {argv[1], "--help", NULL};
    return s->fn(2, args);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("ndb %s\n", NDB_VERSION);
        return 0;
    }
    const subcommand *s = find(argv[1]);
    if (!s) {
        fprintf(stderr, "ndb: unknown command '%s'\nTry 'ndb --help'.\n", argv[1]);
        return 2;
    }
    return s->fn(argc - 1, argv + 1);
}
