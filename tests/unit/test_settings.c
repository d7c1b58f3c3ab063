/*
 * test_settings.c — the settings table itself: its entries are coherent,
 * each type parses option text, says what a valid value is and formats
 * values exactly; the list type (no setting uses it yet) through an entry
 * made here; suggestions; --help's layout; the start-up log lines.
 */
#include <stdint.h>
#include <stdlib.h>

#include "capture.h"
#include "common/log.h"
#include "server/config.h"
#include "server/settings.h"
#include "unit.h"

/* got must begin with exactly want. */
#define CHECK_PREFIX(got, want)                                            \
    do {                                                                   \
        const char *gp_ = (got), *wp_ = (want);                            \
        if (strncmp(gp_, wp_, strlen(wp_)) != 0) {                         \
            fprintf(stderr, "%s:%d: does not begin with:\n%s\ngot:\n%s\n", \
                    __FILE__, __LINE__, wp_, gp_);                         \
        }                                                                  \
        CHECK(strncmp(gp_, wp_, strlen(wp_)) == 0);                        \
    } while (0)

/* The entry of id, and the storage of its field inside c. */
#define S(id) (&settings_table[S_##id])
#define F(c, id) ((char *)(c) + settings_table[S_##id].offset)

/* Every entry is usable: named somewhere, a coherent range, a default in
 * range, unique names, what its type needs. */
static void test_table(void) {
    ndb_config c;
    config_defaults(&c); /* aborts on a default that does not parse */
    for (int i = 1; i < S_COUNT; i++) {
        const setting *s = &settings_table[i];
        const char *name = s->member ? s->member : s->option;
        CHECK_INT(s->id, i);
        CHECK(s->member || s->option);
        CHECK(s->help && s->help[0]);
        if (s->option && s->type != ST_BOOL && !s->meta) fprintf(stderr, "%s: no metavariable\n", name);
        CHECK(!s->option || s->type == ST_BOOL || s->meta);
        if (s->type == ST_UINT || s->type == ST_SIZE) {
            CHECK(s->lo <= s->hi);
            CHECK(s->size != 4 || s->hi <= UINT32_MAX);
        }
        if (s->type == ST_ENUM) CHECK(s->words && s->words[0]);
        if (s->type == ST_CUSTOM) CHECK(s->custom && s->noun);
        if (s->check) CHECK(s->noun != NULL);
        if (s->also) CHECK_INT(settings_table[s->also].type, ST_BOOL);
        if (s->type == ST_OBSOLETE) CHECK_INT(s->size, 0);
        for (int j = 1; j < i; j++) {
            const setting *t = &settings_table[j];
            if (s->member && t->member) CHECK(strcmp(s->member, t->member) != 0);
            if (s->option && t->option) CHECK(strcmp(s->option, t->option) != 0);
            if (s->alias && t->option) CHECK(strcmp(s->alias, t->option) != 0);
        }
        if (s->member) CHECK(settings_by_member(s->member, strlen(s->member)) == s);
    }
    CHECK(settings_is_group("limits", 6));
    CHECK(!settings_is_group("limit", 5));
    CHECK(!settings_is_group("port", 4));
    config_free(&c);
}

/* text must be accepted by s (cli: as an option's argument). */
static int accepts(const setting *s, const char *text, int cli) {
    ndb_config c;
    config_defaults(&c);
    int rc = setting_from_text(s, (char *)&c + s->offset, text, cli) == 0;
    config_free(&c);
    return rc;
}

/* Each type from text: what it takes and what it refuses. */
static void test_from_text(void) {
    ndb_config c;
    config_defaults(&c);
    /* UINT: digits only, in range; SF_CLI_ZERO lets --port go to 0 */
    CHECK_INT(setting_from_text(S(PORT), F(&c, PORT), "65535", 1), 0);
    CHECK_INT(c.port, 65535);
    CHECK_INT(setting_from_text(S(PORT), F(&c, PORT), "0", 1), 0);
    CHECK_INT(c.port, 0);
    CHECK(!accepts(S(PORT), "0", 0));
    const char *bad_numbers[] = {"", "65536", "-1", "+1", " 1", "1 ", "0x10", "1.0", "1e3", "18446744073709551616"};
    for (size_t i = 0; i < sizeof bad_numbers / sizeof *bad_numbers; i++) CHECK(!accepts(S(PORT), bad_numbers[i], 1));
    CHECK(accepts(S(CORE), "18446744073709551615", 1)); /* NOFIELD: checked, nothing stored */
    /* SIZE: K, M, G, T in either case, powers of 1024 */
    CHECK_INT(setting_from_text(S(MAX_MEMORY), F(&c, MAX_MEMORY), "3k", 1), 0);
    CHECK_INT(c.max_memory, 3072);
    CHECK_INT(setting_from_text(S(MAX_MEMORY), F(&c, MAX_MEMORY), "2M", 1), 0);
    CHECK_INT(c.max_memory, 2 << 20);
    CHECK_INT(setting_from_text(S(MAX_MEMORY), F(&c, MAX_MEMORY), "5g", 1), 0);
    CHECK_INT(c.max_memory, 5LL << 30);
    CHECK_INT(setting_from_text(S(MAX_MEMORY), F(&c, MAX_MEMORY), "1024T", 1), 0);
    CHECK_INT(c.max_memory, 1LL << 50);
    CHECK_INT(setting_from_text(S(MAX_MEMORY), F(&c, MAX_MEMORY), "1025T", 1), -1);
    CHECK_INT(c.max_memory, 1LL << 50); /* unchanged by a bad value */
    const char *bad_sizes[] = {"", "K", "1P", "1KB", "1.5M", "-1K", "17179869184G", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad_sizes / sizeof *bad_sizes; i++) CHECK(!accepts(S(MAX_MEMORY), bad_sizes[i], 1));
    CHECK(!accepts(S(MAX_OUTPUT), "63K", 1));
    CHECK(accepts(S(MAX_OUTPUT), "64K", 1));
    /* BOOL (option text only from defaults and --NAME / --no-NAME) */
    CHECK_INT(setting_from_text(S(PERSIST_ENABLED), F(&c, PERSIST_ENABLED), "true", 1), 0);
    CHECK_INT(c.persist_enabled, 1);
    CHECK(!accepts(S(PERSIST_ENABLED), "yes", 1));
    /* STRING with a check */
    CHECK(accepts(S(LOAD_NAME), "users_1.0", 1));
    CHECK(!accepts(S(LOAD_NAME), "..", 1));
    CHECK(!accepts(S(LOAD_NAME), "a/b", 1));
    CHECK(!accepts(S(LOAD_NAME), "", 1));
    /* STRING without a check: its length */
    char big[PATH_MAX + 1];
    memset(big, 'f', PATH_MAX);
    big[PATH_MAX] = 0;
    CHECK(!accepts(S(CONFIG), big, 1));
    big[PATH_MAX - 1] = 0;
    CHECK(accepts(S(CONFIG), big, 1));
    /* PATH: SF_EXISTING_DIR */
    CHECK(accepts(S(LOAD_PATH), "/tmp", 1));
    CHECK(!accepts(S(LOAD_PATH), "/nonexistent-ndb-dir", 1));
    CHECK(!accepts(S(LOAD_PATH), "/dev/null", 1));
    CHECK(!accepts(S(LOAD_PATH), "", 1));
    CHECK(accepts(S(PERSIST_PATH), "/nonexistent-ndb-dir", 1)); /* checked at start-up instead */
    /* IP */
    CHECK(accepts(S(IP), "::", 1));
    CHECK(accepts(S(IP), "10.0.0.1", 1));
    CHECK(!accepts(S(IP), "localhost", 1));
    CHECK(!accepts(S(IP), "10.0.0.256", 1));
    /* ENUM */
    CHECK_INT(setting_from_text(S(LOG_LEVEL), F(&c, LOG_LEVEL), "warn", 1), 0);
    CHECK_INT(c.log_level, LOG_WARN);
    CHECK(!accepts(S(LOG_LEVEL), "WARN", 1));
    /* CUSTOM */
    CHECK_INT(setting_from_text(S(TOKEN_BITS), F(&c, TOKEN_BITS), "64", 1), 0);
    CHECK_INT(c.token_bits, 64);
    CHECK(!accepts(S(TOKEN_BITS), "63", 1));
    CHECK(!accepts(S(TOKEN_BITS), "053", 1));
    /* persist.journal (ENUM) and persist.save (CUSTOM, issue 15) */
    CHECK_INT(setting_from_text(S(JOURNAL), F(&c, JOURNAL), "everysec", 1), 0);
    CHECK_INT(c.journal, 2);
    CHECK(!accepts(S(JOURNAL), "sometimes", 1));
    CHECK_INT(setting_from_text(S(SAVE), F(&c, SAVE), " 3600 1  300 100 ", 1), 0);
    CHECK_INT(c.save.n, 2);
    CHECK_INT(c.save.rule[1].seconds, 300);
    CHECK_INT(c.save.rule[1].changes, 100);
    const char *bad_schedules[] = {"3600", "3600 0", "0 1", "1 x", "-1 1", "315360001 1", "1 1 2",
                                   "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1"};
    for (size_t i = 0; i < sizeof bad_schedules / sizeof *bad_schedules; i++)
        CHECK(!accepts(S(SAVE), bad_schedules[i], 1));
    CHECK_INT(c.save.n, 2); /* unchanged by the bad ones */
    CHECK_INT(setting_from_text(S(SAVE), F(&c, SAVE), "", 1), 0);
    CHECK_INT(c.save.n, 0);
    CHECK(!accepts(S(KEEP_SNAPSHOTS), "1000001", 1));
    CHECK(!accepts(S(COMPACT_MIN), "1K", 1));
    config_free(&c);
}

/* what setting_expect() says for s (cli or config file) */
static const char *expect_text(const setting *s, int cli) {
    static strbuf out = STRBUF_INIT;
    sb_reset(&out);
    setting_expect(s, cli, &out);
    return out.buf;
}

static void test_expect(void) {
    CHECK_STR(expect_text(S(PORT), 1), "an integer from 0 to 65535");
    CHECK_STR(expect_text(S(PORT), 0), "an integer from 1 to 65535");
    CHECK_STR(expect_text(S(VERSION), 0), "5");
    CHECK_STR(expect_text(S(SESSION_CHECK_MS), 1), "a number of milliseconds from 1 to 1000");
    CHECK_STR(expect_text(S(MAX_OUTPUT), 1), "a size (bytes, or with a K/M/G/T suffix) from 65536 to 1099511627776");
    CHECK_STR(expect_text(S(MAX_OUTPUT), 0), "a number of bytes from 65536 to 1099511627776");
    CHECK_STR(expect_text(S(PERSIST_ENABLED), 0), "true or false");
    CHECK_STR(expect_text(S(CONFIG), 1), "a string of at most 4095 bytes");
    CHECK_STR(expect_text(S(LOAD_NAME), 1),
              "a dataset name (dataset names must match [A-Za-z0-9_.-]{1,200} and not be '.' or '..')");
    CHECK_STR(expect_text(S(PERSIST_PATH), 0), "a directory name of at most 4095 bytes");
    CHECK_STR(expect_text(S(LOAD_PATH), 1), "an existing directory");
    CHECK_STR(expect_text(S(IP), 1), "an IPv4 or IPv6 address literal");
    CHECK_STR(expect_text(S(LOG_LEVEL), 1), "one of error, warn, info, debug");
    CHECK_STR(expect_text(S(LOG_LEVEL), 0), "one of \"error\", \"warn\", \"info\", \"debug\"");
    CHECK_STR(expect_text(S(TOKEN_BITS), 0), "53 or 64");
    CHECK_STR(expect_text(S(JOURNAL), 1), "one of off, no, everysec, always");
}

/* what setting_format() makes of s's value in c */
static const char *format_text(const setting *s, const ndb_config *c) {
    static strbuf out = STRBUF_INIT;
    sb_reset(&out);
    setting_format(s, (const char *)c + s->offset, &out);
    return out.buf;
}

static void test_format(void) {
    ndb_config c;
    config_defaults(&c);
    CHECK_STR(format_text(S(PORT), &c), "1987");
    CHECK_STR(format_text(S(MAX_OUTPUT), &c), "67108864");
    CHECK_STR(format_text(S(MAX_MEMORY), &c), "0 (none)");
    c.max_memory = 5;
    CHECK_STR(format_text(S(MAX_MEMORY), &c), "5");
    CHECK_STR(format_text(S(PERSIST_ENABLED), &c), "false");
    CHECK_STR(format_text(S(PERSIST_PATH), &c), "./data");
    CHECK_STR(format_text(S(LOAD_NAME), &c), "\"\"");
    CHECK_STR(format_text(S(IP), &c), "127.0.0.1");
    CHECK_STR(format_text(S(LOG_LEVEL), &c), "info");
    CHECK_STR(format_text(S(TOKEN_BITS), &c), "53");
    CHECK_STR(format_text(S(JOURNAL), &c), "off");
    CHECK_STR(format_text(S(SAVE), &c), "none");
    CHECK_STR(format_text(S(KEEP_SNAPSHOTS), &c), "3");
    CHECK_STR(format_text(S(COMPACT_MIN), &c), "67108864");
    save_schedule_parse(&c.save, "3600 1 60 10000");
    CHECK_STR(format_text(S(SAVE), &c), "\"3600 1 60 10000\"");
    const struct {
        uint64_t v;
        const char *text;
    } sizes[] = {{0, "0"},          {1, "1"},           {1000, "1000"}, {1024, "1K"},
                 {1536, "1536"},    {3 << 20, "3M"},    {1ULL << 30, "1G"},
                 {1ULL << 40, "1T"}, {1ULL << 50, "1024T"}, {UINT32_MAX, "4294967295"}};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        strbuf out = STRBUF_INIT;
        setting_format_size(sizes[i].v, &out);
        CHECK_STR(out.buf, sizes[i].text);
        sb_free(&out);
    }
    config_free(&c);
}

/* The LIST type, through an entry of its own (a future
 * security.allowedOrigins): a config array, repeated option text. */
static int origin_ok(const char *s) { return strncmp(s, "https://", 8) == 0; }

static void test_list(void) {
    const setting list = {.type = ST_LIST, .member = "security.allowedOrigins", .option = "allow-origin",
                          .size = sizeof(ndb_strlist), .help = "origins", .meta = "ORIGIN",
                          .check = origin_ok, .noun = "an https:// origin"};
    ndb_strlist l = {NULL, 0};
    jdoc d = JDOC_INIT;
    const char *good = "[\"https://a.example\",\"https://b.example\"]";
    CHECK_INT(jdoc_parse(&d, good, strlen(good), NULL), 0);
    CHECK_INT(setting_from_json(&list, &l, &d, &d.toks[0]), 0);
    CHECK_INT(l.n, 2);
    strbuf out = STRBUF_INIT;
    setting_format(&list, &l, &out);
    CHECK_STR(out.buf, "[\"https://a.example\",\"https://b.example\"]");
    /* a bad item leaves the list as it was */
    const char *bad[] = {"[\"https://c.example\",\"http://d.example\"]", "[\"https://c.example\",1]", "\"https://x\"",
                         "[[\"https://c.example\"]]"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK_INT(jdoc_parse(&d, bad[i], strlen(bad[i]), NULL), 0);
        CHECK_INT(setting_from_json(&list, &l, &d, &d.toks[0]), -1);
        CHECK_INT(l.n, 2);
    }
    /* an empty array empties it */
    CHECK_INT(jdoc_parse(&d, "[]", 2, NULL), 0);
    CHECK_INT(setting_from_json(&list, &l, &d, &d.toks[0]), 0);
    CHECK_INT(l.n, 0);
    /* option text appends one item each */
    CHECK_INT(setting_from_text(&list, &l, "https://x.example", 1), 0);
    CHECK_INT(setting_from_text(&list, &l, "https://y.example", 1), 0);
    CHECK_INT(setting_from_text(&list, &l, "ftp://z", 1), -1);
    sb_reset(&out);
    setting_format(&list, &l, &out);
    CHECK_STR(out.buf, "[\"https://x.example\",\"https://y.example\"]");
    sb_reset(&out);
    setting_expect(&list, 0, &out);
    CHECK_STR(out.buf, "an array whose items are each an https:// origin");
    sb_reset(&out);
    setting_expect(&list, 1, &out);
    CHECK_STR(out.buf, "an https:// origin");
    setting_release(&list, &l);
    CHECK_INT(l.n, 0);
    CHECK(l.items == NULL);
    sb_free(&out);
    jdoc_free(&d);
}

static void test_suggest(void) {
    char sug[128];
    settings_suggest("prot", 1, sug, sizeof sug);
    CHECK_STR(sug, "port");
    settings_suggest("limts", 1, sug, sizeof sug);
    CHECK_STR(sug, "limits");
    settings_suggest("limits.maxmemory", 1, sug, sizeof sug);
    CHECK_STR(sug, "limits.maxMemory");
    settings_suggest("max-memroy", 0, sug, sizeof sug);
    CHECK_STR(sug, "max-memory");
    settings_suggest("no-persits", 0, sug, sizeof sug);
    CHECK_STR(sug, "no-persist");
    settings_suggest("loadname", 0, sug, sizeof sug);
    CHECK_STR(sug, "load-name");
    settings_suggest("loadNme", 0, sug, sizeof sug); /* the old spellings count too */
    CHECK_STR(sug, "loadName");
    settings_suggest("securty", 1, sug, sizeof sug); /* a group */
    CHECK_STR(sug, "security");
    settings_suggest("xyzzy", 1, sug, sizeof sug);
    CHECK_STR(sug, "");
    settings_suggest("max-memory", 1, sug, sizeof sug); /* an option is not a member */
    CHECK_STR(sug, "");
}

/* --help: every option, grouped, no line over 80 columns. */
static void test_help(void) {
    strbuf out = STRBUF_INIT;
    settings_help(&out);
    const char *p = out.buf;
    while (*p) {
        size_t n = strcspn(p, "\n");
        if (n > 80) fprintf(stderr, "help line over 80 columns: %.*s\n", (int)n, p);
        CHECK(n <= 80);
        p += n + (p[n] == '\n');
    }
    for (int i = 1; i < S_COUNT; i++) {
        const setting *s = &settings_table[i];
        if (!s->option) continue;
        char want[128];
        snprintf(want, sizeof want, "\n  --%s%s%s ", s->option, s->meta ? " " : "", s->meta ? s->meta : "");
        if (!strstr(out.buf, want)) fprintf(stderr, "help lacks '%s'\n", want + 1);
        CHECK(strstr(out.buf, want) != NULL);
    }
    /* the layout: headings, a description column, wrapping, facts */
    CHECK_PREFIX(out.buf, "\nserver:\n  --config FILE             JSON config file (docs/protocol.md 7.2; // comments\n"
                          "                            allowed)\n");
    CHECK(strstr(out.buf, "\n  --port N                  port to listen on; 0 picks a free port (0..65535,\n"
                          "                            default 1987)\n") != NULL);
    CHECK(strstr(out.buf, "\n  -h, --help                show this help and exit\n\npersistence (config object "
                          "\"persist\"):\n  --persist                 ") != NULL);
    CHECK(strstr(out.buf, "\n  --no-persist              the opposite of --persist\n") != NULL);
    CHECK(strstr(out.buf, "\n  --log-level LEVEL         what to log (error, warn, info or debug; default\n"
                          "                            info)\n") != NULL);
    CHECK(strstr(out.buf, "\n  --max-output SIZE         queued output of one connection (one big answer too)\n"
                          "                            before it is closed with 1008 (64K..1T, default 64M)\n") != NULL);
    CHECK(strstr(out.buf, "\nlimits (config object \"limits\"):\n") != NULL);
    sb_free(&out);
}

/* The start-up lines: one per section, what is in force. */
static void test_log(void) {
    ndb_config c;
    config_defaults(&c);
    capture_begin();
    settings_log(&c);
    CHECK_STR(capture_end(),
              "ndb: info: server: logLevel info, console true, coreDumps false\n"
              "ndb: info: persistence: enabled false, path ./data, journal off, save none, keepSnapshots 3, "
              "compactMultiple 2, compactMinBytes 67108864\n"
              "ndb: info: sessions: checkIntervalMs 1000, tokenBits 53\n"
              "ndb: info: limits: maxConnections 10000, maxPendingConnections 0 (half of maxConnections), "
              "maxOutputBytes 67108864, maxTotalOutputBytes 0 (none), "
              "handshakeTimeoutSec 10, "
              "idleTimeoutSec 180, requestTimeoutSec 60, loginTimeoutSec 60, maxDepth 1024, maxKeyLength 65536, maxKeysPerRequest "
              "1000000, maxMemory 0 (none), outputHighWater 1048576, outputStallTimeoutSec 60, maxWatches 64, "
              "maxWatchKeys 100000, maxTotalWatchBytes 268435456, watchOutputBytes 1048576\n");
    /* options that exist only on the command line appear when given */
    strcpy(c.config_file, "/etc/ndb/ndb.jsonc");
    c.origin[S_CONFIG] = ORIGIN_CLI;
    strcpy(c.load_name, "users");
    c.origin[S_LOAD_NAME] = ORIGIN_CLI;
    c.persist_enabled = 1;
    c.max_memory = 1 << 30;
    capture_begin();
    settings_log(&c);
    const char *got = capture_end();
    CHECK_PREFIX(got, "ndb: info: server: config /etc/ndb/ndb.jsonc, logLevel info, console true, coreDumps false\n"
                      "ndb: info: persistence: enabled true, path ./data, load-name users, journal off, save none, "
                      "keepSnapshots 3, compactMultiple 2, compactMinBytes 67108864\n");
    CHECK(strstr(got, ", maxMemory 1073741824, ") != NULL);
    config_free(&c);
}

int main(void) {
    test_table();
    test_from_text();
    test_expect();
    test_format();
    test_list();
    test_suggest();
    test_help();
    test_log();
    return UNIT_DONE();
}
