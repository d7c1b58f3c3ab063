/*
 * server.c — life cycle of the server state (see server.h).
 */
#include "server/server.h"

#include <stdlib.h>

#include "common/log.h"
#include "server/commands.h"

ndb_server *g_server;

void server_init(ndb_server *s, const ndb_config *cfg) {
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    s->started = time(NULL);
    sessions_init(&s->sessions, cfg->token_bits);
}

void server_free(ndb_server *s) {
    kvmap_free(&s->kv);
    sessions_free(&s->sessions);
    jdoc_free(&s->doc);
    sb_free(&s->cmd);
    sb_free(&s->key);
    sb_free(&s->keys);
    free(s->refs);
    kvpath_free_scratch();
}

/* Marks on entries compare against this stamp; when it wraps, old marks
 * could collide with new stamps, so every mark is cleared first. */
static void clear_marks(kvmap *m) {
    for (uint32_t i = 0; i < m->count; i++) m->items[i]->mark = 0;
}

uint32_t server_next_stamp(ndb_server *s) {
    if (++s->stamp == 0) {
        clear_marks(&s->kv);
        for (uint32_t i = 0; i < s->sessions.count; i++) clear_marks(&s->sessions.items[i]->map);
        s->stamp = 1;
    }
    return s->stamp;
}

void server_tick(ndb_server *s) {
    size_t n = sessions_expire(&s->sessions, expiry_now_ns());
    if (n) log_debug("expiry timer: %zu session(s) expired", n);
}
