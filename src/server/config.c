/*
 * config.c — defaults, the config file, and the start-up checks (see
 * config.h).  What the members are comes from the settings table: the
 * parser walks the document and looks every member up there.
 *
 * The file is read with ndb's own scanner: it accepts the comments config
 * files carry, and integers of any size, so an absurd port is reported as
 * a bad port rather than as invalid JSON.  The first error stops parsing.
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
#include "json/syntax_error.h"

/* The storage of setting s inside c. */
static void *field_of(ndb_config *c, const setting *s) { return (char *)c + s->offset; }

void config_defaults(ndb_config *c) {
    memset(c, 0, sizeof *c);
    for (int i = 1; i < S_COUNT; i++) {
        const setting *s = &settings_table[i];
        if (!s->def || !s->size) continue;
        if (setting_from_text(s, field_of(c, s), s->def, 0)) {
            /* a mistake in settings.def; test_config checks every default */
            fprintf(stderr, "ndb: settings.def: invalid default '%s' of %s\n", s->def,
                    s->member ? s->member : s->option);
            abort();
        }
    }
}

void config_free(ndb_config *c) {
    for (int i = 1; i < S_COUNT; i++) setting_release(&settings_table[i], field_of(c, &settings_table[i]));
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

/* One parse: the document, where messages go, and the member path being
 * looked at ("limits.maxMemory"). */
typedef struct cfgwalk {
    jdoc d;
    const char *file;
    char *err;
    size_t errlen;
    ndb_config *cfg;
    strbuf path;
} cfgwalk;

/* "config FILE: " + msg + the member path, printable (a control character
 * in a member name must not break the message's one line). */
static int fail_member(cfgwalk *w, const char *before, const char *after) {
    strbuf name = STRBUF_INIT, q = STRBUF_INIT;
    sb_add_json_string(&q, w->path.buf, w->path.len);
    sb_add(&name, q.buf + 1, q.len - 2); /* without the quotes */
    snprintf(w->err, w->errlen, "config %s: %s'%s'%s", w->file, before, name.buf, after);
    sb_free(&name);
    sb_free(&q);
    return -1;
}

/* When the value's JSON type is not the setting's, say which it is: a
 * quoted "22033" or "true" reads as the right value and the range alone
 * did not tell what is wrong. */
static void type_note(const setting *s, const jtok *t, strbuf *msg) {
    static const char *const kind[] = {[JT_NULL] = "null",     [JT_FALSE] = "true or false",
                                       [JT_TRUE] = "true or false", [JT_NUMBER] = "a number",
                                       [JT_STRING] = "a string", [JT_ARRAY] = "an array",
                                       [JT_OBJECT] = "an object"};
    int number = s->type == ST_UINT || s->type == ST_SIZE, boolean = s->type == ST_BOOL;
    int text = s->type == ST_STRING || s->type == ST_PATH || s->type == ST_IP || s->type == ST_ENUM;
    if (t->type == JT_STRING && (number || boolean))
        sb_addf(msg, " (a string here: write %s without quotes%s)",
                s->type == ST_SIZE ? "the number of bytes" : number ? "the number" : "true or false",
                s->type == ST_SIZE ? " and without a K/M/G/T suffix" : "");
    else if (text && t->type != JT_STRING)
        sb_addf(msg, " (%s here: a string is written in quotes)", kind[t->type]);
}

/* Apply the value token t of setting s. */
static int apply_member(cfgwalk *w, const setting *s, const jtok *t) {
    if (s->type == ST_OBSOLETE) {
        /* warned of by config_check_startup, once the log level (which
         * the command line or a later member may set) is known */
    } else if (setting_from_json(s, field_of(w->cfg, s), &w->d, t)) {
        char suffix[128], said[512];
        if (setting_custom_error_take(suffix, sizeof suffix, said, sizeof said)) {
            sb_adds(&w->path, suffix); /* the member inside the value that is wrong */
            return fail_member(w, "", said);
        }
        strbuf msg = STRBUF_INIT;
        SB_ADD_LIT(&msg, " must be ");
        setting_expect(s, 0, &msg);
        type_note(s, t, &msg);
        fail_member(w, "", msg.buf);
        sb_free(&msg);
        return -1;
    }
    w->cfg->origin[s->id] = ORIGIN_FILE;
    return 0;
}

/* The member path of the setting whose own name (after the last '.') is
 * name[0..n), such as "tls.cert" for "cert": a member written in the wrong
 * object is better pointed to its place than to the nearest spelling
 * ("cert" is two letters from "core").  NULL if there is none. */
static const char *member_named(const char *name, size_t n) {
    for (int i = 1; i < S_COUNT; i++) {
        const char *m = settings_table[i].member, *last;
        if (!m) continue;
        last = strrchr(m, '.') ? strrchr(m, '.') + 1 : m;
        if (strlen(last) == n && !memcmp(last, name, n)) return m;
    }
    return NULL;
}

/* The hint for a member spelt as s's option ("loginTimeout" for
 * --login-timeout): a file written from the options' names would
 * otherwise get no suggestion, its names being too far from the members'. */
static void other_spelling(const setting *s, int negated, char *after, size_t len) {
    if (s->member && negated) /* "noConsole": true would mean "console": false */
        snprintf(after, len, " (did you mean '%s', with the opposite value?)", s->member);
    else if (s->member) snprintf(after, len, " (did you mean '%s'?)", s->member);
    else snprintf(after, len, " (--%s is a command-line option only)", s->option);
}

/* Check and apply every member of the object at token obj, whose path is
 * w->path (empty at the top).  Recursion follows the settings' groups, so
 * it is as deep as the deepest member path of the table. */
static int walk_object(cfgwalk *w, uint32_t obj) {
    size_t base = w->path.len;
    uint32_t k = obj + 1;
    for (uint32_t i = 0; i < w->d.toks[obj].count; i++, k = w->d.toks[k + 1].next) {
        const jtok *key = &w->d.toks[k], *val = &w->d.toks[k + 1];
        w->path.len = base;
        if (base) sb_addc(&w->path, '.');
        size_t start = w->path.len;
        jstr_decode(&w->d, key, &w->path);
        sb_grow(&w->path, 0);
        const char *name = w->path.buf + start;
        size_t namelen = w->path.len - start;
        int plain = !memchr(name, '.', namelen) && !memchr(name, 0, namelen);
        const setting *s = plain ? settings_by_member(w->path.buf, w->path.len) : NULL;
        if (s) {
            if (apply_member(w, s, val)) return -1;
        } else if (plain && settings_is_group(w->path.buf, w->path.len)) {
            if (val->type != JT_OBJECT) return fail_member(w, "", " must be an object");
            if (walk_object(w, k + 1)) return -1;
        } else {
            char sug[128], after[160] = "";
            const setting *other;
            int negated;
            const char *home = plain ? member_named(name, namelen) : NULL;
            settings_suggest(w->path.buf, 1, sug, sizeof sug);
            if (memchr(name, '.', namelen)) snprintf(after, sizeof after, " (member names have no '.': nest objects instead)");
            else if (home && !strchr(home, '.')) snprintf(after, sizeof after, " (did you mean '%s', at the top level?)", home);
            else if (home) snprintf(after, sizeof after, " (did you mean '%s'?)", home);
            else if (plain && (other = settings_by_other_spelling(name, namelen, 1, &negated)))
                other_spelling(other, negated, after, sizeof after);
            else if (sug[0]) snprintf(after, sizeof after, " (did you mean '%s'?)", sug);
            return fail_member(w, "unknown member ", after);
        }
    }
    w->path.len = base;
    return 0;
}

/* Refuse a member named twice in one object, anywhere in the file (w->path
 * receives its path).  JSON leaves repeats undefined: the server would keep
 * the first, while jq, Python and editors show the last, so a file that
 * reads as "role": "read" or with TLS on could start as admin or plain ws://. */
static int find_repeat(cfgwalk *w, uint32_t t) {
    const jtok *tok = &w->d.toks[t];
    size_t base = w->path.len;
    if (tok->type == JT_ARRAY) {
        uint32_t e = t + 1;
        for (uint32_t i = 0; i < tok->count; i++, e = w->d.toks[e].next) {
            w->path.len = base;
            sb_addf(&w->path, "[%u]", i);
            if (find_repeat(w, e)) return -1;
        }
    } else if (tok->type == JT_OBJECT) {
        uint32_t k = t + 1;
        for (uint32_t i = 0; i < tok->count; i++, k = w->d.toks[k + 1].next) {
            w->path.len = base;
            if (base) sb_addc(&w->path, '.');
            size_t start = w->path.len;
            jstr_decode(&w->d, &w->d.toks[k], &w->path);
            sb_grow(&w->path, 0);
            if (jobj_get(&w->d, t, w->path.buf + start, w->path.len - start) != k + 1)
                return fail_member(w, "", " is given twice (JSON tools disagree on which one counts: keep one)");
            if (find_repeat(w, k + 1)) return -1;
        }
    }
    w->path.len = base;
    return 0;
}

/* JSON's white space.  Not strchr(" \t\r\n", c), which also matches a NUL. */
static int blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Is text[0..len) all white space?  (text need not end with a NUL.) */
static int all_blank(const char *text, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (!blank(text[i])) return 0;
    return 1;
}

/* Where the parser stopped at byte pos, as an editor shows it (line and
 * column, from 1; columns count characters), what it found there, and a
 * hint for the two slips that JSON refuses and config files invite: a
 * comma before '}' or ']', and single quotes.  A byte offset alone sends a
 * newcomer counting characters through the file.  text starts `skipped`
 * bytes into the file (after a byte-order mark). */
static void describe_stop(const char *text, size_t len, size_t pos, size_t skipped, char *out, size_t outlen) {
    size_t line = 1, col = 1;
    if (pos > len) pos = len;
    for (size_t i = 0; i < pos; i++) {
        if (text[i] == '\n') line++, col = 1;
        else if (((unsigned char)text[i] & 0xc0) != 0x80) col++;
    }
    int n = snprintf(out, outlen, "line %zu, column %zu (byte %zu): ", line, col, pos + skipped);
    if (n < 0 || (size_t)n >= outlen) return;
    out += n, outlen -= (size_t)n;
    if (pos == len) {
        snprintf(out, outlen, all_blank(text, len)
                                  ? "the file is empty (it must hold one JSON object, such as {\"port\": 1988})"
                                  : "the file ends before the object is complete (an unclosed '{', '[', string "
                                    "or comment)");
        return;
    }
    if (pos == 0 && len >= 2 && (!memcmp(text, "\xff\xfe", 2) || !memcmp(text, "\xfe\xff", 2))) {
        snprintf(out, outlen, "the file is UTF-16 (it starts with a UTF-16 byte-order mark): save it as UTF-8");
        return;
    }
    /* the parser stops at a bracket opening a level past its depth, where
     * the bracket itself is valid JSON */
    if (json_text_deeper_at(text, pos + 1, JSON_MAX_DEPTH) == pos) {
        snprintf(out, outlen, "arrays and objects nested deeper than %d levels", JSON_MAX_DEPTH);
        return;
    }
    json_describe_unexpected(out, outlen, text, len, pos, "");
}

int config_parse_text(ndb_config *cfg, const char *text, size_t len, const char *name, char *err,
                      size_t errlen) {
    cfgwalk w = {JDOC_INIT, name, err, errlen, cfg, STRBUF_INIT};
    int rc = -1;
    size_t pos = 0;
    /* A UTF-8 byte-order mark, as editors on Windows write, is skipped
     * (RFC 8259 8.1 lets a parser ignore it). */
    size_t bom = len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;
    if (jdoc_parse(&w.d, text + bom, len - bom, &pos)) {
        char where[256];
        describe_stop(text + bom, len - bom, pos, bom, where, sizeof where);
        snprintf(err, errlen, "config %s: Config file not valid JSON at %s", name, where);
    } else if (w.d.toks[0].type != JT_OBJECT) {
        snprintf(err, errlen, "config %s: Config file not valid JSON (the top level must be an object)", name);
    } else if (find_repeat(&w, 0) == 0) {
        w.path.len = 0;
        rc = walk_object(&w, 0);
    }
    jdoc_free(&w.d);
    sb_free(&w.path);
    return rc;
}

int config_load_file(ndb_config *cfg, const char *path, char *err, size_t errlen) {
    strbuf raw = STRBUF_INIT;
    int rc = -1;
    if (!*path) { /* --config= : "cannot read config file : No such file" named nothing */
        snprintf(err, errlen, "the config file's name is empty");
        return -1;
    }
    if (read_file(path, &raw, err, errlen) == 0)
        rc = config_parse_text(cfg, raw.buf ? raw.buf : "", raw.len, path, err, errlen);
    sb_free(&raw);
    return rc;
}

/* The persist directory exists and a file can be created in it. */
static int check_persist_path(const ndb_config *c, const char *src, char *err, size_t errlen) {
    struct stat st;
    if (!c->persist_path[0]) {
        snprintf(err, errlen, "persist enabled but path is empty (%s)", src);
        return -1;
    }
    if (stat(c->persist_path, &st) && errno != ENOENT && errno != ENOTDIR) { /* EACCES: it may well exist */
        snprintf(err, errlen, "cannot use persist path %s: %s (%s)", c->persist_path, strerror(errno), src);
        return -1;
    }
    if (stat(c->persist_path, &st) || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "persist path is not a directory or does not exist: %s (%s)", c->persist_path, src);
        return -1;
    }
    /* a name no other file has: one named after the pid, left by a server
     * killed in this instant, failed the start of a later server given the
     * same pid (always 1 in a container) with "File exists" */
    char probe[PATH_MAX + 32];
    snprintf(probe, sizeof probe, "%s/.ndb-write-test-XXXXXX", c->persist_path);
    int fd = mkstemp(probe); /* closed at once: no exec can inherit it */
    if (fd < 0 || close(fd) || unlink(probe)) {
        snprintf(err, errlen, "cannot write to persist path %s: %s (%s)", c->persist_path, strerror(errno), src);
        return -1;
    }
    return 0;
}

int config_check_startup(const ndb_config *c, char *err, size_t errlen) {
    for (int i = 1; i < S_COUNT; i++)
        if (settings_table[i].type == ST_OBSOLETE && c->origin[i] == ORIGIN_FILE)
            log_warn("config %s: '%s' is obsolete and ignored (%s)", c->config_file, settings_table[i].member,
                     settings_table[i].help);
    char src[96];
    setting_source_name(&settings_table[S_PERSIST_PATH], c->origin[S_PERSIST_PATH], src, sizeof src);
    if (c->persist_enabled && check_persist_path(c, src, err, errlen)) return -1;
    /* A start-up load reads from --load-path, else from the persist path
     * (docs/protocol.md 6.6) -- but not from a default ./data nobody asked for. */
    int persist_chosen = c->persist_path[0] && (c->persist_enabled || c->origin[S_PERSIST_PATH] != ORIGIN_DEFAULT);
    if (c->load_name[0] && !c->load_path[0] && !persist_chosen) {
        snprintf(err, errlen,
                 "--load-name needs --load-path or a persist path (--persist-path, or persist.path in the "
                 "config file)");
        return -1;
    }
    /* An answer holds a stored value and a few dozen bytes around it (the
     * KV_GET_RSP envelope; the value's key was in the request too), so it can
     * be about 64 bytes more than the request that stored the value.  With
     * maxOutputBytes not above that, a value stored near maxPayload can never
     * be read back: its answer closes the connection with 1008. */
    if (c->max_output < c->max_payload + 64)
        log_warn("limits.maxOutputBytes (%zu) is not above limits.maxPayload (%zu) plus 64 bytes: a value stored "
                 "near maxPayload cannot be read back (its answer closes the connection with 1008); raise "
                 "--max-output or lower --max-payload",
                 c->max_output, c->max_payload);
    /* The same for all connections' output together: an answer that alone
     * passes maxTotalOutputBytes drops its connection as it is queued, so
     * below maxPayload plus 64 a client that reads every answer at once
     * still cannot read back a value stored near maxPayload. */
    if (c->max_total_output && c->max_total_output < c->max_payload + 64)
        log_warn("limits.maxTotalOutputBytes (%zu) is not above limits.maxPayload (%zu) plus 64 bytes: a value "
                 "stored near maxPayload cannot be read back (its answer drops the connection); raise "
                 "--max-total-output or lower --max-payload",
                 c->max_total_output, c->max_payload);
    /* The total is checked as answers are queued, before the turn writes
     * any: a client pipelining requests is read until its queue passes
     * outputHighWater, so one answer more than that is queued at once, and
     * below it a client that reads every answer is dropped all the same. */
    else if (c->max_total_output && c->max_total_output < c->out_high_water + c->max_payload + 64)
        log_warn("limits.maxTotalOutputBytes (%zu) is below limits.outputHighWater (%zu) plus maxPayload (%zu) "
                 "and 64 bytes: a client pipelining requests for big values queues that much before any of it is "
                 "written, and is dropped though it reads its answers; raise --max-total-output or lower "
                 "--output-high-water",
                 c->max_total_output, c->out_high_water, c->max_payload);
    /* A watcher that stops reading is sent "overflow" once its unread output
     * passes watchOutputBytes, and closed once it passes maxOutputBytes: with
     * the first not below the second the overflow never comes, and such a
     * watcher is cut off without learning that it should watch anew. */
    if (c->watch_output >= c->max_output)
        log_warn("limits.watchOutputBytes (%zu) is not below limits.maxOutputBytes (%zu): a watcher that stops "
                 "reading is disconnected at maxOutputBytes instead of being sent an overflow event; lower --watch-output "
                 "or raise --max-output",
                 c->watch_output, c->max_output);
    if (c->out_high_water >= c->max_output)
        log_warn("limits.outputHighWater (%zu) is not below limits.maxOutputBytes (%zu): a client that stops reading "
                 "is disconnected before back-pressure stops reading its requests; lower --output-high-water or raise "
                 "--max-output",
                 c->out_high_water, c->max_output);
    return 0;
}
