/*
 * cli_where.c — `ndb find --where EXPR`: a test of each value itself, as
 * client-side sugar over KV_FIND (the protocol has no such query).
 *
 * KV_FIND evaluates a path on each value; a filter $[?(E)] tests the
 * *members* of that value, with @ bound to the member.  Inside a filter,
 * $ is the root of the value being searched.  So the filter that tests the
 * value itself is E with every @ that the user meant as "the value" written
 * as $: for EXPR '@.age > 18' the path is $[?($.age > 18)], which selects
 * every member of a value whose age is over 18, i.e. the key matches.
 *
 * Limits, stated in `ndb find --help` and ndb(1): a value with no members
 * (a number, a string, true, false, null, {} or []) is never selected,
 * because the filter has nothing to select.  The construction is exact for
 * every value that has members.
 *
 * Rewriting is done on the text, one byte for one byte (so positions in
 * error messages map back to EXPR unchanged), skipping what is not an
 * operand: string literals and regex literals are copied as the engine's
 * own lexer reads them (jl_quoted, jl_regex_literal), and an @ inside a
 * nested filter [?(...)] or index expression [(...)] is left alone, since
 * there it is rebound to the node being tested by that inner selector.
 * Brackets and parentheses must balance inside EXPR, so EXPR cannot close
 * the outer filter early and smuggle in other selectors: the path is always
 * exactly one filter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli.h"
#include "json/jsonpath.h"
#include "json/jsonpath_internal.h"

#define WHERE_PREFIX "$[?("

static int blank(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }

/* Does a byte end an operand (so that a following '/' divides)? */
static int ends_operand(char ch) {
    return ch == ')' || ch == ']' || ch == '}' || ch == '@' || ch == '$' || ch == '\'' ||
           ch == '"' || ch == '_' || (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
           (ch >= 'A' && ch <= 'Z') || (unsigned char)ch >= 0x80;
}

int cli_where_path(const char *expr, strbuf *out, char *err, size_t errlen) {
    size_t n = strlen(expr);
    char stack[JP_MAX_NEST]; /* '(' '{' '[' or 'r' for a [ that rebinds @ */
    size_t depth = 0, rebinding = 0;
    char last = 0; /* last non-blank byte copied, for telling '/' apart */
    jp_error jerr;
    jp_lex l = {expr, n, 0, 0, 0, &jerr};

    sb_reset(out);
    sb_adds(out, WHERE_PREFIX);
    while (l.i < n) {
        size_t at = l.i;
        char ch = expr[at];
        if (ch == '\'' || ch == '"' || (ch == '/' && !ends_operand(last))) {
            char *lit = NULL;
            size_t litn, ps, pn;
            uint32_t opts;
            int bad = ch == '/' ? jl_regex_literal(&l, &ps, &pn, &opts) : jl_quoted(&l, &lit, &litn);
            free(lit);
            if (bad) l.i = n; /* unterminated: the compile below says where */
            sb_add(out, expr + at, l.i - at);
            last = expr[l.i - 1];
            continue;
        }
        if (ch == '(' || ch == '{' || ch == '[') {
            if (depth == sizeof stack) {
                snprintf(err, errlen, "brackets nested too deeply at position %zu", at);
                return -1;
            }
            char kind = ch;
            if (ch == '[') {
                size_t j = at + 1;
                while (j < n && blank(expr[j])) j++;
                if (j < n && (expr[j] == '?' || expr[j] == '(')) kind = 'r';
            }
            rebinding += kind == 'r';
            stack[depth++] = kind;
        } else if (ch == ')' || ch == '}' || ch == ']') {
            char open = ch == ')' ? '(' : ch == '}' ? '{' : '[';
            if (!depth || (stack[depth - 1] == 'r' ? '[' : stack[depth - 1]) != open) {
                snprintf(err, errlen, "unbalanced '%c' at position %zu", ch, at);
                return -1;
            }
            rebinding -= stack[--depth] == 'r';
        }
        sb_addc(out, ch == '@' && !rebinding ? '$' : ch);
        if (!blank(ch)) last = ch;
        l.i++;
    }
    if (depth) {
        snprintf(err, errlen, "'%c' is not closed", stack[depth - 1] == 'r' ? '[' : stack[depth - 1]);
        return -1;
    }
    sb_adds(out, ")]");

    /* Compile it here, so that a mistake is reported at its position in
     * EXPR (the server would count from the start of the whole path). */
    jp_path *p = jp_compile(out->buf, out->len, &jerr);
    if (!p) {
        size_t pos = jerr.pos >= strlen(WHERE_PREFIX) ? jerr.pos - strlen(WHERE_PREFIX) : 0;
        char *tail = strstr(jerr.msg, " at position ");
        if (tail) *tail = '\0';
        if (pos >= n) /* at the ")]" added after EXPR */
            snprintf(err, errlen, "it ends at position %zu before the expression is complete", n);
        else
            snprintf(err, errlen, "%s at position %zu", jerr.msg, pos);
        return -1;
    }
    jp_free(p);
    return 0;
}
