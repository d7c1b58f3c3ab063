/*
 * test_scan.c — the validating JSON scanner: what it accepts, what it
 * refuses, the compact text it keeps, and its token helpers.
 */
#include <stdlib.h>

#include "json/jindex.h"
#include "json/scan.h"
#include "unit.h"

static jdoc d = JDOC_INIT;

/* Parse s; return the compact text, or "INVALID". */
static const char *compact(const char *s) {
    if (jdoc_parse(&d, s, strlen(s), NULL)) return "INVALID";
    return d.text.buf;
}

static void test_valid_and_compact(void) {
    CHECK_STR(compact("1"), "1");
    CHECK_STR(compact(" { \"a\" : [ 1 , 2.50 , -0 , 1e400 ] } "), "{\"a\":[1,2.50,-0,1e400]}");
    CHECK_STR(compact("18446744073709551616"), "18446744073709551616");
    CHECK_STR(compact("-9223372036854775809"), "-9223372036854775809");
    CHECK_STR(compact("0.1"), "0.1");
    CHECK_STR(compact("\"h\\u00e9 \\n ☃\""), "\"h\\u00e9 \\n ☃\"");
    CHECK_STR(compact("{\"b\":1,\"a\":2}"), "{\"b\":1,\"a\":2}"); /* order kept */
    CHECK_STR(compact("[1, /* c */ 2 // d\n]"), "[1,2]");
    CHECK_STR(compact("/*x*/ true /*y*/"), "true");
    CHECK_STR(compact("// only a comment\nnull"), "null");
    CHECK_STR(compact("\"\\ud83d\\ude00\""), "\"\\ud83d\\ude00\"");
    CHECK_STR(compact("\"\\udc00x\""), "\"\\udc00x\""); /* lone low surrogate: accepted */
    CHECK_STR(compact("{}"), "{}");
    CHECK_STR(compact("[]"), "[]");
    CHECK_STR(compact("\"\""), "\"\"");
}

static void test_invalid(void) {
    const char *bad[] = {
        "", " ", "x", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "1.", ".5", "-", "1e", "1e+",
        "+1", "tru", "nul", "[1 2]", "1 2", "{\"a\":1} x", "\"abc", "\"\\x\"", "\"\\u12\"",
        "\"\\ud800\"", "\"\\ud800\\u0041\"", "\"a\tb\"", "/* open", "/", "[1]/", "\"\xff\"",
        "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xe2\x82\"", "NaN", "Infinity",
        "[", "]", "{", "}", "'a'", "\"\\U0041\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = jdoc_parse(&d, bad[i], strlen(bad[i]), NULL);
        if (rc != -1) fprintf(stderr, "accepted invalid input #%zu: %s\n", i, bad[i]);
        CHECK(rc == -1);
    }
    /* an embedded NUL byte outside a string is not whitespace */
    CHECK(jdoc_parse(&d, "1\0", 2, NULL) == -1);
}

static void test_depth_limit(void) {
    size_t n = JSON_MAX_DEPTH;
    char *s = malloc(2 * n + 2);
    for (size_t i = 0; i < n; i++) s[i] = '[', s[n + i] = ']';
    CHECK(jdoc_parse(&d, s, 2 * n, NULL) == 0); /* exactly the limit */
    free(s);
    n = JSON_MAX_DEPTH + 1;
    s = malloc(2 * n);
    for (size_t i = 0; i < n; i++) s[i] = '[', s[n + i] = ']';
    CHECK(jdoc_parse(&d, s, 2 * n, NULL) == -1);
    free(s);
    /* far deeper than the limit must fail fast, not overflow the stack */
    n = 1000000;
    s = malloc(n);
    memset(s, '[', n);
    CHECK(jdoc_parse(&d, s, n, NULL) == -1);
    free(s);
}

static void test_tokens(void) {
    const char *s = "{\"a\":[1,{\"x\":null}],\"b\":\"s\",\"a\":2,\"c\\u0041\":true}";
    CHECK(jdoc_parse(&d, s, strlen(s), NULL) == 0);
    CHECK_INT(d.toks[0].type, JT_OBJECT);
    CHECK_INT(d.toks[0].count, 4);
    uint32_t a = jobj_get(&d, 0, "a", 1);
    CHECK_INT(d.toks[a].type, JT_ARRAY); /* first occurrence wins */
    CHECK_INT(d.toks[a].count, 2);
    uint32_t b = jobj_get(&d, 0, "b", 1);
    CHECK_INT(d.toks[b].type, JT_STRING);
    CHECK_INT(jobj_get(&d, 0, "cA", 2) != 0, 1); /* escaped names match decoded */
    CHECK_INT(jobj_get(&d, 0, "zz", 2), 0);
    CHECK_INT(d.toks[a].next, b - 1); /* the array's subtree ends at key "b" */
}

static void test_decode(void) {
    const char *s = "[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\",\"\\u00e9\\ud83d\\ude00\",\"\\udc00x\",\"\\u0000\"]";
    CHECK(jdoc_parse(&d, s, strlen(s), NULL) == 0);
    strbuf out = STRBUF_INIT;
    jstr_decode(&d, &d.toks[1], &out);
    CHECK_STR(out.buf, "a\"b\\c/d\b\f\n\r\t");
    sb_reset(&out);
    jstr_decode(&d, &d.toks[2], &out);
    CHECK_STR(out.buf, "\xc3\xa9\xf0\x9f\x98\x80");
    sb_reset(&out);
    jstr_decode(&d, &d.toks[3], &out);
    CHECK_STR(out.buf, "x"); /* unpaired low surrogate dropped (Compat) */
    sb_reset(&out);
    jstr_decode(&d, &d.toks[4], &out);
    CHECK_INT(out.len, 1);
    CHECK_INT(out.buf[0], 0);
    sb_free(&out);
}

static void test_numbers(void) {
    const char *s = "[0,18446744073709551615,18446744073709551616,-1,1.0,1e2,-0]";
    CHECK(jdoc_parse(&d, s, strlen(s), NULL) == 0);
    uint64_t v = 7;
    CHECK(jnum_to_u64(&d, &d.toks[1], &v) == 0 && v == 0);
    CHECK(jnum_to_u64(&d, &d.toks[2], &v) == 0 && v == UINT64_MAX);
    CHECK(jnum_to_u64(&d, &d.toks[3], &v) == -1);
    CHECK(jnum_to_u64(&d, &d.toks[4], &v) == -1);
    CHECK(jnum_to_u64(&d, &d.toks[5], &v) == -1);
    CHECK(jnum_to_u64(&d, &d.toks[6], &v) == -1);
    CHECK(jnum_to_u64(&d, &d.toks[7], &v) == -1);
    CHECK(jnum_to_token(&d, &d.toks[7], &v, 1) == 0 && v == 0);
    CHECK(jnum_to_token(&d, &d.toks[7], &v, 0) == -1);
}

static void test_json_string_writer(void) {
    strbuf out = STRBUF_INIT;
    sb_add_json_string(&out, "a\"\\/\b\f\n\r\t\x01\x1f\x7f\xc3\xa9", 14);
    CHECK_STR(out.buf, "\"a\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001F\\u007F\xc3\xa9\"");
    sb_free(&out);
}

static void test_utf8(void) {
    CHECK(utf8_valid("h\xc3\xa9", 3));
    CHECK(!utf8_valid("\xc3", 1));
    CHECK(!utf8_valid("\xed\xa0\x80", 3));
    CHECK(utf8_valid("\xf4\x8f\xbf\xbf", 4));
    CHECK(!utf8_valid("\xf4\x90\x80\x80", 4));
    /* utf8_cut: at most max bytes, never inside a character */
    CHECK(utf8_cut("abc", 3, 5) == 3);
    CHECK(utf8_cut("abcdef", 6, 4) == 4);
    CHECK(utf8_cut("ab\xc3\xa9", 4, 3) == 2);              /* é cut after its first byte */
    CHECK(utf8_cut("ab\xc3\xa9", 4, 4) == 4);              /* whole: kept */
    CHECK(utf8_cut("a\xef\xbc\x8fz", 5, 2) == 1);          /* a 3-byte character, cut after 1 */
    CHECK(utf8_cut("a\xef\xbc\x8fz", 5, 3) == 1);          /* ... and after 2 */
    CHECK(utf8_cut("a\xef\xbc\x8fz", 5, 4) == 4);
    CHECK(utf8_cut("\xf0\x9f\x98\x80x", 5, 3) == 0);       /* nothing of a 4-byte one */
    CHECK(utf8_cut("\xf0\x9f\x98\x80x", 5, 0) == 0);
}

/* json_text_depth counts brackets outside strings only: escaped quotes
 * and brackets inside strings do not open or close anything; jdoc_depth
 * gives the same from the tokens, for a document or one value in it. */
static void test_text_depth(void) {
    static const struct {
        const char *text;
        unsigned depth;
    } cases[] = {
        {"1", 0},
        {"\"[{\"", 0},
        {"[]", 1},
        {"{\"a\":[1,{\"b\":[]}]}", 4},
        {"[[],[[]]]", 3},
        {"[\"]]\\\"[[\",[1]]", 2},
        {"{\"k\\\\\":[\"x\"]}", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK(json_text_depth(cases[i].text, strlen(cases[i].text)) == cases[i].depth);
        /* the scanner agrees that each is valid JSON, and its tokens give
         * the same depth */
        CHECK(jdoc_parse(&d, cases[i].text, strlen(cases[i].text), NULL) == 0);
        CHECK(jdoc_depth(&d, 0) == cases[i].depth);
    }
    /* the depth of one member's value: counted from that value */
    static const char obj[] = "{\"a\":[1,[2]],\"b\":{},\"c\":3}";
    CHECK(jdoc_parse(&d, obj, sizeof obj - 1, NULL) == 0);
    CHECK(jdoc_depth(&d, jobj_get(&d, 0, "a", 1)) == 2);
    CHECK(jdoc_depth(&d, jobj_get(&d, 0, "b", 1)) == 1);
    CHECK(jdoc_depth(&d, jobj_get(&d, 0, "c", 1)) == 0);
    char deep[2 * 1021];
    memset(deep, '[', 1021);
    memset(deep + 1021, ']', 1021);
    CHECK(json_text_depth(deep, sizeof deep) == 1021);
    /* json_text_deeper_at: the byte that opens the level past the limit */
    CHECK(json_text_deeper_at(deep, sizeof deep, 1021) == sizeof deep);
    CHECK(json_text_deeper_at(deep, sizeof deep, 1020) == 1020);
    CHECK(json_text_deeper_at("[\"[[\",[[1]]]", 12, 2) == 7);
    CHECK(json_text_deeper_at("[[],[]]", 7, 1) == 1);
    CHECK(json_text_deeper_at("1", 1, 0) == 1);
    /* brackets in comments (a config file's, a value typed) do not count */
    CHECK(json_text_deeper_at("// [\n[[", 7, 1) == 6);
    CHECK(json_text_deeper_at("/* [ */[[", 9, 1) == 8);
    CHECK(json_text_deeper_at("/* [[ ", 6, 0) == 6); /* an unclosed comment */
}

/* The string scanner looks at eight bytes at a time: a quote, backslash,
 * control character or non-ASCII byte must be found at every position of
 * a block, and at block boundaries. */
static void test_string_blocks(void) {
    static const struct {
        const char *ins; /* inserted text */
        int valid, escaped;
    } cases[] = {
        {"\\n", 1, 1}, {"\\", 0, 0}, {"\x01", 0, 0}, {"\x1f", 0, 0}, {"\x7f", 1, 0},
        {"\xc3\xa9", 1, 0}, {"\xc3", 0, 0}, {"\xff", 0, 0}, {" ", 1, 0}, {"\\u0041", 1, 1},
    };
    int bad = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        for (int at = 0; at < 20; at++) {
            char buf[64];
            int n = snprintf(buf, sizeof buf, "\"%.*s%s%.*s\"", at, "abcdefghijklmnopqrstuvwxyz", cases[c].ins,
                             19 - at, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
            int ok = jdoc_parse(&d, buf, (size_t)n, NULL) == 0;
            if (ok != cases[c].valid || (ok && !!(d.toks[0].flags & JF_ESCAPED) != cases[c].escaped)) {
                fprintf(stderr, "string block: case %zu at %d: valid %d\n", c, at, ok);
                bad++;
            }
            /* a quote inside ends the string early: trailing text is invalid */
            n = snprintf(buf, sizeof buf, "\"%.*s\"%.*s\"", at, "abcdefghijklmnopqrstuvwxyz", 5, "ABCDE");
            if (jdoc_parse(&d, buf, (size_t)n, NULL) == 0) bad++;
        }
    }
    CHECK_INT(bad, 0);
}

/* The writer looks at eight bytes at a time: every byte that needs an
 * escape is escaped at every position of a block. */
static void test_writer_blocks(void) {
    static const char specials[] = {'"', '\\', '\n', 0x01, 0x1f, 0x7f, ' ', (char)0xc3};
    static const char *const want[] = {"\\\"", "\\\\", "\\n", "\\u0001", "\\u001F", "\\u007F", " ", "\xc3"};
    int bad = 0;
    for (size_t c = 0; c < sizeof specials; c++) {
        for (int at = 0; at < 20; at++) {
            char in[32], exp[64];
            memset(in, 'x', sizeof in);
            in[at] = specials[c];
            snprintf(exp, sizeof exp, "\"%.*s%s%.*s\"", at, "xxxxxxxxxxxxxxxxxxxx", want[c], 31 - at,
                     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
            strbuf out = STRBUF_INIT;
            sb_add_json_string(&out, in, sizeof in);
            if (strcmp(out.buf, exp) != 0) {
                fprintf(stderr, "writer block: byte %zu at %d: %s\n", c, at, out.buf);
                bad++;
            }
            sb_free(&out);
        }
    }
    CHECK_INT(bad, 0);
}

/* jmembers answers exactly what jobj_get answers, indexed or not: first
 * occurrence of a name wins, escaped names match decoded ones. */
static void test_members_index(void) {
    for (int big = 0; big < 2; big++) {
        strbuf s = STRBUF_INIT;
        sb_adds(&s, "{\"x\":1,\"\\u0078\":2,\"y\":3,\"x\":4");
        for (int i = 0; big && i < 20; i++) sb_addf(&s, ",\"m%d\":%d", i, i);
        sb_adds(&s, "}");
        CHECK(jdoc_parse(&d, s.buf, s.len, NULL) == 0);
        jmembers m;
        jmembers_init(&m, &d, 0);
        CHECK(m.distinct == (big ? 22u : 2u));
        CHECK(jmembers_get(&m, "x", 1) == jobj_get(&d, 0, "x", 1));
        CHECK(jmembers_get(&m, "x", 1) == 2);
        CHECK(jmembers_get(&m, "y", 1) == jobj_get(&d, 0, "y", 1));
        CHECK(jmembers_get(&m, "z", 1) == 0);
        CHECK(jmembers_is_first(&m, 1) == 1);
        CHECK(jmembers_is_first(&m, 3) == 0); /* "\u0078" repeats x */
        if (big) CHECK(jmembers_get(&m, "m19", 3) == jobj_get(&d, 0, "m19", 3));
        jmembers_free(&m);
        sb_free(&s);
    }
}

/* jdoc_release_over / sb_release_over: scratch freed only past keep, and
 * usable again after. */
static void test_release_over(void) {
    jdoc r = JDOC_INIT;
    CHECK(jdoc_parse(&r, "[1,2,3]", 7, NULL) == 0);
    CHECK(jdoc_release_over(&r, 1 << 20) == 0);
    CHECK(r.toks != NULL);
    size_t held = jdoc_release_over(&r, 0);
    CHECK(held >= 4 * sizeof *r.toks);
    CHECK(r.toks == NULL && r.cap == 0 && r.text.buf == NULL);
    CHECK(jdoc_parse(&r, "{\"a\":1}", 7, NULL) == 0 && r.ntoks == 3);
    jdoc_free(&r);
    strbuf b = STRBUF_INIT;
    sb_add(&b, "abc", 3);
    size_t cap = b.cap;
    CHECK(sb_release_over(&b, cap) == 0 && b.len == 3);
    CHECK(sb_release_over(&b, cap - 1) == cap);
    CHECK(b.buf == NULL && b.len == 0 && b.cap == 0);
    sb_add(&b, "x", 1);
    CHECK(b.len == 1 && b.buf[0] == 'x');
    sb_free(&b);
}

int main(void) {
    test_release_over();
    test_members_index();
    test_writer_blocks();
    test_string_blocks();
    test_valid_and_compact();
    test_invalid();
    test_depth_limit();
    test_tokens();
    test_decode();
    test_numbers();
    test_json_string_writer();
    test_utf8();
    test_text_depth();
    jdoc_free(&d);
    return UNIT_DONE();
}
