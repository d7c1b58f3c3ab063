/*
 * jsonpath_regex.c — the PCRE2 wrapper behind `=~` and tokenize().
 *
 * Patterns are compiled in UTF mode with options that bring PCRE2 close to ECMAScript
 * (see the header comment of jsonpath.h for the remaining differences).  Every match runs
 * with a shared match context holding step, depth and heap limits, so a catastrophic
 * pattern costs a bounded amount of time and then fails the whole evaluation (decision 12).
 * Patterns that only exist at run time (`=~ @.pattern`) are compiled on demand through a
 * one-entry cache in the evaluation context.
 */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/plural.h"
#include "json/jsonpath_internal.h"

#define JP_RE_MATCH_LIMIT 10000000u /* ~0.1 s of backtracking */
#define JP_RE_DEPTH_LIMIT 1000000u
#define JP_RE_HEAP_LIMIT 65536u     /* KiB */

#define JP_RE_OPTIONS (PCRE2_UTF | PCRE2_ALT_BSUX | PCRE2_ALLOW_EMPTY_CLASS | \
                       PCRE2_MATCH_UNSET_BACKREF | PCRE2_DOLLAR_ENDONLY |    \
                       PCRE2_NEVER_BACKSLASH_C)

/* Translate ECMAScript flag letters f[0..n) into PCRE2 options; -1 on an unknown or
 * repeated flag.  Supported: i (caseless), m (multi-line), s (dot-all). */
int jp_re_flags(const char *f, size_t n, uint32_t *opts) {
    *opts = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t o = f[k] == 'i' ? PCRE2_CASELESS : f[k] == 'm' ? PCRE2_MULTILINE
                   : f[k] == 's' ? PCRE2_DOTALL : 0;
        if (!o || (*opts & o)) return -1;
        *opts |= o;
    }
    return 0;
}

/* The value of the escape \uXXXX at p[0..6) of a pattern of n bytes, or -1. */
static long u_escape(const char *p, size_t n) {
    if (n < 6 || p[0] != '\\' || p[1] != 'u') return -1;
    long v = 0;
    for (int k = 2; k < 6; k++) {
        int c = p[k], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Where one surrogate pair was rewritten: its offset in the pattern, and the offset and
 * length of its character in the rewritten text. */
typedef struct pair_at {
    size_t orig, at, len;
} pair_at;

/* A surrogate pair written as two escapes (\uD83D\uDE00) means one code point in
 * ECMAScript, but PCRE2 in UTF mode refuses each half.  Rewrite every pair as the
 * character itself, in UTF-8 (with ALT_BSUX PCRE2 has no \x{…} escape; no code point above
 * U+FFFF is a metacharacter), into out, recording each in pairs (room for n / 12 + 1).  Returns the number of pairs, or -1 with *bad = the offset of a lone
 * surrogate escape, which stands for no character and cannot be matched. */
static long rewrite_pairs(const char *pat, size_t n, strbuf *out, pair_at *pairs, size_t *bad) {
    long np = 0;
    for (size_t i = 0; i < n;) {
        if (pat[i] != '\\' || i + 1 >= n) {
            sb_addc(out, pat[i++]);
            continue;
        }
        long hi = u_escape(pat + i, n - i);
        if (hi < 0xD800 || hi > 0xDFFF) { /* another escape: copy it whole (\\u is no \u) */
            sb_add(out, pat + i, 2);
            i += 2;
            continue;
        }
        long lo = u_escape(pat + i + 6, n - i - 6);
        if (hi > 0xDBFF || lo < 0xDC00 || lo > 0xDFFF) {
            *bad = i;
            return -1;
        }
        size_t at = out->len;
        long cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
        char utf8[4] = {(char)(0xF0 | cp >> 18), (char)(0x80 | (cp >> 12 & 0x3F)),
                        (char)(0x80 | (cp >> 6 & 0x3F)), (char)(0x80 | (cp & 0x3F))};
        sb_add(out, utf8, 4);
        pairs[np++] = (pair_at){i, at, out->len - at};
        i += 12;
    }
    return np;
}

/* Case-insensitive classes: PCRE2 10.42 compiles a range of a class that may match
 * without regard to case one code point at a time (looking up each one's other case), some
 * 6 ns each: `(?i)[\u0100-\uDBFF\uDFFF]` (a dozen bytes) takes 7 ms, and a 1 MiB path of
 * them minutes, with no way to stop it.  So the ranges are counted before compiling: at most
 * JP_RE_CASELESS_SPAN code points of them per pattern, or per path for its literals (~25 ms). */

/* Does an option setting "(?…)" / "(?…:" of the pattern t[0..n) hold the letters
 * `letters` (or something that looks like one: over-counting refuses nothing an ordinary
 * pattern writes)? */
static int option_setting_has(const char *t, size_t n, const char *letters) {
    size_t k = strlen(letters);
    for (size_t i = 0; i + 1 < n; i++) {
        if (t[i] != '(' || t[i + 1] != '?') continue;
        for (size_t j = i + 2; j < n && (isalpha((unsigned char)t[j]) || t[j] == '^' || t[j] == '-'); j++)
            if (j + k <= n && !memcmp(t + j, letters, k)) return 1;
    }
    return 0;
}

/* May the pattern t[0..n) match without regard to case somewhere: the i flag, or (?i). */
static int may_be_caseless(const char *t, size_t n, uint32_t opts) {
    return (opts & PCRE2_CASELESS) || option_setting_has(t, n, "i");
}

/* The value of the hex digits t[i..i+k), or -1. */
static long hex_at(const char *t, size_t n, size_t i, size_t k) {
    long v = 0;
    for (size_t j = i; j < i + k; j++) {
        int c = j < n ? t[j] : 0;
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

/* The code point of the UTF-8 character at t[*i..n), advancing *i past it. */
static long utf8_atom(const char *t, size_t n, size_t *i) {
    unsigned char c = (unsigned char)t[*i];
    long cp = c < 0x80 ? c : c < 0xE0 ? c & 0x1F : c < 0xF0 ? c & 0x0F : c & 0x07;
    for ((*i)++; *i < n && ((unsigned char)t[*i] & 0xC0) == 0x80; (*i)++) cp = cp << 6 | (t[*i] & 0x3F);
    return cp;
}

/* The code point of the class atom at t[*i..n), advancing *i past it: a character, or an
 * escape of one (with ALT_BSUX: \uhhhh, \xhh, octal, \cX, \n …).  -1: an escape of a set
 * (\d, \p{…}), which ends no range; ATOM_UNREAD: one this count does not read (\o{…},
 * \N{U+…}), whose range is taken as all of Unicode. */
#define ATOM_UNREAD (-2L)
#define UNICODE_SPAN 0x110000u
static long class_atom(const char *t, size_t n, size_t *i) {
    if (t[*i] != '\\' || *i + 1 >= n) return utf8_atom(t, n, i);
    if ((unsigned char)t[*i + 1] >= 0x80) return (*i)++, utf8_atom(t, n, i); /* \Ā is Ā */
    char e = t[*i + 1];
    *i += 2;
    long v;
    if (e == 'u' && (v = hex_at(t, n, *i, 4)) >= 0) return *i += 4, v;
    if (e == 'x' && (v = hex_at(t, n, *i, 2)) >= 0) return *i += 2, v;
    if (e >= '0' && e <= '7') {
        v = e - '0';
        for (int k = 0; k < 2 && *i < n && t[*i] >= '0' && t[*i] <= '7'; k++) v = v * 8 + (t[(*i)++] - '0');
        return v;
    }
    if (e == 'c') return *i < n ? (t[(*i)++] & 0x7F) ^ 0x40 : ATOM_UNREAD;
    if (e == 'o' || e == 'N') return ATOM_UNREAD;
    if (strchr("dDsSwWhHvVpPRX", e)) return -1;
    static const char ctl_names[] = "abefnrt", ctl_codes[] = {7, 8, 27, 12, 10, 13, 9};
    const char *ctl = e ? strchr(ctl_names, e) : NULL;
    if (ctl) return ctl_codes[ctl - ctl_names]; /* \b is a backspace in a class */
    return (unsigned char)e; /* \-, \], \/ …: the character itself */
}

/* Where the POSIX class "[:name:]" or "[:^name:]" at t[i..n) ends, or 0 if there is none
 * there.  Only letters count as a name: PCRE2 reads whatever else it takes for one
 * (`[:\u0100-\uFFFF[:]`) as characters of the class, ranges included. */
static size_t posix_class_end(const char *t, size_t n, size_t i) {
    size_t j = i + 2;
    if (i + 1 >= n || t[i] != '[' || t[i + 1] != ':') return 0;
    if (j < n && t[j] == '^') j++;
    while (j < n && isalpha((unsigned char)t[j])) j++;
    return j + 1 < n && t[j] == ':' && t[j + 1] == ']' ? j + 2 : 0;
}

/* Reading one class: the pattern, the offset, inside \Q…\E or not. */
typedef struct class_reader {
    const char *t;
    size_t n, i;
    int quoted;
} class_reader;

#define ITEM_END (-3L)    /* the class's closing ] (or the pattern's end) */
#define ITEM_HYPHEN (-4L) /* a - that may make a range */

/* The next item of a class: a code point, -1 (a set), ATOM_UNREAD, ITEM_HYPHEN or ITEM_END.
 * What PCRE2 ignores in a class is skipped, so that a range is seen across it as PCRE2
 * sees it: \E and the \Q that starts quoting ((?xx), which skips spaces too, is counted
 * by hyphen_span).  A quoted character is a literal, a quoted - taken as a hyphen
 * (over-counting if it is not one). */
static long class_item(class_reader *r) {
    const char *t = r->t;
    while (r->i < r->n) {
        char c = t[r->i], next = r->i + 1 < r->n ? t[r->i + 1] : 0;
        if (c == '\\' && (next == 'E' || (next == 'Q' && !r->quoted))) {
            r->quoted = next == 'Q';
            r->i += 2;
            continue;
        }
        if (c == '-') return r->i++, ITEM_HYPHEN;
        if (r->quoted) return utf8_atom(t, r->n, &r->i);
        if (c == ']') return r->i++, ITEM_END;
        size_t end = posix_class_end(t, r->n, r->i);
        if (end) return r->i = end, -1;
        return class_atom(t, r->n, &r->i);
    }
    return ITEM_END;
}

/* The code points spanned by the ranges of the class whose items r reads next (after its
 * [ or [^), leaving r after its ]. */
static uint64_t one_class_span(class_reader *r) {
    uint64_t span = 0;
    long a = ITEM_END; /* the item before, if it may start a range */
    for (;;) {
        long item = class_item(r);
        if (item == ITEM_END) return span;
        if (item != ITEM_HYPHEN || a == ITEM_END || a == -1) {
            a = item == ITEM_HYPHEN ? '-' : item;
            continue;
        }
        long b = class_item(r);
        if (b == ITEM_END) return span; /* [a-]: a literal - */
        if (b == ITEM_HYPHEN) b = '-';
        if (a == ATOM_UNREAD || b == ATOM_UNREAD) span += UNICODE_SPAN;
        else if (b >= a) span += (uint64_t)(b - a) + 1;
        a = ITEM_END; /* [a-c-e]: the second - is a literal */
    }
}

/* The code points spanned by the ranges of the classes of t[0..n), a pattern without
 * free text, over-counted where in doubt but never under: the count must not leave a
 * class before PCRE2 does, nor see a range end where PCRE2 does not. */
static uint64_t class_span(const char *t, size_t n) {
    uint64_t span = 0;
    for (size_t i = 0; i < n;) {
        if (t[i] == '\\' && i + 1 < n && t[i + 1] == 'Q') { /* quoted: no class starts */
            const char *end = memmem(t + i + 2, n - i - 2, "\\E", 2);
            i = end ? (size_t)(end - t) + 2 : n;
            continue;
        }
        if (t[i] == '\\') {
            i += 2;
            continue;
        }
        if (t[i++] != '[') continue;
        class_reader r = {t, n, i, 0};
        if (r.i < n && t[r.i] == '^') r.i++;
        if (r.i < n && t[r.i] == ']') { /* PCRE2_ALLOW_EMPTY_CLASS: [] and [^] */
            i = r.i + 1;
            continue;
        }
        span += one_class_span(&r);
        i = r.i;
    }
    return span;
}

/* Does the pattern t[0..n) hold text that PCRE2 reads as no pattern at all — a comment
 * ((?#…), or # under (?x)), a callout's string ((?C{…})), a verb's name ((*MARK:…)) — in
 * which a [ or \Q would start a class or quoting for class_span but not for PCRE2, hiding
 * the real classes after it ((?#[\Q)[\u0100-\N{U+10FFFF}]…)?  (?x) counts for any x. */
static int has_free_text(const char *t, size_t n) {
    if (option_setting_has(t, n, "x")) return 1;
    for (size_t i = 0; i + 2 < n; i++) {
        if (t[i] != '(') continue;
        if (t[i + 1] == '?' && (t[i + 2] == '#' || t[i + 2] == 'C')) return 1;
        if (t[i + 1] != '*') continue;
        size_t j = i + 2; /* (*UCP), (*LIMIT_MATCH=9): no name */
        while (j < n && (isupper((unsigned char)t[j]) || isdigit((unsigned char)t[j]) || t[j] == '_' || t[j] == '='))
            j++;
        if (j >= n || t[j] != ')') return 1;
    }
    return 0;
}

/* The least code point a range whose - is t[h] could start at: the character before it if
 * that is not ASCII (what PCRE2 skips before a -, \E and spaces, is ASCII, and an escaped
 * non-ASCII character is itself), else 0 (\t, \x41, \u0041 and \Q1 end in ASCII). */
static long least_start(const char *t, size_t h) {
    if (!h || !((unsigned char)t[h - 1] & 0x80)) return 0;
    size_t s = h - 1;
    while (s > 0 && ((unsigned char)t[s] & 0xC0) == 0x80) s--;
    return utf8_atom(t, h, &s);
}

/* A bound whatever the pattern's structure, for one with free text: each - that could
 * make a range is counted as one from least_start to the largest code point that could
 * end it, read as an escape or as the character itself, after what PCRE2 skips there
 * (\E, \Q, and spaces and tabs under (?xx)). */
static uint64_t hyphen_span(const char *t, size_t n) {
    uint64_t span = 0;
    for (size_t h = 0; h < n; h++) {
        if (t[h] != '-') continue;
        long start = least_start(t, h), end = 0;
        for (size_t i = h + 1; i < n;) {
            size_t j = i, k = i;
            long esc = class_atom(t, n, &j), chr = utf8_atom(t, n, &k);
            if (esc == ATOM_UNREAD) esc = UNICODE_SPAN - 1;
            if (esc > end) end = esc;
            if (chr > end) end = chr;
            if (i + 1 < n && t[i] == '\\' && (t[i + 1] == 'E' || t[i + 1] == 'Q')) i += 2;
            else if (t[i] == ' ' || t[i] == '\t') i++;
            else break;
        }
        if (end >= start) span += (uint64_t)(end - start) + 1;
    }
    return span;
}

/* Named groups: PCRE2 10.42 checks each new name against every earlier one and looks each
 * named reference up name by name, so 10,000 names of 32 bytes (370 KB) take 0.8 s to compile
 * and 1,000 names with 20,000 references 0.3 s, with no way to stop it.  The pairs
 * (names times names and references) are counted before compiling, generously: every
 * (?<x, (?'x and (?P<x is taken for a name, every \k, \g, (?P=, (?P>, (?& and (?( for a
 * reference, wherever they are (in a class, a comment, \Q…\E). */
static uint64_t name_pairs(const char *t, size_t n) {
    uint64_t names = 0, refs = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] == '\\' && i + 1 < n) {
            refs += t[i + 1] == 'k' || t[i + 1] == 'g';
            i++;
            continue;
        }
        if (t[i] != '(' || i + 2 >= n || t[i + 1] != '?') continue;
        char a = t[i + 2], b = i + 3 < n ? t[i + 3] : 0;
        if ((a == '<' && b != '=' && b != '!') || a == '\'' || (a == 'P' && b == '<')) names++;
        else if ((a == 'P' && (b == '=' || b == '>')) || a == '&' || a == '(') refs++;
    }
    return names * (names + refs);
}

/* The offset in the pattern of offset off of its rewritten text. */
static size_t original_offset(const pair_at *pairs, long np, size_t off) {
    size_t orig = off;
    for (long k = 0; k < np && pairs[k].at <= off; k++)
        orig = off < pairs[k].at + pairs[k].len ? pairs[k].orig : off - pairs[k].at - pairs[k].len + pairs[k].orig + 12;
    return orig;
}

/* Compile pat[0..n) with extra options opts.  On failure returns NULL, writes PCRE2's
 * message (or ours, for a lone surrogate escape, or case-insensitive ranges or named groups
 * over what is left of *left) into msg and the offending pattern offset into *erroff. */
pcre2_code *jp_re_compile(const char *pat, size_t n, uint32_t opts, jp_re_budget *left, char *msg,
                          size_t msgcap, size_t *erroff) {
    int code;
    PCRE2_SIZE off = 0;
    strbuf src = STRBUF_INIT;
    pair_at *pairs = NULL;
    size_t bad = 0;
    long np = 0;
    if (n && memmem(pat, n, "\\u", 2)) {
        pairs = malloc((n / 12 + 1) * sizeof *pairs);
        if (!pairs) abort();
        np = rewrite_pairs(pat, n, &src, pairs, &bad);
        if (np < 0) {
            snprintf(msg, msgcap, "lone surrogate escape %.6s; only a pair such as \\uD83D\\uDE00 "
                     "stands for a character", pat + bad);
            *erroff = bad;
            free(pairs);
            sb_free(&src);
            return NULL;
        }
    }
    const char *p = np ? src.buf : pat;
    size_t pn = np ? src.len : n;
    uint64_t span = 0;
    if (may_be_caseless(p, pn, opts)) span = has_free_text(p, pn) ? hyphen_span(p, pn) : class_span(p, pn);
    uint64_t named = name_pairs(p, pn);
    if (span > left->span_left || named > left->pairs_left) {
        if (span > left->span_left)
            snprintf(msg, msgcap, "case-insensitive class ranges span over %lu characters", (unsigned long)JP_RE_CASELESS_SPAN);
        else
            snprintf(msg, msgcap, "named groups times named groups and references over %lu", (unsigned long)JP_RE_NAME_PAIRS);
        *erroff = 0;
        free(pairs);
        sb_free(&src);
        return NULL;
    }
    left->span_left -= span;
    left->pairs_left -= named;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)(pn ? p : ""), pn, opts | JP_RE_OPTIONS, &code,
                                   &off, NULL);
    if (!re) {
        pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, msgcap);
        *erroff = original_offset(pairs, np, off);
    }
    free(pairs);
    sb_free(&src);
    return re;
}

/* The match context with this module's limits (one per compiled path). */
pcre2_match_context *jp_re_mctx_new(void) {
    pcre2_match_context *m = pcre2_match_context_create(NULL);
    if (!m) abort();
    pcre2_set_match_limit(m, JP_RE_MATCH_LIMIT);
    pcre2_set_depth_limit(m, JP_RE_DEPTH_LIMIT);
    pcre2_set_heap_limit(m, JP_RE_HEAP_LIMIT);
    return m;
}

/* Add the time since t0 to the request's regex time; past JP_RE_TIME_LIMIT_NS fail the
 * evaluation (c->failed, c->err) and return -1.  Each match stays under its step limit and
 * each run-time pattern compiles in time linear in its length, but a request may run many
 * (every element, every key): their time together is bounded too, so no request holds the
 * server up. */
static int charge_regex_time(jp_ctx *c, const struct timespec *t0) {
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    c->regex_ns += (uint64_t)((t1.tv_sec - t0->tv_sec) * 1000000000LL + (t1.tv_nsec - t0->tv_nsec));
    if (c->regex_ns <= JP_RE_TIME_LIMIT_NS) return 0;
    if (!c->failed) {
        c->failed = 1;
        snprintf(c->err->msg, sizeof c->err->msg, "regular expressions exceeded their time limit (1 s per request)");
    }
    return -1;
}

/* The lower of a limit of this module's and the one pattern re set for itself
 * ((*LIMIT_MATCH=n), (*LIMIT_DEPTH=n), (*LIMIT_HEAP=n)): the one PCRE2 applied. */
static uint32_t applied_limit(const pcre2_code *re, uint32_t what, uint32_t ours) {
    uint32_t own;
    return pcre2_pattern_info(re, what, &own) == 0 && own < ours ? own : ours;
}

/* Fail the evaluation for a match stopped by limit rc, naming that limit with the value
 * PCRE2 applied.  They are met differently: a catastrophic pattern takes too many steps,
 * while a group repeated over a long subject (`^(?:a|b)*$` over 300,000 characters)
 * keeps a backtracking point of some 130 bytes per repetition and meets the heap limit
 * after few steps; calling that the step limit sent users looking for a catastrophe that
 * is not there.  A pattern's own lower limit is named by its value too ("1 step"). */
static void fail_match_limit(jp_ctx *c, const pcre2_code *re, int rc) {
    if (rc == PCRE2_ERROR_MATCHLIMIT) {
        jp_fail_limit(c, "regex", applied_limit(re, PCRE2_INFO_MATCHLIMIT, JP_RE_MATCH_LIMIT));
        return;
    }
    if (!c->failed && c->err) {
        c->err->pos = 0;
        if (rc == PCRE2_ERROR_DEPTHLIMIT) {
            uint32_t n = applied_limit(re, PCRE2_INFO_DEPTHLIMIT, JP_RE_DEPTH_LIMIT);
            snprintf(c->err->msg, sizeof c->err->msg,
                     "regex exceeded its depth limit (%u backtracking point%s)", n, plural_s(n));
        } else if (rc == PCRE2_ERROR_HEAPLIMIT) {
            uint32_t n = applied_limit(re, PCRE2_INFO_HEAPLIMIT, JP_RE_HEAP_LIMIT);
            snprintf(c->err->msg, sizeof c->err->msg,
                     "regex exceeded its memory limit (%u KiB of backtracking points)", n);
        } else {
            snprintf(c->err->msg, sizeof c->err->msg, "regex match ran out of memory");
        }
    }
    c->failed = 1;
}

/* Search s[from..n) for re.  Returns 1 (match at [*ms, *me)), 0 (no match), -1 (step limit
 * exceeded: c->failed and c->err are set) or -2 (another matcher error, e.g. invalid UTF-8
 * in the subject: c->elem_err is set). */
int jp_re_search(jp_ctx *c, const pcre2_code *re, const char *s, size_t n, size_t from,
                 size_t *ms, size_t *me) {
    if (!c->md && !(c->md = pcre2_match_data_create(1, NULL))) abort();
    /* A search from past the start (tokenize's next piece) is of a subject
     * already checked: without PCRE2_NO_UTF_CHECK, PCRE2 would check all of
     * it again on every call, making tokenize quadratic in its length. */
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = pcre2_match(re, (PCRE2_SPTR)(n ? s : ""), n, from, from ? PCRE2_NO_UTF_CHECK : 0, c->md,
                         c->path->mctx);
    if (charge_regex_time(c, &t0)) return -1;
    if (rc >= 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
        *ms = ov[0];
        *me = ov[1];
        return 1;
    }
    if (rc == PCRE2_ERROR_NOMATCH) return 0;
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
        rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_NOMEMORY) {
        fail_match_limit(c, re, rc);
        return -1;
    }
    c->elem_err = 1;
    return -2;
}

/* A regex for a pattern computed at run time; NULL if it does not compile (or, with
 * c->failed set, past the step limit).  The result is owned by c (valid until the next call
 * or the end of the evaluation).  Its compile time counts with the matches'
 * (charge_regex_time): compiling costs some 50 times what reading the pattern did, so a
 * value of many long distinct patterns (`$[?('x' =~ @)]`) would hold the server for
 * seconds; past the limit c->failed is set and the caller stops.  Telling the cached
 * pattern again reads it whole, so that comparison costs by length like any other (3.14.8):
 * `@ =~ $.p` with $.p of 400 KB, tested a million times in nested filters, held the
 * server for over ten seconds with neither the step limit nor the regex time counting it. */
pcre2_code *jp_re_dynamic(jp_ctx *c, const char *pat, size_t n) {
    if (c->dyn_pat && c->dyn_len == n) {
        if (jp_tick_bytes(c, n)) return NULL;
        if (memcmp(c->dyn_pat, pat, n) == 0) return c->dyn_re;
    }
    pcre2_code_free(c->dyn_re);
    free(c->dyn_pat);
    c->dyn_pat = malloc(n + 1);
    if (!c->dyn_pat) abort();
    memcpy(c->dyn_pat, pat, n);
    c->dyn_len = n;
    char msg[120];
    size_t off;
    struct timespec t0;
    jp_re_budget left = JP_RE_BUDGET_INIT; /* per pattern: the time charge bounds them all */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    c->dyn_re = jp_re_compile(pat, n, 0, &left, msg, sizeof msg, &off);
    charge_regex_time(c, &t0);
    return c->dyn_re;
}
