/*
 * test_status.c — the one status table (src/common/status.def): the
 * server's enum and the client's names come from it, it lists exactly the
 * codes of docs/protocol.md section 2, in ascending order.
 */
#include "client/cli.h"
#include "server/request.h"
#include "unit.h"

/* The table as data, to check its order and completeness. */
static const unsigned listed[] = {
#define NDB_STATUS(value, ident, name, meaning) value,
#include "common/status.def"
#undef NDB_STATUS
};

int main(void) {
    /* every code of docs/protocol.md section 2 (43-45 and 124 are ndb's,
     * issues 14 and 15), nothing else */
    static const unsigned protocol[] = {1,   2,   3,   4,   5,   10,  11,  12,  13,  14,  22,  26,  40,  41, 42, 43,
                                        44,  45,  100, 101, 102, 103, 120, 121, 122, 123, 124, 140, 141, 142, 1000};
    size_t n = sizeof listed / sizeof listed[0];
    CHECK_INT(n, sizeof protocol / sizeof protocol[0]);
    for (size_t i = 0; i < n && i < sizeof protocol / sizeof protocol[0]; i++) CHECK_INT(listed[i], protocol[i]);

    /* the server's identifiers */
    CHECK_INT(ST_OK, 1);
    CHECK_INT(ST_OPCODE_INVALID, 2);
    CHECK_INT(ST_KEY_NOT_EXIST, 22);
    CHECK_INT(ST_SESSION_TOKEN_INVALID, 101);
    CHECK_INT(ST_LOADING, 140);
    CHECK_INT(ST_UNKNOWN, 1000);

    /* the client's names, as they were before the table was shared */
    CHECK_STR(cli_status_name(1), "Ok");
    CHECK_STR(cli_status_name(2), "OpCodeInvalid");
    CHECK_STR(cli_status_name(22), "KeyNotExist");
    CHECK_STR(cli_status_name(103), "SessionNewFail");
    CHECK_STR(cli_status_name(43), "AuthRequired"); /* README "Security" */
    CHECK_STR(cli_status_name(44), "AuthFailed");
    CHECK_STR(cli_status_name(45), "RoleDenied");
    CHECK_STR(cli_status_name(142), "LoadError");
    CHECK_STR(cli_status_name(124), "PersistFailed");
    CHECK_INT(ST_PERSIST_FAILED, 124);
    CHECK_STR(cli_status_name(1000), "Unknown");
    CHECK(cli_status_name(0) == NULL);
    CHECK(cli_status_name(6) == NULL);
    CHECK(cli_status_name(999) == NULL);
    return UNIT_DONE();
}
