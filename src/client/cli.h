/*
 * cli.h — the native command-line client: `ndb get`, `ndb set`, `ndb session
 * new`, ... (everything but `serve`, `send` and the other "raw" subcommands
 * that main.c owns).
 *
 * One table drives everything (cli_table.c): each command is one cli_cmd
 * entry — name, aliases, family, usage, summary, description, the options
 * it takes, how many positional arguments, the protocol command (and its
 * session counterpart) and the handler.  Argument parsing, `--help`,
 * `ndb help`, the "did you mean" suggestion and anything that wants to list
 * commands or options (a REPL, shell completions) read that table through
 * cli_commands() / cli_options(); nothing else keeps a list of commands.
 *
 * Files:
 *   cli_table.c    the table, option parsing, help, suggestions, cli_main
 *   cli_raw_options.c  `ndb help --options` of serve, send, bench, ...
 *   cli_output.c   terminal detection, pretty/compact/raw JSON output
 *   cli_conn.c     server address, timeout, session token, one request ->
 *                  one response, status -> exit code
 *   cmd_keys.c     get set add rm keys count contains clear clear-set
 *   cmd_path.c     find update append
 *   cli_where.c    find --where: the filter that tests each value itself
 *   cmd_snapshot.c save load
 *   cmd_session.c  session new|end|exists|info|save|load
 *   cmd_info.c     info
 *
 * Exit statuses (every command, raw requests and REPL scripts too): CLI_OK
 * 0 success; CLI_FALSE 1 a key or session was not found or a test is false; CLI_USAGE 2 usage error, cannot
 * connect, timeout, lost connection; CLI_SERVER 3 the server answered an
 * error status; CLI_INTERRUPTED 130 (REPL only) Ctrl-C stopped the wait for
 * the server.
 */
#ifndef NDB_CLI_H
#define NDB_CLI_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "client/cli_auth.h"
#include "client/wsclient.h"
#include "common/stdout_finish.h"
#include "common/strbuf.h"
#include "json/scan.h"

enum { CLI_OK = 0, CLI_FALSE = 1, CLI_USAGE = 2, CLI_SERVER = 3, CLI_INTERRUPTED = 130 };

#define CLI_DEFAULT_URL "ws://127.0.0.1:1987/"
#define CLI_DEFAULT_TIMEOUT 5.0

/* Every option any command knows.  The ids index cli_options(). */
enum cli_opt_id {
    OPT_NONE = 0, /* terminates a command's option list */
    /* global: accepted by every table command, before or after its name */
    OPT_HELP,
    OPT_URL,
    OPT_HOST,
    OPT_PORT,
    OPT_TIMEOUT,
    OPT_SESSION,
    OPT_RAW,
    OPT_PRETTY,
    OPT_COMPACT,
    OPT_USER,          /* README "Security": the login and TLS of the connection */
    OPT_PASSWORD_FILE,
    OPT_CACERT,
    OPT_CLIENT_CERT,
    OPT_CLIENT_KEY,
    OPT_INSECURE,
    /* per command */
    OPT_STRING,
    OPT_JSON,
    OPT_KEYS,
    OPT_KEY,
    OPT_PATHS,
    OPT_KV,
    OPT_NAME,
    OPT_TTL,
    OPT_DELETE,
    OPT_EXTEND_GET,
    OPT_EXTEND_SET,
    OPT_ALL,
    OPT_OBJECT,
    OPT_NULL,
    OPT_PREFIX,      /* keys, scan, watch */
    OPT_WHERE,
    OPT_YES,
    OPT_KEY_TTL,     /* set, add, cas: "ttl" of the keys */
    OPT_VALUES,      /* watch, session watch */
    OPT_COUNT,       /* watch, session watch */
    OPT_ALL_SESSIONS, /* session watch */
    OPT__COUNT
};
/* The global options are the ids OPT_HELP .. OPT_INSECURE. */
#define CLI_GLOBAL_FIRST OPT_HELP
#define CLI_GLOBAL_LAST OPT_INSECURE

typedef struct cli_opt {
    char short_name;      /* 0 if none */
    const char *long_name; /* without the dashes */
    const char *arg;      /* metavariable (e.g. "SECONDS"), NULL for a flag */
    const char *help;     /* one line */
} cli_opt;

/* Command flags. */
enum {
    CLI_F_SESSION = 1, /* runs inside a session with --session / $NDB_SESSION */
    CLI_F_NOSESSION = 2, /* acts on top-level keys and has no session form:
                          * refuses --session and a set $NDB_SESSION */
    CLI_F_STREAM = 4,    /* prints events until stopped: a lost connection
                          * is exit status 2 too */
};

typedef struct cli_ctx cli_ctx;

typedef struct cli_cmd {
    const char *group;   /* NULL for a top-level command, "session" for
                          * `ndb session NAME` */
    const char *name;
    const char *aliases; /* space-separated other names, or NULL */
    const char *family;  /* heading in `ndb help` */
    const char *usage;   /* positional part of the synopsis, e.g. "KEY..." */
    const char *summary; /* one line, lower case, no full stop */
    const char *description; /* paragraphs for --help (ends with '\n') */
    const char *exits;   /* what exit status 0 and 1 mean here */
    unsigned char opts[8]; /* command-specific options, OPT_NONE-terminated */
    int min_args, max_args; /* positional arguments; max -1 = no limit */
    const char *proto;    /* protocol command (NULL for local commands) */
    const char *sh_proto; /* session counterpart, NULL if none */
    unsigned flags;       /* CLI_F_* */
    int (*run)(cli_ctx *c, int argc, char **argv); /* positional args only */
} cli_cmd;

/* A subcommand that parses its own arguments (serve, send, bench, repl):
 * main.c hands these to cli_main so help and suggestions know them. */
typedef struct cli_raw {
    const char *name;
    int (*fn)(int argc, char **argv); /* argv[0] is the name */
    const char *summary;
    int usage_exit; /* its exit status for a usage error (serve: 1) */
} cli_raw;

/* State of one command invocation.  Handlers read the parsed options and
 * use the connection/output helpers below. */
struct cli_ctx {
    const cli_cmd *cmd;
    const char *prog;                /* "ndb get", "ndb session new" (messages) */
    char progbuf[80];
    const char *opt[OPT__COUNT];     /* last value given; "" for a flag; NULL unset */
    const char **keys_opts;          /* values of every --keys/--key, in order */
    unsigned char *keys_kind;        /* OPT_KEYS or OPT_KEY for each of them */
    size_t nkeys_opts;

    /* server */
    const char *url;
    char urlbuf[320];  /* the URL built from -H/-p */
    double timeout_s;
    int timeout_ms;    /* -1: no limit */
    int64_t deadline;  /* monotonic ms; connect + answers must finish by then */
    ws_client *ws;     /* kept open across cli_exec calls */
    char *ws_url;      /* the URL ws is connected to */
    cli_login login;   /* TLS settings and user of the connection (cli_auth.h) */

    /* session */
    int in_session;
    uint64_t tkn;

    /* output */
    int tty, pretty, color, raw;
    /* set by watch when the reader of standard output went away: its
     * normal end (exit 0), not an output error */
    int output_closed;

    /* set by the REPL on a terminal: commands may ask the user (clear) */
    int can_ask;
    /* set by the REPL: hints name REPL words ('help get', not 'ndb get --help') */
    int in_repl;

    /* scratch */
    strbuf req;  /* the request being built */
    strbuf buf;  /* the text received */
    jdoc rsp;    /* the parsed response */
    uint32_t body; /* token index of the response body object */
    unsigned st;   /* its status */
    jdoc tmp;    /* for checking values */
    strbuf out;  /* output being formatted */

    /* events (KV_EVENT, SH_EVENT) that arrive on the connection while a
     * command waits for its answer: handed to on_event (the REPL shows
     * them), or dropped when it is NULL */
    void (*on_event)(cli_ctx *c, const char *msg, size_t n);
    void *event_ctx;

    /* set by the REPL: its Ctrl-C flag, also given to wsc_set_stop.  A
     * wait for the server (connecting, an answer, a counted watch's events)
     * gives up soon after *stop becomes nonzero, and the command returns
     * CLI_INTERRUPTED without a message. */
    volatile sig_atomic_t *stop;
    /* set by the REPL: a watch without --count was registered (started 1;
     * c->req still holds its request) or `unwatch` stopped one (started
     * 0), so that the REPL can renew its watches on a new connection */
    void (*on_watch)(cli_ctx *c, uint64_t id, int started);
    /* connections opened so far (a new one has none of the old one's
     * watches) */
    unsigned conn_gen;
};

/* ------------------------------------------------------------- table */

/* The command table.  *n receives the number of entries. */
const cli_cmd *cli_commands(size_t *n);
/* The option table, indexed by enum cli_opt_id (entry 0 is empty). */
const cli_opt *cli_options(void);
/* Find a command by name or alias within group (NULL = top level). */
const cli_cmd *cli_find(const char *group, const char *name);
/* Is `name` a group (e.g. "session")? */
int cli_is_group(const char *name);
/* The raw subcommands main.c registered (through cli_main or
 * cli_ctx_init), so that a REPL started by one of them can pass the same
 * list to its own context.  *n receives the number of entries. */
const cli_raw *cli_raw_commands(size_t *n);

/* The options a raw subcommand's --help lists, one name per line (-x, then
 * --long), appended to out.  Returns 0, or CLI_USAGE when its --help
 * failed. */
int cli_raw_option_names(const cli_raw *r, strbuf *out);
/* `ndb help --options NAME` for a raw subcommand: cli_raw_option_names on
 * stdout.  Returns an exit status. */
int cli_list_raw_options(const cli_raw *r);
/* Is option word ("-r", "--url", "--url=U") one of names (as above)? */
int cli_raw_takes(const strbuf *names, const char *word);

/*
 * Run the client with the process arguments (argv[0] is the program).
 * Handles leading global options, `help`, the raw subcommands and every
 * table command.  Returns the process exit status.
 */
int cli_main(int argc, char **argv, const cli_raw *raw, size_t nraw);

/*
 * For a REPL: a context that outlives one command, so that its connection
 * is reused.  cli_exec runs one command line (argv[0] is the first word,
 * e.g. "get" or "--session"; no program name) exactly as `ndb WORDS...`
 * would, and returns its exit status; options do not carry over from one
 * line to the next, the connection does (reconnecting if --url changes or
 * the server went away).  raw (may be NULL) lists the raw subcommands, as
 * for cli_main.
 */
void cli_ctx_init(cli_ctx *c, const cli_raw *raw, size_t nraw);
int cli_exec(cli_ctx *c, int argc, char **argv);
void cli_ctx_free(cli_ctx *c);

/* Print a usage error "ndb get: MESSAGE" plus a hint to --help on stderr;
 * returns CLI_USAGE. */
int cli_usage_error(cli_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------------- values */

/* Parse a session token: decimal digits only, 0 .. 2^64-1.  Returns 0. */
int cli_parse_u64(const char *s, uint64_t *v);

/* Is s a number as a person writes one in an option: digits, then an
 * optional fraction and exponent (5, 0.5, 1e3)?  strtod alone also takes
 * blanks before it, hexadecimal (0x1), "inf" and "nan".  1 or 0. */
int cli_plain_number(const char *s);

/* Is s[0..n) one strict RFC 8259 JSON value (no comments)?  On success the
 * compact text of the value is in d->text. */
int cli_is_json(jdoc *d, const char *s, size_t n);

/*
 * Append the JSON for a user-supplied value to out, by the rules of
 * `ndb help values`: --string → always a string; --json → must be JSON
 * (else a usage error); otherwise JSON if it is valid JSON, a usage error
 * (with the byte where parsing stopped) if it starts with { [ or " but is
 * not, else a string; JSON nested deeper than CLI_MAX_VALUE_DEPTH is a
 * usage error.  `what` names the value in messages.  Returns 0 or
 * CLI_USAGE (message printed).
 */
/* The deepest value ndb stores: a request wraps a value in three levels
 * ({"KV_SET":{"keys":{"k":VALUE}}}) and the server parses at most
 * JSON_MAX_DEPTH, so a deeper VALUE would come back as a bare parse error
 * (3).  The server's own bound is STORE_MAX_VALUE_DEPTH (server/store.h). */
#define CLI_MAX_VALUE_DEPTH (JSON_MAX_DEPTH - 3)

int cli_add_value(cli_ctx *c, strbuf *out, const char *s, size_t n, const char *what);

/* `set -` (add -, clear-set -): s[0..n), standard input, must be one JSON
 * object, the keys to store.  Returns 0 with its compact text in c->tmp,
 * or CLI_USAGE after saying what is wrong: empty, where it stops being
 * JSON (as for a VALUE), not an object, or nested too deep. */
int cli_stdin_object(cli_ctx *c, const char *s, size_t n);

/* A VALUE of '-': all of standard input, less one trailing line ending
 * (\n or \r\n), into in (NUL-terminated).  Returns 0 or CLI_USAGE. */
int cli_read_stdin_value(cli_ctx *c, strbuf *in);
/* cli_add_value for a VALUE of '-' (cli_read_stdin_value). */
int cli_add_stdin_value(cli_ctx *c, strbuf *out);
/* A VALUE argument added to the request, or standard input for "-" (at
 * most once per command: *stdin_used counts). */
int cli_add_arg_value(cli_ctx *c, const char *arg, int *stdin_used, const char *what);

/* Read all of standard input into out.  Returns 0 or CLI_USAGE. */
int cli_read_stdin(cli_ctx *c, strbuf *out);

/* `find --where EXPR`: the KV_FIND path $[?(EXPR)] with each @ that stands
 * for the tested value written as $ (cli_where.c explains why and its
 * limits), into out.  Returns 0, or -1 with a one-line reason (positions
 * count from the start of EXPR) in err. */
int cli_where_path(const char *expr, strbuf *out, char *err, size_t errlen);

/* ------------------------------------------------------------- requests */

/* Start a request for the command's protocol name (session counterpart
 * when c->in_session): writes {"CMD":{ and, in a session, "tkn":N. */
void cli_req_begin(cli_ctx *c);
/* Start a request for an explicit protocol command. */
void cli_req_begin_as(cli_ctx *c, const char *proto);
/* Add `,"name":` (comma only when needed); the caller appends the value. */
void cli_req_member(cli_ctx *c, const char *name);
/* Close the request: }} */
void cli_req_end(cli_ctx *c);
/* Add `,"member":[KEY,...]` with argv's keys as JSON strings.  Returns 0,
 * or CLI_USAGE (message printed) for a key that is not valid UTF-8. */
int cli_req_key_array(cli_ctx *c, const char *member, int argc, char **argv);
/* "ndb: key "k" does not exist[ in session N]" on stderr. */
void cli_say_key_missing(const cli_ctx *c, const char *key);
/* cli_say_key_missing for each of argv's keys that answer object `obj` of
 * c->rsp lacks, once per name (the answer names each key once, 3.3).
 * Returns 0 when none is missing, else CLI_FALSE. */
int cli_say_keys_missing(const cli_ctx *c, uint32_t obj, int argc, char **argv);
/* A new array of argc flags: 1 where argv[i] is the first occurrence of its
 * name, 0 where an earlier argument is the same.  The caller frees it. */
unsigned char *cli_first_names(int argc, char *const *argv);

/*
 * Send c->req, wait for the answer (within the deadline), parse it into
 * c->rsp and set c->body and c->st.  Connects first if needed.  Returns 0,
 * or CLI_USAGE after printing why (cannot connect, timeout, closed, answer
 * not understood).
 */
int cli_call(cli_ctx *c);

/* cli_call, then any status but Ok (1) becomes the error exit (message
 * printed by cli_server_error; SessionNotExist in a session command is
 * "session N does not exist", exit 1).  Returns 0 when the answer is Ok. */
int cli_call_ok(cli_ctx *c);

/* Token of response body member `name`, which must have JSON type `type`
 * (enum jtype); else a message and CLI_USAGE. */
int cli_member(cli_ctx *c, const char *name, int type, uint32_t *t);

/* Say "ndb: WHAT: " and the message just read (c->buf), which is not what
 * was expected, on stderr; returns CLI_USAGE.  It is quoted as
 * sb_add_visible_cut does, at most 200 bytes: whatever answered at the URL
 * may not be ndb, and its text must neither reach the terminal as escape
 * sequences nor end inside a character. */
int cli_bad_answer(cli_ctx *c, const char *what);

/* The same for text s (n bytes) that is not c->buf (the REPL's event):
 * "ndb: WHAT: " and s quoted, at most 200 bytes, on stderr. */
void cli_bad_text(const char *what, const char *s, size_t n);

/* Member `name` of object obj in d, when it is a string: decoded and
 * appended to out as every server message is shown (sb_add_visible_line:
 * one line, no escape sequence reaches the terminal); nothing otherwise.
 * For the text of a server's answer (its m, a role) that a message quotes. */
void cli_member_visible(const jdoc *d, uint32_t obj, const char *name, strbuf *out);

/* Value token of member `name` of the response body, or 0 if absent. */
uint32_t cli_rsp_get(cli_ctx *c, const char *name);

/* Print "ndb: Name (N)" plus the server's m (if any) and a hint for the
 * status; returns cli_status_exit(c->st). */
int cli_server_error(cli_ctx *c);

/* An error status said in the client's words: "ndb: Name (N): " and the
 * formatted text (which replaces the server's m) on stderr, so that exit 3
 * always comes with the status's name and number; the text is quoted as
 * fprintf_visible does (it may hold part of the server's m).  Returns
 * cli_status_exit(c->st). */
int cli_server_error_as(cli_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The line cli_server_error prints after "ndb: ", into out (reset first):
 * "Name (N)", then ": " and the server's message m (mlen bytes, made one
 * printable line; none: the status's meaning), and for 43 how to log in:
 * "AuthRequired (43): authentication required (the server has users: log
 * in with --user NAME, or set NDB_USER)".  Shared with ndb bench. */
void cli_status_line(unsigned st, const char *m, size_t mlen, strbuf *out);

/* The exit status for an error status: CLI_FALSE for "not found"
 * (KeyNotExist 22, SessionNotExist 100), else CLI_SERVER. */
int cli_status_exit(unsigned st);

/* A failed save or load of dataset `name`, said in the client's words: a
 * 42 for the name ("ndb: ValueSize (42): invalid dataset name "a/b": <the
 * rule>"), a
 * dataset of the other kind (which ndb command loads it), else as
 * cli_server_error.  Returns the exit status. */
int cli_snapshot_error(cli_ctx *c, const char *name);

/* "ndb: session N does not exist" on stderr. */
void cli_say_no_session(uint64_t tkn);

/* Name of a protocol status (docs/protocol.md section 2), or NULL. */
const char *cli_status_name(unsigned st);

/* Start the command's --timeout clock (connect + every answer). */
void cli_start_clock(cli_ctx *c);

/* Close the connection (if any); frees nothing else. */
void cli_disconnect(cli_ctx *c);

/* In a connect error (err, of size n), wsclient's "timed out after N ms"
 * said in the unit the user gave --timeout in: "timed out after 2 s". */
void cli_timeout_in_seconds(char *err, size_t n, double secs);

/* ------------------------------------------------------------- output */

/* Decide tty / pretty / colour / raw from the options and environment. */
void cli_output_init(cli_ctx *c);

/* Print the value at token t of d (one document, newline-terminated):
 * raw strings without quotes when -r, pretty on a terminal, else compact
 * (the exact text). */
void cli_print_value(cli_ctx *c, const jdoc *d, uint32_t t);

/* Print an array: one item per line when not pretty or with -r (strings
 * raw with -r, else JSON-encoded), else as one pretty array.  Returns 0,
 * or CLI_USAGE when -0 meets a name holding a NUL byte (cli_print_lines). */
int cli_print_list(cli_ctx *c, const jdoc *d, uint32_t t);

/* Print the items of the array at token t one per line, whatever the
 * output style: strings JSON-encoded, bare with -r; with -0 bare and each
 * followed by a NUL byte.  (cli_print_list does this when not pretty.) */
int cli_print_lines(cli_ctx *c, const jdoc *d, uint32_t t);

/* Print the object at token t without its members "st" and "m". */
void cli_print_body(cli_ctx *c, const jdoc *d, uint32_t t);

/* Print a line of JSON text (a count, a token, an event): exact, or on a
 * terminal its control characters (DEL and C1; C0 ones if it held any raw)
 * as \u007F, \u0080.. (cli_output.c). */
void cli_print_line(cli_ctx *c, const char *s, size_t n);

/* Write JSON text s as it came from a server, and a newline, straight to
 * stdout: exact, or when tty its control characters (C0, DEL, C1) as
 * \u001B, \u009B.. (ndb send, the REPL's raw answers and events). */
void cli_write_json_line(int tty, const char *s, size_t n);

/* Append the pretty form of token t of d to out (2-space indent, colours
 * when color is set, DEL and C1 controls escaped), no trailing newline. */
void cli_pretty(strbuf *out, const jdoc *d, uint32_t t, int color);

/* Flush stdout (stdout_finish.h): 0, or CLI_USAGE when the output could
 * not be written.  Help texts and --version end with it too: `ndb --help`
 * and `ndb help` print the same text and must fail the same way. */
static inline int cli_output_finish(void) { return stdout_finish() ? CLI_USAGE : 0; }

/* Has the reader of standard output gone away?  A pipe whose reader closed
 * reports POLLERR, a socket POLLHUP; a file or terminal neither.  For a
 * command that waits with nothing to write (a watch without events, send
 * waiting for its input): only its next write would fail, so without this
 * `ndb session watch T | grep -q '"op":"end"'` hung after grep was done. */
int cli_output_gone(void);

/* Append a key name for a diagnostic: JSON-quoted, C1 controls as \u0080..\u009F too. */
void cli_quote(strbuf *out, const char *s, size_t n);

/* ------------------------------------------------------------- handlers */

int cli_get(cli_ctx *c, int argc, char **argv);
int cli_set(cli_ctx *c, int argc, char **argv); /* set, add, clear-set */
int cli_rm(cli_ctx *c, int argc, char **argv);
int cli_keys(cli_ctx *c, int argc, char **argv);
int cli_count(cli_ctx *c, int argc, char **argv);
int cli_contains(cli_ctx *c, int argc, char **argv);
int cli_clear(cli_ctx *c, int argc, char **argv);
int cli_find_cmd(cli_ctx *c, int argc, char **argv);
int cli_update(cli_ctx *c, int argc, char **argv);
int cli_append(cli_ctx *c, int argc, char **argv);
int cli_save(cli_ctx *c, int argc, char **argv);
int cli_load(cli_ctx *c, int argc, char **argv);
int cli_info(cli_ctx *c, int argc, char **argv);
int cli_session_new(cli_ctx *c, int argc, char **argv);
/* The server's 42 for the duration that --ttl T sent (session new, session
 * expire): said as a refusal of --ttl T, the option the user typed, not
 * of the protocol's 'duration'. */
int cli_session_ttl_refused(cli_ctx *c, const char *t);
int cli_session_end(cli_ctx *c, int argc, char **argv);
int cli_session_exists(cli_ctx *c, int argc, char **argv);
int cli_session_info(cli_ctx *c, int argc, char **argv);
int cli_session_list(cli_ctx *c, int argc, char **argv);
int cli_scan(cli_ctx *c, int argc, char **argv);
/* The top-level key names that start with prefix, gathered from KV_SCAN
 * pages into one array (token *t of *d). */
int cli_keys_with_prefix(cli_ctx *c, const char *prefix, const jdoc **d, uint32_t *t);
int cli_session_save(cli_ctx *c, int argc, char **argv);
int cli_session_load(cli_ctx *c, int argc, char **argv);
/* cmd_ttl.c */
int cli_expire(cli_ctx *c, int argc, char **argv);
int cli_ttl(cli_ctx *c, int argc, char **argv);
int cli_persist(cli_ctx *c, int argc, char **argv);
int cli_incr(cli_ctx *c, int argc, char **argv);
int cli_cas(cli_ctx *c, int argc, char **argv);
int cli_session_expire(cli_ctx *c, int argc, char **argv);
/* cmd_watch.c */
int cli_watch(cli_ctx *c, int argc, char **argv);
int cli_session_watch(cli_ctx *c, int argc, char **argv);
int cli_unwatch(cli_ctx *c, int argc, char **argv);

/* Is the message an event pushed by the server (an object whose single
 * member is named <FAMILY>_EVENT) rather than an answer? */
int cli_is_event(const char *msg, size_t n);

/* Add "ttl":SECONDS from --ttl to the request, if given (set, add, cas).
 * Returns 0 or CLI_USAGE. */
int cli_add_key_ttl(cli_ctx *c);

/* The server URL from --url, -H HOST and -p PORT (any may be NULL), else
 * $NDB_URL, else the default: a URL given as is, or ws://HOST:PORT/ built
 * from -H/-p (defaults 127.0.0.1 and 1987; an IPv6 HOST is bracketed).
 * Writes into buf; *url points at the result (buf or a given string).
 * Returns 0, or -1 with a one-line reason in buf. */
int cli_server_url(const char *url, const char *host, const char *port, char *buf, size_t n,
                   const char **out);

/* url, taken from $NDB_URL (no --url, -H or -p): 0 if it parses, else -1
 * with "invalid URL 'URL' (NDB_URL): why" in buf, as every command words
 * it (a URL typed with --url is reported when connecting). */
int cli_check_env_url(const char *url, char *buf, size_t n);

/* --timeout SECONDS (decimals allowed; 0 = no limit; at most
 * CLI_TIMEOUT_MAX, INT_MAX milliseconds, what a poll waits) → *secs, *ms
 * (-1 = no limit).  Shared by every subcommand that talks to a server;
 * each refuses another value with CLI_TIMEOUT_INVALID. */
#define CLI_TIMEOUT_MAX "2147483"
#define CLI_TIMEOUT_INVALID "invalid timeout '%s' (expected seconds, 0 to " CLI_TIMEOUT_MAX ", e.g. 5 or 0.5; 0: no limit)"
int cli_parse_timeout(const char *s, double *secs, int *ms);

#endif
