#!/usr/bin/env bats
# Large values: commands that visit every node of a value must take time
# linear in its size.  Locating each KV_UPDATE match from the root, and
# KV_CAS looking up every member of a large object by a scan, were
# quadratic: 250,000 elements took minutes, during which no other client
# was answered.  The limits below (30 s) are far above what a linear pass
# needs (well under a second here) and far below the quadratic time, so
# they separate the two without measuring anything.

load helpers

setup_file() { start_server --max-payload 16777216; } # the large objects are ~3 MB
teardown_file() { stop_server; }

# big_array N: a KV_SET of key "big" holding N zeros.
big_array() {
    python3 -c "import sys; n=int(sys.argv[1]); print('{\"KV_SET\":{\"keys\":{\"big\":[' + ','.join(['0']*n) + ']}}}')" "$1"
}

# big_object N VALUE: a JSON object of N members k0..k(N-1), all VALUE.
big_object() {
    python3 -c "import sys; n=int(sys.argv[1]); print('{' + ','.join('\"k%d\":%s' % (i, sys.argv[2]) for i in range(n)) + '}')" "$1" "$2"
}

@test "KV_UPDATE of 250,000 array elements answers, and another client is answered meanwhile" {
    big_array 250000 | "$NDB" send - >/dev/null
    "$NDB" send --timeout 30 '{"KV_UPDATE":{"key":"big","path":"$[*]","value":1}}' >"$BATS_TEST_TMPDIR/update" &
    local upd=$!
    run "$NDB" send --timeout 30 '{"KV_COUNT":{}}'
    [ "$status" -eq 0 ]
    [ "$output" = '{"KV_COUNT_RSP":{"cnt":1,"st":1}}' ]
    wait "$upd"
    [ "$(cat "$BATS_TEST_TMPDIR/update")" = '{"KV_UPDATE_RSP":{"cnt":250000,"st":1}}' ]
    req '{"KV_FIND":{"rsp":"keys","path":"$[?(@ == 0)]"}}' '{"KV_FIND_RSP":{"keys":[],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","path":"$[249999]"}}' '{"KV_FIND_RSP":{"paths":["$[249999]"],"st":1}}'
}

@test "KV_UPDATE of 250,000 object members, and KV_CAS comparing them, answer" {
    printf '{"KV_SET":{"keys":{"obj":%s}}}\n' "$(big_object 250000 0)" | "$NDB" send - >/dev/null
    run "$NDB" send --timeout 30 '{"KV_UPDATE":{"key":"obj","path":"$.*","value":1}}'
    [ "$status" -eq 0 ]
    [ "$output" = '{"KV_UPDATE_RSP":{"cnt":250000,"st":1}}' ]
    printf '{"KV_CAS":{"key":"obj","expect":%s,"value":2}}\n' "$(big_object 250000 1)" >"$BATS_TEST_TMPDIR/cas"
    run "$NDB" send --timeout 30 - <"$BATS_TEST_TMPDIR/cas"
    [ "$status" -eq 0 ]
    [ "$output" = '{"KV_CAS_RSP":{"ok":true,"st":1}}' ]
    req '{"KV_GET":{"keys":["obj"]}}' '{"KV_GET_RSP":{"keys":{"obj":2},"st":1}}'
}
