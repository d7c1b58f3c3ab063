/*
 * serve.c — the `ndb serve` subcommand.
 *
 * Start-up order (PROTOCOL.md 7.2): command line → config file → option
 * overrides → validation → persist-path checks → listen.  Any failure is one
 * line on stderr and exit status 1, before anything is listening.
 */
#include "server/serve.h"

#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>

#include "common/hash.h"
#include "common/log.h"
#include "json/scan.h"
#include "server/config.h"
#include "server/persist.h"
#include "server/snapshot.h"
#include "server/server.h"
#include "server/transport.h"

const char serve_usage[] =
    "usage: ndb serve [options]\n"
    "\n"
    "Run the ndb database server (WebSocket, JSON protocol).\n"
    "\n"
    "options (they override the config file):\n"
    "  --config FILE          JSON config file (PROTOCOL.md format, // comments allowed)\n"
    "  --ip ADDR              address to listen on (default 127.0.0.1; IPv4 or IPv6 literal)\n"
    "  --port N               port to listen on (default 1987; 0 picks a free port)\n"
    "  --max-payload BYTES    largest accepted request, 64..67108864 (default 1048576)\n"
    "  --persist-path DIR     enable persistence, snapshots under DIR\n"
    "  --log-level LEVEL      error, warn, info (default) or debug\n"
    "  --session-check-ms MS  how often expired sessions are removed, 1..1000 (default 1000)\n"
    "  --load-name NAME       before listening, load snapshot NAME (keys or sessions)\n"
    "  --load-path DIR        directory holding NAME (default: the persist path)\n"
    "\n"
    "limits (config object \"limits\"; SIZE takes an optional K, M or G suffix):\n"
    "  --max-connections N    open connections, handshaking or upgraded (default 10000)\n"
    "  --max-output SIZE      queued output of one connection before it is closed (default 64M)\n"
    "  --handshake-timeout S  seconds to complete the WebSocket upgrade (default 10)\n"
    "  --idle-timeout S       hang up when a ping sent after ~91% of S gets no pong (default 180)\n"
    "  --request-timeout S    seconds to deliver one message once it has begun (default 60)\n"
    "  --max-depth N          nesting of a request, 1..1024 (default 1024)\n"
    "  --max-key-length SIZE  bytes of one stored key name (default 65536)\n"
    "  --max-keys N           items of 'keys' or 'tkns' in one request (default 1000000)\n"
    "  --max-memory SIZE      ceiling for stored keys and sessions; writes past it answer\n"
    "                         st 42 \"maxMemory exceeded\" (default 0: no ceiling)\n"
    "  -h, --help             show this help and exit\n"
    "\n"
    "On SIGINT or SIGTERM the server closes every connection (close code 1001) and exits 0.\n"
    "Exit status: 0 after a clean shutdown, 1 if the configuration or start-up fails.\n";

enum {
    OPT_CONFIG = 256,
    OPT_IP,
    OPT_PORT,
    OPT_MAX_PAYLOAD,
    OPT_PERSIST_PATH,
    OPT_LOG_LEVEL,
    OPT_SESSION_CHECK_MS,
    OPT_LOAD_NAME,
    OPT_LOAD_PATH,
    OPT_MAX_CONNECTIONS,
    OPT_MAX_OUTPUT,
    OPT_HANDSHAKE_TIMEOUT,
    OPT_IDLE_TIMEOUT,
    OPT_REQUEST_TIMEOUT,
    OPT_MAX_DEPTH,
    OPT_MAX_KEY_LENGTH,
    OPT_MAX_KEYS,
    OPT_MAX_MEMORY,
};

static const struct option options[] = {
    {"config", required_argument, NULL, OPT_CONFIG},
    {"ip", required_argument, NULL, OPT_IP},
    {"port", required_argument, NULL, OPT_PORT},
    {"max-payload", required_argument, NULL, OPT_MAX_PAYLOAD},
    {"persist-path", required_argument, NULL, OPT_PERSIST_PATH},
    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
    {"session-check-ms", required_argument, NULL, OPT_SESSION_CHECK_MS},
    {"load-name", required_argument, NULL, OPT_LOAD_NAME},
    {"loadName", required_argument, NULL, OPT_LOAD_NAME}, /* PROTOCOL 7.1 spelling */
    {"load-path", required_argument, NULL, OPT_LOAD_PATH},
    {"loadPath", required_argument, NULL, OPT_LOAD_PATH}, /* PROTOCOL 7.1 spelling */
    {"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
    {"max-output", required_argument, NULL, OPT_MAX_OUTPUT},
    {"handshake-timeout", required_argument, NULL, OPT_HANDSHAKE_TIMEOUT},
    {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
    {"request-timeout", required_argument, NULL, OPT_REQUEST_TIMEOUT},
    {"max-depth", required_argument, NULL, OPT_MAX_DEPTH},
    {"max-key-length", required_argument, NULL, OPT_MAX_KEY_LENGTH},
    {"max-keys", required_argument, NULL, OPT_MAX_KEYS},
    {"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "ndb serve: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'ndb serve --help' for more information.\n");
    return 1;
}

/* Parse a decimal unsigned number in [lo, hi]; returns 0 on success. */
static int parse_num(const char *s, unsigned long long lo, unsigned long long hi, unsigned long long *v) {
    char *end;
    if (!*s || *s == '-' || *s == '+') return -1;
    errno = 0;
    *v = strtoull(s, &end, 10);
    return (errno || *end || *v < lo || *v > hi) ? -1 : 0;
}

/* A size: decimal bytes with an optional K, M or G suffix (powers of 1024),
 * in [lo, hi].  Returns 0 on success. */
static int parse_size(const char *s, unsigned long long lo, unsigned long long hi, unsigned long long *v) {
    char num[32];
    size_t n = strlen(s);
    unsigned shift = 0;
    if (n && strchr("kKmMgG", s[n - 1])) {
        shift = strchr("kK", s[n - 1]) ? 10 : strchr("mM", s[n - 1]) ? 20 : 30;
        n--;
    }
    if (n == 0 || n >= sizeof num) return -1;
    memcpy(num, s, n);
    num[n] = 0;
    if (parse_num(num, 0, ULLONG_MAX >> shift, v)) return -1;
    *v <<= shift;
    return *v < lo || *v > hi ? -1 : 0;
}

/* The limit options: name, range, size or count, field. */
static int apply_limit(ndb_config *cfg, int opt, const char *arg) {
    static const struct {
        int opt;
        const char *name;
        unsigned long long lo, hi;
        int is_size;
    } tab[] = {
        {OPT_MAX_CONNECTIONS, "--max-connections", 1, 1000000, 0},
        {OPT_MAX_OUTPUT, "--max-output", 65536, 1ULL << 40, 1},
        {OPT_HANDSHAKE_TIMEOUT, "--handshake-timeout", 1, 3600, 0},
        {OPT_IDLE_TIMEOUT, "--idle-timeout", 2, 86400, 0},
        {OPT_REQUEST_TIMEOUT, "--request-timeout", 1, 86400, 0},
        {OPT_MAX_DEPTH, "--max-depth", 1, JSON_MAX_DEPTH, 0},
        {OPT_MAX_KEY_LENGTH, "--max-key-length", 1, UINT32_MAX, 1},
        {OPT_MAX_KEYS, "--max-keys", 1, UINT32_MAX, 0},
        {OPT_MAX_MEMORY, "--max-memory", 0, 1ULL << 50, 1},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        if (tab[i].opt != opt) continue;
        unsigned long long v;
        if (tab[i].is_size ? parse_size(arg, tab[i].lo, tab[i].hi, &v) : parse_num(arg, tab[i].lo, tab[i].hi, &v)) {
            fprintf(stderr, "ndb serve: %s: '%s' must be %s from %llu to %llu\n", tab[i].name, arg,
                    tab[i].is_size ? "a size (bytes, or with a K/M/G suffix)" : "a number", tab[i].lo, tab[i].hi);
            fprintf(stderr, "Try 'ndb serve --help' for more information.\n");
            return 1;
        }
        switch (opt) {
        case OPT_MAX_CONNECTIONS: cfg->max_connections = (unsigned)v; break;
        case OPT_MAX_OUTPUT: cfg->max_output = (size_t)v; break;
        case OPT_HANDSHAKE_TIMEOUT: cfg->handshake_timeout_s = (unsigned)v; break;
        case OPT_IDLE_TIMEOUT: cfg->idle_timeout_s = (unsigned)v; break;
        case OPT_REQUEST_TIMEOUT: cfg->request_timeout_s = (unsigned)v; break;
        case OPT_MAX_DEPTH: cfg->max_depth = (unsigned)v; break;
        case OPT_MAX_KEY_LENGTH: cfg->max_key_length = (size_t)v; break;
        case OPT_MAX_KEYS: cfg->max_keys = (size_t)v; break;
        case OPT_MAX_MEMORY: cfg->max_memory = (size_t)v; break;
        }
        return 0;
    }
    return 0;
}

/* Apply one command-line option to cfg.  Returns 0, or 1 after printing. */
static int apply_option(ndb_config *cfg, int opt, const char *arg) {
    unsigned long long v;
    switch (opt) {
    case OPT_IP:
        if (!config_valid_ip(arg) || strlen(arg) >= sizeof cfg->ip)
            return usage_error("--ip: '%s' is not an IPv4 or IPv6 address literal", arg);
        strcpy(cfg->ip, arg);
        break;
    case OPT_PORT:
        if (parse_num(arg, 0, 65535, &v)) return usage_error("--port: '%s' is not a port number (0-65535)", arg);
        cfg->port = (unsigned)v;
        break;
    case OPT_MAX_PAYLOAD:
        if (parse_num(arg, NDB_MIN_MAX_PAYLOAD, NDB_MAX_MAX_PAYLOAD, &v))
            return usage_error("--max-payload: '%s' must be a number of bytes from 64 to 67108864", arg);
        cfg->max_payload = (size_t)v;
        break;
    case OPT_PERSIST_PATH:
        if (!*arg || strlen(arg) >= sizeof cfg->persist_path)
            return usage_error("--persist-path: '%s' is not a usable directory name", arg);
        strcpy(cfg->persist_path, arg);
        cfg->persist_enabled = 1;
        break;
    case OPT_SESSION_CHECK_MS:
        if (parse_num(arg, 1, 1000, &v))
            return usage_error("--session-check-ms: '%s' must be a number of milliseconds from 1 to 1000", arg);
        cfg->session_check_ms = (unsigned)v;
        break;
    case OPT_LOAD_NAME:
        if (!snapshot_name_ok(arg, strlen(arg)))
            return usage_error("--load-name: '%s': " SNAPSHOT_NAME_RULE, arg);
        strcpy(cfg->load_name, arg);
        cfg->load_requested = 1;
        break;
    case OPT_LOAD_PATH: {
        struct stat st;
        if (strlen(arg) >= sizeof cfg->load_path || stat(arg, &st) || !S_ISDIR(st.st_mode))
            return usage_error("--load-path: '%s' is not a directory", arg);
        strcpy(cfg->load_path, arg);
        cfg->load_path_set = 1;
        break;
    }
    case OPT_LOG_LEVEL: {
        int lv = log_level_parse(arg);
        if (lv < 0) return usage_error("--log-level: '%s' is not one of error, warn, info, debug", arg);
        cfg->log_level = lv;
        break;
    }
    default:
        return apply_limit(cfg, opt, arg);
    }
    return 0;
}

/* PROTOCOL 6.6: load a dataset before listening; any failure stops start-up.
 * --load-path alone (the 7.1 spelling) names the dataset directory itself. */
static int startup_load(ndb_server *srv) {
    ndb_config *c = &srv->cfg;
    char base[PATH_MAX], name[256], err[PATH_MAX + 512];
    if (!c->load_requested && !c->load_path_set) return 0;
    if (c->load_requested) {
        snprintf(base, sizeof base, "%s", c->load_path_set ? c->load_path : c->persist_path);
        snprintf(name, sizeof name, "%s", c->load_name);
    } else {
        char a[PATH_MAX], b[PATH_MAX];
        snprintf(a, sizeof a, "%s", c->load_path);
        snprintf(b, sizeof b, "%s", c->load_path);
        snprintf(base, sizeof base, "%s", dirname(a));
        snprintf(name, sizeof name, "%s", basename(b));
    }
    if (persist_startup_load(srv, base, name, err, sizeof err)) {
        fprintf(stderr, "ndb serve: cannot load '%s' from %s: %s\n", name, base, err);
        return -1;
    }
    return 0;
}

int cmd_serve(int argc, char **argv) {
    const char *config_file = NULL;
    struct {
        int opt;
        const char *arg;
    } overrides[64];
    int nover = 0, opt;

    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        if (opt == 'h') {
            fputs(serve_usage, stdout);
            return 0;
        }
        if (opt == '?') return usage_error("unknown option '%s'", argv[optind - 1]);
        if (opt == ':') return usage_error("option '%s' needs a value", argv[optind - 1]);
        if (opt == OPT_CONFIG) {
            if (config_file) return usage_error("--config given twice%s", "");
            config_file = optarg;
        } else if (nover < (int)(sizeof overrides / sizeof overrides[0])) {
            overrides[nover].opt = opt;
            overrides[nover++].arg = optarg;
        }
    }
    if (optind < argc) return usage_error("unexpected argument '%s'", argv[optind]);

    ndb_config cfg;
    char err[512];
    config_defaults(&cfg);
    if (config_file && config_load_file(&cfg, config_file, err, sizeof err)) {
        fprintf(stderr, "ndb serve: %s\n", err);
        return 1;
    }
    for (int i = 0; i < nover; i++)
        if (apply_option(&cfg, overrides[i].opt, overrides[i].arg)) return 1;
    log_threshold = (enum log_level)cfg.log_level;
    if (config_check_startup(&cfg, err, sizeof err)) {
        fprintf(stderr, "ndb serve: %s\n", err);
        return 1;
    }

    hash_seed_random();
    static ndb_server srv;
    server_init(&srv, &cfg);
    g_server = &srv;
    if (startup_load(&srv)) {
        server_free(&srv);
        return 1;
    }
    int rc = transport_run(&srv, server_tick, cfg.session_check_ms, err, sizeof err);
    if (rc) fprintf(stderr, "ndb serve: %s\n", err);
    server_free(&srv);
    g_server = NULL;
    return rc ? 1 : 0;
}
