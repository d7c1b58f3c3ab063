/*
 * config.h — the server's settings: defaults, the JSON config file of
 * PROTOCOL.md 7.2 (comments allowed) and ndb's own additions.
 *
 * Precedence: built-in defaults < config file < command-line options.
 * Validation errors are returned as one line naming the field, for the
 * caller to print before exiting with status 1.
 */
#ifndef NDB_CONFIG_H
#define NDB_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define NDB_DEFAULT_PORT 1987
#define NDB_DEFAULT_MAX_PAYLOAD (1024 * 1024)
#define NDB_MIN_MAX_PAYLOAD 64
#define NDB_MAX_MAX_PAYLOAD (64 * 1024 * 1024)

typedef struct ndb_config {
    char ip[64];
    unsigned port;
    size_t max_payload;
    unsigned core;
    int persist_enabled;
    char persist_path[PATH_MAX];
    int log_level;                 /* enum log_level */
    unsigned session_check_ms;     /* expiry timer period */
    unsigned token_bits;           /* 53 (default) or 64 */
    size_t out_high_water;         /* stop reading a client above this much queued output */
    unsigned out_stall_timeout_s;  /* close a throttled client whose output makes no progress */
    /* limits (issue 10); see README "Limits" and parse_limits() in config.c */
    unsigned max_connections;      /* open TCP connections, handshaking or upgraded */
    size_t max_output;             /* hard cap on one connection's queued output */
    unsigned handshake_timeout_s;  /* accept → completed WebSocket upgrade */
    unsigned idle_timeout_s;       /* no valid traffic (pong/message) → ping, then hang up */
    unsigned request_timeout_s;    /* first byte → last byte of one incoming message */
    unsigned max_depth;            /* nesting of a request, 1..JSON_MAX_DEPTH */
    size_t max_key_length;         /* bytes of one stored key name (decoded) */
    size_t max_keys;               /* items of `keys` / `tkns` in one request */
    size_t max_memory;             /* stored keys + sessions; 0 = no ceiling */
    /* start-up load (PROTOCOL 6.6) */
    int load_requested;
    char load_name[256];
    char load_path[PATH_MAX];
    int load_path_set;
} ndb_config;

void config_defaults(ndb_config *c);

/* Default limits. */
#define NDB_DEFAULT_MAX_CONNECTIONS 10000
#define NDB_DEFAULT_MAX_OUTPUT ((size_t)64 * 1024 * 1024)
#define NDB_DEFAULT_HANDSHAKE_TIMEOUT 10
#define NDB_DEFAULT_IDLE_TIMEOUT 180
#define NDB_DEFAULT_REQUEST_TIMEOUT 60
#define NDB_DEFAULT_MAX_KEY_LENGTH 65536
#define NDB_DEFAULT_MAX_KEYS 1000000

/* Read and validate a config file into c.  Returns 0, or -1 with a one-line
 * reason in err. */
int config_load_file(ndb_config *c, const char *path, char *err, size_t errlen);

/* The same for config text already in memory (len bytes at text); `name`
 * is used in messages in place of the file name. */
int config_parse_text(ndb_config *c, const char *text, size_t len, const char *name, char *err,
                      size_t errlen);

/* Checks done after all options are applied: the persist directory exists
 * and is writable when persistence is enabled. */
int config_check_startup(const ndb_config *c, char *err, size_t errlen);

/* Is s an IPv4 or IPv6 address literal? */
int config_valid_ip(const char *s);

#endif
