/*
 * config.c — config file parsing and validation (see config.h).
 *
 * The file is read with ndb's own scanner (it accepts the comments config
 * files carry and integers of any size, so an absurd port is reported as a
 * bad port rather than as invalid JSON).  Checks run in the order of
 * PROTOCOL.md 7.2 and stop at the first failure.
 */
#include "server/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "json/scan.h"

void config_defaults(ndb_config *c) {
    memset(c, 0, sizeof *c);
    strcpy(c->ip, "127.0.0.1");
    c->port = NDB_DEFAULT_PORT;
    c->max_payload = NDB_DEFAULT_MAX_PAYLOAD;
    strcpy(c->persist_path, "./data");
    c->log_level = LOG_INFO;
    c->session_check_ms = 1000;
    c->token_bits = 53;
    c->out_high_water = 1024 * 1024;
    c->out_stall_timeout_s = 60;
    c->max_connections = NDB_DEFAULT_MAX_CONNECTIONS;
    c->max_output = NDB_DEFAULT_MAX_OUTPUT;
    c->handshake_timeout_s = NDB_DEFAULT_HANDSHAKE_TIMEOUT;
    c->idle_timeout_s = NDB_DEFAULT_IDLE_TIMEOUT;
    c->request_timeout_s = NDB_DEFAULT_REQUEST_TIMEOUT;
    c->max_depth = JSON_MAX_DEPTH;
    c->max_key_length = NDB_DEFAULT_MAX_KEY_LENGTH;
    c->max_keys = NDB_DEFAULT_MAX_KEYS;
    c->max_memory = 0;
}

int config_valid_ip(const char *s) {
    unsigned char buf[16];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static int read_file(const char *path, strbuf *out, char *err, size_t errlen) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot read config file %s: %s", path, strerror(errno));
        return -1;
    }
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        sb_add(out, buf, (size_t)n);
        if (out->len > 16 * 1024 * 1024) {
            snprintf(err, errlen, "config file %s is larger than 16 MiB", path);
            close(fd);
            return -1;
        }
    }
    int e = errno;
    close(fd);
    if (n < 0) {
        snprintf(err, errlen, "cannot read config file %s: %s", path, strerror(e));
        return -1;
    }
    return 0;
}

/* Member lookup helpers over the parsed config document. */
typedef struct cfgdoc {
    jdoc d;
    const char *file;
    char *err;
    size_t errlen;
} cfgdoc;

static const jtok *member(cfgdoc *c, uint32_t obj, const char *name) {
    uint32_t i = jobj_get(&c->d, obj, name, strlen(name));
    return i ? &c->d.toks[i] : NULL;
}

static int fail(cfgdoc *c, const char *msg) {
    snprintf(c->err, c->errlen, "config %s: %s", c->file, msg);
    return -1;
}

/* uint member: absent → 1 (leave *v), valid → 0, wrong type → -1 */
static int get_uint(cfgdoc *c, uint32_t obj, const char *name, uint64_t *v) {
    const jtok *t = member(c, obj, name);
    if (!t) return 1;
    return jnum_to_u64(&c->d, t, v) ? -1 : 0;
}

static int copy_string(cfgdoc *c, const jtok *t, char *dst, size_t cap) {
    strbuf s = STRBUF_INIT;
    jstr_decode(&c->d, t, &s);
    int ok = s.len < cap && memchr(s.buf ? s.buf : "", 0, s.len) == NULL;
    if (ok) memcpy(dst, s.buf ? s.buf : "", s.len + 1);
    sb_free(&s);
    return ok ? 0 : -1;
}

static int parse_core_members(cfgdoc *c, ndb_config *cfg) {
    uint64_t v;
    int r = get_uint(c, 0, "version", &v);
    if (r) return fail(c, "Require version as an unsigned int (field 'version')");
    if (v != 5) return fail(c, "Config version must be 5 (field 'version')");
    r = get_uint(c, 0, "core", &v);
    if (r < 0) return fail(c, "'core' must be an unsigned integer");
    if (r == 0) cfg->core = v > 1024 ? 0 : (unsigned)v; /* pinning is advisory in ndb */

    const jtok *ip = member(c, 0, "ip"), *port = member(c, 0, "port"),
               *mp = member(c, 0, "maxPayload");
    if (!ip || !port || !mp)
        return fail(c, "Require ip, port, maxPayload and persist (fields 'ip', 'port', 'maxPayload')");
    uint64_t pv, mv;
    if (ip->type != JT_STRING || jnum_to_u64(&c->d, port, &pv) || jnum_to_u64(&c->d, mp, &mv))
        return fail(c, "ip must be a string, port and maxPayload must be unsigned integers");
    if (copy_string(c, ip, cfg->ip, sizeof cfg->ip) || !config_valid_ip(cfg->ip))
        return fail(c, "'ip' must be an IPv4 or IPv6 address literal");
    if (pv < 1 || pv > 65535) return fail(c, "'port' must be between 1 and 65535");
    cfg->port = (unsigned)pv;
    if (mv < NDB_MIN_MAX_PAYLOAD) return fail(c, "maxPayload below minimum of 64 (field 'maxPayload')");
    if (mv > NDB_MAX_MAX_PAYLOAD)
        return fail(c, "maxPayload exceeds maximum of 67108864 (field 'maxPayload')");
    cfg->max_payload = (size_t)mv;
    return 0;
}

static int parse_persist(cfgdoc *c, ndb_config *cfg) {
    uint32_t pi = jobj_get(&c->d, 0, "persist", 7);
    if (!pi || c->d.toks[pi].type != JT_OBJECT)
        return fail(c, "Require persist object with 'path' and 'enabled' (field 'persist')");
    const jtok *path = member(c, pi, "path"), *en = member(c, pi, "enabled");
    if (!path || path->type != JT_STRING ||
        copy_string(c, path, cfg->persist_path, sizeof cfg->persist_path))
        return fail(c, "persist::path must be a string (field 'persist.path')");
    if (!en || (en->type != JT_TRUE && en->type != JT_FALSE))
        return fail(c, "persist::enabled must be a bool (field 'persist.enabled')");
    cfg->persist_enabled = en->type == JT_TRUE;
    if (cfg->persist_enabled && !cfg->persist_path[0])
        return fail(c, "persist enabled but path is empty (field 'persist.path')");
    return 0;
}

/* One optional uint member of `limits` within [lo, hi]; absent leaves *dst. */
static int limit_member(cfgdoc *c, uint32_t li, const char *name, uint64_t lo, uint64_t hi, uint64_t *dst) {
    uint64_t v;
    int r = get_uint(c, li, name, &v);
    if (r > 0) return 0;
    if (r < 0 || v < lo || v > hi) {
        char msg[160];
        snprintf(msg, sizeof msg, "'limits.%s' must be an integer from %llu to %llu", name,
                 (unsigned long long)lo, (unsigned long long)hi);
        return fail(c, msg);
    }
    *dst = v;
    return 0;
}

/* The `limits` object (all members optional; README "Limits"). */
static int parse_limits(cfgdoc *c, uint32_t li, ndb_config *cfg) {
    struct {
        const char *name;
        uint64_t lo, hi;
        int is_size; /* 1: size_t field, 0: unsigned field */
        void *field;
    } tab[] = {
        {"outputHighWater", 1024, (uint64_t)1 << 32, 1, &cfg->out_high_water},
        {"outputStallTimeoutSec", 1, 86400, 0, &cfg->out_stall_timeout_s},
        {"maxConnections", 1, 1000000, 0, &cfg->max_connections},
        {"maxOutputBytes", 65536, (uint64_t)1 << 40, 1, &cfg->max_output},
        {"handshakeTimeoutSec", 1, 3600, 0, &cfg->handshake_timeout_s},
        {"idleTimeoutSec", 2, 86400, 0, &cfg->idle_timeout_s},
        {"requestTimeoutSec", 1, 86400, 0, &cfg->request_timeout_s},
        {"maxDepth", 1, JSON_MAX_DEPTH, 0, &cfg->max_depth},
        {"maxKeyLength", 1, UINT32_MAX, 1, &cfg->max_key_length},
        {"maxKeysPerRequest", 1, UINT32_MAX, 1, &cfg->max_keys},
        {"maxMemory", 0, (uint64_t)1 << 50, 1, &cfg->max_memory},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        uint64_t v = tab[i].is_size ? *(size_t *)tab[i].field : *(unsigned *)tab[i].field;
        if (limit_member(c, li, tab[i].name, tab[i].lo, tab[i].hi, &v)) return -1;
        if (tab[i].is_size) *(size_t *)tab[i].field = (size_t)v;
        else *(unsigned *)tab[i].field = (unsigned)v;
    }
    return 0;
}

/* ndb's own members: logLevel, sessions.{tokenBits,checkIntervalMs},
 * limits.* (parse_limits).  All optional. */
static int parse_ndb_members(cfgdoc *c, ndb_config *cfg) {
    const jtok *ll = member(c, 0, "logLevel");
    if (ll) {
        char s[16];
        int lv;
        if (ll->type != JT_STRING || copy_string(c, ll, s, sizeof s) || (lv = log_level_parse(s)) < 0)
            return fail(c, "'logLevel' must be one of \"error\", \"warn\", \"info\", \"debug\"");
        cfg->log_level = lv;
    }
    uint32_t si = jobj_get(&c->d, 0, "sessions", 8);
    if (si) {
        uint64_t v;
        if (c->d.toks[si].type != JT_OBJECT) return fail(c, "'sessions' must be an object");
        int r = get_uint(c, si, "tokenBits", &v);
        if (r < 0 || (r == 0 && v != 53 && v != 64))
            return fail(c, "'sessions.tokenBits' must be 53 or 64");
        if (r == 0) cfg->token_bits = (unsigned)v;
        r = get_uint(c, si, "checkIntervalMs", &v);
        if (r < 0 || (r == 0 && (v < 1 || v > 1000)))
            return fail(c, "'sessions.checkIntervalMs' must be an integer from 1 to 1000");
        if (r == 0) cfg->session_check_ms = (unsigned)v;
    }
    uint32_t li = jobj_get(&c->d, 0, "limits", 6);
    if (li) {
        if (c->d.toks[li].type != JT_OBJECT) return fail(c, "'limits' must be an object");
        return parse_limits(c, li, cfg);
    }
    return 0;
}

int config_parse_text(ndb_config *cfg, const char *text, size_t len, const char *name, char *err,
                      size_t errlen) {
    cfgdoc c = {JDOC_INIT, name, err, errlen};
    int rc = -1;
    size_t pos = 0;
    if (jdoc_parse(&c.d, text, len, &pos)) {
        snprintf(err, errlen, "config %s: Config file not valid JSON (at byte %zu)", name, pos);
        goto out;
    }
    if (c.d.toks[0].type != JT_OBJECT) {
        fail(&c, "Config file not valid JSON (the top level must be an object)");
        goto out;
    }
    if (parse_core_members(&c, cfg) || parse_persist(&c, cfg) || parse_ndb_members(&c, cfg)) goto out;
    rc = 0;
out:
    jdoc_free(&c.d);
    return rc;
}

int config_load_file(ndb_config *cfg, const char *path, char *err, size_t errlen) {
    strbuf raw = STRBUF_INIT;
    int rc = -1;
    if (read_file(path, &raw, err, errlen) == 0)
        rc = config_parse_text(cfg, raw.buf ? raw.buf : "", raw.len, path, err, errlen);
    sb_free(&raw);
    return rc;
}

int config_check_startup(const ndb_config *c, char *err, size_t errlen) {
    if (!c->persist_enabled) return 0;
    struct stat st;
    if (stat(c->persist_path, &st) || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "persist path is not a directory or does not exist: %s (field 'persist.path')",
                 c->persist_path);
        return -1;
    }
    char probe[PATH_MAX + 32];
    snprintf(probe, sizeof probe, "%s/.ndb-write-test-%ld", c->persist_path, (long)getpid());
    int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || close(fd) || unlink(probe)) {
        snprintf(err, errlen, "Failed test write to persist path %s: %s (field 'persist.path')",
                 c->persist_path, strerror(errno));
        return -1;
    }
    return 0;
}
