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
    /* start-up load (PROTOCOL 6.6) */
    int load_requested;
    char load_name[256];
    char load_path[PATH_MAX];
    int load_path_set;
} ndb_config;

void config_defaults(ndb_config *c);

/* Read and validate a config file into c.  Returns 0, or -1 with a one-line
 * reason in err. */
int config_load_file(ndb_config *c, const char *path, char *err, size_t errlen);

/* Checks done after all options are applied: the persist directory exists
 * and is writable when persistence is enabled. */
int config_check_startup(const ndb_config *c, char *err, size_t errlen);

/* Is s an IPv4 or IPv6 address literal? */
int config_valid_ip(const char *s);

#endif
