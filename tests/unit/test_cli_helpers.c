/*
 * test_cli_helpers.c — the pure parts of the native client: the command
 * table's consistency (with commands.def too), typo distance, token
 * parsing, the "is this JSON" rule, and the pretty printer.
 */
#include <stdlib.h>

#include "client/cli.h"
#include "common/command_info.h"
#include "common/edit_distance.h"
#include "common/strbuf.h"
#include "unit.h"

static int is_protocol_name(const char *s) { return cmd_lookup(s, strlen(s)) != NULL; }

static void test_table(void) {
    size_t n;
    const cli_cmd *t = cli_commands(&n);
    const cli_opt *o = cli_options();
    CHECK(n >= 21);
    for (size_t i = 0; i < n; i++) {
        const cli_cmd *e = &t[i];
        CHECK(e->name && e->family && e->usage && e->summary && e->description && e->exits && e->run);
        CHECK(e->description[strlen(e->description) - 1] == '\n');
        CHECK(e->exits[0] == '0');
        CHECK(cli_find(e->group, e->name) == e); /* names are unique */
        if (e->proto) CHECK(is_protocol_name(e->proto));
        if (e->sh_proto) CHECK(is_protocol_name(e->sh_proto));
        CHECK(!(e->flags & CLI_F_SESSION) || e->sh_proto);
        for (size_t k = 0; k < sizeof e->opts && e->opts[k]; k++) {
            CHECK(e->opts[k] > CLI_GLOBAL_LAST && e->opts[k] < OPT__COUNT);
        }
        CHECK(e->max_args < 0 || e->max_args >= e->min_args);
    }
    for (int id = 1; id < OPT__COUNT; id++) CHECK(o[id].long_name && o[id].help);
    /* every protocol command is reachable from the client */
    for (size_t p = 0; p < CMD__COUNT; p++) {
        const char *name = cmd_table[p].name;
        /* SH_END_ALL and SH_INFO_ALL are reached through `ndb session ... --all`
         * and `ndb info`; SV_AUTH through --user (every connection logs in
         * with it, cli_auth.c) */
        int found = !strcmp(name, "SH_END_ALL") || !strcmp(name, "SH_INFO_ALL") || !strcmp(name, "SV_AUTH");
        for (size_t i = 0; i < n && !found; i++)
            found = (t[i].proto && !strcmp(t[i].proto, name)) || (t[i].sh_proto && !strcmp(t[i].sh_proto, name));
        if (!found) fprintf(stderr, "no client command sends %s\n", name);
        CHECK(found);
    }
    CHECK(cli_find(NULL, "del") == cli_find(NULL, "rm"));
    CHECK(cli_find(NULL, "new") == NULL);
    CHECK(cli_find("session", "new") != NULL);
    CHECK(cli_is_group("session"));
    CHECK(!cli_is_group("get"));
}

static void test_distance(void) {
    CHECK_INT(edit_distance("get", "get"), 0);
    CHECK_INT(edit_distance("gte", "get"), 1); /* transposition */
    CHECK_INT(edit_distance("gt", "get"), 1);
    CHECK_INT(edit_distance("sett", "set"), 1);
    CHECK_INT(edit_distance("conut", "count"), 1);
    CHECK_INT(edit_distance("", "abc"), 3);
    CHECK_INT(edit_distance("kitten", "sitting"), 3);
}

/* What a usage error quotes: control characters (C0, DEL, C1) and bytes
 * that are not UTF-8 as \xhh, any other UTF-8 text as it is. */
static void test_visible(void) {
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"\x1b]0;x\x07", "\\x1b]0;x\\x07"},
        {"a\x7f\n", "a\\x7f\\x0a"},
        {"\xc3\xa9t\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80 \xc2\xa0", "\xc3\xa9t\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80 \xc2\xa0"},
        {"\xc2\x9b""31m", "\\xc2\\x9b""31m"}, /* U+009B, CSI */
        {"\xc2\x85\xc2\x9f", "\\xc2\\x85\\xc2\\x9f"},
        {"\x9b""31m", "\\x9b""31m"},                 /* a lone 8-bit CSI */
        {"a\xc3", "a\\xc3"},                           /* cut short */
        {"\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80", "\\xc0\\xaf\\xed\\xa0\\x80\\xf4\\x90\\x80\\x80"},
        {"\xe2\x80\xae", "\xe2\x80\xae"},           /* U+202E is not a control */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        strbuf sb = STRBUF_INIT;
        sb_add_visible(&sb, cases[i].in, strlen(cases[i].in));
        sb_addc(&sb, '\0');
        CHECK_STR(sb.buf, cases[i].want);
        sb_free(&sb);
    }
}

/* sb_add_visible_fit: at most `max` bytes of the input, cut between
 * characters, and at most `room` bytes added, "..." included: a hidden
 * character takes 4 (\xhh), so fewer input bytes fit. */
static void test_visible_fit(void) {
    static const struct {
        const char *in;
        size_t max, room;
        const char *want;
    } cases[] = {
        {"abc", 10, 3, "abc"},                    /* all of it fits: no "..." */
        {"abcdefgh", 10, 6, "abc..."},            /* with "...": three fit */
        {"\x01\x01\x01", 10, 12, "\\x01\\x01\\x01"}, /* 4 bytes each */
        {"\x01\x01\x01", 10, 11, "\\x01\\x01..."},
        {"\x01\xc3\xa9\xc3\xa9\xc3\xa9", 10, 9, "\\x01\xc3\xa9..."}, /* whole characters only */
        {"\xc3\xa9\xc3\xa9", 3, 100, "\xc3\xa9..."}, /* max cuts between characters */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        strbuf sb = STRBUF_INIT;
        sb_add_visible_fit(&sb, cases[i].in, strlen(cases[i].in), cases[i].max, cases[i].room);
        CHECK(sb.len <= cases[i].room || strlen(cases[i].want) > cases[i].room);
        sb_addc(&sb, '\0');
        CHECK_STR(sb.buf, cases[i].want);
        sb_free(&sb);
    }
}

static void test_u64(void) {
    uint64_t v = 0;
    CHECK(cli_parse_u64("0", &v) == 0 && v == 0);
    CHECK(cli_parse_u64("18446744073709551615", &v) == 0 && v == UINT64_MAX);
    CHECK(cli_parse_u64("18446744073709551616", &v) == -1);
    CHECK(cli_parse_u64("99999999999999999999", &v) == -1);
    CHECK(cli_parse_u64("", &v) == -1);
    CHECK(cli_parse_u64("-1", &v) == -1);
    CHECK(cli_parse_u64("1.0", &v) == -1);
    CHECK(cli_parse_u64(" 1", &v) == -1);
    CHECK(cli_parse_u64("9007199254740993", &v) == 0 && v == 9007199254740993ULL);
}

static void test_is_json(void) {
    jdoc d = JDOC_INIT;
    CHECK(cli_is_json(&d, "1", 1));
    CHECK(cli_is_json(&d, " {\"a\" : \"/x/\"} ", 15));
    CHECK_STR(d.text.buf, "{\"a\":\"/x/\"}");
    CHECK(!cli_is_json(&d, "5 // five", 9));
    CHECK(!cli_is_json(&d, "/*c*/5", 6));
    CHECK(cli_is_json(&d, "\"a\\/b\"", 6));
    CHECK(!cli_is_json(&d, "Bob", 3));
    CHECK(!cli_is_json(&d, "007", 3));
    CHECK(!cli_is_json(&d, "", 0));
    jdoc_free(&d);
}

static const char *pretty(const char *json, int color) {
    static strbuf out = STRBUF_INIT;
    static jdoc d = JDOC_INIT;
    sb_reset(&out);
    if (jdoc_parse(&d, json, strlen(json), NULL)) return "INVALID";
    cli_pretty(&out, &d, 0, color);
    return out.buf;
}

static void test_pretty(void) {
    CHECK_STR(pretty("1", 0), "1");
    CHECK_STR(pretty("18446744073709551616", 0), "18446744073709551616");
    CHECK_STR(pretty("[]", 0), "[]");
    CHECK_STR(pretty("{}", 0), "{}");
    CHECK_STR(pretty("[1,0.10]", 0), "[\n  1,\n  0.10\n]");
    CHECK_STR(pretty("{\"a\":{\"b\":[]},\"c\\n\":\"\\u00e9\"}", 0),
              "{\n  \"a\": {\n    \"b\": []\n  },\n  \"c\\n\": \"\\u00e9\"\n}");
    CHECK_STR(pretty("[[[1]]]", 0), "[\n  [\n    [\n      1\n    ]\n  ]\n]");
    CHECK_STR(pretty("{\"k\":null}", 1), "{\n  \033[1;34m\"k\"\033[0m: \033[90mnull\033[0m\n}");
    CHECK_STR(pretty("[true,false,\"s\",-1e5]", 1),
              "[\n  \033[33mtrue\033[0m,\n  \033[33mfalse\033[0m,\n  \033[32m\"s\"\033[0m,\n  \033[36m-1e5\033[0m\n]");
}

/* `find --where`: the path sent, or "error: ..." */
static const char *where(const char *expr) {
    static strbuf out;
    static char buf[512];
    char err[256];
    if (cli_where_path(expr, &out, err, sizeof err)) {
        snprintf(buf, sizeof buf, "error: %s", err);
        return buf;
    }
    snprintf(buf, sizeof buf, "%s", out.buf);
    return buf;
}

static void test_where(void) {
    CHECK_STR(where("@.age > 18"), "$[?($.age > 18)]");
    CHECK_STR(where("@ == 5"), "$[?($ == 5)]");
    /* string and regex literals are not operands */
    CHECK_STR(where("@.mail == 'a@b' || @.x == \"@\""), "$[?($.mail == 'a@b' || $.x == \"@\")]");
    CHECK_STR(where("@.m =~ /@[a-z]/i"), "$[?($.m =~ /@[a-z]/i)]");
    CHECK_STR(where("@.m =~ /[/@]/ && @.n"), "$[?($.m =~ /[/@]/ && $.n)]");
    CHECK_STR(where("tokenize(@.s, /@/)"), "$[?(tokenize($.s, /@/))]");
    /* '/' after an operand divides */
    CHECK_STR(where("@.a / 2 == @.b"), "$[?($.a / 2 == $.b)]");
    /* @ in a nested filter or index expression is that selector's node */
    CHECK_STR(where("count(@.x[?(@ > 1)]) == 2"), "$[?(count($.x[?(@ > 1)]) == 2)]");
    CHECK_STR(where("@.arr[(@.length - 1)] == 3"), "$[?($.arr[(@.length - 1)] == 3)]");
    CHECK_STR(where("@.arr[ ?@ > 1] && @.b"), "$[?($.arr[ ?@ > 1] && $.b)]");
    CHECK_STR(where("@.a[0] == [1, {\"k\": 2}]"), "$[?($.a[0] == [1, {\"k\": 2}])]");
    /* EXPR cannot close the filter early, and mistakes say where in EXPR */
    CHECK_STR(where("@.a)] , $[?(@.b"), "error: unbalanced ')' at position 3");
    CHECK_STR(where("(@.a"), "error: '(' is not closed");
    CHECK_STR(where("@.a >"), "error: it ends at position 5 before the expression is complete");
    CHECK_STR(where("@.a == 'x"), "error: unterminated string at position 7");
    CHECK_STR(where("@.a ==== 1"), "error: unexpected '=' at position 6");
}

int main(void) {
    test_table();
    test_where();
    test_distance();
    test_visible();
    test_visible_fit();
    test_u64();
    test_is_json();
    test_pretty();
    return UNIT_DONE();
}
