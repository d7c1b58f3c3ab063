/*
 * fuzz_config.c — libFuzzer harness: the config file parser.
 *
 * Each input is the text of a config file, parsed by config_parse_text()
 * (what config_load_file() does after reading the file).  On success the
 * result must satisfy every documented range (docs/protocol.md 7.2, README
 * "Limits"); on failure there must be a one-line message.  The input may
 * be anything: text is parsed from a copy without a terminating NUL, so
 * ASan sees any read past its end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "json/scan.h"
#include "server/config.h"

#define REQUIRE(c)                                                   \
    do {                                                             \
        if (!(c)) {                                                  \
            fprintf(stderr, "fuzz_config: accepted config breaks: %s\n", #c); \
            abort();                                                 \
        }                                                            \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size ? size : 1);
    memcpy(text, data, size);
    ndb_config c;
    char err[512];
    err[0] = 0;
    log_threshold = LOG_ERROR; /* the warning about an obsolete member is not a finding */
    config_defaults(&c);
    int rc = config_parse_text(&c, text, size, "fuzz.jsonc", err, sizeof err);
    free(text);
    if (rc) {
        REQUIRE(err[0] && !strchr(err, '\n'));
        config_free(&c);
        return 0;
    }
    REQUIRE(config_valid_ip(c.ip));
    REQUIRE(c.port >= 1 && c.port <= 65535);
    REQUIRE(c.max_payload >= NDB_MIN_MAX_PAYLOAD && c.max_payload <= NDB_MAX_MAX_PAYLOAD);
    /* persist enabled with an empty path is refused at start-up (config_check_startup),
     * after the command line has had its say */
    REQUIRE(c.token_bits == 53 || c.token_bits == 64);
    REQUIRE(c.session_check_ms >= 1 && c.session_check_ms <= 1000);
    REQUIRE(c.max_connections >= 1);
    REQUIRE(c.handshake_timeout_s >= 1 && c.idle_timeout_s >= 2 && c.request_timeout_s >= 1);
    REQUIRE(c.max_depth >= 1 && c.max_depth <= JSON_MAX_DEPTH);
    REQUIRE(c.max_key_length >= 1 && c.max_keys >= 1 && c.max_output >= 65536);
    REQUIRE(strlen(c.persist_path) < sizeof c.persist_path);
    config_free(&c);
    return 0;
}
