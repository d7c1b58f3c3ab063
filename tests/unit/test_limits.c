/*
 * test_limits.c — the request limits of issue 10 without sockets: the
 * `limits` config object, and maxDepth, maxKeyLength, maxKeysPerRequest and
 * maxMemory as dispatch_message() applies them (README "Limits").
 */
#include <stdlib.h>

#include "common/hash.h"
#include "server/config.h"
#include "server/dispatch.h"
#include "server/server.h"
#include "support/local_client.h"
#include "unit.h"

#define BASE "{\"version\":5,\"ip\":\"127.0.0.1\",\"port\":2000,\"maxPayload\":4096," \
             "\"persist\":{\"enabled\":false,\"path\":\"./data\"}"

static ndb_server srv;
static local_client lc;
static strbuf out = STRBUF_INIT;

/* Send one request, return the response (valid until the next call). */
static const char *ask(const char *req) {
    sb_reset(&out);
    dispatch_message(&srv, &lc.cl, req, strlen(req), 0, &out);
    sb_grow(&out, 0);
    out.buf[out.len] = 0;
    return out.buf;
}

static void test_config(void) {
    ndb_config c;
    char err[256];
    config_defaults(&c);
    CHECK_INT(c.max_connections, 10000);
    CHECK_INT(c.max_output, 64 * 1024 * 1024);
    CHECK_INT(c.max_depth, 1024);
    CHECK_INT(c.max_memory, 0);
    const char *good = BASE ",\"limits\":{\"maxConnections\":5,\"maxOutputBytes\":70000,\"handshakeTimeoutSec\":2,"
                            "\"idleTimeoutSec\":20,\"requestTimeoutSec\":3,\"maxDepth\":7,\"maxKeyLength\":9,"
                            "\"maxKeysPerRequest\":11,\"maxMemory\":123456}}";
    CHECK_INT(config_parse_text(&c, good, strlen(good), "t", err, sizeof err), 0);
    CHECK_INT(c.max_connections, 5);
    CHECK_INT(c.max_output, 70000);
    CHECK_INT(c.handshake_timeout_s, 2);
    CHECK_INT(c.idle_timeout_s, 20);
    CHECK_INT(c.request_timeout_s, 3);
    CHECK_INT(c.max_depth, 7);
    CHECK_INT(c.max_key_length, 9);
    CHECK_INT(c.max_keys, 11);
    CHECK_INT(c.max_memory, 123456);
    static const char *const bad[][2] = {
        {BASE ",\"limits\":{\"maxDepth\":1025}}", "'limits.maxDepth' must be an integer from 3 to 1024"},
        {BASE ",\"limits\":{\"maxConnections\":0}}", "'limits.maxConnections'"},
        {BASE ",\"limits\":{\"maxOutputBytes\":1000}}", "'limits.maxOutputBytes'"},
        {BASE ",\"limits\":{\"maxMemory\":-1}}", "'limits.maxMemory'"},
        {BASE ",\"limits\":{\"idleTimeoutSec\":\"10\"}}", "'limits.idleTimeoutSec'"},
        {BASE ",\"limits\":[]}", "'limits' must be an object"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        config_defaults(&c);
        err[0] = 0;
        CHECK_INT(config_parse_text(&c, bad[i][0], strlen(bad[i][0]), "t", err, sizeof err), -1);
        CHECK(strstr(err, bad[i][1]) != NULL);
    }
}

static void test_request_limits(void) {
    CHECK_STR(ask("{\"KV_SET\":{\"keys\":{\"a\":[[1]]}}}"), "{\"KV_SET_RSP\":{\"st\":1}}");
    CHECK_STR(ask("{\"KV_SET\":{\"keys\":{\"a\":[[[1]]]}}}"),
              "{\"KV_SET_RSP\":{\"m\":\"nesting deeper than 5 (limits.maxDepth)\",\"st\":42,\"tkn\":null}}");
    CHECK_STR(ask("{\"KV_SET\":{\"keys\":{\"abcd\":1,\"abcde\":2}}}"),
              "{\"KV_SET_RSP\":{\"m\":\"key longer than 4 bytes (limits.maxKeyLength)\",\"st\":42,\"tkn\":null}}");
    CHECK_STR(ask("{\"KV_SET\":{\"keys\":{\"\\u0061\\u0062\\u0063\\u0064\":1}}}"), "{\"KV_SET_RSP\":{\"st\":1}}");
    CHECK_STR(ask("{\"KV_GET\":{\"keys\":[\"a\",\"b\",\"c\"]}}"), "{\"KV_GET_RSP\":{\"keys\":{\"a\":[[1]]},\"st\":1}}");
    CHECK_STR(ask("{\"KV_GET\":{\"keys\":[\"a\",\"b\",\"c\",\"d\"]}}"),
              "{\"KV_GET_RSP\":{\"m\":\"'keys' has more than 3 items (limits.maxKeysPerRequest)\",\"st\":42,"
              "\"tkn\":null}}");
    /* unknown commands are still 10, structure errors still come first */
    CHECK_STR(ask("{\"KV_NOPE\":{\"keys\":[1,2,3,4]}}"), "{\"KV_NOPE_RSP\":{\"m\":\"\",\"st\":10,\"tkn\":null}}");
    CHECK_STR(ask("[[[[[[[]]]]]]]"), "{\"ERR\":{\"m\":\"\",\"st\":13}}");
    ask("{\"KV_CLEAR\":{}}");
}

static void test_max_memory(void) {
    char req[2200], v[1001];
    memset(v, 'v', 1000);
    v[1000] = 0;
    int stored = 0, refused = 0;
    for (int i = 0; i < 40; i++) {
        snprintf(req, sizeof req, "{\"KV_SET\":{\"keys\":{\"k%d\":\"%s\"}}}", i, v);
        const char *r = ask(req);
        if (strcmp(r, "{\"KV_SET_RSP\":{\"st\":1}}") == 0) {
            CHECK_INT(refused, 0); /* once refused, always refused */
            stored++;
        } else {
            CHECK_STR(r, "{\"KV_SET_RSP\":{\"m\":\"maxMemory exceeded\",\"st\":42,\"tkn\":null}}");
            refused++;
        }
        CHECK(server_memory(&srv) <= srv.cfg.max_memory);
    }
    CHECK(stored > 5 && refused > 5);
    snprintf(req, sizeof req, "{\"KV_COUNT_RSP\":{\"cnt\":%d,\"st\":1}}", stored);
    CHECK_STR(ask("{\"KV_COUNT\":{}}"), req);
    /* overwriting with a same-size value, and shrinking, are allowed */
    snprintf(req, sizeof req, "{\"KV_SET\":{\"keys\":{\"k0\":\"%s\"}}}", v);
    CHECK_STR(ask(req), "{\"KV_SET_RSP\":{\"st\":1}}");
    CHECK_STR(ask("{\"KV_SET\":{\"keys\":{\"k1\":1}}}"), "{\"KV_SET_RSP\":{\"st\":1}}");
    /* KV_CLEAR_SET counts what it frees */
    snprintf(req, sizeof req, "{\"KV_CLEAR_SET\":{\"keys\":{\"x\":\"%s\"}}}", v);
    snprintf(v, sizeof v, "{\"KV_CLEAR_SET_RSP\":{\"cnt\":%d,\"st\":1}}", stored);
    CHECK_STR(ask(req), v);
}

int main(void) {
    hash_seed_random();
    local_client_init(&lc, ROLE_ADMIN);
    test_config();
    ndb_config cfg;
    config_defaults(&cfg);
    cfg.max_depth = 5;
    cfg.max_key_length = 4;
    cfg.max_keys = 3;
    server_init(&srv, &cfg);
    test_request_limits();
    server_free(&srv);
    config_defaults(&cfg);
    cfg.max_memory = 20000;
    server_init(&srv, &cfg);
    test_max_memory();
    server_free(&srv);
    sb_free(&out);
    return UNIT_DONE();
}
