/*
 * settings_security.c — security.users, a CUSTOM setting (settings.h):
 * an array of {"name": ..., "password": <hash>, "role": ...} objects,
 * and the small functions of users.h.
 *
 * Every mistake is a start-up error naming the exact member
 * ("'security.users[1].role' must be \"read\", \"write\" or \"admin\""),
 * because a users list that is half understood is a security hole: a user
 * silently dropped, or a role silently widened, is exactly what nobody
 * notices until it matters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/config.h"
#include "server/settings.h"
#include "server/users.h"

const ndb_user *users_find(const ndb_userlist *l, const char *name, size_t n) {
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->items[i].name) == n && !memcmp(l->items[i].name, name, n)) return &l->items[i];
    return NULL;
}

enum cmd_role users_role_from_name(const char *name, size_t n) {
    static const enum cmd_role roles[] = {ROLE_READ, ROLE_WRITE, ROLE_ADMIN};
    for (size_t i = 0; i < 3; i++) {
        const char *r = cmd_role_name(roles[i]);
        if (strlen(r) == n && !memcmp(r, name, n)) return roles[i];
    }
    return ROLE_NONE;
}

void users_free(ndb_userlist *l) {
    if (l->items) memset(l->items, 0, l->n * sizeof *l->items); /* hashes too */
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

/* The string value of member `name` of object token obj into out; says
 * what is wrong (as a member of item i) and returns -1 otherwise. */
static int member_string(const jdoc *d, uint32_t obj, size_t i, const char *name, strbuf *out) {
    char suffix[64];
    snprintf(suffix, sizeof suffix, "[%zu]", i);
    uint32_t t = jobj_get(d, obj, name, strlen(name));
    if (!t) {
        setting_custom_error(suffix, " lacks the member \"%s\" (a user is {\"name\", \"password\", \"role\"})", name);
        return -1;
    }
    snprintf(suffix, sizeof suffix, "[%zu].%s", i, name);
    if (d->toks[t].type != JT_STRING) {
        setting_custom_error(suffix, " must be a string");
        return -1;
    }
    sb_reset(out);
    jstr_decode(d, &d->toks[t], out);
    sb_grow(out, 0);
    out->buf[out->len] = '\0';
    return 0;
}

/* Check every member of user object obj (item i) and fill u.  -1 after
 * setting_custom_error. */
static int user_from_json(const jdoc *d, uint32_t obj, size_t i, const ndb_userlist *before, ndb_user *u) {
    char suffix[64], why[160];
    uint32_t k = obj + 1;
    for (uint32_t m = 0; m < d->toks[obj].count; m++, k = d->toks[k + 1].next) {
        strbuf key = STRBUF_INIT;
        jstr_decode(d, &d->toks[k], &key);
        int known = (key.len == 4 && !memcmp(key.buf, "name", 4)) ||
                    (key.len == 8 && !memcmp(key.buf, "password", 8)) || (key.len == 4 && !memcmp(key.buf, "role", 4));
        if (!known) {
            strbuf q = STRBUF_INIT;
            sb_add_json_string(&q, key.buf ? key.buf : "", key.len);
            snprintf(suffix, sizeof suffix, "[%zu]", i);
            setting_custom_error(suffix, " has an unknown member %s (a user is {\"name\", \"password\", \"role\"})",
                                 q.buf);
            sb_free(&q);
            sb_free(&key);
            return -1;
        }
        sb_free(&key);
    }
    strbuf v = STRBUF_INIT;
    int rc = -1;
    if (member_string(d, obj, i, "name", &v)) goto out;
    snprintf(suffix, sizeof suffix, "[%zu].name", i);
    if (!user_name_ok(v.buf, v.len)) /* common/username.h */ {
        setting_custom_error(suffix, " must be 1 to %d bytes without control characters or ':'", USER_NAME_MAX);
        goto out;
    }
    if (users_find(before, v.buf, v.len)) {
        setting_custom_error(suffix, ": the user \"%s\" is listed twice", v.buf);
        goto out;
    }
    memcpy(u->name, v.buf, v.len + 1);
    if (member_string(d, obj, i, "role", &v)) goto out;
    snprintf(suffix, sizeof suffix, "[%zu].role", i);
    if ((u->role = users_role_from_name(v.buf, v.len)) == ROLE_NONE) {
        setting_custom_error(suffix, " must be \"read\", \"write\" or \"admin\"");
        goto out;
    }
    if (member_string(d, obj, i, "password", &v)) goto out;
    snprintf(suffix, sizeof suffix, "[%zu].password", i);
    if (pwhash_parse(&u->hash, v.buf, v.len, why, sizeof why)) {
        setting_custom_error(suffix, " is not a password hash from 'ndb passwd': %s", why);
        goto out;
    }
    rc = 0;
out:
    sb_free(&v);
    return rc;
}

/* security.users: an array of user objects, built aside and swapped in. */
static int users_from_json(const setting *s, void *field, const jdoc *d, const jtok *t) {
    (void)s;
    if (t->type != JT_ARRAY) {
        setting_custom_error("", " must be an array of users, each {\"name\": ..., \"password\": \"<hash from "
                                 "ndb passwd>\", \"role\": \"read\" | \"write\" | \"admin\"}");
        return -1;
    }
    ndb_userlist l = {calloc(t->count + 1, sizeof(ndb_user)), 0};
    if (!l.items) abort();
    const jtok *end = d->toks + t->next;
    for (const jtok *e = t + 1; e < end; e = d->toks + e->next) {
        char suffix[32];
        snprintf(suffix, sizeof suffix, "[%zu]", l.n);
        if (e->type != JT_OBJECT) {
            setting_custom_error(suffix, " must be an object {\"name\", \"password\", \"role\"}");
            users_free(&l);
            return -1;
        }
        if (user_from_json(d, (uint32_t)(e - d->toks), l.n, &l, &l.items[l.n])) {
            users_free(&l);
            return -1;
        }
        l.n++;
    }
    users_free(field);
    *(ndb_userlist *)field = l;
    return 0;
}

/* There is no option for the users (a hash on the command line would be
 * read from ps by anyone): never called with a value. */
static int users_from_text(const setting *s, void *field, const char *text) {
    (void)s, (void)field, (void)text;
    return -1;
}

/* For the log: "2 (alice: write, bob: admin)" or "none". */
static void users_format(const setting *s, const void *field, strbuf *out) {
    (void)s;
    const ndb_userlist *l = field;
    if (!l->n) {
        SB_ADD_LIT(out, "none");
        return;
    }
    sb_addf(out, "%zu (", l->n);
    for (size_t i = 0; i < l->n; i++)
        sb_addf(out, "%s%s: %s", i ? ", " : "", l->items[i].name, cmd_role_name(l->items[i].role));
    sb_addc(out, ')');
}

static void users_release(const setting *s, void *field) {
    (void)s;
    users_free(field);
}

const setting_custom settings_custom_users = {users_from_json, users_from_text, users_format, users_release};
