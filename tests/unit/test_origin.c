/*
 * test_origin.c — the Origin and Host rules of README "Security"
 * (src/server/origin.h): parsing, exact comparison, the server's own
 * origin, DNS rebinding, '*', 'null', allowed hosts and the settings'
 * checks.
 */
#include <string.h>

#include "server/origin.h"
#include "unit.h"

static void test_parse(void) {
    origin o;
    CHECK_INT(origin_parse("http://Example.COM:8080", 23, &o), 0);
    CHECK_STR(o.scheme, "http");
    CHECK_STR(o.host, "example.com");
    CHECK_INT(o.port, 8080);
    CHECK_INT(origin_parse("HTTPS://a.b", 11, &o), 0);
    CHECK_STR(o.scheme, "https");
    CHECK_INT(o.port, 443); /* the default port is filled in */
    CHECK_INT(origin_parse("http://[::1]:1987", 17, &o), 0);
    CHECK_STR(o.host, "::1");
    CHECK_INT(o.port, 1987);
    CHECK_INT(origin_parse("chrome-extension://abcdef", 25, &o), 0);
    CHECK_INT(o.port, 0);
    static const char *const bad[] = {"http://a/", "http://a/x", "http://u@a", "http://a?x", "http://a#x", "a:80",
                                      "://a", "http://", "http://a:0", "http://a:65536", "http://a:x",
                                      "http://[::1", "http://[zz]:1", "1http://a", "ht tp://a", "http://a b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = origin_parse(bad[i], strlen(bad[i]), &o);
        if (rc != -1) fprintf(stderr, "accepted: %s\n", bad[i]);
        CHECK_INT(rc, -1);
    }
}

static void test_same(void) {
    origin a, b;
    origin_parse("http://localhost", 16, &a);
    origin_parse("http://localhost:80", 19, &b);
    CHECK(origin_same(&a, &b)); /* exact: scheme, host, port, with the default port */
    origin_parse("https://localhost:80", 20, &b);
    CHECK(!origin_same(&a, &b));
    origin_parse("http://localhost:81", 19, &b);
    CHECK(!origin_same(&a, &b));
    origin_parse("http://localhost.evil", 21, &b);
    CHECK(!origin_same(&a, &b));
}

static void test_host_and_loopback(void) {
    char h[ORIGIN_MAX_HOST];
    unsigned port;
    CHECK_INT(origin_parse_host("LocalHost:1987", 14, h, &port), 0);
    CHECK_STR(h, "localhost");
    CHECK_INT(port, 1987);
    CHECK_INT(origin_parse_host("[::1]", 5, h, &port), 0);
    CHECK_STR(h, "::1");
    CHECK_INT(port, 0);
    CHECK_INT(origin_parse_host("a:b", 3, h, &port), -1);
    CHECK_INT(origin_parse_host("", 0, h, &port), -1);
    CHECK(origin_host_is_loopback("localhost"));
    CHECK(origin_host_is_loopback("127.0.0.1"));
    CHECK(origin_host_is_loopback("127.45.6.7"));
    CHECK(origin_host_is_loopback("::1"));
    CHECK(origin_host_is_loopback("::ffff:127.0.0.2"));
    CHECK(!origin_host_is_loopback("128.0.0.1"));
    CHECK(!origin_host_is_loopback("0.0.0.0"));
    CHECK(!origin_host_is_loopback("::"));
    CHECK(!origin_host_is_loopback("localhost.evil.example"));
    CHECK(!origin_host_is_loopback("127.0.0.1.nip.io"));
}

static void test_settings_checks(void) {
    CHECK(origin_setting_ok("*"));
    CHECK(origin_setting_ok("null"));
    CHECK(origin_setting_ok("https://app.example.com:8443"));
    CHECK(!origin_setting_ok("https://app.example.com/"));
    CHECK(!origin_setting_ok("app.example.com"));
    CHECK(!origin_setting_ok(""));
    CHECK(origin_host_setting_ok("db.example.com"));
    CHECK(origin_host_setting_ok("10.0.0.5"));
    CHECK(origin_host_setting_ok("fe80::1"));
    CHECK(!origin_host_setting_ok("db.example.com:1987"));
    CHECK(!origin_host_setting_ok("http://db"));
    CHECK(!origin_host_setting_ok(""));
}

/* A policy from lists given as arrays. */
static void policy(origin_policy *p, const char *const *allowed, size_t na, const char *const *hosts, size_t nh,
                   const char *listen, int tls) {
    ndb_strlist a = {(char **)allowed, na}, h = {(char **)hosts, nh};
    origin_policy_init(p, &a, &h, listen, tls);
}

static void test_check(void) {
    origin_policy p;
    static const char *const allowed[] = {"https://app.example.com", "http://127.0.0.2:8000"};
    static const char *const hosts[] = {"DB.internal", "10.1.2.3"};
    policy(&p, allowed, 2, hosts, 2, "127.0.0.1", 0);
    /* no Origin: the CLI, scripts, libraries */
    CHECK_INT(origin_check(&p, NULL, "127.0.0.1:1987", NULL), ORIGIN_OK);
    CHECK_INT(origin_check(&p, NULL, NULL, NULL), ORIGIN_OK);
    /* listed origins, whatever the Host */
    CHECK_INT(origin_check(&p, "https://app.example.com", "127.0.0.1:1987", NULL), ORIGIN_OK);
    CHECK_INT(origin_check(&p, "https://app.example.com:443", "x", NULL), ORIGIN_OK);
    CHECK_INT(origin_check(&p, "http://127.0.0.2:8000", "127.0.0.1:1987", NULL), ORIGIN_OK);
    /* anything else */
    CHECK_INT(origin_check(&p, "http://127.0.0.2:8001", "127.0.0.1:1987", NULL), ORIGIN_REFUSED);
    CHECK_INT(origin_check(&p, "http://app.example.com", "127.0.0.1:1987", NULL), ORIGIN_REFUSED);
    CHECK_INT(origin_check(&p, "https://evil.example", "127.0.0.1:1987", NULL), ORIGIN_REFUSED);
    CHECK_INT(origin_check(&p, "null", "127.0.0.1:1987", NULL), ORIGIN_REFUSED);
    CHECK_INT(origin_check(&p, "garbage", "127.0.0.1:1987", NULL), ORIGIN_REFUSED);
    CHECK_INT(origin_check(&p, "", "127.0.0.1:1987", NULL), ORIGIN_REFUSED);
    /* the server's own origin, named by loopback, localhost, the listening
     * address, the local address or an allowed host */
    CHECK_INT(origin_check(&p, "http://127.0.0.1:1987", "127.0.0.1:1987", NULL), ORIGIN_OK);
    CHECK_INT(origin_check(&p, "http://localhost:1987", "localhost:1987", NULL), ORIGIN_OK);
    CHECK_INT(origin_check(&p, "http://[::1]:1987", "[::1]:1987", NULL), ORIGIN_OK);
    CHECK_INT(origin_check(&p, "http://db.internal:1987", "db.internal:1987", NULL), ORIGIN_OK);
    CHECK_INT(origin_check(&p, "http://10.1.2.3:1987", "10.1.2.3:1987", NULL), ORIGIN_OK);
    CHECK_INT(origin_check(&p, "http://192.168.1.9:1987", "192.168.1.9:1987", "192.168.1.9"), ORIGIN_OK);
    CHECK_INT(origin_check(&p, "http://localhost", "localhost:80", NULL), ORIGIN_OK);
    /* own origin over TLS is https: an http page is another origin */
    CHECK_INT(origin_check(&p, "https://127.0.0.1:1987", "127.0.0.1:1987", NULL), ORIGIN_REFUSED);
    /* DNS rebinding: the attacker's name re-pointed at this server */
    CHECK_INT(origin_check(&p, "http://evil.example:1987", "evil.example:1987", NULL), ORIGIN_BAD_HOST);
    CHECK_INT(origin_check(&p, "http://192.168.1.9:1987", "192.168.1.9:1987", "10.9.9.9"), ORIGIN_BAD_HOST);
    /* an origin that is not the Host's */
    CHECK_INT(origin_check(&p, "http://localhost:1988", "localhost:1987", NULL), ORIGIN_REFUSED);
    CHECK_INT(origin_check(&p, "http://localhost:1987", NULL, NULL), ORIGIN_REFUSED);
    origin_policy_free(&p);

    /* '*' and 'null' only when listed; a wildcard listening address */
    static const char *const star[] = {"*"}, *const null[] = {"null"};
    policy(&p, star, 1, NULL, 0, "0.0.0.0", 0);
    CHECK_INT(origin_check(&p, "https://evil.example", "evil.example", NULL), ORIGIN_OK);
    CHECK_INT(origin_check(&p, "null", "x", NULL), ORIGIN_OK);
    origin_policy_free(&p);
    /* IPv6 literals compare as addresses, however written: browsers send
     * the canonical text ("[::1]", "[::ffff:7f00:2]") */
    static const char *const v6[] = {"http://[0:0::1]:8080", "http://[::FFFF:127.0.0.2]"};
    policy(&p, v6, 2, NULL, 0, "127.0.0.1", 0);
    CHECK_INT(origin_check(&p, "http://[::1]:8080", "127.0.0.1:1987", NULL), ORIGIN_OK);
    CHECK_INT(origin_check(&p, "http://[::ffff:7f00:2]", "127.0.0.1:1987", NULL), ORIGIN_OK);
    CHECK_INT(origin_check(&p, "http://[::2]:8080", "127.0.0.1:1987", NULL), ORIGIN_REFUSED);
    /* and the server's own origin under a Host written another way */
    CHECK_INT(origin_check(&p, "http://[::1]:1987", "[0::1]:1987", NULL), ORIGIN_OK);
    origin_policy_free(&p);
    policy(&p, null, 1, NULL, 0, "0.0.0.0", 1);
    CHECK_INT(origin_check(&p, "null", "x", NULL), ORIGIN_OK);
    CHECK_INT(origin_check(&p, "https://evil.example", "127.0.0.1:1987", NULL), ORIGIN_REFUSED);
    CHECK_INT(origin_check(&p, "https://evil.example", "evil.example", NULL), ORIGIN_BAD_HOST);
    CHECK_INT(origin_check(&p, "https://0.0.0.0:1987", "0.0.0.0:1987", NULL), ORIGIN_BAD_HOST);
    CHECK_INT(origin_check(&p, "https://127.0.0.1:1987", "127.0.0.1:1987", NULL), ORIGIN_OK);
    origin_policy_free(&p);
}

/* A console page under a Host: served when a WebSocket from the page's
 * origin (scheme://Host) would be accepted. */
static void test_check_page(void) {
    origin_policy p;
    static const char *const allowed[] = {"http://app.example.com:8080"};
    static const char *const hosts[] = {"db.internal"};
    policy(&p, allowed, 1, hosts, 1, "127.0.0.1", 0);
    CHECK_INT(origin_check_page(&p, NULL, NULL), ORIGIN_OK); /* not a browser */
    CHECK_INT(origin_check_page(&p, "127.0.0.1:1987", NULL), ORIGIN_OK);
    CHECK_INT(origin_check_page(&p, "localhost", NULL), ORIGIN_OK);
    CHECK_INT(origin_check_page(&p, "[::1]:1987", NULL), ORIGIN_OK);
    CHECK_INT(origin_check_page(&p, "DB.internal:1987", NULL), ORIGIN_OK);
    CHECK_INT(origin_check_page(&p, "192.168.1.9:1987", "192.168.1.9"), ORIGIN_OK);
    CHECK_INT(origin_check_page(&p, "app.example.com:8080", NULL), ORIGIN_OK); /* a listed origin */
    CHECK_INT(origin_check_page(&p, "app.example.com:1987", NULL), ORIGIN_BAD_HOST);
    CHECK_INT(origin_check_page(&p, "evil.example:1987", NULL), ORIGIN_BAD_HOST);
    CHECK_INT(origin_check_page(&p, "evil.example", NULL), ORIGIN_BAD_HOST);
    CHECK_INT(origin_check_page(&p, "", NULL), ORIGIN_BAD_HOST);
    CHECK_INT(origin_check_page(&p, "a b", NULL), ORIGIN_BAD_HOST);
    CHECK_INT(origin_check_page(&p, "(too long)", NULL), ORIGIN_BAD_HOST);
    origin_policy_free(&p);
    /* behind a proxy that terminates TLS and passes Host on: the page's
     * origin is https://Host of a plain server, allowed as a listed origin */
    static const char *const behind[] = {"https://db.example.com"};
    policy(&p, behind, 1, NULL, 0, "127.0.0.1", 0);
    CHECK_INT(origin_check_page(&p, "db.example.com", NULL), ORIGIN_OK);
    CHECK_INT(origin_check_page(&p, "db.example.com:443", NULL), ORIGIN_OK);
    CHECK_INT(origin_check_page(&p, "db.example.com:8443", NULL), ORIGIN_BAD_HOST);
    CHECK_INT(origin_check_page(&p, "evil.example", NULL), ORIGIN_BAD_HOST);
    origin_policy_free(&p);
    /* and the other way: a TLS server's page is never taken for http://Host
     * unless that origin is listed */
    static const char *const plain[] = {"http://app.example.com"};
    policy(&p, plain, 1, NULL, 0, "127.0.0.1", 1);
    CHECK_INT(origin_check_page(&p, "app.example.com", NULL), ORIGIN_OK);
    CHECK_INT(origin_check_page(&p, "evil.example", NULL), ORIGIN_BAD_HOST);
    CHECK_INT(origin_check_page(&p, "localhost", NULL), ORIGIN_OK);
    origin_policy_free(&p);
    static const char *const star[] = {"*"};
    policy(&p, star, 1, NULL, 0, "0.0.0.0", 1);
    CHECK_INT(origin_check_page(&p, "evil.example", NULL), ORIGIN_OK); /* every site allowed */
    origin_policy_free(&p);
}

int main(void) {
    test_parse();
    test_same();
    test_host_and_loopback();
    test_settings_checks();
    test_check();
    test_check_page();
    return UNIT_DONE();
}
