/*
 * server.c — life cycle of the server state (see server.h).
 */
#include "server/server.h"

#include <stdlib.h>

#include "common/log.h"
#include "common/plural.h"
#include "server/commands.h"
#include "server/durability.h"

ndb_server *g_server;

void server_init(ndb_server *s, const ndb_config *cfg) {
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    s->started = time(NULL);
    store_init(&s->store, cfg->max_memory, cfg->token_bits);
    watch_init(&s->watches, cfg->max_watches, cfg->watch_output);
    store_add_sink(&s->store, watch_sink, &s->watches);
    durability_init(s);
}

void server_free(ndb_server *s) {
    durability_free(s);
    store_free(&s->store);
    watch_free(&s->watches);
    jdoc_free(&s->doc);
    sb_free(&s->cmd);
    sb_free(&s->key);
    sb_free(&s->keys);
    free(s->refs);
    free(s->items);
    free(s->listed);
    kvpath_free_scratch();
}

void server_client_closed(ndb_server *s, client *cl) { watch_client_gone(&s->watches, cl); }

void server_tick(ndb_server *s) {
    uint64_t now = expiry_now_ns();
    size_t n = store_expire(&s->store, now);
    if (n) log_debug("expiry timer: %zu session%s expired", n, plural_s(n));
    n = store_expire_keys(&s->store, now);
    if (n) log_debug("expiry timer: %zu key%s expired", n, plural_s(n));
    durability_tick(s);
}
