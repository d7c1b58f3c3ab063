#!/usr/bin/env bats
# The web console over plain HTTP (src/server/console.c, docs/protocol.md
# 1.1): the embedded files byte for byte with their types and security
# headers, HEAD, conditional GET, keep-alive, 404 for everything else
# (traversal included), 405 for other methods, --no-console, and a reader
# that never reads stalling no one.  tests/browser runs the page itself.

load helpers

SRC="$BATS_TEST_DIRNAME/../../src"
JS="$BATS_TEST_DIRNAME/../../clients/js"
HTTPPROBE="$BATS_TEST_DIRNAME/httpprobe.py"

setup_file() { start_server; }
teardown_file() { stop_server; }
# A test that restarts the server with other options sets OWN_SERVER: its
# server is then this test's, which teardown_file (another process, with the
# first server's pid) would not stop.
teardown() { if [ -n "${OWN_SERVER:-}" ]; then stop_server; fi; }

http() { python3 "$HTTPPROBE" --url "$NDB_URL" "$@"; }

# body PATH: the body GET PATH answers.
body() { http --body GET "$1" | sed '1,/^$/d'; }

CSP="default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

@test "GET / is the console's page, with the security headers" {
    run http GET /
    [ "$status" -eq 0 ]
    local size
    size=$(stat -c %s "$SRC/console/index.html")
    [ "${lines[0]}" = "HTTP/1.1 200 OK" ]
    [ "${lines[1]}" = "content-type: text/html; charset=utf-8" ]
    [ "${lines[2]}" = "content-length: $size" ]
    [ "${lines[3]}" = "content-security-policy: $CSP" ]
    [ "${lines[4]}" = "x-content-type-options: nosniff" ]
    [ "${lines[5]}" = "x-frame-options: DENY" ]
    [ "${lines[6]}" = "referrer-policy: no-referrer" ]
    [ "${lines[7]}" = "cross-origin-opener-policy: same-origin" ]
    [ "${lines[8]}" = "cross-origin-resource-policy: same-origin" ]
    [ "${lines[9]}" = "cache-control: no-cache" ]
    [[ "${lines[10]}" =~ ^etag:\ \"[0-9a-f]{20}\"$ ]]
    [ "${#lines[@]}" -eq 11 ]
}

@test "every embedded file is served byte for byte, with its type" {
    check() { # check URLPATH FILE TYPE
        diff <(body "$1") "$2" || return 1
        [ "$(http HEAD "$1" | sed -n 2p)" = "content-type: $3" ] || return 1
    }
    check /index.html "$SRC/console/index.html" "text/html; charset=utf-8"
    check /console.css "$SRC/console/console.css" "text/css; charset=utf-8"
    check /favicon.svg "$SRC/console/favicon.svg" "image/svg+xml"
    local f n=0
    for f in "$SRC"/console/*.js; do
        check "/$(basename "$f")" "$f" "text/javascript; charset=utf-8"
        n=$((n + 1))
    done
    [ "$n" -ge 10 ]
    # the JavaScript client: the one copy in clients/js
    check /ndb/ndb.js "$JS/ndb.js" "text/javascript; charset=utf-8"
    for f in "$JS"/lib/*.js; do
        check "/ndb/lib/$(basename "$f")" "$f" "text/javascript; charset=utf-8"
    done
}

@test "the page has no inline script, no inline style, no event-handler attribute (the CSP forbids them)" {
    local page="$SRC/console/index.html"
    # one script, an ES module from the same origin, with nothing inside the tag
    [ "$(grep -o '<script[^>]*>[^<]*</script>' "$page")" = '<script type="module" src="app.js"></script>' ]
    [ "$(grep -c '<script' "$page")" -eq 1 ]
    ! grep -nE '<style| style=| on[a-z]+=|javascript:' "$page"
    ! grep -nE 'innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function' "$SRC"/console/*.js "$JS"/ndb.js "$JS"/lib/*.js
}

@test "HEAD answers the headers of GET without a body; a query string is ignored" {
    local get head
    get=$(http GET /app.js)
    head=$(http --body HEAD /app.js)
    [ "$head" = "$get" ]
    [ "$(http --status GET '/?x=1' '/app.js?v=2')" = "HTTP/1.1 200 OK
HTTP/1.1 200 OK" ]
}

@test "a conditional GET with the ETag answers 304 without a body" {
    local etag
    etag=$(http GET / | sed -n 's/^etag: //p')
    run http --body --header "If-None-Match: $etag" GET /
    [ "${lines[0]}" = "HTTP/1.1 304 Not Modified" ]
    [ "${lines[-1]}" = "etag: $etag" ]
    run http --status --header 'If-None-Match: "0000"' GET /
    [ "$output" = "HTTP/1.1 200 OK" ]
}

@test "the page's files come over one kept-alive connection" {
    run http --status --same-connection GET / /console.css /app.js /ndb/ndb.js /nope /favicon.svg
    [ "$status" -eq 0 ]
    [ "$output" = "HTTP/1.1 200 OK
HTTP/1.1 200 OK
HTTP/1.1 200 OK
HTTP/1.1 200 OK
HTTP/1.1 404 Not Found
HTTP/1.1 200 OK" ]
}

@test "every other path is 404: only the embedded names exist, no path leaves them" {
    local p
    for p in /nope /index.htm /index.html/ /ndb /ndb/ /ndb/package.json /ndb/test/server.mjs /src/console/index.html \
             /../../etc/passwd /%2e%2e/%2e%2e/etc/passwd '/..%2f..%2fetc%2fpasswd' /ndb/../../CMakeLists.txt \
             /APP.JS /.git/config /favicon.ico; do
        run http --body GET "$p"
        [ "${lines[0]}" = "HTTP/1.1 404 Not Found" ] || { echo "$p: $output" >&2; return 1; }
        [ "${lines[-1]}" = "404 Not Found" ]
        [ "${lines[1]}" = "content-type: text/plain; charset=utf-8" ]
    done
    # a NUL in the path: libwebsockets drops the connection
    run http GET '/app.js%00.html'
    [ "$status" -eq 1 ]
    [ "$output" = "httpprobe: Remote end closed connection without response" ]
}

@test "other methods: 405 naming the allowed ones, and the connection is closed" {
    run http --body POST /
    [ "${lines[0]}" = "HTTP/1.1 405 Method Not Allowed" ]
    [[ "$output" == *$'\nallow: GET, HEAD\nconnection: close\n'* ]]
    [ "${lines[-1]}" = "405 Method Not Allowed: only GET and HEAD" ]
    local m
    for m in PUT DELETE OPTIONS PATCH; do
        [ "$(http --status "$m" /)" = "HTTP/1.1 405 Method Not Allowed" ]
    done
}

@test "WebSocket clients are served on the same port, on any path, / included" {
    req '{"KV_SET":{"keys":{"c":1}}}' '{"KV_SET_RSP":{"st":1}}'
    run python3 "$WSPROBE" --url "${NDB_URL}index.html" frag '{"KV_GET":{"keys":["c"]}}' 2
    [ "$output" = '{"KV_GET_RSP":{"keys":{"c":1},"st":1}}' ]
}

@test "an HTTP reader that never reads stalls no one" {
    req '{"KV_SET":{"keys":{"c":1}}}' '{"KV_SET_RSP":{"st":1}}'
    # 200 pipelined requests for the biggest file, never read, on two
    # connections (fd 3 closed: bats waits for whoever holds it)
    python3 - "$NDB_PORT" 3>&- <<'PY' &
import socket, sys, time
socks = []
for _ in range(2):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.sendall(b"GET /ndb/lib/client.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" * 200)
    socks.append(s)
time.sleep(3)
PY
    local stuck=$!
    sleep 0.5
    req '{"KV_GET":{"keys":["c"]}}' '{"KV_GET_RSP":{"keys":{"c":1},"st":1}}'
    [ "$(http --status GET /)" = "HTTP/1.1 200 OK" ]
    wait "$stuck"
}

@test "pages only under a Host that names the server, by the WebSocket's rule (DNS rebinding): else 403" {
    local bad="403 Forbidden: the Host header does not name this ndb server (see --allow-host)"
    run http --body --header "Host: evil.example:$NDB_PORT" GET / /ndb/ndb.js /nope
    [ "$status" -eq 0 ]
    [ "$(printf '%s\n' "${lines[@]}" | grep -c '^HTTP/1.1 403 Forbidden$')" -eq 3 ]
    [ "$(printf '%s\n' "${lines[@]}" | grep -cx "$bad")" -eq 3 ]
    [[ "$output" == *"content-security-policy: $CSP"* ]]
    [ "$(http --status --header 'Host: evil.example' HEAD /)" = "HTTP/1.1 403 Forbidden" ]
    # other methods too: a 405 would offer a GET that this Host does not get;
    # the connection is closed, as for a 405 (a body may be left unread)
    run http --body --header 'Host: evil.example' POST /
    [ "${lines[0]}" = "HTTP/1.1 403 Forbidden" ]
    [[ "$output" == *$'\nconnection: close\n'* ]]
    [[ "$output" != *'allow:'* ]]
    [ "${lines[-1]}" = "$bad" ]
    local m
    for m in PUT DELETE OPTIONS PATCH; do
        [ "$(http --status --header 'Host: evil.example' "$m" /)" = "HTTP/1.1 403 Forbidden" ]
    done
    [ "$(http --status POST /)" = "HTTP/1.1 405 Method Not Allowed" ]
    # logged once a minute per Host
    [ "$(grep -c "refused a console page to 127.0.0.1: Host \"evil.example:$NDB_PORT\" does not name this server (DNS rebinding?); if it is one of its names, add it with --allow-host$" "$NDB_LOG")" -eq 1 ]
    # the server's own names, and no Host at all (no browser omits it)
    local h
    for h in "127.0.0.1:$NDB_PORT" "localhost:$NDB_PORT" "LOCALHOST" "[::1]:$NDB_PORT" "127.9.9.9"; do
        [ "$(http --status --header "Host: $h" GET /)" = "HTTP/1.1 200 OK" ]
    done
    run python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1",int(sys.argv[1]))); s.sendall(b"GET / HTTP/1.0\r\n\r\n"); print(s.recv(64).split(b"\r\n")[0].decode())' "$NDB_PORT"
    [ "$output" = "HTTP/1.0 200 OK" ]
    # a name of --allow-host, or an origin of --allow-origin, as for the upgrade
    stop_server
    OWN_SERVER=1
    start_server --allow-host db.test --allow-origin http://app.test:8080
    [ "$(http --status --header "Host: db.test:$NDB_PORT" GET /)" = "HTTP/1.1 200 OK" ]
    [ "$(http --status --header "Host: app.test:8080" GET /)" = "HTTP/1.1 200 OK" ]
    [ "$(http --status --header "Host: app.test:$NDB_PORT" GET /)" = "HTTP/1.1 403 Forbidden" ]
    # --no-console: 404 under any Host, as before
    stop_server
    start_server --no-console
    [ "$(http --status --header 'Host: evil.example' GET /)" = "HTTP/1.1 404 Not Found" ]
}

@test "behind a proxy that terminates TLS and passes Host on, --allow-origin https://NAME serves the pages too" {
    # the browser's origin is https://NAME, which the upgrade accepts as a
    # listed origin; the pages (plain http to this server) were refused 403
    stop_server
    OWN_SERVER=1
    start_server --allow-origin https://db.example.com
    [ "$(http --status --header "Host: db.example.com" GET /)" = "HTTP/1.1 200 OK" ]
    [ "$(http --status --header "Host: db.example.com:443" GET /ndb/ndb.js)" = "HTTP/1.1 200 OK" ]
    # another port, another name: still not this server
    [ "$(http --status --header "Host: db.example.com:8443" GET /)" = "HTTP/1.1 403 Forbidden" ]
    [ "$(http --status --header "Host: evil.example" GET /)" = "HTTP/1.1 403 Forbidden" ]
}

@test "--no-console: every plain HTTP request is 404, WebSockets unchanged; the log says so" {
    stop_server
    OWN_SERVER=1
    start_server --no-console
    run http --status GET / /index.html /ndb/ndb.js
    [ "$output" = "HTTP/1.1 404 Not Found
HTTP/1.1 404 Not Found
HTTP/1.1 404 Not Found" ]
    # other methods too (a 405 would offer a GET that does not exist); the
    # connection is closed, as for a 405: a body may be left unread
    run http --body POST /
    [ "${lines[0]}" = "HTTP/1.1 404 Not Found" ]
    [[ "$output" == *$'\nconnection: close\n'* ]]
    [[ "$output" != *'allow:'* ]]
    [ "${lines[-1]}" = "404 Not Found" ]
    local m
    for m in PUT DELETE OPTIONS PATCH HEAD; do
        [ "$(http --status "$m" /)" = "HTTP/1.1 404 Not Found" ]
    done
    grep -q '^ndb: info: server: logLevel info, console false, coreDumps false$' "$NDB_LOG"
    req '{"KV_COUNT":{}}' '{"KV_COUNT_RSP":{"cnt":0,"st":1}}'
    stop_server
    local f="$BATS_TEST_TMPDIR/ndb.jsonc"
    printf '{ "console": false }\n' >"$f"
    start_server --config "$f"
    [ "$(http --status GET /)" = "HTTP/1.1 404 Not Found" ]
    stop_server
    # the option wins over the file
    start_server --config "$f" --console
    [ "$(http --status GET /)" = "HTTP/1.1 200 OK" ]
    stop_server
    printf '{ "console": "no" }\n' >"$f"
    run "$NDB" serve --port 0 --config "$f"
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: config $f: 'console' must be true or false (a string here: write true or false without quotes)" ]
}
