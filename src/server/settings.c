/*
 * settings.c — the settings table built from settings.def, and lookups in
 * it (see settings.h).
 *
 * settings.def is expanded twice here: once into compile-time checks that
 * each entry's ndb_config field has the C type its setting type stores
 * (a UINT entry pointing at a char array would otherwise write 4 bytes
 * into a path), and once into the table itself.
 */
#include "server/settings.h"

#include <stdio.h>
#include <string.h>

#include "common/edit_distance.h"
#include "common/log.h"
#include "json/scan.h"
#include "server/config.h"
#include "server/snapshot.h"

#define SETTINGS_STR_(x) #x
#define SETTINGS_STR(x) SETTINGS_STR_(x)

/* The check of STRING load-name: a valid dataset name (docs/protocol.md Q16). */
int settings_dataset_name_ok(const char *s) { return snapshot_name_ok(s, strlen(s)); }

/* ------------------------------------------------ field type checks */

typedef struct nofield nofield; /* the "type" of NOFIELD */

#define FIELD_OK_UINT(x) _Generic((x), unsigned: 1, unsigned long: 1, unsigned long long: 1, nofield *: 1, default: 0)
#define FIELD_OK_SIZE(x) _Generic((x), unsigned: 1, unsigned long: 1, unsigned long long: 1, nofield *: 1, default: 0)
#define FIELD_OK_BOOL(x) _Generic((x), int: 1, default: 0)
#define FIELD_OK_STRING(x) _Generic((x), char *: 1, default: 0)
#define FIELD_OK_PATH(x) _Generic((x), char *: 1, default: 0)
#define FIELD_OK_IP(x) _Generic((x), char *: 1, default: 0)
#define FIELD_OK_ENUM(x) _Generic((x), int: 1, default: 0)
#define FIELD_OK_LIST(x) _Generic((x), ndb_strlist: 1, default: 0)
#define FIELD_OK_CUSTOM(x) 1
#define FIELD_OK_OBSOLETE(x) _Generic((x), nofield *: 1, default: 0)

#define FIELD(f) (((ndb_config *)0)->f)
#define NOFIELD ((nofield *)0)
#define SETTING(id, type, member, option, field, ...) \
    _Static_assert(FIELD_OK_##type(field), "settings.def: the field of " #id " is not of the C type of " #type);
#include "server/settings.def"
#undef FIELD
#undef NOFIELD

/* ------------------------------------------------------------ the table */

#define FIELD(f) .offset = offsetof(ndb_config, f), .size = sizeof(((ndb_config *)0)->f)
#define NOFIELD .size = 0
#define SETTING(id_, type_, member_, option_, field_, section_, help_, ...)                                 \
    [S_##id_] = {.id = S_##id_, .type = ST_##type_, .member = member_, .option = option_, field_, \
                 .section = SEC_##section_, .help = help_, __VA_ARGS__},
const setting settings_table[S_COUNT] = {
#include "server/settings.def"
};
#undef FIELD
#undef NOFIELD

const char *const settings_section_label[SEC_COUNT] = {
#define SECTION(id, label, object) [SEC_##id] = label,
#include "server/settings.def"
};

const char *const settings_section_object[SEC_COUNT] = {
#define SECTION(id, label, object) [SEC_##id] = object,
#include "server/settings.def"
};

/* -------------------------------------------------------------- lookups */

const setting *settings_by_member(const char *path, size_t n) {
    for (int i = 1; i < S_COUNT; i++) {
        const char *m = settings_table[i].member;
        if (m && strlen(m) == n && memcmp(m, path, n) == 0) return &settings_table[i];
    }
    return NULL;
}

int settings_is_group(const char *path, size_t n) {
    for (int i = 1; i < S_COUNT; i++) {
        const char *m = settings_table[i].member;
        if (m && strlen(m) > n && memcmp(m, path, n) == 0 && m[n] == '.') return 1;
    }
    return 0;
}

/* Offer cand if it is closer to word than the best so far (and close
 * enough to be a typo: 1 edit for short words, 2 otherwise). */
static void consider(const char *word, const char *cand, size_t candlen, size_t *best, char *out,
                     size_t outlen) {
    char c[128];
    if (candlen >= sizeof c) return;
    memcpy(c, cand, candlen);
    c[candlen] = 0;
    size_t d = edit_distance(word, c);
    if (d < *best && d <= (strlen(word) <= 3 ? 1u : 2u)) {
        *best = d;
        snprintf(out, outlen, "%s", c);
    }
}

void settings_suggest(const char *word, int members, char *out, size_t outlen) {
    size_t best = (size_t)-1;
    out[0] = 0;
    for (int i = 1; i < S_COUNT; i++) {
        const setting *s = &settings_table[i];
        if (members && s->member) {
            consider(word, s->member, strlen(s->member), &best, out, outlen);
            for (const char *dot = strchr(s->member, '.'); dot; dot = strchr(dot + 1, '.'))
                consider(word, s->member, (size_t)(dot - s->member), &best, out, outlen); /* its groups */
        } else if (!members && s->option) {
            consider(word, s->option, strlen(s->option), &best, out, outlen);
            if (s->alias) consider(word, s->alias, strlen(s->alias), &best, out, outlen);
            if (s->type == ST_BOOL) {
                char no[96];
                int n = snprintf(no, sizeof no, "no-%s", s->option);
                consider(word, no, (size_t)n, &best, out, outlen);
            }
        }
    }
}

/* name (n bytes) lower-cased without '-' and '_' into out: "loginTimeout",
 * "login-timeout" and "login_timeout" are one name.  0 when it does not
 * fit. */
static int loose(const char *name, size_t n, char *out, size_t outlen) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (name[i] == '-' || name[i] == '_') continue;
        if (k + 1 >= outlen) return 0;
        out[k++] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
    }
    out[k] = 0;
    return k > 0;
}

/* Does word (already loose) name cand (n bytes), with prefix before it? */
static int loose_is(const char *word, const char *prefix, const char *cand, size_t n) {
    char c[128];
    size_t p = strlen(prefix);
    if (p >= sizeof c) return 0;
    memcpy(c, prefix, p);
    return loose(cand, n, c + p, sizeof c - p) && !strcmp(word, c);
}

const setting *settings_by_other_spelling(const char *word, size_t n, int members, int *negated) {
    char w[128];
    *negated = 0;
    if (!loose(word, n, w, sizeof w)) return NULL;
    for (int i = 1; i < S_COUNT; i++) {
        const setting *s = &settings_table[i];
        if (!s->size) continue; /* accepted and ignored (version, core): nothing to point to */
        if (members && s->option) { /* a member spelt as the option */
            if (loose_is(w, "", s->option, strlen(s->option)) ||
                (s->alias && loose_is(w, "", s->alias, strlen(s->alias))))
                return s;
            if (s->type == ST_BOOL && loose_is(w, "no", s->option, strlen(s->option))) {
                *negated = 1; /* "noConsole": true means "console": false */
                return s;
            }
        } else if (!members && s->member) { /* an option spelt as the member */
            const char *last = strrchr(s->member, '.') ? strrchr(s->member, '.') + 1 : s->member;
            if (loose_is(w, "", last, strlen(last)) || loose_is(w, "", s->member, strlen(s->member))) return s;
            /* a boolean's member turned off as options are (--no-protected-mode) */
            if (s->type == ST_BOOL && (loose_is(w, "no", last, strlen(last)) ||
                                       loose_is(w, "no", s->member, strlen(s->member)))) {
                *negated = 1;
                return s;
            }
        }
    }
    return NULL;
}

void setting_source_name(const setting *s, enum setting_origin o, char *out, size_t outlen) {
    if ((o == ORIGIN_CLI && s->option) || !s->member) snprintf(out, outlen, "option '--%s'", s->option);
    /* nobody wrote it: naming a config field sent a user without a config
     * file looking for one */
    else if (o == ORIGIN_DEFAULT && s->option)
        snprintf(out, outlen, "the default of option '--%s' and field '%s'", s->option, s->member);
    else snprintf(out, outlen, "field '%s'", s->member);
}
