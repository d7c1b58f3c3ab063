/*
 * repl.h — `ndb repl`: the interactive client.
 *
 * The REPL runs the client's own commands (cli_exec, the one command table
 * in cli_table.c) one line at a time over one kept-open connection, with
 * libedit for line editing, history and completion.  Files:
 *
 *   repl.c           arguments, the read-eval-print loop, sessions (`use`),
 *                    raw requests, `help`, `\timing`, libedit set-up, the
 *                    idle servicing of the connection, the watches renewed
 *                    on a new connection, non-interactive mode
 *   repl_line.c      splitting a line into words (shell-like quoting, plus
 *                    JSON and JSONPath words), detecting unfinished input,
 *                    the credential filter for the history
 *   repl_history.c   the history file ($XDG_STATE_HOME/ndb/history)
 *   repl_complete.c  Tab completion from the command table, the server's
 *                    key names and the session tokens seen in this REPL
 *
 * The declarations below other than cmd_repl are shared by those files only.
 */
#ifndef NDB_REPL_H
#define NDB_REPL_H

#include <histedit.h>
#include <stddef.h>
#include <stdint.h>

#include "client/cli.h"

/* argv[0] is "repl".  Returns the process exit status. */
int cmd_repl(int argc, char **argv);

/* ------------------------------------------------------------- lines */

/* One word of a split line: its decoded text and where it started (byte
 * offset in the line) and ended (one past its last byte). */
typedef struct repl_word {
    char *text;
    size_t start, end;
} repl_word;

typedef struct repl_words {
    repl_word *w;
    int n, cap;
    int open;      /* more lines are needed: the input ended inside a quote
                    * or a bracket (1), or with a backslash (2) */
    int trailing;  /* the input ended in whitespace (outside any word) */
} repl_words;

/*
 * Split s[0..n) into words.  Rules (documented in `help` of the REPL):
 *   - words are separated by unquoted blanks (space, tab, newline);
 *   - 'single quotes' keep everything literally; "double quotes" too, except
 *     that a backslash escapes \ " $ ` and removes a newline; outside quotes
 *     a backslash keeps the next character literally, and removes a line
 *     end (\n, \r\n): the next line continues the command;
 *   - a word that starts with { [ or $ is a JSON value or a JSONPath: it is
 *     taken verbatim (quotes kept, blanks inside brackets kept) up to the
 *     first blank outside brackets and strings, so `set a {"x": [1, 2]}` and
 *     `find $[?(@.name == "Bob")]` need no extra quoting; a backslash before
 *     a line end outside its brackets joins the lines there too.
 * Frees any previous content of w.
 */
void repl_split(const char *s, size_t n, repl_words *w);
void repl_words_free(repl_words *w);

/* Is s[0..n) (a raw request starting with '{') unfinished: an object or
 * array still open, or a string or block comment not closed? */
int repl_raw_open(const char *s, size_t n);

/* First non-blank character of s, or '\0'. */
char repl_first_char(const char *s);

/* s after its leading lines that hold only a backslash (blanks before it
 * allowed): each joins the next, as in the shell, and adds nothing to it
 * (a line starting with a backslash is otherwise a meta command, \q).
 * Returns "" when nothing else is there yet: the input continues. */
const char *repl_skip_joins(const char *s);

/*
 * Should this input line stay out of the history?  The filter keeps out
 * what very likely holds a credential: a line containing (in any letter
 * case) "password", "passwd", "passphrase", "secret", "credential",
 * "apikey", "api_key", "api-key" or "private_key", a line whose first word
 * is "auth" or "login", a raw request with a member "AUTH", a raw request
 * naming SV_AUTH or holding a \u escape (which could spell either), and
 * any line typed with a leading blank (the shells' "ignorespace"
 * convention).  The REPL's own login (--user) never goes through lines.
 * Session tokens are not filtered: `use TKN` is worth recalling and the
 * history file is private (mode 0600).
 */
int repl_line_is_secret(const char *line);

/* Append s to out quoted so that repl_split reads it back as one word
 * equal to s (unquoted when that is already the case). */
void repl_quote_word(strbuf *out, const char *s);

/* ------------------------------------------------------------- history */

/* Path of the history file ($XDG_STATE_HOME/ndb/history, else
 * ~/.local/state/ndb/history), creating its directory (mode 0700) if
 * needed.  Returns a malloc'd path, or NULL (no history kept) after a
 * warning on stderr when the directory cannot be created. */
char *repl_history_path(void);

/* Load the entries of the file into h (oldest first), trimming the file
 * when it has grown well past the kept size. */
void repl_history_load(History *h, const char *path);

/* Append one entry to the file (created with mode 0600; a looser mode of an
 * existing file is tightened; a symbolic link is not followed).  Returns 0,
 * or -1 with errno set. */
int repl_history_append(const char *path, const char *entry);

/* Entries kept in memory and in the file. */
#define REPL_HISTORY_SIZE 1000

/* ------------------------------------------------------------- state */

typedef struct repl {
    cli_ctx c;
    const char *url;     /* --url, $NDB_URL or the default, in canonical form */
    const char *timeout; /* --timeout as given, or NULL */
    char urlbuf[320];    /* the URL built from -H/-p */
    int raw;             /* -r given to the REPL: every command prints raw */
    const char *style;   /* "--pretty" or "--compact" given to the REPL, or NULL */
    char hostport[128];  /* "127.0.0.1:1987" */
    char host[192];      /* for the prompt: hostport, or "alice@" hostport once logged in */
    int interactive;
    int continue_on_error;
    int timing;

    int in_session;
    char tkn[24];        /* current session token (decimal), if in_session */
    char **tokens;       /* tokens seen in this REPL, for completion */
    size_t ntokens;

    /* key-name cache for completion */
    char **keys;
    size_t nkeys;
    int64_t keys_at;     /* monotonic ms of the fetch, 0 = none */
    char keys_scope[24]; /* "" for top level, else the token */

    /* the watches without --count on the connection (watch, session
     * watch, raw KV_WATCH/SH_WATCH), renewed on a new connection */
    struct repl_watch {
        uint64_t id;
        char *req; /* the request that registered it */
    } *watches;
    size_t nwatches;
    unsigned watch_gen;  /* c.conn_gen of the connection they are on */
    /* events that came while Tab completion waited for key names, each a
     * size_t length and the message: shown at the prompt's next look at
     * the connection (check_connection), never dropped */
    strbuf held_events;

    /* libedit */
    EditLine *el;
    History *hist;
    char *histfile;
    char prompt[256];
    int interrupted;     /* Ctrl-C at the prompt */
    int continuing;      /* reading the continuation of unfinished input (unfinished(): 1 or 2) */
    const strbuf *pending; /* the input gathered before this line (run_interactive) */
    int lost_said;       /* "connection lost" already reported */
    int history_failed;  /* writing the history file failed (said once) */
} repl;

/* Remember a session token for completion (no duplicates). */
void repl_add_token(repl *r, const char *tkn);

/* Keep an event (message msg[0..n)) of the REPL's watches that arrived
 * outside a command, to be shown with the next ones. */
void repl_hold_event(repl *r, const char *msg, size_t n);

/* The completion function bound to Tab. */
unsigned char repl_complete(EditLine *el, int ch);

#endif
