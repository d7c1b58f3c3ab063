#!/usr/bin/env bats
# Connection slots under a flood (docs/protocol.md 7.3 "Connection slots",
# limits.maxPendingConnections): connections that are not established (in
# their handshake, or upgraded and not logged in on a server with users)
# hold at most a share of maxConnections, and a newcomer that finds no room
# closes the oldest of them instead of being refused.  Every wait is bounded.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
    local d="$BATS_FILE_TMPDIR"
    printf 'boss-pw\n' >"$d/boss.pw"
    chmod 600 "$d/boss.pw"
    # slow: a user whose password check takes seconds (helpers.bash)
    printf '{"security":{"users":[{"name":"boss","password":"%s","role":"admin"},{"name":"slow","password":"%s","role":"read"}]}}' \
        "$("$NDB" passwd --iterations 100000 <"$d/boss.pw")" "$SLOW_PW_HASH" >"$d/users.json"
    chmod 600 "$d/users.json"
    export USERS_JSON="$d/users.json" BOSS_PW_FILE="$d/boss.pw"
    # slots.py: raw clients holding slots (built on wsprobe.py)
    SLOTS="$d/slots.py"
    export SLOTS
    cat >"$SLOTS" <<'PY'
import os, socket, ssl, subprocess, sys, time
sys.path.insert(0, sys.argv[1])
import wsprobe
from wsprobe import WSConn

url, args = sys.argv[2], sys.argv[3:]
host, port, _, _ = wsprobe.parse_url(url)
tls = url.startswith("wss:")
cafile = os.environ.get("NDB_CACERT")
LOGIN = '{"SV_AUTH":{"user":"boss","password":"boss-pw"}}'

def ended(s, limit):
    """Whether the server ends s's stream within limit seconds."""
    s.settimeout(0.1)
    end = time.monotonic() + limit
    while True:
        try:
            d = s.recv(65536)
            if not d:
                return True
        except socket.timeout:
            pass
        except (ConnectionResetError, OSError):
            return True
        if time.monotonic() >= end:
            return False

def conn(login):
    c = WSConn(url, 20, cafile=cafile)
    if login:
        print(c.ask(LOGIN))
    return c

def login_in_check():
    c = WSConn(url, 120, cafile=cafile)
    c.send_frame(wsprobe.OP_TEXT, b'{"SV_AUTH":{"user":"slow","password":"slow-pw"}}')
    end = time.monotonic() + 30
    while b"password check of user \"slow\" from" not in open(os.environ["NDB_LOG"], "rb").read():
        if time.monotonic() > end:
            sys.exit("the check never started")
        time.sleep(0.05)
    return c

def open_one(kind):
    """kind r: a raw TCP connection that sends nothing; u: upgraded, not
    logged in; t: TLS, then nothing; h: a console page asked for on a
    keep-alive connection; S: upgraded, its SV_AUTH as the slow user
    sent, and being checked (the server's debug log says so)."""
    if kind == "u":
        return conn(False).sock
    if kind == "S":
        return login_in_check()
    s = socket.create_connection((host, port))
    if kind == "t":  # TLS: the handshake done, no upgrade request
        s = ssl.create_default_context(cafile=cafile).wrap_socket(s, server_hostname=host)
    if kind == "h":
        s.sendall(b"HEAD / HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (host.encode(), port))
        s.settimeout(20)
        got = b""
        while b"\r\n\r\n" not in got:
            got += s.recv(4096)
    return s

def report(held, expect_ended):
    """Wait (bounded) until expect_ended of held were closed, then name
    them by their index, in the order they were opened."""
    raw = [None if isinstance(c, WSConn) else c for c in held]  # S: its answer is read later
    gone = [False] * len(held)
    end = time.monotonic() + 30
    while sum(gone) < expect_ended and time.monotonic() < end:
        for i, s in enumerate(raw):
            if s and not gone[i]:
                gone[i] = ended(s, 0.05)
    for i, s in enumerate(raw):  # the others: still open
        if s and not gone[i]:
            gone[i] = ended(s, 0.3)
    print("closed: " + " ".join(str(i) for i, g in enumerate(gone) if g))

if args[0] == "close-frame":  # an upgraded client not logged in, then N more: what it is told
    w = conn(False)
    others = [conn(False) for _ in range(int(args[1]))]
    try:
        print("message: %s" % w.recv_message().decode())
    except wsprobe.Closed as e:
        print("closed %d %s" % (e.code, e.reason.decode()))
    print(conn(True).ask('{"KV_COUNT":{}}'))
    sys.exit(0)

# SPEC EXPECT: open the connections of SPEC (a letter per connection, in
# order; "A" a client that logs in first and stays, "!" a client that then logs in
# and asks, "c" a `ndb get` run with the password, the others held, as
# open_one says); then print which of the held ones were closed once EXPECT
# of them were; "A" asks again, and an "S" prints its login's answer, last.
spec, expect = args[0], int(args[1])
held, logged, a = [], [], None
for k in spec:
    if k == "A":  # each kept open (logged): a dropped WSConn closes its socket
        a = conn(True)
        logged.append(a)
    elif k == "!":
        c = conn(True)
        print(c.ask('{"KV_COUNT":{}}'))
    elif k == "c":
        r = subprocess.run([os.environ["NDB"], "--url", url, "--user", "boss", "--password-file",
                            os.environ["BOSS_PW_FILE"], "get", "k"], capture_output=True, text=True, timeout=30)
        print("ndb get: %d %s%s" % (r.returncode, r.stdout.strip(), r.stderr.strip()))
    else:
        held.append(open_one(k))
report(held, expect)
if a:
    print(a.ask('{"KV_COUNT":{}}'))
for c in held:
    if isinstance(c, WSConn):  # S: its login's answer
        print(c.recv_message().decode())
PY
}

slots() {
    timeout 90 python3 "$SLOTS" "$BATS_TEST_DIRNAME" "$NDB_URL" "$@"
}

teardown() { stop_server; }

# tls_cert: cert.pem and key.pem for 127.0.0.1 in BATS_TEST_TMPDIR (the
# test is skipped without the openssl command)
tls_cert() {
    command -v openssl >/dev/null || skip "the openssl command is not installed"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$BATS_TEST_TMPDIR/key.pem" \
        -out "$BATS_TEST_TMPDIR/cert.pem" -days 2 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null
}

# 40 raw connections after the one that logs in first, "A"
FLOOD="A$(printf 'r%.0s' $(seq 1 40))"

# flood_answers: what `slots "${FLOOD}c!" 31` prints.  10 slots (half of
# 20) for the connections not established: the 30 oldest raw connections
# made room for the newer ones, one more for `ndb get`; the last client
# found room (ndb get had gone); A was never chosen.
flood_answers() {
    echo '{"SV_AUTH_RSP":{"role":"admin","st":1,"user":"boss"}}
ndb get: 0 1
{"SV_AUTH_RSP":{"role":"admin","st":1,"user":"boss"}}
{"KV_COUNT_RSP":{"cnt":1,"st":1}}
closed: '"$(seq -s ' ' 0 30)"'
{"KV_COUNT_RSP":{"cnt":1,"st":1}}'
}

@test "a flood of raw TCP connections does not keep out a client that logs in, nor close one logged in (direct, lws, TLS)" {
    # 40 raw connections held every slot of maxConnections 20 until the
    # handshake timeout: the admin with the right password was refused
    start_server --config "$USERS_JSON" --max-connections 20 --handshake-timeout 60
    "$NDB" set --user boss --password-file "$BOSS_PW_FILE" k 1
    run -0 slots "${FLOOD}c!" 31
    [ "$output" = "$(flood_answers)" ]
    grep -q '^ndb: info: closing the oldest connection not established (from 127\.0\.0\.1, in its handshake) to make room: maxPendingConnections (10) reached$' "$NDB_LOG"
    ! grep -q 'refused' "$NDB_LOG"
    stop_server
    export NDB_TRANSPORT=lws
    start_server --config "$USERS_JSON" --max-connections 20 --handshake-timeout 60
    "$NDB" set --user boss --password-file "$BOSS_PW_FILE" k 1
    run -0 slots "${FLOOD}c!" 31
    [ "$output" = "$(flood_answers)" ]
    stop_server
    unset NDB_TRANSPORT
    tls_cert
    local d="$BATS_TEST_TMPDIR"
    start_server --config "$USERS_JSON" --max-connections 20 --handshake-timeout 60 \
        --tls-cert "$d/cert.pem" --tls-key "$d/key.pem"
    export NDB_CACERT="$d/cert.pem"
    "$NDB" set --user boss --password-file "$BOSS_PW_FILE" k 1
    # raw TCP, and connections that finished the TLS handshake only
    run -0 slots "A$(printf 'rt%.0s' $(seq 1 20))c!" 31
    [ "$output" = "$(flood_answers)" ]
    # lws accepts a burst of TLS newcomers in one go: the ones they evicted
    # waited for the next turn to close, and the 11th newcomer was refused
    stop_server
    ! grep -q 'refused' "$NDB_LOG"
}

@test "upgraded clients that never log in: the oldest is closed with 1008, and told why (direct, lws, TLS)" {
    local answers='closed 1008 connection slots full
{"SV_AUTH_RSP":{"role":"admin","st":1,"user":"boss"}}
{"KV_COUNT_RSP":{"cnt":0,"st":1}}'
    start_server --config "$USERS_JSON" --max-connections 20
    run -0 slots close-frame 40
    [ "$output" = "$answers" ]
    grep -q '^ndb: info: closing the oldest connection not established (from 127\.0\.0\.1, not logged in) to make room: maxPendingConnections (10) reached$' "$NDB_LOG"
    ! grep -q 'refused' "$NDB_LOG"
    stop_server
    export NDB_TRANSPORT=lws
    start_server --config "$USERS_JSON" --max-connections 20
    run -0 slots close-frame 40
    [ "$output" = "$answers" ]
    stop_server
    unset NDB_TRANSPORT
    tls_cert
    local d="$BATS_TEST_TMPDIR"
    start_server --config "$USERS_JSON" --max-connections 20 --tls-cert "$d/cert.pem" --tls-key "$d/key.pem"
    export NDB_CACERT="$d/cert.pem"
    # evicted TLS connections waited 10 s for the client's answer, their
    # slots held: the 11th newcomer was refused
    run -0 slots close-frame 40
    [ "$output" = "$answers" ]
    ! grep -q 'refused' "$NDB_LOG"
}

@test "the oldest connection not established goes first: in its handshake, upgraded and not logged in, or asking for console pages" {
    start_server --config "$USERS_JSON" --max-connections 10 --max-pending 4 --handshake-timeout 60
    # 0-3 raw; 4, 5 upgraded (each closes the oldest raw one at accept);
    # 6, 7 raw (close 2 and 3); 8 raw closes 4, upgraded before 6 and 7
    # were accepted; 9, a console page, closes 5; the last client closes 6
    run -0 slots Arrrruurrrh! 7
    [ "$output" = '{"SV_AUTH_RSP":{"role":"admin","st":1,"user":"boss"}}
{"SV_AUTH_RSP":{"role":"admin","st":1,"user":"boss"}}
{"KV_COUNT_RSP":{"cnt":0,"st":1}}
closed: 0 1 2 3 4 5 6
{"KV_COUNT_RSP":{"cnt":0,"st":1}}' ]
    grep -q '^ndb: info: closing the oldest connection not established (from 127\.0\.0\.1, not logged in) to make room: maxPendingConnections (4) reached$' "$NDB_LOG"
    ! grep -q 'refused' "$NDB_LOG"
}

@test "a connection whose login is being checked is never chosen" {
    # it is about to be established: closing it would throw the check away
    start_server --config "$USERS_JSON" --max-connections 10 --max-pending 2 --log-level debug
    run -0 slots Srrr 2
    [ "$output" = 'closed: 1 2
{"SV_AUTH_RSP":{"role":"read","st":1,"user":"slow"}}' ]
}

@test "with every slot taken by clients that logged in, a newcomer still closes the oldest not established" {
    # maxConnections is reached before the share: logged-in clients keep theirs
    start_server --config "$USERS_JSON" --max-connections 4 --max-pending 4 --handshake-timeout 60
    run -0 slots AAArrr! 3
    [ "$output" = '{"SV_AUTH_RSP":{"role":"admin","st":1,"user":"boss"}}
{"SV_AUTH_RSP":{"role":"admin","st":1,"user":"boss"}}
{"SV_AUTH_RSP":{"role":"admin","st":1,"user":"boss"}}
{"SV_AUTH_RSP":{"role":"admin","st":1,"user":"boss"}}
{"KV_COUNT_RSP":{"cnt":0,"st":1}}
closed: 0 1 2
{"KV_COUNT_RSP":{"cnt":0,"st":1}}' ]
    grep -q '^ndb: info: closing the oldest connection not established (from 127\.0\.0\.1, in its handshake) to make room: maxConnections (4) reached$' "$NDB_LOG"
}

@test "closes to make room do not flood the log" {
    start_server --max-connections 20 --max-pending 10 --handshake-timeout 60
    run -0 slots "$(printf 'r%.0s' $(seq 1 200))" 190
    [ "$output" = "closed: $(seq -s ' ' 0 189)" ]
    bounded_lines_add_up 190 info '^ndb: info: closing the oldest connection not established (from 127\.0\.0\.1, in its handshake) to make room: maxPendingConnections (10) reached$' \
        closed 'connections\{0,1\} not established to make room'
}

@test "maxPendingConnections: its default, bounds and bad values" {
    start_server --max-connections 7
    grep -q '^ndb: info: limits: maxConnections 7, maxPendingConnections 0 (half of maxConnections), ' "$NDB_LOG"
    stop_server
    local v
    for v in -1 x 1000001 1.5; do
        run -1 "$NDB" serve --port 0 --max-pending "$v"
        [ "${lines[0]}" = "ndb serve: --max-pending: '$v' must be an integer from 0 to 1000000" ]
    done
    local cfg="$BATS_TEST_TMPDIR/ndb.jsonc"
    echo '{"version": 5, "limits": {"maxPendingConnections": "3"}}' >"$cfg"
    run -1 "$NDB" serve --port 0 --config "$cfg"
    [[ "$output" == *"'limits.maxPendingConnections' must be an integer from 0 to 1000000"* ]]
    echo '{"version": 5, "limits": {"maxPendingConnections": 3}}' >"$cfg"
    start_server --config "$cfg"
    grep -q ', maxPendingConnections 3, ' "$NDB_LOG"
    run "$NDB" serve --help
    [[ "$output" == *"--max-pending N"* ]]
}
