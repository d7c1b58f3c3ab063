/*
 * cmd_snapshot.c — save and load of the top-level keys (KV_SAVE, KV_LOAD).
 * Sessions have their own: `ndb session save|load` (cmd_session.c).
 *
 * Both print the server's report (its answer without "st"), e.g.
 * {"duration":3,"name":"users"} — data a script can read with jq.
 */
#include <string.h>

#include "client/cli.h"

/* {"<CMD>":{"name":NAME}}; expect status `ok` (or `ok2`), then print the
 * report. */
static int snapshot(cli_ctx *c, const char *name, unsigned ok, unsigned ok2) {
    int rc;
    size_t n = strlen(name);
    if (!utf8_valid(name, n)) return cli_usage_error(c, "NAME is not valid UTF-8");
    cli_req_begin(c);
    cli_req_member(c, "name");
    sb_add_json_string(&c->req, name, n);
    cli_req_end(c);
    if ((rc = cli_call(c))) return rc;
    if (c->st != ok && c->st != ok2) return cli_snapshot_error(c, name);
    cli_print_body(c, &c->rsp, c->body);
    return 0;
}

int cli_save(cli_ctx *c, int argc, char **argv) { return snapshot(c, argv[0], 121, 121); }

/* 140 is what older servers answer for an empty dataset: nothing loaded,
 * but nothing wrong either. */
int cli_load(cli_ctx *c, int argc, char **argv) { return snapshot(c, argv[0], 141, 140); }
