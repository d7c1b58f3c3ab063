/*
 * server.c — life cycle of the server state (see server.h).
 */
#include "server/server.h"

#include <stdlib.h>

ndb_server *g_server;

void server_init(ndb_server *s, const ndb_config *cfg) {
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    s->started = time(NULL);
}

void server_free(ndb_server *s) {
    kvmap_free(&s->kv);
    jdoc_free(&s->doc);
    sb_free(&s->cmd);
    sb_free(&s->key);
    sb_free(&s->keys);
    free(s->refs);
}

/* Marks on entries compare against this stamp; when it wraps, old marks
 * could collide with new stamps, so every mark is cleared first. */
static void clear_marks(kvmap *m) {
    for (uint32_t i = 0; i < m->count; i++) m->items[i]->mark = 0;
}

uint32_t server_next_stamp(ndb_server *s) {
    if (++s->stamp == 0) {
        clear_marks(&s->kv);
        s->stamp = 1;
    }
    return s->stamp;
}
