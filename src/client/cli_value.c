/*
 * cli_value.c — turning command-line text into protocol JSON: the value
 * rules of `ndb set` (`ndb help values`: JSON if it is JSON, a string if it
 * does not look like JSON, an error if it looks like JSON but is not),
 * session tokens, and reading standard input.
 *
 * "Valid JSON" here means strict RFC 8259: the server's dialect also allows
 * comments, but `ndb set k '5 // five'` storing 5 would surprise, so text
 * with comments counts as a string.  Values keep their exact text: what is
 * sent is the scanner's compact copy (only whitespace removed).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/cli.h"
#include "json/syntax_error.h"

int cli_plain_number(const char *s) {
    const char *p = s;
    if (*p < '0' || *p > '9') return 0;
    while (*p >= '0' && *p <= '9') p++;
    if (*p == '.') {
        if (p[1] < '0' || p[1] > '9') return 0;
        for (p++; *p >= '0' && *p <= '9'; p++) {}
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (*p < '0' || *p > '9') return 0;
        while (*p >= '0' && *p <= '9') p++;
    }
    return *p == 0;
}

int cli_parse_u64(const char *s, uint64_t *v) {
    uint64_t x = 0;
    if (!*s) return -1;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        unsigned dgt = (unsigned)(*p - '0');
        if (x > (UINT64_MAX - dgt) / 10) return -1;
        x = x * 10 + dgt;
    }
    *v = x;
    return 0;
}

/* Count the '/' bytes of s[0..n). */
static size_t slashes(const char *s, size_t n) {
    size_t k = 0;
    for (const char *p = s; (p = memchr(p, '/', (size_t)(s + n - p))); p++) k++;
    return k;
}

int cli_is_json(jdoc *d, const char *s, size_t n) {
    if (jdoc_parse(d, s, n, NULL)) return 0;
    /* Outside strings a '/' can only start a comment, and the compact copy
     * keeps every byte but whitespace and comments: a comment was present
     * exactly when slashes went missing. */
    return slashes(s, n) == slashes(d->text.buf, d->text.len);
}

/* A value quoted in a message: at most 40 bytes, "..." when cut, and each
 * control character as \xhh (as the REPL lists key names): the value may
 * come from a file, and an escape sequence in it would be obeyed by the
 * terminal showing the message. */
typedef struct { char text[40 * 4 + 4]; } excerpt;

static const char *shown(excerpt *x, const char *s, size_t n) {
    size_t o = 0, k = n > 40 ? 40 : n;
    for (size_t i = 0; i < k; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch == 0x7f) o += (size_t)snprintf(x->text + o, sizeof x->text - o, "\\x%02x", ch);
        else x->text[o++] = (char)ch;
    }
    snprintf(x->text + o, sizeof x->text - o, "%s", n > 40 ? "..." : "");
    return x->text;
}

static int json_blank(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }

/* The usage error for a value that nests deeper than a stored value may:
 * the server would refuse it with a bare parse error (3) or 42. */
static int too_deep(cli_ctx *c, const char *what, size_t pos) {
    return cli_usage_error(c, "%s is nested deeper than %d arrays/objects (at byte %zu); ndb "
                              "stores at most that", what, CLI_MAX_VALUE_DEPTH, pos);
}

/* Is s[pos-6..pos) a \uD800-\uDBFF escape?  The parser stops after a high
 * surrogate escape that no low one follows (docs/protocol.md 1.10), and
 * "unexpected 'x'" would blame the harmless byte after it. */
static int lone_high_surrogate_before(const char *s, size_t pos) {
    if (pos < 6 || s[pos - 6] != '\\' || s[pos - 5] != 'u' || (s[pos - 4] | 0x20) != 'd') return 0;
    char c = (char)(s[pos - 3] | 0x20);
    return c == '8' || c == '9' || c == 'a' || c == 'b';
}

/* "VALUE is not valid JSON: ..." with where and why parsing stopped; with
 * `hint`, how to store the text as a string instead. */
static int not_json(cli_ctx *c, const char *s, size_t n, const char *what, int hint) {
    size_t pos = 0;
    char why[200];
    excerpt x;
    if (jdoc_parse(&c->tmp, s, n, &pos) == 0) /* valid for the server: it holds comments */
        return cli_usage_error(c, "%s holds a comment, which values may not: '%s'%s", what, shown(&x, s, n),
                               hint ? " (-s stores it as a string)" : "");
    if (pos > n) pos = n;
    /* stopped at a bracket opening a level past the parser's: too deep, not malformed */
    if (pos < n && json_text_deeper_at(s, pos + 1, JSON_MAX_DEPTH) == pos)
        return too_deep(c, what, json_text_deeper_at(s, n, CLI_MAX_VALUE_DEPTH));
    /* stopped at a byte that is not UTF-8 (Latin-1 text in a string):
     * "unexpected '?'" named a character that is not there, and -s, which
     * the hint offered, refuses such text too */
    if (pos < n && (unsigned char)s[pos] >= 0x80 && !utf8_char_len(s + pos, n - pos))
        return cli_usage_error(c, "%s is not valid UTF-8 text: the byte \\x%02x at byte %zu is not part of a UTF-8 "
                                  "character (ndb stores JSON text only): '%s'",
                               what, (unsigned char)s[pos], pos, shown(&x, s, n));
    if (lone_high_surrogate_before(s, pos))
        snprintf(why, sizeof why, "the escape '%.6s' at byte %zu is half of a surrogate pair, without "
                                  "the other (\\ud83d\\ude00 is one character)", s + pos - 6, pos - 6);
    else if (pos >= n)
        snprintf(why, sizeof why, "it ends at byte %zu before the value is complete", n);
    else { /* the character itself: "unexpected '?'" named one that is not there */
        char where[32];
        snprintf(where, sizeof where, " at byte %zu", pos);
        json_describe_unexpected(why, sizeof why, s, n, pos, where);
    }
    return cli_usage_error(c, "%s is not valid JSON: %s: '%s'%s", what, why, shown(&x, s, n),
                           hint ? " (-s stores it as a string)" : "");
}

int cli_add_value(cli_ctx *c, strbuf *out, const char *s, size_t n, const char *what) {
    if (!c->opt[OPT_STRING]) {
        if (cli_is_json(&c->tmp, s, n)) {
            size_t deep = json_text_deeper_at(s, n, CLI_MAX_VALUE_DEPTH);
            if (deep < n) return too_deep(c, what, deep);
            sb_add(out, c->tmp.text.buf, c->tmp.text.len);
            return 0;
        }
        /* Text that starts like a JSON object, array or string was meant as
         * JSON: storing it as a string would hide the typo (ndb help values). */
        size_t i = 0;
        while (i < n && json_blank(s[i])) i++;
        if (c->opt[OPT_JSON]) return not_json(c, s, n, what, 0);
        if (i < n && (s[i] == '{' || s[i] == '[' || s[i] == '"')) return not_json(c, s, n, what, 1);
    }
    if (!utf8_valid(s, n))
        return cli_usage_error(c, "%s is not valid UTF-8 text (ndb stores JSON text only)", what);
    sb_add_json_string(out, s, n);
    return 0;
}

int cli_stdin_object(cli_ctx *c, const char *s, size_t n) {
    static const char deep[] = "a value of standard input is nested deeper than %d arrays/objects; "
                               "ndb stores at most that";
    size_t i = 0;
    while (i < n && json_blank(s[i])) i++;
    if (i == n) return cli_usage_error(c, "standard input is empty (expected a JSON object of KEY: VALUE)");
    if (!cli_is_json(&c->tmp, s, n)) {
        /* Its values sit one level below it: each may nest CLI_MAX_VALUE_DEPTH
         * (past the parser's bound the text is not parsed at all). */
        if (json_text_deeper_at(s, n, CLI_MAX_VALUE_DEPTH + 1) < n) return cli_usage_error(c, deep, CLI_MAX_VALUE_DEPTH);
        /* where it stops being JSON, as for a VALUE: "not an object" would
         * send the user looking for the wrong mistake */
        return not_json(c, s, n, "standard input", 0);
    }
    if (c->tmp.toks[0].type != JT_OBJECT)
        return cli_usage_error(c, "standard input is not a JSON object (expected {KEY: VALUE, ...})");
    if (jdoc_depth(&c->tmp, 0) > CLI_MAX_VALUE_DEPTH + 1) return cli_usage_error(c, deep, CLI_MAX_VALUE_DEPTH);
    return 0;
}

int cli_read_stdin_value(cli_ctx *c, strbuf *in) {
    int rc = cli_read_stdin(c, in);
    if (rc) return rc;
    /* The line ending that echo, printf '...\n' and editors add is not
     * part of the value (ndb help values). */
    size_t n = in->len;
    if (n && in->buf[n - 1] == '\n') n--;
    if (n && in->buf[n - 1] == '\r' && n + 1 == in->len) n--;
    in->len = n;
    sb_grow(in, 0);
    in->buf[n] = '\0';
    return 0;
}

int cli_add_stdin_value(cli_ctx *c, strbuf *out) {
    strbuf in = STRBUF_INIT;
    int rc = cli_read_stdin_value(c, &in);
    if (!rc) rc = cli_add_value(c, out, in.buf, in.len, "standard input");
    sb_free(&in);
    return rc;
}

int cli_add_arg_value(cli_ctx *c, const char *arg, int *stdin_used, const char *what) {
    if (strcmp(arg, "-")) return cli_add_value(c, &c->req, arg, strlen(arg), what);
    if ((*stdin_used)++) return cli_usage_error(c, "standard input ('-') can be read only once");
    return cli_add_stdin_value(c, &c->req);
}

int cli_read_stdin(cli_ctx *c, strbuf *out) {
    for (;;) {
        sb_grow(out, 65536);
        ssize_t r = read(STDIN_FILENO, out->buf + out->len, out->cap - out->len - 1);
        if (r < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "%s: cannot read standard input: %s\n", c->prog, strerror(errno));
            return CLI_USAGE;
        }
        if (r == 0) break;
        out->len += (size_t)r;
        out->buf[out->len] = '\0';
    }
    /* --timeout bounds connecting plus the answer: the time a slow producer
     * (`make-report | ndb set report -`) took to write our input is neither,
     * and counting it failed the command as "cannot connect ... timed out". */
    cli_start_clock(c);
    return 0;
}
