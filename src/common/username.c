/*
 * username.c — the rule for a user name (see username.h).
 */
#include "common/username.h"

#include "json/scan.h"

int user_name_ok(const char *s, size_t n) {
    if (n == 0 || n > USER_NAME_MAX) return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == ':') return 0;
    return utf8_valid(s, n); /* a config and SV_AUTH are JSON text */
}
