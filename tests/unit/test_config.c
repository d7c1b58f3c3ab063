/*
 * test_config.c — config file parsing: the PROTOCOL.md 7.2 format with
 * comments, ndb's additions, and a clear message naming the field for each
 * kind of invalid file.
 */
#include <stdlib.h>
#include <unistd.h>

#include "server/config.h"
#include "unit.h"

static char path[] = "/tmp/ndb-test-config-XXXXXX";

/* Write text to the temp file and load it; returns rc, message in err. */
static int load(const char *text, ndb_config *c, char *err, size_t n) {
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    config_defaults(c);
    err[0] = '\0';
    return config_load_file(c, path, err, n);
}

#define BASE "\"version\":5,\"ip\":\"127.0.0.1\",\"port\":2000,\"maxPayload\":4096"
#define PERSIST ",\"persist\":{\"enabled\":false,\"path\":\"./data\"}"

static void expect_error(const char *text, const char *fragment) {
    ndb_config c;
    char err[512];
    int rc = load(text, &c, err, sizeof err);
    CHECK_INT(rc, -1);
    if (!strstr(err, fragment)) fprintf(stderr, "config error '%s' lacks '%s'\n", err, fragment);
    CHECK(strstr(err, fragment) != NULL);
}

static void test_good(void) {
    ndb_config c;
    char err[512];
    int rc = load("// a comment\n{" BASE ",\"core\":0 /* ignored */" PERSIST
                  ",\"sessionsEnabled\":true,\"sessions\":{\"tokenBits\":64,\"checkIntervalMs\":50}}",
                  &c, err, sizeof err);
    CHECK_INT(rc, 0);
    CHECK_STR(c.ip, "127.0.0.1");
    CHECK_INT(c.port, 2000);
    CHECK_INT(c.max_payload, 4096);
    CHECK_INT(c.persist_enabled, 0);
    CHECK_STR(c.persist_path, "./data");
    CHECK_INT(c.token_bits, 64);
    CHECK_INT(c.session_check_ms, 50);
    /* core is optional (Q19) */
    CHECK_INT(load("{" BASE PERSIST "}", &c, err, sizeof err), 0);
    CHECK_INT(load("{" BASE ",\"persist\":{\"enabled\":true,\"path\":\"/tmp\"}}", &c, err, sizeof err), 0);
    CHECK_INT(c.persist_enabled, 1);
}

static void test_bad(void) {
    expect_error("{" BASE PERSIST, "not valid JSON");
    expect_error("[1]", "not valid JSON");
    expect_error("{\"ip\":\"127.0.0.1\"}", "'version'");
    expect_error("{\"version\":\"5\"}", "'version'");
    expect_error("{\"version\":4}", "version must be 5");
    expect_error("{\"version\":5,\"core\":-1}", "'core'");
    expect_error("{\"version\":5,\"ip\":\"127.0.0.1\",\"port\":2000}", "'maxPayload'");
    expect_error("{\"version\":5,\"ip\":1,\"port\":2000,\"maxPayload\":100" PERSIST "}", "ip must be a string");
    expect_error("{\"version\":5,\"ip\":\"127.0.0.1\",\"port\":\"2000\",\"maxPayload\":100" PERSIST "}",
                 "port and maxPayload");
    expect_error("{\"version\":5,\"ip\":\"localhost\",\"port\":2000,\"maxPayload\":100" PERSIST "}", "'ip'");
    expect_error("{\"version\":5,\"ip\":\"127.0.0.1\",\"port\":0,\"maxPayload\":100" PERSIST "}", "'port'");
    expect_error("{\"version\":5,\"ip\":\"127.0.0.1\",\"port\":65536,\"maxPayload\":100" PERSIST "}", "'port'");
    expect_error("{\"version\":5,\"ip\":\"127.0.0.1\",\"port\":99999999999999999999999,\"maxPayload\":100" PERSIST
                 "}",
                 "port");
    expect_error("{\"version\":5,\"ip\":\"127.0.0.1\",\"port\":1,\"maxPayload\":63" PERSIST "}", "below minimum");
    expect_error("{\"version\":5,\"ip\":\"127.0.0.1\",\"port\":1,\"maxPayload\":67108865" PERSIST "}",
                 "exceeds maximum");
    expect_error("{" BASE "}", "'persist'");
    expect_error("{" BASE ",\"persist\":{\"enabled\":true,\"path\":1}}", "persist.path");
    expect_error("{" BASE ",\"persist\":{\"enabled\":1,\"path\":\"x\"}}", "persist.enabled");
    expect_error("{" BASE ",\"persist\":{\"enabled\":true,\"path\":\"\"}}", "path is empty");
    expect_error("{" BASE PERSIST ",\"sessions\":{\"tokenBits\":32}}", "tokenBits");
    expect_error("{" BASE PERSIST ",\"logLevel\":\"loud\"}", "logLevel");
    expect_error("{" BASE PERSIST ",\"limits\":{\"outputHighWater\":1}}", "outputHighWater");
}

static void test_unreadable_and_startup(void) {
    ndb_config c;
    char err[512];
    config_defaults(&c);
    CHECK_INT(config_load_file(&c, "/nonexistent/ndb.jsonc", err, sizeof err), -1);
    CHECK(strstr(err, "cannot read config file /nonexistent/ndb.jsonc") != NULL);
    config_defaults(&c);
    c.persist_enabled = 1;
    strcpy(c.persist_path, "/nonexistent-ndb-dir");
    CHECK_INT(config_check_startup(&c, err, sizeof err), -1);
    CHECK(strstr(err, "persist path is not a directory") != NULL);
    strcpy(c.persist_path, "/tmp");
    CHECK_INT(config_check_startup(&c, err, sizeof err), 0);
}

int main(void) {
    int fd = mkstemp(path);
    if (fd < 0) return 1;
    close(fd);
    test_good();
    test_bad();
    test_unreadable_and_startup();
    unlink(path);
    return UNIT_DONE();
}
