/*
 * cli_output.c — how the client prints: terminal detection, pretty or
 * compact JSON, colour, raw strings.
 *
 * Rules (the same for every command):
 *   - stdout carries only data; diagnostics go to stderr;
 *   - on a terminal: pretty JSON (2-space indent) in colour, unless NO_COLOR
 *     is set to a non-empty value or TERM is "dumb";
 *   - otherwise: compact JSON, one document per line — exactly the text the
 *     server sent, so numbers keep their text (0.1, 18446744073709551616);
 *   - --pretty / --compact override the choice; colour needs a terminal;
 *   - -r prints string values as their bare decoded text;
 *   - lists (keys, contains, find, session exists) print one item per line
 *     when not pretty (or with -r), each item JSON-encoded unless -r;
 *   - what goes to a terminal holds nothing it would obey: JSON text its
 *     DEL and C1 controls as \u007F and \u0080..\u009F (the same JSON
 *     value; JSON escapes the C0 controls already) and its format
 *     characters as \u202E and the like (common/hidden_char.h: a name
 *     that would read backwards or hide letters), the bare text of -r and
 *     -0 each control as \xhh (a value's line breaks and tabs stay).  To a
 *     pipe or file everything stays exact: `ndb keys -0 | xargs -0`.
 *
 * The pretty printer walks the scanner's tokens and copies each scalar's
 * text unchanged: nothing is converted through a number type.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/cli.h"
#include "common/hidden_char.h"

/* SGR colours. */
#define C_KEY "\033[1;34m"
#define C_STR "\033[32m"
#define C_NUM "\033[36m"
#define C_BOOL "\033[33m"
#define C_NULL "\033[90m"
#define C_OFF "\033[0m"

int cli_output_gone(void) {
    struct pollfd p = {.fd = STDOUT_FILENO, .events = 0};
    return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

void cli_output_init(cli_ctx *c) {
    const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
    c->tty = isatty(STDOUT_FILENO);
    c->pretty = c->opt[OPT_PRETTY] ? 1 : c->opt[OPT_COMPACT] ? 0 : c->tty;
    c->color = c->pretty && c->tty && !(nc && *nc) && !(term && !strcmp(term, "dumb"));
    c->raw = c->opt[OPT_RAW] != NULL;
}

static void indent(strbuf *out, unsigned level) {
    sb_addc(out, '\n');
    for (unsigned i = 0; i < level; i++) SB_ADD_LIT(out, "  ");
}

/* JSON text s, its raw DEL and C1 controls (U+0080..U+009F: 0xc2, then
 * 0x80..0x9f; 0xc2 is never a continuation byte) as \u007F and \u0080..:
 * the same JSON, but a terminal taking 8-bit controls would obey U+009B
 * as CSI.  Outside its strings JSON text holds neither.  Raw C0 controls
 * too (\u001B): JSON escapes them, so text ndb parsed has none, but what
 * ndb send and the REPL print is a server's text as it came. */
static void add_json_safe(strbuf *out, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i], next = i + 1 < n ? (unsigned char)s[i + 1] : 0;
        uint32_t cp;
        size_t k = ch >= 0xc2 ? hidden_format_at((const unsigned char *)s + i, n - i, &cp) : 0;
        if (k) { /* U+202E and friends: the same JSON, a line that reads as it is */
            if (cp < 0x10000) sb_addf(out, "\\u%04X", (unsigned)cp);
            else sb_addf(out, "\\u%04X\\u%04X", 0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
            i += k - 1;
        } else if (ch < 0x20 || ch == 0x7f) {
            sb_addf(out, "\\u%04X", ch);
        } else if (ch == 0xc2 && next >= 0x80 && next < 0xa0) {
            sb_addf(out, "\\u%04X", next);
            i++;
        } else {
            sb_addc(out, (char)ch);
        }
    }
}

void cli_write_json_line(int tty, const char *s, size_t n) {
    if (tty) {
        strbuf safe = STRBUF_INIT;
        add_json_safe(&safe, s, n);
        fwrite(safe.buf, 1, safe.len, stdout);
        sb_free(&safe);
    } else {
        fwrite(s, 1, n, stdout);
    }
    putchar('\n');
}

/* JSON text as it goes to standard output: exact, or on a terminal
 * add_json_safe. */
static void add_json_out(cli_ctx *c, const char *s, size_t n) {
    if (c->tty) add_json_safe(&c->out, s, n);
    else sb_add(&c->out, s, n);
}

/* The bare text of a string (-r, -0): exact, or on a terminal each control
 * character, and each byte that is not UTF-8, as \xhh (sb_add_visible), but
 * a value's line breaks and tabs, which -r prints a text for, when keep_lines. */
static void add_text_out(cli_ctx *c, const char *s, size_t n, int keep_lines) {
    if (!c->tty) {
        sb_add(&c->out, s, n);
        return;
    }
    for (size_t i = 0; i < n;) {
        size_t run = 0;
        while (i + run < n && !(keep_lines && (s[i + run] == '\n' || s[i + run] == '\t'))) run++;
        sb_add_visible(&c->out, s + i, run);
        i += run;
        if (i < n) sb_addc(&c->out, s[i++]);
    }
}

static void colored(strbuf *out, int color, const char *sgr, const char *s, size_t n) {
    if (color) sb_adds(out, sgr);
    add_json_safe(out, s, n); /* a person reads pretty JSON: on a terminal, or a pager */
    if (color) SB_ADD_LIT(out, C_OFF);
}

/* Pretty-print token t at nesting level `level`. */
static void pretty(strbuf *out, const jdoc *d, uint32_t t, int color, unsigned level) {
    const jtok *k = &d->toks[t];
    const char *s = jtok_text(d, k);
    switch (k->type) {
    case JT_STRING: colored(out, color, C_STR, s, k->len); return;
    case JT_NUMBER: colored(out, color, C_NUM, s, k->len); return;
    case JT_TRUE:
    case JT_FALSE: colored(out, color, C_BOOL, s, k->len); return;
    case JT_NULL: colored(out, color, C_NULL, s, k->len); return;
    default: break;
    }
    int obj = k->type == JT_OBJECT;
    if (k->count == 0) {
        sb_adds(out, obj ? "{}" : "[]");
        return;
    }
    sb_addc(out, obj ? '{' : '[');
    uint32_t i = t + 1;
    for (uint32_t n = 0; n < k->count; n++) {
        if (n) sb_addc(out, ',');
        indent(out, level + 1);
        if (obj) {
            const jtok *key = &d->toks[i];
            colored(out, color, C_KEY, jtok_text(d, key), key->len);
            SB_ADD_LIT(out, ": ");
            i++;
        }
        pretty(out, d, i, color, level + 1);
        i = d->toks[i].next;
    }
    indent(out, level);
    sb_addc(out, obj ? '}' : ']');
}

void cli_pretty(strbuf *out, const jdoc *d, uint32_t t, int color) { pretty(out, d, t, color, 0); }

static void flush_out(cli_ctx *c) {
    if (!c->out.len) return;
    fwrite(c->out.buf, 1, c->out.len, stdout);
    sb_reset(&c->out);
}

/* Append one value in the current style, no newline. */
static void format_value(cli_ctx *c, const jdoc *d, uint32_t t) {
    const jtok *k = &d->toks[t];
    if (c->raw && k->type == JT_STRING) {
        strbuf text = STRBUF_INIT;
        jstr_decode(d, k, &text);
        add_text_out(c, text.buf ? text.buf : "", text.len, 1);
        sb_free(&text);
    } else if (c->pretty) {
        cli_pretty(&c->out, d, t, c->color);
    } else {
        add_json_out(c, jtok_text(d, k), k->len);
    }
}

void cli_print_value(cli_ctx *c, const jdoc *d, uint32_t t) {
    format_value(c, d, t);
    sb_addc(&c->out, '\n');
    flush_out(c);
}

int cli_print_list(cli_ctx *c, const jdoc *d, uint32_t t) {
    if (c->pretty && !c->raw && !c->opt[OPT_NULL]) {
        cli_print_value(c, d, t);
        return 0;
    }
    return cli_print_lines(c, d, t);
}

/* -0 cannot write a name that holds a NUL byte ("a\u0000b"): it would read
 * back as two names, and `ndb keys -0 | xargs -0 ndb rm` would remove keys
 * a and b.  Say so, before anything of the list is printed.  Returns 0, or
 * CLI_USAGE after the message. */
static int check_nul_free(cli_ctx *c, const jdoc *d, uint32_t t) {
    strbuf name = STRBUF_INIT;
    int rc = 0;
    for (uint32_t n = 0, i = t + 1; n < d->toks[t].count && !rc; n++, i = d->toks[i].next) {
        const jtok *it = &d->toks[i];
        if (it->type != JT_STRING || !(it->flags & JF_ESCAPED)) continue; /* a NUL is always escaped */
        sb_reset(&name);
        jstr_decode(d, it, &name);
        if (name.len && memchr(name.buf, '\0', name.len)) {
            fprintf(stderr, "%s: -0 cannot separate the name %.*s, which holds a NUL byte; list the names without -0 "
                            "(one JSON-encoded name per line)\n",
                    c->prog, (int)it->len, jtok_text(d, it));
            rc = CLI_USAGE;
        }
    }
    sb_free(&name);
    return rc;
}

int cli_print_lines(cli_ctx *c, const jdoc *d, uint32_t t) {
    const jtok *k = &d->toks[t];
    int nul = c->opt[OPT_NULL] != NULL; /* -0: bare names, NUL-terminated */
    if (nul && check_nul_free(c, d, t)) return CLI_USAGE;
    uint32_t i = t + 1;
    strbuf text = STRBUF_INIT;
    for (uint32_t n = 0; n < k->count; n++) {
        const jtok *it = &d->toks[i];
        if ((c->raw || nul) && it->type == JT_STRING) {
            sb_reset(&text);
            jstr_decode(d, it, &text);
            add_text_out(c, text.buf ? text.buf : "", text.len, 0); /* one item, one line */
        } else {
            add_json_out(c, jtok_text(d, it), it->len);
        }
        sb_addc(&c->out, nul ? '\0' : '\n');
        i = it->next;
        if (c->out.len > 65536) flush_out(c);
    }
    sb_free(&text);
    flush_out(c);
    return 0;
}

void cli_print_body(cli_ctx *c, const jdoc *d, uint32_t t) {
    const jtok *k = &d->toks[t];
    strbuf o = STRBUF_INIT;
    uint32_t i = t + 1;
    sb_addc(&o, '{');
    for (uint32_t n = 0; n < k->count; n++) {
        const jtok *key = &d->toks[i];
        uint32_t v = i + 1;
        if (!jstr_equals(d, key, "st", 2) && !jstr_equals(d, key, "m", 1)) {
            if (o.len > 1) sb_addc(&o, ',');
            sb_add(&o, jtok_text(d, key), key->len);
            sb_addc(&o, ':');
            sb_add(&o, jtok_text(d, &d->toks[v]), d->toks[v].len);
        }
        i = d->toks[v].next;
    }
    sb_addc(&o, '}');
    if (jdoc_parse(&c->tmp, o.buf, o.len, NULL) == 0) cli_print_value(c, &c->tmp, 0);
    sb_free(&o);
}

void cli_print_line(cli_ctx *c, const char *s, size_t n) {
    add_json_out(c, s, n);
    sb_addc(&c->out, '\n');
    flush_out(c);
}

void cli_quote(strbuf *out, const char *s, size_t n) {
    strbuf j = STRBUF_INIT;
    sb_add_json_string(&j, s, n);
    add_json_safe(out, j.buf, j.len); /* JSON escapes C0 controls only */
    sb_free(&j);
}
