/*
 * save_schedule.c — parsing, printing and evaluating persist.save (see
 * save_schedule.h).
 */
#include "server/save_schedule.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One decimal number (digits only) at *p, skipping blanks before it. */
static int number(const char **p, uint64_t *v) {
    while (**p == ' ' || **p == '\t') (*p)++;
    if (**p < '0' || **p > '9') return -1;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(*p, &end, 10);
    if (errno || (*end && *end != ' ' && *end != '\t')) return -1;
    *p = end;
    *v = x;
    return 0;
}

int save_schedule_parse(save_schedule *out, const char *text) {
    save_schedule s;
    memset(&s, 0, sizeof s);
    const char *p = text;
    for (;;) {
        while (*p == ' ' || *p == '\t') p++;
        if (!*p) break;
        uint64_t secs, changes;
        if (s.n == SAVE_RULES_MAX || number(&p, &secs) || number(&p, &changes)) return -1;
        if (secs < 1 || secs > SAVE_SECONDS_MAX || changes < 1 || changes > INT64_MAX) return -1;
        s.rule[s.n].seconds = (uint32_t)secs;
        s.rule[s.n].changes = changes;
        s.n++;
    }
    *out = s;
    return 0;
}

void save_schedule_format(const save_schedule *s, strbuf *out) {
    for (unsigned i = 0; i < s->n; i++)
        sb_addf(out, "%s%u %llu", i ? " " : "", s->rule[i].seconds, (unsigned long long)s->rule[i].changes);
}

int save_schedule_due(const save_schedule *s, uint64_t seconds, uint64_t changes) {
    for (unsigned i = 0; i < s->n; i++)
        if (seconds >= s->rule[i].seconds && changes >= s->rule[i].changes) return 1;
    return 0;
}
