/*
 * cmd_passwd.c — `ndb passwd` (see cmd_passwd.h).
 *
 * The password never appears on the command line; it is read without echo
 * from the terminal (twice, so that a typo does not lock the user out), or
 * as the first line of standard input for scripts.  It is wiped from
 * memory once hashed.
 */
#include "client/cmd_passwd.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/cli.h" /* cli_output_finish */
#include "client/secret.h"
#include "common/pwhash.h"
#include "common/strbuf.h"
#include "common/username.h"
#include "json/scan.h"


static const char passwd_usage[] =
    "usage: ndb passwd [--iterations N] [--name NAME [--role ROLE]]\n"
    "\n"
    "Read a password and print its hash, to paste as the \"password\" of a user in\n"
    "the server's config file:\n"
    "\n"
    "  \"security\": {\"users\": [\n"
    "    {\"name\": \"alice\", \"password\": \"<the hash>\", \"role\": \"write\"}]}\n"
    "\n"
    "On a terminal the password is asked for twice, without echo.  Otherwise the\n"
    "first line of standard input is the password (without its line end; see the\n"
    "examples).  The password is never taken from an argument.\n"
    "\n"
    "The hash is PBKDF2-HMAC-SHA256 with a random 16-byte salt, written\n"
    "$pbkdf2-sha256$i=ITERATIONS$SALT$HASH (salt and hash in base64 without\n"
    "padding).  Checking a password costs the server one run of it (about 150 ms\n"
    "at the default count, on a worker thread).\n"
    "\n"
    "Options:\n"
    "  --iterations N  PBKDF2 iterations (default 600000, from 100000 to 10000000);\n"
    "                  more is slower to check and to attack\n"
    "  --name NAME     print a whole user entry for security.users (JSON) instead\n"
    "  --role ROLE     with --name: read, write or admin (default read)\n"
    "  -h, --help      show this help and exit\n"
    "\n"
    "Exit status: 0 the hash was printed; 1 no password could be read, it was\n"
    "empty or not UTF-8 (a login sends it as JSON text), or the two entries\n"
    "differ; 2 usage error, or the hash could not be written (a full disk).\n"
    "\n"
    "Examples:\n"
    "  $ printf '%s\\n' secret | ndb passwd --iterations 100000\n"
    "  $pbkdf2-sha256$i=100000$\u2026\n"
    "  $ printf '%s\\n' secret | ndb passwd --name app --role write\n"
    "  {\"name\":\"app\",\"password\":\"$pbkdf2-sha256$i=600000$\u2026\",\"role\":\"write\"}\n";

/* The numbers the help text states. */
_Static_assert(PWHASH_DEFAULT_ITERATIONS == 600000u && PWHASH_MIN_ITERATIONS == 100000u &&
                   PWHASH_MAX_ITERATIONS == 10000000u && USER_NAME_MAX == 64,
               "update passwd_usage");

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...) {
    va_list ap;
    fputs("ndb passwd: ", stderr);
    va_start(ap, fmt);
    vfprintf_visible(stderr, fmt, ap); /* it may quote what was typed */
    va_end(ap);
    fputs("\nTry 'ndb passwd --help' for more information.\n", stderr);
    return 2;
}

/* The value of option `name` at argv[*i] ("--name V" or "--name=V"), or
 * NULL if argv[*i] is another option; *missing is set when the value is
 * absent. */
static const char *option_value(int argc, char **argv, int *i, const char *name, int *missing) {
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n)) return NULL;
    if (a[n] == '=') return a + n + 1;
    if (a[n]) return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

/* Read the password: twice without echo on a terminal, else the first
 * line of standard input.  0, or 1 after saying why. */
static int read_password(strbuf *pw) {
    char err[160];
    if (!isatty(STDIN_FILENO)) {
        if (secret_read_line(STDIN_FILENO, pw, err, sizeof err)) {
            fprintf(stderr, "ndb passwd: cannot read the password from standard input: %s\n", err);
            return 1;
        }
    } else {
        strbuf again = STRBUF_INIT;
        if (secret_prompt("New password: ", pw, err, sizeof err) ||
            secret_prompt("Repeat the password: ", &again, err, sizeof err)) {
            fprintf(stderr, "ndb passwd: %s\n", err);
            secret_wipe(&again);
            return 1;
        }
        int same = pw->len == again.len && memcmp(pw->buf, again.buf, pw->len) == 0;
        secret_wipe(&again);
        if (!same) {
            fprintf(stderr, "ndb passwd: the two passwords differ; nothing was printed\n");
            return 1;
        }
    }
    if (pw->len == 0) {
        fprintf(stderr, "ndb passwd: the password is empty\n");
        return 1;
    }
    if (!utf8_valid(pw->buf, pw->len)) { /* SV_AUTH carries it as JSON text: no client could send it */
        fprintf(stderr, "ndb passwd: the password is not valid UTF-8 (a login sends it as JSON text); nothing was "
                        "printed\n");
        return 1;
    }
    return 0;
}

int cmd_passwd(int argc, char **argv) {
    unsigned long iterations = PWHASH_DEFAULT_ITERATIONS;
    const char *name = NULL, *role = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        int missing = 0;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(passwd_usage, stdout);
            return cli_output_finish();
        } else if ((v = option_value(argc, argv, &i, "--iterations", &missing))) {
            char *end;
            iterations = strtoul(v, &end, 10);
            /* digits only, as ndb serve's numbers: strtoul also takes blanks and a sign */
            if (v[0] < '0' || v[0] > '9' || *end || iterations < PWHASH_MIN_ITERATIONS ||
                iterations > PWHASH_MAX_ITERATIONS)
                return usage_error("--iterations: '%s' must be a number from %u to %u", v,
                                   PWHASH_MIN_ITERATIONS, PWHASH_MAX_ITERATIONS);
        } else if ((v = option_value(argc, argv, &i, "--name", &missing))) {
            if (!*v) return usage_error("--name: the user name is empty");
            if (!utf8_valid(v, strlen(v))) return usage_error("--name: the user name is not valid UTF-8");
            /* the server's rule (common/username.h): an entry it would refuse is not printed */
            if (!user_name_ok(v, strlen(v)))
                return usage_error("--name: a user name must be 1 to %d bytes without control characters or ':'",
                                   USER_NAME_MAX);
            name = v;
        } else if ((v = option_value(argc, argv, &i, "--role", &missing))) {
            if (strcmp(v, "read") && strcmp(v, "write") && strcmp(v, "admin"))
                return usage_error("--role: '%s' must be read, write or admin", v);
            role = v;
        } else if (missing) {
            return usage_error("option '%s' needs a value", a);
        } else if (a[0] == '-') {
            return usage_error("unknown option '%s'", a);
        } else {
            return usage_error("unexpected argument '%s' (the password is read from the terminal or "
                               "standard input, never from an argument)", a);
        }
    }
    if (role && !name) return usage_error("--role needs --name");

    strbuf pw = STRBUF_INIT;
    if (read_password(&pw)) {
        secret_wipe(&pw);
        return 1;
    }
    char hash[PWHASH_MAX_TEXT];
    int rc = pwhash_make(pw.buf, pw.len, (uint32_t)iterations, hash);
    secret_wipe(&pw);
    if (rc) {
        fprintf(stderr, "ndb passwd: cannot hash the password (no random numbers from the system?)\n");
        return 1;
    }
    if (name) {
        /* the hash and the role hold no character JSON would escape */
        strbuf line = STRBUF_INIT;
        SB_ADD_LIT(&line, "{\"name\":");
        sb_add_json_string(&line, name, strlen(name));
        sb_addf(&line, ",\"password\":\"%s\",\"role\":\"%s\"}", hash, role ? role : "read");
        puts(line.buf);
        sb_free(&line);
    } else {
        puts(hash);
    }
    /* as every command's output: 2 and the reason when it cannot be written
     * (a full disk), not 1, which says no password was read; 0 when its
     * reader has gone (`| head -c 0`) */
    return cli_output_finish();
}
