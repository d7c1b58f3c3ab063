/*
 * fuzz_request.c — libFuzzer harness: the whole request path.
 *
 * Each input is the payload of one WebSocket text message.  It goes through
 * dispatch_message() — parse, structure checks, limits, the command — on a
 * server whose state persists from one input to the next, so later inputs
 * run against whatever earlier ones stored.  Checked for every input:
 *   - exactly one response is appended (the bytes appended are one JSON
 *     text to ndb's scanner);
 *   - it is an object with one member, named "ERR" or "<something>_RSP",
 *     whose value is an object holding a uint "st";
 *   - every value the request stored (seen by a store sink, as the journal
 *     sees it) is one compact JSON text that ndb's scanner reads back,
 *     nested no deeper than STORE_MAX_VALUE_DEPTH.
 * Setup: persistence disabled (KV_SAVE/SH_SAVE answer 14) and the persist
 * path is a fresh empty temporary directory, so KV_LOAD/SH_LOAD can read
 * nothing outside it; maxMemory 8 MiB, maxKeysPerRequest 1000 and
 * maxDepth 64 so the limit paths run too — except for inputs of 1,500
 * bytes or more, which run under maxDepth 1024, so that values nested
 * near the 1021-level bound can be stored and later inputs can try to
 * push them past it (KV_UPDATE, KV_ARR_APPEND).  Sessions with the tokens 1, 2
 * and 3 exist (recreated when ended), so SH_ commands can reach a session
 * (real tokens are random).  When the stored data passes 16 MiB (it cannot
 * while maxMemory holds) or every 100,000 inputs the state is cleared, to
 * keep runs bounded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hash.h"
#include "common/log.h"
#include "server/dispatch.h"
#include "server/server.h"
#include "support/local_client.h"

static ndb_server srv;
static local_client lc;
static strbuf out = STRBUF_INIT;
static jdoc check = JDOC_INIT;
static char tmpdir[] = "/tmp/ndb-fuzz-XXXXXX";

static jdoc stored = JDOC_INIT;
static const char *stored_bad; /* why a value stored by this input is wrong, or NULL */

/* The store sink: each value set must read back as it will be served,
 * searched, journaled and snapshotted. */
static void check_stored(void *ctx, const change *ch) {
    (void)ctx;
    if (ch->kind != CH_KEY_SET || stored_bad) return;
    if (jdoc_parse(&stored, ch->val, ch->vlen, NULL)) stored_bad = "a stored value is not one JSON text";
    else if (stored.text.len != ch->vlen) stored_bad = "a stored value is not compact";
    else if (json_text_depth(ch->val, ch->vlen) > STORE_MAX_VALUE_DEPTH)
        stored_bad = "a stored value nests deeper than STORE_MAX_VALUE_DEPTH";
}

static void ensure_sessions(void) {
    static const session_expiry never = {0, 0, 0, 0};
    static const session_expiry short_get = {1, 0, 1, 0};
    static const session_expiry short_del = {2, 1, 0, 1};
    const session_expiry *ex[3] = {&never, &short_get, &short_del};
    for (uint64_t t = 1; t <= 3; t++)
        if (!store_session(&srv.store, t))
            store_load_session(&srv.store, t, ex[t - 1],
                               expiry_now_ns() + (uint64_t)ex[t - 1]->duration * EXPIRY_NS_PER_S, 0);
}

static void cleanup(void) {
    local_client_free(&lc);
    server_free(&srv);
    sb_free(&out);
    jdoc_free(&check);
    jdoc_free(&stored);
    rmdir(tmpdir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    log_threshold = LOG_ERROR;
    if (!mkdtemp(tmpdir)) abort();
    ndb_config cfg;
    config_defaults(&cfg);
    cfg.persist_enabled = 0;
    snprintf(cfg.persist_path, sizeof cfg.persist_path, "%s", tmpdir);
    cfg.max_memory = 8 * 1024 * 1024;
    cfg.max_keys = 1000;
    cfg.max_depth = 64;
    cfg.max_key_length = 256;
    hash_seed_random();
    server_init(&srv, &cfg);
    g_server = &srv;
    local_client_init(&lc, ROLE_ADMIN);
    if (store_add_sink(&srv.store, check_stored, NULL)) abort();
    ensure_sessions();
    atexit(cleanup);
    return 0;
}

static void fail(const char *why, const uint8_t *data, size_t size) {
    fprintf(stderr, "fuzz_request: %s\nrequest: %.*s\nresponse: %.*s\n", why, (int)(size > 500 ? 500 : size),
            (const char *)data, (int)(out.len > 500 ? 500 : out.len), out.buf ? out.buf : "");
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static unsigned long runs;
    if (++runs % 100000 == 0 || server_memory(&srv) > 16 * 1024 * 1024) {
        store_clear(&srv.store, NULL, CAUSE_CLEAR);
        store_end_all_sessions(&srv.store);
    }
    ensure_sessions();
    srv.cfg.max_depth = size >= 1500 ? JSON_MAX_DEPTH : 64;
    sb_reset(&out);
    stored_bad = NULL;
    dispatch_message(&srv, &lc.cl, (const char *)data, size, 0, &out);
    if (stored_bad) fail(stored_bad, data, size);
    sb_reset(&lc.pushed); /* events of KV_WATCH/SH_WATCH: their shape is checked by the CLI tests */

    if (jdoc_parse(&check, out.buf ? out.buf : "", out.len, NULL)) fail("response is not one JSON text", data, size);
    const jtok *root = &check.toks[0];
    if (root->type != JT_OBJECT || root->count != 1) fail("response is not an object with one member", data, size);
    const jtok *name = &check.toks[1], *body = &check.toks[2];
    const char *nm = jtok_text(&check, name) + 1;
    size_t nl = name->len - 2;
    if (!(nl == 3 && memcmp(nm, "ERR", 3) == 0) && !(nl >= 4 && memcmp(nm + nl - 4, "_RSP", 4) == 0))
        fail("response member is neither ERR nor *_RSP", data, size);
    if (body->type != JT_OBJECT) fail("response body is not an object", data, size);
    uint32_t st = jobj_get(&check, 2, "st", 2);
    uint64_t v;
    if (!st || jnum_to_u64(&check, &check.toks[st], &v)) fail("response has no uint st", data, size);
    /* the store never lets a request pass maxMemory; the margin is for the
     * three sessions this harness itself recreates outside any request */
    if (srv.cfg.max_memory && server_memory(&srv) > srv.cfg.max_memory + 4096)
        fail("stored bytes beyond maxMemory", data, size);
    return 0;
}
