/*
 * test_url.c — the server address parser (src/common/wsurl.c): every
 * accepted form with its exact parts, and every kind of bad address with
 * its exact one-line reason.
 */
#include <stdio.h>

#include "common/wsurl.h"
#include "unit.h"

typedef struct ucase {
    const char *in;
    /* "host|port|Host header|path|canonical URL" with "wss " in front for
     * TLS, or "!reason" */
    const char *want;
} ucase;

static const ucase cases[] = {
    /* full URLs: the scheme's default port (today's behaviour), path "/" */
    {"ws://127.0.0.1:1987/", "127.0.0.1|1987|127.0.0.1:1987|/|ws://127.0.0.1:1987/"},
    {"ws://127.0.0.1:1987", "127.0.0.1|1987|127.0.0.1:1987|/|ws://127.0.0.1:1987/"},
    {"ws://localhost", "localhost|80|localhost|/|ws://localhost:80/"},
    {"ws://localhost:80/", "localhost|80|localhost|/|ws://localhost:80/"},
    {"wss://db.example.com/", "wss db.example.com|443|db.example.com|/|wss://db.example.com:443/"},
    {"wss://db.example.com:8443/x", "wss db.example.com|8443|db.example.com:8443|/x|wss://db.example.com:8443/x"},
    {"WS://Host-1.example_x:2000/a/b?c=d&e", "Host-1.example_x|2000|Host-1.example_x:2000|/a/b?c=d&e|ws://Host-1.example_x:2000/a/b?c=d&e"},
    {"WsS://h", "wss h|443|h|/|wss://h:443/"},
    {"ws://h?q=1", "h|80|h|/?q=1|ws://h:80/?q=1"},
    {"ws://h:1/p#frag", "h|1|h:1|/p|ws://h:1/p"},
    {"ws://h#frag", "h|80|h|/|ws://h:80/"},
    {"ws://h:65535", "h|65535|h:65535|/|ws://h:65535/"},
    {"ws://h:00080/", "h|80|h|/|ws://h:80/"},
    {"ws://[::1]:1987/", "::1|1987|[::1]:1987|/|ws://[::1]:1987/"},
    {"ws://[::1]", "::1|80|[::1]|/|ws://[::1]:80/"},
    {"wss://[2001:db8::1]:443/x", "wss 2001:db8::1|443|[2001:db8::1]|/x|wss://[2001:db8::1]:443/x"},
    {"ws://[fe80::1%eth0]:5/", "fe80::1%eth0|5|[fe80::1%eth0]:5|/|ws://[fe80::1%eth0]:5/"},
    {"ws://[::ffff:127.0.0.1]:9", "::ffff:127.0.0.1|9|[::ffff:127.0.0.1]:9|/|ws://[::ffff:127.0.0.1]:9/"},

    /* shorthands: ws:// assumed, host 127.0.0.1, port 1987 */
    {"localhost:2000", "localhost|2000|localhost:2000|/|ws://localhost:2000/"},
    {":2000", "127.0.0.1|2000|127.0.0.1:2000|/|ws://127.0.0.1:2000/"},
    {"localhost", "localhost|1987|localhost:1987|/|ws://localhost:1987/"},
    {"10.1.2.3", "10.1.2.3|1987|10.1.2.3:1987|/|ws://10.1.2.3:1987/"},
    {"[::1]", "::1|1987|[::1]:1987|/|ws://[::1]:1987/"},
    {"[::1]:80", "::1|80|[::1]|/|ws://[::1]:80/"},
    {"db:3000/x?y", "db|3000|db:3000|/x?y|ws://db:3000/x?y"},
    {"/x", "127.0.0.1|1987|127.0.0.1:1987|/x|ws://127.0.0.1:1987/x"},
    {"h/a://b", "h|1987|h:1987|/a://b|ws://h:1987/a://b"},

    /* bad schemes */
    {"http://127.0.0.1:1987/", "!unsupported scheme 'http://' (use ws:// or wss://)"},
    {"HTTPS://h/", "!unsupported scheme 'HTTPS://' (use ws:// or wss://)"},
    {"wsx://h", "!unsupported scheme 'wsx://' (use ws:// or wss://)"},
    {"://h", "!missing scheme before '://' (use ws:// or wss://)"},
    {"", "!empty URL"},
    /* empty hosts */
    {"ws://", "!empty host"},
    {"ws:///x", "!empty host"},
    {"ws://:1987/", "!empty host"},
    {"wss://?q", "!empty host"},
    {"ws://[]:1/", "!empty host"},
    {"[]", "!empty host"},
    /* bad ports */
    {"ws://h:/", "!missing port number after ':'"},
    {"h:", "!missing port number after ':'"},
    {":", "!missing port number after ':'"},
    {"ws://h:0/", "!invalid port '0' (must be 1..65535)"},
    {"ws://h:65536/", "!invalid port '65536' (must be 1..65535)"},
    {"ws://h:123456/", "!invalid port '123456' (must be 1..65535)"},
    {"h:abc", "!invalid port 'abc' (must be 1..65535)"},
    {"h:-1", "!invalid port '-1' (must be 1..65535)"},
    {"h:+80", "!invalid port '+80' (must be 1..65535)"},
    {"ws://h:1 2/", "!invalid port '1 2' (must be 1..65535)"},
    {"ws://[::1]:x/", "!invalid port 'x' (must be 1..65535)"},
    {"ws://[::1]:/", "!missing port number after ':'"},
    /* brackets */
    {"ws://[::1/", "!unclosed '[' in the host"},
    {"[::1", "!unclosed '[' in the host"},
    {"ws://[::1]x/", "!unexpected text after ']': 'x'"},
    {"ws://[nope]:1/", "!invalid IPv6 address 'nope'"},
    {"ws://[1.2.3.4]/", "!invalid IPv6 address '1.2.3.4'"},
    {"ws://[fe80::1%]/", "!invalid IPv6 address 'fe80::1%'"},
    {"ws://[fe80::1%a b]/", "!invalid IPv6 address 'fe80::1%a b'"},
    {"ws://::1/", "!an IPv6 address must be written in brackets, e.g. [::1]"},
    {"::1", "!an IPv6 address must be written in brackets, e.g. [::1]"},
    /* other bad parts */
    {"ws://user@h/", "!user names in URLs are not supported"},
    {"ws://h st/", "!invalid character ' ' in the host"},
    {"ws://h\x01/", "!invalid character '\\x01' in the host"},
    /* a character outside ASCII quoted whole and readable, not as '?' */
    {"ws://h\xc3\xa9/", "!invalid character '\xc3\xa9' in the host"},
    {"ws://\xe6\x97\xa5\xe6\x9c\xac.jp/", "!invalid character '\xe6\x97\xa5' in the host"},
    {"ws://h\xf0\x9f\x98\x80/", "!invalid character '\xf0\x9f\x98\x80' in the host"},
    {"ws://h\xc2\x9b/", "!invalid character '\\xc2\\x9b' in the host"},
    {"ws://h\xc3/", "!invalid character '\\xc3' in the host"},
    {"ws://[\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9]/",
     "!invalid IPv6 address '\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...'"},
    {"ws://h%41/", "!invalid character '%' in the host"},
    {"ws://h/a b", "!invalid character in the path (spaces and control characters must be %-encoded)"},
    {"ws://h/a\tb", "!invalid character in the path (spaces and control characters must be %-encoded)"},
    /* a C1 control (U+009B, CSI) or a byte that is not UTF-8 would reach the
     * terminal in every message showing the URL; UTF-8 text is kept */
    {"ws://h/\xc2\x9b""31m", "!invalid character in the path (spaces and control characters must be %-encoded)"},
    {"ws://h/?q=\x9b", "!invalid character in the path (spaces and control characters must be %-encoded)"},
    {"ws://h/\xc3\xa9t\xc3\xa9?q=\xe4\xb8\xad", "h|80|h|/\xc3\xa9t\xc3\xa9?q=\xe4\xb8\xad|ws://h:80/\xc3\xa9t\xc3\xa9?q=\xe4\xb8\xad"},
    {"ws:/h", "!missing port number after ':'"},
    {"ws:h", "!invalid port 'h' (must be 1..65535)"},
};

/* buf = pre, then n times c, then post; returns buf. */
static char *fill(char *buf, const char *pre, char c, size_t n, const char *post) {
    size_t p = strlen(pre);
    memcpy(buf, pre, p);
    memset(buf + p, c, n);
    strcpy(buf + p + n, post);
    return buf;
}

/* The parse of in, in the format of ucase.want (a static buffer). */
static const char *show(const char *in) {
    static char out[WSURL_MAX_URL * 3];
    ws_url u;
    char err[200];
    if (ws_url_parse(&u, in, err, sizeof err)) {
        snprintf(out, sizeof out, "!%s", err);
    } else {
        snprintf(out, sizeof out, "%s%s|%d|%s|%s|%s", u.tls ? "wss " : "", u.host, u.port, u.host_header,
                 u.path, u.url);
    }
    return out;
}

int main(void) {
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = show(cases[i].in);
        if (strcmp(got, cases[i].want)) fprintf(stderr, "case %zu: %s\n", i, cases[i].in);
        CHECK_STR(got, cases[i].want);
    }

    /* a password never reaches a message; text without one comes back as is */
    char shown[128];
    CHECK_STR(ws_url_shown("ws://me:secret@h:1/", shown, sizeof shown), "ws://me:***@h:1/");
    CHECK_STR(ws_url_shown("http://me:s@cr@h/p", shown, sizeof shown), "http://me:***@h/p");
    CHECK_STR(ws_url_shown(":pw@h", shown, sizeof shown), ":***@h");
    /* control characters as \xhh: an escape sequence in --url is not obeyed */
    CHECK_STR(ws_url_shown("ws://h/\x1b]0;x\x07", shown, sizeof shown), "ws://h/\\x1b]0;x\\x07");
    CHECK_STR(ws_url_shown("ws://\x1b:pw\x1b@h/\x7f", shown, sizeof shown), "ws://\\x1b:***@h/\\x7f");
    /* C1 controls and bytes that are not UTF-8 too; UTF-8 text stays as it is */
    CHECK_STR(ws_url_shown("ws://h/\xc2\x9b""31m\x9b", shown, sizeof shown), "ws://h/\\xc2\\x9b31m\\x9b");
    const char *plain[] = {"ws://me@h/", "ws://h:1/a@b:c", "localhost:2000", "ws://h/?u=a:b@c", "ws://h\xc3\xa9/\xe2\x80\xae"};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) CHECK(ws_url_shown(plain[i], shown, sizeof shown) == plain[i]);

    /* lengths at and past the bounds */
    static char big[WSURL_MAX_PATH + 64], want[3 * WSURL_MAX_PATH];
    fill(big, "ws://", 'a', WSURL_MAX_HOST, ":1/");
    const char *h = big + 5;
    int hn = WSURL_MAX_HOST;
    snprintf(want, sizeof want, "%.*s|1|%.*s:1|/|ws://%.*s:1/", hn, h, hn, h, hn, h);
    CHECK_STR(show(big), want);
    fill(big, "ws://", 'a', WSURL_MAX_HOST + 1, ":1/");
    CHECK_STR(show(big), "!host name too long (at most 253 bytes)");
    fill(big, "ws://h/", 'p', WSURL_MAX_PATH - 1, "");
    snprintf(want, sizeof want, "h|80|h|%s|ws://h:80%s", big + 6, big + 6);
    CHECK_STR(show(big), want);
    fill(big, "ws://h/", 'p', WSURL_MAX_PATH, "");
    CHECK_STR(show(big), "!path too long (at most 2048 bytes)");
    /* a long bad part is quoted shortened */
    CHECK_STR(show("http+unix-socket-with-a-very-long-scheme-name://x"),
              "!unsupported scheme 'http+unix-socket-with-a-very-long-scheme...://' (use ws:// or wss://)");
    /* NULL and a too-small error buffer do not crash */
    ws_url u;
    CHECK_INT(ws_url_parse(&u, NULL, NULL, 0), -1);
    char tiny[8];
    CHECK_INT(ws_url_parse(&u, "ftp://x", tiny, sizeof tiny), -1);
    CHECK_STR(tiny, "unsuppo");
    return UNIT_DONE();
}
