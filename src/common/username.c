/*
 * username.c — the rule for a user name (see username.h).
 */
#include "common/username.h"

#include "json/scan.h"

int user_name_ok(const char *s, size_t n) {
    if (n == 0 || n > USER_NAME_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || c == ':') return 0;
        /* C1 controls (U+0080-U+009F, written C2 80-9F): terminals obey
         * some, as they do C0's; "without control characters" means them too */
        if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9f) return 0;
    }
    return utf8_valid(s, n); /* a config and SV_AUTH are JSON text */
}
