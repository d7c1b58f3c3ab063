/*
 * cmd_send.c — `ndb send`: send raw protocol requests, print the answers.
 *
 * The plumbing client: requests are sent byte for byte as given (no parsing,
 * no re-encoding: the server judges them) and every answer is printed
 * exactly as received, one per line, in request order (on a terminal, its
 * control characters as JSON escapes them: cli_write_json_line).  Requests come from
 * the arguments, or from standard input one per line.  They are pipelined:
 * up to SEND_MAX_INFLIGHT requests are on the way before the first answer
 * is read, which keeps memory bounded however long the input is.
 *
 * When standard input has nothing more to read right now, the answers to
 * everything sent so far are printed first, so `ndb send` used by hand (or
 * fed by a slow producer) answers each line as it is typed.
 *
 * Events pushed by the server to a connection that watches (KV_EVENT,
 * SH_EVENT: messages whose command name ends in _EVENT) are printed where
 * they arrive, between the answers, and are not taken for answers; with
 * --events N the connection stays open after the last answer until N
 * events have been printed in all.
 */
#include "client/cmd_send.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/cli.h"
#include "client/wsclient.h"
#include "common/strbuf.h"

#define SEND_DEFAULT_URL "ws://127.0.0.1:1987/"
#define SEND_DEFAULT_TIMEOUT 5.0
/* Requests sent but not yet answered, at most (named in the usage text). */
#define SEND_MAX_INFLIGHT 1024
#define SEND_STR_(x) #x
#define SEND_STR(x) SEND_STR_(x)
/* While standard input is silent, the connection is serviced this often
 * (well within the grace period of the server's keep-alive pings; also how
 * late an event may be printed). */
#define SEND_IDLE_POLL_MS 100
/* Bytes read from standard input at a time. */
#define SEND_READ_CHUNK 65536

static const char send_usage[] =
    "usage: ndb send [--url URL | -H HOST -p PORT] [--timeout SECONDS] [--user NAME] [--events N]\n"
    "                [REQUEST... | -]\n"
    "\n"
    "Send raw protocol requests and print each answer on its own line, in order.\n"
    "Events pushed to the connection (after KV_WATCH or SH_WATCH) are printed too,\n"
    "where they arrive.\n"
    "A REQUEST is sent byte for byte as given (the server judges it).  Answers are\n"
    "printed as received; on a terminal, control characters as JSON escapes them\n"
    "(\\u009B, \\u001B).\n"
    "\n"
    "With no REQUEST, or for each '-', requests are read from standard input, one\n"
    "per line; a trailing CR is removed and lines that are then empty are skipped.\n"
    "Requests are pipelined: up to " SEND_STR(SEND_MAX_INFLIGHT) " are sent before their answers are read.\n"
    "While standard input has no next line, the answers so far are printed and the\n"
    "connection is kept alive (pings answered, events printed as they come).\n"
    "\n"
    "Options:\n"
    "  --url URL          server to talk to (default: $NDB_URL, else " SEND_DEFAULT_URL ")\n"
    "  -H, --host HOST    server host, for ws://HOST:PORT/ (default 127.0.0.1)\n"
    "  -p, --port PORT    server port, for ws://HOST:PORT/ (default 1987)\n"
    "  --timeout SECONDS  limit for connecting and for each wait for an answer or\n"
    "                     event (default 5; 0 waits without limit)\n"
    "  --events N         after the last answer, wait until N events (KV_EVENT,\n"
    "                     SH_EVENT of watches) have been printed in all\n"
    "  --user NAME        log in as NAME first (default $NDB_USER); the password is\n"
    "                     --password-file's first line, else $NDB_PASSWORD, else asked\n"
    "  --password-file FILE  read the password of --user from FILE's\n"
    "                     first line\n"
    "  --cacert FILE      wss://: also trust the CAs in FILE (default $NDB_CACERT)\n"
    "  --client-cert FILE  wss://: a client certificate, for a server that asks\n"
    "  --client-key FILE  wss://: its private key (PEM, not encrypted; give both)\n"
    "  --insecure         wss://: do not check the server's certificate (unsafe)\n"
    "  -h, --help         show this help and exit\n"
    "  --                 end of options: later arguments are requests\n"
    "These options may also come before 'send': ndb --url URL send ...\n"
    "\n"
    "Examples:\n"
    "  $ ndb send '{\"KV_SET\":{\"keys\":{\"a\":1}}}' '{\"KV_GET\":{\"keys\":[\"a\"]}}'\n"
    "  {\"KV_SET_RSP\":{\"st\":1}}\n"
    "  {\"KV_GET_RSP\":{\"keys\":{\"a\":1},\"st\":1}}\n"
    "  $ echo '{\"KV_COUNT\":{}}' | ndb send\n"
    "  {\"KV_COUNT_RSP\":{\"cnt\":1,\"st\":1}}\n"
    "\n"
    "Exit status: 0 when every request was answered (and --events's events came);\n"
    "2 on a usage error, when the server cannot be reached or refuses the login,\n"
    "when an answer or --events's next event does not come in time, when the\n"
    "connection closes before all of them arrived (or while waiting for standard\n"
    "input), or when the answers cannot be written (a full disk).  A reader that\n"
    "stops early\n"
    "('ndb send ... | head -1') ends it quietly with status 0.\n";

struct send_state {
    ws_client *ws;
    cli_login login;
    const char *url;
    double timeout_s;
    int timeout_ms; /* -1: no limit */
    size_t inflight;
    strbuf answer;
    uint64_t events, events_wanted; /* events printed; --events */
    int reader_gone;                /* stdout is a pipe its reader closed: stop, exit 0 */
    int tty;                        /* stdout is a terminal: controls escaped (cli_write_json_line) */
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...) {
    va_list ap;
    fputs("ndb send: ", stderr);
    va_start(ap, fmt);
    vfprintf_visible(stderr, fmt, ap); /* it may quote what was typed */
    va_end(ap);
    fputs("\nTry 'ndb send --help' for more information.\n", stderr);
    return 2;
}


/* Standard output failed (a closed pipe, a full disk): stop (returns 2).
 * A reader that went away, as in `ndb send ... | head -1`, took what it
 * wanted: no message, and cmd_send exits 0 as `ndb watch` does. */
static int output_error(struct send_state *st) {
    if (errno == EPIPE) st->reader_gone = 1;
    else fprintf(stderr, "ndb: cannot write the answers: %s\n", strerror(errno));
    return 2;
}

/* Print the message just received (an answer or an event) on its line:
 * exact, but on a terminal a control character it would obey (a key's
 * U+009B, raw in ndb's JSON) is written as JSON escapes it. */
static int print_message(struct send_state *st) {
    cli_write_json_line(st->tty, st->answer.buf, st->answer.len);
    if (cli_is_event(st->answer.buf, st->answer.len)) st->events++;
    else if (st->inflight) st->inflight--;
    return ferror(stdout) ? output_error(st) : 0;
}

/* After a close that says a request was over the server's maxPayload
 * (1009), what to do about it, as the other commands say it: ndb send
 * pipelines its requests, so which one is not known. */
static const char *payload_hint(const char *err) {
    return strstr(err, "(1009") ? "; a request was larger than the server accepts: the server's --max-payload "
                                  "option (maxPayload in its config file) raises the limit"
                                : "";
}

/* Wait for, and print, the answer to the oldest request in flight.
 * Returns 0, or 2 after saying on stderr why no answer came. */
static int take_answer(struct send_state *st) {
    char err[320];
    int r = wsc_recv(st->ws, &st->answer, st->timeout_ms, err, sizeof err);
    if (r == 1) return print_message(st);
    /* every answer came: what is missing is --events's next event, and
     * "no answer" would send the reader looking for a lost request */
    if (!st->inflight && r == 0)
        fprintf(stderr, "ndb: %llu of %llu events (--events) came from %s: timed out after %g s waiting for "
                        "the next\n",
                (unsigned long long)st->events, (unsigned long long)st->events_wanted, wsc_url(st->ws),
                st->timeout_s);
    else if (!st->inflight)
        fprintf(stderr, "ndb: lost connection to %s after %llu of %llu events (--events): %s\n", wsc_url(st->ws),
                (unsigned long long)st->events, (unsigned long long)st->events_wanted, err);
    else if (r == 0)
        fprintf(stderr, "ndb: no answer from %s: timed out after %g s\n", wsc_url(st->ws), st->timeout_s);
    else
        fprintf(stderr, "ndb: lost connection to %s before all answers arrived: %s%s\n", wsc_url(st->ws), err,
                payload_hint(err));
    return 2;
}

/* Print the answers to every request in flight (and the events that
 * arrive meanwhile). */
static int drain(struct send_state *st) {
    while (st->inflight)
        if (take_answer(st)) return 2;
    return 0;
}

/* --events: print events until events_wanted have been printed. */
static int wait_events(struct send_state *st) {
    while (st->events < st->events_wanted)
        if (take_answer(st)) return 2;
    return 0;
}

/* Send one request, first making room if SEND_MAX_INFLIGHT are in flight. */
static int submit(struct send_state *st, const char *req, size_t len) {
    while (st->inflight >= SEND_MAX_INFLIGHT)
        if (take_answer(st)) return 2;
    if (wsc_send(st->ws, req, len) < 0) {
        /* Closed: print what did arrive, then the reason. */
        for (;;)
            if (take_answer(st)) return 2;
    }
    st->inflight++;
    return 0;
}

/* True if reading standard input within ms milliseconds would not block
 * (a poll that fails lets the read say why). */
static int stdin_ready(int ms) {
    struct pollfd pfd = {STDIN_FILENO, POLLIN, 0};
    int k = poll(&pfd, 1, ms);
    return k > 0 || (k < 0 && errno != EINTR);
}

/* Every answer is in and standard input has nothing yet (a slow producer,
 * a person typing): service the connection every SEND_IDLE_POLL_MS until
 * it has, as the REPL does.  So the server's keep-alive pings are answered
 * (limits.idleTimeoutSec ended a blocked reader's connection, docs/protocol.md
 * 1.5), events of watches are printed as they arrive rather than with the
 * next answer, and a connection the server closed is said at once.
 * Returns 0 when standard input is readable, or 2. */
static int wait_for_stdin(struct send_state *st) {
    char err[320];
    while (!stdin_ready(SEND_IDLE_POLL_MS)) {
        int r;
        if (cli_output_gone()) { /* `... | ndb send | grep -q X`: grep is done */
            st->reader_gone = 1;
            return 2;
        }
        while ((r = wsc_recv(st->ws, &st->answer, 0, err, sizeof err)) == 1)
            if (print_message(st)) return 2;
        if (r < 0) {
            fprintf(stderr, "ndb: lost connection to %s while waiting for requests on standard input: %s%s\n",
                    wsc_url(st->ws), err, payload_hint(err));
            return 2;
        }
        fflush(stdout);
    }
    return 0;
}

/* Send every non-empty line of standard input as one request. */
static int send_stdin(struct send_state *st) {
    strbuf in = STRBUF_INIT;
    size_t pos = 0;  /* start of the current line */
    size_t scan = 0; /* where the search for its newline resumes */
    int eof = 0, rc = 0;
    for (;;) {
        char *nl = in.len > scan ? memchr(in.buf + scan, '\n', in.len - scan) : NULL;
        if (nl || (eof && pos < in.len)) {
            size_t end = nl ? (size_t)(nl - in.buf) : in.len;
            size_t len = end - pos;
            if (len && in.buf[pos + len - 1] == '\r') len--;
            if (len && (rc = submit(st, in.buf + pos, len))) break;
            pos = scan = nl ? end + 1 : in.len;
            continue;
        }
        if (eof) break;
        if (pos) { /* keep only the unfinished line */
            memmove(in.buf, in.buf + pos, in.len - pos);
            in.len -= pos;
            scan -= pos;
            pos = 0;
        }
        scan = in.len;
        if (!stdin_ready(0)) { /* about to block: answer what was asked so far */
            if ((rc = drain(st))) break;
            fflush(stdout);
            if ((rc = wait_for_stdin(st))) break;
        }
        sb_grow(&in, SEND_READ_CHUNK);
        ssize_t n = read(STDIN_FILENO, in.buf + in.len, in.cap - in.len - 1);
        if (n < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "ndb: cannot read standard input: %s\n", strerror(errno));
            rc = 2;
            break;
        }
        if (n == 0) eof = 1;
        in.len += (size_t)n;
    }
    sb_free(&in);
    return rc;
}

/* Does send read a standard input that is closed (`ndb send <&-`)?  Then
 * the connection's socket would become descriptor 0, and send would read
 * the server's own frames back to it as requests ("1007: invalid UTF-8"). */
static int stdin_closed(const char **reqs, int nreq) {
    for (int i = 0; i < nreq; i++)
        if (!strcmp(reqs[i], "-")) return fcntl(STDIN_FILENO, F_GETFD) < 0 && errno == EBADF;
    return 0;
}

/* Is a the option --NAME or -S (S the short name, may be 0), alone or as
 * --NAME=VALUE / -SVALUE?  Sets *val to the value (or the next argument,
 * consumed) when it takes one. */
static int take_opt(int argc, char **argv, int *i, const char *name, char shortname,
                    const char **val, int *missing) {
    const char *a = argv[*i];
    size_t n = strlen(name);
    const char *v = NULL;
    if (a[1] == '-' && !strncmp(a + 2, name, n) && (a[2 + n] == '=' || !a[2 + n]))
        v = a[2 + n] ? a + 3 + n : NULL;
    else if (shortname && a[1] == shortname)
        v = a[2] ? a + 2 : NULL;
    else
        return 0;
    if (!v) v = *i + 1 < argc ? argv[++*i] : NULL;
    *missing = !v;
    *val = v;
    return 1;
}

int cmd_send(int argc, char **argv) {
    struct send_state st = {
        .timeout_s = SEND_DEFAULT_TIMEOUT,
        .timeout_ms = 5000,
        .answer = STRBUF_INIT,
        .tty = isatty(STDOUT_FILENO),
    };
    const char *url = NULL, *host = NULL, *port = NULL;
    const char *user = NULL, *pwfile = NULL, *cacert = NULL, *cert = NULL, *key = NULL;
    char urlbuf[320];
    int insecure = 0, missing = 0;
    const char **reqs = calloc((size_t)argc + 1, sizeof *reqs);
    int nreq = 0, only_requests = 0;
    if (!reqs) abort();

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        if (only_requests || a[0] != '-' || !a[1]) {
            reqs[nreq++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            only_requests = 1;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(send_usage, stdout);
            free(reqs);
            return cli_output_finish();
        } else if (!strcmp(a, "--insecure")) {
            insecure = 1;
        } else if (take_opt(argc, argv, &i, "url", 0, &url, &missing) ||
                   take_opt(argc, argv, &i, "host", 'H', &host, &missing) ||
                   take_opt(argc, argv, &i, "port", 'p', &port, &missing) ||
                   take_opt(argc, argv, &i, "user", 0, &user, &missing) ||
                   take_opt(argc, argv, &i, "password-file", 0, &pwfile, &missing) ||
                   take_opt(argc, argv, &i, "cacert", 0, &cacert, &missing) ||
                   take_opt(argc, argv, &i, "client-cert", 0, &cert, &missing) ||
                   take_opt(argc, argv, &i, "client-key", 0, &key, &missing) ||
                   take_opt(argc, argv, &i, "timeout", 0, &val, &missing)) {
            if (missing) {
                free(reqs);
                return usage_error("option '%s' needs a value", a);
            }
            if (val && cli_parse_timeout(val, &st.timeout_s, &st.timeout_ms) < 0) {
                free(reqs);
                return usage_error(CLI_TIMEOUT_INVALID, val);
            }
            val = NULL;
        } else if (!strncmp(a, "--events", 8) && (a[8] == '=' || !a[8])) {
            char *end;
            if (!(val = a[8] ? a + 9 : argv[++i])) {
                free(reqs);
                return usage_error("option '--events' needs a value");
            }
            errno = 0;
            st.events_wanted = strtoull(val, &end, 10);
            if (errno || end == val || *end || val[0] == '-') {
                free(reqs);
                return usage_error("invalid number of events '%s'", val);
            }
        } else {
            free(reqs);
            return usage_error("unknown option '%s'", a);
        }
    }
    if (cli_server_url(url, host, port, urlbuf, sizeof urlbuf, &st.url) ||
        (!url && !host && !port && cli_check_env_url(st.url, urlbuf, sizeof urlbuf))) {
        free(reqs);
        return usage_error("%s", urlbuf);
    }
    if (nreq == 0) reqs[nreq++] = "-";
    if (stdin_closed(reqs, nreq)) {
        fprintf(stderr, "ndb: cannot read standard input: %s\n", strerror(EBADF));
        free(reqs);
        return 2;
    }

    char err[600];
    int crc;
    cli_login_command(&st.login, user, pwfile, cacert, cert, key, insecure);
    if (cli_login_password_unused(&st.login, pwfile)) {
        free(reqs);
        cli_login_free(&st.login);
        return usage_error("%s", CLI_LOGIN_NO_USER);
    }
    if (cli_login_password(&st.login, err, sizeof err) == 0) /* before connecting: a prompt takes its time */
        st.ws = cli_login_connect(&st.login, st.url, st.timeout_ms, err, sizeof err, &crc);
    if (!st.ws) {
        cli_timeout_in_seconds(err, sizeof err, st.timeout_s); /* as every command says it */
        fprintf(stderr, "ndb: %s\n", err);
        cli_login_free(&st.login);
        free(reqs);
        return 2;
    }

    int rc = 0;
    for (int i = 0; i < nreq && !rc; i++) {
        if (!strcmp(reqs[i], "-")) rc = send_stdin(&st);
        else rc = submit(&st, reqs[i], strlen(reqs[i]));
    }
    if (!rc) rc = drain(&st);
    if (!rc) rc = wait_events(&st);

    wsc_close(st.ws);
    cli_login_free(&st.login);
    sb_free(&st.answer);
    free(reqs);
    if (!rc && (fflush(stdout) != 0 || ferror(stdout))) rc = output_error(&st);
    return st.reader_gone ? 0 : rc;
}
