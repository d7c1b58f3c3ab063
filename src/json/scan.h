/*
 * scan.h — the validating JSON scanner on ndb's hot path.
 *
 * jdoc_parse() checks one JSON text (RFC 8259 plus the // and block comments
 * of docs/protocol.md 1.10, strict UTF-8, nesting limit) in a single pass and,
 * in the same pass, writes a *compact* copy of it (whitespace and comments
 * removed, every other byte kept) plus a flat array of tokens with byte
 * spans into that copy.  Nothing is allocated per token: the document's
 * buffers are reused from one parse to the next.
 *
 * Why text and spans instead of a tree: ndb stores values as the exact text
 * the client sent (0.1 stays 0.1, 2^64-1 stays 2^64-1).  A handler finds
 * the span of a value and copies it; a GET copies the stored bytes back.
 * Trees (jansson) are built only where a command needs structure.
 *
 * Token layout: a container token is followed by its children in document
 * order; for objects, children alternate key (JT_STRING) and value.  Every
 * token records `next`, the index just past its whole subtree, so siblings
 * are reached in O(1) without recursion.
 */
#ifndef NDB_JSON_SCAN_H
#define NDB_JSON_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

enum jtype { JT_NULL, JT_FALSE, JT_TRUE, JT_NUMBER, JT_STRING, JT_ARRAY, JT_OBJECT };

/* Token flags. */
enum {
    JF_ESCAPED = 1,  /* string: contains a backslash escape */
    JF_NEG = 2,      /* number: starts with '-' */
    JF_FRAC_EXP = 4, /* number: has a fraction or an exponent */
};

typedef struct jtok {
    uint8_t type;   /* enum jtype */
    uint8_t flags;  /* JF_* */
    uint32_t start; /* offset of the token's first byte in jdoc.text */
    uint32_t len;   /* bytes of the whole value (quotes / brackets included) */
    uint32_t next;  /* index of the token after this value's subtree */
    uint32_t count; /* containers: number of members or elements */
} jtok;

typedef struct jdoc {
    strbuf text; /* compact text of the last parsed document */
    jtok *toks;
    uint32_t ntoks, cap;
} jdoc;

#define JDOC_INIT {STRBUF_INIT, NULL, 0, 0}
/* Nesting deeper than this many arrays/objects is invalid (docs/protocol.md 1.10). */
#define JSON_MAX_DEPTH 1024

/* Parse `len` bytes at `in`.  Returns 0 when they are exactly one JSON value
 * (surrounded by optional whitespace and comments), -1 otherwise.  On error
 * *errpos (if not NULL) receives the byte offset where parsing stopped. */
int jdoc_parse(jdoc *d, const char *in, size_t len, size_t *errpos);
void jdoc_free(jdoc *d);

/* Free d's buffers (its token array and its text) when they hold more than
 * keep bytes, used or not: a scratch document one big parse grew.  Returns
 * the bytes freed, 0 if kept; the next parse allocates again.  Inline: it
 * runs after every request, and almost always keeps. */
static inline size_t jdoc_release_over(jdoc *d, size_t keep) {
    size_t cap = (size_t)d->cap * sizeof *d->toks + d->text.cap;
    if (cap <= keep) return 0;
    jdoc_free(d);
    return cap;
}

static inline const char *jtok_text(const jdoc *d, const jtok *t) { return d->text.buf + t->start; }

/* Index of the value of the first member named `name` (n bytes, decoded
 * UTF-8) in the object at token index `obj`, or 0 if absent (0 is never a
 * member value: it is the root). First occurrence wins (docs/protocol.md 1.10). */
uint32_t jobj_get(const jdoc *d, uint32_t obj, const char *name, size_t n);

/* Decode the string token `t` into `out` (appended).  Escapes are resolved;
 * an unpaired low surrogate escape is dropped (docs/protocol.md 1.10, Compat). */
void jstr_decode(const jdoc *d, const jtok *t, strbuf *out);

/* Does string token `t` decode to exactly the n bytes at s? */
int jstr_equals(const jdoc *d, const jtok *t, const char *s, size_t n);

/* Parse a number token as an unsigned 64-bit integer: succeeds (returns 0)
 * only for an integer literal without sign, fraction or exponent that fits
 * (docs/protocol.md 1.9 "uint"). */
int jnum_to_u64(const jdoc *d, const jtok *t, uint64_t *v);

/* Token rule of docs/protocol.md 1.9: like jnum_to_u64 but `-0` is accepted as 0
 * when allow_neg_zero is set. */
int jnum_to_token(const jdoc *d, const jtok *t, uint64_t *v, int allow_neg_zero);

/* Nesting depth of the value at token tok of a parsed document (tok 0:
 * the whole document): the most arrays and objects open at once, counting
 * the value itself; 0 for a scalar. */
unsigned jdoc_depth(const jdoc *d, uint32_t tok);

/* The same for compact JSON text that was not parsed (what jdoc_parse
 * writes, or text spliced from it: no comments), in one pass over the
 * brackets outside strings. */
unsigned json_text_depth(const char *s, size_t n);
/* The byte of such text (or of any text, brackets counted outside strings
 * and comments) that opens nesting level limit + 1, or n when it nests no
 * deeper. */
size_t json_text_deeper_at(const char *s, size_t n, unsigned limit);

/* Length of the valid UTF-8 character starting at s (n bytes available),
 * or 0 if the bytes there are not one (or n is 0). */
size_t utf8_char_len(const char *s, size_t n);

/* How much of s[0..n) to keep to cut it to at most max bytes without
 * splitting a UTF-8 character: a key or name quoted in a message is cut
 * short, and a cut through a character made the whole answer invalid
 * UTF-8 (a text frame a client must refuse).  n when n <= max. */
size_t utf8_cut(const char *s, size_t n, size_t max);

/* Validate that s[0..n) is valid UTF-8 (no overlongs, no surrogates, at most
 * U+10FFFF).  Returns 1 if valid. */
int utf8_valid(const char *s, size_t n);

#endif
