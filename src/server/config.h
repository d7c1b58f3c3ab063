/*
 * config.h — the server's settings as one struct, and the config file.
 *
 * What each field means, its config member, option, range and default are
 * in its entry of settings.def, the one place a setting is defined
 * (settings.h explains the table and how to add a setting).  This file
 * holds the values, the config-file parser and the start-up checks.
 *
 * The config file is JSON with // and block comments: the docs/protocol.md 7.2
 * format (files written for other servers of the protocol load unchanged)
 * plus ndb's own members.  Every member is optional; unknown members and
 * wrongly typed values are errors naming the member.
 *
 * Precedence: built-in defaults < config file < command-line options.
 * Errors are returned as one line naming the member or option, for the
 * caller to print before exiting with status 1.
 */
#ifndef NDB_CONFIG_H
#define NDB_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "server/save_schedule.h"
#include "server/settings.h"
#include "server/users.h"

/* maxPayload's range (docs/protocol.md 0.1 item 6). */
#define NDB_MIN_MAX_PAYLOAD 64
#define NDB_MAX_MAX_PAYLOAD (64 * 1024 * 1024)

typedef struct ndb_config {
    /* server */
    char config_file[PATH_MAX];    /* --config, "" when none was read */
    char ip[64];
    unsigned port;                 /* 0 on the command line: the kernel picks */
    size_t max_payload;
    int log_level;                 /* enum log_level */
    int console;                   /* serve the web console over plain HTTP (console.h) */
    int core_dumps;                /* leave core dumps on (common/core_dumps.h) */
    /* persistence */
    int persist_enabled;
    char persist_path[PATH_MAX];
    char load_name[256];           /* start-up load (docs/protocol.md 6.6); "" for none */
    char load_path[PATH_MAX];      /* "" for the persist path */
    int journal;                   /* enum journal_policy (journal.h) */
    save_schedule save;            /* automatic snapshots without a journal */
    unsigned keep_snapshots;       /* complete snapshots kept per dataset; 0 = all */
    unsigned compact_multiple;     /* journal / last automatic snapshot that compacts; 0 = never */
    size_t compact_min;            /* ... and the journal's least size for it */
    /* sessions */
    unsigned session_check_ms;     /* expiry timer period */
    unsigned token_bits;           /* 53 or 64 */
    /* limits (issue 10; README "Limits") */
    unsigned max_connections;      /* open TCP connections, handshaking or upgraded */
    unsigned max_pending_connections; /* of those, not established; 0: half of max_connections */
    size_t max_output;             /* hard cap on one connection's queued output */
    size_t max_total_output;       /* ... and on all connections' together; 0 = none */
    unsigned handshake_timeout_s;  /* accept → completed WebSocket upgrade */
    unsigned idle_timeout_s;       /* no valid traffic (pong/message) → ping, then hang up */
    unsigned request_timeout_s;    /* first byte → last byte of one incoming message */
    unsigned login_timeout_s;      /* upgrade → login on a server with users; 0: no limit */
    unsigned max_depth;            /* nesting of a request, 1..JSON_MAX_DEPTH */
    size_t max_key_length;         /* bytes of one stored key name (decoded) */
    size_t max_keys;               /* items of `keys` / `tkns` in one request */
    size_t max_memory;             /* stored keys + sessions; 0 = no ceiling */
    size_t out_high_water;         /* stop reading a client above this much queued output */
    unsigned out_stall_timeout_s;  /* close a throttled client whose output makes no progress */
    unsigned max_watches;          /* KV_WATCH + SH_WATCH watches of one connection */
    unsigned max_watch_keys;       /* keys and tokens those watches name, in all */
    size_t max_total_watch;        /* bytes the watches of all connections hold; 0 = none */
    size_t watch_output;           /* queued output past which a watcher overflows */
    /* security (issue 14; README "Security") */
    ndb_strlist allowed_origins;   /* browser origins allowed besides the server's own */
    ndb_strlist allowed_hosts;     /* Host names under which the own origin is allowed */
    ndb_userlist users;            /* none: authentication is off */
    int protected_mode;            /* refuse a non-loopback address without users */
    /* tls */
    char tls_cert[PATH_MAX];       /* "" for plain ws:// */
    char tls_key[PATH_MAX];
    char tls_ca[PATH_MAX];         /* "" for no client certificates */

    unsigned char origin[S_COUNT]; /* enum setting_origin of each setting's value */
} ndb_config;

/* Fill c with every setting's default (origin ORIGIN_DEFAULT). */
void config_defaults(ndb_config *c);

/* Free what c owns (list and custom settings); c must be set up again by
 * config_defaults() before any further use. */
void config_free(ndb_config *c);

/* Read and validate a config file into c.  Returns 0, or -1 with a one-line
 * reason in err.  Members present get origin ORIGIN_FILE; a member of the
 * obsolete kind is logged as a warning. */
int config_load_file(ndb_config *c, const char *path, char *err, size_t errlen);

/* The same for config text already in memory (len bytes at text); `name`
 * is used in messages in place of the file name. */
int config_parse_text(ndb_config *c, const char *text, size_t len, const char *name, char *err,
                      size_t errlen);

/* Checks done after all options are applied: a persist directory that
 * exists and is writable when persistence is enabled, and a directory to
 * load from when --load-name is given.  Messages name the option or the
 * member the value came from. */
int config_check_startup(const ndb_config *c, char *err, size_t errlen);

/* Is s an IPv4 or IPv6 address literal? */
int config_valid_ip(const char *s);

#endif
