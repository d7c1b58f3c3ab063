/*
 * repl_complete.c — Tab completion in the REPL.
 *
 * What is completed depends on where the cursor is, and everything comes
 * from the client's command table (cli_commands / cli_options), so the REPL
 * cannot offer a command or option the client does not accept:
 *   - the first word: command names, group names ("session") and the REPL's
 *     own words (use, help, quit, exit, clear-keys); "\timing" and "\q"
 *     after a backslash (inserted as is: quoted, they would be command
 *     names);
 *   - after a group: its subcommands; after `help`: command names and
 *     `values`;
 *   - a word starting with '-': the options of the current command (its own
 *     and the global ones, as `ndb help --options CMD` lists them);
 *   - an argument whose metavariable in the command's usage is KEY (or the
 *     value of --key/--keys): key names from the server (SH_KEYS inside a
 *     session, KV_KEYS otherwise), fetched over the REPL's connection and
 *     cached for REPL_KEYS_TTL_MS;
 *   - an argument whose metavariable is TKN, and the argument of `use`:
 *     the session tokens created or entered in this REPL.
 * One match is inserted (quoted if it needs quotes) followed by a space;
 * several are completed to their common prefix, or listed when that adds
 * nothing.  Completion never prints errors: if the server cannot be reached
 * there are simply no key names.
 */
#define _GNU_SOURCE /* wcwidth */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>
#include <wctype.h>

#include "client/repl.h"
#include "common/clock.h"
#include "common/hidden_char.h"

/* How long fetched key names are reused. */
#define REPL_KEYS_TTL_MS 2000
/* Bound on the key-name request (connect + answer). */
#define REPL_KEYS_WAIT_MS 1500
/* At most this many candidates are listed. */
#define REPL_LIST_MAX 300

typedef struct cands {
    char **v;
    size_t n, cap;
} cands;

/* Add s (repeats are removed by cands_keep: a check against every earlier
 * candidate here made Tab quadratic, and froze the REPL for minutes over a
 * few hundred thousand key names). */
static void cand_add(cands *c, const char *s) {
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 32;
        c->v = realloc(c->v, c->cap * sizeof *c->v);
        if (!c->v) abort();
    }
    if (!(c->v[c->n++] = strdup(s))) abort();
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Keep the candidates that start with prefix, sorted, each once. */
static void cands_keep(cands *c, const char *prefix) {
    size_t m = 0, plen = strlen(prefix);
    for (size_t i = 0; i < c->n; i++) {
        if (!strncmp(c->v[i], prefix, plen)) c->v[m++] = c->v[i];
        else free(c->v[i]);
    }
    c->n = m;
    if (c->n) qsort(c->v, c->n, sizeof *c->v, by_name);
    m = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (m && !strcmp(c->v[m - 1], c->v[i])) free(c->v[i]);
        else c->v[m++] = c->v[i];
    }
    c->n = m;
}

static void cands_free(cands *c) {
    for (size_t i = 0; i < c->n; i++) free(c->v[i]);
    free(c->v);
}

void repl_add_token(repl *r, const char *tkn) {
    for (size_t i = 0; i < r->ntokens; i++)
        if (!strcmp(r->tokens[i], tkn)) return;
    r->tokens = realloc(r->tokens, (r->ntokens + 1) * sizeof *r->tokens);
    if (!r->tokens || !(r->tokens[r->ntokens] = strdup(tkn))) abort();
    r->ntokens++;
}

/* ------------------------------------------------------------- keys */

static void drop_keys(repl *r) {
    for (size_t i = 0; i < r->nkeys; i++) free(r->keys[i]);
    free(r->keys);
    r->keys = NULL;
    r->nkeys = 0;
    r->keys_at = 0;
}

/* The answer to the request just sent, within REPL_KEYS_WAIT_MS.  Events
 * of the REPL's watches may come first on the connection: they are held
 * for the prompt to show, since one taken for the answer was an event the
 * user never saw.  Returns 0 with the answer in *buf, or -1. */
static int recv_answer(repl *r, strbuf *buf) {
    int64_t end = mono_ms_i64() + REPL_KEYS_WAIT_MS;
    char err[400];
    for (;;) {
        int64_t left = end - mono_ms_i64();
        if (left <= 0 || wsc_recv(r->c.ws, buf, (int)left, err, sizeof err) != 1) return -1;
        if (!cli_is_event(buf->buf, buf->len)) return 0;
        repl_hold_event(r, buf->buf, buf->len);
    }
}

/* One KV_KEYS / SH_KEYS round trip on the REPL's connection (opened
 * quietly if needed).  Returns 0 with the answer in *buf, or -1. */
static int keys_round_trip(repl *r, const char *req, strbuf *buf) {
    cli_ctx *c = &r->c;
    char err[400];
    if (c->ws && strcmp(c->ws_url, r->url)) cli_disconnect(c);
    if (!c->ws) {
        int crc;
        cli_login_command(&c->login, NULL, NULL, NULL, NULL, NULL, 0); /* the REPL's own login */
        c->ws = cli_login_connect(&c->login, r->url, REPL_KEYS_WAIT_MS, err, sizeof err, &crc);
        if (!c->ws) return -1;
        if (!(c->ws_url = strdup(r->url))) abort();
        c->conn_gen++; /* the REPL renews its watches on it at the next command */
    }
    if (wsc_send(c->ws, req, strlen(req)) || recv_answer(r, buf)) {
        cli_disconnect(c);
        return -1;
    }
    return 0;
}

static void fetch_keys(repl *r) {
    const char *scope = r->in_session ? r->tkn : "";
    int64_t now = mono_ms_i64();
    if (r->keys_at && now - r->keys_at < REPL_KEYS_TTL_MS && !strcmp(scope, r->keys_scope)) return;
    drop_keys(r);
    char req[96];
    if (r->in_session) snprintf(req, sizeof req, "{\"SH_KEYS\":{\"tkn\":%s}}", r->tkn);
    else snprintf(req, sizeof req, "{\"KV_KEYS\":{}}");
    strbuf buf = STRBUF_INIT, name = STRBUF_INIT;
    jdoc d = JDOC_INIT;
    /* A connection that died while idle fails the first try; the second
     * one reconnects. */
    if (keys_round_trip(r, req, &buf) && keys_round_trip(r, req, &buf)) goto out;
    if (jdoc_parse(&d, buf.buf, buf.len, NULL) || d.toks[0].type != JT_OBJECT || d.toks[0].count != 1 ||
        d.toks[2].type != JT_OBJECT)
        goto out;
    uint32_t k = jobj_get(&d, 2, "keys", 4);
    if (!k || d.toks[k].type != JT_ARRAY) goto out;
    r->keys = calloc(d.toks[k].count + 1, sizeof *r->keys);
    if (!r->keys) abort();
    for (uint32_t i = k + 1, n = 0; n < d.toks[k].count; n++, i = d.toks[i].next) {
        if (d.toks[i].type != JT_STRING) continue;
        sb_reset(&name);
        jstr_decode(&d, &d.toks[i], &name);
        if (memchr(name.buf ? name.buf : "", '\0', name.len)) continue; /* not typeable */
        if (!(r->keys[r->nkeys++] = strdup(name.len ? name.buf : ""))) abort();
    }
    r->keys_at = now;
    snprintf(r->keys_scope, sizeof r->keys_scope, "%s", scope);
out:
    sb_free(&buf);
    sb_free(&name);
    jdoc_free(&d);
}

/* ------------------------------------------------------------- table */

/* Does `word` look like an option (not a negative number, not '-')? */
static int looks_like_option(const char *w) {
    if (w[0] != '-' || !w[1]) return 0;
    return !((w[1] >= '0' && w[1] <= '9') || (w[1] == '.' && w[2] >= '0' && w[2] <= '9'));
}

/* The option table entry a word names ("--ttl", "--ttl=5", "-s"), or NULL. */
static const cli_opt *option_of(const char *w) {
    const cli_opt *o = cli_options();
    if (!looks_like_option(w)) return NULL;
    if (w[1] == '-') {
        size_t n = strcspn(w + 2, "=");
        for (int id = 1; id < OPT__COUNT; id++)
            if (strlen(o[id].long_name) == n && !memcmp(o[id].long_name, w + 2, n)) return &o[id];
        return NULL;
    }
    for (int id = 1; id < OPT__COUNT; id++)
        if (o[id].short_name == w[strlen(w) - 1]) return &o[id];
    return NULL;
}

/* Does this option word consume the next word as its value? */
static int takes_next(const char *w) {
    const cli_opt *o = option_of(w);
    return o && o->arg && !(w[1] == '-' && strchr(w, '=')) && !(w[1] != '-' && strlen(w) > 2);
}

static void add_options(cands *c, const cli_cmd *e) {
    const cli_opt *o = cli_options();
    if (e)
        for (size_t i = 0; i < sizeof e->opts && e->opts[i]; i++) {
            char name[64];
            snprintf(name, sizeof name, "--%s", o[e->opts[i]].long_name);
            cand_add(c, name);
        }
    for (int id = CLI_GLOBAL_FIRST; id <= CLI_GLOBAL_LAST; id++) {
        if (id == OPT_SESSION && e && !(e->flags & CLI_F_SESSION)) continue;
        char name[64];
        snprintf(name, sizeof name, "--%s", o[id].long_name);
        cand_add(c, name);
    }
}

static void add_command_names(cands *c, int with_repl_words) {
    size_t n;
    const cli_cmd *t = cli_commands(&n);
    for (size_t i = 0; i < n; i++) cand_add(c, t[i].group ? t[i].group : t[i].name);
    if (with_repl_words) {
        /* in the REPL 'clear' clears the screen; the keys go by this name */
        cand_add(c, "clear-keys");
        cand_add(c, "use");
        cand_add(c, "quit");
        cand_add(c, "exit");
    }
}

static void add_subcommands(cands *c, const char *group) {
    size_t n;
    const cli_cmd *t = cli_commands(&n);
    for (size_t i = 0; i < n; i++)
        if (t[i].group && !strcmp(t[i].group, group)) cand_add(c, t[i].name);
}

/* The metavariable of positional argument `pos` in e's usage, e.g. "KEY"
 * for any argument of `get` or the even ones of `set`. */
static void usage_meta(const cli_cmd *e, int pos, char *out, size_t outlen) {
    char u[160], *words[16];
    int starts_group[16], n = 0, g = -1;
    snprintf(u, sizeof u, "%.*s", (int)strcspn(e->usage, "|"), e->usage);
    out[0] = '\0';
    for (char *p = strtok(u, " "); p && n < 16; p = strtok(NULL, " ")) {
        starts_group[n] = p[0] == '[';
        words[n++] = p;
    }
    if (!n) return;
    int repeats = strstr(words[n - 1], "...") != NULL;
    for (int i = 0; i < n; i++)
        if (starts_group[i]) g = i;
    if (g < 0) g = n - 1;
    int idx = pos;
    if (pos >= n) {
        if (!repeats) return;
        idx = g + (pos - g) % (n - g);
    }
    const char *w = words[idx];
    while (*w == '[') w++;
    snprintf(out, outlen, "%.*s", (int)strcspn(w, ".]"), w);
}

static void add_keys(repl *r, cands *c, const char *prefix) {
    size_t plen = strlen(prefix);
    fetch_keys(r);
    for (size_t i = 0; i < r->nkeys; i++)
        if (!strncmp(r->keys[i], prefix, plen)) cand_add(c, r->keys[i]); /* not a copy of every key */
}

static void add_tokens(repl *r, cands *c) {
    for (size_t i = 0; i < r->ntokens; i++) cand_add(c, r->tokens[i]);
}

/* Candidates for word `cur` of w (words before it are complete). */
static void candidates(repl *r, const repl_words *w, int cur, const char *prefix, cands *c) {
    int k = 0;
    while (k < cur && looks_like_option(w->w[k].text)) k += takes_next(w->w[k].text) ? 2 : 1;
    if (k > cur) return; /* the value of a leading global option */
    if (k == cur) {
        if (prefix[0] == '-') add_options(c, NULL);
        else add_command_names(c, k == 0);
        return;
    }
    const char *name = w->w[k].text;
    if (!strcmp(name, "use")) {
        if (cur == k + 1) add_tokens(r, c);
        return;
    }
    if (!strcmp(name, "help")) {
        if (cur == k + 1) {
            add_command_names(c, 0);
            cand_add(c, "values"); /* help values: how a VALUE is read */
        }
        else if (cur == k + 2 && cli_is_group(w->w[k + 1].text)) add_subcommands(c, w->w[k + 1].text);
        return;
    }
    const cli_cmd *e = cli_find(NULL, name);
    if (!e && cli_is_group(name)) {
        if (cur == k + 1) {
            add_subcommands(c, name);
            return;
        }
        e = cli_find(name, w->w[k + 1].text);
        k++;
    }
    if (!e) return;
    int pos = 0, only_pos = 0;
    for (int j = k + 1; j < cur; j++) {
        const char *a = w->w[j].text;
        if (only_pos || !looks_like_option(a)) {
            pos++;
        } else if (!strcmp(a, "--")) {
            only_pos = 1;
        } else if (takes_next(a)) {
            if (j + 1 == cur) { /* completing this option's value */
                const cli_opt *o = option_of(a);
                if (!strcmp(o->arg, "KEY") || !strcmp(o->arg, "K,...")) add_keys(r, c, prefix);
                else if (!strcmp(o->arg, "TKN")) add_tokens(r, c);
                return;
            }
            j++;
        }
    }
    if (!only_pos && prefix[0] == '-') {
        add_options(c, e);
        return;
    }
    char meta[32];
    usage_meta(e, pos, meta, sizeof meta);
    if (!strcmp(meta, "KEY")) add_keys(r, c, prefix);
    else if (!strcmp(meta, "TKN")) add_tokens(r, c);
}

/* ------------------------------------------------------------- editing */

/* Number of characters (not bytes) in s[0..n). */
static int chars(const char *s, size_t n) {
    int k = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80) k++;
    return k;
}

/* Replace the `nbytes` bytes before the cursor (those of word, the
 * partial word being completed) with `text`.  libedit deletes characters,
 * not bytes: they are counted in the word itself, since a count taken
 * elsewhere in the line deletes too much, or too little, around a word
 * that is not ASCII. */
static void replace_before_cursor(EditLine *el, const char *word, size_t nbytes, const char *text) {
    if (nbytes) el_deletestr(el, chars(word, nbytes));
    if (*text) el_insertstr(el, text);
}

/* A candidate as the list shows it, in *out, and its width in columns.
 * Key names are data any client may have written: a control character
 * (ESC starting a terminal escape sequence, a newline, C1 controls) or a
 * byte that is not UTF-8 is shown as \xHH, and a format character (U+202E
 * would turn the rest of the line around) as \u202E, never sent to the
 * terminal as is.  Columns, not bytes, are counted, so that CJK, emoji, accented and
 * combining characters keep the columns aligned. */
static size_t shown(strbuf *out, const char *s) {
    mbstate_t mb;
    memset(&mb, 0, sizeof mb);
    size_t width = 0, len = strlen(s);
    sb_reset(out);
    while (len) {
        wchar_t wc;
        size_t n = mbrtowc(&wc, s, len, &mb);
        if (n != (size_t)-1 && n != (size_t)-2 && n != 0 && hidden_format_char((uint32_t)wc)) {
            /* U+202E and friends, as the command line and the console show them */
            sb_addf(out, (uint32_t)wc < 0x10000 ? "\\u%04X" : "\\u{%X}", (unsigned)wc);
            width += (uint32_t)wc < 0x10000 ? 6 : 9;
        } else if (n == (size_t)-1 || n == (size_t)-2 || n == 0 || iswcntrl((wint_t)wc)) {
            /* not a printable character: each of its bytes as \xHH */
            if (n == (size_t)-1 || n == (size_t)-2 || n == 0) n = 1, memset(&mb, 0, sizeof mb);
            for (size_t i = 0; i < n; i++) sb_addf(out, "\\x%02x", (unsigned char)s[i]);
            width += 4 * n;
        } else {
            int w = wcwidth(wc);
            sb_add(out, s, n);
            width += w < 0 ? 1 : (size_t)w; /* a combining mark takes none */
        }
        s += n, len -= n;
    }
    if (!out->buf) sb_adds(out, "");
    return width;
}

/* Bytes of s before its first control character (C0, DEL, or a C1
 * control U+0080..U+009F) or format character (U+202E on the line being
 * typed would turn the rest of it around), all of s if it has none. */
static size_t printable_len(const char *s) {
    size_t i = 0, n = strlen(s);
    uint32_t cp;
    for (; s[i]; i++) {
        unsigned char b = (unsigned char)s[i];
        if (b < 0x20 || b == 0x7f) break;
        if (b == 0xc2 && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9f) break;
        if (b >= 0xc2 && hidden_format_at((const unsigned char *)s + i, n - i, &cp)) break;
    }
    return i;
}

/* Print the candidates in columns below the line. */
static void list(char **v, size_t n) {
    struct winsize ws;
    size_t width = 80, longest = 0;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) width = ws.ws_col;
    size_t shown_n = n > REPL_LIST_MAX ? REPL_LIST_MAX : n;
    strbuf *text = calloc(shown_n ? shown_n : 1, sizeof *text);
    size_t *cols_of = calloc(shown_n ? shown_n : 1, sizeof *cols_of);
    if (!text || !cols_of) abort();
    for (size_t i = 0; i < shown_n; i++) {
        cols_of[i] = shown(&text[i], v[i]);
        if (cols_of[i] > longest) longest = cols_of[i];
    }
    size_t colw = longest + 2, cols = width / colw ? width / colw : 1;
    size_t rows = (shown_n + cols - 1) / cols;
    fputc('\n', stdout);
    for (size_t row = 0; row < rows; row++) {
        for (size_t col = 0; col < cols; col++) {
            size_t i = col * rows + row;
            if (i >= shown_n) break;
            int last = col + 1 == cols || (col + 1) * rows + row >= shown_n;
            fputs(text[i].buf, stdout);
            if (!last) fprintf(stdout, "%*s", (int)(colw - cols_of[i]), "");
        }
        fputc('\n', stdout);
    }
    if (shown_n < n) fprintf(stdout, "(%zu more)\n", n - shown_n);
    fflush(stdout);
    for (size_t i = 0; i < shown_n; i++) sb_free(&text[i]);
    free(text);
    free(cols_of);
}

unsigned char repl_complete(EditLine *el, int ch) {
    (void)ch;
    repl *r = NULL;
    el_get(el, EL_CLIENTDATA, &r);
    const LineInfo *li = el_line(el);
    size_t upto = (size_t)(li->cursor - li->buffer);
    /* inside a quote or bracket left open nothing is completed; after a
     * line ending with a backslash the command goes on (`set a 1 \` then
     * `us<Tab>`): its words are the input so far and this line's */
    if (!r || (r->continuing && (r->continuing != 2 || !r->pending))) return CC_ERROR;
    char *line = strndup(li->buffer, upto);
    if (!line) abort();
    size_t off = r->continuing ? r->pending->len : 0; /* where this line starts in text */
    char *text = line;
    if (off) {
        if (!(text = malloc(off + upto + 1))) abort();
        memcpy(text, r->pending->buf, off);
        memcpy(text + off, line, upto + 1);
    }
    /* Lines of only a backslash before add nothing to the input (they join
     * the next: repl_skip_joins), so they are left out here as the REPL
     * leaves them out when it runs it: after '\' alone, 'cou' is the first
     * word of a command and '\ti' is \timing, not the rest of a
     * backslash word.  They are whole lines of what came before. */
    const char *input = repl_skip_joins(text);
    off -= (size_t)(input - text);
    cands c = {0};
    repl_words w = {0};
    size_t start = upto;  /* where the word being completed starts */
    const char *prefix = "";
    char first = repl_first_char(input);
    /* The REPL's \timing and \q are words of their own, not read by
     * repl_split: quoted ('\timing') they would be command names, and
     * unknown.  Both are offered, as help lists both. */
    int verbatim = first == '\\';
    if (first == '\\' && off) {
        /* \timing takes no continued lines */
    } else if (first == '\\') {
        size_t b = strspn(line, " \t");
        if (!strpbrk(line + b, " \t")) {
            cand_add(&c, "\\timing");
            cand_add(&c, "\\q");
            start = b;
            prefix = line + b;
        } else {
            repl_split(line + b, upto - b, &w); /* "timing" + maybe a partial word */
            /* on/off after \timing only: \q takes no argument */
            if (w.n >= 1 && !strcmp(w.w[0].text, "timing") && (w.n == 1 || (w.n == 2 && !w.trailing))) {
                cand_add(&c, "on");
                cand_add(&c, "off");
                if (w.n == 2) {
                    start = b + w.w[1].start;
                    prefix = w.w[1].text;
                }
            }
        }
    } else if (first != '{' && first != '#') {
        repl_split(input, off + upto, &w);
        int cur = w.trailing ? w.n : w.n - 1;
        if (w.trailing || w.w[cur].start >= off) { /* not a word begun on the line before */
            if (!w.trailing) {
                start = w.w[cur].start - off;
                prefix = w.w[cur].text;
            }
            candidates(r, &w, cur, prefix, &c);
        }
    }
    cands_keep(&c, prefix);
    size_t plen = strlen(prefix);
    unsigned char rc = CC_ERROR;
    strbuf q = STRBUF_INIT;
    if (c.n) {
        size_t lcp = strlen(c.v[0]);
        for (size_t i = 1; i < c.n; i++) {
            size_t j = 0;
            while (j < lcp && c.v[i][j] == c.v[0][j]) j++;
            lcp = j;
        }
        size_t plain = printable_len(c.v[0]);
        if (c.n == 1 && lcp == plain) {
            if (verbatim) sb_adds(&q, c.v[0]);
            else repl_quote_word(&q, c.v[0]);
            sb_addc(&q, ' ');
            replace_before_cursor(el, line + start, upto - start, q.buf);
            rc = CC_REFRESH;
        } else {
            /* a control character is never put on the line: libedit would
             * echo it to the terminal as is (the list shows it as \xHH) */
            if (lcp > plain) lcp = plain;
            while (lcp > plen && ((unsigned char)c.v[0][lcp] & 0xc0) == 0x80) lcp--; /* whole characters */
            if (lcp > plen) {
                char *common = strndup(c.v[0], lcp);
                if (!common) abort();
                if (verbatim) sb_adds(&q, common);
                else repl_quote_word(&q, common);
                free(common);
                replace_before_cursor(el, line + start, upto - start, q.buf);
                rc = CC_REFRESH;
            } else {
                list(c.v, c.n); /* sorted by cands_keep */
                rc = CC_REDISPLAY;
            }
        }
    }
    sb_free(&q);
    repl_words_free(&w);
    cands_free(&c);
    if (text != line) free(text);
    free(line);
    return rc;
}
