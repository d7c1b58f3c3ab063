/*
 * repl_line.c — reading a REPL line: splitting it into the words a command
 * gets (the same words `ndb WORDS...` gets from the shell for the usual
 * quoting), telling whether more lines are needed, and the history's
 * credential filter.
 *
 * The splitting follows the shell for quotes and backslashes so that lines
 * copied from a shell session work unchanged, with one addition that a
 * shell cannot offer: a word starting with { [ or $ is read as a JSON value
 * or a JSONPath, verbatim, with brackets and strings balanced, so values
 * and paths can be typed without another layer of quotes.  There is no
 * variable expansion, globbing or comment syntax inside a line (a line whose
 * first non-blank character is '#' is skipped by the REPL as a whole).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "client/repl.h"

static int blank(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }

void repl_words_free(repl_words *w) {
    for (int i = 0; i < w->n; i++) free(w->w[i].text);
    free(w->w);
    memset(w, 0, sizeof *w);
}

static void push_word(repl_words *w, strbuf *cur, size_t start, size_t end) {
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 8;
        w->w = realloc(w->w, (size_t)w->cap * sizeof *w->w);
        if (!w->w) abort();
    }
    char *t = malloc(cur->len + 1);
    if (!t) abort();
    if (cur->len) memcpy(t, cur->buf, cur->len);
    t[cur->len] = '\0';
    w->w[w->n++] = (repl_word){t, start, end};
}

/* Length of the line end (\n or \r\n) at s[i], 0 if there is none. */
static size_t line_end_at(const char *s, size_t n, size_t i) {
    if (i < n && s[i] == '\n') return 1;
    return i + 1 < n && s[i] == '\r' && s[i + 1] == '\n' ? 2 : 0;
}

/* A JSON value or JSONPath word from s[*i]: verbatim, brackets balanced,
 * strings (either quote) kept whole.  Returns 1 if the input ended inside
 * it, 2 if it ended with a backslash.  A backslash before a line end
 * outside brackets, which neither JSON nor a JSONPath has there, joins the
 * lines as in a shell word, the backslash and line end taken out:
 * `set a {"x":1}\` then ` b 2` is `set a {"x":1} b 2`, and then `b 2` is
 * `set a {"x":1}b 2`. */
static int literal_word(const char *s, size_t n, size_t *i, strbuf *cur) {
    int depth = 0;
    while (*i < n) {
        char ch = s[*i];
        size_t eol = ch == '\\' && depth == 0 ? line_end_at(s, n, *i + 1) : 0;
        if (eol && *i + 1 + eol >= n) {
            *i = n;
            return 2;
        }
        if (eol) { /* backslash-newline: both dropped */
            *i += 1 + eol;
            continue;
        }
        if (ch == '"' || ch == '\'') {
            sb_addc(cur, ch);
            ++*i;
            while (*i < n && s[*i] != ch) {
                if (s[*i] == '\\' && *i + 1 < n) sb_addc(cur, s[(*i)++]);
                sb_addc(cur, s[(*i)++]);
            }
            if (*i >= n) return 1;
            sb_addc(cur, s[(*i)++]);
            continue;
        }
        if (ch == '{' || ch == '[' || ch == '(') depth++;
        else if ((ch == '}' || ch == ']' || ch == ')') && depth > 0) depth--;
        else if (blank(ch) && depth == 0) break;
        sb_addc(cur, ch);
        ++*i;
    }
    return depth > 0;
}

/* A shell-quoted word from s[*i].  Returns 1 if the input ended inside a
 * quote, 2 if it ended with a backslash (before its final line end or not):
 * as in the shell, a backslash before a line end joins the next line
 * (`set a 1 \` then `b 2` is `set a 1 b 2`), so more lines are needed. */
static int shell_word(const char *s, size_t n, size_t *i, strbuf *cur) {
    while (*i < n) {
        char ch = s[*i];
        if (blank(ch)) break;
        if (ch == '\'') {
            ++*i;
            while (*i < n && s[*i] != '\'') sb_addc(cur, s[(*i)++]);
            if (*i >= n) return 1;
            ++*i;
        } else if (ch == '"') {
            ++*i;
            while (*i < n && s[*i] != '"') {
                if (s[*i] == '\\' && *i + 1 < n && strchr("\\\"$`\n", s[*i + 1])) {
                    if (s[*i + 1] != '\n') sb_addc(cur, s[*i + 1]);
                    *i += 2;
                    continue;
                }
                sb_addc(cur, s[(*i)++]);
            }
            if (*i >= n) return 1;
            ++*i;
        } else if (ch == '\\') {
            size_t eol = line_end_at(s, n, *i + 1);
            if (*i + 1 + eol >= n) {
                *i = n;
                return 2;
            }
            if (!eol) sb_addc(cur, s[*i + 1]);
            *i += 1 + (eol ? eol : 1); /* backslash-newline: both dropped */
        } else {
            sb_addc(cur, ch);
            ++*i;
        }
    }
    return 0;
}

void repl_split(const char *s, size_t n, repl_words *w) {
    strbuf cur = STRBUF_INIT;
    size_t i = 0;
    repl_words_free(w);
    for (;;) {
        for (size_t eol; i < n;) { /* blanks, and lines joined between words */
            if (blank(s[i])) i++;
            else if (s[i] == '\\' && (eol = line_end_at(s, n, i + 1)) && i + 1 + eol < n) i += 1 + eol;
            else break;
        }
        if (i >= n) {
            w->trailing = 1;
            break;
        }
        size_t start = i;
        sb_reset(&cur);
        int open = (s[i] == '{' || s[i] == '[' || s[i] == '$') ? literal_word(s, n, &i, &cur)
                                                                : shell_word(s, n, &i, &cur);
        push_word(w, &cur, start, i);
        if (open) {
            w->open = open;
            break;
        }
        if (i >= n) break; /* the last word touches the end: trailing = 0 */
    }
    sb_free(&cur);
}

int repl_raw_open(const char *s, size_t n) {
    long depth = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '"') {
            for (i++; i < n && s[i] != '"'; i++)
                if (s[i] == '\\') i++;
            if (i >= n) return 1;
        } else if (ch == '/' && i + 1 < n && s[i + 1] == '/') {
            while (i < n && s[i] != '\n') i++;
        } else if (ch == '/' && i + 1 < n && s[i + 1] == '*') {
            for (i += 2; i + 1 < n && !(s[i] == '*' && s[i + 1] == '/'); i++) {
            }
            if (i + 1 >= n) return 1;
            i++;
        } else if (ch == '{' || ch == '[') {
            depth++;
        } else if (ch == '}' || ch == ']') {
            depth--;
        }
    }
    return depth > 0;
}

char repl_first_char(const char *s) {
    while (*s && blank(*s)) s++;
    return *s;
}

const char *repl_skip_joins(const char *s) {
    for (;;) {
        const char *p = s;
        while (*p && blank(*p)) p++;
        if (*p != '\\') return s;
        p++;
        if (*p == '\r') p++;
        if (*p != '\n') return s;
        s = p + 1;
    }
}

static int has_word_ci(const char *lower, const char *word) { return strstr(lower, word) != NULL; }

int repl_line_is_secret(const char *line) {
    static const char *const needles[] = {"password", "passwd",  "passphrase", "secret",
                                          "credential", "apikey", "api_key",   "api-key",
                                          "private_key", "\"auth\""};
    if (line[0] == ' ' || line[0] == '\t') return 1;
    size_t n = strlen(line);
    char *lower = malloc(n + 1);
    if (!lower) abort();
    for (size_t i = 0; i <= n; i++) lower[i] = (char)tolower((unsigned char)line[i]);
    int secret = 0;
    for (size_t k = 0; k < sizeof needles / sizeof needles[0] && !secret; k++)
        secret = has_word_ci(lower, needles[k]);
    if (!secret) {
        const char *p = lower;
        while (blank(*p)) p++;
        size_t w = strcspn(p, " \t\r\n");
        secret = (w == 4 && !memcmp(p, "auth", 4)) || (w == 5 && !memcmp(p, "login", 5));
        /* a raw SV_AUTH, even one whose names are spelled with \u escapes */
        if (*p == '{') secret |= strstr(p, "_auth") || strstr(p, "\\u");
    }
    free(lower);
    return secret;
}

void repl_quote_word(strbuf *out, const char *s) {
    int plain = *s && !strchr("{[$#", *s);
    for (const char *p = s; plain && *p; p++)
        if (blank(*p) || *p == '\'' || *p == '"' || *p == '\\' || (unsigned char)*p < 0x20) plain = 0;
    if (plain) {
        sb_adds(out, s);
        return;
    }
    if (!strchr(s, '\'')) {
        sb_addc(out, '\'');
        sb_adds(out, s);
        sb_addc(out, '\'');
        return;
    }
    sb_addc(out, '"');
    for (const char *p = s; *p; p++) {
        if (strchr("\\\"$`", *p)) sb_addc(out, '\\');
        sb_addc(out, *p);
    }
    sb_addc(out, '"');
}
