/*
 * strbuf.h — a growable byte buffer, the one way text is built in ndb.
 *
 * Responses, stored values, normalised paths and file contents are all
 * assembled by appending to a strbuf.  The buffer owns its memory; callers
 * either keep reusing one buffer (sb_reset keeps the allocation, which is
 * what the request path does) or take the bytes with sb_detach.
 *
 * Allocation failure aborts the process: ndb cannot answer a request it
 * cannot build, and a clean abort beats a corrupted reply.  Memory limits
 * are enforced above this layer.
 */
#ifndef NDB_STRBUF_H
#define NDB_STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct strbuf {
    char *buf;   /* owned; NUL-terminated whenever len < cap */
    size_t len;
    size_t cap;
} strbuf;

#define STRBUF_INIT {NULL, 0, 0}

/* Make room for at least `extra` more bytes (plus a terminating NUL). */
void sb_grow(strbuf *sb, size_t extra);
void sb_free(strbuf *sb);
/* Free sb's buffer, whatever it holds, when its capacity is over keep
 * bytes (a scratch buffer one big use grew); returns the bytes freed, 0 if
 * kept.  Inline: it runs after every request, and almost always keeps. */
static inline size_t sb_release_over(strbuf *sb, size_t keep) {
    size_t cap = sb->cap;
    if (cap <= keep) return 0;
    sb_free(sb);
    return cap;
}
/* Empty the buffer but keep its allocation for reuse. */
static inline void sb_reset(strbuf *sb) {
    sb->len = 0;
    if (sb->buf) sb->buf[0] = '\0';
}
/* Hand the bytes to the caller (who must free()); the strbuf becomes empty. */
char *sb_detach(strbuf *sb, size_t *len);

static inline void sb_add(strbuf *sb, const void *p, size_t n) {
    if (sb->cap - sb->len < n + 1) sb_grow(sb, n);
    memcpy(sb->buf + sb->len, p, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}
static inline void sb_addc(strbuf *sb, char c) {
    if (sb->cap - sb->len < 2) sb_grow(sb, 1);
    sb->buf[sb->len++] = c;
    sb->buf[sb->len] = '\0';
}
static inline void sb_adds(strbuf *sb, const char *s) { sb_add(sb, s, strlen(s)); }
#define SB_ADD_LIT(sb, lit) sb_add((sb), (lit), sizeof(lit) - 1)

static inline void sb_add_bool(strbuf *sb, int b) {
    if (b) SB_ADD_LIT(sb, "true");
    else SB_ADD_LIT(sb, "false");
}

void sb_add_u64(strbuf *sb, uint64_t v);
void sb_add_i64(strbuf *sb, int64_t v);
void sb_addf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append `s` (n bytes of UTF-8) as a JSON string literal, quotes included,
 * escaped as docs/protocol.md 1.10 prescribes (\b \f \n \r \t, other controls and
 * DEL as upper-case \u00XX, everything else raw). */
void sb_add_json_string(strbuf *sb, const char *s, size_t n);

/* Append `s` (n bytes) with each control character (below 0x20, DEL, and
 * the C1 controls U+0080..U+009F, each of their bytes) and each byte that is
 * not part of well-formed UTF-8 as \xhh; other UTF-8 text (é, CJK, emoji)
 * as it is: text from the command line or a file, shown in a message, must
 * not reach a terminal as an escape sequence it would obey (ESC ] retitles
 * the window, ESC [ or U+009B recolours or moves the cursor). */
void sb_add_visible(strbuf *sb, const char *s, size_t n);

/* A server's message text (decoded from JSON) as every message shows it:
 * on one line, printable — C0 controls (a line break too) as spaces; C1
 * controls (U+009B, CSI to a terminal taking 8-bit controls: a key the
 * message quotes may hold one), DEL and bytes that are not UTF-8 as \xhh
 * — so that a server that is not ndb cannot send the terminal an escape
 * sequence. */
void sb_add_visible_line(strbuf *sb, const char *s, size_t n);

/* sb_add_visible of at most max bytes of s, cut between characters, then
 * "..." if s was longer: text from elsewhere (a server's answer) quoted in
 * a one-line message. */
void sb_add_visible_cut(strbuf *sb, const char *s, size_t n, size_t max);

/* The same, adding at most room bytes in all ("..." included): fewer of
 * s's bytes when its hidden characters, 4 bytes each as \xhh, would not
 * fit (a message of a fixed-size buffer). */
void sb_add_visible_fit(strbuf *sb, const char *s, size_t n, size_t max, size_t room);

/* 1 when sb_add_visible would copy s (n bytes) unchanged: no control
 * character, every byte part of well-formed UTF-8. */
int str_visible(const char *s, size_t n);

/* vfprintf to f, the formatted text passed through sb_add_visible: for the
 * one-line diagnostics that quote what the user typed.  A line break that
 * ends the format is written as one; every other shows as \x0a. */
void vfprintf_visible(FILE *f, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void fprintf_visible(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
