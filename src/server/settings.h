/*
 * settings.h — the one table of the server's settings.
 *
 * Every setting of `ndb serve` is one entry of settings.def: its config-file
 * member (`limits.maxMemory`), its long option (`--max-memory`, plus the old
 * spelling where there is one), metavariable, type, range or allowed values,
 * default, the ndb_config field it fills, its section of `--help` and one
 * line of help.  Everything else is derived from that entry:
 *
 *   config_defaults()       the default, written as option text and parsed
 *                           by the same code as an option (config.c);
 *   config_parse_text()     the config-file parser: every member optional,
 *                           unknown members and wrongly typed values are
 *                           errors naming the member (config.c);
 *   settings_from_argv()    getopt_long's option table, the parsing, range
 *                           checks and messages naming the option
 *                           (settings_cli.c);
 *   settings_help()         `ndb serve --help`, grouped by section and
 *                           wrapped at 80 columns (settings_print.c);
 *   settings_log()          the start-up lines saying what is in force
 *                           (settings_print.c);
 *   the docs check          tests/cli/docs.bats: every option and member
 *                           is in man/ndb-serve.1, every option in --help.
 *
 * Precedence: built-in defaults < config file < command line.  They are
 * applied in that order, each value overwriting the one before, and
 * ndb_config.origin[] records where each value came from, so that a
 * message about a value names what the user wrote (`--persist-path` or
 * `persist.path`).  A LIST given on the command line replaces the file's
 * list instead of adding to it.
 *
 * Types (the C type of the ndb_config field in brackets; the compiler
 * checks each entry's field against its type, see settings.c):
 *   UINT      integer in [lo, hi]; `.unit` names it in messages ("seconds")
 *             [unsigned or size_t]
 *   SIZE      bytes in [lo, hi]; options take a K, M, G or T suffix (powers
 *             of 1024), the config file a plain number  [unsigned or size_t]
 *   BOOL      config true/false; option --NAME sets it, --no-NAME clears it
 *             [int]
 *   STRING    text; `.check` may restrict it (`.noun` then says what is
 *             valid)  [char array]
 *   PATH      a directory name, empty for none; SF_EXISTING_DIR checks it
 *             exists when set  [char array]
 *   IP        an IPv4 or IPv6 address literal  [char array]
 *   ENUM      one of `.words` (NULL-terminated); the field holds the index
 *             [int]
 *   LIST      strings: a config array, a repeatable option  [ndb_strlist]
 *   CUSTOM    parsed, formatted and freed by `.custom` functions (below);
 *             `.noun` says what is valid  [anything]
 *   OBSOLETE  a member old configs carry: accepted, ignored, and a warning
 *             logged (the help text says why)  [no field]
 * An entry with NOFIELD is checked and then ignored (`core`, `version`).
 * An entry without a member exists only on the command line (`--config`,
 * `--load-name`); one without an option only in the config file.
 *
 * Adding a setting:
 *   1. add its field to ndb_config (config.h), of its type's C type;
 *   2. add one SETTING(...) entry to settings.def, in the section whose
 *      --help group should list it (a new section is one SECTION line);
 *   3. describe the option and the member in man/ndb-serve.1 (the docs check
 *      fails until you do) and, if it is worth showing, in
 *      src/dist/ndb.jsonc;
 *   4. read it where it is used: cfg->field.
 * For example the repeatable origin list is
 *     SETTING(ALLOWED_ORIGINS, LIST, "security.allowedOrigins", "allow-origin",
 *             FIELD(allowed_origins), SECURITY, "a browser origin whose pages ...",
 *             .meta = "ORIGIN", .check = origin_setting_ok, ...)
 * and a setting that needs its own parser (an array of user objects, a save
 * schedule) is a CUSTOM entry whose `.custom` points at a setting_custom
 * with its functions, as `sessions.tokenBits` (settings_custom.c) and
 * `security.users` (settings_security.c, with messages naming the member
 * inside the value through setting_custom_error) do.
 */
#ifndef NDB_SETTINGS_H
#define NDB_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "json/scan.h"

/* The settings' ids: S_PORT, S_MAX_MEMORY, ...; S_NONE is no setting. */
enum setting_id {
    S_NONE,
#define SETTING(id, ...) S_##id,
#include "server/settings.def"
    S_COUNT
};

/* The --help groups (and start-up log lines), in order. */
enum setting_section {
#define SECTION(id, ...) SEC_##id,
#include "server/settings.def"
    SEC_COUNT
};

enum setting_type { ST_UINT, ST_SIZE, ST_BOOL, ST_STRING, ST_PATH, ST_IP, ST_ENUM, ST_LIST, ST_CUSTOM, ST_OBSOLETE };

/* Where a value came from (ndb_config.origin[]), in order of precedence. */
enum setting_origin { ORIGIN_DEFAULT, ORIGIN_FILE, ORIGIN_CLI };

/* Flags of an entry. */
enum {
    SF_CLI_ZERO = 1,     /* UINT: the command line accepts 0 too (--port 0: a free port) */
    SF_ONCE = 2,         /* the option may be given only once (--config) */
    SF_EXISTING_DIR = 4, /* PATH: must name an existing directory when set */
    SF_NOLOG = 8,        /* not in settings_log() (the "listening on" line has it) */
};

/* The value of a LIST setting: n strings, owned. */
typedef struct ndb_strlist {
    char **items;
    size_t n;
} ndb_strlist;

typedef struct setting setting;

/* The functions of a CUSTOM setting.  `field` points at its ndb_config
 * field.  The parsers return 0, or -1 for an invalid value (the caller
 * reports it with the entry's `.noun`); they must leave the field valid
 * either way.  release (may be NULL) frees what the field owns. */
typedef struct setting_custom {
    int (*from_json)(const setting *s, void *field, const jdoc *d, const jtok *t);
    int (*from_text)(const setting *s, void *field, const char *text);
    void (*format)(const setting *s, const void *field, strbuf *out);
    void (*release)(const setting *s, void *field);
} setting_custom;

/* For a CUSTOM from_json that fails: say exactly what is wrong, so that
 * the config-file error names the very member.  path_suffix is appended
 * to the setting's member path ("[1].role" after "security.users"), the
 * formatted text follows it (" must be \"read\", \"write\" or
 * \"admin\"").  Without it the message is "'member' must be <noun>". */
void setting_custom_error(const char *path_suffix, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Take (and clear) what setting_custom_error said: 1 with suffix and
 * message copied, or 0 when nothing was said. */
int setting_custom_error_take(char *suffix, size_t suffixlen, char *msg, size_t msglen);

/* One entry of settings.def.  The first seven members are positional in
 * SETTING(); the rest are optional designated initializers. */
struct setting {
    enum setting_id id;
    enum setting_type type;
    const char *member;          /* config path ("limits.maxMemory"); NULL: command line only */
    const char *option;          /* long option without "--"; NULL: config file only */
    size_t offset, size;         /* the ndb_config field; size 0: NOFIELD */
    enum setting_section section;
    const char *help;            /* one line for --help; the type adds range and default */
    const char *alias;           /* another spelling of the option (docs/protocol.md 7.1) */
    const char *meta;            /* the option's metavariable ("N", "DIR") */
    uint64_t lo, hi;             /* UINT, SIZE: the range */
    const char *def;             /* default, as option text; NULL: zero / empty */
    const char *unit;            /* UINT: what is counted, for messages ("seconds") */
    const char *zero;            /* UINT, SIZE: what 0 means, for the log ("none") */
    const char *const *words;    /* ENUM: the allowed words, NULL-terminated */
    int (*check)(const char *s); /* STRING, LIST: is s a valid value? */
    const char *noun;            /* with check, and CUSTOM: what a valid value is */
    const setting_custom *custom;
    enum setting_id also;        /* a BOOL this option sets too (--persist-path: persist.enabled) */
    unsigned flags;              /* SF_* */
};

/* The table, indexed by id (entry S_NONE is empty). */
extern const setting settings_table[S_COUNT];

/* Section names: the log label ("limits") and the config object whose
 * members it holds ("limits", NULL for top-level members). */
extern const char *const settings_section_label[SEC_COUNT];
extern const char *const settings_section_object[SEC_COUNT];

struct ndb_config;

/* What entries of settings.def refer to. */
int settings_dataset_name_ok(const char *s);                  /* --load-name (settings.c) */
extern const setting_custom settings_custom_token_bits;       /* sessions.tokenBits (settings_custom.c) */
extern const setting_custom settings_custom_users;            /* security.users (settings_security.c) */
int origin_setting_ok(const char *s);                         /* security.allowedOrigins (origin.c) */
int origin_host_setting_ok(const char *s);                    /* security.allowedHosts (origin.c) */
extern const setting_custom settings_custom_save_schedule;    /* persist.save (settings_custom.c) */
extern const char *const journal_policy_names[];              /* persist.journal (journal.c) */

/* --------------------------------------------------------------- lookup */

/* The setting whose member is exactly the n bytes at path, or NULL. */
const setting *settings_by_member(const char *path, size_t n);

/* Is path (n bytes) an object holding settings ("limits", "persist")? */
int settings_is_group(const char *path, size_t n);

/* The member path or group (members != 0), or the option name, closest to
 * word for a "did you mean" suggestion; "" when none is close. */
void settings_suggest(const char *word, int members, char *out, size_t outlen);

/* The setting that word (n bytes) names in the other spelling: with
 * members != 0, word is a config member written as an option
 * ("loginTimeout", "login-timeout", "noConsole" for --login-timeout,
 * --no-console); else an option written as a member ("loginTimeoutSec",
 * "protected-mode").  Compared without case, '-' or '_'.  NULL if none.
 * *negated is 1 when word is a boolean's name with "no" before it (its
 * value then means the opposite). */
const setting *settings_by_other_spelling(const char *word, size_t n, int members, int *negated);

/* How to name s in a message, given where its value came from:
 * "option '--persist-path'", "field 'persist.path'", or for a default value
 * "the default of option '--persist-path' and field 'persist.path'". */
void setting_source_name(const setting *s, enum setting_origin o, char *out, size_t outlen);

/* --------------------------------------------------------------- values
 * The functions of settings_value.c.  `field` points at the setting's
 * storage (inside an ndb_config, or any storage of the right type). */

/* Set the value from text: an option's argument, or the default.  cli:
 * the text came from the command line (SF_CLI_ZERO applies).  For a LIST,
 * text is one item, appended.  Returns 0, or -1 when text is not valid
 * (the field is unchanged). */
int setting_from_text(const setting *s, void *field, const char *text, int cli);

/* Set the value from the config file's token t of document d.  Returns 0,
 * or -1 when the value is wrongly typed or out of range (unchanged). */
int setting_from_json(const setting *s, void *field, const jdoc *d, const jtok *t);

/* Append what a valid value is, for "'port' must be ..." (cli: as an
 * option's argument, else as a config-file value). */
void setting_expect(const setting *s, int cli, strbuf *out);

/* Append the value for the log: 1987, true, info, ["a","b"]. */
void setting_format(const setting *s, const void *field, strbuf *out);

/* Free what the field owns (LIST items, CUSTOM) and empty it. */
void setting_release(const setting *s, void *field);

/* Append a size with the largest exact K/M/G/T suffix ("64M", "1000"). */
void setting_format_size(uint64_t v, strbuf *out);

/* ---------------------------------------------------------- consumers */

/* Results of settings_from_argv(). */
enum { SETTINGS_OK = 0, SETTINGS_ERROR = 1, SETTINGS_HELP = 2 };

/* ndb serve's command line: defaults, then the config file of --config,
 * then every option in order.  Errors are printed to stderr ("ndb serve:
 * --port: '70000' must be ...", plus a hint to --help).  Returns
 * SETTINGS_OK, SETTINGS_ERROR, or SETTINGS_HELP for -h/--help (nothing
 * printed: the caller prints its help).  c must be released with
 * config_free() in every case. */
int settings_from_argv(struct ndb_config *c, int argc, char **argv);

/* Append the option groups of --help: for each section a heading and one
 * wrapped entry per option ("  --max-memory SIZE   ceiling ... (default 0)"). */
void settings_help(strbuf *out);

/* Log (info) one line per section with what is in force, e.g.
 * "limits: maxConnections 10000, ..., maxMemory 0 (none), ...". */
void settings_log(const struct ndb_config *c);

#endif
