/*
 * settings_custom.c — settings of type CUSTOM: their own parse and format
 * functions (see setting_custom in settings.h).
 *
 * sessions.tokenBits is one: its valid values are two numbers, not a
 * range, and it is a JSON number in the config file.  security.users, an
 * array of user objects, has a file of its own (settings_security.c).
 */
#include <string.h>

#include "server/save_schedule.h"
#include "server/settings.h"

/* sessions.tokenBits: 53 or 64, from a JSON number. */
static int token_bits_from_json(const setting *s, void *field, const jdoc *d, const jtok *t) {
    uint64_t v;
    if (t->type != JT_NUMBER || jnum_to_u64(d, t, &v) || (v != 53 && v != 64)) return -1;
    *(unsigned *)field = (unsigned)v;
    return 0;
}

/* --token-bits: "53" or "64". */
static int token_bits_from_text(const setting *s, void *field, const char *text) {
    if (strcmp(text, "53") && strcmp(text, "64")) return -1;
    *(unsigned *)field = text[0] == '5' ? 53 : 64;
    return 0;
}

static void token_bits_format(const setting *s, const void *field, strbuf *out) {
    sb_add_u64(out, *(const unsigned *)field);
}

const setting_custom settings_custom_token_bits = {token_bits_from_json, token_bits_from_text, token_bits_format,
                                                   NULL};

/* persist.save: a string "SECONDS CHANGES ..." (save_schedule.h), the
 * same in the config file and after --save. */
static int save_from_text(const setting *s, void *field, const char *text) {
    return save_schedule_parse(field, text);
}

static int save_from_json(const setting *s, void *field, const jdoc *d, const jtok *t) {
    if (t->type != JT_STRING) return -1;
    strbuf text = STRBUF_INIT;
    jstr_decode(d, t, &text);
    sb_grow(&text, 0);
    int rc = memchr(text.buf, 0, text.len) ? -1 : save_schedule_parse(field, text.buf);
    sb_free(&text);
    return rc;
}

static void save_format(const setting *s, const void *field, strbuf *out) {
    const save_schedule *sch = field;
    if (!sch->n) {
        SB_ADD_LIT(out, "none");
        return;
    }
    sb_addc(out, '"');
    save_schedule_format(sch, out);
    sb_addc(out, '"');
}

const setting_custom settings_custom_save_schedule = {save_from_json, save_from_text, save_format, NULL};
