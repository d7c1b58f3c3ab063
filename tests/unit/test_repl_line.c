/*
 * test_repl_line.c — the REPL's line handling (src/client/repl_line.c):
 * word splitting with shell quoting and JSON / JSONPath words, unfinished
 * input, the history's credential filter, and quoting for completion.
 */
#include <stdlib.h>

#include "client/repl.h"
#include "unit.h"

/* Split s and join the words with '|' (trailing "+open" / "+trail"). */
static const char *split(const char *s) {
    static char out[512];
    repl_words w = {0};
    repl_split(s, strlen(s), &w);
    out[0] = '\0';
    for (int i = 0; i < w.n; i++) {
        if (i) strcat(out, "|");
        strcat(out, w.w[i].text);
    }
    if (w.open) strcat(out, "+open");
    if (w.trailing) strcat(out, "+trail");
    repl_words_free(&w);
    return out;
}

static void test_split(void) {
    CHECK_STR(split(""), "+trail");
    CHECK_STR(split("get a b"), "get|a|b");
    CHECK_STR(split("  get\ta  "), "get|a+trail");
    CHECK_STR(split("set k 'two words'"), "set|k|two words");
    CHECK_STR(split("set k \"say \\\"hi\\\" \\\\ \\x\""), "set|k|say \"hi\" \\ \\x");
    CHECK_STR(split("set it\\'s a\\ b"), "set|it's|a b");
    CHECK_STR(split("set k ''"), "set|k|");
    CHECK_STR(split("set k a'b'\"c\""), "set|k|abc");
    /* JSON values and JSONPaths: verbatim, blanks inside brackets kept. */
    CHECK_STR(split("set a {\"x\": [1, 2], \"s\": \"} \"} b"), "set|a|{\"x\": [1, 2], \"s\": \"} \"}|b");
    CHECK_STR(split("set a [1, \"]\", 3]"), "set|a|[1, \"]\", 3]");
    CHECK_STR(split("find $[?(@.n == 'Bob Smith')] --kv"), "find|$[?(@.n == 'Bob Smith')]|--kv");
    CHECK_STR(split("find $..id"), "find|$..id");
    CHECK_STR(split("update k $ 5"), "update|k|$|5");
    /* Unfinished input. */
    CHECK_STR(split("get 'a"), "get|a+open");
    CHECK_STR(split("get \"a"), "get|a+open");
    CHECK_STR(split("get a\\"), "get|a+open");
    CHECK_STR(split("set a {\"x\": 1"), "set|a|{\"x\": 1+open");
    CHECK_STR(split("set a \"multi\nline\""), "set|a|multi\nline");
    CHECK_STR(split("get a\\\nb"), "get|ab");
    /* A backslash before the final line end continues the line (open 2);
     * joined, the pair is dropped, between words too, with \r\n as well. */
    CHECK_STR(split("set a 1 \\\n"), "set|a|1|+open");
    CHECK_STR(split("set a 1\\\r\n"), "set|a|1+open");
    CHECK_STR(split("set a 1 \\\n  b 2\n"), "set|a|1|b|2+trail");
    CHECK_STR(split("set a 1 \\\r\n  b 2\r\n"), "set|a|1|b|2+trail");
    CHECK_STR(split("set a 'x\\\n"), "set|a|x\\\n+open");
    /* So does one that ends a JSON value or JSONPath word (outside its
     * brackets, where neither has a backslash); inside them it is kept. */
    CHECK_STR(split("set a {\"x\":1}\\\n"), "set|a|{\"x\":1}+open");
    CHECK_STR(split("set a {\"x\":1}\\\r\n b 2\r\n"), "set|a|{\"x\":1}|b|2+trail");
    CHECK_STR(split("find $..x\\\ny\n"), "find|$..xy+trail");
    CHECK_STR(split("set a [1,\\\n2]\n"), "set|a|[1,\\\n2]+trail");
    {
        repl_words o = {0};
        repl_split("get a\\\n", 7, &o);
        CHECK_INT(o.open, 2);
        repl_split("get 'a\n", 7, &o);
        CHECK_INT(o.open, 1);
        repl_words_free(&o);
    }
    /* Word offsets (for completion). */
    repl_words w = {0};
    repl_split("get  'my k", 10, &w);
    CHECK_INT(w.n, 2);
    CHECK_INT(w.w[1].start, 5);
    CHECK_INT(w.w[1].end, 10);
    CHECK_STR(w.w[1].text, "my k");
    repl_words_free(&w);
}

static void test_raw_open(void) {
#define OPEN(s) repl_raw_open((s), strlen(s))
    CHECK(!OPEN("{\"KV_COUNT\":{}}"));
    CHECK(OPEN("{\"KV_GET\":"));
    CHECK(OPEN("{\"KV_GET\":{\"keys\":[\"a\""));
    CHECK(OPEN("{\"KV_SET\":{\"keys\":{\"a\":\"x } ]"));
    CHECK(!OPEN("{\"KV_SET\":{\"keys\":{\"a\":\"x } ] \\\" {\"}}}"));
    CHECK(OPEN("{\"KV_COUNT\":\n// {\n"));
    CHECK(!OPEN("{\"KV_COUNT\":\n// {\n{}}"));
    CHECK(OPEN("{\"KV_COUNT\": /* } "));
    CHECK(!OPEN("{\"KV_COUNT\": /* } */ {}}"));
    CHECK(!OPEN("{}}}")); /* too many closers: the server judges it */
#undef OPEN
}

static void test_secret(void) {
    CHECK(!repl_line_is_secret("set a 1"));
    CHECK(!repl_line_is_secret("get user:42"));
    CHECK(!repl_line_is_secret("use 1234567890"));
    CHECK(!repl_line_is_secret("set book {\"author\": \"x\"}"));
    CHECK(!repl_line_is_secret("session new --ttl 60"));
    CHECK(repl_line_is_secret("set password hunter2"));
    CHECK(repl_line_is_secret("set db '{\"PassWord\": 1}'"));
    CHECK(repl_line_is_secret("set passwd x"));
    CHECK(repl_line_is_secret("set k my-secret"));
    CHECK(repl_line_is_secret("set API_KEY abc"));
    CHECK(repl_line_is_secret("set github_apikey abc"));
    CHECK(repl_line_is_secret("set credentials x"));
    CHECK(repl_line_is_secret("auth bob pw"));
    CHECK(repl_line_is_secret("  AUTH bob pw"));
    CHECK(repl_line_is_secret("login bob"));
    CHECK(repl_line_is_secret("{\"AUTH\":{\"user\":\"bob\"}}"));
    CHECK(repl_line_is_secret(" set a 1"));
    CHECK(repl_line_is_secret("\tset a 1"));
    CHECK(!repl_line_is_secret("authors"));
    /* SV_AUTH as a raw request, however it is spelled (README "Security") */
    CHECK(repl_line_is_secret("{\"SV_AUTH\":{\"user\":\"bob\",\"pw\":\"x\"}}"));
    CHECK(repl_line_is_secret("{\"sv_auth\":{}}"));
    CHECK(repl_line_is_secret("{\"SV_\\u0041UTH\":{\"user\":\"bob\",\"pass\\u0077ord\":\"x\"}}"));
    CHECK(!repl_line_is_secret("{\"KV_SET\":{\"keys\":{\"author\":\"x\"}}}"));
}

static void roundtrip(const char *s) {
    strbuf q = STRBUF_INIT;
    repl_quote_word(&q, s);
    repl_words w = {0};
    repl_split(q.buf, q.len, &w);
    CHECK_INT(w.n, 1);
    if (w.n == 1) CHECK_STR(w.w[0].text, s);
    repl_words_free(&w);
    sb_free(&q);
}

static void test_quote(void) {
    strbuf q = STRBUF_INIT;
    repl_quote_word(&q, "plain_key:1");
    CHECK_STR(q.buf, "plain_key:1");
    sb_reset(&q);
    repl_quote_word(&q, "my key");
    CHECK_STR(q.buf, "'my key'");
    sb_free(&q);
    roundtrip("my key");
    roundtrip("it's a \"key\" with $ and \\");
    roundtrip("{not json");
    roundtrip("$dollar");
    roundtrip("#hash");
    roundtrip("");
    roundtrip("tab\there");
    roundtrip("ünïcødé");
}

int main(void) {
    test_split();
    test_raw_open();
    test_secret();
    test_quote();
    return UNIT_DONE();
}
