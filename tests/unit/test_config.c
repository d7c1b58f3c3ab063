/*
 * test_config.c — the config file and the start-up checks: the
 * docs/protocol.md 7.2 format with comments, every member optional, each type's
 * values and ranges, unknown and wrongly typed members (one message naming
 * the member), the members old configs carry, precedence defaults < file <
 * command line, and start-up checks naming what the user wrote.
 */
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "common/log.h"
#include "server/config.h"
#include "unit.h"

static char dir[] = "/tmp/ndb-test-config-XXXXXX";
static char path[PATH_MAX];

/* Parse text as file "t.jsonc" over the defaults; err gets the message. */
static int parse(const char *text, ndb_config *c, char *err, size_t n) {
    config_defaults(c);
    err[0] = '\0';
    /* an exact copy with no NUL after it, as the fuzzer gives: the parser
     * and its error messages must not read past len (a file of only a
     * byte-order mark did) */
    size_t len = strlen(text);
    char *copy = malloc(len ? len : 1);
    if (!copy) abort();
    memcpy(copy, text, len);
    int rc = config_parse_text(c, copy, len, "t.jsonc", err, n);
    free(copy);
    return rc;
}

/* text must fail with exactly `want`. */
static void expect_error(const char *text, const char *want) {
    ndb_config c;
    char err[512];
    CHECK_INT(parse(text, &c, err, sizeof err), -1);
    CHECK_STR(err, want);
    config_free(&c);
}

/* text must load; returns the value of c for the caller's checks. */
static ndb_config expect_ok(const char *text) {
    ndb_config c;
    char err[512];
    int rc = parse(text, &c, err, sizeof err);
    if (rc) fprintf(stderr, "unexpected error for %s: %s\n", text, err);
    CHECK_INT(rc, 0);
    return c;
}

static void test_defaults(void) {
    ndb_config c;
    config_defaults(&c);
    CHECK_STR(c.config_file, "");
    CHECK_STR(c.ip, "127.0.0.1");
    CHECK_INT(c.port, 1987);
    CHECK_INT(c.max_payload, 1048576);
    CHECK_INT(c.log_level, LOG_INFO);
    CHECK_INT(c.persist_enabled, 0);
    CHECK_STR(c.persist_path, "./data");
    CHECK_STR(c.load_name, "");
    CHECK_STR(c.load_path, "");
    CHECK_INT(c.session_check_ms, 1000);
    CHECK_INT(c.token_bits, 53);
    CHECK_INT(c.max_connections, 10000);
    CHECK_INT(c.max_output, 64 * 1024 * 1024);
    CHECK_INT(c.handshake_timeout_s, 10);
    CHECK_INT(c.idle_timeout_s, 180);
    CHECK_INT(c.request_timeout_s, 60);
    CHECK_INT(c.max_depth, 1024);
    CHECK_INT(c.max_key_length, 65536);
    CHECK_INT(c.max_keys, 1000000);
    CHECK_INT(c.max_memory, 0);
    CHECK_INT(c.out_high_water, 1024 * 1024);
    CHECK_INT(c.out_stall_timeout_s, 60);
    for (int i = 0; i < S_COUNT; i++) CHECK_INT(c.origin[i], ORIGIN_DEFAULT);
    config_free(&c);
}

/* A file of the protocol's format, as existing servers' configs are:
 * comments, core, and the obsolete sessionsEnabled (a warning). */
static void test_protocol_format(void) {
    ndb_config c;
    char err[512];
    capture_begin();
    int rc = parse("// a comment\n{\"version\":5,\"core\":0 /* ignored */,\"ip\":\"0.0.0.0\",\"port\":2000,"
                   "\"maxPayload\":4096,\"persist\":{\"enabled\":false,\"path\":\"./snap\"},"
                   "\"sessionsEnabled\":true}",
                   &c, err, sizeof err);
    snprintf(c.config_file, sizeof c.config_file, "t.jsonc"); /* as --config sets it */
    config_check_startup(&c, err, sizeof err); /* which warns of it, once the log level is known */
    CHECK_STR(capture_end(), "ndb: warn: config t.jsonc: 'sessionsEnabled' is obsolete and ignored (sessions are "
                             "always enabled)\n");
    CHECK_INT(rc, 0);
    CHECK_STR(c.ip, "0.0.0.0");
    CHECK_INT(c.port, 2000);
    CHECK_INT(c.max_payload, 4096);
    CHECK_INT(c.persist_enabled, 0);
    CHECK_STR(c.persist_path, "./snap");
    CHECK_INT(c.origin[S_PORT], ORIGIN_FILE);
    CHECK_INT(c.origin[S_PERSIST_ENABLED], ORIGIN_FILE);
    CHECK_INT(c.origin[S_MAX_MEMORY], ORIGIN_DEFAULT);
    config_free(&c);
}

/* Every member is optional: what is absent keeps its default. */
static void test_optional_members(void) {
    ndb_config c = expect_ok("{}");
    CHECK_INT(c.port, 1987);
    c = expect_ok("{\"port\":1}");
    CHECK_INT(c.port, 1);
    CHECK_STR(c.ip, "127.0.0.1");
    CHECK_INT(c.max_payload, 1048576);
    CHECK_INT(c.persist_enabled, 0);
    CHECK_INT(c.origin[S_PORT], ORIGIN_FILE);
    CHECK_INT(c.origin[S_IP], ORIGIN_DEFAULT);
    c = expect_ok("{\"persist\":{\"enabled\":true}}");
    CHECK_INT(c.persist_enabled, 1);
    CHECK_STR(c.persist_path, "./data");
    c = expect_ok("{\"persist\":{},\"sessions\":{},\"limits\":{}}");
    CHECK_INT(c.max_connections, 10000);
    /* version is checked only when present */
    c = expect_ok("{\"version\":5}");
    expect_error("{\"version\":4}", "config t.jsonc: 'version' must be 5");
    expect_error("{\"version\":\"5\"}", "config t.jsonc: 'version' must be 5 (a string here: write the number without quotes)");
}

/* Each type from the config file: valid values, edges, wrong types. */
static void test_types(void) {
    ndb_config c;
    /* UINT */
    c = expect_ok("{\"port\":65535}");
    CHECK_INT(c.port, 65535);
    expect_error("{\"port\":0}", "config t.jsonc: 'port' must be an integer from 1 to 65535");
    expect_error("{\"port\":65536}", "config t.jsonc: 'port' must be an integer from 1 to 65535");
    expect_error("{\"port\":-1}", "config t.jsonc: 'port' must be an integer from 1 to 65535");
    expect_error("{\"port\":80.0}", "config t.jsonc: 'port' must be an integer from 1 to 65535");
    expect_error("{\"port\":8e1}", "config t.jsonc: 'port' must be an integer from 1 to 65535");
    expect_error("{\"port\":\"80\"}", "config t.jsonc: 'port' must be an integer from 1 to 65535 (a string here: write the number without quotes)");
    expect_error("{\"port\":99999999999999999999999}", "config t.jsonc: 'port' must be an integer from 1 to 65535");
    expect_error("{\"maxPayload\":63}", "config t.jsonc: 'maxPayload' must be a number of bytes from 64 to 67108864");
    expect_error("{\"maxPayload\":67108865}",
                 "config t.jsonc: 'maxPayload' must be a number of bytes from 64 to 67108864");
    expect_error("{\"sessions\":{\"checkIntervalMs\":0}}",
                 "config t.jsonc: 'sessions.checkIntervalMs' must be a number of milliseconds from 1 to 1000");
    expect_error("{\"limits\":{\"maxDepth\":1025}}", "config t.jsonc: 'limits.maxDepth' must be an integer from 3 to 1024");
    c = expect_ok("{\"core\":18446744073709551615}"); /* accepted, ignored */
    expect_error("{\"core\":-1}", "config t.jsonc: 'core' must be an integer from 0 to 18446744073709551615");
    /* SIZE: plain numbers in the file */
    c = expect_ok("{\"limits\":{\"maxMemory\":1125899906842624,\"outputHighWater\":1024}}");
    CHECK_INT(c.max_memory, 1125899906842624LL);
    CHECK_INT(c.out_high_water, 1024);
    expect_error("{\"limits\":{\"maxMemory\":1125899906842625}}",
                 "config t.jsonc: 'limits.maxMemory' must be a number of bytes from 0 to 1125899906842624");
    expect_error("{\"limits\":{\"maxMemory\":\"1G\"}}",
                 "config t.jsonc: 'limits.maxMemory' must be a number of bytes from 0 to 1125899906842624 (a string "
                 "here: write the number of bytes without quotes and without a K/M/G/T suffix)");
    expect_error("{\"limits\":{\"outputHighWater\":1}}",
                 "config t.jsonc: 'limits.outputHighWater' must be a number of bytes from 1024 to 4294967296");
    /* BOOL */
    c = expect_ok("{\"persist\":{\"enabled\":true}}");
    CHECK_INT(c.persist_enabled, 1);
    expect_error("{\"persist\":{\"enabled\":1}}", "config t.jsonc: 'persist.enabled' must be true or false");
    expect_error("{\"persist\":{\"enabled\":\"true\"}}",
                 "config t.jsonc: 'persist.enabled' must be true or false (a string here: write true or false without "
                 "quotes)");
    /* IP */
    c = expect_ok("{\"ip\":\"::1\"}");
    CHECK_STR(c.ip, "::1");
    expect_error("{\"ip\":\"localhost\"}", "config t.jsonc: 'ip' must be an IPv4 or IPv6 address literal");
    expect_error("{\"ip\":1}",
                 "config t.jsonc: 'ip' must be an IPv4 or IPv6 address literal (a number here: a string is written in quotes)");
    expect_error("{\"ip\":\"127.0.0.1\\u0000x\"}", "config t.jsonc: 'ip' must be an IPv4 or IPv6 address literal");
    /* PATH: any name, empty allowed (a disabled persist section of old configs has "") */
    c = expect_ok("{\"persist\":{\"path\":\"\"}}");
    CHECK_STR(c.persist_path, "");
    c = expect_ok("{\"persist\":{\"path\":\"/var/lib/\\u00e9\"}}");
    CHECK_STR(c.persist_path, "/var/lib/\xc3\xa9");
    expect_error("{\"persist\":{\"path\":1}}", "config t.jsonc: 'persist.path' must be a directory name of at most 4095 "
                                                 "bytes (a number here: a string is written in quotes)");
    {
        static char big[PATH_MAX + 64];
        int n = snprintf(big, sizeof big, "{\"persist\":{\"path\":\"");
        memset(big + n, 'd', PATH_MAX);
        strcpy(big + n + PATH_MAX, "\"}}");
        expect_error(big, "config t.jsonc: 'persist.path' must be a directory name of at most 4095 bytes");
    }
    /* ENUM */
    c = expect_ok("{\"logLevel\":\"debug\"}");
    CHECK_INT(c.log_level, LOG_DEBUG);
    expect_error("{\"logLevel\":\"loud\"}",
                 "config t.jsonc: 'logLevel' must be one of \"error\", \"warn\", \"info\", \"debug\"");
    expect_error("{\"logLevel\":2}", "config t.jsonc: 'logLevel' must be one of \"error\", \"warn\", \"info\", \"debug\" (a "
                                      "number here: a string is written in quotes)");
    /* CUSTOM */
    c = expect_ok("{\"sessions\":{\"tokenBits\":64}}");
    CHECK_INT(c.token_bits, 64);
    expect_error("{\"sessions\":{\"tokenBits\":32}}", "config t.jsonc: 'sessions.tokenBits' must be 53 or 64");
    expect_error("{\"sessions\":{\"tokenBits\":\"64\"}}", "config t.jsonc: 'sessions.tokenBits' must be 53 or 64");
    /* OBSOLETE: any value (with the warning) */
    capture_begin();
    c = expect_ok("{\"sessionsEnabled\":{\"x\":[1]}}");
    char warned[256];
    snprintf(c.config_file, sizeof c.config_file, "t.jsonc");
    config_check_startup(&c, warned, sizeof warned);
    CHECK_STR(capture_end(),
              "ndb: warn: config t.jsonc: 'sessionsEnabled' is obsolete and ignored (sessions are always enabled)\n");
}

/* Unknown members and objects of the wrong type are errors naming them. */
static void test_unknown_and_groups(void) {
    expect_error("{\"securty\":{}}", "config t.jsonc: unknown member 'securty' (did you mean 'security'?)");
    expect_error("{\"prot\":1}", "config t.jsonc: unknown member 'prot' (did you mean 'port'?)");
    expect_error("{\"persists\":{}}", "config t.jsonc: unknown member 'persists' (did you mean 'persist'?)");
    expect_error("{\"limits\":{\"maxMemroy\":1}}",
                 "config t.jsonc: unknown member 'limits.maxMemroy' (did you mean 'limits.maxMemory'?)");
    expect_error("{\"persist\":{\"enabled\":true,\"dir\":\"x\"}}", "config t.jsonc: unknown member 'persist.dir'");
    expect_error("{\"limits.maxMemory\":1}",
                 "config t.jsonc: unknown member 'limits.maxMemory' (member names have no '.': nest objects instead)");
    expect_error("{\"a\\nb\":1}", "config t.jsonc: unknown member 'a\\nb'");
    expect_error("{\"\":1}", "config t.jsonc: unknown member ''");
    expect_error("{\"limits\":[]}", "config t.jsonc: 'limits' must be an object");
    expect_error("{\"persist\":true}", "config t.jsonc: 'persist' must be an object");
    expect_error("{\"sessions\":null}", "config t.jsonc: 'sessions' must be an object");
    /* a member name that is a setting but in the wrong place is unknown
     * there, and its place is named ("cert" is also near "core") */
    expect_error("{\"limits\":{\"port\":1}}",
                 "config t.jsonc: unknown member 'limits.port' (did you mean 'port', at the top level?)");
    expect_error("{\"cert\":\"c.pem\"}", "config t.jsonc: unknown member 'cert' (did you mean 'tls.cert'?)");
    expect_error("{\"journal\":\"always\"}", "config t.jsonc: unknown member 'journal' (did you mean 'persist.journal'?)");
    expect_error("{\"persist\":{\"maxMemory\":1}}",
                 "config t.jsonc: unknown member 'persist.maxMemory' (did you mean 'limits.maxMemory'?)");
    /* a member spelt as its option (too far for the closest spelling) */
    expect_error("{\"limits\":{\"loginTimeout\":1}}",
                 "config t.jsonc: unknown member 'limits.loginTimeout' (did you mean 'limits.loginTimeoutSec'?)");
    expect_error("{\"compact_min\":1}", "config t.jsonc: unknown member 'compact_min' (did you mean 'persist.compactMinBytes'?)");
    expect_error("{\"noConsole\":true}",
                 "config t.jsonc: unknown member 'noConsole' (did you mean 'console', with the opposite value?)");
    expect_error("{\"config\":\"x\"}", "config t.jsonc: unknown member 'config' (--config is a command-line option only)");
    /* a member given twice, at any depth, is refused (tools disagree on which counts) */
    expect_error("{\"port\":2,\"port\":\"x\"}",
                 "config t.jsonc: 'port' is given twice (JSON tools disagree on which one counts: keep one)");
    expect_error("{\"limits\":{\"maxDepth\":3,\"maxDepth\":4}}",
                 "config t.jsonc: 'limits.maxDepth' is given twice (JSON tools disagree on which one counts: keep one)");
    expect_error("{\"security\":{\"allowedOrigins\":[{\"a\":1,\"a\":1}]}}",
                 "config t.jsonc: 'security.allowedOrigins[0].a' is given twice (JSON tools disagree on which one counts: "
                 "keep one)");
    /* the same name in different objects is no repeat */
    ndb_config c = expect_ok("{\"limits\":{\"maxDepth\":3},\"persist\":{\"enabled\":false}}");
    CHECK_INT(c.max_depth, 3);
}

static void test_not_json(void) {
    /* where reading stopped, as an editor counts (line, column in characters) */
    expect_error("{\"port\":1", "config t.jsonc: Config file not valid JSON at line 1, column 10 (byte 9): the file "
                                "ends before the object is complete (an unclosed '{', '[', string or comment)");
    expect_error("{\"port\":1,}", "config t.jsonc: Config file not valid JSON at line 1, column 11 (byte 10): "
                                  "unexpected '}' after a comma (JSON allows no trailing comma)");
    expect_error("{\n  // the port\n  \"port\": 1,\n  \"ip\": \"::1\",\n}",
                 "config t.jsonc: Config file not valid JSON at line 5, column 1 (byte 44): unexpected '}' after a "
                 "comma (JSON allows no trailing comma)");
    /* a comment between the comma and the '}' hides no comma (it did: the
     * hint looked back over white space only) */
    expect_error("{\n  \"port\": 1, // the port\n}",
                 "config t.jsonc: Config file not valid JSON at line 3, column 1 (byte 27): unexpected '}' after a "
                 "comma (JSON allows no trailing comma)");
    expect_error("{\"ip\": \"::1\", /* , */\n  // \"port\": 1\n}",
                 "config t.jsonc: Config file not valid JSON at line 3, column 1 (byte 37): unexpected '}' after a "
                 "comma (JSON allows no trailing comma)");
    /* ... nor does a comma inside a comment or a string count */
    expect_error("[1 // a,\n 2 }", "config t.jsonc: Config file not valid JSON at line 2, column 2 (byte 10): "
                                     "unexpected '2'");
    expect_error("{\"a\": \"x,\"}}", "config t.jsonc: Config file not valid JSON at line 1, column 12 (byte 11): "
                                     "unexpected '}'");
    /* a character that is not ASCII is shown as itself, not as its first byte */
    expect_error("{\"a\": \xc3\xa9}", "config t.jsonc: Config file not valid JSON at line 1, column 7 (byte 6): "
                                       "unexpected '\xc3\xa9'");
    expect_error("{\"a\": [1,\n ]}", "config t.jsonc: Config file not valid JSON at line 2, column 2 (byte 11): "
                                     "unexpected ']' after a comma (JSON allows no trailing comma)");
    expect_error("{\n'port': 1}", "config t.jsonc: Config file not valid JSON at line 2, column 1 (byte 2): "
                                  "unexpected ''' (JSON strings take double quotes)");
    expect_error("{\"\xc3\xa9\": \xe2\x80\x9cx\xe2\x80\x9d}",
                 "config t.jsonc: Config file not valid JSON at line 1, column 7 (byte 7): unexpected curly quote "
                 "'\xe2\x80\x9c' (JSON strings take straight double quotes)");
    expect_error("{\"port\": 1} x", "config t.jsonc: Config file not valid JSON at line 1, column 13 (byte 12): "
                                    "unexpected 'x'");
    expect_error("{\"port\":\x01}", "config t.jsonc: Config file not valid JSON at line 1, column 9 (byte 8): "
                                    "unexpected control character 0x01 (inside a string it is written \\u0001)");
    expect_error("", "config t.jsonc: Config file not valid JSON at line 1, column 1 (byte 0): the file is empty (it "
                     "must hold one JSON object, such as {\"port\": 1988})");
    expect_error("\xef\xbb\xbf", "config t.jsonc: Config file not valid JSON at line 1, column 1 (byte 3): the file is "
                                "empty (it must hold one JSON object, such as {\"port\": 1988})");
    /* a UTF-8 byte-order mark is skipped (RFC 8259 8.1); UTF-16 is named */
    ndb_config b = expect_ok("\xef\xbb\xbf{\"port\":1988}");
    CHECK_INT(b.port, 1988);
    config_free(&b);
    expect_error("\xef\xbb\xbf{\"port\":,}", "config t.jsonc: Config file not valid JSON at line 1, column 9 (byte 11): "
                                           "unexpected ','");
    expect_error("\xff\xfe{\0}\0", "config t.jsonc: Config file not valid JSON at line 1, column 1 (byte 0): the file "
                                   "is UTF-16 (it starts with a UTF-16 byte-order mark): save it as UTF-8");
    expect_error("[1]", "config t.jsonc: Config file not valid JSON (the top level must be an object)");
    ndb_config c;
    char err[512];
    config_defaults(&c);
    CHECK_INT(config_load_file(&c, "/nonexistent/ndb.jsonc", err, sizeof err), -1);
    CHECK_STR(err, "cannot read config file /nonexistent/ndb.jsonc: No such file or directory");
}

/* Write text to the test's config file. */
static void write_config(const char *text) {
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

/* Defaults < config file < command line, whatever the order of the
 * options; origins record which. */
static void test_precedence(void) {
    ndb_config c;
    write_config("{\"port\":2000,\"maxPayload\":4096,\"limits\":{\"maxMemory\":10,\"maxDepth\":9}}");
    char *argv[] = {"serve", "--max-memory", "1K", "--config", path, "--port", "0", "--loadName=ds", NULL};
    CHECK_INT(settings_from_argv(&c, 8, argv), SETTINGS_OK);
    CHECK_STR(c.config_file, path);
    CHECK_INT(c.port, 0);               /* command line over file (and 0 only there) */
    CHECK_INT(c.max_payload, 4096);     /* file over default */
    CHECK_INT(c.max_memory, 1024);      /* command line over file, though given before --config */
    CHECK_INT(c.max_depth, 9);
    CHECK_INT(c.max_connections, 10000); /* default */
    CHECK_STR(c.load_name, "ds");
    CHECK_INT(c.origin[S_CONFIG], ORIGIN_CLI);
    CHECK_INT(c.origin[S_PORT], ORIGIN_CLI);
    CHECK_INT(c.origin[S_MAX_PAYLOAD], ORIGIN_FILE);
    CHECK_INT(c.origin[S_MAX_MEMORY], ORIGIN_CLI);
    CHECK_INT(c.origin[S_MAX_CONNECTIONS], ORIGIN_DEFAULT);
    config_free(&c);

    /* --persist-path enables persistence; a later --no-persist wins, as the last option does */
    write_config("{\"persist\":{\"enabled\":true,\"path\":\"/from/file\"}}");
    char *argv2[] = {"serve", "--config", path, "--persist-path", "/tmp", "--no-persist", NULL};
    CHECK_INT(settings_from_argv(&c, 6, argv2), SETTINGS_OK);
    CHECK_STR(c.persist_path, "/tmp");
    CHECK_INT(c.persist_enabled, 0);
    CHECK_INT(c.origin[S_PERSIST_ENABLED], ORIGIN_CLI);
    config_free(&c);
    char *argv3[] = {"serve", "--no-persist", "--persist-path", "/tmp", "--token-bits", "64", NULL};
    CHECK_INT(settings_from_argv(&c, 6, argv3), SETTINGS_OK);
    CHECK_INT(c.persist_enabled, 1);
    CHECK_INT(c.token_bits, 64);
    config_free(&c);

    char *help[] = {"serve", "--port", "1", "-h", NULL};
    CHECK_INT(settings_from_argv(&c, 4, help), SETTINGS_HELP);
    config_free(&c);
    /* errors are printed (tests/cli/serve.bats checks the messages) */
    char *bad[] = {"serve", "--port", "x", NULL};
    capture_begin();
    CHECK_INT(settings_from_argv(&c, 3, bad), SETTINGS_ERROR);
    CHECK_STR(capture_end(), "ndb serve: --port: 'x' must be an integer from 0 to 65535\n"
                             "Try 'ndb serve --help' for more information.\n");
    config_free(&c);
}

/* config_check_startup(): persistence and the start-up load, naming the
 * option or the member the value came from. */
/* How many names directory d holds (. and .. included). */
static int entries(const char *d) {
    DIR *dp = opendir(d);
    int n = 0;
    if (!dp) return -1;
    while (readdir(dp)) n++;
    closedir(dp);
    return n;
}

static void test_startup_checks(void) {
    ndb_config c;
    char err[PATH_MAX + 512];
    config_defaults(&c);
    CHECK_INT(config_check_startup(&c, err, sizeof err), 0);

    c.persist_enabled = 1; /* as "persist": {"enabled": true, "path": "/nonexistent-ndb-dir"} */
    strcpy(c.persist_path, "/nonexistent-ndb-dir");
    c.origin[S_PERSIST_PATH] = ORIGIN_FILE;
    CHECK_INT(config_check_startup(&c, err, sizeof err), -1);
    CHECK_STR(err, "persist path is not a directory or does not exist: /nonexistent-ndb-dir (field 'persist.path')");
    c.origin[S_PERSIST_PATH] = ORIGIN_CLI; /* --persist-path /nonexistent-ndb-dir */
    CHECK_INT(config_check_startup(&c, err, sizeof err), -1);
    CHECK_STR(err,
              "persist path is not a directory or does not exist: /nonexistent-ndb-dir (option '--persist-path')");
    c.persist_path[0] = 0;
    c.origin[S_PERSIST_PATH] = ORIGIN_FILE;
    CHECK_INT(config_check_startup(&c, err, sizeof err), -1);
    CHECK_STR(err, "persist enabled but path is empty (field 'persist.path')");
    strcpy(c.persist_path, dir);
    CHECK_INT(config_check_startup(&c, err, sizeof err), 0);
    if (geteuid() != 0) { /* root writes anywhere */
        chmod(dir, 0500);
        CHECK_INT(config_check_startup(&c, err, sizeof err), -1);
        char want[PATH_MAX + 128];
        snprintf(want, sizeof want, "cannot write to persist path %s: Permission denied (field 'persist.path')",
                 dir);
        CHECK_STR(err, want);
        chmod(dir, 0700);
    }
    { /* a probe file a killed server left, named after its pid (a later
       * server may get the same pid: always 1 in a container), is no
       * obstacle, and the check leaves nothing of its own */
        char probe[PATH_MAX + 64];
        snprintf(probe, sizeof probe, "%s/.ndb-write-test-%ld", dir, (long)getpid());
        FILE *f = fopen(probe, "w");
        CHECK_INT(f != NULL, 1);
        if (f) fclose(f);
        int before = entries(dir);
        CHECK_INT(config_check_startup(&c, err, sizeof err), 0);
        CHECK_INT(entries(dir), before); /* it removed its own probe */
        CHECK_INT(unlink(probe), 0);
    }

    /* --load-name reads from --load-path, or from a persist path someone chose */
    config_defaults(&c);
    strcpy(c.load_name, "ds");
    c.origin[S_LOAD_NAME] = ORIGIN_CLI;
    CHECK_INT(config_check_startup(&c, err, sizeof err), -1);
    CHECK_STR(err, "--load-name needs --load-path or a persist path (--persist-path, or persist.path in the config "
                   "file)");
    strcpy(c.load_path, dir);
    CHECK_INT(config_check_startup(&c, err, sizeof err), 0);
    c.load_path[0] = 0;
    c.origin[S_PERSIST_PATH] = ORIGIN_FILE; /* "persist": {"path": "./data"}, persistence disabled */
    CHECK_INT(config_check_startup(&c, err, sizeof err), 0);
    c.persist_path[0] = 0; /* "persist": {"enabled": false, "path": ""} */
    CHECK_INT(config_check_startup(&c, err, sizeof err), -1);
    config_defaults(&c);
    strcpy(c.load_name, "ds");
    c.persist_enabled = 1; /* --persist: the default ./data, chosen */
    strcpy(c.persist_path, dir);
    CHECK_INT(config_check_startup(&c, err, sizeof err), 0);
}

int main(void) {
    if (!mkdtemp(dir)) return 1;
    snprintf(path, sizeof path, "%s/ndb.jsonc", dir);
    test_defaults();
    test_protocol_format();
    test_optional_members();
    test_types();
    test_unknown_and_groups();
    test_not_json();
    test_precedence();
    test_startup_checks();
    unlink(path);
    rmdir(dir);
    return UNIT_DONE();
}
