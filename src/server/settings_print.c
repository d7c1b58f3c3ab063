/*
 * settings_print.c — the settings table for people: the option groups of
 * `ndb serve --help` and the start-up log lines (see settings.h).
 */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "server/config.h"
#include "server/settings.h"

#define HELP_COL 28   /* where descriptions start */
#define HELP_WIDTH 80 /* no line of --help is longer */

/* Append text word by word, the cursor being at column `at`; a word that
 * would pass HELP_WIDTH starts a new line indented to HELP_COL. */
static void add_wrapped(strbuf *out, const char *text, size_t at) {
    int first = 1;
    while (*text) {
        size_t n = strcspn(text, " ");
        if (n) {
            if (!first && at + 1 + n > HELP_WIDTH) {
                sb_addf(out, "\n%*s", HELP_COL, "");
                at = HELP_COL;
            } else if (!first) {
                sb_addc(out, ' ');
                at++;
            }
            sb_add(out, text, n);
            at += n;
            first = 0;
        }
        text += n;
        text += strspn(text, " ");
    }
    sb_addc(out, '\n');
}

/* Append "  OPTION" padded to HELP_COL (or on a line of its own when it
 * is wider), then the description wrapped. */
static void add_entry(strbuf *out, const char *option, const char *desc) {
    size_t n = strlen(option) + 2;
    sb_addf(out, "  %s", option);
    if (n + 2 > HELP_COL) {
        sb_addc(out, '\n');
        n = 0;
    }
    sb_addf(out, "%*s", (int)(HELP_COL - n), "");
    add_wrapped(out, desc, HELP_COL);
}

/* The range, the allowed values and the default of s, "(1..65535, default
 * 1987)", or "" when there is nothing to say. */
static void add_facts(const setting *s, strbuf *out) {
    strbuf f = STRBUF_INIT;
    switch (s->type) {
    case ST_UINT:
        sb_addf(&f, "%llu..%llu", (unsigned long long)((s->flags & SF_CLI_ZERO) ? 0 : s->lo),
                (unsigned long long)s->hi);
        /* what 0 means is not a number of anything: say it (--login-timeout 0 is "never") */
        if (s->zero && s->lo == 0) sb_addf(&f, ", 0: %s", s->zero);
        break;
    case ST_SIZE:
        setting_format_size(s->lo, &f);
        SB_ADD_LIT(&f, "..");
        setting_format_size(s->hi, &f);
        break;
    case ST_ENUM:
        for (int i = 0; s->words[i]; i++) sb_addf(&f, "%s%s", i == 0 ? "" : s->words[i + 1] ? ", " : " or ", s->words[i]);
        break;
    case ST_LIST:
        SB_ADD_LIT(&f, "repeatable");
        break;
    case ST_CUSTOM:
        sb_adds(&f, s->noun);
        break;
    default:
        break;
    }
    if (s->type == ST_BOOL) sb_addf(&f, "default %s", s->def && !strcmp(s->def, "true") ? "on" : "off");
    else if (s->def && s->def[0]) sb_addf(&f, "%sdefault %s", f.len ? (s->type == ST_ENUM ? "; " : ", ") : "", s->def);
    if (f.len) sb_addf(out, " (%s)", f.buf);
    sb_free(&f);
}

void settings_help(strbuf *out) {
    for (int sec = 0; sec < SEC_COUNT; sec++) {
        int any = 0;
        for (int i = 1; i < S_COUNT; i++) {
            const setting *s = &settings_table[i];
            if (s->section != (enum setting_section)sec || !s->option) continue;
            if (!any++) {
                sb_addf(out, "\n%s", settings_section_label[sec]);
                if (settings_section_object[sec])
                    sb_addf(out, " (config object \"%s\")", settings_section_object[sec]);
                SB_ADD_LIT(out, ":\n");
            }
            strbuf opt = STRBUF_INIT, desc = STRBUF_INIT;
            sb_addf(&opt, "--%s%s%s", s->option, s->meta ? " " : "", s->meta ? s->meta : "");
            sb_adds(&desc, s->help);
            add_facts(s, &desc);
            add_entry(out, opt.buf, desc.buf);
            if (s->type == ST_BOOL) {
                sb_reset(&opt);
                sb_reset(&desc);
                sb_addf(&opt, "--no-%s", s->option);
                sb_addf(&desc, "the opposite of --%s", s->option);
                add_entry(out, opt.buf, desc.buf);
            }
            sb_free(&opt);
            sb_free(&desc);
        }
        if (any && sec == 0) add_entry(out, "-h, --help", "show this help and exit");
    }
}

void settings_log(const ndb_config *c) {
    for (int sec = 0; sec < SEC_COUNT; sec++) {
        const char *obj = settings_section_object[sec];
        strbuf line = STRBUF_INIT;
        for (int i = 1; i < S_COUNT; i++) {
            const setting *s = &settings_table[i];
            if (s->section != (enum setting_section)sec || !s->size || (s->flags & SF_NOLOG)) continue;
            if (!s->member && c->origin[i] == ORIGIN_DEFAULT) continue; /* an option not given */
            const char *name = s->member ? s->member : s->option;
            if (obj && strncmp(name, obj, strlen(obj)) == 0 && name[strlen(obj)] == '.') name += strlen(obj) + 1;
            sb_addf(&line, "%s%s ", line.len ? ", " : "", name);
            setting_format(s, (const char *)c + s->offset, &line);
        }
        if (line.len) log_info("%s: %s", settings_section_label[sec], line.buf);
        sb_free(&line);
    }
}
