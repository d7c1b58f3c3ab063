/*
 * settings_value.c — the setting types: parsing a value from option text
 * or from a config-file token, range checks, storing it in its field,
 * saying what a valid value is, and formatting it for the log (see
 * settings.h for the list of types).
 *
 * A value is parsed completely before anything is stored, so a field is
 * never left half-written by an invalid value.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json/scan.h"
#include "server/config.h"
#include "server/settings.h"

/* Decimal digits only (no sign, no blanks) that fit in 64 bits.  0 or -1. */
static int parse_u64(const char *s, uint64_t *v) {
    uint64_t x = 0;
    if (!*s) return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return -1;
        unsigned d = (unsigned)(*s - '0');
        if (x > (UINT64_MAX - d) / 10) return -1;
        x = x * 10 + d;
    }
    *v = x;
    return 0;
}

/* A size: decimal bytes with an optional K, M, G or T suffix (either case,
 * powers of 1024).  0 or -1 (also when it does not fit in 64 bits). */
static int parse_size(const char *s, uint64_t *v) {
    static const char suffixes[] = "kmgt";
    char num[32];
    size_t n = strlen(s);
    unsigned shift = 0;
    const char *suf = n ? strchr(suffixes, s[n - 1] | 0x20) : NULL;
    if (suf && *suf) {
        shift = 10 * (unsigned)(suf - suffixes + 1);
        n--;
    }
    if (n == 0 || n >= sizeof num) return -1;
    memcpy(num, s, n);
    num[n] = 0;
    if (parse_u64(num, v) || *v > UINT64_MAX >> shift) return -1;
    *v <<= shift;
    return 0;
}

/* The lowest valid number: SF_CLI_ZERO lets the command line go to 0. */
static uint64_t lowest(const setting *s, int cli) { return cli && (s->flags & SF_CLI_ZERO) ? 0 : s->lo; }

/* Range-check v and store it in the unsigned field of s (4 or 8 bytes;
 * no field: checked only). */
static int store_number(const setting *s, void *field, uint64_t v, int cli) {
    if (v < lowest(s, cli) || v > s->hi) return -1;
    if (s->size == sizeof(uint32_t)) {
        if (v > UINT32_MAX) return -1;
        uint32_t x = (uint32_t)v;
        memcpy(field, &x, sizeof x);
    } else if (s->size == sizeof(uint64_t)) {
        memcpy(field, &v, sizeof v);
    }
    return 0;
}

/* Read back the unsigned field of s. */
static uint64_t load_number(const setting *s, const void *field) {
    if (s->size == sizeof(uint32_t)) {
        uint32_t x;
        memcpy(&x, field, sizeof x);
        return x;
    }
    uint64_t v = 0;
    if (s->size == sizeof(uint64_t)) memcpy(&v, field, sizeof v);
    return v;
}

/* Copy text into the char array field of s, if it fits. */
static int store_string(const setting *s, void *field, const char *text) {
    size_t n = strlen(text);
    if (n >= s->size) return -1;
    memcpy(field, text, n + 1);
    return 0;
}

static int is_directory(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Append an owned copy of item to the list. */
static void list_add(ndb_strlist *l, const char *item) {
    char **items = realloc(l->items, (l->n + 1) * sizeof *items);
    char *copy = strdup(item);
    if (!items || !copy) abort(); /* as strbuf does: no way to go on */
    items[l->n++] = copy;
    l->items = items;
}

static void list_free(ndb_strlist *l) {
    for (size_t i = 0; i < l->n; i++) free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

int setting_from_text(const setting *s, void *field, const char *text, int cli) {
    uint64_t v;
    switch (s->type) {
    case ST_UINT:
        return parse_u64(text, &v) ? -1 : store_number(s, field, v, cli);
    case ST_SIZE:
        return parse_size(text, &v) ? -1 : store_number(s, field, v, cli);
    case ST_BOOL:
        if (strcmp(text, "true") && strcmp(text, "false")) return -1;
        *(int *)field = strcmp(text, "true") == 0;
        return 0;
    case ST_STRING:
        if (s->check && !s->check(text)) return -1;
        return store_string(s, field, text);
    case ST_PATH:
        if ((s->flags & SF_EXISTING_DIR) && !is_directory(text)) return -1;
        return store_string(s, field, text);
    case ST_IP:
        return config_valid_ip(text) ? store_string(s, field, text) : -1;
    case ST_ENUM:
        for (int i = 0; s->words[i]; i++) {
            if (strcmp(s->words[i], text) == 0) {
                *(int *)field = i;
                return 0;
            }
        }
        return -1;
    case ST_LIST:
        if (s->check && !s->check(text)) return -1;
        list_add(field, text);
        return 0;
    case ST_CUSTOM:
        return s->custom->from_text(s, field, text);
    case ST_OBSOLETE:
        return 0;
    }
    return -1;
}

/* Decode string token t into out; -1 if it is not a string or holds a
 * NUL (which no C string setting can keep). */
static int decode_string(const jdoc *d, const jtok *t, strbuf *out) {
    if (t->type != JT_STRING) return -1;
    sb_reset(out);
    jstr_decode(d, t, out);
    sb_grow(out, 0);
    return memchr(out->buf, 0, out->len) ? -1 : 0;
}

/* A LIST from a JSON array of strings: built aside, then swapped in. */
static int list_from_json(const setting *s, ndb_strlist *field, const jdoc *d, const jtok *t) {
    if (t->type != JT_ARRAY) return -1;
    ndb_strlist l = {NULL, 0};
    strbuf item = STRBUF_INIT;
    int rc = 0;
    const jtok *end = d->toks + t->next;
    size_t i = 0;
    for (const jtok *e = t + 1; e < end; e = d->toks + e->next, i++) {
        int not_string = decode_string(d, e, &item);
        if (not_string || (s->check && !s->check(item.buf))) {
            /* name the item, and what it holds when it is a string */
            char at[32];
            snprintf(at, sizeof at, "[%zu]", i);
            strbuf shown = STRBUF_INIT;
            if (!not_string) {
                SB_ADD_LIT(&shown, " (");
                sb_add_json_string(&shown, item.buf, utf8_cut(item.buf, item.len, 100));
                sb_addc(&shown, ')');
            }
            setting_custom_error(at, "%s must be %s", shown.buf ? shown.buf : "", s->noun ? s->noun : "a string");
            sb_free(&shown);
            rc = -1;
            break;
        }
        list_add(&l, item.buf);
    }
    sb_free(&item);
    if (rc) {
        list_free(&l);
        return -1;
    }
    list_free(field);
    *field = l;
    return 0;
}

int setting_from_json(const setting *s, void *field, const jdoc *d, const jtok *t) {
    uint64_t v;
    switch (s->type) {
    case ST_UINT:
    case ST_SIZE:
        if (t->type != JT_NUMBER || jnum_to_u64(d, t, &v)) return -1;
        return store_number(s, field, v, 0);
    case ST_BOOL:
        if (t->type != JT_TRUE && t->type != JT_FALSE) return -1;
        *(int *)field = t->type == JT_TRUE;
        return 0;
    case ST_STRING:
    case ST_PATH:
    case ST_IP:
    case ST_ENUM: {
        strbuf text = STRBUF_INIT;
        int rc = decode_string(d, t, &text) ? -1 : setting_from_text(s, field, text.buf, 0);
        sb_free(&text);
        return rc;
    }
    case ST_LIST:
        return list_from_json(s, field, d, t);
    case ST_CUSTOM:
        return s->custom->from_json(s, field, d, t);
    case ST_OBSOLETE:
        return 0;
    }
    return -1;
}

void setting_expect(const setting *s, int cli, strbuf *out) {
    unsigned long long lo = lowest(s, cli), hi = s->hi;
    switch (s->type) {
    case ST_UINT:
        if (lo == hi) sb_addf(out, "%llu", lo);
        else if (s->unit) sb_addf(out, "a number of %s from %llu to %llu", s->unit, lo, hi);
        else sb_addf(out, "an integer from %llu to %llu", lo, hi);
        break;
    case ST_SIZE:
        if (cli) sb_addf(out, "a size (bytes, or with a K/M/G/T suffix) from %llu to %llu", lo, hi);
        else sb_addf(out, "a number of bytes from %llu to %llu", lo, hi);
        break;
    case ST_BOOL:
        sb_adds(out, "true or false");
        break;
    case ST_STRING:
        if (s->noun) sb_adds(out, s->noun);
        else sb_addf(out, "a string of at most %zu bytes", s->size - 1);
        break;
    case ST_PATH:
        if (s->flags & SF_EXISTING_DIR) sb_adds(out, "an existing directory");
        else sb_addf(out, "a directory name of at most %zu bytes", s->size - 1);
        break;
    case ST_IP:
        sb_adds(out, "an IPv4 or IPv6 address literal");
        break;
    case ST_ENUM:
        sb_adds(out, "one of ");
        for (int i = 0; s->words[i]; i++) sb_addf(out, cli ? "%s%s" : "%s\"%s\"", i ? ", " : "", s->words[i]);
        break;
    case ST_LIST:
        if (cli) sb_adds(out, s->noun ? s->noun : "a string");
        else if (s->noun) sb_addf(out, "an array whose items are each %s", s->noun);
        else sb_adds(out, "an array of strings");
        break;
    case ST_CUSTOM:
        sb_adds(out, s->noun);
        break;
    case ST_OBSOLETE:
        sb_adds(out, "anything");
        break;
    }
}

void setting_format_size(uint64_t v, strbuf *out) {
    static const char suffixes[] = "TGMK";
    for (int i = 0; i < 4; i++) {
        unsigned shift = 10 * (unsigned)(4 - i);
        if (v && v % ((uint64_t)1 << shift) == 0) {
            sb_addf(out, "%llu%c", (unsigned long long)(v >> shift), suffixes[i]);
            return;
        }
    }
    sb_add_u64(out, v);
}

void setting_format(const setting *s, const void *field, strbuf *out) {
    switch (s->type) {
    case ST_UINT:
    case ST_SIZE: {
        uint64_t v = load_number(s, field);
        sb_add_u64(out, v);
        if (v == 0 && s->zero) sb_addf(out, " (%s)", s->zero);
        break;
    }
    case ST_BOOL:
        sb_add_bool(out, *(const int *)field);
        break;
    case ST_STRING:
    case ST_PATH:
    case ST_IP:
        if (*(const char *)field) sb_adds(out, field);
        else SB_ADD_LIT(out, "\"\"");
        break;
    case ST_ENUM:
        sb_adds(out, s->words[*(const int *)field]);
        break;
    case ST_LIST: {
        const ndb_strlist *l = field;
        sb_addc(out, '[');
        for (size_t i = 0; i < l->n; i++) {
            if (i) sb_addc(out, ',');
            sb_add_json_string(out, l->items[i], strlen(l->items[i]));
        }
        sb_addc(out, ']');
        break;
    }
    case ST_CUSTOM:
        s->custom->format(s, field, out);
        break;
    case ST_OBSOLETE:
        break;
    }
}

void setting_release(const setting *s, void *field) {
    if (!s->size) return;
    if (s->type == ST_LIST) list_free(field);
    else if (s->type == ST_CUSTOM && s->custom->release) s->custom->release(s, field);
}

/* What the last failing CUSTOM parser said (setting_custom_error). */
static char custom_suffix[128], custom_msg[512];
static int custom_said;

void setting_custom_error(const char *path_suffix, const char *fmt, ...) {
    va_list ap;
    snprintf(custom_suffix, sizeof custom_suffix, "%s", path_suffix);
    va_start(ap, fmt);
    vsnprintf(custom_msg, sizeof custom_msg, fmt, ap);
    va_end(ap);
    custom_said = 1;
}

int setting_custom_error_take(char *suffix, size_t suffixlen, char *msg, size_t msglen) {
    if (!custom_said) return 0;
    custom_said = 0;
    snprintf(suffix, suffixlen, "%s", custom_suffix);
    snprintf(msg, msglen, "%s", custom_msg);
    return 1;
}
