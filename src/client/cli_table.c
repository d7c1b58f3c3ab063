/*
 * cli_table.c — THE client command table, and everything driven by it:
 * option parsing, `--help` texts, `ndb help`, "did you mean" suggestions
 * and cli_main, the entry point main.c calls for every command it does not
 * run itself.
 *
 * Adding a command is one entry in cli_cmds[] plus one handler.  The
 * synopsis, the option list of --help, the accepted options, the positional
 * argument count check and the session rules all come from the entry, so
 * help and behaviour cannot drift apart.  A REPL or a completion generator
 * walks cli_commands() and cli_options() (`ndb help --commands` and
 * `ndb help --options CMD` print the same for shell scripts).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/cli.h"
#include "common/edit_distance.h"
#include "build_commit.h" /* generated: NDB_BUILD_COMMIT */
#include "common/wsurl.h"

/* ------------------------------------------------------------- options */

static const cli_opt cli_opts[OPT__COUNT] = {
    [OPT_HELP] = {'h', "help", NULL, "show this help and exit"},
    [OPT_URL] = {0, "url", "URL", "server (default: $NDB_URL or " CLI_DEFAULT_URL ")"},
    [OPT_HOST] = {'H', "host", "HOST", "server host, for ws://HOST:PORT/ (default 127.0.0.1)"},
    [OPT_PORT] = {'p', "port", "PORT", "server port, for ws://HOST:PORT/ (default 1987)"},
    [OPT_TIMEOUT] = {0, "timeout", "SECONDS",
                     "bound on connect + answer (default 5, 0 = none)"},
    [OPT_SESSION] = {0, "session", "TKN", "use the keys of session TKN (default $NDB_SESSION)"},
    [OPT_RAW] = {'r', "raw", NULL, "print strings without quotes and escapes (like jq -r)"},
    [OPT_PRETTY] = {0, "pretty", NULL, "pretty-print JSON even when not on a terminal"},
    [OPT_COMPACT] = {'c', "compact", NULL, "compact JSON, one document per line, even on a tty"},
    [OPT_USER] = {0, "user", "NAME", "log in as NAME (default $NDB_USER)"},
    [OPT_PASSWORD_FILE] = {0, "password-file", "FILE", "password of --user from FILE's first line (else $NDB_PASSWORD)"},
    [OPT_CACERT] = {0, "cacert", "FILE", "wss://: also trust the CAs in FILE ($NDB_CACERT)"},
    [OPT_CLIENT_CERT] = {0, "client-cert", "FILE", "wss://: certificate to show a server that asks"},
    [OPT_CLIENT_KEY] = {0, "client-key", "FILE", "wss://: its private key (PEM, not encrypted; give both)"},
    [OPT_INSECURE] = {0, "insecure", NULL, "wss://: do not check the server's certificate"},
    [OPT_STRING] = {'s', "string", NULL, "store values as strings, even if they are valid JSON"},
    [OPT_JSON] = {0, "json", NULL, "values must be valid JSON (refuse anything else)"},
    [OPT_KEYS] = {0, "keys", "K,...", "search only these keys (comma-separated; repeatable)"},
    [OPT_KEY] = {0, "key", "KEY", "search only this key (may contain commas; repeatable)"},
    [OPT_PATHS] = {0, "paths", NULL, "print {KEY: [PATH...]}: the paths each key matched"},
    [OPT_KV] = {0, "kv", NULL, "print an object of the matching keys and values"},
    [OPT_NAME] = {0, "name", "ARRAY", "append to member ARRAY of the object at KEY"},
    [OPT_TTL] = {0, "ttl", "SECONDS", "expire the session after SECONDS (0 = never)"},
    [OPT_DELETE] = {0, "delete", NULL, "on expiry delete the session (default: only empty it)"},
    [OPT_EXTEND_GET] = {0, "extend-on-get", NULL, "each get restarts the expiry period"},
    [OPT_EXTEND_SET] = {0, "extend-on-set", NULL, "each set, add, clear-set or incr restarts the expiry period"},
    [OPT_ALL] = {0, "all", NULL, "end every session"},
    [OPT_OBJECT] = {0, "object", NULL, "print an object of KEY: value even for one KEY"},
    [OPT_NULL] = {'0', "null", NULL, "key names are separated by NUL bytes, not newlines"},
    [OPT_PREFIX] = {0, "prefix", "P", "only the keys whose names start with P ('' for every key)"},
    [OPT_WHERE] = {0, "where", "EXPR", "keys whose value itself passes the filter EXPR"},
    [OPT_YES] = {0, "yes", NULL, "do not ask for confirmation"},
    [OPT_KEY_TTL] = {0, "ttl", "SECONDS", "the keys expire after SECONDS (to the millisecond)"},
    [OPT_VALUES] = {0, "values", NULL, "include the new value in each event"},
    [OPT_COUNT] = {0, "count", "N", "exit after N events"},
    [OPT_ALL_SESSIONS] = {0, "all", NULL, "watch every session"},
};

const cli_opt *cli_options(void) { return cli_opts; }

/* ------------------------------------------------------------- the table */

static int cli_help_cmd(cli_ctx *c, int argc, char **argv);

/* The one statement of how a VALUE is read: `ndb help values` prints it,
 * every command that takes values points to it. */
static const char values_help[] =
    "usage: ndb help values\n"
    "\n"
    "How set, add, clear-set, update and append read a VALUE (or an ITEM):\n"
    "\n"
    "  - valid JSON is stored as JSON, with its exact text: 1987, -5, 0.1, true,\n"
    "    null, '\"text\"', '{\"a\": [1, 2]}';\n"
    "  - text that starts with {, [ or \" (after blanks) must be valid JSON: it is\n"
    "    refused (exit 2, with the byte where it stops being JSON) rather than\n"
    "    stored as a string, because it was almost certainly meant as JSON;\n"
    "  - text that is not UTF-8 (a byte such as \\xe9, Latin-1) is refused, with\n"
    "    -s too;\n"
    "  - anything else is stored as a string: Bob, 007, 'two words', an empty\n"
    "    argument;\n"
    "  - -s (--string) stores the text as a string whatever it looks like;\n"
    "    --json refuses anything that is not valid JSON;\n"
    "  - JSON with comments is refused, and nesting deeper than 1021\n"
    "    arrays/objects (what ndb stores at most: the request wraps a value\n"
    "    in three more levels, and the server parses 1024);\n"
    "  - 'update' refuses a VALUE that starts with @ or $: it stores values and\n"
    "    evaluates no expressions ('@ + 1' is not arithmetic); -s stores the text.\n"
    "\n"
    "A VALUE of '-' is read from standard input by the same rules, after one\n"
    "trailing line ending (\\n or \\r\\n) is removed, so what echo prints is\n"
    "stored without its newline.  To keep a final newline, end the input with\n"
    "two.  To store the one-character string '-', write '\"-\"'.\n"
    "\n"
    "An argument that starts with '-' and a digit (-5, -0.5) is a value, not an\n"
    "option; put other values that start with '-' after '--'.\n"
    "\n"
    "Examples:\n"
    "  $ ndb set name Bob age 30 zip 007 tags '[\"a\", \"b\"]'\n"
    "  $ ndb get name age zip tags\n"
    "  {\"name\":\"Bob\",\"age\":30,\"zip\":\"007\",\"tags\":[\"a\",\"b\"]}\n"
    "  $ ndb set cfg '{\"a\":1'\n"
    "  ndb set: VALUE is not valid JSON: it ends at byte 6 before the value is complete: '{\"a\":1' (-s stores it as a string)\n"
    "  Try 'ndb set --help' for more information.\n"
    "  $ echo hello | ndb set greeting -\n"
    "  $ ndb get greeting\n"
    "  \"hello\"\n";

#define VALUE_RULES                                                                    \
    "A VALUE that is valid JSON is stored as JSON; text that starts with {, [ or\n"    \
    "\" must be valid JSON; anything else is stored as a string.  -s stores\n"        \
    "strings always, --json refuses what is not JSON, '-' reads standard input\n"     \
    "(less one trailing newline).  The full rules: 'ndb help values'.\n"

static const cli_cmd cli_cmds[] = {
    /* keys */
    {NULL, "get", NULL, "Keys", "KEY... | -", "print the values of keys",
     "What is printed depends on the form:\n"
     "  get KEY            the value of KEY alone\n"
     "  get KEY KEY...     an object of KEY: value, for the keys that exist\n"
     "  get --object KEY   an object of KEY: value, however many KEYs (for\n"
     "                     scripts that do not know how many they pass)\n"
     "  get -              an object, for the key names read from standard\n"
     "                     input, one per line, less a trailing CR (-0:\n"
     "                     separated by NUL bytes)\n"
     "Keys are listed in the order given.  A missing key is never printed (not\n"
     "even as an empty line): it is named on stderr and the exit status is 1.\n"
     "A key given twice is printed, or named, once.  Every argument is a key\n"
     "name: get has no JSONPath form ('ndb get user | jq .name' prints part of\n"
     "a value; a missing key that looks like a path says so).\n"
     "\n"
     "Values are printed exactly as stored: numbers keep their text (0.1,\n"
     "18446744073709551616).  On a terminal they are pretty-printed in colour\n"
     "(NO_COLOR or TERM=dumb turns colour off); otherwise each document is one\n"
     "compact line.  With -r a string value is printed as its bare text (no\n"
     "quotes, no escapes; on a terminal control characters show as \\xhh).\n"
     "\n"
     "Examples:\n"
     "  $ ndb set name Bob age 30\n"
     "  $ ndb get age\n"
     "  30\n"
     "  $ ndb get name age\n"
     "  {\"name\":\"Bob\",\"age\":30}\n"
     "  $ ndb get --object age\n"
     "  {\"age\":30}\n"
     "  $ ndb keys -r --prefix a | ndb get -\n"
     "  {\"age\":30}\n",
     "0  every KEY exists\n1  some KEY does not exist (the others are still printed), or\n   the session (--session TKN or NDB_SESSION) does not exist\n",
     {OPT_OBJECT, OPT_NULL}, 0, -1, "KV_GET", "SH_GET", CLI_F_SESSION, cli_get},
    {NULL, "set", NULL, "Keys", "KEY VALUE [KEY VALUE...] | KEY - | -",
     "store keys, overwriting existing values",
     "Store each KEY with its VALUE in one request (atomically).  If a KEY is given\n"
     "twice, the last VALUE wins.\n"
     "\n" VALUE_RULES
     "\n"
     "'ndb set -' reads one JSON object from standard input and stores all its\n"
     "members (other input is refused with the byte where it stops being JSON);\n"
     "a member named twice there keeps its first value, as the server reads any\n"
     "request (docs/protocol.md 1.10).\n"
     "\n"
     "--ttl SECONDS makes every key given expire that long from now (a one-time\n"
     "password: ndb set --ttl 30 otp:42 123456).  Without --ttl, a key that was\n"
     "expiring stops expiring, as with Redis's SET.  --ttl is for top-level keys\n"
     "only.\n"
     "\n"
     "Examples:\n"
     "  $ ndb set name Bob age 30 tags '[\"a\"]'\n"
     "  $ jq -n '{a: 1, b: [2]}' | ndb set -\n"
     "  $ ndb get name age tags a b\n"
     "  {\"name\":\"Bob\",\"age\":30,\"tags\":[\"a\"],\"a\":1,\"b\":[2]}\n",
     "0  the keys were stored\n1  the session (--session TKN or NDB_SESSION) does not exist\n", {OPT_STRING, OPT_JSON, OPT_KEY_TTL}, 1, -1, "KV_SET", "SH_SET",
     CLI_F_SESSION, cli_set},
    {NULL, "add", NULL, "Keys", "KEY VALUE [KEY VALUE...] | KEY - | -",
     "store keys that do not exist yet",
     "Like 'set', but a KEY that already exists keeps its value (this is not an\n"
     "error).  If a KEY is given twice, the last VALUE is the one offered.\n"
     "\n" VALUE_RULES
     "\n"
     "'ndb add -' reads one JSON object from standard input and adds its members.\n"
     "--ttl SECONDS makes the keys it stores expire (existing keys keep theirs).\n",
     "0  the request succeeded (existing keys were left alone)\n1  the session (--session TKN or NDB_SESSION) does not exist\n", {OPT_STRING, OPT_JSON, OPT_KEY_TTL}, 1, -1,
     "KV_ADD", "SH_ADD", CLI_F_SESSION, cli_set},
    {NULL, "rm", "del", "Keys", "KEY...", "remove keys",
     "Remove every KEY and print how many keys were removed.  Keys that do not\n"
     "exist are ignored (not counted), so 'rm' is idempotent and safe under\n"
     "'set -e'; the count says whether anything was there.\n",
     "0  the keys are gone\n1  the session (--session TKN or NDB_SESSION) does not exist\n", {0}, 1, -1, "KV_RMV", "SH_RMV", CLI_F_SESSION, cli_rm},
    {NULL, "keys", NULL, "Keys", "", "list every key",
     "Print every key name (with --prefix P, those that start with P).  On a\n"
     "terminal: one JSON array.  Otherwise one key per line, JSON-encoded\n"
     "(\"name\") so that any key, even one holding a newline, stays on one line;\n"
     "with -r the bare names, with -0 the bare names each followed by a NUL byte\n"
     "(for xargs -0 and 'ndb get -0'); -0 refuses a name that holds a NUL byte\n"
     "(exit 2), which would read back as two names.\n",
     "0  the keys were listed (no keys print nothing, or [] on a terminal)\n1  the session (--session TKN or NDB_SESSION) does not exist\n", {OPT_PREFIX, OPT_NULL}, 0, 0,
     "KV_KEYS", "SH_KEYS", CLI_F_SESSION, cli_keys},
    {NULL, "scan", NULL, "Keys", "", "stream every key name, a page at a time",
     "Print every top-level key name (with --prefix P, those that start with P),\n"
     "one per line as soon as each page of 1000 arrives, so the output starts at\n"
     "once and memory stays flat however many keys there are.  Names are\n"
     "JSON-encoded; -r prints them bare, -0 bare and each followed by a NUL byte.\n"
     "Every key that exists for the whole listing is printed exactly once, in\n"
     "insertion order, even while others write (the server's KV_SCAN).\n"
     "\n"
     "Examples:\n"
     "  $ ndb set job:1 a job:2 b other c\n"
     "  $ ndb scan --prefix job: -r\n"
     "  job:1\n"
     "  job:2\n",
     "0  the listing is complete\n", {OPT_PREFIX, OPT_NULL}, 0, 0, "KV_SCAN", NULL, CLI_F_NOSESSION,
     cli_scan},
    {NULL, "count", NULL, "Keys", "", "print the number of keys",
     "One number: the top-level keys, or with --session the session's keys.\n", "0  the number was printed\n1  the session (--session TKN or NDB_SESSION) does not exist\n",
     {0}, 0, 0, "KV_COUNT", "SH_COUNT",
     CLI_F_SESSION, cli_count},
    {NULL, "contains", NULL, "Keys", "KEY...", "test whether keys exist",
     "Print those of the given keys that exist, in the order given (one per line\n"
     "when not on a terminal, as for 'keys'), and exit 0 only if all exist.  A\n"
     "key given twice is printed twice, as KV_CONTAINS answers: a line for each\n"
     "KEY that exists.\n"
     "\n"
     "Examples:\n"
     "  $ ndb set user:42 '{\"name\":\"Bob\"}'\n"
     "  $ ndb contains user:42 user:43; echo \"exit $?\"\n"
     "  \"user:42\"\n"
     "  exit 1\n"
     "  $ if ndb contains user:42 >/dev/null; then echo known; fi\n"
     "  known\n",
     "0  every KEY exists\n1  some KEY does not exist, or\n   the session (--session TKN or NDB_SESSION) does not exist\n", {0}, 1, -1, "KV_CONTAINS",
     "SH_CONTAINS", CLI_F_SESSION, cli_contains},
    {NULL, "clear", "clear-keys", "Keys", "", "remove every key",
     "Remove every key (of the session, with --session) and print how many were\n"
     "removed.  When standard input is a terminal, --yes is required: a typed\n"
     "'clear' is too easy to run by mistake.  Scripts (standard input not a\n"
     "terminal) need no --yes.  In 'ndb repl', 'clear' clears the screen and\n"
     "'clear-keys' removes every key, after asking.\n",
     "0  the keys were removed\n1  the question was answered no (REPL), or\n   the session (--session TKN or NDB_SESSION) does not exist\n", {OPT_YES}, 0, 0,
     "KV_CLEAR", "SH_CLEAR", CLI_F_SESSION, cli_clear},
    {NULL, "clear-set", NULL, "Keys", "KEY VALUE [KEY VALUE...] | KEY - | -",
     "replace every key with the given ones",
     "Remove every key, then store the given ones, in one atomic request; print\n"
     "how many keys were removed.  Arguments as for 'set':\n"
     "\n" VALUE_RULES
     "\n"
     "'ndb clear-set -' reads one JSON object from standard input.\n"
     "\n"
     "--ttl SECONDS makes every key given expire that long from now, as with\n"
     "'set'; it is for top-level keys only.\n",
     "0  done\n1  the session (--session TKN or NDB_SESSION) does not exist\n", {OPT_STRING, OPT_JSON, OPT_KEY_TTL}, 1, -1, "KV_CLEAR_SET", "SH_CLEAR_SET", CLI_F_SESSION,
     cli_set},

    /* expiry (top-level keys) */
    {NULL, "expire", NULL, "Expiry and atomic updates", "KEY SECONDS", "make a key expire after SECONDS",
     "Give KEY a time to live: it is removed SECONDS from now (fractions to the\n"
     "millisecond, at most 10 years), unless set again meanwhile (a plain set\n"
     "removes the expiry) or made persistent.  Calling it again moves the time.\n",
     "0  KEY expires\n1  KEY does not exist\n", {0}, 2, 2, "KV_EXPIRE", NULL, CLI_F_NOSESSION, cli_expire},
    {NULL, "ttl", NULL, "Expiry and atomic updates", "KEY...", "print the seconds left before keys expire",
     "With one KEY, print the seconds it has left (rounded up to the millisecond,\n"
     "e.g. 29.5), or null if it never expires.  With several, print an object of\n"
     "those that exist.  A missing key is named on stderr (once, if given twice)\n"
     "and the exit status is 1.\n",
     "0  every KEY exists\n1  some KEY does not exist\n", {0}, 1, -1, "KV_TTL", NULL, CLI_F_NOSESSION, cli_ttl},
    {NULL, "persist", NULL, "Expiry and atomic updates", "KEY...", "make keys never expire",
     "Remove the time to live of each KEY (keys that never expired are left as\n"
     "they are).\n",
     "0  every KEY exists\n1  some KEY does not exist\n", {0}, 1, -1, "KV_PERSIST", NULL, CLI_F_NOSESSION,
     cli_persist},
    {NULL, "incr", NULL, "Expiry and atomic updates", "KEY [N]", "add N (default 1) to a number, atomically",
     "Add N to the number stored at KEY and print the result.  A missing KEY starts\n"
     "at 0.  Integers stay exact in signed 64 bits, -9223372036854775808 to\n"
     "9223372036854775807: a sum beyond them is refused (status 42), and so is an\n"
     "integer value or N outside them (18446744073709551615), even beside a\n"
     "fraction.  With a fraction or exponent on either side the sum is a double,\n"
     "printed as 1.0 when it is integral (0.5 + 0.5), so that it stays one.  A big\n"
     "number written with an exponent (1e20) is a double.  N may be negative (ndb\n"
     "incr stock -3).  Many clients may count at once: no update is lost.\n"
     "The key keeps its TTL: 'ndb expire KEY SECONDS' sets one, e.g. after the incr\n"
     "that created the counter.\n",
     "0  the new value was printed\n1  the session (--session TKN or NDB_SESSION) does not exist\n", {0}, 1, 2, "KV_INCR", "SH_INCR", CLI_F_SESSION, cli_incr},
    {NULL, "cas", NULL, "Expiry and atomic updates", "KEY EXPECT [VALUE]",
     "store VALUE only if KEY holds EXPECT (compare-and-set)",
     "If KEY holds a value equal to EXPECT (compared as JSON: 1 equals 1.0, member\n"
     "order does not matter), store VALUE, or without VALUE remove KEY.  EXPECT\n"
     "null means 'KEY does not exist', also with -s (the string null is then\n"
     "'\"null\"' without -s).  With --ttl, VALUE expires: a lock with a lease,\n"
     "which only its owner releases (below).  EXPECT and VALUE follow the rules of\n"
     "'set':\n"
     "\n" VALUE_RULES
     "\n"
     "Examples:\n"
     "  $ ndb cas --ttl 30 lock null me && echo acquired\n"
     "  acquired\n"
     "  $ ndb cas lock me\n",
     "0  KEY held EXPECT and was changed\n1  KEY did not hold EXPECT; nothing changed\n",
     {OPT_KEY_TTL, OPT_STRING, OPT_JSON}, 2, 3, "KV_CAS", NULL, CLI_F_NOSESSION, cli_cas},

    /* watches */
    {NULL, "watch", NULL, "Watching", "[KEY...]", "print an event for every change of keys",
     "Print one line per change of the given top-level KEYs, or with --prefix P of\n"
     "every key starting with P, as it happens: the event as compact JSON, e.g.\n"
     "  {\"id\":1,\"key\":\"job:7\",\"op\":\"set\"}\n"
     "op is set, rmv, expire, update, append, clear (no key) or load.  --values\n"
     "adds the new value.  Runs until interrupted, until --count N events, or\n"
     "until the reader of its output leaves (head -1, grep -q: exit 0), and fits\n"
     "pipelines:  ndb watch --prefix job: | while read -r ev; do ...; done\n"
     "If events come faster than they are read, the server drops the watch and\n"
     "sends an \"overflow\" event: it is printed and the exit status is 3.\n"
     "If the connection is lost (the server stopped or restarted), it says so on\n"
     "stderr and exits 2: it does not reconnect, and changes made meanwhile are\n"
     "not replayed, so a script reads the state again and watches anew.  Ctrl-C\n"
     "exits 130.\n"
     "In the REPL the prompt comes back and events show between prompts.\n",
     "0  --count events were printed (or the output was closed)\n", {OPT_PREFIX, OPT_VALUES, OPT_COUNT}, 0, -1,
     "KV_WATCH", NULL, CLI_F_NOSESSION | CLI_F_STREAM, cli_watch},
    {NULL, "unwatch", NULL, "Watching", "ID...", "stop watches of this connection (REPL)",
     "Stop the watches ID... that 'watch' or 'session watch' started on this\n"
     "connection.  Useful in the REPL, whose connection stays open between\n"
     "commands.\n",
     "0  every watch was stopped\n1  some ID names no watch of this connection\n", {0}, 1, -1, "KV_UNWATCH",
     "SH_UNWATCH" /* not a session form: ids of both families share one counter, both are tried */,
     0 /* not about keys: it runs in a session too (the REPL's, after 'session watch') */, cli_unwatch},

    /* JSONPath */
    {NULL, "find", NULL, "Search (top-level keys only)", "PATH | --where EXPR",
     "find keys whose values match a JSONPath",
     "Evaluate the JSONPath PATH on the value of every key (or of the keys named\n"
     "by --keys/--key; the value is the path's root $) and print the keys where\n"
     "it selected something, listed like 'keys' (-r bare names, -0 bare names\n"
     "each followed by a NUL byte, for xargs -0).  Like grep, exit 1 when nothing\n"
     "matched.  Quote PATH for the shell: it starts with '$'.\n"
     "\n"
     "A filter $[?(...)] tests the members of each value (the elements of an\n"
     "array, the member values of an object), so it finds the keys holding a\n"
     "list of records that has a matching record.  To test each value itself\n"
     "(one record per key), use --where EXPR: it sends the filter $[?(EXPR)]\n"
     "with every @ that stands for the value written as $ (the value's root),\n"
     "so '@.age > 18' finds the keys whose value has an age over 18.  Limits:\n"
     "a value with no members (a number, a string, true, false, null, {} or [])\n"
     "never matches --where; @ inside a nested filter [?(...)] or index\n"
     "expression [(...)] keeps its meaning there (the node that selector tests).\n"
     "\n"
     "Output: the matching keys; --kv one object of each matching key with its\n"
     "whole value; --paths one object of each matching key with the list of\n"
     "the paths it matched, {KEY: [PATH...]} (one request to find the keys, then\n"
     "one per matching key, so not a snapshot of one moment).\n"
     "\n"
     "Examples:\n"
     "  $ ndb set u1 '{\"name\":\"Bob\",\"age\":30}' u2 '{\"name\":\"Ann\",\"age\":12}'\n"
     "  $ ndb find --where '@.age > 18'\n"
     "  \"u1\"\n"
     "  $ ndb set team '[{\"name\":\"Bob\"},{\"name\":\"Eve\"}]'\n"
     "  $ ndb find '$[?(@.name == \"Eve\")]'\n"
     "  \"team\"\n"
     "  $ ndb find --paths '$..name'\n"
     "  {\"u1\":[\"$['name']\"],\"u2\":[\"$['name']\"],\"team\":[\"$[0]['name']\",\"$[1]['name']\"]}\n",
     "0  something matched\n1  nothing matched\n",
     {OPT_WHERE, OPT_KEYS, OPT_KEY, OPT_PATHS, OPT_KV, OPT_NULL}, 0, 1, "KV_FIND", NULL, CLI_F_NOSESSION,
     cli_find_cmd},
    {NULL, "update", NULL, "Search (top-level keys only)", "KEY PATH VALUE",
     "replace the parts of a value that a JSONPath selects",
     "Replace every node that the JSONPath PATH selects in the value of KEY with\n"
     "VALUE ('$' replaces the whole value; nodes that do not exist are not\n"
     "created) and print how many nodes PATH selected (the server's count: a\n"
     "node inside another selected one, and a pseudo-member such as length,\n"
     "which is not changed, count too).\n"
     "\n" VALUE_RULES,
     "0  PATH selected at least one node\n1  KEY does not exist, or PATH selected nothing\n",
     {OPT_STRING, OPT_JSON}, 3, 3, "KV_UPDATE", NULL, CLI_F_NOSESSION, cli_update},
    {NULL, "append", NULL, "Search (top-level keys only)", "KEY ITEM...",
     "append items to an array",
     "Append each ITEM, in order, to the array stored at KEY, or with --name to the\n"
     "array in member ARRAY of the object stored at KEY.  Items follow the VALUE\n"
     "rules of 'set':\n"
     "\n" VALUE_RULES,
     "0  the items were appended\n1  KEY (or the member ARRAY) does not exist\n",
     {OPT_NAME, OPT_STRING, OPT_JSON}, 2, -1, "KV_ARR_APPEND", NULL, CLI_F_NOSESSION, cli_append},

    /* snapshots */
    {NULL, "save", NULL, "Snapshots", "NAME", "save every top-level key to disk",
     "Write every top-level key to a new snapshot of dataset NAME in the server's\n"
     "persistence directory and print the server's report: the name and how long\n"
     "the save took, in milliseconds.  NAME is letters, digits, '_', '.', '-'.\n"
     "The server must run with persistence enabled (else CommandDisabled (14)).\n"
     "The save goes on in the server if it outlasts --timeout (exit status 2):\n"
     "give a large dataset --timeout 0 to wait for its report.\n"
     "Sessions are saved with 'ndb session save'.\n"
     "\n"
     "Examples:\n"
     "  $ ndb set a 1\n"
     "  $ ndb save users\n"
     "  {\"duration\":\u2026,\"name\":\"users\"}\n",
     "0  saved\n", {0}, 1, 1, "KV_SAVE", NULL, CLI_F_NOSESSION, cli_save},
    {NULL, "load", NULL, "Snapshots", "NAME", "load top-level keys from disk",
     "Load the newest complete snapshot of dataset NAME into the top-level keys\n"
     "and print the server's report (duration in milliseconds, keys read).  The\n"
     "load merges: keys of the snapshot overwrite keys of the same name, and keys\n"
     "that are not in the snapshot are kept ('clear --yes' first to drop them).\n"
     "\n"
     "Examples:\n"
     "  $ ndb set a 1 b 2\n"
     "  $ ndb save users\n"
     "  {\"duration\":\u2026,\"name\":\"users\"}\n"
     "  $ ndb set a 9 c 3\n"
     "  $ ndb load users\n"
     "  {\"duration\":\u2026,\"keys\":2,\"name\":\"users\",\"sessions\":0}\n"
     "  $ ndb get a b c\n"
     "  {\"a\":1,\"b\":2,\"c\":3}\n",
     "0  loaded\n", {0}, 1, 1, "KV_LOAD", NULL, CLI_F_NOSESSION, cli_load},

    /* sessions */
    {"session", "new", NULL, "Sessions", "", "create a session and print its token",
     "Create an empty session and print its token (a number up to 2^64-1; keep it\n"
     "as text).  Without --ttl (or with 0) the session never expires.  The --delete\n"
     "and --extend-on-* flags need a --ttl above 0.  Use the token with --session\n"
     "or NDB_SESSION.\n"
     "\n"
     "Examples:\n"
     "  $ export NDB_SESSION=$(ndb session new --ttl 600)\n"
     "  $ ndb set username bob\n"
     "  $ ndb keys\n"
     "  \"username\"\n"
     "  $ ndb session info $NDB_SESSION\n"
     "  {\"expires\":true,\"expiry\":{\"deleteSession\":false,\"duration\":600,\"extendOnGet\":false,\"extendOnSetAdd\":false,\"remaining\":\u2026},\"keyCnt\":1,\"shared\":false,\"tkn\":\u2026}\n",
     "0  created\n", {OPT_TTL, OPT_DELETE, OPT_EXTEND_GET, OPT_EXTEND_SET}, 0, 0, "SH_NEW", NULL,
     0, cli_session_new},
    {"session", "end", NULL, "Sessions", "TKN... | --all", "end sessions",
     "End each session TKN, dropping its keys (a TKN given twice is ended once).\n"
     "With --all end every session and print how many there were.\n",
     "0  every TKN was ended\n1  some TKN named no session\n", {OPT_ALL}, 0, -1, "SH_END", NULL, 0,
     cli_session_end},
    {"session", "exists", NULL, "Sessions", "TKN...", "test whether sessions exist",
     "Print those of the given tokens that name a session, in the order given (one\n"
     "per line when not on a terminal; a TKN given twice, twice, as SH_EXISTS\n"
     "answers), and exit 0 only if all exist.\n",
     "0  every TKN names a session\n1  some TKN does not\n", {0}, 1, -1, "SH_EXISTS", NULL, 0,
     cli_session_exists},
    {"session", "info", NULL, "Sessions", "[TKN]", "describe a session, or all sessions",
     "With TKN, print the session's key count and expiry settings (remaining:\n"
     "the seconds left).  Without, print the number of sessions and of keys in\n"
     "all sessions.\n"
     "\n"
     "Examples:\n"
     "  $ T=$(ndb session new --ttl 60 --delete)\n"
     "  $ ndb --session $T set a 1\n"
     "  $ ndb session info $T\n"
     "  {\"expires\":true,\"expiry\":{\"deleteSession\":true,\"duration\":60,\"extendOnGet\":false,\"extendOnSetAdd\":false,\"remaining\":\u2026},\"keyCnt\":1,\"shared\":false,\"tkn\":\u2026}\n"
     "  $ ndb session info\n"
     "  {\"totalKeys\":1,\"totalSessions\":1}\n",
     "0  printed\n1  TKN names no session\n", {0}, 0, 1, "SH_INFO", NULL, 0, cli_session_info},
    {"session", "list", NULL, "Sessions", "", "list every session with its expiry and key count",
     "Print every session, one per line in the order they were created, as\n"
     "'session info TKN' describes it (the server's SH_SCAN, a page at a time).\n"
     "\n"
     "Examples:\n"
     "  $ ndb session new >/dev/null\n"
     "  $ ndb session list\n"
     "  {\"expires\":false,\"keyCnt\":0,\"shared\":false,\"tkn\":\u2026}\n",
     "0  the listing is complete\n", {0}, 0, 0, "SH_SCAN", NULL, 0, cli_session_list},
    {"session", "save", NULL, "Sessions", "NAME [TKN...]", "save sessions to disk",
     "Write every session (or only the sessions TKN...) with their keys and expiry\n"
     "settings to a new snapshot of dataset NAME and print the server's report.\n"
     "When a TKN names no session nothing is saved (a new snapshot without it would\n"
     "be the one 'session load NAME' reads).  The server must run with persistence\n"
     "enabled.  The save goes on in the server if it outlasts --timeout (exit\n"
     "status 2): --timeout 0 waits for its report.\n",
     "0  saved\n1  some TKN named no session; nothing was saved\n", {0}, 1, -1, "SH_SAVE", NULL, 0,
     cli_session_save},
    {"session", "load", NULL, "Sessions", "NAME", "load sessions from disk",
     "Load the sessions of the newest complete snapshot of dataset NAME (sessions\n"
     "that already exist are left alone) and print the server's report.\n"
     "\n"
     "Examples:\n"
     "  $ ndb --session $(ndb session new) set a 1 b 2\n"
     "  $ ndb session save web\n"
     "  {\"duration\":\u2026,\"name\":\"web\"}\n"
     "  $ ndb session end --all\n"
     "  1\n"
     "  $ ndb session load web\n"
     "  {\"keys\":2,\"name\":\"web\",\"sessions\":1}\n",
     "0  loaded\n", {0}, 1, 1, "SH_LOAD", NULL, 0, cli_session_load},
    {"session", "expire", NULL, "Sessions", "TKN", "change the expiry of a session",
     "Give session TKN new expiry settings, as 'session new' takes them, its period\n"
     "starting now: --ttl SECONDS (0: it never expires) and the flags.  They replace\n"
     "the old settings as a whole: a flag not given is turned off (give --delete\n"
     "again to keep a session that ends at its deadline).\n",
     "0  changed\n1  TKN names no session\n", {OPT_TTL, OPT_DELETE, OPT_EXTEND_GET, OPT_EXTEND_SET}, 1, 1,
     "SH_EXPIRE", NULL, 0, cli_session_expire},
    {"session", "watch", NULL, "Sessions", "[TKN... | --all]", "print an event for every change of sessions",
     "Print one line per change of the sessions TKN..., or with --all of every\n"
     "session, as it happens, e.g. {\"id\":1,\"op\":\"end\",\"tkn\":42}.  op is new,\n"
     "load, end, expire (ended by its expiry), reset (emptied by its expiry),\n"
     "clear (its keys removed), or a key change inside the session (set, rmv,\n"
     "update, or load for each key a session load brings in; with \"key\").\n"
     "--values adds new values.  Runs until interrupted, --count N events, or the\n"
     "reader of its output leaves, as 'watch' does.  To log a user out\n"
     "everywhere, wait for the event whose op is end or expire (e.g. with grep -q\n"
     "in a pipeline) and act on it.\n",
     "0  --count events were printed (or the output was closed)\n1  some TKN names no session\n", {OPT_ALL_SESSIONS, OPT_VALUES, OPT_COUNT}, 0,
     -1, "SH_WATCH", NULL, CLI_F_STREAM, cli_session_watch},

    /* server */
    {NULL, "info", NULL, "Server", "", "print the server's version and state",
     "Print what the server reports about itself (version, persistence, uptime,\n"
     "connections, key and session counts, memory).\n",
     "0  printed\n", {0}, 0, 0, "SV_INFO", NULL, 0, cli_info},
    {NULL, "help", NULL, "Other", "[COMMAND [SUBCOMMAND] | values]", "show help for ndb or one command",
     "Show the list of commands, or the help of one command (the same as\n"
     "'ndb COMMAND --help'); 'ndb help values' tells how a VALUE is read.\n"
     "For scripts and shell completion:\n"
     "'ndb help --commands' lists every command name, one per line, and\n"
     "'ndb help --options COMMAND' lists the options COMMAND accepts.\n",
     "0  help was printed\n", {0}, 0, 3, NULL, NULL, 0, cli_help_cmd},
};
#define NCMDS (sizeof cli_cmds / sizeof cli_cmds[0])

const cli_cmd *cli_commands(size_t *n) {
    *n = NCMDS;
    return cli_cmds;
}

static const cli_raw *raw_cmds;
static size_t nraw_cmds;

/* Does `name` equal one word of the space-separated list? */
static int in_words(const char *list, const char *name) {
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        size_t w = strcspn(p, " ");
        if (w == n && !memcmp(p, name, n)) return 1;
        p += w;
        while (*p == ' ') p++;
    }
    return 0;
}

const cli_cmd *cli_find(const char *group, const char *name) {
    for (size_t i = 0; i < NCMDS; i++) {
        const cli_cmd *e = &cli_cmds[i];
        if ((group == NULL) != (e->group == NULL)) continue;
        if (group && strcmp(group, e->group)) continue;
        if (!strcmp(e->name, name) || in_words(e->aliases, name)) return e;
    }
    return NULL;
}

int cli_is_group(const char *name) {
    for (size_t i = 0; i < NCMDS; i++)
        if (cli_cmds[i].group && !strcmp(cli_cmds[i].group, name)) return 1;
    return 0;
}

const cli_raw *cli_raw_commands(size_t *n) {
    *n = nraw_cmds;
    return raw_cmds;
}

static const cli_raw *find_raw(const char *name) {
    for (size_t i = 0; i < nraw_cmds; i++)
        if (!strcmp(raw_cmds[i].name, name)) return &raw_cmds[i];
    return NULL;
}

/* ------------------------------------------------------------- suggestions */

/* Largest distance still worth a suggestion for a word of this length. */
static size_t typo_limit(const char *word) { return strlen(word) <= 3 ? 1 : 2; }

/* Offer `cand` (shown as `shown`) if it is closer to word than *best. */
static void consider(const char *word, const char *cand, const char *shown, size_t *best,
                     char *out, size_t outlen) {
    size_t d = edit_distance(word, cand);
    if (d < *best && d <= typo_limit(word)) {
        *best = d;
        snprintf(out, outlen, "%s", shown);
    }
}

/* The REPL's own words, which no command table lists: without them 'Exit'
 * or 'QUIT' typed in the REPL was offered 'session exists', or nothing. */
static const char *const repl_words[] = {"use", "quit", "exit"};

/* The command name closest to `word` within group (NULL = top level; then
 * raw commands, groups and "group sub" spellings count too, and in the REPL
 * its own words), or "" if none is close.  Writes into out. */
static void suggest_command(const cli_ctx *c, const char *group, const char *word, char *out, size_t outlen) {
    size_t best = (size_t)-1;
    char shown[96], low[72];
    out[0] = '\0';
    /* Command names are lower case; GET and SET, as other databases' shells
     * spell them, are too far from them by edit distance alone. */
    snprintf(low, sizeof low, "%s", word);
    for (char *p = low; *p; p++) *p = (char)tolower((unsigned char)*p);
    word = low;
    for (size_t i = 0; i < NCMDS; i++) {
        const cli_cmd *e = &cli_cmds[i];
        if (group) {
            if (!e->group || strcmp(e->group, group)) continue;
            consider(word, e->name, e->name, &best, out, outlen);
            continue;
        }
        if (e->group) { /* `ndb new` → 'session new'; `ndb sesion` → 'session' */
            snprintf(shown, sizeof shown, "%s %s", e->group, e->name);
            consider(word, e->name, shown, &best, out, outlen);
            consider(word, e->group, e->group, &best, out, outlen);
            continue;
        }
        consider(word, e->name, e->name, &best, out, outlen);
        for (const char *p = e->aliases; p && *p;) {
            size_t w = strcspn(p, " ");
            char alias[32];
            snprintf(alias, sizeof alias, "%.*s", (int)w, p);
            consider(word, alias, alias, &best, out, outlen);
            p += w;
            while (*p == ' ') p++;
        }
    }
    if (!group)
        for (size_t i = 0; i < nraw_cmds; i++)
            consider(word, raw_cmds[i].name, raw_cmds[i].name, &best, out, outlen);
    if (!group && c && c->in_repl)
        for (size_t i = 0; i < sizeof repl_words / sizeof *repl_words; i++)
            consider(word, repl_words[i], repl_words[i], &best, out, outlen);
}

/*
 * `ndb session set TKN ...`: there is no such command, because a session's
 * keys go through the ordinary key commands with --session TKN (or
 * NDB_SESSION; in the REPL, `use TKN`).  When `group name` is "session"
 * and a key command that takes --session, write the hint that says so into
 * out (else an empty string).
 */
static void session_key_hint(const cli_ctx *c, const char *group, const char *name, char *out, size_t outlen) {
    out[0] = '\0';
    if (!group || strcmp(group, "session") != 0) return;
    const cli_cmd *e = cli_find(NULL, name);
    if (!e || !(e->flags & CLI_F_SESSION)) return;
    if (c && c->in_repl)
        snprintf(out, outlen, "; a session's keys use the key commands: 'use TKN', then '%s ...'", e->name);
    else
        snprintf(out, outlen, "; a session's keys use the key commands: 'ndb %s --session TKN ...' (or NDB_SESSION)",
                 e->name);
}

/* ------------------------------------------------------------- messages */

int cli_usage_error(cli_ctx *c, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "%s: ", c && c->prog ? c->prog : "ndb");
    va_start(ap, fmt);
    vfprintf_visible(stderr, fmt, ap); /* it quotes what was typed: \e shown as \x1b */
    va_end(ap);
    if (c && c->in_repl && c->cmd)
        fprintf(stderr, "\nTry 'help %s' for more information.\n", c->prog + 4 /* "ndb " */);
    else
        fprintf(stderr, "\nTry '%s --help' for more information.\n", c && c->prog ? c->prog : "ndb");
    return CLI_USAGE;
}

/* ------------------------------------------------------------- help */

static void print_opt_line(FILE *f, const cli_opt *o) {
    char left[64];
    if (o->short_name)
        snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->long_name, o->arg ? " " : "",
                 o->arg ? o->arg : "");
    else
        snprintf(left, sizeof left, "    --%s%s%s", o->long_name, o->arg ? " " : "",
                 o->arg ? o->arg : "");
    /* at least two blanks between the two columns (completions split there) */
    fprintf(f, "  %-24s %s%s\n", left, strlen(left) >= 24 ? " " : "", o->help);
}

/* Is option id accepted by command e? */
static int cmd_takes(const cli_cmd *e, int id) {
    if (id >= CLI_GLOBAL_FIRST && id <= CLI_GLOBAL_LAST) return 1;
    for (size_t i = 0; i < sizeof e->opts && e->opts[i]; i++)
        if (e->opts[i] == id) return 1;
    return 0;
}

/* Print "session new" or "get". */
static void full_name(char *out, size_t n, const cli_cmd *e) {
    if (e->group) snprintf(out, n, "%s %s", e->group, e->name);
    else snprintf(out, n, "%s", e->name);
}

static void print_cmd_help(FILE *f, const cli_cmd *e) {
    char name[64];
    full_name(name, sizeof name, e);
    fprintf(f, "usage: ndb %s [OPTIONS]%s%s\n\n", name, e->usage[0] ? " " : "", e->usage);
    fprintf(f, "%c%s.\n\n%s", e->summary[0] - ('a' <= e->summary[0] && e->summary[0] <= 'z' ? 32 : 0),
            e->summary + 1, e->description);
    if (e->aliases) fprintf(f, "\nAlso spelled: %s\n", e->aliases);
    if (e->opts[0]) {
        fprintf(f, "\nOptions:\n");
        for (size_t i = 0; i < sizeof e->opts && e->opts[i]; i++) print_opt_line(f, &cli_opts[e->opts[i]]);
    }
    if (e->proto) {
        fprintf(f, "\nGlobal options (also accepted before the command name):\n");
        for (int id = CLI_GLOBAL_FIRST; id <= CLI_GLOBAL_LAST; id++) {
            if (id == OPT_SESSION && !(e->flags & CLI_F_SESSION)) continue;
            print_opt_line(f, &cli_opts[id]);
        }
        if (e->flags & CLI_F_SESSION)
            fprintf(f, "\nIn a session (--session TKN or NDB_SESSION) the command works on that\n"
                       "session's keys (%s instead of %s).\n", e->sh_proto, e->proto);
        else if (e->flags & CLI_F_NOSESSION)
            fprintf(f, "\nThis command has no session form: it refuses --session, and refuses to run\n"
                       "while NDB_SESSION is set (unset it to work on top-level keys).\n");
        /* one phrase per line break at most: never split "(no colour on a terminal)" */
        if (e->flags & CLI_F_SESSION)
            fprintf(f, "\nEnvironment: NDB_URL (server address), NDB_SESSION (session token),\n"
                       "NDB_USER, NDB_PASSWORD, NDB_CACERT, NDB_CLIENT_CERT, NDB_CLIENT_KEY\n"
                       "(login and TLS), NO_COLOR (no colour on a terminal).\n");
        else
            fprintf(f, "\nEnvironment: NDB_URL (server address), NO_COLOR (no colour on a terminal),\n"
                       "NDB_USER, NDB_PASSWORD, NDB_CACERT, NDB_CLIENT_CERT, NDB_CLIENT_KEY\n"
                       "(login and TLS).\n");
    } else {
        fprintf(f, "\nOptions:\n");
        print_opt_line(f, &cli_opts[OPT_HELP]);
    }
    fprintf(f, "\nExit status:\n");
    for (const char *p = e->exits; *p;) {
        size_t n = strcspn(p, "\n");
        fprintf(f, "  %.*s\n", (int)n, p);
        p += n + (p[n] == '\n');
    }
    if (e->flags & CLI_F_STREAM)
        fprintf(f, "  2  usage error, cannot connect, no answer within the timeout, or the\n"
                   "     connection was lost\n");
    else
        fprintf(f, "  2  usage error, cannot connect, or no answer within the timeout\n");
    if (e->proto)
        fprintf(f, "  3  the server answered an error status (name and number on stderr,\n"
                   "     e.g. 'ndb: RoleDenied (45): ...')\n");
}

static void print_group_help(FILE *f, const char *group) {
    fprintf(f, "usage: ndb %s COMMAND [OPTIONS] [ARGS...]\n\ncommands:\n", group);
    for (size_t i = 0; i < NCMDS; i++) {
        const cli_cmd *e = &cli_cmds[i];
        if (!e->group || strcmp(e->group, group)) continue;
        char syn[96];
        snprintf(syn, sizeof syn, "%s %s", e->name, e->usage);
        fprintf(f, "  %-24s %s\n", syn, e->summary);
    }
    fprintf(f, "\nRun 'ndb %s COMMAND --help' for the options of one command.\n", group);
    if (!strcmp(group, "session"))
        fputs("A session's keys are read and written by the key commands with --session TKN\n"
              "(or $NDB_SESSION): ndb set --session TKN user bob; ndb get --session TKN user.\n",
              f);
}

/* The command list of `ndb help` (and of `help` in the REPL, in_repl set:
 * there 'clear' clears the screen, so the database's clear is listed under
 * the name the REPL gives it). */
static void print_main_help(FILE *f, int in_repl) {
    fprintf(f, "usage: ndb [GLOBAL OPTIONS] COMMAND [ARGS...]\n"
               "\n"
               "ndb is an in-memory JSON database spoken to over WebSocket; this binary is\n"
               "both the server (ndb serve) and its command-line client.\n");
    const char *fam = NULL;
    for (size_t i = 0; i < NCMDS; i++) {
        const cli_cmd *e = &cli_cmds[i];
        if (!fam || strcmp(fam, e->family)) {
            fam = e->family;
            fprintf(f, "\n%s:\n", fam);
            /* the REPL refuses the raw subcommands: name them only as
             * commands of the shell */
            if (!strcmp(fam, "Other") && !in_repl)
                for (size_t k = 0; k < nraw_cmds; k++)
                    fprintf(f, "  %-16s %s\n", raw_cmds[k].name, raw_cmds[k].summary);
            if (!strcmp(fam, "Other") && in_repl && nraw_cmds) {
                fprintf(f, "  (");
                for (size_t k = 0; k < nraw_cmds; k++)
                    fprintf(f, "%s%s", raw_cmds[k].name, k + 1 < nraw_cmds ? ", " : ": from the shell only)\n");
            }
        }
        char name[64];
        full_name(name, sizeof name, e);
        if (in_repl && !strcmp(name, "clear")) {
            fprintf(f, "  %-16s %s (after asking; 'clear' clears the screen)\n", "clear-keys", e->summary);
            continue;
        }
        fprintf(f, "  %-16s %s\n", name, e->summary);
    }
    fprintf(f, "\nGlobal options:\n");
    for (int id = CLI_GLOBAL_FIRST; id <= CLI_GLOBAL_LAST; id++) print_opt_line(f, &cli_opts[id]);
    fprintf(f, "      --version            print the version (and the commit built from) and exit\n");
    fprintf(f, "\nOutput: on a terminal, pretty JSON in colour (NO_COLOR or TERM=dumb turns\n"
               "colour off); otherwise compact JSON, one document per line.  Diagnostics go\n"
               "to stderr.\n"
               "\nExit status: 0 success; 1 a key or session was not found, or a test is\n"
               "false (contains, session exists, find, an update that replaced nothing);\n"
               "2 usage error, cannot connect, timeout, lost connection, or output that\n"
               "cannot be written (a full disk); 3 the server answered an error status\n"
               "(name and number on stderr).\n"
               "A reader that stops early ('ndb keys | head -1') is not an error.\n"
               "\nRun 'ndb help COMMAND' or 'ndb COMMAND --help' for one command, and\n"
               "'ndb help values' for how a VALUE is read (JSON or a string).\n");
}

/* `ndb help --options CMD [SUB]`: one option per line, for completions. */
static void list_options(const cli_cmd *e) {
    for (int id = 1; id < OPT__COUNT; id++) {
        if (!cmd_takes(e, id)) continue;
        if (id == OPT_SESSION && !(e->flags & CLI_F_SESSION)) continue;
        if (cli_opts[id].short_name) printf("-%c\n", cli_opts[id].short_name);
        printf("--%s\n", cli_opts[id].long_name);
    }
}

static int cli_help_cmd(cli_ctx *c, int argc, char **argv) {
    if (argc == 0) {
        print_main_help(stdout, c->in_repl);
        return 0;
    }
    if (!strcmp(argv[0], "--commands")) {
        if (argc > 1) return cli_usage_error(c, "too many arguments");
        for (size_t i = 0; i < nraw_cmds; i++) printf("%s\n", raw_cmds[i].name);
        for (size_t i = 0; i < NCMDS; i++) {
            char name[64];
            full_name(name, sizeof name, &cli_cmds[i]);
            printf("%s\n", name);
        }
        return 0;
    }
    if (!strcmp(argv[0], "values")) {
        if (argc > 1) return cli_usage_error(c, "too many arguments");
        fputs(values_help, stdout);
        return 0;
    }
    int opts = !strcmp(argv[0], "--options");
    if (opts) {
        argv++;
        argc--;
        if (argc == 0) return cli_usage_error(c, "--options needs a command name");
    }
    const char *group = NULL, *name = argv[0];
    if (cli_is_group(name)) {
        if (argc == 1) {
            if (opts) return cli_usage_error(c, "'%s' needs a subcommand", name);
            print_group_help(stdout, name);
            return 0;
        }
        /* `help session new extra` is refused as `help get extra` is */
        if (argc > 2) return cli_usage_error(c, "too many arguments");
        group = name;
        name = argv[1];
    } else if (argc > 1) {
        return cli_usage_error(c, "too many arguments");
    }
    const cli_cmd *e = cli_find(group, name);
    if (!e) {
        const cli_raw *r = group ? NULL : find_raw(name);
        if (r && !opts) {
            char *args[] = {(char *)r->name, "--help", NULL};
            return r->fn(2, args);
        }
        if (r) return cli_list_raw_options(r);
        char sug[96], hint[160];
        suggest_command(c, group, name, sug, sizeof sug);
        session_key_hint(c, group, name, hint, sizeof hint);
        fprintf_visible(stderr, "ndb: unknown command '%s%s%s'%s%s%s%s", group ? group : "", group ? " " : "",
                        name, sug[0] ? "; did you mean '" : "", sug, sug[0] ? "'?" : "", hint);
        fputc('\n', stderr);
        return CLI_USAGE;
    }
    if (opts) list_options(e);
    else print_cmd_help(stdout, e);
    return 0;
}

/* ------------------------------------------------------------- parsing */

/* Find an option by long name among those command e takes. */
static int find_long(const cli_cmd *e, const char *name, size_t n) {
    for (int id = 1; id < OPT__COUNT; id++)
        if (cmd_takes(e, id) && strlen(cli_opts[id].long_name) == n &&
            !memcmp(cli_opts[id].long_name, name, n))
            return id;
    return 0;
}

static int find_short(const cli_cmd *e, char ch) {
    for (int id = 1; id < OPT__COUNT; id++)
        if (cmd_takes(e, id) && cli_opts[id].short_name == ch) return id;
    return 0;
}

/* Record one option occurrence. */
static void store_opt(cli_ctx *c, int id, const char *val) {
    c->opt[id] = val ? val : "";
    if (id == OPT_KEYS || id == OPT_KEY) {
        c->keys_opts = realloc(c->keys_opts, (c->nkeys_opts + 1) * sizeof *c->keys_opts);
        c->keys_kind = realloc(c->keys_kind, c->nkeys_opts + 1);
        if (!c->keys_opts || !c->keys_kind) abort();
        c->keys_opts[c->nkeys_opts] = val;
        c->keys_kind[c->nkeys_opts++] = (unsigned char)id;
    }
}

/* Does this argument look like an option (rather than a value or '-')? */
static int is_option(const char *a) {
    if (a[0] != '-' || !a[1]) return 0;
    if ((a[1] >= '0' && a[1] <= '9') || (a[1] == '.' && a[2] >= '0' && a[2] <= '9')) return 0;
    return 1;
}

/* The first command named in argv after i ("keys", "session watch", a
 * raw command such as "bench"), in buf, with its entry in *e (NULL for a
 * raw command); NULL when none is. */
static const char *command_ahead(int argc, char **argv, int i, char *buf, size_t n, const cli_cmd **e) {
    for (int j = i + 1; j < argc; j++) {
        if (cli_is_group(argv[j]) && j + 1 < argc && (*e = cli_find(argv[j], argv[j + 1]))) {
            snprintf(buf, n, "%s %s", argv[j], argv[j + 1]);
            return buf;
        }
        if ((*e = cli_find(NULL, argv[j])) || find_raw(argv[j])) {
            snprintf(buf, n, "%s", argv[j]);
            return buf;
        }
    }
    *e = NULL;
    return NULL;
}

/* A command's option (shown: "--null", "-0") given before the command
 * name, where only ndb's own options go: say so.  "unknown option
 * '--null'; did you mean '--url'?" and "unknown command '-0'" sent the
 * user the wrong way.  shown is "--" and the long name, or '-' and the
 * letter (commands give one name to different options: --all). */
static int before_command(cli_ctx *c, int argc, char **argv, int i, const char *shown) {
    char name[96];
    const cli_cmd *e;
    const char *cmd = command_ahead(argc, argv, i, name, sizeof name, &e);
    int takes = e && (shown[1] == '-' ? find_long(e, shown + 2, strlen(shown + 2)) : find_short(e, shown[1]));
    const char *ndb = c->in_repl ? "" : "ndb "; /* the REPL's lines have no "ndb" */
    if (cmd && e && !takes)
        return cli_usage_error(c, "unknown option '%s': ndb takes it neither before a command nor as an option "
                                  "of '%s%s'", shown, ndb, cmd);
    if (cmd)
        return cli_usage_error(c, "%s is an option of the command, not of ndb itself: put it after the command "
                                  "name ('%s%s %s ...')", shown, ndb, cmd, shown);
    return cli_usage_error(c, "%s is an option of a command, not of ndb itself: put it after the command name",
                           shown);
}

/* The option called name (n bytes; NULL: the one with the letter ch),
 * whichever command takes it, or 0. */
static int any_command_takes(const char *name, size_t n, char ch) {
    for (int id = 1; id < OPT__COUNT; id++)
        if (name ? strlen(cli_opts[id].long_name) == n && !memcmp(cli_opts[id].long_name, name, n)
                 : cli_opts[id].short_name == ch)
            return id;
    return 0;
}

/*
 * Parse argv[*i] (an option) for command e (or, with e == NULL, only the
 * global options), consuming its value from argv[*i + 1] if needed.
 * Returns 0 or CLI_USAGE (message printed).
 */
static const cli_cmd globals_only = {NULL, "", NULL, "", "", "", "", "", {0}, 0, 0, NULL, NULL, 0, NULL};

static int parse_option(cli_ctx *c, const cli_cmd *e, int argc, char **argv, int *i) {
    const char *a = argv[*i];
    if (!e) e = &globals_only;
    if (a[1] == '-') {
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t n = eq ? (size_t)(eq - name) : strlen(name);
        int id = find_long(e, name, n);
        if (!id) {
            char sug[64] = "";
            size_t best = (size_t)-1;
            char word[64];
            snprintf(word, sizeof word, "%.*s", (int)n, name);
            /* known, but only before a command (cli_exec): "did you mean
             * '--session'?" would send the user the wrong way */
            if (!strcmp(word, "version"))
                return cli_usage_error(c, "--version comes before any command: 'ndb --version'");
            int other = e == &globals_only ? any_command_takes(name, n, 0) : 0;
            if (other) {
                char shown[72];
                snprintf(shown, sizeof shown, "--%s", word);
                return before_command(c, argc, argv, *i, shown);
            }
            for (int k = 1; k < OPT__COUNT; k++)
                if (cmd_takes(e, k))
                    consider(word, cli_opts[k].long_name, cli_opts[k].long_name, &best, sug,
                             sizeof sug);
            if (sug[0]) return cli_usage_error(c, "unknown option '--%s'; did you mean '--%s'?", word, sug);
            return cli_usage_error(c, "unknown option '--%s'", word);
        }
        if (!cli_opts[id].arg) {
            if (eq) return cli_usage_error(c, "option '--%s' takes no value", cli_opts[id].long_name);
            store_opt(c, id, NULL);
            return 0;
        }
        if (eq) {
            store_opt(c, id, eq + 1);
        } else {
            if (*i + 1 >= argc)
                return cli_usage_error(c, "option '--%s' needs a value (%s)", cli_opts[id].long_name,
                                       cli_opts[id].arg);
            store_opt(c, id, argv[++*i]);
        }
        return 0;
    }
    for (const char *p = a + 1; *p; p++) {
        int id = find_short(e, *p);
        if (!id && e == &globals_only && any_command_takes(NULL, 0, *p)) {
            char shown[4] = {'-', *p, 0, 0};
            return before_command(c, argc, argv, *i, shown);
        }
        if (!id) return cli_usage_error(c, "unknown option '-%c'", *p);
        if (!cli_opts[id].arg) {
            store_opt(c, id, NULL);
            continue;
        }
        if (p[1]) {
            store_opt(c, id, p + 1);
        } else {
            if (*i + 1 >= argc)
                return cli_usage_error(c, "option '-%c' needs a value (%s)", *p, cli_opts[id].arg);
            store_opt(c, id, argv[++*i]);
        }
        break;
    }
    return 0;
}

/* Parse a timeout in seconds (decimals allowed; 0 = no limit) into
 * *secs and *ms (-1 for no limit).  Returns 0, or -1 if s is not one. */
int cli_parse_timeout(const char *s, double *secs, int *ms) {
    char *end;
    errno = 0;
    if (!cli_plain_number(s)) return -1; /* not 0x1, " 5" or inf */
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0) || v * 1000.0 > (double)INT_MAX) return -1;
    *secs = v;
    *ms = v == 0 ? -1 : (v * 1000.0 < 1 ? 1 : (int)(v * 1000.0 + 0.5));
    return 0;
}

int cli_check_env_url(const char *url, char *buf, size_t n) {
    ws_url u;
    char why[256];
    char shown[4096];
    if (ws_url_parse(&u, url, why, sizeof why) == 0) return 0;
    snprintf(buf, n, "invalid URL '%s' (NDB_URL): %s", ws_url_shown(url, shown, sizeof shown), why);
    return -1;
}

int cli_server_url(const char *url, const char *host, const char *port, char *buf, size_t n,
                   const char **out) {
    if (url && (host || port)) {
        snprintf(buf, n, "give --url or -H/-p, not both");
        return -1;
    }
    /* An empty value is a mistake (`--url "$SERVER"` with SERVER unset):
     * taken as "not given", the command would go to another server. */
    if ((url && !*url) || (host && !*host) || (port && !*port)) {
        snprintf(buf, n, "%s is empty", url ? "--url" : host && !*host ? "-H/--host" : "-p/--port");
        return -1;
    }
    if (!host && !port) {
        *out = url ? url : getenv("NDB_URL");
        if (!*out || !**out) *out = CLI_DEFAULT_URL;
        return 0;
    }
    uint64_t p = 1987;
    if (port && (cli_parse_u64(port, &p) || p < 1 || p > 65535)) {
        snprintf(buf, n, "invalid port '%s' (expected 1..65535)", port);
        return -1;
    }
    if (!host || !*host) host = "127.0.0.1";
    if (strpbrk(host, "/?#@ ")) {
        snprintf(buf, n, "invalid host '%s' (a name or an address, without a scheme or path)", host);
        return -1;
    }
    int v6 = strchr(host, ':') && host[0] != '[';
    snprintf(buf, n, "ws://%s%s%s:%llu/", v6 ? "[" : "", host, v6 ? "]" : "", (unsigned long long)p);
    *out = buf;
    return 0;
}

/* Apply --url, --timeout, --session and the output options; check the
 * session rules of the command.  Returns 0 or CLI_USAGE. */
static int settle_options(cli_ctx *c) {
    const cli_cmd *e = c->cmd;
    if (cli_server_url(c->opt[OPT_URL], c->opt[OPT_HOST], c->opt[OPT_PORT], c->urlbuf,
                       sizeof c->urlbuf, &c->url))
        return cli_usage_error(c, "%s", c->urlbuf);
    /* A bad $NDB_URL is named as such before connecting: the user typed no
     * URL, and "invalid URL" alone would not say where it came from.  help
     * (no protocol command) connects to nothing and must still work. */
    if (e->proto && !c->opt[OPT_URL] && !c->opt[OPT_HOST] && !c->opt[OPT_PORT] &&
        cli_check_env_url(c->url, c->urlbuf, sizeof c->urlbuf))
        return cli_usage_error(c, "%s", c->urlbuf);
    cli_login_command(&c->login, c->opt[OPT_USER], c->opt[OPT_PASSWORD_FILE], c->opt[OPT_CACERT],
                      c->opt[OPT_CLIENT_CERT], c->opt[OPT_CLIENT_KEY], c->opt[OPT_INSECURE] != NULL);
    if (e->proto && cli_login_password_unused(&c->login, c->opt[OPT_PASSWORD_FILE])) /* help logs in to nothing */
        return cli_usage_error(c, "%s", CLI_LOGIN_NO_USER);
    c->timeout_s = CLI_DEFAULT_TIMEOUT;
    c->timeout_ms = (int)(CLI_DEFAULT_TIMEOUT * 1000);
    if (c->opt[OPT_TIMEOUT] && cli_parse_timeout(c->opt[OPT_TIMEOUT], &c->timeout_s, &c->timeout_ms))
        return cli_usage_error(c, CLI_TIMEOUT_INVALID, c->opt[OPT_TIMEOUT]);
    if (c->opt[OPT_PRETTY] && c->opt[OPT_COMPACT])
        return cli_usage_error(c, "--pretty and --compact exclude each other");

    const char *tkn = c->opt[OPT_SESSION], *env = getenv("NDB_SESSION");
    char name[64];
    full_name(name, sizeof name, e);
    if (tkn && !(e->flags & CLI_F_SESSION))
        return cli_usage_error(c, "--session does not apply to '%s'%s", name,
                               e->flags & CLI_F_NOSESSION ? " (it works on top-level keys only)" : "");
    if (!tkn && env && *env && (e->flags & CLI_F_NOSESSION))
        return cli_usage_error(c, "'%s' has no session form, but NDB_SESSION is set; unset it to "
                                  "work on top-level keys", name);
    if (e->flags & CLI_F_SESSION) {
        int from_env = !tkn;
        if (!tkn && env && *env) tkn = env;
        if (tkn) {
            if (cli_parse_u64(tkn, &c->tkn))
                return cli_usage_error(c, "invalid session token '%s'%s (expected a number "
                                          "0..18446744073709551615)",
                                       tkn, from_env ? " in NDB_SESSION" : "");
            c->in_session = 1;
        }
    }
    cli_output_init(c);
    char err[400];
    /* before the clock: a prompt takes its time; `help` never connects, so
     * NDB_USER set in the environment must not make it ask for a password */
    if (e->run != cli_help_cmd && cli_login_password(&c->login, err, sizeof err)) {
        fprintf_visible(stderr, "ndb: %s\n", err); /* it quotes --user, --password-file */
        return CLI_USAGE;
    }
    cli_start_clock(c);
    return 0;
}

/* Forget the options of the previous command (the connection stays). */
static void reset_command(cli_ctx *c) {
    memset(c->opt, 0, sizeof c->opt);
    c->nkeys_opts = 0;
    c->in_session = 0;
    c->tkn = 0;
    c->cmd = NULL;
    c->prog = "ndb";
}

/* Run table command e with its arguments (argv[0] is its name). */
static int run_command(cli_ctx *c, const cli_cmd *e, int argc, char **argv) {
    char name[64];
    full_name(name, sizeof name, e);
    snprintf(c->progbuf, sizeof c->progbuf, "ndb %s", name);
    c->cmd = e;
    c->prog = c->progbuf;
    char **pos = calloc((size_t)argc + 1, sizeof *pos);
    int npos = 0, only_pos = 0, rc;
    if (!pos) abort();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        /* "-0" reads as a number (a value); for a command taking --null it
         * is that option. */
        int nul = !only_pos && !strcmp(a, "-0") && cmd_takes(e, OPT_NULL);
        if (only_pos || (!is_option(a) && !nul)) {
            pos[npos++] = argv[i];
        } else if (!strcmp(a, "--")) {
            only_pos = 1;
        } else if (e->run == cli_help_cmd && (!strcmp(a, "--commands") || !strcmp(a, "--options"))) {
            pos[npos++] = argv[i];
        } else if ((rc = parse_option(c, e, argc, argv, &i))) {
            free(pos);
            return rc;
        }
    }
    if (c->opt[OPT_HELP]) {
        print_cmd_help(stdout, e);
        free(pos);
        return cli_output_finish();
    }
    if (npos < e->min_args || (e->max_args >= 0 && npos > e->max_args)) {
        free(pos);
        if (npos < e->min_args)
            return cli_usage_error(c, npos ? "missing arguments (usage: ndb %s %s)"
                                           : "missing argument (usage: ndb %s %s)", name, e->usage);
        return cli_usage_error(c, "too many arguments (usage: ndb %s %s)", name,
                               e->usage[0] ? e->usage : "with no arguments");
    }
    if ((rc = settle_options(c))) {
        free(pos);
        return rc;
    }
    c->output_closed = 0;
    rc = e->run(c, npos, pos);
    free(pos);
    int orc = c->output_closed ? 0 : cli_output_finish();
    return rc ? rc : orc;
}

void cli_ctx_init(cli_ctx *c, const cli_raw *raw, size_t nraw) {
    memset(c, 0, sizeof *c);
    raw_cmds = raw;
    nraw_cmds = nraw;
    c->prog = "ndb";
}

void cli_ctx_free(cli_ctx *c) {
    cli_disconnect(c);
    cli_login_free(&c->login);
    free(c->keys_opts);
    free(c->keys_kind);
    sb_free(&c->req);
    sb_free(&c->buf);
    sb_free(&c->out);
    jdoc_free(&c->rsp);
    jdoc_free(&c->tmp);
}

/* The global options argv[0..n) written before raw subcommand r's name
 * (already checked by parse_option), as r is handed them: each by its long
 * name, its value (if it takes one) as the next word.  Short ones are
 * spelled out, because r reads its own short options, which may mean
 * something else (`-c` is --compact before a command, --conns in bench),
 * and `-p22420` or `-rc` is one word for several things.  Appends the
 * words to out (owned copies, each allocated) and returns 0, or r's usage
 * exit status after saying which option r does not take. */
static int raw_globals(const cli_raw *r, int n, char **argv, char **out, int *nout) {
    if (n == 0) return 0; /* nothing to check: no child process runs the --help (for every `ndb serve`) */
    strbuf names = STRBUF_INIT;
    int rc = cli_raw_option_names(r, &names);
    for (int k = 0; !rc && k < n; k++) {
        const char *a = argv[k];
        if (!strcmp(a, "--")) continue; /* the end of the options before the command */
        int ids[32], nids = 0;
        const char *value = NULL;
        if (a[1] == '-') {
            const char *name = a + 2, *eq = strchr(name, '=');
            ids[nids++] = find_long(&globals_only, name, eq ? (size_t)(eq - name) : strlen(name));
            if (eq) value = eq + 1;
        } else {
            for (const char *p = a + 1; *p && nids < 32; p++) {
                ids[nids++] = find_short(&globals_only, *p);
                if (cli_opts[ids[nids - 1]].arg) {
                    if (p[1]) value = p + 1;
                    break;
                }
            }
        }
        for (int j = 0; !rc && j < nids; j++) {
            const cli_opt *o = &cli_opts[ids[j]];
            char word[80];
            snprintf(word, sizeof word, "--%s", o->long_name);
            if (!cli_raw_takes(&names, word)) {
                char shown[96];
                if (a[1] == '-') snprintf(shown, sizeof shown, "%s", word);
                else snprintf(shown, sizeof shown, "-%c (%s)", o->short_name, word);
                fprintf(stderr, "ndb %s: %s does not apply to '%s'\nTry 'ndb %s --help' for more information.\n",
                        r->name, shown, r->name, r->name);
                rc = r->usage_exit ? r->usage_exit : CLI_USAGE;
                break;
            }
            out[(*nout)++] = strdup(word);
            if (o->arg) out[(*nout)++] = strdup(value ? value : argv[++k]); /* parse_option saw it there */
            if (!out[*nout - 1]) abort();
        }
    }
    sb_free(&names);
    return rc;
}

int cli_exec(cli_ctx *c, int argc, char **argv) {
    int i = 0, rc;
    reset_command(c);

    /* Global options before the command name.  Any word starting with '-'
     * here is one: no command name does, and no value is pending ("-0", a
     * number after a command, was taken for the command's name). */
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (!strcmp(argv[i], "--version")) {
            /* the commit too: releases share version numbers (cmake/build_commit.cmake) */
            printf("ndb %s%s%s%s\n", NDB_VERSION, *NDB_BUILD_COMMIT ? " (commit " : "", NDB_BUILD_COMMIT,
                   *NDB_BUILD_COMMIT ? ")" : "");
            return cli_output_finish();
        }
        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        }
        if ((rc = parse_option(c, NULL, argc, argv, &i))) return rc;
    }
    if (i >= argc) {
        print_main_help(c->opt[OPT_HELP] ? stdout : stderr, c->in_repl);
        return c->opt[OPT_HELP] ? cli_output_finish() : CLI_USAGE;
    }
    const char *name = argv[i];
    const cli_raw *r = find_raw(name);
    if (r) {
        /* `ndb --url U send ...` is `ndb send --url U ...`: the command
         * parses the options itself.  A global option it does not take is
         * refused here, in those words: "ndb send: unknown option
         * '--session'" would blame the option, which ndb does know. */
        /* (at most 32 words of a short cluster, each with a value) */
        char **globals = calloc((size_t)i * 64 + 1, sizeof *globals), **v = calloc((size_t)argc + (size_t)i * 64 + 1, sizeof *v);
        if (!globals || !v) abort();
        int ng = 0, nv = 0;
        rc = raw_globals(r, i, argv, globals, &ng);
        if (!rc) {
            v[nv++] = argv[i];
            for (int k = 0; k < ng; k++) v[nv++] = globals[k];
            for (int k = i + 1; k < argc; k++) v[nv++] = argv[k];
            rc = r->fn(nv, v);
        }
        for (int k = 0; k < ng; k++) free(globals[k]);
        free(globals);
        free(v);
        return rc;
    }
    const cli_cmd *e = cli_find(NULL, name);
    if (!e && cli_is_group(name)) {
        if (i + 1 >= argc || is_option(argv[i + 1])) {
            int help = c->opt[OPT_HELP] || (i + 1 < argc && (!strcmp(argv[i + 1], "--help") ||
                                                            !strcmp(argv[i + 1], "-h")));
            print_group_help(help ? stdout : stderr, name);
            return help ? cli_output_finish() : CLI_USAGE;
        }
        e = cli_find(name, argv[i + 1]);
        if (!e) {
            char sug[96], hint[160];
            suggest_command(c, name, argv[i + 1], sug, sizeof sug);
            session_key_hint(c, name, argv[i + 1], hint, sizeof hint);
            fprintf_visible(stderr, "ndb: unknown command '%s %s'%s%s%s%s", name, argv[i + 1],
                            sug[0] ? "; did you mean '" : "", sug, sug[0] ? "'?" : "", hint);
            fprintf(stderr, "\nTry '%s %s%s'.\n", c->in_repl ? "help" : "ndb", name, c->in_repl ? "" : " --help");
            return CLI_USAGE;
        }
        i++;
    }
    if (!e) {
        char sug[96];
        suggest_command(c, NULL, name, sug, sizeof sug);
        /* the name as typed, its control characters as \xhh: `ndb $'\e]0;x\a'`
         * must not retitle the terminal that shows the message */
        fprintf_visible(stderr, "ndb: unknown command '%s'%s%s%s", name, sug[0] ? "; did you mean '" : "", sug,
                        sug[0] ? "'?" : "");
        fprintf(stderr, "\nTry '%s'.\n", c->in_repl ? "help" : "ndb help");
        return CLI_USAGE;
    }
    return run_command(c, e, argc - i, argv + i);
}

int cli_main(int argc, char **argv, const cli_raw *raw, size_t nraw) {
    cli_ctx c;
    cli_ctx_init(&c, raw, nraw);
    int rc = cli_exec(&c, argc - 1, argv + 1);
    cli_ctx_free(&c);
    return rc;
}
