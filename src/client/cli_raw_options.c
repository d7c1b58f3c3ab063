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
 *
 * The same list tells which of the global options written before a raw
 * subcommand's name (`ndb --session 5 send`) it takes: the others are
 * refused as not applying to it, not as unknown to it.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client/cli.h"

static int is_name_char(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-';
}

/* One line of a --help: add "-x\n" and "--name\n" to out when it starts an
 * option. */
static void option_of_line(const char *p, strbuf *out) {
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
    if (shrt) sb_addf(out, "-%c\n", shrt);
    sb_add(out, p, n);
    sb_addc(out, '\n');
}

int cli_raw_option_names(const cli_raw *r, strbuf *out) {
    int fds[2];
    fflush(stdout);
    if (pipe(fds)) {
        perror("ndb: pipe");
        return CLI_USAGE;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("ndb: fork");
        close(fds[0]);
        close(fds[1]);
        return CLI_USAGE;
    }
    if (pid == 0) {
        close(fds[0]);
        if (fds[1] != STDOUT_FILENO) { /* with fds 0 and 1 closed, the pipe took them */
            dup2(fds[1], STDOUT_FILENO);
            close(fds[1]);
        }
        char *args[] = {(char *)r->name, "--help", NULL};
        int rc = r->fn(2, args);
        fflush(stdout);
        _exit(rc);
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    char line[512];
    while (in && fgets(line, sizeof line, in)) {
        option_of_line(line, out);
        /* a line longer than the buffer: skip its rest, it starts no option */
        while (!strchr(line, '\n') && fgets(line, sizeof line, in)) {}
    }
    if (in) fclose(in);
    else close(fds[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0) {}
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? CLI_OK : CLI_USAGE;
}

int cli_list_raw_options(const cli_raw *r) {
    strbuf names = STRBUF_INIT;
    int rc = cli_raw_option_names(r, &names);
    if (names.len) fwrite(names.buf, 1, names.len, stdout);
    sb_free(&names);
    return rc;
}

int cli_raw_takes(const strbuf *names, const char *word) {
    size_t n = strcspn(word, "=");
    for (const char *p = names->buf; p && p < names->buf + names->len;) {
        size_t k = strcspn(p, "\n");
        if (k == n && !memcmp(p, word, n)) return 1;
        p += k + 1;
    }
    return 0;
}
