/*
 * save_schedule.h — persist.save: when automatic snapshots are taken
 * without a journal, in the manner of Redis's `save 3600 1 300 100`.
 *
 * The schedule is a list of rules "S N": take a snapshot once S seconds
 * have passed since the last one *and* at least N changes (store records,
 * store.changes) were made since.  Written as one string of numbers, pairs
 * separated by spaces: "3600 1 300 100 60 10000".  "" is no schedule.
 */
#ifndef NDB_SAVE_SCHEDULE_H
#define NDB_SAVE_SCHEDULE_H

#include <stdint.h>

#include "common/strbuf.h"

#define SAVE_RULES_MAX 16
#define SAVE_SECONDS_MAX 315360000u /* 10 years */

typedef struct save_schedule {
    unsigned n;
    struct {
        uint32_t seconds;
        uint64_t changes;
    } rule[SAVE_RULES_MAX];
} save_schedule;

/* What a valid schedule is, for messages. */
#define SAVE_SCHEDULE_NOUN                                                                                    \
    "pairs of numbers \"SECONDS CHANGES ...\" (each SECONDS 1..315360000, CHANGES at least 1, at most 16 " \
    "pairs), or \"\" for none"

/* Parse text into *out.  Returns 0, or -1 when it is not a valid schedule
 * (*out unchanged). */
int save_schedule_parse(save_schedule *out, const char *text);

/* Append the schedule as text ("3600 1 300 100"; nothing when empty). */
void save_schedule_format(const save_schedule *s, strbuf *out);

/* Is a snapshot due, `seconds` after the last one with `changes` since? */
int save_schedule_due(const save_schedule *s, uint64_t seconds, uint64_t changes);

#endif
