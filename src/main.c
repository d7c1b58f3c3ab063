/*
 * main.c — the `ndb` binary.
 *
 * Two kinds of subcommands:
 *   - "raw" ones, listed below, parse their own arguments: the server, the
 *     raw protocol client, and (later) the benchmark and the REPL;
 *   - every client command (get, set, ..., session new, info, help) comes
 *     from the client command table in src/client/cli_table.c, which also
 *     drives option parsing, --help, `ndb help` and typo suggestions.
 * cli_main() handles both: it receives the raw list so that help and
 * "did you mean" know every name.
 */
#include <signal.h>
#include <stddef.h>

#include "client/cli.h"
#include "client/cmd_bench.h"
#include "client/cmd_passwd.h"
#include "client/cmd_send.h"
#include "client/repl.h"
#include "common/core_dumps.h"
#include "server/journal_cli.h"
#include "server/serve.h"

static const cli_raw raw_subcommands[] = {
    {"serve", cmd_serve, "run the database server", 1},
    {"send", cmd_send, "send raw protocol requests, print one response per line", 2},
    {"bench", cmd_bench, "measure a server: throughput and latency percentiles", 2},
    {"repl", cmd_repl, "interactive client: line editing, completion, history, raw requests", 2},
    {"passwd", cmd_passwd, "hash a password for a user of the server's config", 2},
    {"journal", cmd_journal, "check or repair the journal of a persist path (no server needed)", 2},
};

int main(int argc, char **argv) {
    /* A reader that stops early (`ndb --help | head -1`, `ndb passwd | ...`)
     * must make a write fail with EPIPE, which every command takes as a quiet
     * end with its own status (common/stdout_finish.c), not kill ndb with
     * SIGPIPE: exit 141, a failure under `set -o pipefail`.  libwebsockets
     * ignored the signal only once a command had connected, so help,
     * --version, passwd and journal were killed.  No command runs another
     * program, which would inherit this. */
    signal(SIGPIPE, SIG_IGN);
    /* Before any command reads a password or a key: a core file would hold
     * them (common/core_dumps.h); ndb serve --core-dumps turns them back on. */
    core_dumps_off();
    return cli_main(argc, argv, raw_subcommands, sizeof raw_subcommands / sizeof raw_subcommands[0]);
}
