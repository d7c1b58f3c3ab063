/*
 * cmd_info.c — `ndb info`: what the server says about itself (SV_INFO),
 * printed as its answer without "st".
 */
#include "client/cli.h"

int cli_info(cli_ctx *c, int argc, char **argv) {
    int rc;
    cli_req_begin(c);
    cli_req_end(c);
    if ((rc = cli_call_ok(c))) return rc;
    cli_print_body(c, &c->rsp, c->body);
    return 0;
}
