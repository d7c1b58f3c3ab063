/*
 * plural.h — the "s" of a counted English noun in messages.
 */
#ifndef NDB_PLURAL_H
#define NDB_PLURAL_H

/* "" for 1, else "s": "%llu key%s" prints "0 keys", "1 key", "2 keys". */
static inline const char *plural_s(unsigned long long n) { return n == 1 ? "" : "s"; }

#endif
