/*
 * repl.c — `ndb repl`: the interactive client (see repl.h for the files).
 *
 * Each input is run exactly as `ndb WORDS...` would run it, through
 * cli_exec on one context whose connection stays open between lines.  The
 * REPL adds what only makes sense with state between lines:
 *   - a current session: `session new` enters the session it creates,
 *     `use TKN` enters an existing one, `use` leaves; inside a session the
 *     key commands get --session TKN (so they send SH_* requests), commands
 *     with no session form refuse (as they do when NDB_SESSION is set), and
 *     the prompt shows the session;
 *   - raw requests: input starting with '{' is sent as typed and the answer
 *     printed (pretty on a terminal, exact text otherwise);
 *   - input continues over several lines while a raw request has an open
 *     brace, bracket or string, or a command line an open quote;
 *   - `help`, `\timing on|off`, `quit` / `exit`.
 *
 * Interactive (standard input and output are terminals): libedit with
 * emacs keys, Ctrl-R incremental history search, Tab completion
 * (repl_complete.c), history across runs (repl_history.c).  Ctrl-C
 * discards the current input, or stops the command that runs (a watch, a
 * wait for the server) and returns to the prompt; Ctrl-D on an empty line
 * leaves.  While the
 * prompt waits, the connection is serviced twice a second, so the server's
 * keep-alive pings are answered and a connection the server closed is
 * reported at once; the next command reconnects, logs in as the REPL's
 * user and renews the REPL's watches (the server ended them with the old
 * connection).
 *
 * Not interactive (`ndb repl < script.ndb`): no banner, no prompt, no
 * history; results are printed exactly as the command-line client prints
 * them when not on a terminal; blank lines and lines starting with '#' are
 * skipped.  A line fails when `ndb WORDS...` would exit nonzero (a missing
 * key or a false test included) or a raw request is answered with an error
 * status.  The first failure stops the script with that line's exit status,
 * the one `ndb WORDS...` would exit with (1 not found or false, 2 usage or
 * connection, 3 server error).  With --continue-on-error every line runs
 * and the exit status is that of the first failure.  The wait for the next
 * line services the connection as the prompt does (script_line).
 */
#include "client/repl.h"
#include "client/cli.h"
#include "common/clock.h"
#include "common/wsurl.h"

#include <errno.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

static const char repl_usage[] =
    "usage: ndb repl [OPTIONS]\n"
    "\n"
    "Interactive client.  Type client commands without 'ndb' (get a b, set port 1987,\n"
    "find '$..id', session new, ...), or a raw protocol request starting with '{'.\n"
    "Type 'help' inside for the list of commands.  'use TKN' enters a session,\n"
    "'use' leaves it; a session that ends otherwise (expired, ended by another\n"
    "client) is not left: key commands fail until 'use' leaves it.\n"
    "\n"
    "On a terminal (standard input and output both): line editing, Tab completion\n"
    "(commands, options, key names, session tokens), Ctrl-R history search,\n"
    "history kept in $XDG_STATE_HOME/ndb/history (default\n"
    "~/.local/state/ndb/history).  Ctrl-C discards the line; while a command runs\n"
    "(watch --count N, a wait for the server) it stops the command and returns to\n"
    "the prompt.  After the server went away the next command reconnects (logged\n"
    "in again), and the REPL's watches are renewed on the new connection, with the\n"
    "new ids said.\n"
    "\n"
    "Otherwise (ndb repl < script.ndb, ndb repl | tee log): commands are read one\n"
    "per line with no prompt; blank lines and lines starting with '#' are skipped;\n"
    "each result is printed as 'ndb COMMAND' prints it when not on a terminal.  The\n"
    "first line that fails (where 'ndb COMMAND' would exit nonzero, or a raw\n"
    "request answered with an error status) stops the script.  While it waits for\n"
    "the next line the connection is kept alive: events of its watches print as\n"
    "they come, and after the server went away the next line reconnects.\n"
    "\n"
    "Options (the global options of 'ndb', applied to every command typed):\n"
    "  --url URL             server (default: $NDB_URL or " CLI_DEFAULT_URL ")\n"
    "  -H, --host HOST       server host, for ws://HOST:PORT/ (default 127.0.0.1)\n"
    "  -p, --port PORT       server port, for ws://HOST:PORT/ (default 1987)\n"
    "  --timeout SECONDS     bound on connect + answer for each command (default 5)\n"
    "  --session TKN         start inside session TKN (default $NDB_SESSION)\n"
    "  -r, --raw             print strings without quotes and escapes\n"
    "  --pretty              pretty-print JSON even when not on a terminal\n"
    "  -c, --compact         compact JSON, one document per line, even on a tty\n"
    "  --user NAME           log in as NAME (default $NDB_USER); the password is read\n"
    "                        once: --password-file's first line, else $NDB_PASSWORD,\n"
    "                        else asked on the terminal (again after a refusal)\n"
    "  --password-file FILE  read the password of --user from FILE's\n"
    "                        first line\n"
    "  --cacert FILE         wss://: also trust the CAs in FILE (default $NDB_CACERT)\n"
    "  --client-cert FILE    wss://: a client certificate, for a server that asks\n"
    "  --client-key FILE     wss://: its private key (PEM, not encrypted; give both)\n"
    "  --insecure            wss://: do not check the server's certificate (unsafe)\n"
    "  --continue-on-error   run every line of a script even after failures\n"
    "  -h, --help            show this help and exit\n"
    "They may also come before 'repl': ndb --url URL repl.\n"
    "\n"
    "Environment: NDB_URL, NDB_SESSION (start inside that session), NDB_USER,\n"
    "NDB_PASSWORD, NDB_CACERT, NDB_CLIENT_CERT, NDB_CLIENT_KEY, NO_COLOR,\n"
    "XDG_STATE_HOME.\n"
    "Neither the login nor a raw SV_AUTH request is written to the history.  The\n"
    "prompt shows the user logged in (user@host:port); a raw SV_AUTH that succeeds\n"
    "changes it, until a reconnect logs in as --user again.\n"
    "\n"
    "Exit status: 0 on quit, end of input or Ctrl-D (and for a script where every\n"
    "line succeeded); 2 usage error, or a script whose standard input could not be\n"
    "read (a directory).  A script stopped by a failing line exits with\n"
    "that line's status, as 'ndb COMMAND' would: 1 a key or session was not found\n"
    "or a test is false, 2 usage or connection error, 3 the server answered an\n"
    "error status.\n";

/* `help` inside the REPL, after the client's own command list. */
static const char repl_help[] =
    "\n"
    "In the REPL (commands as above, without 'ndb'):\n"
    "  use TKN              enter session TKN: key commands then use its keys\n"
    "  use                  leave the session ('session new' enters the new one)\n"
    "  {\"KV_GET\":{...}}     a raw protocol request, sent as typed (may span lines)\n"
    "  \\timing [on|off]     show the round-trip time after each result\n"
    "  clear                clear the screen ('clear-keys' removes every key,\n"
    "                       after asking)\n"
    "  help [COMMAND]       this text, or the help of one command\n"
    "  quit, exit, \\q       leave (or Ctrl-D on an empty line); no arguments\n"
    "\n"
    "Words are split and quoted as in the shell ('...', \"...\", backslash; a\n"
    "backslash at the end of a line joins the next).  A word starting with { [ or $\n"
    "is a JSON value or a JSONPath and needs no quotes.  '#' starts a comment only\n"
    "at the start of a line; a lone # later is refused, as are ';' outside quotes,\n"
    "pipes and redirections (| > && >out.txt 2>/dev/null a|...): one command per\n"
    "line.\n"
    "Keys: Tab completes commands, options, key names and session tokens; Ctrl-R\n"
    "searches the history; Ctrl-C discards the line, or stops a running command\n"
    "(watch --count N, a wait for the server).  A line starting with a blank, or\n"
    "mentioning a password or secret, is not kept in the history.\n"
    "\n"
    "Examples:\n"
    "  127.0.0.1:1987> set user {\"name\": \"Bob\", \"tags\": [1, 2]}\n"
    "  OK\n"
    "  127.0.0.1:1987> find --where '@.name == \"Bob\"' -r\n"
    "  user\n"
    "  127.0.0.1:1987> get user -c\n"
    "  {\"name\":\"Bob\",\"tags\":[1,2]}\n";

/* While the prompt waits, the connection is serviced this often (answers
 * the server's keep-alive pings well within their grace period, and notices
 * a closed connection). */
#define REPL_IDLE_POLL_MS 100 /* also how late a watch's event may show */

static volatile sig_atomic_t got_sigint, got_sigwinch;

/* At the prompt Ctrl-C discards the input (read_key turns the signal into
 * the ^C key).  While a command runs it stops the command, as in a shell:
 * the flag is the context's stop flag, so a wait for the server gives up
 * (an answer: the connection is dropped, since the answer may still come;
 * a counted watch: it is unwatched) and the prompt comes back.  A wait can
 * last without bound (`watch --count N`, --timeout 0), so Ctrl-C must not
 * end the REPL instead.  The [y/N] question of clear-keys reads the
 * terminal itself: the signal interrupts that read, which answers no. */
static void on_sigint(int sig) {
    (void)sig;
    got_sigint = 1;
}

static void on_sigwinch(int sig) {
    (void)sig;
    got_sigwinch = 1;
}

/* The terminal's settings when the REPL started. */
static struct termios start_tty;
static volatile sig_atomic_t have_start_tty;

/* SIGTERM, SIGHUP, SIGQUIT (Ctrl-\): libedit keeps the terminal in raw
 * mode while the prompt waits, and dying in it left the shell without echo
 * (until `stty sane`).  Put the terminal back as it was, then die of the
 * signal as before (the handler is reset: the signal, blocked here, takes
 * effect on return).  tcsetattr is async-signal-safe. */
static void on_fatal_signal(int sig) {
    if (have_start_tty) tcsetattr(STDIN_FILENO, TCSANOW, &start_tty);
    raise(sig);
}

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}


/* ------------------------------------------------------------- prompt */

/* "ws://127.0.0.1:1987/x" -> "127.0.0.1:1987" */
static void host_of(const char *url, char *out, size_t n) {
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    snprintf(out, n, "%.*s", (int)strcspn(p, "/?#"), p);
}

static int utf8_terminal(void) {
    const char *cs = nl_langinfo(CODESET);
    return cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
}

static void set_prompt(repl *r) {
    /* "alice@127.0.0.1:1987" once logged in */
    if (r->c.login.logged_in_as[0])
        snprintf(r->host, sizeof r->host, "%.40s@%.80s", r->c.login.logged_in_as, r->hostport);
    else
        snprintf(r->host, sizeof r->host, "%s", r->hostport);
    if (r->continuing) {
        size_t w = strlen(r->host) + (r->in_session ? 17 : 0);
        snprintf(r->prompt, sizeof r->prompt, "%*s> ", (int)(w < 3 ? 3 : w), "...");
    } else if (r->in_session) {
        snprintf(r->prompt, sizeof r->prompt, "%s [session %.4s%s]> ", r->host, r->tkn,
                 strlen(r->tkn) <= 4 ? "" : utf8_terminal() ? "\xe2\x80\xa6" : "...");
    } else {
        snprintf(r->prompt, sizeof r->prompt, "%s> ", r->host);
    }
}

static char *prompt_fn(EditLine *el) {
    repl *r = NULL;
    el_get(el, EL_CLIENTDATA, &r);
    return r->prompt;
}

/* ------------------------------------------------------------- messages */

static void note(repl *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(repl *r, const char *fmt, ...) {
    if (!r->interactive) return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* A usage error of the REPL's own words: one line on stderr. */
static int repl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int repl_error(const char *fmt, ...) {
    va_list ap;
    fputs("ndb: ", stderr);
    va_start(ap, fmt);
    vfprintf_visible(stderr, fmt, ap); /* it may quote what was typed */
    va_end(ap);
    fputc('\n', stderr);
    return CLI_USAGE;
}

static void enter_session(repl *r, const char *tkn, const char *how) {
    snprintf(r->tkn, sizeof r->tkn, "%s", tkn);
    r->in_session = 1;
    repl_add_token(r, tkn);
    note(r, "(%s session %s; 'use' alone leaves it)", how, tkn);
}

static void leave_session(repl *r, const char *why) {
    if (!r->in_session) return;
    note(r, "(left session %s%s)", r->tkn, why);
    r->in_session = 0;
    r->tkn[0] = '\0';
}

/* ------------------------------------------------------------- connection */

/* ------------------------------------------------------------- watches */

static repl *repl_of(cli_ctx *c) { return (repl *)(void *)((char *)c - offsetof(repl, c)); }

static void add_watch(repl *r, uint64_t id, const char *req, size_t n) {
    if (!r->nwatches) r->watch_gen = r->c.conn_gen;
    struct repl_watch *w = realloc(r->watches, (r->nwatches + 1) * sizeof *w);
    if (!w) abort();
    r->watches = w;
    w[r->nwatches].id = id;
    if (!(w[r->nwatches].req = strndup(req, n))) abort();
    r->nwatches++;
}

static void forget_watch(repl *r, uint64_t id) {
    for (size_t i = 0; i < r->nwatches; i++)
        if (r->watches[i].id == id) {
            free(r->watches[i].req);
            /* keep the order: renewed in it, they get their new ids in it */
            memmove(&r->watches[i], &r->watches[i + 1], (--r->nwatches - i) * sizeof *r->watches);
            return;
        }
}

/* cli_ctx's watch hook (cmd_watch.c): `watch` without --count registered
 * one (its request is in c->req), or `unwatch` stopped one. */
static void on_watch(cli_ctx *c, uint64_t id, int started) {
    if (started) add_watch(repl_of(c), id, c->req.buf, c->req.len);
    else forget_watch(repl_of(c), id);
}

/* Print the body of event message msg (a watch's KV_EVENT or SH_EVENT) on
 * a line of its own.  An "overflow" event means the server dropped the
 * watch: it is not renewed after a reconnect.  One that is not JSON (a
 * server that is not ndb) is said on stderr as `ndb watch` says it, quoted
 * (cli_bad_text): as it was, an escape sequence in it reached the
 * terminal. */
static void print_event(repl *r, const char *msg, size_t n) {
    jdoc d = JDOC_INIT;
    uint32_t t;
    uint64_t id;
    if (jdoc_parse(&d, msg, n, NULL) == 0 && d.toks[0].type == JT_OBJECT && d.ntoks > 2 && d.toks[2].type == JT_OBJECT) {
        cli_write_json_line(r->c.tty, jtok_text(&d, &d.toks[2]), d.toks[2].len);
        if ((t = jobj_get(&d, 2, "op", 2)) && jstr_equals(&d, &d.toks[t], "overflow", 8) &&
            (t = jobj_get(&d, 2, "id", 2)) && !jnum_to_u64(&d, &d.toks[t], &id))
            forget_watch(r, id);
    } else {
        fflush(stdout); /* after the events before it */
        cli_bad_text("the server's event is not understood", msg, n);
    }
    jdoc_free(&d);
}

/* cli_ctx's event hook: an event that came while a command waited for its
 * answer is shown where the command's output goes. */
static void on_command_event(cli_ctx *c, const char *msg, size_t n) {
    print_event(repl_of(c), msg, n);
}

void repl_hold_event(repl *r, const char *msg, size_t n) {
    sb_add(&r->held_events, (const char *)&n, sizeof n);
    sb_add(&r->held_events, msg, n);
}

/* Show one event between prompts: before the first one (*shown still 0)
 * the line being typed is cleared; libedit redraws it afterwards. */
static void show_event(repl *r, int idle, int *shown, const char *msg, size_t n) {
    if (idle && r->interactive && !*shown) fputs("\r\033[K", stdout);
    *shown = 1;
    print_event(r, msg, n);
}

/* Show the events held while Tab completion used the connection, in the
 * order they came (before any that came later). */
static void show_held_events(repl *r, int idle, int *shown) {
    const char *p = r->held_events.buf, *end = p + r->held_events.len;
    while (p && p < end) {
        size_t n;
        memcpy(&n, p, sizeof n);
        show_event(r, idle, shown, p + sizeof n, n);
        p += sizeof n + n;
    }
    sb_reset(&r->held_events);
}

/* Has the server closed the kept connection while we were not looking?
 * Then say so once and drop it; the next request reconnects. */
static void check_connection(repl *r, int idle) {
    strbuf tmp = STRBUF_INIT;
    char err[256];
    int k = 0, shown = 0;
    /* Events of the connection's watches, shown between prompts: the line
     * being typed is cleared, the events printed, and libedit redraws the
     * prompt with the line as it was (cursor included). */
    show_held_events(r, idle, &shown);
    while (r->c.ws && (k = wsc_recv(r->c.ws, &tmp, 0, err, sizeof err)) == 1)
        if (cli_is_event(tmp.buf, tmp.len)) show_event(r, idle, &shown, tmp.buf, tmp.len);
    sb_free(&tmp);
    if (shown) {
        fflush(stdout);
        if (idle && r->interactive) el_set(r->el, EL_REFRESH);
    }
    if (!r->c.ws || k >= 0) return;
    if (idle && r->interactive) fputs("\r\n", stdout), fflush(stdout);
    fprintf(stderr, "ndb: lost connection to %s (%s); %s\n", r->url, err,
            idle ? "will reconnect at the next command" : "reconnecting");
    cli_disconnect(&r->c);
    r->lost_said = 1;
}

static void own_request(repl *r, const char *prog);

/*
 * The connection is a new one: the server ended the REPL's watches with the
 * old one.  Send their requests again, keep those that are answered Ok
 * (under their new ids) and drop the others; then say "(reconnected to
 * URL; N watches renewed ...)", naming changed ids and failures.
 */
static void say_reconnected(repl *r) {
    cli_ctx *c = &r->c;
    strbuf say = STRBUF_INIT, moved = STRBUF_INIT;
    size_t kept = 0, total = r->nwatches;
    sb_addf(&say, "(reconnected to %s", r->url);
    for (size_t i = 0; i < total; i++) {
        struct repl_watch w = r->watches[i];
        own_request(r, "ndb watch");
        sb_reset(&c->req);
        sb_adds(&c->req, w.req);
        uint32_t t;
        uint64_t id;
        int rc = cli_call(c);
        if (!rc && c->st == 1 && (t = cli_rsp_get(c, "id")) && !jnum_to_u64(&c->rsp, &c->rsp.toks[t], &id)) {
            if (id != w.id)
                sb_addf(&moved, "%s watch %llu is now %llu", moved.len ? "," : ":", (unsigned long long)w.id,
                          (unsigned long long)id);
            w.id = id;
            r->watches[kept++] = w;
        } else {
            const char *name = cli_status_name(c->st);
            if (rc)
                sb_addf(&say, "; watch %llu ended: run watch again", (unsigned long long)w.id);
            else
                sb_addf(&say, "; watch %llu ended (%s %u): run watch again", (unsigned long long)w.id,
                        name ? name : "status", c->st);
            free(w.req);
        }
    }
    r->nwatches = kept;
    r->watch_gen = c->conn_gen;
    if (kept) sb_addf(&say, "; %zu watch%s renewed%s", kept, kept == 1 ? "" : "es", moved.len ? moved.buf : "");
    note(r, "%s)", say.buf);
    sb_free(&say);
    sb_free(&moved);
    r->lost_said = 0;
}

/* Open the connection again (lost, or dropped by an interrupted command),
 * logged in as the REPL's user.  Returns 0; CLI_SERVER when the server
 * refused the login, said here: a refused password is read again at the
 * next command (cli_login_answer forgets it), so the command is not run on
 * a second login that would fail the same way or ask for it unexplained;
 * else -1 (the command that follows reports why it cannot connect). */
static int reconnect(repl *r) {
    char err[400];
    int tmo = r->c.timeout_ms < 0 ? (int)(CLI_DEFAULT_TIMEOUT * 1000) : r->c.timeout_ms, crc;
    cli_login_command(&r->c.login, NULL, NULL, NULL, NULL, NULL, 0); /* the REPL's own login */
    r->c.ws = cli_login_connect(&r->c.login, r->url, tmo, err, sizeof err, &crc);
    if (!r->c.ws && crc == CLI_SERVER && r->c.login.user) {
        fprintf(stderr, "ndb: %s\n", err);
        return CLI_SERVER;
    }
    if (!r->c.ws) return -1;
    if (!(r->c.ws_url = strdup(r->url))) abort();
    r->c.conn_gen++;
    say_reconnected(r);
    return 0;
}

/* Prepare the context for a request the REPL builds itself. */
static void own_request(repl *r, const char *prog) {
    cli_ctx *c = &r->c;
    memset(c->opt, 0, sizeof c->opt);
    c->nkeys_opts = 0;
    c->cmd = NULL;
    c->prog = prog;
    c->in_session = 0;
    c->url = r->url;
    cli_login_command(&c->login, NULL, NULL, NULL, NULL, NULL, 0); /* the REPL's own login */
    c->timeout_s = CLI_DEFAULT_TIMEOUT;
    c->timeout_ms = (int)(CLI_DEFAULT_TIMEOUT * 1000);
    if (r->timeout) cli_parse_timeout(r->timeout, &c->timeout_s, &c->timeout_ms);
    c->st = 0;
    if (r->style) c->opt[r->style[2] == 'p' ? OPT_PRETTY : OPT_COMPACT] = "";
    cli_output_init(c);
    cli_start_clock(c);
}

/* ------------------------------------------------------------- raw requests */

static int run_raw(repl *r, const char *text) {
    cli_ctx *c = &r->c;
    own_request(r, "ndb");
    sb_reset(&c->req);
    size_t n = strlen(text);
    while (n && (text[n - 1] == '\n' || text[n - 1] == '\r')) n--;
    sb_add(&c->req, text, n);
    int rc = cli_call(c);
    if (rc) return rc;
    if (c->pretty) {
        sb_reset(&c->out);
        cli_pretty(&c->out, &c->rsp, 0, c->color);
        sb_addc(&c->out, '\n');
        fwrite(c->out.buf, 1, c->out.len, stdout);
        sb_reset(&c->out);
    } else {
        cli_write_json_line(c->tty, c->buf.buf, c->buf.len);
    }
    rc = cli_output_finish();
    /* A watch registered or stopped by hand is renewed or forgotten like
     * one of `watch` (a raw request is one JSON object: its body is token 2). */
    const jtok *name = &c->rsp.toks[1];
    uint32_t it;
    uint64_t id;
    if (c->st == 1 && (jstr_equals(&c->rsp, name, "KV_WATCH_RSP", 12) || jstr_equals(&c->rsp, name, "SH_WATCH_RSP", 12)) &&
        (it = cli_rsp_get(c, "id")) && !jnum_to_u64(&c->rsp, &c->rsp.toks[it], &id))
        add_watch(r, id, c->req.buf, c->req.len);
    if (c->st == 1 && (jstr_equals(&c->rsp, name, "KV_UNWATCH_RSP", 14) || jstr_equals(&c->rsp, name, "SH_UNWATCH_RSP", 14)) &&
        jdoc_parse(&c->tmp, c->req.buf, c->req.len, NULL) == 0 && c->tmp.ntoks > 2 && c->tmp.toks[2].type == JT_OBJECT &&
        (it = jobj_get(&c->tmp, 2, "id", 2)) && !jnum_to_u64(&c->tmp, &c->tmp.toks[it], &id))
        forget_watch(r, id);
    /* A login typed by hand that succeeded: the connection is now that
     * user's, with that role, and the prompt must say so (a failed one
     * leaves the server's login as it was).  The connection stays the
     * REPL's; a reconnect logs in as the REPL's own user again.  The user
     * and role are the server's text, quoted as every server message is
     * (cli_member_visible): from a server that is not ndb, an escape
     * sequence in them went into the prompt as it came, and the terminal
     * obeyed it at every prompt. */
    uint32_t ut, rt;
    if (c->st == 1 && jstr_equals(&c->rsp, name, "SV_AUTH_RSP", 11) && (ut = cli_rsp_get(c, "user")) &&
        c->rsp.toks[ut].type == JT_STRING && (rt = cli_rsp_get(c, "role")) && c->rsp.toks[rt].type == JT_STRING) {
        strbuf u = STRBUF_INIT, role = STRBUF_INIT;
        cli_member_visible(&c->rsp, c->body, "user", &u);
        cli_member_visible(&c->rsp, c->body, "role", &role);
        cli_login_switched(&c->login, u.buf ? u.buf : "", role.buf ? role.buf : "");
        sb_free(&u);
        sb_free(&role);
    }
    /* A token created by hand is offered by completion too. */
    uint32_t t = cli_rsp_get(c, "tkn");
    if (t && c->rsp.toks[t].type == JT_NUMBER && c->st == 1) {
        char tkn[24];
        snprintf(tkn, sizeof tkn, "%.*s", (int)c->rsp.toks[t].len, jtok_text(&c->rsp, &c->rsp.toks[t]));
        repl_add_token(r, tkn);
    }
    if (c->st != 1 && c->st != 121 && c->st != 141) return cli_server_error(c);
    return rc;
}

/* ------------------------------------------------------------- REPL words */

static int run_use(repl *r, int argc, char **argv) {
    if (argc == 1) {
        if (r->in_session) leave_session(r, "");
        return 0;
    }
    if (argc > 2) return repl_error("use: expected one session token (or none to leave)");
    uint64_t tkn;
    if (cli_parse_u64(argv[1], &tkn))
        return repl_error("use: invalid session token '%s' (expected a number "
                          "0..18446744073709551615)", argv[1]);
    cli_ctx *c = &r->c;
    own_request(r, "ndb use");
    cli_req_begin_as(c, "SH_EXISTS");
    cli_req_member(c, "tkns");
    sb_addc(&c->req, '[');
    sb_add_u64(&c->req, tkn);
    sb_addc(&c->req, ']');
    cli_req_end(c);
    uint32_t t;
    int rc = cli_call_ok(c);
    if (!rc) rc = cli_member(c, "exist", JT_ARRAY, &t);
    if (rc) return rc;
    if (c->rsp.toks[t].count != 1) {
        cli_say_no_session(tkn);
        return CLI_FALSE;
    }
    char s[24];
    snprintf(s, sizeof s, "%llu", (unsigned long long)tkn);
    enter_session(r, s, "using");
    return 0;
}

/* `clear` clears the screen, as in shells and most REPLs; emptying the
 * database must be asked for by name ('clear-keys', which asks first). */
static int run_clear_screen(repl *r, int argc) {
    if (argc > 1 || !r->interactive)
        return repl_error("in the REPL 'clear' clears the screen; 'clear-keys' removes every key");
    el_set(r->el, EL_REFRESH);
    fputs("\033[H\033[2J", stdout);
    return 0;
}

static int run_help(repl *r, int argc, char **argv) {
    if (argc == 1) {
        int rc = cli_exec(&r->c, 1, argv);
        fputs(repl_help, stdout);
        return rc ? rc : cli_output_finish();
    }
    const char *w = argv[1];
    if (argc == 2 && (!strcmp(w, "use") || !strcmp(w, "quit") || !strcmp(w, "exit") ||
                      !strcmp(w, "\\timing") || !strcmp(w, "timing") || !strcmp(w, "raw"))) {
        fputs(repl_help + 1, stdout);
        return cli_output_finish();
    }
    return cli_exec(&r->c, argc, argv);
}

static int run_meta(repl *r, const char *text, int *quit) {
    char word[32] = "", arg[32] = "", extra[2] = "";
    sscanf(text, " %31s %31s %1s", word, arg, extra);
    if (!strcmp(word, "\\q")) {
        if (arg[0]) return repl_error("'\\q' takes no arguments");
        *quit = 1;
        return 0;
    }
    if (strcmp(word, "\\timing"))
        return repl_error("unknown command '%s' (the REPL knows \\timing and \\q)", word);
    if (extra[0] || (arg[0] && strcmp(arg, "on") && strcmp(arg, "off")))
        return repl_error("usage: \\timing [on|off]");
    r->timing = arg[0] ? !strcmp(arg, "on") : !r->timing;
    note(r, "Timing is %s.", r->timing ? "on" : "off");
    return 0;
}

/* ------------------------------------------------------------- commands */

/* Does this word look like an option (not a negative number, not '-')? */
static int is_option(const char *a) {
    if (a[0] != '-' || !a[1]) return 0;
    return !((a[1] >= '0' && a[1] <= '9') || (a[1] == '.' && a[2] >= '0' && a[2] <= '9'));
}

/* Does the global option word a take the next word as its value? */
static int global_takes_value(const char *a) {
    if (a[1] != '-' || strchr(a, '=')) return 0;
    const cli_opt *o = cli_options();
    for (int id = CLI_GLOBAL_FIRST; id <= CLI_GLOBAL_LAST; id++)
        if (!strcmp(o[id].long_name, a + 2)) return o[id].arg != NULL;
    return 0;
}

/* The table command a line names (after leading global options), or NULL;
 * *at receives the index of its (first) name word. */
static const cli_cmd *line_command(int argc, char **argv, int *at) {
    int i = 0;
    while (i < argc && is_option(argv[i]) && strcmp(argv[i], "--")) i += global_takes_value(argv[i]) ? 2 : 1;
    if (i < argc && !strcmp(argv[i], "--")) i++;
    *at = i;
    if (i >= argc) return NULL;
    const cli_cmd *e = cli_find(NULL, argv[i]);
    if (!e && cli_is_group(argv[i]) && i + 1 < argc) e = cli_find(argv[i], argv[i + 1]);
    return e;
}

static int is_raw_command(const char *name) {
    size_t n;
    const cli_raw *raw = cli_raw_commands(&n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(raw[i].name, name)) return 1;
    return 0;
}

/* Run a table command line (words already split). */
static int run_command(repl *r, int argc, char **argv) {
    int at;
    const cli_cmd *e = line_command(argc, argv, &at);
    char name[64] = "";
    if (e) snprintf(name, sizeof name, "%s%s%s", e->group ? e->group : "", e->group ? " " : "", e->name);

    if (e && r->in_session && (e->flags & CLI_F_NOSESSION)) {
        fprintf(stderr, "ndb %s: works on top-level keys only and has no session form; leave the "
                        "session with 'use' first\n", name);
        return CLI_USAGE;
    }
    /* Standard input is the REPL's own (the terminal, or the script being
     * run): '-' cannot read a value or key names from it. */
    if (e && (strstr(e->usage, "VALUE") || strstr(e->usage, "ITEM") || strstr(e->usage, "| -")))
        for (int i = at + 1; i < argc; i++)
            if (!strcmp(argv[i], "-") || (!strcmp(argv[i], "-0") && strstr(e->usage, "| -")) ||
                (!strcmp(argv[i], "--null") && strstr(e->usage, "| -"))) {
                fprintf(stderr, "ndb %s: '%s' (read standard input) is not available in the REPL; "
                                "type the %s\n", name, argv[i],
                        strstr(e->usage, "VALUE") || strstr(e->usage, "ITEM")
                            ? "value (or '\"-\"' for the string -)" : "key names");
                return CLI_USAGE;
            }

    /* --url, --timeout and the session go in front: options the user typed
     * come later and win. */
    char **v = calloc((size_t)argc + 9, sizeof *v);
    int n = 0;
    if (!v) abort();
    if (e && e->proto) {
        /* the REPL's own output options, unless the line picks a style */
        int styled = 0;
        for (int i = 0; i < argc; i++)
            styled |= !strcmp(argv[i], "--pretty") || !strcmp(argv[i], "--compact") ||
                      (argv[i][0] == '-' && argv[i][1] != '-' && strchr(argv[i], 'c'));
        if (r->raw) v[n++] = "--raw";
        if (r->style && !styled) v[n++] = (char *)r->style;
        v[n++] = "--url";
        v[n++] = (char *)r->url;
        if (r->timeout) {
            v[n++] = "--timeout";
            v[n++] = (char *)r->timeout;
        }
        if (r->in_session && (e->flags & CLI_F_SESSION)) {
            v[n++] = "--session";
            v[n++] = r->tkn;
        }
    }
    for (int i = 0; i < argc; i++) v[n++] = argv[i];
    r->c.st = 0;
    int rc = cli_exec(&r->c, n, v);
    free(v);

    if (!e) return rc;
    /* On a terminal, a command that prints nothing on success says OK, so
     * that a set is visibly done. */
    if (rc == 0 && r->interactive &&
        (!strcmp(name, "set") || !strcmp(name, "add") || !strcmp(name, "append") ||
         (!strcmp(name, "session end") && !r->c.opt[OPT_ALL])))
        puts("OK");
    if (rc == 0 && !strcmp(name, "session new") && r->c.body) {
        uint32_t t = cli_rsp_get(&r->c, "tkn");
        if (t && r->c.rsp.toks[t].type == JT_NUMBER) {
            char tkn[24];
            snprintf(tkn, sizeof tkn, "%.*s", (int)r->c.rsp.toks[t].len,
                     jtok_text(&r->c.rsp, &r->c.rsp.toks[t]));
            enter_session(r, tkn, "entered");
        }
    } else if ((rc == 0 || rc == CLI_FALSE) && !strcmp(name, "session end") && r->in_session) {
        uint64_t cur, t;
        int ended = r->c.opt[OPT_ALL] != NULL;
        cli_parse_u64(r->tkn, &cur);
        for (int i = at + 2; i < argc && !ended; i++)
            ended = !cli_parse_u64(argv[i], &t) && t == cur;
        if (ended) leave_session(r, ": it was ended");
    } else if (r->in_session && (e->flags & CLI_F_SESSION) && r->c.st == 100) {
        /* Stay in the session: leaving it quietly would send the next key
         * command (a script's next line, say) to the top-level keys. */
        note(r, "(session %s no longer exists; key commands fail until 'use' leaves it or 'use TKN' "
                "enters another)", r->tkn);
    }
    return rc;
}

/* Does the line hold a word that is a lone, unquoted '#'?  Words are split
 * as in the shell but a '#' inside a line starts no comment, so the shell
 * habit `set a 1  # note` would also store a key "#" holding "note",
 * without a word.  Nobody means that key unquoted. */
static int stray_comment(const char *text, const repl_words *w) {
    for (int i = 0; i < w->n; i++)
        if (w->w[i].end - w->w[i].start == 1 && text[w->w[i].start] == '#') return 1;
    return 0;
}

/* Scan the word t[0..n) as typed for bytes a shell would read as syntax
 * (outside quotes, not after a backslash): *semi is the first such ';' (n:
 * none).  Returns whether the last byte is such a byte.  In a shell word a
 * backslash is literal inside '...'.  In a JSON value or JSONPath word
 * (literal) it escapes inside either quote, as their strings have it, and
 * only what is outside brackets counts: a filter's regular expression,
 * `$[?(@ =~ /a;b|c/)]`, may hold any of them. */
static int scan_plain(const char *t, size_t n, int literal, size_t *semi) {
    char q = 0;
    int last_plain = 0;
    long depth = 0;
    *semi = n;
    for (size_t i = 0; i < n; i++) {
        last_plain = 0;
        if (q == '\'' && !literal && t[i] != '\'') continue;
        if (t[i] == '\\' && (q != '\'' || literal)) i++; /* the next byte is escaped */
        else if (t[i] == '\'' || t[i] == '"') q = q == t[i] ? 0 : q ? q : t[i];
        else if (q) continue;
        else if (literal && (t[i] == '{' || t[i] == '[' || t[i] == '(')) depth++;
        else if (literal && (t[i] == '}' || t[i] == ']' || t[i] == ')') && depth > 0) depth--;
        else if (!depth) {
            last_plain = 1;
            if (t[i] == ';' && *semi == n) *semi = i;
        }
    }
    return last_plain;
}

static int pipe_char(char ch) { return ch == '|' || ch == '&' || ch == '<' || ch == '>'; }

/* Where the shell would see a pipe or redirection in the word t[0..n):
 * 1 at its start (`>out.txt`, `>>log`, `2>/dev/null`, `|jq`), 2 at its end
 * (`a|`, `x&`), 3 when that is all of it (`>`, `&&`, `2>`); 0 nowhere.  Inside
 * a word (`a|b`, `@.age>30` of find --where) they stay text, as keys and
 * expressions may hold them. */
static int pipe_in_word(const char *t, size_t n, int last_plain) {
    size_t k = 0, ops;
    while (k < n && t[k] >= '0' && t[k] <= '9') k++;
    for (ops = k; ops < n && pipe_char(t[ops]); ops++) {
    }
    int starts = ops > k && (k == 0 || t[k] == '<' || t[k] == '>');
    if (starts && ops == n) return 3;
    if (starts) return 1;
    return last_plain && pipe_char(t[n - 1]) ? 2 : 0;
}

/* A word typed unquoted as shell syntax the REPL does not interpret: a
 * pipe or redirection (`set a 1 > out.txt`, `set a 1 >>log`), or a ';' in
 * a word (`set a 1; get a`).  Taken as words, they stored "1;" and a key
 * "get" holding "a", or a key ">" (">>log"), without a word.  Returns the
 * word's text as typed (NULL: none); *len is its length, *kind 0 for a
 * ';', else pipe_in_word's.  A JSON value or JSONPath word is verbatim, so
 * that `$.a[?(@.n>5)]` keeps its '>', but neither has a ';' or ends with
 * one of | & < > outside its strings: there those are the shell's too
 * (`set c $HOME; get c` stored c = "$HOME;" and a key "get"). */
static const char *stray_operator(const char *text, const repl_words *w, size_t *len, int *kind) {
    for (int i = 0; i < w->n; i++) {
        const char *t = text + w->w[i].start;
        size_t n = w->w[i].end - w->w[i].start, semi;
        int literal = t[0] == '{' || t[0] == '[' || t[0] == '$';
        *len = n;
        int last_plain = scan_plain(t, n, literal, &semi);
        if (semi < n) *kind = 0;
        else if (literal) {
            if (!last_plain || !pipe_char(t[n - 1])) continue;
            *kind = 2; /* its start is { [ or $ */
        } else if (!(*kind = pipe_in_word(t, n, last_plain))) continue;
        return t;
    }
    return NULL;
}

/* Run one complete input.  Returns its status (0 = success). */
static int run_input(repl *r, const char *text, int *quit) {
    text = repl_skip_joins(text);
    char f = repl_first_char(text);
    if (!f || f == '#') return 0;
    if (f == '\\') return run_meta(r, text, quit);

    int was_lost = r->lost_said, rc;
    check_connection(r, 0);
    /* Reconnect before the command runs, so that "(reconnected ...)" comes
     * before the command's own output and messages, not after them; with
     * watches, also when the connection was dropped quietly (Ctrl-C). */
    if ((r->lost_said || r->nwatches) && !r->c.ws) {
        int again = reconnect(r);
        if (again == CLI_SERVER) return again;
        if (again == 0) was_lost = 0;
    } else if (r->c.ws && r->nwatches && r->c.conn_gen != r->watch_gen) {
        say_reconnected(r);
    }
    double t0 = now_us();
    if (f == '{') {
        rc = run_raw(r, text);
    } else {
        repl_words w = {0};
        repl_split(text, strlen(text), &w);
        if (w.open) {
            repl_words_free(&w);
            fprintf(stderr, "ndb: unfinished input: a quote, bracket or backslash is not closed\n");
            return CLI_USAGE;
        }
        if (stray_comment(text, &w)) {
            repl_words_free(&w);
            fprintf(stderr, "ndb: '#' starts a comment only at the start of a line; quote it ('#') to "
                            "mean the key or value #\n");
            return CLI_USAGE;
        }
        size_t oplen;
        int kind;
        const char *op = stray_operator(text, &w, &oplen, &kind);
        if (op) {
            repl_words_free(&w);
            if (kind == 0)
                fprintf_visible(stderr, "ndb: the ';' of '%.*s' would separate commands in a shell; the REPL "
                                        "runs one command per line (quote the word to mean a key or value)\n",
                                (int)oplen, op);
            else if (kind == 3)
                fprintf_visible(stderr, "ndb: '%.*s' is a shell's pipe or redirection, which the REPL does not "
                                        "do (quote it to mean a key or value)\n", (int)oplen, op);
            else
                fprintf_visible(stderr, "ndb: '%.*s' %s with a shell's pipe or redirection, which the REPL does "
                                        "not do (quote the word to mean a key or value)\n",
                                (int)oplen, op, kind == 1 ? "starts" : "ends");
            return CLI_USAGE;
        }
        char **argv = calloc((size_t)w.n + 1, sizeof *argv);
        if (!argv) abort();
        for (int i = 0; i < w.n; i++) argv[i] = w.w[i].text;
        const char *w0 = argv[0];
        if ((!strcmp(w0, "quit") || !strcmp(w0, "exit")) && w.n > 1) {
            /* not the shell's `exit N`: leaving with 0 would hide what a
             * script meant to say */
            rc = repl_error("'%s' takes no arguments (a script's exit status is that of its first "
                            "failing line)", w0);
        } else if (!strcmp(w0, "quit") || !strcmp(w0, "exit")) {
            *quit = 1;
            rc = 0;
        } else if (!strcmp(w0, "clear")) {
            rc = run_clear_screen(r, w.n);
        } else if (!strcmp(w0, "use")) {
            rc = run_use(r, w.n, argv);
        } else if (!strcmp(w0, "help")) {
            rc = run_help(r, w.n, argv);
        } else if (!strcmp(w0, "ndb") && w.n > 1 && is_raw_command(argv[1])) {
            /* "ndb repl -p 1989": pointing to "repl -p 1989" pointed to a
             * command refused here too */
            fprintf(stderr, "ndb: 'ndb %s' runs from the shell, not inside the REPL%s\n", argv[1],
                    !strcmp(argv[1], "repl") ? " (to reach another server, quit and start 'ndb repl' with its address)"
                                             : "");
            rc = CLI_USAGE;
        } else if (!strcmp(w0, "ndb") && w.n > 1) {
            /* a line copied from a shell session or the docs */
            const char *rest = text + w.w[1].start;
            int n = (int)strlen(rest);
            while (n && strchr(" \t\r\n", rest[n - 1])) n--;
            rc = repl_error("commands are typed without 'ndb' here: %.*s", n, rest);
        } else if (is_raw_command(w0)) {
            fprintf(stderr, "ndb: '%s' is not available inside the REPL (run 'ndb %s' from the shell)\n",
                    w0, w0);
            rc = CLI_USAGE;
        } else {
            rc = run_command(r, w.n, argv);
        }
        free(argv);
        repl_words_free(&w);
        if (*quit) return 0;
    }
    double t1 = now_us();
    /* The command opened a new connection itself (the reconnect above
     * failed, or it dropped the old one): say so, and renew the watches. */
    if (r->c.ws && (was_lost || (r->nwatches && r->c.conn_gen != r->watch_gen))) say_reconnected(r);
    if (r->timing) fprintf(stderr, "Time: %.3f ms\n", (t1 - t0) / 1000.0);
    r->keys_at = 0; /* keys may have changed */
    return rc;
}

/* ------------------------------------------------------------- input */

/* Is the text gathered so far unfinished (more lines needed)?  0 no, 1 a
 * quote or bracket is open, 2 it ends with a backslash (repl_words.open). */
static int unfinished(const char *text) {
    text = repl_skip_joins(text);
    if (!*text) return 2; /* only lines of a backslash so far */
    char f = repl_first_char(text);
    if (!f || f == '#' || f == '\\') return 0;
    if (f == '{') return repl_raw_open(text, strlen(text));
    repl_words w = {0};
    repl_split(text, strlen(text), &w);
    int open = w.open;
    repl_words_free(&w);
    return open;
}

/* The history entry for an input: a raw request spread over lines becomes
 * one line (newlines are blanks in JSON), unless it holds // comments. */
static char *history_entry(const char *text) {
    char *e = strdup(repl_skip_joins(text));
    if (!e) abort();
    size_t n = strlen(e);
    while (n && strchr(" \t\r\n", e[n - 1])) e[--n] = '\0';
    if (repl_first_char(e) == '{' && !strstr(e, "//"))
        for (char *p = e; *p; p++)
            if (*p == '\n' || *p == '\r') *p = ' ';
    return e;
}

static void remember(repl *r, const char *text) {
    char *e = history_entry(text);
    if (repl_first_char(e) && !repl_line_is_secret(e)) {
        HistEvent ev;
        int dup = history(r->hist, &ev, H_FIRST) == 0 && !strcmp(ev.str, e);
        history(r->hist, &ev, H_ENTER, e);
        /* Say once why the history is not kept, rather than lose it silently. */
        if (!dup && repl_history_append(r->histfile, e) && r->histfile && !r->history_failed) {
            r->history_failed = 1;
            fprintf(stderr, "ndb: cannot add to the history file %s: %s (lines are kept for this run only)\n",
                    r->histfile, errno == ELOOP ? "it is a symbolic link, which is not followed" : strerror(errno));
        }
    }
    free(e);
}

/* Character reader for libedit: waits for a key while servicing the
 * connection every REPL_IDLE_POLL_MS; Ctrl-C (SIGINT) becomes the ^C key, which is
 * bound to discarding the line. */
static int read_key(EditLine *el, wchar_t *wc) {
    repl *r = NULL;
    mbstate_t mb;
    memset(&mb, 0, sizeof mb);
    el_get(el, EL_CLIENTDATA, &r);
    for (;;) {
        if (got_sigint) {
            got_sigint = 0;
            *wc = 3;
            return 1;
        }
        if (got_sigwinch) {
            got_sigwinch = 0;
            el_resize(el);
        }
        struct pollfd p = {STDIN_FILENO, POLLIN, 0};
        int k = poll(&p, 1, REPL_IDLE_POLL_MS);
        if (k < 0 && errno != EINTR) return -1;
        if (k <= 0) {
            if (k == 0 && (r->c.ws || r->held_events.len)) {
                check_connection(r, 1);
                if (!r->c.ws) el_set(el, EL_REFRESH);
            }
            continue;
        }
        char ch;
        ssize_t m = read(STDIN_FILENO, &ch, 1);
        if (m == 0) return 0;
        if (m < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return -1;
        }
        size_t res = mbrtowc(wc, &ch, 1, &mb);
        if (res == (size_t)-2) continue; /* more bytes of this character */
        if (res == (size_t)-1) {
            memset(&mb, 0, sizeof mb);
            *wc = (unsigned char)ch;
        }
        return 1;
    }
}

static unsigned char discard_line(EditLine *el, int ch) {
    (void)ch;
    repl *r = NULL;
    el_get(el, EL_CLIENTDATA, &r);
    r->interrupted = 1;
    /* libedit does not end the line for us here; show ^C like a shell
     * (only at the end of the line, where it overwrites nothing). */
    const LineInfo *li = el_line(el);
    fputs(li->cursor == li->lastchar ? "^C\r\n" : "\r\n", stdout);
    fflush(stdout);
    return CC_NEWLINE;
}

static void setup_editline(repl *r) {
    HistEvent ev;
    r->hist = history_init();
    history(r->hist, &ev, H_SETSIZE, REPL_HISTORY_SIZE);
    history(r->hist, &ev, H_SETUNIQUE, 1);
    r->histfile = repl_history_path();
    repl_history_load(r->hist, r->histfile);

    r->el = el_init("ndb", stdin, stdout, stderr);
    el_set(r->el, EL_CLIENTDATA, r);
    el_set(r->el, EL_EDITOR, "emacs");
    el_set(r->el, EL_HIST, history, r->hist);
    el_set(r->el, EL_PROMPT, prompt_fn);
    el_set(r->el, EL_GETCFN, read_key);
    /* The wide-character call keeps our (static) names; the narrow one
     * copies them and never frees the copies. */
    el_wset(r->el, EL_ADDFN, L"ndb-complete", L"complete a command, option, key name or token",
            repl_complete);
    el_wset(r->el, EL_ADDFN, L"ndb-discard", L"discard the current input", discard_line);
    el_set(r->el, EL_BIND, "^I", "ndb-complete", NULL);
    el_set(r->el, EL_BIND, "^C", "ndb-discard", NULL);
    el_set(r->el, EL_BIND, "^R", "em-inc-search-prev", NULL);
    el_source(r->el, NULL); /* ~/.editrc */

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_sigwinch;
    sigaction(SIGWINCH, &sa, NULL);
    if (tcgetattr(STDIN_FILENO, &start_tty) == 0) have_start_tty = 1;
    sa.sa_handler = on_fatal_signal;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
}

static int run_interactive(repl *r) {
    setup_editline(r);
    char err[400];
    /* The first connection only serves the banner: bounded even with
     * --timeout 0. */
    int tmo = r->c.timeout_ms < 0 ? (int)(CLI_DEFAULT_TIMEOUT * 1000) : r->c.timeout_ms, crc;
    char as[160] = "";
    r->c.ws = cli_login_connect(&r->c.login, r->url, tmo, err, sizeof err, &crc);
    if (r->c.ws) {
        if (!(r->c.ws_url = strdup(r->url))) abort();
        r->c.conn_gen++;
        if (r->c.login.logged_in_as[0])
            snprintf(as, sizeof as, " as %s (role %s)", r->c.login.logged_in_as, r->c.login.role);
        printf("ndb repl: connected to %s%s.  'help' lists the commands; Tab completes; Ctrl-D leaves.\n",
               r->url, as);
    } else {
        cli_timeout_in_seconds(err, sizeof err, tmo / 1000.0); /* as the commands will say it */
        printf("ndb repl: not connected: %s (retried at each command).  'help' lists the "
               "commands; Ctrl-D leaves.\n", err);
    }
    fflush(stdout);

    strbuf pending = STRBUF_INIT;
    int quit = 0;
    r->pending = &pending; /* completion reads the words of a continued command */
    while (!quit) {
        set_prompt(r);
        got_sigint = 0;
        int count;
        const char *line = el_gets(r->el, &count);
        if (r->interrupted) {
            r->interrupted = 0;
            r->continuing = 0;
            sb_reset(&pending);
            continue;
        }
        if ((!line || count <= 0) && pending.len) {
            /* Ctrl-D inside unfinished input: leaving would lose the input
             * without a word (a script says "unfinished input"); drop it
             * and say so, as a shell does, and the next Ctrl-D leaves. */
            fputc('\n', stdout);
            note(r, r->continuing == 2 ? "(unfinished input discarded: it ended with a backslash; Ctrl-D again leaves)"
                                       : "(unfinished input discarded: a quote or bracket was still open; Ctrl-D again leaves)");
            r->continuing = 0;
            sb_reset(&pending);
            continue;
        }
        if (!line || count <= 0) {
            fputc('\n', stdout);
            break;
        }
        sb_adds(&pending, line);
        if (pending.len && pending.buf[pending.len - 1] != '\n') sb_addc(&pending, '\n');
        int open = unfinished(pending.buf);
        if (open) {
            if (!r->continuing && open == 2)
                note(r, "(the line ends with a backslash: input continues on the next; Ctrl-C discards it)");
            else if (!r->continuing)
                note(r, "(input continues until the open quote or bracket is closed; Ctrl-C "
                        "discards it)");
            r->continuing = open;
            continue;
        }
        r->continuing = 0;
        remember(r, pending.buf);
        got_sigint = 0;
        if (run_input(r, pending.buf, &quit) == CLI_INTERRUPTED) note(r, "\n(interrupted)");
        fflush(stdout);
        sb_reset(&pending);
    }
    r->pending = NULL;
    sb_free(&pending);
    el_end(r->el);
    history_end(r->hist);
    free(r->histfile);
    return 0;
}

/* A script's input, read here rather than by stdio, so that the wait for
 * its next line can service the connection (script_line). */
typedef struct script_input {
    strbuf buf;
    size_t off;  /* the first byte not yet handed out */
    size_t scan; /* bytes from off on known to hold no newline: a long line is searched once */
    int eof;
    int read_errno; /* the read that failed (EISDIR, EIO) ended the input: said by run_script */
} script_input;

#define SCRIPT_READ_CHUNK 65536

/* Read more of the script into in->buf (what was handed out is dropped
 * first).  Sets in->eof at the end of the input or on a read error. */
static void script_read(script_input *in) {
    size_t rest = in->buf.len - in->off;
    if (in->off) memmove(in->buf.buf, in->buf.buf + in->off, rest);
    in->buf.len = rest;
    in->off = 0;
    sb_grow(&in->buf, SCRIPT_READ_CHUNK);
    ssize_t n = read(STDIN_FILENO, in->buf.buf + in->buf.len, SCRIPT_READ_CHUNK);
    if (n > 0) in->buf.len += (size_t)n;
    else if (n == 0) in->eof = 1;
    else if (errno != EINTR && errno != EAGAIN) in->eof = 1, in->read_errno = errno;
}

/* The next line of the script, with its newline if it has one: *line
 * (valid until the next call) and *len.  Returns 0, or -1 at the end of
 * the input.  While no line is complete the connection is serviced every
 * REPL_IDLE_POLL_MS, as at the interactive prompt: a script that pauses
 * (input from a pipe, a watch waiting for its events) answers the
 * server's keep-alive pings, so limits.idleTimeoutSec does not end its
 * connection; its watches' events are printed as they come; and a
 * connection the server closed is said at once and made again by the next
 * line. */
static int script_line(repl *r, script_input *in, const char **line, size_t *len) {
    for (;;) {
        size_t avail = in->buf.len - in->off;
        const char *start = avail ? in->buf.buf + in->off : NULL;
        const char *nl = avail > in->scan ? memchr(start + in->scan, '\n', avail - in->scan) : NULL;
        in->scan = avail;
        if (nl || (in->eof && avail)) {
            *line = start;
            *len = nl ? (size_t)(nl - start) + 1 : avail;
            in->off += *len;
            in->scan = 0;
            return 0;
        }
        if (in->eof) return -1;
        struct pollfd p = {STDIN_FILENO, POLLIN, 0};
        int k = poll(&p, 1, r->c.ws ? REPL_IDLE_POLL_MS : -1);
        if (k == 0) {
            check_connection(r, 1);
            fflush(stdout);
        } else if (k > 0 || errno != EINTR) {
            script_read(in); /* a poll that failed otherwise: the read says why */
        }
    }
}

static int run_script(repl *r) {
    strbuf pending = STRBUF_INIT;
    script_input in = {STRBUF_INIT, 0, 0, 0, 0};
    const char *line;
    size_t len;
    long lineno = 0, first_line = 0;
    int quit = 0, first_rc = 0;
    while (!quit && script_line(r, &in, &line, &len) == 0) {
        const char *text = line;
        int rc;
        lineno++;
        if (!pending.len) first_line = lineno;
        /* the byte-order mark that some editors put before UTF-8 text: it
         * would be read as part of the first command's name */
        if (lineno == 1 && len >= 3 && !memcmp(line, "\xef\xbb\xbf", 3)) text += 3, len -= 3;
        if (memchr(text, '\0', (size_t)len)) {
            /* the rest of the line would be cut off without a word (a
             * script saved as UTF-16 has NULs on every line) */
            fprintf(stderr, "ndb: line %ld holds a NUL byte: a script is UTF-8 text (convert one saved as "
                            "UTF-16: iconv -f UTF-16 -t UTF-8)\n", lineno);
            rc = CLI_USAGE;
        } else {
            sb_add(&pending, text, (size_t)len);
            if (pending.buf[pending.len - 1] != '\n') sb_addc(&pending, '\n');
            if (unfinished(pending.buf)) continue;
            rc = run_input(r, pending.buf, &quit);
        }
        sb_reset(&pending);
        if (rc) {
            if (!first_rc) first_rc = rc; /* the line's own status: 1, 2 or 3 */
            if (!r->continue_on_error) {
                fprintf(stderr, "ndb repl: stopped at line %ld\n", first_line);
                break;
            }
        }
    }
    if (pending.len && !first_rc) {
        fprintf(stderr, "ndb repl: line %ld: unfinished input at the end: a quote, bracket or "
                        "backslash is not closed\n", first_line);
        first_rc = CLI_USAGE;
    }
    /* A script whose input could not be read (a directory, an I/O error) did
     * not run to its end: exit 0 would say that every line of it succeeded. */
    if (in.read_errno && !quit && (!first_rc || r->continue_on_error)) {
        if (lineno)
            fprintf(stderr, "ndb repl: cannot read the script from standard input after line %ld: %s\n", lineno,
                    strerror(in.read_errno));
        else
            fprintf(stderr, "ndb repl: cannot read the script from standard input: %s\n", strerror(in.read_errno));
        if (!first_rc) first_rc = CLI_USAGE;
    }
    sb_free(&in.buf);
    sb_free(&pending);
    return first_rc;
}

/* ------------------------------------------------------------- main */

static int usage_error(const char *fmt, const char *arg) {
    fputs("ndb repl: ", stderr);
    fprintf_visible(stderr, fmt, arg); /* arg is what was typed */
    fputs("\nTry 'ndb repl --help' for more information.\n", stderr);
    return CLI_USAGE;
}

/* The global option of the client named by a (--NAME, --NAME=VALUE, or one
 * -X letter), or 0. */
static int global_option(const char *a) {
    const cli_opt *o = cli_options();
    for (int id = CLI_GLOBAL_FIRST; id <= CLI_GLOBAL_LAST; id++) {
        if (a[1] == '-') {
            size_t n = strcspn(a + 2, "=");
            if (strlen(o[id].long_name) == n && !strncmp(a + 2, o[id].long_name, n)) return id;
        } else if (o[id].short_name && a[1] == o[id].short_name) {
            return id;
        }
    }
    return 0;
}

int cmd_repl(int argc, char **argv) {
    repl r;
    memset(&r, 0, sizeof r);
    const char *opt[OPT__COUNT] = {0};
    const cli_opt *o = cli_options();
    /* Every global option of `ndb` is accepted here and applies to every
     * command typed, as if given on each line. */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(repl_usage, stdout);
            return cli_output_finish();
        }
        if (!strcmp(a, "--continue-on-error")) {
            r.continue_on_error = 1;
            continue;
        }
        if (a[0] != '-' || !a[1])
            return usage_error("unexpected argument '%s' (a script is read from standard input: "
                               "ndb repl < FILE)", a);
        /* short flags may be grouped (-rc); a value goes with the last one */
        for (const char *p = a + 1; *p; p++) {
            char one[3] = {'-', *p, '\0'};
            int id = global_option(a[1] == '-' ? a : one);
            if (!id) return usage_error("unknown option '%s'", a);
            if (!o[id].arg) {
                if (a[1] == '-' && strchr(a, '='))
                    return usage_error("option '%s' takes no value", a);
                opt[id] = "";
                if (a[1] == '-') break;
                continue;
            }
            const char *v = a[1] == '-' ? (strchr(a, '=') ? strchr(a, '=') + 1 : NULL)
                                        : (p[1] ? p + 1 : NULL);
            if (!v && i + 1 >= argc) return usage_error("option '%s' needs a value", a);
            opt[id] = v ? v : argv[++i];
            break;
        }
    }
    if (opt[OPT_PRETTY] && opt[OPT_COMPACT])
        return usage_error("%s", "--pretty and --compact exclude each other");
    const char *url;
    if (cli_server_url(opt[OPT_URL], opt[OPT_HOST], opt[OPT_PORT], r.urlbuf, sizeof r.urlbuf, &url))
        return usage_error("%s", r.urlbuf);
    /* A malformed URL is a usage error now, as for `ndb COMMAND`: the REPL
     * would otherwise start and retry it at every command, in vain. */
    ws_url parsed;
    char why[256];
    if (ws_url_parse(&parsed, url, why, sizeof why)) {
        char shown[4096];
        fprintf(stderr, "ndb repl: invalid URL '%s'%s: %s\nTry 'ndb repl --help' for more information.\n",
                ws_url_shown(url, shown, sizeof shown), opt[OPT_URL] || opt[OPT_HOST] || opt[OPT_PORT] ? "" : " (NDB_URL)", why);
        return CLI_USAGE;
    }
    /* The canonical form (ws://127.0.0.1:1987/ for ":1987") is what the
     * banner, the prompt and the messages show, as one-shot commands name
     * the server: the shorthand typed says nothing of the host or port. */
    r.url = parsed.url;
    r.timeout = opt[OPT_TIMEOUT];
    r.raw = opt[OPT_RAW] != NULL;
    r.style = opt[OPT_PRETTY] ? "--pretty" : opt[OPT_COMPACT] ? "--compact" : NULL;

    size_t nraw;
    const cli_raw *raw = cli_raw_commands(&nraw);
    cli_ctx_init(&r.c, raw, nraw);
    r.c.on_event = on_command_event;
    r.c.on_watch = on_watch;
    r.c.timeout_s = CLI_DEFAULT_TIMEOUT;
    r.c.timeout_ms = (int)(CLI_DEFAULT_TIMEOUT * 1000);
    if (r.timeout && cli_parse_timeout(r.timeout, &r.c.timeout_s, &r.c.timeout_ms))
        return usage_error(CLI_TIMEOUT_INVALID, r.timeout);
    /* the login of every connection of this REPL; a line may still give
     * its own --user and the like */
    cli_login_base(&r.c.login, opt[OPT_USER], opt[OPT_PASSWORD_FILE], opt[OPT_CACERT], opt[OPT_CLIENT_CERT],
                   opt[OPT_CLIENT_KEY], opt[OPT_INSECURE] != NULL);
    cli_login_command(&r.c.login, NULL, NULL, NULL, NULL, NULL, 0);
    if (cli_login_password_unused(&r.c.login, opt[OPT_PASSWORD_FILE])) {
        cli_ctx_free(&r.c);
        return usage_error("%s", CLI_LOGIN_NO_USER);
    }
    char perr[400];
    if (cli_login_password(&r.c.login, perr, sizeof perr)) { /* once, before anything else */
        fprintf(stderr, "ndb repl: %s\n", perr);
        cli_ctx_free(&r.c);
        return CLI_USAGE;
    }

    /* --session or $NDB_SESSION: start inside that session; the REPL tracks
     * it from here on (so that `use` can leave it and top-level commands
     * work). */
    const char *env = opt[OPT_SESSION] ? opt[OPT_SESSION] : getenv("NDB_SESSION");
    if (env && *env) {
        uint64_t t;
        if (cli_parse_u64(env, &t))
            return usage_error(opt[OPT_SESSION] ? "invalid session token '%s'"
                                                : "invalid session token '%s' in NDB_SESSION", env);
        snprintf(r.tkn, sizeof r.tkn, "%llu", (unsigned long long)t);
        r.in_session = 1;
        repl_add_token(&r, r.tkn);
    }
    unsetenv("NDB_SESSION");

    host_of(r.url, r.hostport, sizeof r.hostport);
    snprintf(r.host, sizeof r.host, "%s", r.hostport);
    r.interactive = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    r.c.can_ask = r.interactive;
    if (r.interactive) { /* Ctrl-C stops the command (on_sigint) */
        r.c.stop = &got_sigint;
        wsc_set_stop(&got_sigint);
    }
    r.c.in_repl = 1;
    if (r.interactive) setlocale(LC_CTYPE, "");

    int rc = r.interactive ? run_interactive(&r) : run_script(&r);

    cli_ctx_free(&r.c);
    for (size_t i = 0; i < r.ntokens; i++) free(r.tokens[i]);
    free(r.tokens);
    for (size_t i = 0; i < r.nkeys; i++) free(r.keys[i]);
    free(r.keys);
    for (size_t i = 0; i < r.nwatches; i++) free(r.watches[i].req);
    free(r.watches);
    sb_free(&r.held_events);
    return rc;
}
