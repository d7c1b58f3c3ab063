/*
 * hidden_char.h — characters a terminal draws as nothing, yet which change
 * what is around them: a key name holding U+202E shows "evil\u202Etxt.exe"
 * as "evilexe.txt".  What the command line prints to a terminal, and the
 * REPL's lists, show them escaped, as the web console does (its
 * HIDDEN_CLASS, src/console/ui.js); a pipe or a file gets them as they are.
 */
#ifndef NDB_COMMON_HIDDEN_CHAR_H
#define NDB_COMMON_HIDDEN_CHAR_H

#include <stddef.h>
#include <stdint.h>

/* Is code point cp a format character (Unicode's Cf: direction controls
 * and marks, zero-width characters, the byte-order mark, tags; not the
 * zero-width joiner, which emoji sequences are made with) or a line or
 * paragraph separator?  Controls are left to the callers' own rules. */
static inline int hidden_format_char(uint32_t cp) {
    return cp == 0xad || (cp >= 0x600 && cp <= 0x605) || cp == 0x61c || cp == 0x6dd || cp == 0x70f ||
           cp == 0x180e || (cp >= 0x200b && cp <= 0x200f && cp != 0x200d) || (cp >= 0x2028 && cp <= 0x202e) ||
           (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x206f) || cp == 0xfeff ||
           (cp >= 0xfff9 && cp <= 0xfffb) || cp == 0xe0001 || (cp >= 0xe0020 && cp <= 0xe007f);
}

/* The length of the well-formed-looking 2-, 3- or 4-byte UTF-8 sequence
 * at s (n bytes available), with its code point in *cp; else 0. */
static inline size_t utf8_multibyte_at(const unsigned char *s, size_t n, uint32_t *cp) {
    uint32_t c;
    size_t k;
    if (n >= 2 && (s[0] & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80) {
        c = (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f), k = 2;
    } else if (n >= 3 && (s[0] & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80) {
        c = (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f), k = 3;
    } else if (n >= 4 && (s[0] & 0xf8) == 0xf0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
               (s[3] & 0xc0) == 0x80) {
        c = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 | (uint32_t)(s[2] & 0x3f) << 6 |
            (s[3] & 0x3f), k = 4;
    } else {
        return 0;
    }
    *cp = c;
    return k;
}

/* The length of the UTF-8 sequence at s (n bytes available) when it is a
 * character that hidden_format_char takes, with its code point in *cp;
 * else 0. */
static inline size_t hidden_format_at(const unsigned char *s, size_t n, uint32_t *cp) {
    size_t k = utf8_multibyte_at(s, n, cp);
    return k && hidden_format_char(*cp) ? k : 0;
}

#endif
