/*
 * client.c — what is common to every client, whatever transport holds it
 * (see client.h).
 */
#include "server/client.h"

#include <stdlib.h>

void client_slot_fill(client_slot *slot, const char *msg, size_t n) {
    if (!slot->c) { /* the client went away: nobody to answer */
        sb_free(&slot->text);
        free(slot);
        return;
    }
    sb_reset(&slot->text);
    sb_add(&slot->text, msg, n);
    slot->filled = 1;
    slot->wake(slot);
}

uint64_t client_next_id(void) {
    static uint64_t next;
    return ++next;
}
