#!/usr/bin/env bats
# Durability (issue 15): the journal and recovery after kill -9, a session
# that expired while the server was down, torn tails, damage, `ndb journal
# check|repair`, status 124 while the journal or a snapshot cannot be
# written (faults injected with tests/durability/fault_shim.c), background
# saves and their order, retention, the save schedule and the final save,
# compaction, SV_INFO's "persistence".

load helpers
bats_require_minimum_version 1.5.0

: "${NDB_FAULT_SHIM:=$BATS_TEST_DIRNAME/../../build/libndb_fault_shim.so}"

setup() {
    P="$BATS_TEST_TMPDIR/data"
    J="$P/@ndb/journal"
    mkdir -p "$P"
}
teardown() {
    stop_server
    if [ -n "${OTHER_PID:-}" ]; then NDB_PID=$OTHER_PID stop_server; fi
}

# crash: kill -9 the server (no shutdown code runs)
crash() {
    kill -KILL "$NDB_PID"
    wait "$NDB_PID" 2>/dev/null || true
    NDB_PID=
}

# gen N: journal file name of generation N
gen() { printf '%s/%020d.jnl' "$J" "$1"; }

# crash_in_snapshot_2 AFTER BEFORE...: a journaling server with a save
# schedule; the KV_SETs of the key objects BEFORE, one request each; then a
# crash while the compaction's snapshot of generation 2 is written (held in
# its writes), after the KV_SET of AFTER went to journal file 2.  Leaves
# journal files 1 and 2, snapshot 2 not complete.
crash_in_snapshot_2() {
    local after=$1 keys i
    shift
    export NDB_FAULT_PATH=/@ndb/snapshots/ NDB_FAULT_OPS=write NDB_FAULT_HOLD=1
    start_faulty --persist-path "$P" --journal always --save "1 1"
    unset NDB_FAULT_PATH NDB_FAULT_OPS NDB_FAULT_HOLD
    for keys in "$@"; do req "{\"KV_SET\":{\"keys\":$keys}}" '{"KV_SET_RSP":{"st":1}}'; done
    touch "$BATS_TEST_TMPDIR/fault"
    for i in $(seq 1 400); do
        [ -e "$P/@ndb/snapshots/00000000000000000002/journal" ] && break
        sleep 0.05
    done
    req "{\"KV_SET\":{\"keys\":$after}}" '{"KV_SET_RSP":{"st":1}}'
    crash
    rm "$BATS_TEST_TMPDIR/fault"
}

# starts_agree_on_a_and_c V: on the repaired path a server acknowledges
# c=V; `ndb journal check` then passes, and the next start holds a and c
starts_agree_on_a_and_c() {
    start_server --persist-path "$P" --journal always
    req "{\"KV_SET\":{\"keys\":{\"c\":$1}}}" '{"KV_SET_RSP":{"st":1}}'
    stop_server
    run "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 0 ]
    start_server --persist-path "$P" --journal always
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["a","c"],"st":1}}'
}

# journal_bytes: SV_INFO's persistence.journalBytes (the records' bytes, not the reserved space)
journal_bytes() { "$NDB" info | grep -o '"journalBytes":[0-9]*' | cut -d: -f2; }

# zeros_line N: what `ndb journal check` says of N bytes of zeros after the last record
zeros_line() {
    printf 'zeros after the last record: %s bytes (space reserved under journal always, or writes a power loss kept from the disk; a start-up cuts them off)' "$1"
}

@test "journal always: every acknowledged write survives kill -9, values and order exact" {
    start_server --persist-path "$P" --journal always
    grep -q "recovery: no journal or automatic snapshot yet: starting empty" "$NDB_LOG"
    grep -q "journal: always, file $(gen 1)" "$NDB_LOG"
    req '{"KV_SET":{"keys":{"z":1,"f":0.10,"big":18446744073709551616,"s":"h\u00e9 \"q\"","o":{"b":1,"a":[1,{}]}}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_UPDATE":{"key":"o","path":"$.a[0]","value":2.50}}' '{"KV_UPDATE_RSP":{"cnt":1,"st":1}}'
    req '{"KV_ARR_APPEND":{"key":"o","name":"a","items":[3]}}' '{"KV_ARR_APPEND_RSP":{"st":1}}'
    req '{"KV_RMV":{"keys":["z"]}}' '{"KV_RMV_RSP":{"st":1}}'
    req '{"KV_SET":{"keys":{"z":"back"}}}' '{"KV_SET_RSP":{"st":1}}'
    local t
    t=$("$NDB" send '{"SH_NEW":{"expiry":{"duration":3600,"extendOnGet":true}}}' | grep -o '"tkn":[0-9]*' | cut -d: -f2)
    req "{\"SH_SET\":{\"tkn\":$t,\"keys\":{\"u\":\"billy\"}}}" '{"SH_SET_RSP":{"st":1}}'
    local keys before
    keys='{"KV_KEYS":{}}'
    before=$("$NDB" send "$keys" '{"KV_GET":{"keys":["z","f","big","s","o"]}}')
    crash
    start_server --persist-path "$P" --journal always
    grep -q "recovered 5 keys and 1 session in [0-9]* ms from no automatic snapshot and 1 journal file (11 records, [0-9]* bytes, [0-9]* ms)" "$NDB_LOG"
    [ "$("$NDB" send "$keys" '{"KV_GET":{"keys":["z","f","big","s","o"]}}')" = "$before" ]
    req "{\"SH_GET\":{\"tkn\":$t,\"keys\":[\"u\"]}}" '{"SH_GET_RSP":{"keys":{"u":"billy"},"st":1}}'
    run "$NDB" send "{\"SH_INFO\":{\"tkn\":$t}}"
    [[ "$output" =~ \"duration\":3600,\"extendOnGet\":true,\"extendOnSetAdd\":false,\"remaining\":(3599|3600)\} ]]
    # a new journal file per start; the old one is replayed too
    [ -f "$(gen 1)" ] && [ -f "$(gen 2)" ]
}

@test "journal everysec and no: a process crash loses no acknowledged write" {
    local p
    for p in everysec no; do
        rm -rf "$P" && mkdir -p "$P"
        start_server --persist-path "$P" --journal $p
        req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
        req '{"KV_CLEAR_SET":{"keys":{"b":2}}}' '{"KV_CLEAR_SET_RSP":{"cnt":1,"st":1}}'
        crash
        start_server --persist-path "$P" --journal $p
        req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["b"],"st":1}}'
        stop_server
    done
}

@test "key TTLs, KV_INCR, KV_CAS, SH_INCR and SH_EXPIRE survive kill -9, through the journal and a compaction" {
    start_server --persist-path "$P" --journal always --compact-min 64K
    req '{"KV_SET":{"keys":{"otp":"1","n":5,"lock":"me","plain":0},"ttl":1000}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_SET":{"keys":{"plain":0}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_INCR":{"keys":{"n":2}}}' '{"KV_INCR_RSP":{"keys":{"n":7},"st":1}}'
    req '{"KV_CAS":{"key":"lock","expect":"me","value":"you","ttl":500}}' '{"KV_CAS_RSP":{"ok":true,"st":1}}'
    req '{"KV_EXPIRE":{"keys":{"otp":2000}}}' '{"KV_EXPIRE_RSP":{"keys":{"otp":true},"st":1}}'
    local t
    t=$("$NDB" send '{"SH_NEW":{}}' | grep -o '"tkn":[0-9]*' | cut -d: -f2)
    req "{\"SH_INCR\":{\"tkn\":$t,\"keys\":{\"v\":3}}}" '{"SH_INCR_RSP":{"keys":{"v":3},"st":1}}'
    req "{\"SH_EXPIRE\":{\"tkn\":$t,\"expiry\":{\"duration\":600,\"deleteSession\":true}}}" "{\"SH_EXPIRE_RSP\":{\"st\":1,\"tkn\":$t}}"
    local i
    for i in 1 2; do
        crash
        start_server --persist-path "$P" --journal always --compact-min 64K
        req '{"KV_GET":{"keys":["otp","n","lock","plain"]}}' '{"KV_GET_RSP":{"keys":{"otp":"1","n":7,"lock":"you","plain":0},"st":1}}'
        run "$NDB" send '{"KV_TTL":{"keys":["otp","n","lock","plain"]}}'
        [[ "$output" =~ ^\{\"KV_TTL_RSP\":\{\"keys\":\{\"otp\":199[0-9](\.[0-9]+)?,\"n\":99[0-9](\.[0-9]+)?,\"lock\":49[0-9](\.[0-9]+)?,\"plain\":null\},\"st\":1\}\}$ ]]
        req "{\"SH_GET\":{\"tkn\":$t,\"keys\":[\"v\"]}}" '{"SH_GET_RSP":{"keys":{"v":3},"st":1}}'
        run "$NDB" send "{\"SH_INFO\":{\"tkn\":$t}}"
        [[ "$output" =~ \"expiry\":\{\"deleteSession\":true,\"duration\":600,\"extendOnGet\":false,\"extendOnSetAdd\":false,\"remaining\":59[0-9]\} ]]
        [ "$i" = 2 ] && break
        # second round: the same state from an automatic snapshot instead of the journal
        python3 -c '
for i in range(300):
    print("{\"KV_SET\":{\"keys\":{\"k%03d\":\"%s\"}}}" % (i, "v" * 300))' | "$NDB" send >/dev/null
        wait_log "bytes; compaction)"
    done
    grep -q "from automatic snapshot" "$NDB_LOG"
}

# step_clock SECONDS: from now on the wall clock of a server started by
# start_stepped is SECONDS (may be negative) off the real one; written
# aside and renamed, so that the server never reads a half-written file
step_clock() {
    echo "$1" >"$BATS_TEST_TMPDIR/step.new"
    mv "$BATS_TEST_TMPDIR/step.new" "$BATS_TEST_TMPDIR/step"
}

# start_stepped SECONDS OPTIONS...: start the server under the fault shim
# (start_faulty, below; no fault is on) with its wall clock SECONDS off the
# real one while $BATS_TEST_TMPDIR/step exists (step_clock, or rm, steps the
# clock of the running server)
start_stepped() {
    step_clock "$1"
    shift
    export NDB_CLOCK_STEP_FILE="$BATS_TEST_TMPDIR/step"
    start_faulty "$@"
    unset NDB_CLOCK_STEP_FILE
}

@test "a wall clock stepped while the server runs: after kill -9, deadlines are the time they had left, not moved by the step" {
    # the server starts with its wall clock a day behind (a machine that
    # boots before NTP has set its clock), which is then set right
    start_stepped -86400 --persist-path "$P" --journal always
    req '{"KV_SET":{"keys":{"before":1},"ttl":3600}}' '{"KV_SET_RSP":{"st":1}}'
    local t
    t=$("$NDB" send '{"SH_NEW":{"expiry":{"duration":3600,"deleteSession":true}}}' | grep -o '"tkn":[0-9]*' | cut -d: -f2)
    rm "$BATS_TEST_TMPDIR/step"
    req '{"KV_SET":{"keys":{"after":1},"ttl":3600}}' '{"KV_SET_RSP":{"st":1}}'
    grep -qF "warn: the wall clock moved +86400.000 s against the monotonic clock: keys and sessions keep the time they had left, and their deadlines are written by the new wall clock from now on (the journal is compacted into a snapshot that writes them all anew)" "$NDB_LOG"
    wait_log "bytes; compaction: the wall clock was stepped)"
    crash
    start_server --persist-path "$P" --journal always
    run "$NDB" send '{"KV_TTL":{"keys":["before","after"]}}'
    [[ "$output" =~ ^\{\"KV_TTL_RSP\":\{\"keys\":\{\"before\":35[0-9][0-9](\.[0-9]+)?,\"after\":35[0-9][0-9](\.[0-9]+)?\},\"st\":1\}\}$ ]]
    run "$NDB" send "{\"SH_INFO\":{\"tkn\":$t}}"
    [[ "$output" =~ \"expiry\":\{\"deleteSession\":true,\"duration\":3600,\"extendOnGet\":false,\"extendOnSetAdd\":false,\"remaining\":35[0-9][0-9]\} ]]
}

@test "a wall clock stepped back: SV_INFO's uptime is the time since start-up, not a wrapped-around count" {
    start_stepped 0 --persist-path "$P"
    step_clock -3600
    run "$NDB" send '{"SV_INFO":{}}'
    [[ "$output" =~ \"uptime\":[0-9]{1,3}\}\}$ ]]
    step_clock 3600
    run "$NDB" send '{"SV_INFO":{}}'
    [[ "$output" =~ \"uptime\":[0-9]{1,3}\}\}$ ]]
    grep -qF "warn: the wall clock moved +7200.000 s against the monotonic clock" "$NDB_LOG"
}

# hour_made: set the key k and make a session, both with an hour to live;
# prints the session's token
hour_made() {
    "$NDB" send '{"KV_SET":{"keys":{"k":1},"ttl":3600}}' | grep -qxF '{"KV_SET_RSP":{"st":1}}' || return 1
    "$NDB" send '{"SH_NEW":{"expiry":{"duration":3600,"deleteSession":true}}}' | grep -o '"tkn":[0-9]*' | cut -d: -f2
}

# hour_left KEY TKN: the key and the session, made with an hour to live a
# few seconds ago (hour_made), have between 3500 and 3599 s left
hour_left() {
    run "$NDB" send "{\"KV_TTL\":{\"keys\":[\"$1\"]}}"
    [[ "$output" =~ ^\{\"KV_TTL_RSP\":\{\"keys\":\{\"$1\":35[0-9][0-9](\.[0-9]+)?\},\"st\":1\}\}$ ]]
    run "$NDB" send "{\"SH_INFO\":{\"tkn\":$2}}"
    [[ "$output" =~ \"remaining\":35[0-9][0-9]\} ]]
}

@test "a wall clock stepped under a save schedule without a journal: a snapshot writes the deadlines anew, which a restart reads" {
    # the last snapshot of the schedule held the deadlines by the clock a
    # day behind, and with no change since, neither the schedule nor the
    # shutdown saved again: after the restart the key and the session were
    # "expired while the server was down"
    start_stepped -86400 --persist-path "$P" --save "1 1"
    local t
    t=$(hour_made)
    wait_log "bytes; save schedule)"
    rm "$BATS_TEST_TMPDIR/step"
    wait_log "bytes; snapshot: the wall clock was stepped)"
    grep -qF "warn: the wall clock moved +86400.000 s against the monotonic clock: keys and sessions keep the time they had left, and their deadlines are written by the new wall clock from now on (an automatic snapshot writes them all anew)" "$NDB_LOG"
    stop_server
    start_server --persist-path "$P" --save "1 1"
    hour_left k "$t"
}

# exits_0: wait for the server, already told to stop, to end; its exit
# status must be 0
exits_0() {
    local rc
    wait "$NDB_PID" && rc=0 || rc=$?
    NDB_PID=
    [ "$rc" -eq 0 ]
}

# stop_stepped_held: SIGTERM while the snapshot a step of the wall clock
# asked for waits in its first fsync (NDB_FAULT_HOLD): the stop ends it;
# the fault is then taken away for the final save, and the exit is clean
stop_stepped_held() {
    kill -TERM "$NDB_PID"
    wait_log "interrupted the snapshot process"
    rm "$BATS_TEST_TMPDIR/fault"
    exits_0
    grep -q "^ndb: info: final save (the wall clock was stepped): automatic snapshot [0-9]* written in [0-9]* ms" "$NDB_LOG"
}

@test "a wall clock stepped without persistence: the line says that no deadline is written, not that they are by the new clock" {
    start_stepped -3600
    rm "$BATS_TEST_TMPDIR/step"
    req '{"KV_SET":{"keys":{"k":1},"ttl":60}}' '{"KV_SET_RSP":{"st":1}}'
    wait_log "the wall clock moved"
    grep -qxF "ndb: warn: the wall clock moved +3600.000 s against the monotonic clock: keys and sessions keep the time they had left (persistence is disabled: no deadline is written to disk)" "$NDB_LOG"
}

@test "a clean stop while the wall clock step's compaction is written: the final save writes the deadlines by the new clock" {
    # the stop ended the compaction, and the journal's records still held
    # the deadlines by the clock a day behind: after the restart the key
    # and the session had "expired while the server was down"
    export NDB_FAULT_PATH=/@ndb/snapshots/ NDB_FAULT_OPS=fsync NDB_FAULT_HOLD=1
    touch "$BATS_TEST_TMPDIR/fault"
    start_stepped -86400 --persist-path "$P" --journal always
    unset NDB_FAULT_PATH NDB_FAULT_OPS NDB_FAULT_HOLD
    local t
    t=$(hour_made)
    rm "$BATS_TEST_TMPDIR/step"
    wait_log "(the journal is compacted into a snapshot that writes them all anew)"
    stop_stepped_held
    start_server --persist-path "$P" --journal always
    hour_left k "$t"
}

@test "a clean stop while the wall clock step's snapshot of a save schedule is written: the final save writes it" {
    # without a journal and with no change since the schedule's snapshot,
    # the shutdown did not save: the restart read that snapshot's deadlines
    # (by the clock a day behind) by the new clock
    export NDB_FAULT_PATH=/@ndb/snapshots/ NDB_FAULT_OPS=fsync NDB_FAULT_HOLD=1
    start_stepped -86400 --persist-path "$P" --save "1 1"
    unset NDB_FAULT_PATH NDB_FAULT_OPS NDB_FAULT_HOLD
    local t
    t=$(hour_made)
    wait_log "bytes; save schedule)"
    touch "$BATS_TEST_TMPDIR/fault"
    rm "$BATS_TEST_TMPDIR/step"
    wait_log "(an automatic snapshot writes them all anew)"
    stop_stepped_held
    start_server --persist-path "$P" --save "1 1"
    hour_left k "$t"
}

# stop_after_step OPTIONS...: a server with its wall clock a day behind
# keeps a key and a session of an hour on disk (its final save, or its
# journal), is started again on that clock, has its clock set right and is
# stopped at once: no write saw the step, and a tick only if one came in
# those few ms, so the stop itself finds it.  A restart on the right clock
# must find an hour left, not "expired while the server was down".  (The
# final save's line is not asserted: when a tick saw the step first, its
# snapshot did the work.)
stop_after_step() {
    start_stepped -86400 --persist-path "$P" "$@"
    local t
    t=$(hour_made)
    stop_server
    start_stepped -86400 --persist-path "$P" "$@"
    rm "$BATS_TEST_TMPDIR/step"
    stop_server
    grep -qF "warn: the wall clock moved +86400.000 s against the monotonic clock" "$NDB_LOG"
    start_server --persist-path "$P" "$@"
    hour_left k "$t"
}

@test "a wall clock stepped just before a stop, under a save schedule without a journal: the stop sees it and its final save writes the deadlines anew" {
    stop_after_step --save "3600 1"
}

@test "a wall clock stepped just before a stop, under a journal: the stop sees it and its final save writes the deadlines anew" {
    stop_after_step --journal everysec
}

# stop_stepped_failing OPTIONS...: a server started on a wall clock a day
# behind keeps a key of an hour on disk; started again on that clock, its
# clock set right, is stopped with every snapshot write failing, so the
# stepped final save fails; its exit status is left in STOP_RC
stop_stepped_failing() {
    start_stepped -86400 --persist-path "$P" "$@"
    hour_made >/dev/null
    stop_server
    export NDB_FAULT_PATH=/@ndb/snapshots/
    start_stepped -86400 --persist-path "$P" "$@"
    unset NDB_FAULT_PATH
    touch "$BATS_TEST_TMPDIR/fault"
    rm "$BATS_TEST_TMPDIR/step"
    kill -TERM "$NDB_PID"
    wait "$NDB_PID" && STOP_RC=0 || STOP_RC=$?
    NDB_PID=
    rm "$BATS_TEST_TMPDIR/fault"
}

@test "a stepped final save that fails with a journal says that a recovery reads the old deadlines by the new clock" {
    # it said only "(the journal holds every change)", and the restart
    # found the key of an hour "expired while the server was down"
    stop_stepped_failing --journal everysec
    [ "$STOP_RC" -eq 0 ]
    grep -q "^ndb: error: final save (the wall clock was stepped) \(failed\|skipped\): .*Input/output error (the journal holds every change; a recovery reads the deadlines written before the wall clock step by the new clock)$" "$NDB_LOG"
    start_server --persist-path "$P" --journal everysec
    grep -qF "recovery: 1 key and 1 session expired while the server was down" "$NDB_LOG"
}

@test "a stepped final save that fails without a journal and with no change says that no change is lost, and exits 0" {
    stop_stepped_failing --save "3600 1"
    [ "$STOP_RC" -eq 0 ]
    grep -q "^ndb: error: final save (the wall clock was stepped) failed: .*Input/output error (no change is lost; a restart reads the last snapshot's deadlines by the new wall clock)$" "$NDB_LOG"
}

@test "a session that expired while the server was down is gone after recovery" {
    start_server --persist-path "$P" --journal always
    local gone kept forever
    gone=$("$NDB" send '{"SH_NEW":{"expiry":{"duration":1,"deleteSession":true}}}' | grep -o '"tkn":[0-9]*' | cut -d: -f2)
    kept=$("$NDB" send '{"SH_NEW":{"expiry":{"duration":1}}}' | grep -o '"tkn":[0-9]*' | cut -d: -f2)
    forever=$("$NDB" send '{"SH_NEW":{}}' | grep -o '"tkn":[0-9]*' | cut -d: -f2)
    req "{\"SH_SET\":{\"tkn\":$kept,\"keys\":{\"k\":1}}}" '{"SH_SET_RSP":{"st":1}}'
    req "{\"SH_SET\":{\"tkn\":$forever,\"keys\":{\"k\":1}}}" '{"SH_SET_RSP":{"st":1}}'
    req '{"KV_SET":{"keys":{"brief":1},"ttl":1}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_SET":{"keys":{"stays":1}}}' '{"KV_SET_RSP":{"st":1}}'
    crash
    sleep 1.2 # the deadlines pass while no server runs
    # what expired is not counted as recovered, by check or by the start-up
    run "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 0 ]
    [ "${lines[-2]}" = "ok: a start-up recovers 1 key and 2 sessions" ]
    [ "${lines[-1]}" = "expired while no server ran: 1 key and 2 sessions (a start-up removes the keys, and ends the sessions or, if kept, empties them)" ]
    start_server --persist-path "$P" --journal always
    grep -q "recovered 1 key and 2 sessions in [0-9]* ms" "$NDB_LOG"
    grep -q "recovery: 1 key and 2 sessions expired while the server was down: the keys are removed, the sessions ended or, if kept, emptied" "$NDB_LOG"
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["stays"],"st":1}}'
    req "{\"SH_EXISTS\":{\"tkns\":[$gone,$kept,$forever]}}" "{\"SH_EXISTS_RSP\":{\"exist\":[$kept,$forever],\"st\":1}}"
    req "{\"SH_COUNT\":{\"tkn\":$kept}}" '{"SH_COUNT_RSP":{"cnt":0,"st":1}}'
    req "{\"SH_COUNT\":{\"tkn\":$forever}}" '{"SH_COUNT_RSP":{"cnt":1,"st":1}}'
    # the expirations were journaled: the next recovery agrees
    crash
    start_server --persist-path "$P" --journal always
    req "{\"SH_EXISTS\":{\"tkns\":[$gone,$kept,$forever]}}" "{\"SH_EXISTS_RSP\":{\"exist\":[$kept,$forever],\"st\":1}}"
}

@test "keys that expired while the server was down are counted when an automatic snapshot holds them" {
    start_server --persist-path "$P" --journal always --compact-min 64K
    req '{"KV_SET":{"keys":{"e1":1,"e2":2},"ttl":4}}' '{"KV_SET_RSP":{"st":1}}'
    "$NDB" send '{"SH_NEW":{"expiry":{"duration":4,"deleteSession":true}}}' >/dev/null
    # (4 s: long enough that they are still there when the snapshot is taken, on a slow machine too)
    # a compaction puts e1, e2 and the session into an automatic snapshot
    python3 -c '
for i in range(300):
    print("{\"KV_SET\":{\"keys\":{\"k%03d\":\"%s\"}}}" % (i, "v" * 300))' | "$NDB" send >/dev/null
    wait_log "bytes; compaction)"
    crash
    sleep 4.2 # the deadlines pass while no server runs
    run "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 0 ]
    # (how many of the k keys the snapshot holds depends on when the compaction came)
    [[ "${lines[0]}" =~ ^automatic\ snapshot\ [0-9]+:\ [0-9]+\ keys,\ 1\ session$ ]]
    [ "${lines[-2]}" = "ok: a start-up recovers 300 keys and 0 sessions" ]
    [ "${lines[-1]}" = "expired while no server ran: 2 keys and 1 session (a start-up removes the keys, and ends the sessions or, if kept, empties them)" ]
    start_server --persist-path "$P" --journal always --compact-min 64K
    grep -q "recovered 300 keys and 0 sessions in [0-9]* ms from automatic snapshot" "$NDB_LOG"
    grep -q "recovery: 2 keys and 1 session expired while the server was down" "$NDB_LOG"
    req '{"KV_CONTAINS":{"keys":["e1","e2","k000"]}}' '{"KV_CONTAINS_RSP":{"contains":["k000"],"st":1}}'
}

@test "recovery frees the keys of each KV_CLEAR it replays at once, not a slice a turn after start-up" {
    # a running server frees a big clear's keys over the next loop turns;
    # recovery has no turns: a journal of 5 clears of 100,000 keys of 1 KB
    # held them all (1 GB) until the first timer tick
    start_server --persist-path "$P" --journal everysec
    run python3 - "$NDB_URL" "$BATS_TEST_DIRNAME" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[2])
from wsprobe import WSConn, OP_TEXT
c = WSConn(sys.argv[1], 60)
for r in range(2):
    for i in range(0, 20000, 5000):
        c.send_frame(OP_TEXT, json.dumps({"KV_SET": {"keys": {"k%d" % j: r for j in range(i, i + 5000)}}}).encode())
        assert c.recv_message() == b'{"KV_SET_RSP":{"st":1}}'
    c.send_frame(OP_TEXT, b'{"KV_CLEAR":{}}')
    print(c.recv_message().decode())
PY
    [ "$status" -eq 0 ]
    [ "$output" = '{"KV_CLEAR_RSP":{"cnt":20000,"st":1}}
{"KV_CLEAR_RSP":{"cnt":20000,"st":1}}' ]
    req '{"KV_SET":{"keys":{"after":1}}}' '{"KV_SET_RSP":{"st":1}}'
    stop_server
    start_server --persist-path "$P" --journal everysec --log-level debug --session-check-ms 20
    grep -q "recovered 1 key and 0 sessions" "$NDB_LOG"
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["after"],"st":1}}'
    sleep 0.2 # timer ticks, and the turns after the request: none has entries to free
    req '{"KV_COUNT":{}}' '{"KV_COUNT_RSP":{"cnt":1,"st":1}}'
    run -1 grep 'entries of cleared keys' "$NDB_LOG"
}

@test "a torn last record is dropped with a warning and cut off the file" {
    start_server --persist-path "$P" --journal always
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    crash
    local f size reserved
    f=$(gen 1)
    # under `always` the file has space reserved after its records: zeros,
    # which check counts apart and a start-up releases
    run "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 0 ]
    size=$(sed -n 's/^journal: 1 file, 1 record, \([0-9]*\) bytes$/\1/p' <<<"${lines[1]}")
    reserved=$(($(stat -c %s "$f") - size))
    [ "$reserved" -gt 1000000 ]
    [ "${lines[2]}" = "$(zeros_line "$reserved")" ]
    # a record's start where the next write went: the crash cut that write
    printf '\x40\x00\x00\x00\x01\x02\x03\x04\x01\x01' | dd of="$f" bs=1 seek="$size" conv=notrunc 2>/dev/null
    run "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 0 ]
    [ "${lines[2]}" = "torn last record in $f: 10 bytes at byte $size (a write cut short by a crash, never acknowledged; a start-up drops it)" ]
    [ "${lines[3]}" = "$(zeros_line $((reserved - 10)))" ]
    [ "${lines[4]}" = "ok: a start-up recovers 1 key and 0 sessions" ]
    [ "$(stat -c %s "$f")" -eq $((size + reserved)) ] # check changes nothing
    # a repair of a copy does what a start-up does, and says what it cut
    cp -a "$P" "$BATS_TEST_TMPDIR/copy"
    run "$NDB" journal repair --persist-path "$BATS_TEST_TMPDIR/copy"
    [ "$status" -eq 0 ]
    [ "${lines[-1]}" = "no damage to repair (the torn last record and the zeros after it were cut off)" ]
    [ "$(stat -c %s "$BATS_TEST_TMPDIR/copy/@ndb/journal/$(basename "$f")")" -eq "$size" ]
    start_server --persist-path "$P" --journal always
    grep -qx "ndb: warn: journal file $f: dropped a torn last record (10 bytes at byte $size), a write cut short by a crash; it was never acknowledged" "$NDB_LOG"
    [ "$(stat -c %s "$f")" -eq "$size" ]
    req '{"KV_GET":{"keys":["a"]}}' '{"KV_GET_RSP":{"keys":{"a":1},"st":1}}'
}

@test "journal always: file space reserved ahead of the writes; cut back at stop, and after kill -9 by the next start" {
    start_server --persist-path "$P" --journal always
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    local f1 f2 n1 n2 big
    f1=$(gen 1)
    n1=$(journal_bytes)
    [ "$n1" -gt 40 ]
    [ "$(stat -c %s "$f1")" -eq $((n1 + 4194304)) ] # 4 MiB reserved after them
    stop_server
    [ "$(stat -c %s "$f1")" -eq "$n1" ] # a clean stop cuts the file back
    run -1 grep -q "zeros after its last record" "$NDB_LOG"

    start_server --persist-path "$P" --journal always
    run -1 grep -q "zeros after its last record" "$NDB_LOG" # nothing to cut after a clean stop
    req '{"KV_SET":{"keys":{"b":"two"}}}' '{"KV_SET_RSP":{"st":1}}'
    f2=$(gen 2)
    big=$(stat -c %s "$f2")
    crash
    run "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 0 ]
    n2=$((big - 4194304))
    [ "${lines[1]}" = "journal: 2 files, 2 records, $((n1 + n2)) bytes" ]
    [ "${lines[2]}" = "$(zeros_line 4194304)" ]
    [ "$(stat -c %s "$f2")" -eq "$big" ] # check changes nothing
    start_server --persist-path "$P" --journal always
    grep -qx "ndb: warn: journal file $f2: cut off 4194304 bytes of zeros after its last record (space reserved under journal always, or writes a power loss kept from the disk)" "$NDB_LOG"
    [ "$(stat -c %s "$f2")" -eq "$n2" ]
    req '{"KV_GET":{"keys":["a","b"]}}' '{"KV_GET_RSP":{"keys":{"a":1,"b":"two"},"st":1}}'
}

@test "journal everysec: no space reserved (the file is its records)" {
    start_server --persist-path "$P" --journal everysec
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    local n
    n=$(journal_bytes)
    [ "$n" -gt 40 ]
    [ "$(stat -c %s "$(gen 1)")" -eq "$n" ]
}

@test "a whole last record whose checksum fails is damage, not a torn write: start-up stops, check exits 1" {
    start_server --persist-path "$P" --journal always
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_SET":{"keys":{"x":1,"y":2,"z":3}}}' '{"KV_SET_RSP":{"st":1}}'
    stop_server
    local f=$(gen 1) size
    size=$(stat -c %s "$f")
    # one byte of the last record's body changed after it was written whole
    printf 'Q' | dd of="$f" bs=1 seek=$((size - 2)) conv=notrunc 2>/dev/null
    run "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 1 ]
    [[ "${lines[0]}" == "journal file $f is damaged at byte "*": a record's checksum does not match" ]]
    run "$NDB" serve --port 0 --persist-path "$P" --journal always
    [ "$status" -eq 1 ]
    [[ "$output" == "ndb serve: journal file $f is damaged at byte "* ]]
}

@test "a short newest journal file: the start of a header is a crash's (a warning), other bytes are a foreign file (start-up stops)" {
    start_server --persist-path "$P" --journal everysec
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    stop_server
    local f=$(gen 2)
    # the header's one write cut short by a crash while file 2 was created
    head -c 13 "$(gen 1)" >"$f"
    # check says it as a start-up does (it said "torn last record ... 0
    # bytes at byte 0", and counted a header the file does not hold)
    local size1
    size1=$(stat -c %s "$(gen 1)")
    run "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 0 ]
    [ "${lines[1]}" = "journal: 2 files, 1 record, $((size1 + 13)) bytes" ]
    [ "${lines[2]}" = "journal file $f holds no header (13 bytes): a file a crash interrupted while it was created; it holds no record (a start-up writes its header)" ]
    start_server --persist-path "$P" --journal everysec
    grep -qx "ndb: warn: journal file $f holds no header (13 bytes): a file the crash interrupted while it was created; it holds no record" "$NDB_LOG"
    req '{"KV_GET":{"keys":["a"]}}' '{"KV_GET_RSP":{"keys":{"a":1},"st":1}}'
    stop_server
    # a short file that is not the start of a header was put there by
    # someone else: not taken for a crash's, not overwritten with a header
    rm "$(gen 3)"
    printf 'hello\n' >"$f"
    run "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "journal file $f is damaged at byte 0: the file is shorter than a journal header (6 of 40 bytes)" ]
    run "$NDB" serve --port 0 --persist-path "$P" --journal everysec
    [ "$status" -eq 1 ]
    [[ "$output" == "ndb serve: journal file $f is damaged at byte 0: the file is shorter than a journal header (6 of 40 bytes); 'ndb journal check' shows"* ]]
    [ "$(cat "$f")" = hello ]
    run "$NDB" journal repair --persist-path "$P"
    [ "$status" -eq 0 ]
    [ "$(cat "$f.damaged")" = hello ]
    start_server --persist-path "$P" --journal everysec
    req '{"KV_GET":{"keys":["a"]}}' '{"KV_GET_RSP":{"keys":{"a":1},"st":1}}'
}

@test "damage in the middle stops start-up naming file and byte; check reports it; repair cuts there" {
    start_server --persist-path "$P" --journal always
    local i
    for i in 1 2 3 4 5; do req "{\"KV_SET\":{\"keys\":{\"k$i\":$i}}}" '{"KV_SET_RSP":{"st":1}}'; done
    stop_server
    start_server --persist-path "$P" --journal always # generation 2: a later file
    req '{"KV_SET":{"keys":{"later":true}}}' '{"KV_SET_RSP":{"st":1}}'
    stop_server
    local f=$(gen 1) size at
    size=$(stat -c %s "$f")
    at=$((40 + 2 * (size - 40) / 5)) # the third record of five of the same size
    printf 'X' | dd of="$f" bs=1 seek=$((at + 12)) conv=notrunc 2>/dev/null
    run "$NDB" serve --port 0 --persist-path "$P" --journal always
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: journal file $f is damaged at byte $at: a record's checksum does not match; 'ndb journal check' shows what a repair would drop and 'ndb journal repair' drops it (give them this server's --config or --persist-path)" ]
    run "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "journal file $f is damaged at byte $at: a record's checksum does not match" ]
    [[ "${lines[1]}" =~ ^a\ repair\ would\ drop\ $((size - at))\ bytes\ of\ $f\ from\ byte\ $at\ \(after\ its\ 2\ good\ records\)\ and\ 1\ later\ journal\ file\ \([0-9]+\ bytes,\ 1\ record\)$ ]]
    [ "${lines[2]}" = "run 'ndb journal repair' (with the same options) to drop it" ]
    [ "$(stat -c %s "$f")" -eq "$size" ]
    # repair, reading the persist path from a config file
    printf '{"persist":{"enabled":true,"path":"%s"}}' "$P" >"$BATS_TEST_TMPDIR/ndb.jsonc"
    run "$NDB" journal repair --config "$BATS_TEST_TMPDIR/ndb.jsonc"
    [ "$status" -eq 0 ]
    [[ "${lines[1]}" =~ ^dropping\ $((size - at))\ bytes\ of\ $f\ from\ byte\ $at ]]
    [ "${lines[4]}" = "ok: a start-up recovers 2 keys and 0 sessions" ]
    [ "$(stat -c %s "$f")" -eq "$at" ]
    [ "$(stat -c %s "$f.damaged")" -eq $((size - at)) ] # what was dropped is kept
    [ -f "$(gen 2).damaged" ] && [ ! -f "$(gen 2)" ]
    run "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 0 ]
    start_server --persist-path "$P" --journal always
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["k1","k2"],"st":1}}'
    stop_server
    # a second repair keeps what it drops beside the first one's, never over it
    local kept
    kept=$(cksum <"$f.damaged")
    at=$((40 + (at - 40) / 2)) # the second record
    printf 'X' | dd of="$f" bs=1 seek=$((at + 12)) conv=notrunc 2>/dev/null
    run "$NDB" journal repair --persist-path "$P"
    [ "$status" -eq 0 ]
    [ "$(cksum <"$f.damaged")" = "$kept" ]
    [ "$(stat -c %s "$f.damaged.1")" -gt 0 ]
    [ "$(stat -c %s "$f")" -eq "$at" ]
}

@test "a repair that cannot write the dropped part aside (a full disk) leaves no empty .damaged file; the next one keeps it under that name" {
    start_server --persist-path "$P" --journal always
    local i
    for i in 1 2 3 4 5; do req "{\"KV_SET\":{\"keys\":{\"k$i\":$i}}}" '{"KV_SET_RSP":{"st":1}}'; done
    stop_server
    local f=$(gen 1) size at
    size=$(stat -c %s "$f")
    at=$((40 + 2 * (size - 40) / 5))
    printf 'X' | dd of="$f" bs=1 seek=$((at + 12)) conv=notrunc 2>/dev/null
    [ -f "$NDB_FAULT_SHIM" ] || skip "no fault shim at $NDB_FAULT_SHIM"
    touch "$BATS_TEST_TMPDIR/fault"
    run env LD_PRELOAD="$NDB_FAULT_SHIM" NDB_FAULT_FILE="$BATS_TEST_TMPDIR/fault" NDB_FAULT_PATH="$P" \
        NDB_FAULT_OPS=write,fsync NDB_FAULT_ERRNO=28 \
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$NDB" journal repair --persist-path "$P"
    [ "$status" -eq 1 ]
    [[ "$output" == *"cannot keep the dropped part of $f in $f.damaged: No space left on device"* ]]
    [ ! -e "$f.damaged" ] # an empty one looked like a kept copy, and made the next one .damaged.1
    [ "$(stat -c %s "$f")" -eq "$size" ]
    rm "$BATS_TEST_TMPDIR/fault"
    run "$NDB" journal repair --persist-path "$P"
    [ "$status" -eq 0 ]
    [ "$(stat -c %s "$f.damaged")" -eq $((size - at)) ]
    [ ! -e "$f.damaged.1" ]
}

@test "repair sets aside an automatic snapshot a crash cut short after the damage: the start after the next one finds no journal file missing" {
    # a crash while the snapshot of generation 2 is written: journal files
    # 1 and 2, snapshot 2 not complete
    crash_in_snapshot_2 '{"b":3}' '{"a":1}' '{"a2":2}'
    [ -f "$(gen 2)" ]
    # damage in journal file 1 (its last record, a2): a repair drops it and file 2
    local size
    size=$(stat -c %s "$(gen 1)")
    printf 'Q' | dd of="$(gen 1)" bs=1 seek=$((size - 2)) conv=notrunc 2>/dev/null
    run "$NDB" journal repair --persist-path "$P"
    [ "$status" -eq 0 ]
    [ "${lines[-1]}" = "ok: a start-up recovers 1 key and 0 sessions" ]
    [ -d "$P/@ndb/snapshots/00000000000000000002.damaged" ]
    # the journal file the next start begins is the next one after file 1
    starts_agree_on_a_and_c 4
}

@test "repair of damage in a journal file's header keeps the file with a new header: its generation is not missing, whatever snapshot it has" {
    # snapshot 2 complete, journal file 2 after it; a bit flipped in its header
    start_server --persist-path "$P" --journal always --save "1 1"
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    wait_log "automatic snapshot $P/@ndb/snapshots/00000000000000000002 written in"
    req '{"KV_SET":{"keys":{"b":2}}}' '{"KV_SET_RSP":{"st":1}}'
    crash
    local f=$(gen 2) size
    size=$(stat -c %s "$f")
    printf 'X' | dd of="$f" bs=1 seek=3 conv=notrunc 2>/dev/null
    run "$NDB" journal repair --persist-path "$P"
    [ "$status" -eq 0 ]
    [ "${lines[1]}" = "dropping $size bytes of $f from byte 0 (after its 0 good records)" ]
    [ "${lines[-1]}" = "ok: a start-up recovers 1 key and 0 sessions" ]
    [ "$(stat -c %s "$f.damaged")" -eq "$size" ] # the whole file is kept
    [ "$(stat -c %s "$f")" -eq 40 ]
    starts_agree_on_a_and_c 3
    stop_server
    # the compaction of generation 2 cut short by a crash: its snapshot is
    # not complete, and the header of journal file 2 is damaged
    rm -rf "$P"
    mkdir -p "$P"
    crash_in_snapshot_2 '{"b":2}' '{"a":1}'
    printf 'X' | dd of="$f" bs=1 seek=3 conv=notrunc 2>/dev/null
    run "$NDB" journal repair --persist-path "$P"
    [ "$status" -eq 0 ]
    [ "${lines[-1]}" = "ok: a start-up recovers 1 key and 0 sessions" ]
    starts_agree_on_a_and_c 3
}

@test "ndb journal check or repair whose report cannot be written (a full disk): exit 2 and the reason, not 0 or 1" {
    # a script keeps the report (`ndb journal check > report`): it exited 0,
    # silent, with nothing written, and a damaged journal's 1 said nothing of
    # the lost report either
    start_server --persist-path "$P" --journal always
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    stop_server
    local a
    # check and repair of a good journal, then check of a damaged one
    for a in check repair damaged; do
        [ "$a" != damaged ] || printf 'X' | dd of="$(gen 1)" bs=1 seek=52 conv=notrunc 2>/dev/null # the first record's checksum
        run --separate-stderr bash -c '"$NDB" journal "${1/damaged/check}" --persist-path "$0" >/dev/full' "$P" "$a"
        [ "$status" -eq 2 ] && [ -z "$output" ] && [ "$stderr" = "ndb: cannot write the output: No space left on device" ] ||
            { echo "$a: exit $status, $stderr" >&2; return 1; }
    done
    # written whole, or to a reader that has gone: the journal's own status
    run --separate-stderr "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 1 ]
    run --separate-stderr reader_gone "$NDB" journal check --persist-path "$P"
    [ "$output" = "exit 1" ]
    [ -z "$stderr" ]
}

@test "ndb journal: usage errors and a path without a journal" {
    run "$NDB" journal
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "ndb journal: say what to do: check or repair" ]
    run "$NDB" journal fix --persist-path "$P"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "ndb journal: unknown action 'fix' (check or repair)" ]
    run "$NDB" journal check --persist-path
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "ndb journal: option '--persist-path' needs a value" ]
    run "$NDB" journal check --persist-path= # not /@ndb
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "ndb journal: --persist-path is empty" ]
    # data this user may not read (a service's private directory) is not "missing"
    # (as root, when another user may run this binary: not from a checkout under /root)
    if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ] &&
        setpriv --reuid=65534 --regid=65534 --clear-groups "$NDB" --version >/dev/null 2>&1; then
        local priv="$BATS_TEST_TMPDIR/private"
        mkdir -p "$priv/ndb/@ndb" && chmod 700 "$priv"
        chmod o+x "$BATS_TEST_TMPDIR"
        run setpriv --reuid=65534 --regid=65534 --clear-groups "$NDB" journal check --persist-path "$priv/ndb"
        [ "$status" -eq 2 ]
        [ "${lines[0]}" = "ndb journal: cannot read $priv/ndb/@ndb: Permission denied (run it as the user the server runs as, or as root)" ]
        run setpriv --reuid=65534 --regid=65534 --clear-groups "$NDB" serve --port 0 --persist-path "$priv/ndb"
        [ "$status" -eq 1 ]
        [ "$output" = "ndb serve: cannot use persist path $priv/ndb: Permission denied (option '--persist-path')" ]
        # the directories open to all (under /tmp: the test's own is not), the
        # lock not: nothing was looked at (it said 1, "does not recover")
        local open
        open=$(mktemp -d /tmp/ndb-journal-lock.XXXXXX)
        mkdir -p "$open/ndb/@ndb/journal"
        chmod 755 "$open" "$open/ndb" "$open/ndb/@ndb"
        touch "$open/ndb/@ndb/lock" && chmod 600 "$open/ndb/@ndb/lock"
        run setpriv --reuid=65534 --regid=65534 --clear-groups "$NDB" journal check --persist-path "$open/ndb"
        rm -rf "$open"
        [ "$status" -eq 2 ]
        [ "$output" = "ndb journal: cannot open $open/ndb/@ndb/lock: Permission denied (run it as the user the server runs as, or as root)" ]
    fi
    run "$NDB" journal check --nope
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "ndb journal: unknown option '--nope'" ]
    run "$NDB" journal check check --persist-path "$P"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "ndb journal: unexpected argument 'check'" ]
    run "$NDB" journal check "$P"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "ndb journal: unexpected argument '$P' (a persist path is given as --persist-path DIR)" ]
    run "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 2 ]
    [ "$output" = "ndb journal: no journal or automatic snapshot in $P ($P/@ndb does not exist)" ]
    # an @ndb that is a file was said not to exist
    touch "$P/@ndb"
    run "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 2 ]
    [ "$output" = "ndb journal: no journal or automatic snapshot in $P ($P/@ndb is not a directory)" ]
    rm "$P/@ndb"
    # an @ndb with neither (its files lost, or a server that never journaled):
    # nothing recovers here, and a script must not read "ok, 0 keys" as a pass
    mkdir -p "$P/@ndb/journal" "$P/@ndb/snapshots"
    for cmd in check repair; do
        run --separate-stderr "$NDB" journal $cmd --persist-path "$P"
        [ "$status" -eq 2 ]
        [ "$output" = "" ]
        [ "$stderr" = "ndb journal: no journal or automatic snapshot in $P ($P/@ndb holds neither)" ]
    done
    [ -z "$(ls -A "$P/@ndb/journal")" ] && [ -z "$(ls -A "$P/@ndb/snapshots")" ] # nothing was made there
    rm -rf "$P/@ndb"
    run "$NDB" journal check --config "$BATS_TEST_TMPDIR/none.jsonc"
    [ "$status" -eq 2 ]
    [[ "$output" == "ndb journal: cannot read config file $BATS_TEST_TMPDIR/none.jsonc"* ]]
    run "$NDB" journal --help
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "usage: ndb journal [OPTIONS] check|repair" ]
}

# read_only NDB-ARGS...: run ndb with every open that could write under $P
# failing with EROFS, as on a read-only mount
read_only() {
    [ -f "$NDB_FAULT_SHIM" ] || skip "no fault shim at $NDB_FAULT_SHIM"
    touch "$BATS_TEST_TMPDIR/fault"
    run env LD_PRELOAD="$NDB_FAULT_SHIM" NDB_FAULT_FILE="$BATS_TEST_TMPDIR/fault" NDB_FAULT_PATH="$P/" \
        NDB_FAULT_OPS=open NDB_FAULT_ERRNO=30 ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
        "$NDB" "$@"
    rm "$BATS_TEST_TMPDIR/fault"
}

@test "ndb journal check reads a persist path it cannot write (a read-only mount); repair says why it cannot" {
    start_server --persist-path "$P" --journal always
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    crash
    read_only journal check --persist-path "$P"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "no automatic snapshot: the journal is replayed from its start" ]
    [ "${lines[-1]}" = "ok: a start-up recovers 1 key and 0 sessions" ]
    read_only journal repair --persist-path "$P"
    [ "$status" -eq 1 ]
    [ "$output" = "ndb journal: cannot open $P/@ndb/lock: Read-only file system" ]
    # a copy without the lock file (no server ever ran on it) is checked too
    rm "$P/@ndb/lock"
    read_only journal check --persist-path "$P"
    [ "$status" -eq 0 ]
    [ "${lines[-1]}" = "ok: a start-up recovers 1 key and 0 sessions" ]
    [ ! -e "$P/@ndb/lock" ]
    # a running server still shows (its lock is taken through a read-only descriptor)
    start_server --persist-path "$P" --journal always
    read_only journal check --persist-path "$P"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "note: a server is running on this path: what it is writing may show as a torn last record" ]
}

@test "start-up: the journal needs persistence; a bad schedule; @ndb left while the journal is off" {
    run "$NDB" serve --port 0 --journal always
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: option '--journal' needs persistence: give --persist-path DIR (or persist.enabled and persist.path in the config file)" ]
    printf '{"persist":{"save":"60 1"}}' >"$BATS_TEST_TMPDIR/c.jsonc"
    run "$NDB" serve --port 0 --config "$BATS_TEST_TMPDIR/c.jsonc"
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: field 'persist.save' needs persistence: give --persist-path DIR (or persist.enabled and persist.path in the config file)" ]
    run "$NDB" serve --port 0 --persist-path "$P" --save "60"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "ndb serve: --save: '60' must be pairs of numbers \"SECONDS CHANGES ...\" (each SECONDS 1..315360000, CHANGES at least 1, at most 16 pairs), or \"\" for none" ]
    printf '{"persist":{"save":5}}' >"$BATS_TEST_TMPDIR/c.jsonc"
    run "$NDB" serve --port 0 --config "$BATS_TEST_TMPDIR/c.jsonc"
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: config $BATS_TEST_TMPDIR/c.jsonc: 'persist.save' must be pairs of numbers \"SECONDS CHANGES ...\" (each SECONDS 1..315360000, CHANGES at least 1, at most 16 pairs), or \"\" for none" ]
    run "$NDB" serve --port 0 --keep-snapshots -1
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "ndb serve: --keep-snapshots: '-1' must be an integer from 0 to 1000000" ]
    run "$NDB" serve --port 0 --compact-min 1K
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "ndb serve: --compact-min: '1K' must be a size (bytes, or with a K/M/G/T suffix) from 65536 to 1125899906842624" ]
    printf '{"persist":{"journal":"sometimes"}}' >"$BATS_TEST_TMPDIR/c.jsonc"
    run "$NDB" serve --port 0 --config "$BATS_TEST_TMPDIR/c.jsonc"
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: config $BATS_TEST_TMPDIR/c.jsonc: 'persist.journal' must be one of \"off\", \"no\", \"everysec\", \"always\"" ]
    start_server --persist-path "$P" --journal always
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    # one server per persist path; no repair under a running server
    run "$NDB" serve --port 0 --persist-path "$P" --journal everysec
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: another ndb server is using $P/@ndb ($P/@ndb/lock is locked)" ]
    run "$NDB" journal repair --persist-path "$P"
    [ "$status" -eq 1 ]
    [ "$output" = "ndb journal: another ndb server is using $P/@ndb ($P/@ndb/lock is locked): stop it before repairing" ]
    run "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "note: a server is running on this path: what it is writing may show as a torn last record" ]
    stop_server
    start_server --persist-path "$P"
    grep -q "warn: $P/@ndb holds a journal or automatic snapshots, but neither persist.journal nor persist.save is set: they are not restored" "$NDB_LOG"
    req '{"KV_COUNT":{}}' '{"KV_COUNT_RSP":{"cnt":0,"st":1}}'
}

@test "--load-name seeds a new database and is skipped once there is a journal to recover" {
    start_server --persist-path "$P"
    req '{"KV_SET":{"keys":{"v":"seed"}}}' '{"KV_SET_RSP":{"st":1}}'
    run "$NDB" send '{"KV_SAVE":{"name":"seed"}}'
    [[ "$output" == *'"st":121}}' ]]
    stop_server
    start_server --persist-path "$P" --journal always --load-name seed
    grep -q "loaded 'seed'" "$NDB_LOG"
    req '{"KV_SET":{"keys":{"v":"changed"}}}' '{"KV_SET_RSP":{"st":1}}'
    crash
    start_server --persist-path "$P" --journal always --load-name seed
    grep -q "warn: not loading 'seed': the data was recovered from the journal and automatic snapshots" "$NDB_LOG"
    req '{"KV_GET":{"keys":["v"]}}' '{"KV_GET_RSP":{"keys":{"v":"changed"},"st":1}}'
}

@test "--load-name still seeds when the journal or the save schedule holds nothing yet (a first start without it, a start with no write)" {
    start_server --persist-path "$P"
    req '{"KV_SET":{"keys":{"v":"seed"}}}' '{"KV_SET_RSP":{"st":1}}'
    run "$NDB" send '{"KV_SAVE":{"name":"seed"}}'
    [[ "$output" == *'"st":121}}' ]]
    stop_server
    # a first start with no --load-name and no write: a journal file with no record
    start_server --persist-path "$P" --journal everysec
    stop_server
    start_server --persist-path "$P" --journal everysec --load-name seed
    grep -q "info: recovery restored nothing (no journal record, no automatic snapshot): the start-up load seeds the database" "$NDB_LOG"
    grep -q "loaded 'seed'" "$NDB_LOG"
    req '{"KV_GET":{"keys":["v"]}}' '{"KV_GET_RSP":{"keys":{"v":"seed"},"st":1}}'
    # once seeded, the seed is data to recover
    req '{"KV_SET":{"keys":{"v":"changed"}}}' '{"KV_SET_RSP":{"st":1}}'
    stop_server
    start_server --persist-path "$P" --journal everysec --load-name seed
    req '{"KV_GET":{"keys":["v"]}}' '{"KV_GET_RSP":{"keys":{"v":"changed"},"st":1}}'
    stop_server
    # a save schedule, a start with no write: no final save of a database
    # that never held anything (it would stop the seeding)
    local Q="$BATS_TEST_TMPDIR/q"
    mkdir -p "$Q"
    cp -r "$P/seed" "$Q/"
    start_server --persist-path "$Q" --save "3600 1"
    stop_server
    [ -z "$(ls "$Q/@ndb/snapshots")" ]
    start_server --persist-path "$Q" --save "3600 1" --load-name seed
    req '{"KV_GET":{"keys":["v"]}}' '{"KV_GET_RSP":{"keys":{"v":"seed"},"st":1}}'
}

@test "--load-name does not bring back what was removed since the seed: an empty snapshot is a state to recover" {
    # the seeds: a key, and a session (a dataset holds one kind)
    start_server --persist-path "$P"
    req '{"KV_SET":{"keys":{"v":"seed"}}}' '{"KV_SET_RSP":{"st":1}}'
    run "$NDB" send '{"KV_SAVE":{"name":"keys"}}' '{"SH_NEW":{}}' '{"SH_SAVE":{"name":"sessions"}}'
    [[ "$output" == *'"st":121}}'*'"st":121}}' ]]
    stop_server
    # a save schedule: the key is removed; the final save writes the empty
    # database, and the next start recovers it rather than seed again
    start_server --persist-path "$P" --save "3600 1" --load-name keys
    req '{"KV_RMV":{"keys":["v"]}}' '{"KV_RMV_RSP":{"st":1}}'
    stop_server
    start_server --persist-path "$P" --save "3600 1" --load-name keys
    grep -q "warn: not loading 'keys': the data was recovered from the journal and automatic snapshots" "$NDB_LOG"
    req '{"KV_COUNT":{}}' '{"KV_COUNT_RSP":{"cnt":0,"st":1}}'
    stop_server
    # a journal: the session is ended (a logout); restarts pile up journal
    # files until one start compacts them into an empty snapshot, and the
    # journal files that held the end go: the session must stay ended
    rm -rf "$P/@ndb"
    start_server --persist-path "$P" --journal always --load-name sessions
    req '{"SH_END_ALL":{}}' '{"SH_END_ALL_RSP":{"cnt":1,"st":1}}'
    stop_server
    local n
    for n in 1 2 3 4 5 6 7; do
        start_server --persist-path "$P" --journal always --load-name sessions
        if grep -q "compaction of the journal files left by earlier runs" "$NDB_LOG"; then
            wait_log "bytes; compaction of the journal files left by earlier runs)"
            stop_server
            break
        fi
        sleep 1.1 # a tick: where the compaction starts
        stop_server
    done
    [ -n "$(ls "$P/@ndb/snapshots")" ]
    start_server --persist-path "$P" --journal always --load-name sessions
    grep -q "warn: not loading 'sessions'" "$NDB_LOG"
    req '{"SH_INFO_ALL":{}}' '{"SH_INFO_ALL_RSP":{"st":1,"totalKeys":0,"totalSessions":0}}'
}

# refused: the SV_INFO member writesRefused
refused() { "$NDB" send '{"SV_INFO":{}}' | grep -o '"writesRefused":[a-z]*' | cut -d: -f2; }

# wait_refused true|false: until SV_INFO says so (at most 20 s)
wait_refused() {
    local i
    for i in $(seq 1 400); do
        [ "$(refused)" = "$1" ] && return 0
        sleep 0.05
    done
    echo "writesRefused never became $1" >&2
    cat "$NDB_LOG" >&2
    return 1
}

@test "journal always where file space cannot be reserved: plain appends, nothing refused or lost" {
    touch "$BATS_TEST_TMPDIR/fault"
    NDB_FAULT_PATH=/@ndb/journal/ NDB_FAULT_OPS=fallocate NDB_FAULT_ERRNO=95 start_faulty --persist-path "$P" --journal always
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_SET":{"keys":{"b":2}}}' '{"KV_SET_RSP":{"st":1}}'
    local n
    n=$(journal_bytes)
    [ "$n" -gt 40 ]
    [ "$(stat -c %s "$(gen 1)")" -eq "$n" ] # nothing reserved: the file is its records
    [ "$(refused)" = false ]
    crash
    NDB_FAULT_PATH=/@ndb/journal/ NDB_FAULT_OPS=fallocate NDB_FAULT_ERRNO=95 start_faulty --persist-path "$P" --journal always
    run -1 grep -q "zeros after its last record" "$NDB_LOG"
    req '{"KV_GET":{"keys":["a","b"]}}' '{"KV_GET_RSP":{"keys":{"a":1,"b":2},"st":1}}'
}

@test "a FIFO in place of a journal file or of the lock: check and start-up refuse it at once instead of waiting for a writer" {
    start_server --persist-path "$P" --journal always
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    stop_server
    mkfifo "$(gen 2)"
    run timeout 10 "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "cannot read $(gen 2): not a regular file (a FIFO)" ]
    run timeout 10 "$NDB" serve --port 0 --persist-path "$P" --journal always
    [ "$status" -eq 1 ]
    [ "${lines[-1]}" = "ndb serve: cannot read $(gen 2): not a regular file (a FIFO)" ]
    rm "$(gen 2)"
    rm "$P/@ndb/lock"
    mkfifo "$P/@ndb/lock"
    run timeout 10 "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 1 ]
    [ "$output" = "ndb journal: cannot open $P/@ndb/lock: not a regular file (a FIFO)" ]
    run timeout 10 "$NDB" serve --port 0 --persist-path "$P" --journal always
    [ "$status" -eq 1 ]
    [ "${lines[-1]}" = "ndb serve: cannot open $P/@ndb/lock: not a regular file (a FIFO)" ]
}

@test "a disk filling up in the middle of a journal write (short write, then ENOSPC): no part of the record stays in the file" {
    export NDB_FAULT_PATH=/@ndb/journal/ NDB_FAULT_OPS=write,short NDB_FAULT_ERRNO=28
    start_faulty --persist-path "$P" --journal everysec
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    local size
    size=$(stat -c %s "$(gen 1)")
    touch "$BATS_TEST_TMPDIR/fault"
    "$NDB" send --timeout 60 '{"KV_SET":{"keys":{"b":"'"$(printf '%0500d' 0)"'"}}}' >"$BATS_TEST_TMPDIR/b.out" 2>&1 &
    local bpid=$!
    wait_log "error: write of journal file $(gen 1) failed: No space left on device"
    [ "$(stat -c %s "$(gen 1)")" -eq "$size" ] # the half that was written is cut off again
    rm "$BATS_TEST_TMPDIR/fault"
    wait "$bpid"
    [ "$(cat "$BATS_TEST_TMPDIR/b.out")" = '{"KV_SET_RSP":{"st":1}}' ]
    crash
    start_server --persist-path "$P" --journal everysec
    req '{"KV_COUNT":{}}' '{"KV_COUNT_RSP":{"cnt":2,"st":1}}'
    run -1 grep -q "torn" "$NDB_LOG"
}

@test "124: the journal cannot be written -> writes refused, reads work, the held reply comes after the repair" {
    NDB_FAULT_PATH=/@ndb/ start_faulty --persist-path "$P" --journal always
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    touch "$BATS_TEST_TMPDIR/fault"
    # this write's record cannot be written: its reply waits for the repair
    "$NDB" send --timeout 60 '{"KV_SET":{"keys":{"b":2}}}' >"$BATS_TEST_TMPDIR/b.out" 2>&1 &
    local bpid=$!
    wait_refused true
    local m="writes are refused: the journal cannot be written (write of journal file $(gen 1) failed: Input/output error)"
    req '{"KV_SET":{"keys":{"c":3}}}' "{\"KV_SET_RSP\":{\"m\":\"$m\",\"st\":124,\"tkn\":null}}"
    req '{"SH_NEW":{}}' "{\"SH_NEW_RSP\":{\"m\":\"$m\",\"st\":124,\"tkn\":null}}"
    req '{"KV_CLEAR":{}}' "{\"KV_CLEAR_RSP\":{\"m\":\"$m\",\"st\":124,\"tkn\":null}}"
    req '{"KV_RMV":{}}' "{\"KV_RMV_RSP\":{\"m\":\"$m\",\"st\":124,\"tkn\":null}}" # before the request is checked
    req '{"KV_GET":{"keys":["a","c"]}}' '{"KV_GET_RSP":{"keys":{"a":1},"st":1}}'
    run "$NDB" send '{"SV_INFO":{}}'
    [[ "$output" == *"\"writesRefused\":true,\"writesRefusedReason\":\"$m\"}"* ]]
    run "$NDB" set c 3
    [ "$status" -eq 3 ]
    [ "$output" = "ndb: PersistFailed (124): $m" ]
    [ ! -s "$BATS_TEST_TMPDIR/b.out" ] # still held
    grep -q "error: write of journal file $(gen 1) failed: Input/output error; writes are refused until the journal can be written again" "$NDB_LOG"
    rm "$BATS_TEST_TMPDIR/fault"
    wait_refused false
    wait "$bpid"
    [ "$(cat "$BATS_TEST_TMPDIR/b.out")" = '{"KV_SET_RSP":{"st":1}}' ]
    grep -q "automatic snapshot $P/@ndb/snapshots/00000000000000000002 written in [0-9]* ms ([0-9]* bytes; repairing the journal)" "$NDB_LOG"
    grep -q "journal: writing again (generation 2): writes are accepted" "$NDB_LOG"
    req '{"KV_SET":{"keys":{"d":4}}}' '{"KV_SET_RSP":{"st":1}}'
    crash
    # no corrupt file: the journal checks clean and recovers everything acknowledged
    run "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "automatic snapshot 2: 2 keys, 0 sessions" ]
    start_server --persist-path "$P" --journal always
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["a","b","d"],"st":1}}'
}

@test "@ndb removed under a running server: the write waits for a repair, nothing acknowledged is lost, the lock is taken again" {
    start_server --persist-path "$P" --journal always
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    rm -rf "$P/@ndb"
    # its record went to a removed file: the reply comes once a snapshot holds it
    req '{"KV_SET":{"keys":{"b":2}}}' '{"KV_SET_RSP":{"st":1}}'
    grep -q "error: journal file $(gen 1) was removed or moved while the server wrote it (was the persist path or its @ndb directory deleted or moved?); writes are refused until the journal can be written again" "$NDB_LOG"
    grep -q "warn: $P/@ndb/lock was removed or moved while this server ran: created and locked again" "$NDB_LOG"
    grep -q "automatic snapshot $P/@ndb/snapshots/00000000000000000002 written in [0-9]* ms ([0-9]* bytes; repairing the journal)" "$NDB_LOG"
    grep -q "journal: writing again (generation 2): writes are accepted" "$NDB_LOG"
    req '{"KV_SET":{"keys":{"c":3}}}' '{"KV_SET_RSP":{"st":1}}'
    # no second server can take the path meanwhile
    run timeout 5 "$NDB" serve --port 0 --persist-path "$P" --journal always
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: another ndb server is using $P/@ndb ($P/@ndb/lock is locked)" ]
    crash
    start_server --persist-path "$P" --journal always
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["a","b","c"],"st":1}}'
}

@test "a journal file removed under a running server (everysec): the write waits for the repair, then every write recovers" {
    start_server --persist-path "$P" --journal everysec
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    rm "$(gen 1)"
    req '{"KV_SET":{"keys":{"b":2}}}' '{"KV_SET_RSP":{"st":1}}'
    # a warning, as the break was an error: --log-level warn shows both ends
    wait_log "warn: journal: writing again (generation 2): writes are accepted"
    grep -q "error: journal file $(gen 1) was removed or moved while the server wrote it" "$NDB_LOG"
    run -1 grep -q "lock was removed" "$NDB_LOG"
    crash
    run "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "automatic snapshot 2: 2 keys, 0 sessions" ]
    start_server --persist-path "$P" --journal everysec
    req '{"KV_GET":{"keys":["a","b"]}}' '{"KV_GET_RSP":{"keys":{"a":1,"b":2},"st":1}}'
}

@test "@ndb removed just before a stop: the final repair keeps every change, exit 0" {
    # the stop came before the server's next look at the path: the close
    # found the file gone, said its changes were lost and exited 1, though
    # they were all in memory for a repair snapshot to keep
    start_server --persist-path "$P" --journal always
    req '{"KV_SET":{"keys":{"a":1,"b":2}}}' '{"KV_SET_RSP":{"st":1}}'
    rm -rf "$P/@ndb"
    stop_status
    [ "$STOP_ST" -eq 0 ]
    grep -q "error: journal file $(gen 1) was removed or moved while the server wrote it" "$NDB_LOG"
    grep -q "final repair of the journal: automatic snapshot 2 written in [0-9]* ms ([0-9]* bytes)" "$NDB_LOG"
    run -1 grep -q "found at shutdown" "$NDB_LOG"
    grep -q "info: stopped" "$NDB_LOG"
    # once stopping, the log speaks of the repair, not of writes refused or accepted
    run -1 grep -E "writes are (refused|accepted)" <(sed -n '/shutting down on SIGTERM/,$p' "$NDB_LOG")
    start_server --persist-path "$P" --journal always
    req '{"KV_GET":{"keys":["a","b"]}}' '{"KV_GET_RSP":{"keys":{"a":1,"b":2},"st":1}}'
}

@test "journal always: a watcher hears of a change only once it is durable, like the writer's reply" {
    NDB_FAULT_PATH=/@ndb/ start_faulty --persist-path "$P" --journal always
    local events="$BATS_TEST_TMPDIR/events"
    "$NDB" watch --values k >"$events" 2>&1 &
    local wpid=$!
    local i
    for i in $(seq 1 200); do # the watch is in place once a first change is heard
        req '{"KV_SET":{"keys":{"k":0}}}' '{"KV_SET_RSP":{"st":1}}'
        [ -s "$events" ] && break
        sleep 0.05
    done
    [ "$(head -n 1 "$events")" = '{"id":1,"key":"k","op":"set","value":0}' ]
    local before
    before=$(wc -l <"$events")
    touch "$BATS_TEST_TMPDIR/fault"
    # this change cannot be made durable: neither its reply nor its event leaves
    "$NDB" send --timeout 60 '{"KV_SET":{"keys":{"k":1}}}' >"$BATS_TEST_TMPDIR/k.out" 2>&1 &
    local kpid=$!
    wait_refused true
    req '{"KV_GET":{"keys":["k"]}}' '{"KV_GET_RSP":{"keys":{"k":1},"st":1}}' # applied in memory
    sleep 0.3 # a held event that leaked would have arrived by now
    [ "$(wc -l <"$events")" -eq "$before" ]
    [ ! -s "$BATS_TEST_TMPDIR/k.out" ]
    rm "$BATS_TEST_TMPDIR/fault"
    wait_refused false
    wait "$kpid"
    [ "$(cat "$BATS_TEST_TMPDIR/k.out")" = '{"KV_SET_RSP":{"st":1}}' ]
    for i in $(seq 1 200); do
        [ "$(wc -l <"$events")" -gt "$before" ] && break
        sleep 0.05
    done
    kill "$wpid" 2>/dev/null || true
    [ "$(wc -l <"$events")" -eq $((before + 1)) ]
    [ "$(tail -n 1 "$events")" = '{"id":1,"key":"k","op":"set","value":1}' ]
}

@test "124: fsync fails (disk full) with everysec too; reads answer meanwhile" {
    NDB_FAULT_PATH=/@ndb/journal/ NDB_FAULT_OPS=fsync NDB_FAULT_ERRNO=28 start_faulty --persist-path "$P" --journal everysec
    touch "$BATS_TEST_TMPDIR/fault"
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}' # everysec: acknowledged once written
    wait_refused true # the next fsync, within a second, fails
    local m="writes are refused: the journal cannot be written (fdatasync of journal file $(gen 1) failed: No space left on device)"
    req '{"KV_SET":{"keys":{"b":2}}}' "{\"KV_SET_RSP\":{\"m\":\"$m\",\"st\":124,\"tkn\":null}}"
    req '{"KV_COUNT":{}}' '{"KV_COUNT_RSP":{"cnt":1,"st":1}}'
    rm "$BATS_TEST_TMPDIR/fault"
    wait_refused false
    req '{"KV_SET":{"keys":{"b":2}}}' '{"KV_SET_RSP":{"st":1}}'
    crash
    start_server --persist-path "$P" --journal everysec
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["a","b"],"st":1}}'
}

@test "124: a scheduled snapshot cannot be written -> refused until a retry succeeds" {
    NDB_FAULT_PATH=/@ndb/snapshots/ start_faulty --persist-path "$P" --save "1 1"
    touch "$BATS_TEST_TMPDIR/fault"
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    wait_refused true
    run "$NDB" send '{"KV_SET":{"keys":{"b":2}}}'
    [[ "$output" =~ ^\{\"KV_SET_RSP\":\{\"m\":\"writes\ are\ refused:\ the\ last\ automatic\ snapshot\ failed\ \(.*Input/output\ error\)\",\"st\":124,\"tkn\":null\}\}$ ]]
    run "$NDB" send '{"SV_INFO":{}}'
    [[ "$output" =~ \"lastSnapshot\":\{\"duration\":[0-9]+,\"error\":\".*\",\"name\":\"@ndb/snapshots/00000000000000000001\",\"ok\":false,\"time\":[0-9]+\} ]]
    grep -q "error: automatic snapshot @ndb/snapshots/00000000000000000001 (save schedule) failed: .*; writes are refused until one succeeds (next try in 1 s)" "$NDB_LOG"
    rm "$BATS_TEST_TMPDIR/fault"
    wait_refused false
    grep -q "warn: automatic snapshots work again: writes are accepted" "$NDB_LOG" # seen at --log-level warn too
    req '{"KV_SET":{"keys":{"b":2}}}' '{"KV_SET_RSP":{"st":1}}'
}

@test "a failed final save exits 1 when no journal holds the changes, 0 when one does (and the journal recovers)" {
    NDB_FAULT_PATH=/@ndb/snapshots/ start_faulty --persist-path "$P" --save "3600 1"
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    touch "$BATS_TEST_TMPDIR/fault"
    local pid=$NDB_PID st=0
    kill -TERM "$pid"
    wait "$pid" || st=$?
    NDB_PID=
    [ "$st" -eq 1 ]
    grep -q "error: final save failed: .*Input/output error; the changes since the last save are lost" "$NDB_LOG"
    run -1 grep -q "info: stopped" "$NDB_LOG"
    rm "$BATS_TEST_TMPDIR/fault"
    # the same persist path, now with a journal: the interrupted snapshot
    # above took generation 1, so the journal starts at 2 (and recovers)
    NDB_FAULT_PATH=/@ndb/snapshots/ start_faulty --persist-path "$P" --save "3600 1" --journal everysec
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    touch "$BATS_TEST_TMPDIR/fault"
    pid=$NDB_PID st=0
    kill -TERM "$pid"
    wait "$pid" || st=$?
    NDB_PID=
    [ "$st" -eq 0 ]
    grep -q "error: final save failed: .*Input/output error (the journal holds every change)" "$NDB_LOG"
    grep -q "info: stopped" "$NDB_LOG"
    rm "$BATS_TEST_TMPDIR/fault"
    start_server --persist-path "$P" --save "3600 1" --journal everysec
    req '{"KV_GET":{"keys":["a"]}}' '{"KV_GET_RSP":{"keys":{"a":1},"st":1}}'
}

@test "a journal, then a save schedule whose final save failed, then a journal again: the snapshot's generation between the journal files is no missing file" {
    start_server --persist-path "$P" --journal always
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    stop_server
    # journal off, a save schedule: its final save fails and stays
    # interrupted in generation 2 (b is lost, and the server says so)
    NDB_FAULT_PATH=/@ndb/snapshots/ start_faulty --persist-path "$P" --save "3600 1"
    req '{"KV_SET":{"keys":{"b":2}}}' '{"KV_SET_RSP":{"st":1}}'
    touch "$BATS_TEST_TMPDIR/fault"
    local pid=$NDB_PID st=0
    kill -TERM "$pid"
    wait "$pid" || st=$?
    NDB_PID=
    [ "$st" -eq 1 ]
    grep -q "error: final save failed: .*; the changes since the last save are lost" "$NDB_LOG"
    rm "$BATS_TEST_TMPDIR/fault"
    [ -d "$P/@ndb/snapshots/00000000000000000002" ]
    # a journal again: it recovers journal file 1 and starts file 3
    start_server --persist-path "$P" --journal always
    [ -f "$(gen 3)" ]
    req '{"KV_SET":{"keys":{"c":3}}}' '{"KV_SET_RSP":{"st":1}}'
    stop_server
    # the next start recovers files 1 and 3, not "journal file 2 is missing"
    run "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 0 ]
    [ "${lines[-1]}" = "ok: a start-up recovers 2 keys and 0 sessions" ]
    start_server --persist-path "$P" --journal always
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["a","c"],"st":1}}'
    stop_server
    # a journaled snapshot's generation (its journal mark) is still a
    # missing journal file when the file is gone
    mkdir -p "$P/@ndb/snapshots/00000000000000000004"
    : >"$P/@ndb/snapshots/00000000000000000004/journal"
    mv "$(gen 4)" "$(gen 5)"
    run "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "journal file 4 is missing (the files go from 3 to 5): restore it from a backup, or move the journal files after it away to recover what comes before it (their changes are lost)" ]
}

# stop_status: SIGTERM the server and wait for it; its exit status in STOP_ST
stop_status() {
    local pid=$NDB_PID
    NDB_PID=
    STOP_ST=0
    kill -TERM "$pid"
    wait "$pid" || STOP_ST=$?
}

# broken_journal: a server whose journal cannot be written and whose repair
# snapshots fail too (a disk too full for a whole snapshot, not for the
# small probe), with b's reply held and two repairs failed (the next try
# 4 s away); b.out gets that reply
broken_journal() {
    NDB_FAULT_PATH=/0000000000 start_faulty --persist-path "$P" --journal always
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    touch "$BATS_TEST_TMPDIR/fault"
    "$NDB" send --timeout 60 '{"KV_SET":{"keys":{"b":2}}}' >"$BATS_TEST_TMPDIR/b.out" 2>&1 &
    BPID=$!
    wait_log "(next try in 4 s)"
    req '{"KV_GET":{"keys":["b"]}}' '{"KV_GET_RSP":{"keys":{"b":2},"st":1}}' # readers see it
}

@test "stopped while the journal is broken: a final repair keeps the held write and sends its reply" {
    broken_journal
    rm "$BATS_TEST_TMPDIR/fault" # the disk has room again; the next retry is seconds away
    stop_status
    [ "$STOP_ST" -eq 0 ]
    wait "$BPID"
    [ "$(cat "$BATS_TEST_TMPDIR/b.out")" = '{"KV_SET_RSP":{"st":1}}' ]
    grep -q "info: final repair of the journal: automatic snapshot [0-9]* written in [0-9]* ms ([0-9]* bytes)" "$NDB_LOG"
    grep -q "info: stopped" "$NDB_LOG"
    start_server --persist-path "$P" --journal always
    req '{"KV_GET":{"keys":["a","b"]}}' '{"KV_GET_RSP":{"keys":{"a":1,"b":2},"st":1}}'
}

@test "stopped while the journal is broken and the final repair fails: exit 1, the loss is logged and in the close frame" {
    broken_journal
    stop_status
    [ "$STOP_ST" -eq 1 ]
    grep -q "error: final repair of the journal failed: cannot write journal file .*: Input/output error; the 1 change made since the journal broke was never written and is lost" "$NDB_LOG"
    run -1 grep -q "info: stopped" "$NDB_LOG"
    local st=0
    wait "$BPID" || st=$?
    [ "$st" -eq 2 ]
    # never acknowledged, and the close frame says why
    [ "$(cat "$BATS_TEST_TMPDIR/b.out")" = "ndb: lost connection to $NDB_URL before all answers arrived: connection closed by server (1000: server shutting down; writes not answered were lost (the journal could not be written))" ]
    rm "$BATS_TEST_TMPDIR/fault"
    start_server --persist-path "$P" --journal always
    req '{"KV_GET":{"keys":["a","b"]}}' '{"KV_GET_RSP":{"keys":{"a":1},"st":1}}'
}

@test "journal always: a write whose fdatasync failed, stopped with the repair failing too, is not recovered as the close frame said" {
    # the write reached the file, its sync did not: not acknowledged, and
    # the client is told it was lost; a restart that replayed it would
    # apply it twice for a client that retries (a counter counted twice)
    export NDB_FAULT_PATH=/@ndb/ NDB_FAULT_OPS=fsync
    start_faulty --persist-path "$P" --journal always
    req '{"KV_INCR":{"keys":{"c":1}}}' '{"KV_INCR_RSP":{"keys":{"c":1},"st":1}}'
    touch "$BATS_TEST_TMPDIR/fault"
    "$NDB" send --timeout 60 '{"KV_INCR":{"keys":{"c":1}}}' >"$BATS_TEST_TMPDIR/b.out" 2>&1 &
    BPID=$!
    wait_log "error: fdatasync of journal file $(gen 1) failed: Input/output error"
    stop_status
    [ "$STOP_ST" -eq 1 ]
    grep -q "; the 1 change made since the journal broke was never written and is lost" "$NDB_LOG"
    local st=0
    wait "$BPID" || st=$?
    [ "$st" -eq 2 ]
    [ "$(cat "$BATS_TEST_TMPDIR/b.out")" = "ndb: lost connection to $NDB_URL before all answers arrived: connection closed by server (1000: server shutting down; writes not answered were lost (the journal could not be written))" ]
    rm "$BATS_TEST_TMPDIR/fault"
    start_server --persist-path "$P" --journal always
    req '{"KV_GET":{"keys":["c"]}}' '{"KV_GET_RSP":{"keys":{"c":1},"st":1}}'
}

@test "journal always: a last fdatasync failing at shutdown with every write synced says none is lost, and exits 0" {
    export NDB_FAULT_PATH=/@ndb/ NDB_FAULT_OPS=fsync
    start_faulty --persist-path "$P" --journal always
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    touch "$BATS_TEST_TMPDIR/fault"
    stop_status
    [ "$STOP_ST" -eq 0 ]
    grep -q "error: fdatasync of journal file $(gen 1) failed: Input/output error at shutdown; every acknowledged change was on disk before it, so none is lost" "$NDB_LOG"
    run -1 grep -q "writes are refused" "$NDB_LOG"
    run -1 grep -q "a repair snapshot is written now" "$NDB_LOG" # none is: the journal is being closed
    grep -q "info: stopped" "$NDB_LOG"
    rm "$BATS_TEST_TMPDIR/fault"
    start_server --persist-path "$P" --journal always
    req '{"KV_GET":{"keys":["a"]}}' '{"KV_GET_RSP":{"keys":{"a":1},"st":1}}'
}

@test "journal everysec: stopped after a failed fdatasync with no change since, the repair failing: the log says which changes are at risk" {
    export NDB_FAULT_PATH=/@ndb/ NDB_FAULT_OPS=fsync
    start_faulty --persist-path "$P" --journal everysec
    touch "$BATS_TEST_TMPDIR/fault"
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}' # acknowledged when written
    wait_log "error: fdatasync of journal file $(gen 1) failed: Input/output error; writes are refused until the journal can be written again"
    stop_status
    [ "$STOP_ST" -eq 1 ]
    grep -q "error: final repair of the journal failed: .*; no change was made since the journal broke, but those acknowledged before it and not yet synced may not be on disk" "$NDB_LOG"
    run -1 grep -q "were never written" "$NDB_LOG"
}

# taken_over ARGS...: server A (ARGS) writes fromA; its @ndb is removed and
# server B (--journal always) starts on the path and writes fromB; A
# notices; then A is stopped (its exit status in STOP_ST) and B crashes
taken_over() {
    start_server --persist-path "$P" "$@"
    OTHER_PID=$NDB_PID
    local a_log=$NDB_LOG
    req '{"KV_SET":{"keys":{"fromA":1}}}' '{"KV_SET_RSP":{"st":1}}'
    rm -rf "$P/@ndb"
    start_server --persist-path "$P" --journal always
    req '{"KV_SET":{"keys":{"fromB":1}}}' '{"KV_SET_RSP":{"st":1}}'
    local b_pid=$NDB_PID
    NDB_LOG=$a_log wait_log "$P/@ndb/lock was removed or moved while this server ran, and another ndb server is using $P/@ndb"
    NDB_PID=$OTHER_PID
    OTHER_PID=
    stop_status
    NDB_LOG=$a_log
    NDB_PID=$b_pid
    crash
}

@test "a server whose @ndb another server took meanwhile writes no final repair or save there: exit 1, the other's data intact" {
    taken_over --journal always
    [ "$STOP_ST" -eq 1 ]
    grep -q "error: final repair of the journal skipped: another server uses the persist path now: nothing of this one is written there; no change was made since the journal broke, but those in the journal file that left its path are not where a start-up reads them" "$NDB_LOG"
    start_server --persist-path "$P" --journal always
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["fromB"],"st":1}}'
    stop_server
    rm -rf "$P/@ndb"
    taken_over --save "3600 1"
    [ "$STOP_ST" -eq 1 ]
    grep -q "error: final save skipped: another server uses the persist path now: nothing of this one is written there; the changes since the last save are lost" "$NDB_LOG"
    start_server --persist-path "$P" --journal always
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["fromB"],"st":1}}'
}

@test "a save schedule whose @ndb another server took meanwhile takes no snapshot there: its writes are refused (124)" {
    start_server --persist-path "$P" --save "1 1"
    OTHER_PID=$NDB_PID
    local a_log=$NDB_LOG a_url=$NDB_URL
    rm -rf "$P/@ndb"
    start_server --persist-path "$P" --journal always
    req '{"KV_SET":{"keys":{"fromB":1}}}' '{"KV_SET_RSP":{"st":1}}'
    NDB_LOG=$a_log wait_log "$P/@ndb/lock was removed or moved while this server ran, and another ndb server is using $P/@ndb"
    local m="writes are refused: the last automatic snapshot failed (another ndb server is using $P/@ndb ($P/@ndb/lock is locked))"
    run "$NDB" send --url "$a_url" '{"KV_SET":{"keys":{"fromA":1}}}'
    [ "$output" = "{\"KV_SET_RSP\":{\"m\":\"$m\",\"st\":124,\"tkn\":null}}" ]
    sleep 1.5 # a snapshot of the schedule would be there by now
    [ -z "$(ls "$P/@ndb/snapshots")" ]
    local b_pid=$NDB_PID
    NDB_PID=$OTHER_PID
    OTHER_PID=
    stop_status # before B stops: A would take the free lock
    NDB_PID=$b_pid
    crash
    start_server --persist-path "$P" --journal always
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["fromB"],"st":1}}'
}

@test "a server that takes its @ndb back after another server used it: its repair snapshot is the newest, and what it acknowledges after survives a restart" {
    # A's @ndb is removed and B runs there meanwhile, its save schedule taking
    # snapshots 2, 3, ...; when B stops, A locks the path again and repairs
    # its journal with a snapshot.  That snapshot took A's next generation
    # (2): not the newest, so the next start recovered B's data and lost A's,
    # writes acknowledged after the repair included
    start_server --persist-path "$P" --journal always
    OTHER_PID=$NDB_PID
    local a_log=$NDB_LOG a_url=$NDB_URL
    req '{"KV_SET":{"keys":{"fromA":1}}}' '{"KV_SET_RSP":{"st":1}}'
    rm -rf "$P/@ndb"
    start_server --persist-path "$P" --journal always --save "1 1"
    req '{"KV_SET":{"keys":{"fromB":1}}}' '{"KV_SET_RSP":{"st":1}}'
    NDB_LOG=$a_log wait_log "another ndb server is using $P/@ndb"
    local i
    for i in $(seq 1 100); do [ -d "$P/@ndb/snapshots/$(printf %020d 3)" ] && break; sleep 0.05; done
    stop_server
    NDB_PID=$OTHER_PID
    OTHER_PID=
    NDB_LOG=$a_log wait_log "created and locked again"
    NDB_LOG=$a_log wait_log "writes are accepted"
    run "$NDB" send --url "$a_url" '{"KV_SET":{"keys":{"fromA2":1}}}'
    [ "$output" = '{"KV_SET_RSP":{"st":1}}' ]
    stop_server
    start_server --persist-path "$P" --journal always
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["fromA","fromA2"],"st":1}}'
}

@test "saves run in the background: each holds the data of its request, later requests wait their turn" {
    start_server --persist-path "$P" --journal always
    # one connection, pipelined: a save reflects exactly the writes before it
    # on that connection, whether it starts at once or waits for another
    run "$NDB" send '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SAVE":{"name":"d1"}}' '{"KV_SET":{"keys":{"a":2}}}' \
        '{"KV_SAVE":{"name":"d2"}}' '{"KV_SET":{"keys":{"a":3}}}' '{"SH_SAVE":{"name":"s1"}}' '{"KV_GET":{"keys":["a"]}}'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = '{"KV_SET_RSP":{"st":1}}' ]
    [[ "${lines[1]}" =~ ^\{\"KV_SAVE_RSP\":\{\"duration\":[0-9]+,\"name\":\"d1\",\"st\":121\}\}$ ]]
    [ "${lines[2]}" = '{"KV_SET_RSP":{"st":1}}' ]
    [[ "${lines[3]}" =~ ^\{\"KV_SAVE_RSP\":\{\"duration\":[0-9]+,\"name\":\"d2\",\"st\":121\}\}$ ]]
    [[ "${lines[5]}" =~ ^\{\"SH_SAVE_RSP\":\{\"duration\":[0-9]+,\"name\":\"s1\",\"st\":121\}\}$ ]]
    [ "${lines[6]}" = '{"KV_GET_RSP":{"keys":{"a":3},"st":1}}' ]
    run "$NDB" send '{"KV_LOAD":{"name":"d1"}}' '{"KV_GET":{"keys":["a"]}}' '{"KV_LOAD":{"name":"d2"}}' '{"KV_GET":{"keys":["a"]}}'
    [ "${lines[1]}" = '{"KV_GET_RSP":{"keys":{"a":1},"st":1}}' ]
    [ "${lines[3]}" = '{"KV_GET_RSP":{"keys":{"a":2},"st":1}}' ]
    # a save that fails still answers in its place
    touch "$P/blocked"
    run "$NDB" send '{"KV_SAVE":{"name":"blocked"}}' '{"KV_COUNT":{}}'
    [[ "${lines[0]}" =~ ^\{\"KV_SAVE_RSP\":\{\"m\":\"cannot\ create\ snapshot\ directory\ .*\",\"name\":\"blocked\",\"st\":122\}\}$ ]]
    [ "${lines[1]}" = '{"KV_COUNT_RSP":{"cnt":1,"st":1}}' ]
}

@test "a pipelined request after a save runs once the save is complete: KV_LOAD of that dataset finds it" {
    start_server --persist-path "$P"
    run "$NDB" send '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SAVE":{"name":"x"}}' '{"KV_LOAD":{"name":"x"}}' \
        '{"SH_SAVE":{"name":"s"}}' '{"SH_LOAD":{"name":"s"}}' '{"KV_GET":{"keys":["a"]}}'
    [ "$status" -eq 0 ]
    [[ "${lines[1]}" =~ ^\{\"KV_SAVE_RSP\":\{\"duration\":[0-9]+,\"name\":\"x\",\"st\":121\}\}$ ]]
    [[ "${lines[2]}" =~ ^\{\"KV_LOAD_RSP\":\{\"duration\":[0-9]+,\"keys\":1,\"name\":\"x\",\"sessions\":0,\"st\":141\}\}$ ]]
    [[ "${lines[3]}" =~ ^\{\"SH_SAVE_RSP\":\{\"duration\":[0-9]+,\"name\":\"s\",\"st\":121\}\}$ ]]
    [ "${lines[4]}" = '{"SH_LOAD_RSP":{"keys":0,"name":"s","sessions":0,"st":141}}' ]
    [ "${lines[5]}" = '{"KV_GET_RSP":{"keys":{"a":1},"st":1}}' ]
}

@test "retention: the newest persist.keepSnapshots complete snapshots of a dataset are kept" {
    start_server --persist-path "$P" --keep-snapshots 2
    mkdir -p "$P/ds/1000000000000000000/md" "$P/ds/notes" # an old incomplete snapshot, and not a snapshot
    local i
    for i in 1 2 3 4; do
        req "{\"KV_SET\":{\"keys\":{\"v\":$i}}}" '{"KV_SET_RSP":{"st":1}}'
        run "$NDB" send '{"KV_SAVE":{"name":"ds"}}'
        [[ "$output" == *'"st":121}}' ]]
    done
    [ "$(ls "$P/ds" | grep -c '^[0-9]*$')" -eq 2 ]
    [ -d "$P/ds/notes" ]
    grep -q "retention: removed 1 older snapshot of 'ds'; 2 kept" "$NDB_LOG"
    run "$NDB" send '{"KV_LOAD":{"name":"ds"}}'
    [[ "$output" =~ ^\{\"KV_LOAD_RSP\":\{\"duration\":[0-9]+,\"keys\":1,\"name\":\"ds\",\"sessions\":0,\"st\":141\}\}$ ]]
    req '{"KV_GET":{"keys":["v"]}}' '{"KV_GET_RSP":{"keys":{"v":4},"st":1}}'
    stop_server
    start_server --persist-path "$P" --keep-snapshots 0 # 0 keeps them all
    for i in 1 2 3; do "$NDB" send '{"KV_SAVE":{"name":"ds"}}' >/dev/null; done
    [ "$(ls "$P/ds" | grep -c '^[0-9]*$')" -eq 5 ]
}

@test "retention removes only what a save left: a numbered directory of other files stays, with a warning" {
    start_server --persist-path "$P" --keep-snapshots 1
    "$NDB" send '{"KV_SAVE":{"name":"ds"}}' >/dev/null
    # older than that snapshot, numbered as a snapshot is: a user's
    # directory, an empty one and a failed save's (its metadata pending, a
    # data file and the temporary file of the next)
    mkdir -p "$P/ds/123/sub" "$P/ds/124" "$P/ds/125/md" "$P/ds/125/data"
    echo notes >"$P/ds/123/notes.txt"
    echo '{"complete":0,"name":"ds","saveDataType":0,"start":1,"status":0,"version":2}' >"$P/ds/125/md/md.json"
    echo '{ "keys":{}}' >"$P/ds/125/data/0"
    : >"$P/ds/125/data/1.tmp"
    run "$NDB" send '{"KV_SAVE":{"name":"ds"}}'
    [[ "$output" == *'"st":121}}' ]]
    wait_log "retention: removed 3 older snapshots of 'ds'; 1 kept"
    [ "$(cat "$P/ds/123/notes.txt")" = notes ]
    [ -d "$P/ds/123/sub" ]
    [ ! -e "$P/ds/124" ] && [ ! -e "$P/ds/125" ]
    local odd # the first entry read that a save does not write: either
    odd=$(sed -n "s|^ndb: warn: retention: $P/ds/123 is not a snapshot ($P/ds/123/\(.*\) is not what a save writes): left in place; move it out of the dataset directory\$|\1|p" "$NDB_LOG")
    [[ "$odd" == notes.txt || "$odd" == sub ]]
    # a file among a snapshot's own, too
    mkdir -p "$P/ds/126/md"
    echo x >"$P/ds/126/md/md.json.bak"
    "$NDB" send '{"KV_SAVE":{"name":"ds"}}' >/dev/null
    wait_log "ndb: warn: retention: $P/ds/126 is not a snapshot ($P/ds/126/md/md.json.bak is not what a save writes)"
    [ -f "$P/ds/126/md/md.json.bak" ]
}

@test "save schedule: an empty session moving into its next period is no change: an idle server takes no snapshot for it" {
    start_server --persist-path "$P" --save "1 1" --session-check-ms 20
    local t
    t=$("$NDB" session new --ttl 1)
    wait_log "automatic snapshot $P/@ndb/snapshots/00000000000000000001 written in"
    sleep 3.5 # three more periods of the session, and three chances for the schedule
    [ "$(grep -c 'automatic snapshot .* written in' "$NDB_LOG")" -eq 1 ]
    run "$NDB" send '{"SV_INFO":{}}'
    [[ "$output" == *'"persistence":{"changesSinceSave":0,"journal":"off",'* ]]
    # it went on in its rhythm all the same, and a change still counts
    run "$NDB" session info "$t"
    [[ "$output" == '{"expires":true,"expiry":{"deleteSession":false,"duration":1,"extendOnGet":false,"extendOnSetAdd":false,"remaining":0},"keyCnt":0,"shared":false,"tkn":'"$t"'}' ]]
    "$NDB" set --session "$t" a 1
    wait_log "automatic snapshot $P/@ndb/snapshots/00000000000000000002 written in"
}

@test "save schedule: a snapshot after S seconds with N changes, recovered after kill -9; a final save on SIGTERM" {
    start_server --persist-path "$P" --save "1 2 3600 1"
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_SET":{"keys":{"b":2}}}' '{"KV_SET_RSP":{"st":1}}'
    wait_log "automatic snapshot $P/@ndb/snapshots/00000000000000000001 written in"
    grep -q "automatic snapshot $P/@ndb/snapshots/00000000000000000001 written in [0-9]* ms ([0-9]* bytes; save schedule)" "$NDB_LOG"
    run "$NDB" send '{"SV_INFO":{}}'
    [[ "$output" == *'"persistence":{"changesSinceSave":0,"journal":"off","journalBytes":0,"journalLastFsync":0,"lastSnapshot":{"duration":'* ]]
    [ ! -d "$J" ] || [ -z "$(ls "$J")" ] # no journal
    req '{"KV_SET":{"keys":{"c":3}}}' '{"KV_SET_RSP":{"st":1}}' # one change: below the 2 the 1 s rule needs
    crash
    start_server --persist-path "$P" --save "1 2 3600 1"
    grep -q "recovered 2 keys and 0 sessions in [0-9]* ms from automatic snapshot 1 (2 keys, 0 sessions" "$NDB_LOG"
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["a","b"],"st":1}}' # c was never saved: no journal
    req '{"KV_SET":{"keys":{"d":4}}}' '{"KV_SET_RSP":{"st":1}}'
    stop_server # SIGTERM: the final save
    grep -q "final save: automatic snapshot 2 written in [0-9]* ms" "$NDB_LOG"
    start_server --persist-path "$P" --save "1 2 3600 1"
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["a","b","d"],"st":1}}'
}

@test "SIGHUP (a closed terminal) is a clean shutdown: the final save of a save schedule is taken" {
    start_server --persist-path "$P" --save "3600 1"
    req '{"KV_SET":{"keys":{"typed":"before the terminal closed"}}}' '{"KV_SET_RSP":{"st":1}}'
    kill -HUP "$NDB_PID"
    exits_0
    # 0 or 1: the server may not have seen req's connection close yet
    grep -qE "shutting down on SIGHUP \(its terminal closed\?\): closing (0 connections|1 connection)$" "$NDB_LOG"
    grep -q "final save: automatic snapshot 1 written in [0-9]* ms" "$NDB_LOG"
    start_server --persist-path "$P" --save "3600 1"
    req '{"KV_GET":{"keys":["typed"]}}' '{"KV_GET_RSP":{"keys":{"typed":"before the terminal closed"},"st":1}}'
}

@test "SIGUSR1, SIGUSR2 and SIGXFSZ do not end the server (their default would, without the final save)" {
    start_server --persist-path "$P" --save "3600 1"
    req '{"KV_SET":{"keys":{"k":1}}}' '{"KV_SET_RSP":{"st":1}}'
    kill -USR1 "$NDB_PID"
    kill -USR2 "$NDB_PID"
    kill -XFSZ "$NDB_PID"
    req '{"KV_GET":{"keys":["k"]}}' '{"KV_GET_RSP":{"keys":{"k":1},"st":1}}'
    kill -0 "$NDB_PID"
    kill -TERM "$NDB_PID"
    exits_0
    grep -q "final save: automatic snapshot 1 written in [0-9]* ms" "$NDB_LOG"
}

@test "SIGTERM while a compaction is written: logged as interrupted to shut down, not as an error refusing writes; recovery after it" {
    touch "$BATS_TEST_TMPDIR/fault"
    export NDB_FAULT_PATH=/@ndb/snapshots/ NDB_FAULT_OPS=fsync NDB_FAULT_HOLD=1
    start_faulty --persist-path "$P" --journal everysec --compact-min 64K --compact-multiple 1
    local big
    big=$(head -c 70000 /dev/zero | tr '\0' x)
    "$NDB" set big "\"$big\"" >/dev/null
    wait_log "compacting: the journal holds"
    sleep 0.2 # the snapshot process waits in its first fsync
    stop_server
    grep -q '^ndb: info: automatic snapshot @ndb/snapshots/[0-9]* (compaction) interrupted to shut down: the journal holds every change$' "$NDB_LOG"
    run -1 grep -q 'error' "$NDB_LOG"
    [ "$(tail -n 1 "$NDB_LOG")" = "ndb: info: stopped" ]
    rm "$BATS_TEST_TMPDIR/fault"
    unset NDB_FAULT_PATH NDB_FAULT_OPS NDB_FAULT_HOLD
    start_server --persist-path "$P" --journal everysec
    run "$NDB" get big
    [ "$output" = "\"$big\"" ]
}

@test "compaction: past persist.compactMinBytes, a snapshot and a new journal file; recovery after it" {
    start_server --persist-path "$P" --journal everysec --compact-min 64K
    python3 -c '
import sys
for i in range(300):
    print("{\"KV_SET\":{\"keys\":{\"k%03d\":\"%s\"}}}" % (i, "v" * 300))' >"$BATS_TEST_TMPDIR/load"
    "$NDB" send <"$BATS_TEST_TMPDIR/load" >/dev/null
    wait_log "bytes; compaction)"
    grep -q "info: compacting: the journal holds [0-9]* bytes, over 65536 (2 x the last snapshot, at least 65536)" "$NDB_LOG"
    run "$NDB" send '{"SV_INFO":{}}'
    [[ "$output" =~ \"journalBytes\":([0-9]+) ]]
    [ "${BASH_REMATCH[1]}" -lt 65536 ] # only what came after the snapshot
    req '{"KV_SET":{"keys":{"after":1}}}' '{"KV_SET_RSP":{"st":1}}'
    crash
    start_server --persist-path "$P" --journal everysec --compact-min 64K
    grep -q "recovered 301 keys and 0 sessions in [0-9]* ms from automatic snapshot 2 ([0-9]* keys, 0 sessions, [0-9]* ms) and 1 journal file" "$NDB_LOG"
    [ ! -f "$(gen 1)" ] # retention: replaced by the snapshot
    stop_server
    # the snapshot was taken with a journal on: its own journal file (the
    # changes after it) must be there; without it, recovery stops rather
    # than skip to the next file and lose "after"
    [ -f "$P/@ndb/snapshots/00000000000000000002/journal" ]
    rm "$(gen 2)"
    run "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "the journal after automatic snapshot 2 is missing: $(gen 2) does not exist" ]
    run "$NDB" serve --port 0 --persist-path "$P" --journal everysec
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: the journal after automatic snapshot 2 is missing: $(gen 2) does not exist" ]
}

@test "the persist path moved under a running server: 124 until it is back, then a repair; nothing is written into the moved copy" {
    start_server --persist-path "$P" --journal always
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    mv "$P" "$P.moved"
    local m="writes are refused: the journal cannot be written (journal file $(gen 1) was removed or moved while the server wrote it (was the persist path or its @ndb directory deleted or moved?))"
    wait_refused true # the once-a-second check saw it
    req '{"KV_SET":{"keys":{"b":2}}}' "{\"KV_SET_RSP\":{\"m\":\"$m\",\"st\":124,\"tkn\":null}}"
    req '{"KV_GET":{"keys":["a"]}}' '{"KV_GET_RSP":{"keys":{"a":1},"st":1}}'
    mkdir "$P"
    wait_refused false
    grep -q "warn: $P/@ndb/lock was removed or moved while this server ran: created and locked again" "$NDB_LOG"
    req '{"KV_SET":{"keys":{"c":3}}}' '{"KV_SET_RSP":{"st":1}}'
    crash
    run "$NDB" journal check --persist-path "$P.moved" # the moved copy got nothing after the move
    [ "${lines[-1]}" = "ok: a start-up recovers 1 key and 0 sessions" ]
    start_server --persist-path "$P" --journal always
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["a","c"],"st":1}}'
}

@test "journal files of many restarts are compacted at the next start, but never with --compact-multiple 0" {
    local n
    for n in 1 2 3 4 5 6; do
        start_server --persist-path "$P" --journal always --compact-multiple 0
        req "{\"KV_SET\":{\"keys\":{\"k$n\":$n}}}" '{"KV_SET_RSP":{"st":1}}'
        sleep 1.1 # a tick: where a compaction would start
        stop_server
    done
    run -1 grep -q "compaction" "$NDB_LOG"
    [ -z "$(ls "$P/@ndb/snapshots")" ]
    [ "$(ls "$J" | wc -l)" -eq 6 ] # every journal file kept
    start_server --persist-path "$P" --journal always
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["k1","k2","k3","k4","k5","k6"],"st":1}}'
    wait_log "automatic snapshot $P/@ndb/snapshots/00000000000000000008 written in"
    grep -q "bytes; compaction of the journal files left by earlier runs)" "$NDB_LOG"
}

@test "automatic snapshots carry checksums: a flipped byte inside a string (still valid JSON) stops check and start-up" {
    start_server --persist-path "$P" --journal always --compact-min 64K
    python3 -c '
for i in range(300):
    print("{\"KV_SET\":{\"keys\":{\"k%03d\":\"%s\"}}}" % (i, "v" * 300))' >"$BATS_TEST_TMPDIR/load"
    "$NDB" send <"$BATS_TEST_TMPDIR/load" >/dev/null
    wait_log "bytes; compaction)"
    stop_server
    local s="$P/@ndb/snapshots/00000000000000000002" f
    f=$(ls "$s"/kv/*/data/0)
    [ -f "$s/checksums" ]
    run "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 0 ]
    printf 'X' | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null
    local why="automatic snapshot $s cannot be loaded: data file $f is damaged: [0-9]+ bytes with CRC-32C [0-9a-f]{8}, but $s/checksums says [0-9]+ bytes with [0-9a-f]{8} \(no older complete automatic snapshot to fall back on: restore this one from a backup\)"
    run "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 1 ]
    [[ "${lines[0]}" =~ ^$why$ ]]
    [ "${lines[1]}" = "not recoverable: this is not journal damage; a repair cannot help" ]
    run timeout 10 "$NDB" serve --port 0 --persist-path "$P" --journal always
    [ "$status" -eq 1 ]
    [[ "$output" =~ ^"ndb serve: "$why$ ]]
}

@test "a journal file missing between two others: check and start-up say what to do, and doing it recovers what comes before" {
    local n
    for n in 1 2 3; do
        start_server --persist-path "$P" --journal always
        req "{\"KV_SET\":{\"keys\":{\"k$n\":$n}}}" '{"KV_SET_RSP":{"st":1}}'
        stop_server
    done
    rm "$(gen 2)"
    local m="journal file 2 is missing (the files go from 1 to 3): restore it from a backup, or move the journal files after it away to recover what comes before it (their changes are lost)"
    run "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 1 ]
    [ "$output" = "$m
not recoverable: this is not journal damage; a repair cannot help" ]
    run timeout 10 "$NDB" serve --port 0 --persist-path "$P" --journal always
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: $m" ]
    mv "$(gen 3)" "$BATS_TEST_TMPDIR/"
    start_server --persist-path "$P" --journal always
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["k1"],"st":1}}'
}

@test "a stray directory numbered far past the journal in @ndb/snapshots stops start-up, rather than number a journal file the next start cannot reach" {
    start_server --persist-path "$P" --journal always
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    stop_server
    # copied in by hand: not a snapshot of this path, and not complete
    local stray="$P/@ndb/snapshots/00000000000000000099"
    mkdir -p "$stray"
    local m="automatic snapshot $stray is not complete and lies past the journal, with nothing in generation 2: a journal file begun after it would be missing its predecessors at the next start; move it away if no ndb server of this path left it there"
    run "$NDB" journal check --persist-path "$P"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "$m" ]
    # it started, began journal file 100 and acknowledged writes into it;
    # the start after that refused: "journal file 2 is missing"
    run timeout 10 "$NDB" serve --port 0 --persist-path "$P" --journal always
    [ "$status" -eq 1 ]
    [ "${lines[-1]}" = "ndb serve: $m" ]
    [ ! -e "$(gen 100)" ]
    mv "$stray" "$BATS_TEST_TMPDIR/"
    start_server --persist-path "$P" --journal always
    req '{"KV_SET":{"keys":{"b":2}}}' '{"KV_SET_RSP":{"st":1}}'
    stop_server
    start_server --persist-path "$P" --journal always
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["a","b"],"st":1}}'
    stop_server
    # a save schedule without a journal begins no journal file: it starts
    mv "$BATS_TEST_TMPDIR/00000000000000000099" "$stray"
    start_server --persist-path "$P" --save "3600 1"
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["a","b"],"st":1}}'
}

@test "SV_INFO persistence: policy, journal size, last fsync, last snapshot, refusal" {
    start_server --persist-path "$P" --journal always
    run "$NDB" send '{"SV_INFO":{}}'
    [[ "$output" =~ \"persistEnabled\":true,\"persistence\":\{\"changesSinceSave\":0,\"journal\":\"always\",\"journalBytes\":40,\"journalLastFsync\":[0-9]{13},\"lastSnapshot\":null,\"saving\":false,\"writesRefused\":false\},\"protocolVersion\" ]]
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    "$NDB" send '{"KV_SAVE":{"name":"x"}}' >/dev/null
    run "$NDB" info
    [ "$status" -eq 0 ]
    [[ "$output" =~ \"persistence\":\{\"changesSinceSave\":1,\"journal\":\"always\",\"journalBytes\":([0-9]+),\"journalLastFsync\":[0-9]{13},\"lastSnapshot\":\{\"duration\":[0-9]+,\"name\":\"x\",\"ok\":true,\"time\":[0-9]{13}\},\"saving\":false,\"writesRefused\":false\} ]]
    [ "${BASH_REMATCH[1]}" -gt 40 ]
}

@test "SIGTERM during start-up (recovery held in a write): one log line, and the process dies of the signal as before" {
    [ -f "$NDB_FAULT_SHIM" ] || skip "no fault shim at $NDB_FAULT_SHIM"
    start_server --persist-path "$P" --journal everysec
    "$NDB" set a 1 >/dev/null
    stop_server
    # recovery's writes under @ndb wait while the fault file exists
    touch "$BATS_TEST_TMPDIR/fault"
    NDB_LOG="$BATS_TEST_TMPDIR/startup.log"
    LD_PRELOAD="$NDB_FAULT_SHIM" NDB_FAULT_FILE="$BATS_TEST_TMPDIR/fault" NDB_FAULT_PATH=/@ndb/ NDB_FAULT_HOLD=1 \
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
        "$NDB" serve --port 0 --persist-path "$P" --journal everysec 2>"$NDB_LOG" &
    NDB_PID=$!
    sleep 1
    run -1 grep -q listening "$NDB_LOG" # still starting
    kill -TERM "$NDB_PID"
    local rc=0
    wait "$NDB_PID" || rc=$?
    NDB_PID=
    rm "$BATS_TEST_TMPDIR/fault"
    [ "$rc" -eq 143 ] # 128 + SIGTERM: killed by it, as a service manager expects
    [ "$(cat "$NDB_LOG")" = "ndb: info: stopped by SIGTERM during start-up, before listening" ]
    # the next start recovers
    start_server --persist-path "$P" --journal everysec
    run "$NDB" get a
    [ "$output" = "1" ]
}
