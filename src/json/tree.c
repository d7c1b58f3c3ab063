/*
 * tree.c — jansson trees built from scanner tokens, and path-addressed
 * edits of the original text (see tree.h).
 */
#include "json/tree.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "json/decimal.h"
#include "json/jindex.h"

/* A number node: an integer if the text is one that fits in int64, else a real, the nearest
 * double (±DBL_MAX beyond the range); when that double does not stand for the text's value
 * (dec_short: more than 15 significant digits, beyond the range of normal doubles), the text
 * goes into texts (if not NULL), so that filters compare it exactly. */
static json_t *number(const jdoc *d, const jtok *t, jp_numtexts *texts) {
    char buf[64];
    const char *s = jtok_text(d, t);
    char *tmp = NULL;
    if (t->len < sizeof buf) {
        memcpy(buf, s, t->len);
        buf[t->len] = '\0';
    } else {
        tmp = strndup(s, t->len);
        if (!tmp) abort();
    }
    const char *z = tmp ? tmp : buf;
    json_t *v = NULL;
    if (!(t->flags & JF_FRAC_EXP)) {
        errno = 0;
        char *end;
        long long ll = strtoll(z, &end, 10);
        if (!errno && !*end) v = json_integer(ll);
    }
    if (!v) {
        double x;
        int exact = dec_short(s, t->len, &x);
        v = json_real(isinf(x) ? copysign(DBL_MAX, x) : x);
        if (!exact && texts) jp_numtexts_add(texts, v, s, t->len);
    }
    free(tmp);
    return v;
}

json_t *jtree_build(const jdoc *d, uint32_t i, jp_numtexts *texts) {
    const jtok *t = &d->toks[i];
    switch (t->type) {
    case JT_NULL: return json_null();
    case JT_TRUE: return json_true();
    case JT_FALSE: return json_false();
    case JT_NUMBER: return number(d, t, texts);
    case JT_STRING: {
        strbuf s = STRBUF_INIT;
        jstr_decode(d, t, &s);
        json_t *v = json_stringn_nocheck(s.buf ? s.buf : "", s.len);
        sb_free(&s);
        return v;
    }
    case JT_ARRAY: {
        json_t *a = json_array();
        for (uint32_t k = 0, c = i + 1; k < t->count; k++, c = d->toks[c].next)
            json_array_append_new(a, jtree_build(d, c, texts));
        return a;
    }
    default: { /* JT_OBJECT */
        json_t *o = json_object();
        strbuf name = STRBUF_INIT;
        for (uint32_t k = 0, c = i + 1; k < t->count; k++, c = d->toks[c + 1].next) {
            sb_reset(&name);
            jstr_decode(d, &d->toks[c], &name);
            sb_grow(&name, 0);
            if (json_object_getn(o, name.buf, name.len)) continue; /* first occurrence wins */
            json_object_setn_new_nocheck(o, name.buf, name.len, jtree_build(d, c + 1, texts));
        }
        sb_free(&name);
        return o;
    }
    }
}

uint32_t jtree_locate(const jdoc *d, uint32_t root, const jp_step *steps, size_t nsteps) {
    uint32_t cur = root;
    for (size_t s = 0; s < nsteps; s++) {
        const jtok *t = &d->toks[cur];
        if (steps[s].is_index) {
            if (t->type != JT_ARRAY || steps[s].index >= t->count) return 0;
            uint32_t c = cur + 1;
            for (size_t k = 0; k < steps[s].index; k++) c = d->toks[c].next;
            cur = c;
        } else {
            if (t->type != JT_OBJECT) return 0;
            uint32_t v = jobj_get(d, cur, steps[s].name, steps[s].name_len);
            if (!v) return 0;
            cur = v;
        }
    }
    return cur;
}

/* ---------------------------------------------------------- locating many */

/* Locating every match of `$[*]` from the root one by one would walk k
 * siblings for index k, or scan the members for each name: quadratic in
 * the container (80,000 elements took 6.5 s and stalled every client).
 * A locator builds, on first use, a table of each container it passes
 * through (element tokens of an array; a jmembers index of an object), so
 * locating all matches costs the size of the containers on their paths
 * plus the steps.  Small containers are walked as before. */
typedef struct children {
    uint32_t *elems;    /* array: token of each element */
    jmembers members;   /* object */
} children;

typedef struct jlocator {
    const jdoc *d;
    children **tab;     /* by container token; NULL until needed */
} jlocator;

static children *children_of(jlocator *l, uint32_t cur) {
    if (!l->tab) {
        l->tab = calloc(l->d->ntoks, sizeof *l->tab);
        if (!l->tab) abort();
    }
    if (l->tab[cur]) return l->tab[cur];
    const jtok *t = &l->d->toks[cur];
    children *c = calloc(1, sizeof *c);
    if (!c) abort();
    if (t->type == JT_ARRAY) {
        c->elems = malloc(t->count * sizeof *c->elems);
        if (!c->elems) abort();
        for (uint32_t k = 0, e = cur + 1; k < t->count; k++, e = l->d->toks[e].next) c->elems[k] = e;
    } else {
        jmembers_init(&c->members, l->d, cur);
    }
    return l->tab[cur] = c;
}

static uint32_t locate(jlocator *l, const jp_step *steps, size_t nsteps) {
    const jdoc *d = l->d;
    uint32_t cur = 0;
    for (size_t s = 0; s < nsteps; s++) {
        const jtok *t = &d->toks[cur];
        int small = t->count <= JMEMBERS_SCAN_MAX;
        if (steps[s].is_index) {
            if (t->type != JT_ARRAY || steps[s].index >= t->count) return 0;
            if (small) {
                uint32_t c = cur + 1;
                for (size_t k = 0; k < steps[s].index; k++) c = d->toks[c].next;
                cur = c;
            } else {
                cur = children_of(l, cur)->elems[steps[s].index];
            }
        } else {
            if (t->type != JT_OBJECT) return 0;
            uint32_t v = small ? jobj_get(d, cur, steps[s].name, steps[s].name_len)
                               : jmembers_get(&children_of(l, cur)->members, steps[s].name, steps[s].name_len);
            if (!v) return 0;
            cur = v;
        }
    }
    return cur;
}

static void jlocator_free(jlocator *l) {
    if (!l->tab) return;
    for (uint32_t i = 0; i < l->d->ntoks; i++) {
        if (!l->tab[i]) continue;
        free(l->tab[i]->elems);
        jmembers_free(&l->tab[i]->members);
        free(l->tab[i]);
    }
    free(l->tab);
}

typedef struct span {
    uint32_t start, end;
} span;

static int cmp_span(const void *a, const void *b) {
    const span *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return x->end > y->end ? -1 : x->end < y->end; /* outer first */
}

void jtree_replace(const jdoc *d, const jp_results *res, const char *with, size_t wlen, strbuf *out) {
    jtree_replace_max(d, res, with, wlen, SIZE_MAX, out);
}

/* Length of the text once the outermost spans (sorted) are replaced by wlen bytes each;
 * SIZE_MAX if it does not fit. */
static size_t replaced_len(const jdoc *d, const span *spans, size_t ns, size_t wlen) {
    size_t len = d->text.len;
    uint32_t pos = 0;
    for (size_t i = 0; i < ns; i++) {
        if (spans[i].start < pos) continue; /* inside a span already replaced */
        len -= spans[i].end - spans[i].start;
        if (len > SIZE_MAX - wlen) return SIZE_MAX;
        len += wlen;
        pos = spans[i].end;
    }
    return len;
}

int jtree_replace_max(const jdoc *d, const jp_results *res, const char *with, size_t wlen,
                      size_t max_len, strbuf *out) {
    size_t n = jp_results_count(res), ns = 0;
    span *spans = malloc((n ? n : 1) * sizeof *spans);
    if (!spans) abort();
    jlocator loc = {d, NULL};
    for (size_t i = 0; i < n; i++) {
        const jp_match *m = jp_results_get(res, i);
        if (m->synthetic) continue;
        uint32_t t = m->nsteps ? locate(&loc, m->steps, m->nsteps) : 0;
        if (m->nsteps && !t) continue;
        spans[ns].start = d->toks[t].start;
        spans[ns].end = d->toks[t].start + d->toks[t].len;
        ns++;
    }
    jlocator_free(&loc);
    qsort(spans, ns, sizeof *spans, cmp_span);
    if (max_len != SIZE_MAX && replaced_len(d, spans, ns, wlen) > max_len) {
        free(spans);
        return -1;
    }
    uint32_t pos = 0;
    for (size_t i = 0; i < ns; i++) {
        if (spans[i].start < pos) continue; /* inside a span already replaced */
        sb_add(out, d->text.buf + pos, spans[i].start - pos);
        sb_add(out, with, wlen);
        pos = spans[i].end;
    }
    sb_add(out, d->text.buf + pos, d->text.len - pos);
    free(spans);
    return 0;
}
