/*
 * cli_raw_options.c — `ndb help --options serve` (send, bench, repl,
 * passwd, journal): the options of a subcommand that parses its own
 * arguments.
 *
 * Those subcommands keep their options in their own tables (serve builds
 * getopt's from the settings table), and each one's --help lists every
 * option it accepts, one per line, in one format:
 *   "  -c, --conns N   text"  or  "  --url URL   text"
 * (a name, perhaps a metavariable, then two blanks or the end of the line).
 * That help text is therefore the one list read here (as the shell
 * completions read it), rather than a copy of the names that could drift.
 * The help runs in a child process: a subcommand may print from anywhere
 * or exit, and the caller (a REPL too) must not be affected.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client/cli.h"

static int is_name_char(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-';
}

/* One line of a --help: print "-x" and "--name" when it starts an option. */
static void option_of_line(const char *p) {
    if (strncmp(p, "  ", 2)) return;
    while (*p == ' ') p++;
    char shrt = 0;
    if (p[0] == '-' && p[1] != '-' && p[1] && p[2] == ',' && p[3] == ' ') {
        shrt = p[1];
        p += 4;
    }
    if (strncmp(p, "--", 2) || !is_name_char(p[2]) || p[2] == '-') return; /* also "--" alone */
    size_t n = 2;
    while (is_name_char(p[n])) n++;
    /* then an optional metavariable, then the end or two blanks before the
     * text: a wrapped line of text that happens to start with an option's
     * name ("--no-auth accepts that risk") has one blank after a word */
    const char *q = p + n;
    if (q[0] == ' ' && q[1] != ' ' && q[1] != '\n' && q[1]) {
        q++;
        while (*q && *q != ' ' && *q != '\n') q++;
    }
    if (!(*q == '\0' || *q == '\n' || (q[0] == ' ' && q[1] == ' '))) return;
    if (shrt) printf("-%c\n", shrt);
    printf("%.*s\n", (int)n, p);
}

int cli_list_raw_options(const cli_raw *r) {
    int fds[2];
    fflush(stdout);
    if (pipe(fds)) {
        perror("ndb help: pipe");
        return CLI_USAGE;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("ndb help: fork");
        close(fds[0]);
        close(fds[1]);
        return CLI_USAGE;
    }
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], STDOUT_FILENO);
        close(fds[1]);
        char *args[] = {(char *)r->name, "--help", NULL};
        int rc = r->fn(2, args);
        fflush(stdout);
        _exit(rc);
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    char line[512];
    while (in && fgets(line, sizeof line, in)) {
        option_of_line(line);
        /* a line longer than the buffer: skip its rest, it starts no option */
        while (!strchr(line, '\n') && fgets(line, sizeof line, in)) {}
    }
    if (in) fclose(in);
    else close(fds[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0) {}
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? CLI_OK : CLI_USAGE;
}
