/*
 * test_command_info.c — looking commands up by name (src/common/
 * command_info.c): every command of commands.def finds itself; prefixes,
 * extensions, other cases, embedded NULs and the empty name find nothing.
 */
#include <stdlib.h>

#include "common/command_info.h"
#include "unit.h"

static void test_every_command(void) {
    for (size_t i = 0; i < CMD__COUNT; i++) {
        const cmd_info *ci = &cmd_table[i];
        CHECK(cmd_lookup(ci->name, ci->namelen) == ci);
        CHECK_INT(cmd_id_of(cmd_lookup(ci->name, ci->namelen)), i);
        /* not a prefix, not an extension, not another case */
        CHECK(cmd_lookup(ci->name, ci->namelen - 1) != ci);
        char buf[64];
        memcpy(buf, ci->name, ci->namelen);
        buf[ci->namelen] = 'X';
        CHECK(cmd_lookup(buf, ci->namelen + 1) == NULL);
        buf[ci->namelen] = '\0';
        CHECK(cmd_lookup(buf, ci->namelen + 1) == NULL); /* a NUL after the name */
        buf[0] = (char)(buf[0] - 'A' + 'a');
        CHECK(cmd_lookup(buf, ci->namelen) == NULL);
    }
}

static void test_known_and_unknown(void) {
    CHECK_STR(cmd_lookup("KV_GET", 6)->name, "KV_GET");
    CHECK_STR(cmd_lookup("SV_INFO", 7)->name, "SV_INFO");
    CHECK(cmd_lookup("", 0) == NULL);
    CHECK(cmd_lookup("KV_GE", 5) == NULL);
    CHECK(cmd_lookup("KV_GET_RSP", 10) == NULL);
    CHECK(cmd_lookup("kv_get", 6) == NULL);
    CHECK(cmd_lookup("KV_G\0T", 6) == NULL);
    CHECK(cmd_lookup("ERR", 3) == NULL);
}

int main(void) {
    test_every_command();
    test_known_and_unknown();
    return UNIT_DONE();
}
