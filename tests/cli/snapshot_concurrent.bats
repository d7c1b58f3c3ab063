#!/usr/bin/env bats
# Saves and loads of one dataset from several connections at once
# (docs/protocol.md 3.13, 4.5, 6.3, 6.5): a save of the other kind while
# one is being written, loads while a save completes and its retention
# removes the snapshot the load was reading, a save that outlasts its
# client's timeout, and saves failing on a full disk.

load helpers
bats_require_minimum_version 1.5.0

: "${NDB_FAULT_SHIM:=$BATS_TEST_DIRNAME/../../build/libndb_fault_shim.so}"

setup() {
    P="$BATS_TEST_TMPDIR/data"
    mkdir -p "$P"
    HOLD="$BATS_TEST_TMPDIR/hold"
}
teardown() {
    rm -f "$HOLD" "${PROBE:-$HOLD}"
    stop_server
    if [ -n "${OTHER_PID:-}" ]; then NDB_PID=$OTHER_PID stop_server; fi
}

# start_holding TEXT ARGS...: start the server under the fault shim; while
# $HOLD exists, every fsync of a file whose path contains TEXT waits (a save
# of the dataset stays in the middle of its writing)
start_holding() {
    [ -f "$NDB_FAULT_SHIM" ] || skip "no fault shim at $NDB_FAULT_SHIM"
    local text=$1
    shift
    LD_PRELOAD="$NDB_FAULT_SHIM" NDB_FAULT_FILE="$HOLD" NDB_FAULT_PATH="$text" NDB_FAULT_OPS=fsync \
        NDB_FAULT_HOLD=1 ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" start_server "$@"
}

# start_failing TEXT ARGS...: the server under the fault shim; while $HOLD
# exists, writes and fsyncs of files whose path contains TEXT fail with
# ENOSPC (a full disk)
start_failing() {
    [ -f "$NDB_FAULT_SHIM" ] || skip "no fault shim at $NDB_FAULT_SHIM"
    local text=$1
    shift
    LD_PRELOAD="$NDB_FAULT_SHIM" NDB_FAULT_FILE="$HOLD" NDB_FAULT_PATH="$text" NDB_FAULT_ERRNO=28 \
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" start_server "$@"
}

# wait_pending DATASET: until a save of DATASET has made its snapshot directory
wait_pending() {
    local i
    for i in $(seq 1 200); do
        compgen -G "$P/$1/[0-9]*" >/dev/null && return 0
        sleep 0.05
    done
    echo "no save of $1 started" >&2
    return 1
}

@test "a save of the other kind while a save of the dataset is written: 42, the dataset keeps one kind" {
    touch "$HOLD"
    start_holding "$P/" --persist-path "$P"
    "$NDB" set a 1 >/dev/null
    "$NDB" --timeout 60 send '{"KV_SAVE":{"name":"mix"}}' >"$BATS_TEST_TMPDIR/first" &
    local first=$!
    wait_pending mix
    # another connection: sessions into the dataset being saved with keys
    req '{"SH_SAVE":{"name":"mix"}}' '{"SH_SAVE_RSP":{"m":"dataset is being saved with keys (saveDataType 0): save sessions under another name","name":"mix","st":42,"tkn":null}}'
    # keys again are fine: that save waits for the first one
    "$NDB" --timeout 60 send '{"KV_SAVE":{"name":"mix"}}' >"$BATS_TEST_TMPDIR/second" &
    local second=$!
    sleep 0.2
    rm "$HOLD"
    wait "$first"
    wait "$second"
    [[ "$(cat "$BATS_TEST_TMPDIR/first")" == '{"KV_SAVE_RSP":{"duration":'*',"name":"mix","st":121}}' ]]
    [[ "$(cat "$BATS_TEST_TMPDIR/second")" == '{"KV_SAVE_RSP":{"duration":'*',"name":"mix","st":121}}' ]]
    [ "$(cat "$P"/mix/*/md/md.json | grep -o '"saveDataType":0,' | wc -l)" -eq 2 ]
    [ "$(ls "$P/mix" | wc -l)" -eq 2 ]
    run "$NDB" load mix
    [ "$status" -eq 0 ] && [[ "$output" == '{"duration":'*',"keys":1,"name":"mix","sessions":0}' ]]
    # and the other way round, from the CLI: exit 3 with the reason
    touch "$HOLD"
    "$NDB" session new >/dev/null
    "$NDB" --timeout 60 session save web >"$BATS_TEST_TMPDIR/third" &
    local third=$!
    wait_pending web
    run "$NDB" save web
    rm "$HOLD"
    wait "$third"
    [ "$status" -eq 3 ]
    [ "$output" = 'ndb: ValueSize (42): dataset "web" is being saved with sessions (saveDataType 1): save keys under another name' ]
    [[ "$(cat "$BATS_TEST_TMPDIR/third")" == '{"duration":'*',"name":"web"}' ]]
}

@test "a save waiting for another applies due expiry at its fork: a session or key that expired meanwhile is not written" {
    touch "$HOLD"
    start_holding "/first/" --persist-path "$P"
    "$NDB" set a 1 >/dev/null
    "$NDB" --timeout 60 save first >"$BATS_TEST_TMPDIR/first" &
    local first=$!
    wait_pending first
    local otp keep start
    "$NDB" set --ttl 1 code 7 >/dev/null
    otp=$("$NDB" session new --ttl 1 --delete)
    keep=$("$NDB" session new --ttl 1)
    "$NDB" set --session "$otp" otp 123456 >/dev/null
    "$NDB" set --session "$keep" cart '[1]' >/dev/null
    start=$(date +%s%N)
    # asked for while all of them live; both wait for the first save
    "$NDB" --timeout 60 session save web >"$BATS_TEST_TMPDIR/web" &
    local web=$!
    "$NDB" --timeout 60 save kv >"$BATS_TEST_TMPDIR/kv" &
    local kv=$!
    # let go of the first save just past the deadlines: the expiry timer
    # (once a second) has most likely not run yet when the others fork
    while [ $(($(date +%s%N) - start)) -lt 1050000000 ]; do sleep 0.01; done
    rm "$HOLD"
    wait "$first" "$web" "$kv"
    [[ "$(cat "$BATS_TEST_TMPDIR/web")" == '{"duration":'*',"name":"web"}' ]]
    [[ "$(cat "$BATS_TEST_TMPDIR/kv")" == '{"duration":'*',"name":"kv"}' ]]
    # the session that ends at its deadline is not in the snapshot; the one
    # that lives on is, emptied; the expired key is not either
    [ "$(cat "$P"/web/*/data/0)" = '[{"keys":{},"sh":{"expiry":{"deleteSession":false,"duration":1,"extendOnGet":false,"extendOnSetAdd":false},"shared":false,"tkn":'"$keep"'}}]' ]
    [ "$(cat "$P"/kv/*/data/0)" = '{ "keys":{"a":1}}' ]
    # so a load brings no expired one-time password back
    run "$NDB" session load web
    [ "$status" -eq 0 ] && [ "$output" = '{"keys":0,"name":"web","sessions":0}' ]
    run "$NDB" session exists "$otp"
    [ "$status" -eq 1 ] && [ "$output" = "" ]
}

@test "loads while saves of the dataset complete (keepSnapshots 1): every load reads a complete snapshot, none fails" {
    start_server --persist-path "$P" --keep-snapshots 1 --max-payload 33554432
    # 12,000 keys of 1 kB: two data files, so a load opens files while the
    # retention of a save that just completed removes its snapshot
    python3 -c 'import json; print(json.dumps({"k%d" % i: "x" * 1000 for i in range(12000)}))' | "$NDB" set -
    "$NDB" save big >/dev/null
    local saves=() i
    for i in $(seq 1 15); do saves+=('{"KV_SAVE":{"name":"big"}}'); done
    "$NDB" --timeout 120 send "${saves[@]}" >"$BATS_TEST_TMPDIR/saves" &
    local saver=$!
    local fails=0 loads=0
    while kill -0 "$saver" 2>/dev/null && [ "$loads" -lt 200 ]; do
        run "$NDB" --timeout 60 load big
        loads=$((loads + 1))
        if [ "$status" -ne 0 ] || [[ "$output" != '{"duration":'*',"keys":12000,"name":"big","sessions":0}' ]]; then
            echo "load $loads: $output" >&2
            fails=$((fails + 1))
        fi
    done
    wait "$saver"
    [ "$(grep -c '"st":121' "$BATS_TEST_TMPDIR/saves")" -eq 15 ]
    [ "$loads" -ge 3 ]
    [ "$fails" -eq 0 ]
}

@test "a save that outlasts the client's --timeout: exit 2 saying the save goes on; it completes" {
    touch "$HOLD"
    start_holding "$P/" --persist-path "$P"
    "$NDB" set a 1 >/dev/null
    run "$NDB" --timeout 0.5 save slow
    [ "$status" -eq 2 ]
    [ "$output" = "ndb: no answer from $NDB_URL: timed out after 0.5 s; the save goes on in the server (--timeout 0 waits for it)" ]
    run "$NDB" --timeout 0.5 session save slow2
    [ "$status" -eq 2 ]
    [[ "$output" == *"; the save goes on in the server (--timeout 0 waits for it)" ]]
    rm "$HOLD"
    # the first save completes without its client; a load waits for nothing
    local i
    for i in $(seq 1 100); do
        grep -q "saved 'slow' to" "$NDB_LOG" && break
        sleep 0.05
    done
    run "$NDB" load slow
    [ "$status" -eq 0 ] && [[ "$output" == '{"duration":'*',"keys":1,"name":"slow","sessions":0}' ]]
    # other requests that time out get no such hint
    run "$NDB" --timeout 0.000001 get a
    [[ "$output" != *"save goes on"* ]]
}

@test "a save that cannot create its snapshot (disk full: 122) leaves no directory behind" {
    touch "$HOLD"
    start_failing "$P/full" --persist-path "$P"
    "$NDB" set a 1 >/dev/null
    local i
    for i in 1 2 3; do
        run "$NDB" send '{"KV_SAVE":{"name":"full"}}'
        [[ "$output" =~ ^\{\"KV_SAVE_RSP\":\{\"m\":\"cannot\ create\ snapshot\ directory\ $P/full/[0-9]+:\ No\ space\ left\ on\ device\",\"name\":\"full\",\"st\":122\}\}$ ]]
    done
    [ -z "$(ls "$P/full")" ]
    rm "$HOLD"
    run "$NDB" save full
    [ "$status" -eq 0 ]
    [ "$(ls "$P/full" | wc -l)" -eq 1 ]
    run "$NDB" load full
    [ "$status" -eq 0 ] && [[ "$output" == '{"duration":'*',"keys":1,"name":"full","sessions":0}' ]]
    ! grep -q "skipping snapshot" "$NDB_LOG"
}

@test "SIGTERM while saves are written or wait: each client gets its answer (123), then the close frame 1000" {
    touch "$HOLD"
    start_holding "$P/" --persist-path "$P"
    "$NDB" set a 1 >/dev/null
    "$NDB" --timeout 30 save ds >"$BATS_TEST_TMPDIR/first.out" 2>"$BATS_TEST_TMPDIR/first.err" &
    local first=$!
    wait_pending ds
    "$NDB" --timeout 30 send '{"KV_SAVE":{"name":"later"}}' '{"KV_COUNT":{}}' >"$BATS_TEST_TMPDIR/second.out" \
        2>"$BATS_TEST_TMPDIR/second.err" &
    local second=$!
    sleep 0.3
    stop_server
    local rc=0
    wait "$first" || rc=$?
    [ "$rc" -eq 3 ]
    [ "$(cat "$BATS_TEST_TMPDIR/first.err")" = "ndb: SaveError (123): the server shut down before the snapshot was complete" ]
    rc=0
    wait "$second" || rc=$?
    [ "$rc" -eq 2 ] # the KV_COUNT behind the save is not answered: the server closed
    [ "$(cat "$BATS_TEST_TMPDIR/second.out")" = '{"KV_SAVE_RSP":{"duration":0,"m":"the server shut down before the snapshot started","name":"later","st":123}}' ]
    [[ "$(cat "$BATS_TEST_TMPDIR/second.err")" == *"(1000: server shutting down)" ]]
    grep -q "save of 'ds' failed: the server shut down before the snapshot was complete" "$NDB_LOG"
}

@test "SIGTERM while a save is written, on libwebsockets' path (NDB_TRANSPORT=lws, as TLS connections take): the answer 123, then 1000" {
    # that path closed each connection at once, dropping the queued answer
    export NDB_TRANSPORT=lws
    touch "$HOLD"
    start_holding "$P/" --persist-path "$P"
    grep -q 'transport: NDB_TRANSPORT=lws' "$NDB_LOG"
    "$NDB" set a 1 >/dev/null
    "$NDB" --timeout 30 save ds >"$BATS_TEST_TMPDIR/first.out" 2>"$BATS_TEST_TMPDIR/first.err" &
    local first=$!
    wait_pending ds
    "$NDB" --timeout 30 send '{"KV_SAVE":{"name":"later"}}' '{"KV_COUNT":{}}' >"$BATS_TEST_TMPDIR/second.out" \
        2>"$BATS_TEST_TMPDIR/second.err" &
    local second=$!
    sleep 0.3
    stop_server
    local rc=0
    wait "$first" || rc=$?
    [ "$rc" -eq 3 ]
    [ "$(cat "$BATS_TEST_TMPDIR/first.err")" = "ndb: SaveError (123): the server shut down before the snapshot was complete" ]
    rc=0
    wait "$second" || rc=$?
    [ "$rc" -eq 2 ] # the KV_COUNT behind the save is not run: the server closed
    [[ "$(cat "$BATS_TEST_TMPDIR/second.err")" == *"(1000: server shutting down)" ]]
    [ "$(cat "$BATS_TEST_TMPDIR/second.out")" = '{"KV_SAVE_RSP":{"duration":0,"m":"the server shut down before the snapshot started","name":"later","st":123}}' ]
    grep -q "save of 'ds' failed: the server shut down before the snapshot was complete" "$NDB_LOG"
}

@test "SIGTERM over TLS (wss://): the saving client gets its 123 before the close frame 1000 too" {
    command -v openssl >/dev/null || skip "the openssl command is not installed"
    local d="$BATS_TEST_TMPDIR"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/key.pem" -out "$d/cert.pem" \
        -days 2 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null
    touch "$HOLD"
    start_holding "$P/" --persist-path "$P" --tls-cert "$d/cert.pem" --tls-key "$d/key.pem"
    export NDB_CACERT="$d/cert.pem"
    "$NDB" set a 1 >/dev/null
    "$NDB" --timeout 30 send '{"KV_SAVE":{"name":"ds"}}' '{"KV_COUNT":{}}' >"$d/save.out" 2>"$d/save.err" &
    local saver=$!
    wait_pending ds
    sleep 0.3
    stop_server
    local rc=0
    wait "$saver" || rc=$?
    [ "$rc" -eq 2 ] # the KV_COUNT behind the save is not answered: the server closed
    [[ "$(cat "$d/save.out")" =~ ^\{\"KV_SAVE_RSP\":\{\"duration\":[0-9]+,\"m\":\"the\ server\ shut\ down\ before\ the\ snapshot\ was\ complete\",\"name\":\"ds\",\"st\":123\}\}$ ]]
    [[ "$(cat "$d/save.err")" == *"(1000: server shutting down)" ]]
}

@test "two servers saving into one persist path: one's retention leaves the other's save in progress alone" {
    # without a journal nothing locks the persist path: two servers may
    # share it (the default ./data); each save's retention removes the
    # dataset's incomplete snapshots older than a complete one, debris of a
    # crash -- but not one that the other server is still writing
    touch "$HOLD"
    start_holding "$P/users/" --persist-path "$P"
    OTHER_PID=$NDB_PID
    local a_url=$NDB_URL
    "$NDB" set a 1 >/dev/null
    "$NDB" --timeout 60 send '{"KV_SAVE":{"name":"users"}}' >"$BATS_TEST_TMPDIR/a.out" 2>&1 &
    local apid=$!
    wait_pending users
    start_server --persist-path "$P"
    "$NDB" set b 2 >/dev/null
    run "$NDB" send '{"KV_SAVE":{"name":"users"}}'
    [[ "$output" =~ ^\{\"KV_SAVE_RSP\":\{\"duration\":[0-9]+,\"name\":\"users\",\"st\":121\}\}$ ]]
    rm "$HOLD"
    wait "$apid"
    [[ "$(cat "$BATS_TEST_TMPDIR/a.out")" =~ ^\{\"KV_SAVE_RSP\":\{\"duration\":[0-9]+,\"name\":\"users\",\"st\":121\}\}$ ]]
    [ "$(grep -l '"status":1' "$P"/users/*/md/md.json | wc -l)" -eq 2 ]
    # the older snapshot, A's, loads once the newer one is moved away
    mv "$(ls -d "$P"/users/*/ | sort | tail -n 1)" "$BATS_TEST_TMPDIR/b-snapshot"
    run "$NDB" --url "$a_url" send '{"KV_LOAD":{"name":"users"}}' '{"KV_GET":{"keys":["a"]}}'
    [[ "${lines[0]}" =~ ^\{\"KV_LOAD_RSP\":\{\"duration\":[0-9]+,\"keys\":1,\"name\":\"users\",\"sessions\":0,\"st\":141\}\}$ ]]
    [ "${lines[1]}" = '{"KV_GET_RSP":{"keys":{"a":1},"st":1}}' ]
}

# start_probe_held TEXT ARGS...: start the server under the fault shim;
# while $PROBE exists, a flock of a directory whose path contains TEXT
# waits (a retention of this server stays between its look at that
# snapshot's metadata and the probe of its lock)
start_probe_held() {
    [ -f "$NDB_FAULT_SHIM" ] || skip "no fault shim at $NDB_FAULT_SHIM"
    local text=$1
    shift
    LD_PRELOAD="$NDB_FAULT_SHIM" NDB_FAULT_FILE="$PROBE" NDB_FAULT_PATH="$text" NDB_FAULT_OPS=flock \
        NDB_FAULT_HOLD=1 ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" start_server "$@"
}

@test "two servers saving into one persist path: a save that completes while the other's retention looks at it is kept" {
    # retention reads an older snapshot's metadata (incomplete: B still
    # writes it), then probes its lock; B's save completing in between
    # (metadata written, lock released) was removed as a crashed save's
    # debris, after B had answered it saved
    touch "$HOLD"
    start_holding "$P/users/" --persist-path "$P"
    OTHER_PID=$NDB_PID
    "$NDB" set b 1 >/dev/null
    "$NDB" --timeout 60 send '{"KV_SAVE":{"name":"users"}}' >"$BATS_TEST_TMPDIR/b.out" 2>&1 &
    local bpid=$!
    wait_pending users
    local bdir
    bdir=$(basename "$(ls -d "$P"/users/[0-9]*)")
    PROBE="$BATS_TEST_TMPDIR/probe"
    touch "$PROBE"
    start_probe_held "/users/$bdir" --persist-path "$P"
    "$NDB" set a 2 >/dev/null
    "$NDB" --timeout 60 send '{"KV_SAVE":{"name":"users"}}' >"$BATS_TEST_TMPDIR/a.out" 2>&1 &
    local apid=$!
    # A's snapshot is complete: its retention is at the probe of B's lock
    local i
    for i in $(seq 1 200); do
        [ "$(grep -l '"status":1' "$P"/users/*/md/md.json 2>/dev/null | wc -l)" -eq 1 ] && break
        sleep 0.05
    done
    sleep 0.3
    rm "$HOLD"
    wait "$bpid"
    [[ "$(cat "$BATS_TEST_TMPDIR/b.out")" =~ ^\{\"KV_SAVE_RSP\":\{\"duration\":[0-9]+,\"name\":\"users\",\"st\":121\}\}$ ]]
    rm "$PROBE"
    wait "$apid"
    [[ "$(cat "$BATS_TEST_TMPDIR/a.out")" =~ ^\{\"KV_SAVE_RSP\":\{\"duration\":[0-9]+,\"name\":\"users\",\"st\":121\}\}$ ]]
    # both saves answered 121, and both snapshots are there (keepSnapshots 3)
    [ -d "$P/users/$bdir" ]
    [ "$(grep -l '"status":1' "$P"/users/*/md/md.json | wc -l)" -eq 2 ]
}

@test "a load of a dataset whose only snapshot a save is still writing: 142 says a save is writing it, not a missing file" {
    touch "$HOLD"
    start_holding "$P/" --persist-path "$P"
    "$NDB" set a 1 >/dev/null
    "$NDB" --timeout 60 send '{"KV_SAVE":{"name":"busy"}}' >"$BATS_TEST_TMPDIR/save" &
    local save=$!
    wait_pending busy
    local snap
    snap=$(basename "$(ls -d "$P"/busy/[0-9]*)")
    req '{"KV_LOAD":{"name":"busy"}}' "{\"KV_LOAD_RSP\":{\"m\":\"dataset 'busy' has no complete snapshot (the newest, $snap, was skipped: a save is writing it now; load it once that save is answered)\",\"name\":\"busy\",\"st\":142}}"
    rm "$HOLD"
    wait "$save"
    [[ "$(cat "$BATS_TEST_TMPDIR/save")" == '{"KV_SAVE_RSP":{"duration":'*',"name":"busy","st":121}}' ]]
    run "$NDB" load busy
    [ "$status" -eq 0 ] && [[ "$output" == '{"duration":'*',"keys":1,"name":"busy","sessions":0}' ]]
}
