/*
 * settings_cli.c — ndb serve's command line, from the settings table (see
 * settings_from_argv() in settings.h).
 *
 * getopt_long's option table is built from the settings: each option, its
 * old spelling, and --no-NAME for a BOOL.  The options are collected first
 * and applied after the config file, whatever their position, so that the
 * command line always wins over the file (docs/protocol.md 7.2 order: command
 * line, config file, option overrides, validation).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/getopt_exact.h"
#include "common/log.h"
#include "server/config.h"
#include "server/settings.h"

/* getopt's val of an option: the setting's id and which spelling. */
enum { VAR_OPTION, VAR_ALIAS, VAR_NO };
#define OPT_BASE 0x1000
#define OPT_VAL(id, var) (OPT_BASE + (id) * 4 + (var))

/* One option as given: which setting, spelling, and argument. */
typedef struct given {
    const setting *s;
    int var;
    const char *arg;
} given;

static struct option long_opts[S_COUNT * 3 + 2];
static char no_names[S_COUNT][64]; /* "no-persist" */

/* Fill long_opts from the table (idempotent). */
static void build_options(void) {
    size_t n = 0;
    for (int i = 1; i < S_COUNT; i++) {
        const setting *s = &settings_table[i];
        if (!s->option) continue;
        int has_arg = s->type == ST_BOOL ? no_argument : required_argument;
        long_opts[n++] = (struct option){s->option, has_arg, NULL, OPT_VAL(i, VAR_OPTION)};
        if (s->alias) long_opts[n++] = (struct option){s->alias, has_arg, NULL, OPT_VAL(i, VAR_ALIAS)};
        if (s->type == ST_BOOL) {
            snprintf(no_names[i], sizeof no_names[i], "no-%s", s->option);
            long_opts[n++] = (struct option){no_names[i], no_argument, NULL, OPT_VAL(i, VAR_NO)};
        }
    }
    long_opts[n++] = (struct option){"help", no_argument, NULL, 'h'};
    long_opts[n] = (struct option){NULL, 0, NULL, 0};
}

/* "ndb serve: MESSAGE" and the hint to --help; returns SETTINGS_ERROR. */
__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    const char *prio = log_journal_prefix(LOG_ERROR); /* both lines errors in the journal */
    fprintf(stderr, "%sndb serve: ", prio);
    vfprintf_visible(stderr, fmt, ap); /* it may quote what was typed */
    fprintf(stderr, "\n%sTry 'ndb serve --help' for more information.\n", prio);
    va_end(ap);
    return SETTINGS_ERROR;
}

/* The spelling of g's option as the user typed it, without "--". */
static const char *given_name(const given *g) {
    return g->var == VAR_ALIAS ? g->s->alias : g->var == VAR_NO ? no_names[g->s->id] : g->s->option;
}

/* An unknown option: name it, and suggest the closest one. */
static int unknown_option(const char *word) {
    char name[128], sug[128];
    const char *w = word;
    while (*w == '-') w++;
    snprintf(name, sizeof name, "%.*s", (int)strcspn(w, "="), w);
    /* an option spelt as its config member ("--loginTimeoutSec") is too
     * far from the option's name for the closest spelling to find it */
    int negated; /* the bool's --no- form is offered beside it either way */
    const setting *s = settings_by_other_spelling(name, strlen(name), 0, &negated);
    if (s && s->option && s->type == ST_BOOL)
        return usage_error("unknown option '%s'; did you mean '--%s' or '--%s'?", word, s->option, no_names[s->id]);
    if (s && s->option) return usage_error("unknown option '%s'; did you mean '--%s'?", word, s->option);
    if (s) return usage_error("unknown option '%s': %s is set in the config file only (--config FILE)", word, s->member);
    settings_suggest(name, 0, sug, sizeof sug);
    if (!sug[0]) return usage_error("unknown option '%s'", word);
    return usage_error("unknown option '%s'; did you mean '--%s'?", word, sug);
}

/* The word that getopt refused.  An unknown long option is the word before
 * optind; a character of a short one ("-port" is -p -o -r -t, and serve has
 * no short option but -h) only when it ended its word: before that, getopt
 * has not moved past the word yet, and the word before is another
 * ("serve", or the value of the option before). */
static const char *unknown_word(int argc, char **argv) {
    const char *prev = argv[optind - 1];
    size_t n = strlen(prev);
    int ended = optopt > 0 && optopt < 256 && prev[0] == '-' && prev[1] != '-' && n > 1 &&
                (unsigned char)prev[n - 1] == optopt;
    if (optopt > 0 && optopt < 256 && !ended && optind < argc) return argv[optind];
    return prev;
}

/* Apply one option to c: its value, and the BOOL it implies. */
static int apply(ndb_config *c, const given *g) {
    const setting *s = g->s;
    void *field = (char *)c + s->offset;
    const char *arg = s->type == ST_BOOL ? (g->var == VAR_NO ? "false" : "true") : g->arg;
    if (s->type == ST_LIST && c->origin[s->id] != ORIGIN_CLI) setting_release(s, field); /* replaces the file's */
    if (setting_from_text(s, field, arg, 1)) {
        strbuf expect = STRBUF_INIT;
        setting_expect(s, 1, &expect);
        usage_error("--%s: '%s' must be %s", given_name(g), arg, expect.buf);
        sb_free(&expect);
        return SETTINGS_ERROR;
    }
    c->origin[s->id] = ORIGIN_CLI;
    if (s->also) {
        const setting *b = &settings_table[s->also];
        setting_from_text(b, (char *)c + b->offset, "true", 1);
        c->origin[b->id] = ORIGIN_CLI;
    }
    return SETTINGS_OK;
}

/* Read the options into g (n of them).  Returns SETTINGS_OK, or
 * SETTINGS_HELP / SETTINGS_ERROR. */
static int collect(int argc, char **argv, given *g, int *n) {
    int opt;
    optind = 0; /* full reinitialisation of getopt (settings_from_argv may run again) */
    opterr = 0;
    while ((opt = getopt_long_exact(argc, argv, ":h", long_opts)) != -1) {
        if (opt == 'h') return SETTINGS_HELP;
        if (opt == '?' && optopt >= OPT_BASE)
            return usage_error("option '%s' does not take a value", argv[optind - 1]);
        if (opt == '?') return unknown_option(unknown_word(argc, argv));
        if (opt == ':') return usage_error("option '%s' needs a value", argv[optind - 1]);
        int id = (opt - OPT_BASE) / 4;
        g[*n] = (given){&settings_table[id], (opt - OPT_BASE) % 4, optarg};
        for (int i = 0; i < *n; i++)
            if ((int)g[i].s->id == id && (g[i].s->flags & SF_ONCE))
                return usage_error("--%s given twice", g[i].s->option);
        (*n)++;
    }
    if (optind < argc) return usage_error("unexpected argument '%s'", argv[optind]);
    return SETTINGS_OK;
}

/* --no-persist turns off the persistence of the config file (man
 * ndb-serve), so the file's journal and save schedule go with it: they are
 * part of that persistence, and leaving them would make start-up fail
 * asking for the persistence the option just turned off (the packaged
 * config journals).  A --journal or --save given with --no-persist still
 * fails (durability_start): the command line contradicts itself. */
static void no_persist_overrides_file(ndb_config *c) {
    static const struct {
        int id;
        const char *off;
    } automatic[] = {{S_JOURNAL, "off"}, {S_SAVE, ""}};
    if (c->persist_enabled || c->origin[S_PERSIST_ENABLED] != ORIGIN_CLI) return;
    for (size_t i = 0; i < sizeof automatic / sizeof automatic[0]; i++) {
        const setting *s = &settings_table[automatic[i].id];
        if (c->origin[s->id] != ORIGIN_FILE) continue;
        void *field = (char *)c + s->offset;
        setting_release(s, field);
        setting_from_text(s, field, automatic[i].off, 1);
        c->origin[s->id] = ORIGIN_DEFAULT;
    }
}

int settings_from_argv(ndb_config *c, int argc, char **argv) {
    config_defaults(c);
    build_options();
    given *g = calloc((size_t)argc + 1, sizeof *g);
    if (!g) abort();
    int n = 0, rc = collect(argc, argv, g, &n);
    for (int i = 0; rc == SETTINGS_OK && i < n; i++) { /* the config file first */
        if (g[i].s->id != S_CONFIG) continue;
        char err[PATH_MAX + 512];
        rc = apply(c, &g[i]);
        if (rc == SETTINGS_OK && config_load_file(c, c->config_file, err, sizeof err)) {
            fprintf(stderr, "%s", log_journal_prefix(LOG_ERROR));
            fprintf_visible(stderr, "ndb serve: %s\n", err); /* it quotes --config's path */
            rc = SETTINGS_ERROR;
        }
    }
    for (int i = 0; rc == SETTINGS_OK && i < n; i++)
        if (g[i].s->id != S_CONFIG) rc = apply(c, &g[i]);
    if (rc == SETTINGS_OK) no_persist_overrides_file(c);
    free(g);
    return rc;
}
