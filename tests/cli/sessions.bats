#!/usr/bin/env bats
# sessions.bats — every SH_ command of docs/protocol.md section 4 through
# `ndb send`, with the decisions of section 0.1 (Q3: 101 for a missing or
# malformed token; Q4: SH_INFO ignores extra members; Q10: duration above
# 10 years → 42; Q11: expiry on every access, next period from the previous
# deadline; Q26: SH_CLEAR_SET extends), token handling up to 2^64-1, and
# many sessions due at once expired in slices.
#
# One server for the file, with a 50 ms expiry check so expiry tests can use
# 1 s durations.  Tests run in order; those that count sessions start with
# SH_END_ALL.

load helpers

setup_file() {
    start_server --session-check-ms 50 --log-level debug
}

teardown_file() {
    stop_server
}

# A test that starts its own server sets OWN_SERVER; stop it even on failure.
teardown() {
    if [ -n "${OWN_SERVER:-}" ]; then stop_server; fi
}

# new_session [BODY]: create a session, print its token (fails if none).
new_session() {
    local out
    out=$("$NDB" send "{\"SH_NEW\":${1:-{\}}}") || return 1
    [[ $out =~ ^\{\"SH_NEW_RSP\":\{\"st\":1,\"tkn\":([0-9]+)\}\}$ ]] || {
        echo "bad SH_NEW answer: $out" >&2
        return 1
    }
    echo "${BASH_REMATCH[1]}"
}

# req_same EXPECTED REQUEST...: send all REQUESTs in one connection; each
# must be answered EXPECTED exactly.
req_same() {
    local want=$1 i=0 l
    shift
    run "$NDB" send "$@"
    if [ "$status" -ne 0 ] || [ "${#lines[@]}" -ne $# ]; then
        printf 'exit %s, %s answers for %s requests:\n%s\n' "$status" "${#lines[@]}" $# "$output" >&2
        return 1
    fi
    for l in "${lines[@]}"; do
        i=$((i + 1))
        if [ "$l" != "$want" ]; then
            printf 'request : %s\nexpected: %s\ngot     : %s\n' "${!i}" "$want" "$l" >&2
            return 1
        fi
    done
}

# remaining TKN: the expiry.remaining figure of SH_INFO.
remaining() {
    "$NDB" send "{\"SH_INFO\":{\"tkn\":$1}}" | sed -n 's/.*"remaining":\([0-9-]*\).*/\1/p'
}

@test "SH_NEW: default and expiring sessions" {
    t=$(new_session)
    [ -n "$t" ]
    req "{\"SH_INFO\":{\"tkn\":$t}}" "{\"SH_INFO_RSP\":{\"expires\":false,\"keyCnt\":0,\"shared\":false,\"st\":1,\"tkn\":$t}}"
    t=$(new_session '{"expiry":{"duration":60,"deleteSession":true,"extendOnGet":true}}')
    run "$NDB" send "{\"SH_INFO\":{\"tkn\":$t}}"
    [[ $output =~ ^\{\"SH_INFO_RSP\":\{\"expires\":true,\"expiry\":\{\"deleteSession\":true,\"duration\":60,\"extendOnGet\":true,\"extendOnSetAdd\":false,\"remaining\":(59|60)\},\"keyCnt\":0,\"shared\":false,\"st\":1,\"tkn\":$t\}\}$ ]]
    # unknown members anywhere are ignored
    t=$(new_session '{"x":1,"expiry":{"duration":5,"extendOnSetAdd":true,"y":[]}}')
    run "$NDB" send "{\"SH_INFO\":{\"tkn\":$t}}"
    [[ $output == *'"deleteSession":false,"duration":5,"extendOnGet":false,"extendOnSetAdd":true,'* ]]
    # the maximum duration is accepted
    t=$(new_session '{"expiry":{"duration":315360000}}')
    run "$NDB" send "{\"SH_INFO\":{\"tkn\":$t}}"
    [[ $output =~ \"duration\":315360000,.*\"remaining\":(315359999|315360000)\} ]]
}

@test "SH_NEW: duration 0 never expires and discards the flags" {
    t=$(new_session '{"expiry":{"duration":0,"deleteSession":true,"extendOnGet":true,"extendOnSetAdd":true}}')
    req "{\"SH_INFO\":{\"tkn\":$t}}" "{\"SH_INFO_RSP\":{\"expires\":false,\"keyCnt\":0,\"shared\":false,\"st\":1,\"tkn\":$t}}"
}

@test "SH_NEW: validation (41, 26, then 42 for durations above 10 years)" {
    req '{"SH_NEW":{"expiry":{}}}' '{"SH_NEW_RSP":{"m":"Missing parameter","st":26,"tkn":null}}'
    req '{"SH_NEW":{"expiry":5}}' '{"SH_NEW_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"SH_NEW":{"expiry":null}}' '{"SH_NEW_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"SH_NEW":{"expiry":[]}}' '{"SH_NEW_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"SH_NEW":{"expiry":{"duration":-1}}}' '{"SH_NEW_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"SH_NEW":{"expiry":{"duration":1.0}}}' '{"SH_NEW_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"SH_NEW":{"expiry":{"duration":"5"}}}' '{"SH_NEW_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"SH_NEW":{"expiry":{"duration":-0}}}' '{"SH_NEW_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"SH_NEW":{"expiry":{"duration":18446744073709551616}}}' '{"SH_NEW_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    # deleteSession is checked before the missing duration (byte order)
    req '{"SH_NEW":{"expiry":{"deleteSession":1}}}' '{"SH_NEW_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"SH_NEW":{"expiry":{"duration":5,"extendOnGet":"true"}}}' '{"SH_NEW_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"SH_NEW":{"expiry":{"duration":5,"extendOnSetAdd":0}}}' '{"SH_NEW_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"SH_NEW":{"expiry":{"duration":315360001}}}' '{"SH_NEW_RSP":{"m":"'"'duration'"' exceeds 315360000 seconds (10 years)","st":42,"tkn":null}}'
    req '{"SH_NEW":{"expiry":{"duration":18446744073709551615}}}' '{"SH_NEW_RSP":{"m":"'"'duration'"' exceeds 315360000 seconds (10 years)","st":42,"tkn":null}}'
}

@test "SH_NEW: default tokens are all in 1 .. 2^53-1 and distinct" {
    run bash -c 'for i in $(seq 200); do echo "{\"SH_NEW\":{}}"; done | "$NDB" send'
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 200 ]
    declare -A seen
    for l in "${lines[@]}"; do
        [[ $l =~ ^\{\"SH_NEW_RSP\":\{\"st\":1,\"tkn\":([1-9][0-9]*)\}\}$ ]]
        t=${BASH_REMATCH[1]}
        [ "${#t}" -le 16 ]
        ((t >= 1 && t <= 9007199254740991))
        [ -z "${seen[$t]:-}" ]
        seen[$t]=1
    done
}

@test "SH_END: success, then 100 with the token; malformed token 101" {
    t=$(new_session)
    req "{\"SH_END\":{\"tkn\":$t}}" "{\"SH_END_RSP\":{\"st\":1,\"tkn\":$t}}"
    req "{\"SH_END\":{\"tkn\":$t}}" "{\"SH_END_RSP\":{\"st\":100,\"tkn\":$t}}"
    req "{\"SH_GET\":{\"tkn\":$t,\"keys\":[]}}" '{"SH_GET_RSP":{"m":"","st":100,"tkn":null}}'
    req '{"SH_END":{"tkn":18446744073709551615}}' '{"SH_END_RSP":{"st":100,"tkn":18446744073709551615}}'
    req '{"SH_END":{"tkn":0}}' '{"SH_END_RSP":{"st":100,"tkn":0}}'
    rs=()
    for bad in '' '"tkn":-0' '"tkn":1.0' '"tkn":"5"' '"tkn":-1' '"tkn":18446744073709551616' '"tkn":null' '"tkn":true' '"tkn":[1]' '"tkn":1e2'; do
        rs+=("{\"SH_END\":{$bad}}")
    done
    req_same '{"SH_END_RSP":{"m":"","st":101,"tkn":null}}' "${rs[@]}"
}

@test "SH_END_ALL: counts the sessions it removes" {
    "$NDB" send '{"SH_END_ALL":{}}' >/dev/null
    req '{"SH_END_ALL":{}}' '{"SH_END_ALL_RSP":{"cnt":0,"st":1}}'
    a=$(new_session)
    b=$(new_session)
    c=$(new_session '{"expiry":{"duration":100}}')
    req "{\"SH_SET\":{\"tkn\":$a,\"keys\":{\"x\":1}}}" '{"SH_SET_RSP":{"st":1}}'
    req '{"SH_END_ALL":{"ignored":true}}' '{"SH_END_ALL_RSP":{"cnt":3,"st":1}}'
    req "{\"SH_EXISTS\":{\"tkns\":[$a,$b,$c]}}" '{"SH_EXISTS_RSP":{"exist":[],"st":1}}'
    req '{"SH_INFO_ALL":{}}' '{"SH_INFO_ALL_RSP":{"st":1,"totalKeys":0,"totalSessions":0}}'
}

@test "SH_EXISTS: valid tokens of live sessions, request order, duplicates repeat" {
    a=$(new_session)
    b=$(new_session)
    req "{\"SH_EXISTS\":{\"tkns\":[$a,5,\"x\",$b,$a,-3,\"$a\",-0,1.0,null,18446744073709551615,9223372036854775808,18446744073709551616]}}" \
        "{\"SH_EXISTS_RSP\":{\"exist\":[$a,$b,$a],\"st\":1}}"
    req '{"SH_EXISTS":{"tkns":[]}}' '{"SH_EXISTS_RSP":{"exist":[],"st":1}}'
    req '{"SH_EXISTS":{"tkns":[18446744073709551615,9223372036854775808,9223372036854775807,0]}}' '{"SH_EXISTS_RSP":{"exist":[],"st":1}}'
    req '{"SH_EXISTS":{}}' '{"SH_EXISTS_RSP":{"m":"Missing parameter","st":26,"tkn":null}}'
    req '{"SH_EXISTS":{"tkns":5}}' '{"SH_EXISTS_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req "{\"SH_EXISTS\":{\"tkns\":{\"a\":$a}}}" '{"SH_EXISTS_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
}

@test "SH_INFO: shapes, extra members ignored, 101 and 100" {
    t=$(new_session)
    req "{\"SH_SET\":{\"tkn\":$t,\"keys\":{\"a\":1,\"b\":2}}}" '{"SH_SET_RSP":{"st":1}}'
    req "{\"SH_INFO\":{\"tkn\":$t}}" "{\"SH_INFO_RSP\":{\"expires\":false,\"keyCnt\":2,\"shared\":false,\"st\":1,\"tkn\":$t}}"
    req "{\"SH_INFO\":{\"x\":1,\"tkn\":$t,\"y\":[]}}" "{\"SH_INFO_RSP\":{\"expires\":false,\"keyCnt\":2,\"shared\":false,\"st\":1,\"tkn\":$t}}"
    req '{"SH_INFO":{}}' '{"SH_INFO_RSP":{"m":"","st":101,"tkn":null}}'
    req '{"SH_INFO":{"x":1}}' '{"SH_INFO_RSP":{"m":"","st":101,"tkn":null}}'
    rs=()
    for bad in -0 1.0 '"5"' -1 18446744073709551616 null false; do rs+=("{\"SH_INFO\":{\"tkn\":$bad}}"); done
    req_same '{"SH_INFO_RSP":{"m":"","st":101,"tkn":null}}' "${rs[@]}"
    req '{"SH_INFO":{"tkn":18446744073709551615}}' '{"SH_INFO_RSP":{"keyCnt":null,"shared":null,"st":100,"tkn":18446744073709551615}}'
    req '{"SH_INFO":{"tkn":9223372036854775808}}' '{"SH_INFO_RSP":{"keyCnt":null,"shared":null,"st":100,"tkn":9223372036854775808}}'
    req '{"SH_INFO":{"tkn":0}}' '{"SH_INFO_RSP":{"keyCnt":null,"shared":null,"st":100,"tkn":0}}'
}

@test "SH_INFO_ALL and SV_INFO: counters follow every change" {
    "$NDB" send '{"SH_END_ALL":{}}' >/dev/null
    req '{"SH_INFO_ALL":{}}' '{"SH_INFO_ALL_RSP":{"st":1,"totalKeys":0,"totalSessions":0}}'
    a=$(new_session)
    b=$(new_session)
    req '{"KV_SET":{"keys":{"top1":1,"top2":2}}}' '{"KV_SET_RSP":{"st":1}}'
    req "{\"SH_SET\":{\"tkn\":$a,\"keys\":{\"a\":1,\"b\":2,\"a\":3}}}" '{"SH_SET_RSP":{"st":1}}'
    req "{\"SH_ADD\":{\"tkn\":$b,\"keys\":{\"a\":1,\"b\":2,\"c\":3}}}" '{"SH_ADD_RSP":{"st":1}}'
    req '{"SH_INFO_ALL":{}}' '{"SH_INFO_ALL_RSP":{"st":1,"totalKeys":5,"totalSessions":2}}'
    run "$NDB" send '{"SV_INFO":{}}'
    [[ $output == *'"sessions":2,"st":1,'* ]]
    req "{\"SH_RMV\":{\"tkn\":$b,\"keys\":[\"a\",\"zz\"]}}" '{"SH_RMV_RSP":{"st":1}}'
    req "{\"SH_RMV\":{\"tkn\":$b,\"keys\":[\"b\",\"zz\"],\"cnt\":true}}" '{"SH_RMV_RSP":{"cnt":1,"st":1}}'
    req "{\"SH_RMV\":{\"tkn\":$b,\"keys\":[\"b\"],\"cnt\":\"yes\"}}" '{"SH_RMV_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req "{\"SH_ADD\":{\"tkn\":$b,\"keys\":{\"b\":2}}}" '{"SH_ADD_RSP":{"st":1}}'
    req '{"SH_INFO_ALL":{}}' '{"SH_INFO_ALL_RSP":{"st":1,"totalKeys":4,"totalSessions":2}}'
    req "{\"SH_CLEAR_SET\":{\"tkn\":$b,\"keys\":{\"x\":1,\"y\":2,\"z\":3}}}" '{"SH_CLEAR_SET_RSP":{"cnt":2,"st":1}}'
    req '{"SH_INFO_ALL":{}}' '{"SH_INFO_ALL_RSP":{"st":1,"totalKeys":5,"totalSessions":2}}'
    req "{\"SH_CLEAR\":{\"tkn\":$a}}" '{"SH_CLEAR_RSP":{"cnt":2,"st":1}}'
    req '{"SH_INFO_ALL":{}}' '{"SH_INFO_ALL_RSP":{"st":1,"totalKeys":3,"totalSessions":2}}'
    req "{\"SH_END\":{\"tkn\":$b}}" "{\"SH_END_RSP\":{\"st\":1,\"tkn\":$b}}"
    req '{"SH_INFO_ALL":{}}' '{"SH_INFO_ALL_RSP":{"st":1,"totalKeys":0,"totalSessions":1}}'
    run "$NDB" send '{"SV_INFO":{}}'
    [[ $output == *'"sessions":1,"st":1,'* ]]
    req '{"KV_CLEAR":{}}' '{"KV_CLEAR_RSP":{"cnt":2,"st":1}}'
}

@test "session key commands: every command, exact answers (4.6)" {
    t=$(new_session)
    req "{\"SH_SET\":{\"tkn\":$t,\"keys\":{\"a\":1,\"b\":{\"c\":2}}}}" '{"SH_SET_RSP":{"st":1}}'
    req "{\"SH_GET\":{\"tkn\":$t,\"keys\":[\"a\",\"b\",\"z\",5,\"a\"]}}" '{"SH_GET_RSP":{"keys":{"a":1,"b":{"c":2}},"st":1}}'
    req "{\"SH_COUNT\":{\"tkn\":$t}}" '{"SH_COUNT_RSP":{"cnt":2,"st":1}}'
    req "{\"SH_KEYS\":{\"tkn\":$t}}" '{"SH_KEYS_RSP":{"keys":["a","b"],"st":1}}'
    req "{\"SH_CONTAINS\":{\"tkn\":$t,\"keys\":[\"a\",\"zz\"]}}" '{"SH_CONTAINS_RSP":{"contains":["a"],"st":1}}'
    req "{\"SH_ADD\":{\"tkn\":$t,\"keys\":{\"a\":99,\"n\":0.10}}}" '{"SH_ADD_RSP":{"st":1}}'
    req "{\"SH_GET\":{\"tkn\":$t,\"keys\":[\"a\",\"n\"]}}" '{"SH_GET_RSP":{"keys":{"a":1,"n":0.10},"st":1}}'
    req "{\"SH_SET\":{\"tkn\":$t,\"keys\":{\"a\":18446744073709551616}}}" '{"SH_SET_RSP":{"st":1}}'
    req "{\"SH_GET\":{\"tkn\":$t,\"keys\":[\"a\"]}}" '{"SH_GET_RSP":{"keys":{"a":18446744073709551616},"st":1}}'
    req "{\"SH_RMV\":{\"tkn\":$t,\"keys\":[\"a\",\"n\"]}}" '{"SH_RMV_RSP":{"st":1}}'
    req "{\"SH_CLEAR_SET\":{\"tkn\":$t,\"keys\":{\"x\":1}}}" '{"SH_CLEAR_SET_RSP":{"cnt":1,"st":1}}'
    req "{\"SH_KEYS\":{\"tkn\":$t}}" '{"SH_KEYS_RSP":{"keys":["x"],"st":1}}'
    req "{\"SH_CLEAR\":{\"tkn\":$t}}" '{"SH_CLEAR_RSP":{"cnt":1,"st":1}}'
    req "{\"SH_COUNT\":{\"tkn\":$t}}" '{"SH_COUNT_RSP":{"cnt":0,"st":1}}'
    req "{\"SH_SET\":{\"tkn\":$t,\"keys\":{}}}" '{"SH_SET_RSP":{"st":1}}'
    req "{\"SH_GET\":{\"tkn\":$t,\"keys\":[]}}" '{"SH_GET_RSP":{"keys":{},"st":1}}'
}

@test "session key commands: validation comes before the token check" {
    req '{"SH_RMV":{"tkn":999,"keys":[]}}' '{"SH_RMV_RSP":{"m":"keys","st":42,"tkn":null}}'
    req '{"SH_SET":{"tkn":99}}' '{"SH_SET_RSP":{"m":"Missing parameter","st":26,"tkn":null}}'
    req '{"SH_SET":{"tkn":"x","keys":[]}}' '{"SH_SET_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"SH_GET":{"keys":{}}}' '{"SH_GET_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"SH_CONTAINS":{}}' '{"SH_CONTAINS_RSP":{"m":"Missing parameter","st":26,"tkn":null}}'
    req '{"SH_CLEAR_SET":{"tkn":1,"keys":5}}' '{"SH_CLEAR_SET_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
}

@test "session key commands: a ttl is refused (13), not ignored: session keys have no TTL" {
    t=$(new_session)
    m="'ttl' applies to top-level keys only: session keys have no TTL, the session expires as a whole (SH_EXPIRE)"
    for cmd in SH_SET SH_ADD SH_CLEAR_SET; do
        req "{\"$cmd\":{\"tkn\":$t,\"keys\":{\"otp\":\"123456\"},\"ttl\":30}}" \
            "{\"${cmd}_RSP\":{\"m\":\"$m\",\"st\":13,\"tkn\":null}}"
    done
    # any value, and before the token check, as every validation (4.4)
    req "{\"SH_SET\":{\"tkn\":$t,\"keys\":{\"a\":1},\"ttl\":\"x\"}}" "{\"SH_SET_RSP\":{\"m\":\"$m\",\"st\":13,\"tkn\":null}}"
    req '{"SH_SET":{"tkn":99,"keys":{"a":1},"ttl":null}}' "{\"SH_SET_RSP\":{\"m\":\"$m\",\"st\":13,\"tkn\":null}}"
    # nothing was stored
    req "{\"SH_COUNT\":{\"tkn\":$t}}" '{"SH_COUNT_RSP":{"cnt":0,"st":1}}'
    # other members are still ignored (1.9), and the KV forms keep their ttl
    req "{\"SH_SET\":{\"tkn\":$t,\"keys\":{\"a\":1},\"x\":1}}" '{"SH_SET_RSP":{"st":1}}'
    req '{"KV_SET":{"keys":{"otp":"1"},"ttl":30}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_RMV":{"keys":["otp"]}}' '{"KV_RMV_RSP":{"st":1}}'
}

@test "session key commands: missing or malformed token 101, unknown token 100" {
    req '{"SH_SET":{"keys":{"a":1}}}' '{"SH_SET_RSP":{"m":"","st":101,"tkn":null}}'
    req '{"SH_SET":{"tkn":99,"keys":{"a":1}}}' '{"SH_SET_RSP":{"m":"","st":100,"tkn":null}}'
    req '{"SH_COUNT":{}}' '{"SH_COUNT_RSP":{"m":"","st":101,"tkn":null}}'
    bads=(-0 1.0 '"5"' -1 18446744073709551616 1e2 true null '{}' '[]')
    rs=()
    for bad in "${bads[@]}"; do rs+=("{\"SH_GET\":{\"tkn\":$bad,\"keys\":[\"a\"]}}"); done
    req_same '{"SH_GET_RSP":{"m":"","st":101,"tkn":null}}' "${rs[@]}"
    rs=()
    for bad in "${bads[@]}"; do rs+=("{\"SH_KEYS\":{\"tkn\":$bad}}"); done
    req_same '{"SH_KEYS_RSP":{"m":"","st":101,"tkn":null}}' "${rs[@]}"
    for cmd in SH_ADD SH_SET SH_CLEAR_SET; do
        req "{\"$cmd\":{\"tkn\":0,\"keys\":{}}}" "{\"${cmd}_RSP\":{\"m\":\"\",\"st\":100,\"tkn\":null}}"
    done
    for cmd in SH_GET SH_RMV SH_CONTAINS; do
        req "{\"$cmd\":{\"tkn\":18446744073709551615,\"keys\":[\"a\"]}}" "{\"${cmd}_RSP\":{\"m\":\"\",\"st\":100,\"tkn\":null}}"
    done
    for cmd in SH_CLEAR SH_COUNT SH_KEYS; do
        req "{\"$cmd\":{\"tkn\":9223372036854775808}}" "{\"${cmd}_RSP\":{\"m\":\"\",\"st\":100,\"tkn\":null}}"
    done
}

@test "SH_ commands that do not exist answer 10" {
    for cmd in SH_FIND SH_UPDATE SH_ARR_APPEND SH_OPEN SH_FOO SH_ sh_new SH_NEWX; do
        req "{\"$cmd\":{\"tkn\":1}}" "{\"${cmd}_RSP\":{\"m\":\"\",\"st\":10,\"tkn\":null}}"
    done
}

@test "isolation: sessions do not see each other or the top-level keys" {
    a=$(new_session)
    b=$(new_session)
    req '{"KV_SET":{"keys":{"k":"top"}}}' '{"KV_SET_RSP":{"st":1}}'
    req "{\"SH_SET\":{\"tkn\":$a,\"keys\":{\"k\":\"a\",\"onlya\":1}}}" '{"SH_SET_RSP":{"st":1}}'
    req "{\"SH_SET\":{\"tkn\":$b,\"keys\":{\"k\":\"b\"}}}" '{"SH_SET_RSP":{"st":1}}'
    req '{"KV_GET":{"keys":["k","onlya"]}}' '{"KV_GET_RSP":{"keys":{"k":"top"},"st":1}}'
    req "{\"SH_GET\":{\"tkn\":$a,\"keys\":[\"k\",\"onlya\"]}}" '{"SH_GET_RSP":{"keys":{"k":"a","onlya":1},"st":1}}'
    req "{\"SH_GET\":{\"tkn\":$b,\"keys\":[\"k\",\"onlya\"]}}" '{"SH_GET_RSP":{"keys":{"k":"b"},"st":1}}'
    req "{\"SH_CLEAR\":{\"tkn\":$a}}" '{"SH_CLEAR_RSP":{"cnt":2,"st":1}}'
    req "{\"SH_KEYS\":{\"tkn\":$b}}" '{"SH_KEYS_RSP":{"keys":["k"],"st":1}}'
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["k"],"st":1}}'
    req '{"KV_CLEAR":{}}' '{"KV_CLEAR_RSP":{"cnt":1,"st":1}}'
    req "{\"SH_COUNT\":{\"tkn\":$b}}" '{"SH_COUNT_RSP":{"cnt":1,"st":1}}'
    req "{\"SH_END\":{\"tkn\":$b}}" "{\"SH_END_RSP\":{\"st\":1,\"tkn\":$b}}"
    req "{\"SH_COUNT\":{\"tkn\":$a}}" '{"SH_COUNT_RSP":{"cnt":0,"st":1}}'
}

@test "tokenBits 64: tokens above 2^63 work exactly in every command" {
    cfg="$BATS_TEST_TMPDIR/ndb64.json"
    cat >"$cfg" <<'EOF'
{
  "version": 5,
  "ip": "127.0.0.1",
  "port": 1987,
  "maxPayload": 65536,
  "persist": {"enabled": false, "path": ""},
  // ndb's own member
  "sessions": {"tokenBits": 64}
}
EOF
    OWN_SERVER=1
    start_server --config "$cfg"
    big=
    for i in $(seq 64); do # each token is above 2^63 with probability 1/2
        t=$(new_session)
        if [ "${#t}" -eq 20 ] || { [ "${#t}" -eq 19 ] && [[ $t > 9223372036854775808 ]]; }; then
            big=$t
            break
        fi
    done
    [ -n "$big" ]
    req "{\"SH_SET\":{\"tkn\":$big,\"keys\":{\"a\":1}}}" '{"SH_SET_RSP":{"st":1}}'
    req "{\"SH_GET\":{\"tkn\":$big,\"keys\":[\"a\"]}}" '{"SH_GET_RSP":{"keys":{"a":1},"st":1}}'
    req "{\"SH_EXISTS\":{\"tkns\":[$big,18446744073709551615]}}" "{\"SH_EXISTS_RSP\":{\"exist\":[$big],\"st\":1}}"
    req "{\"SH_INFO\":{\"tkn\":$big}}" "{\"SH_INFO_RSP\":{\"expires\":false,\"keyCnt\":1,\"shared\":false,\"st\":1,\"tkn\":$big}}"
    # a neighbour of the token (last digit changed) names no session
    other=${big:0:${#big}-1}$(((${big: -1} + 5) % 10))
    req "{\"SH_GET\":{\"tkn\":$other,\"keys\":[\"a\"]}}" '{"SH_GET_RSP":{"m":"","st":100,"tkn":null}}'
    req "{\"SH_END\":{\"tkn\":$big}}" "{\"SH_END_RSP\":{\"st\":1,\"tkn\":$big}}"
    req "{\"SH_EXISTS\":{\"tkns\":[$big]}}" '{"SH_EXISTS_RSP":{"exist":[],"st":1}}'
    stop_server
}

@test "expiry: deleteSession true removes the session, false empties and keeps it; the timer acts alone" {
    "$NDB" send '{"SH_END_ALL":{}}' >/dev/null
    d=$(new_session '{"expiry":{"duration":1,"deleteSession":true}}')
    k=$(new_session '{"expiry":{"duration":1,"deleteSession":false}}')
    req "{\"SH_SET\":{\"tkn\":$d,\"keys\":{\"a\":1}}}" '{"SH_SET_RSP":{"st":1}}'
    req "{\"SH_SET\":{\"tkn\":$k,\"keys\":{\"a\":1,\"b\":2}}}" '{"SH_SET_RSP":{"st":1}}'
    req "{\"SH_EXISTS\":{\"tkns\":[$d,$k]}}" "{\"SH_EXISTS_RSP\":{\"exist\":[$d,$k],\"st\":1}}"
    req '{"SH_INFO_ALL":{}}' '{"SH_INFO_ALL_RSP":{"st":1,"totalKeys":3,"totalSessions":2}}'
    log_lines=$(wc -l <"$NDB_LOG")
    sleep 1.3
    # nothing touched the sessions: the 50 ms timer expired them
    tail -n +"$((log_lines + 1))" "$NDB_LOG" | grep -q 'expiry timer: \(1 session\|2 sessions\) expired'
    req '{"SH_INFO_ALL":{}}' '{"SH_INFO_ALL_RSP":{"st":1,"totalKeys":0,"totalSessions":1}}'
    run "$NDB" send '{"SV_INFO":{}}'
    [[ $output == *'"sessions":1,"st":1,'* ]]
    req "{\"SH_GET\":{\"tkn\":$d,\"keys\":[\"a\"]}}" '{"SH_GET_RSP":{"m":"","st":100,"tkn":null}}'
    req "{\"SH_INFO\":{\"tkn\":$d}}" "{\"SH_INFO_RSP\":{\"keyCnt\":null,\"shared\":null,\"st\":100,\"tkn\":$d}}"
    req "{\"SH_EXISTS\":{\"tkns\":[$d,$k]}}" "{\"SH_EXISTS_RSP\":{\"exist\":[$k],\"st\":1}}"
    req "{\"SH_GET\":{\"tkn\":$k,\"keys\":[\"a\",\"b\"]}}" '{"SH_GET_RSP":{"keys":{},"st":1}}'
    # the next period started at the previous deadline: under a second is left
    req "{\"SH_INFO\":{\"tkn\":$k}}" "{\"SH_INFO_RSP\":{\"expires\":true,\"expiry\":{\"deleteSession\":false,\"duration\":1,\"extendOnGet\":false,\"extendOnSetAdd\":false,\"remaining\":0},\"keyCnt\":0,\"shared\":false,\"st\":1,\"tkn\":$k}}"
    req "{\"SH_END\":{\"tkn\":$d}}" "{\"SH_END_RSP\":{\"st\":100,\"tkn\":$d}}"
    req "{\"SH_END\":{\"tkn\":$k}}" "{\"SH_END_RSP\":{\"st\":1,\"tkn\":$k}}"
}

@test "expiry: extendOnGet on SH_GET; extendOnSetAdd on SH_SET, SH_ADD, SH_CLEAR_SET; nothing else extends" {
    # Every step is one pipelined `ndb send`, so each step happens at one
    # moment: create at 0, extend at ~1.1 s, check at ~2.2 s (duration 2 s).
    run "$NDB" send '{"SH_NEW":{"expiry":{"duration":2,"extendOnGet":true}}}' \
        '{"SH_NEW":{"expiry":{"duration":2,"extendOnSetAdd":true}}}' \
        '{"SH_NEW":{"expiry":{"duration":2,"extendOnSetAdd":true}}}' \
        '{"SH_NEW":{"expiry":{"duration":2,"extendOnSetAdd":true}}}' \
        '{"SH_NEW":{"expiry":{"duration":2,"extendOnSetAdd":true}}}' \
        '{"SH_NEW":{"expiry":{"duration":2}}}'
    [ "$status" -eq 0 ]
    tk=()
    for l in "${lines[@]}"; do
        [[ $l =~ \"tkn\":([0-9]+) ]]
        tk+=("${BASH_REMATCH[1]}")
    done
    g=${tk[0]} s=${tk[1]} a=${tk[2]} c=${tk[3]} n=${tk[4]} x=${tk[5]}
    rs=()
    for t in "${tk[@]}"; do rs+=("{\"SH_SET\":{\"tkn\":$t,\"keys\":{\"k\":1}}}"); done
    req_same '{"SH_SET_RSP":{"st":1}}' "${rs[@]}"
    sleep 1.1
    run "$NDB" send "{\"SH_GET\":{\"tkn\":$g,\"keys\":[]}}" \
        "{\"SH_SET\":{\"tkn\":$s,\"keys\":{}}}" \
        "{\"SH_ADD\":{\"tkn\":$a,\"keys\":{\"k\":2}}}" \
        "{\"SH_CLEAR_SET\":{\"tkn\":$c,\"keys\":{\"k\":3}}}" \
        "{\"SH_GET\":{\"tkn\":$n,\"keys\":[\"k\"]}}" "{\"SH_COUNT\":{\"tkn\":$n}}" "{\"SH_KEYS\":{\"tkn\":$n}}" \
        "{\"SH_INFO\":{\"tkn\":$n}}" "{\"SH_CONTAINS\":{\"tkn\":$n,\"keys\":[\"k\"]}}" \
        "{\"SH_RMV\":{\"tkn\":$n,\"keys\":[\"zz\"]}}" "{\"SH_CLEAR\":{\"tkn\":$x}}" \
        "{\"SH_SET\":{\"tkn\":$x,\"keys\":{\"k\":4}}}"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = '{"SH_GET_RSP":{"keys":{},"st":1}}' ]
    [ "${lines[3]}" = '{"SH_CLEAR_SET_RSP":{"cnt":1,"st":1}}' ]
    sleep 1.1
    run "$NDB" send "{\"SH_GET\":{\"tkn\":$g,\"keys\":[\"k\"]}}" "{\"SH_GET\":{\"tkn\":$s,\"keys\":[\"k\"]}}" \
        "{\"SH_GET\":{\"tkn\":$a,\"keys\":[\"k\"]}}" "{\"SH_GET\":{\"tkn\":$c,\"keys\":[\"k\"]}}" \
        "{\"SH_GET\":{\"tkn\":$n,\"keys\":[\"k\"]}}" "{\"SH_GET\":{\"tkn\":$x,\"keys\":[\"k\"]}}"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = '{"SH_GET_RSP":{"keys":{"k":1},"st":1}}' ] # extended by SH_GET
    [ "${lines[1]}" = '{"SH_GET_RSP":{"keys":{"k":1},"st":1}}' ] # by SH_SET with keys {}
    [ "${lines[2]}" = '{"SH_GET_RSP":{"keys":{"k":1},"st":1}}' ] # by SH_ADD that added nothing
    [ "${lines[3]}" = '{"SH_GET_RSP":{"keys":{"k":3},"st":1}}' ] # by SH_CLEAR_SET (Q26)
    # GET/COUNT/KEYS/INFO/CONTAINS/RMV do not extend a set-extending session,
    # and CLEAR/SET do not extend a session without flags
    [ "${lines[4]}" = '{"SH_GET_RSP":{"keys":{},"st":1}}' ]
    [ "${lines[5]}" = '{"SH_GET_RSP":{"keys":{},"st":1}}' ]
}

@test "expiry: remaining counts down and is never negative" {
    t=$(new_session '{"expiry":{"duration":2}}')
    r0=$(remaining "$t")
    [ "$r0" = 1 ] || [ "$r0" = 2 ]
    sleep 1.1
    r1=$(remaining "$t")
    [ "$r1" = 0 ]
    sleep 1.1
    r2=$(remaining "$t") # past the first deadline: a new period of 2 s has begun
    [ "$r2" = 1 ]
}

@test "serve: --session-check-ms is range-checked" {
    run "$NDB" serve --port 0 --session-check-ms 0
    [ "$status" -eq 1 ]
    [[ $output == *"--session-check-ms: '0' must be a number of milliseconds from 1 to 1000"* ]]
    run "$NDB" serve --port 0 --session-check-ms 1001
    [ "$status" -eq 1 ]
    run "$NDB" serve --help
    [[ $output == *"--session-check-ms MS"* ]]
}

@test "expiry: 50000 sessions due at once are expired in slices of 20000 over successive loop turns, all of them" {
    OWN_SERVER=1
    DATA=$(mktemp -d "$BATS_TEST_TMPDIR/data.XXXXXX")
    start_server --session-check-ms 50 --log-level debug --persist-path "$DATA"
    # 50000 sessions saved and loaded back: a load starts every loaded
    # session's period at the same instant, so all are due together
    run python3 - "$NDB_URL" "$BATS_TEST_DIRNAME" <<'PY'
import re, sys
sys.path.insert(0, sys.argv[2])
from wsprobe import WSConn, OP_TEXT, build_frame
c = WSConn(sys.argv[1], 60)
new = build_frame(OP_TEXT, b'{"SH_NEW":{"expiry":{"duration":2,"deleteSession":true}}}')
for _ in range(10):
    c.send_raw(new * 5000)
    for _ in range(5000):
        assert b'"st":1' in c.recv_message()
for req in ('{"SH_SAVE":{"name":"burst"}}', '{"SH_END_ALL":{}}', '{"SH_LOAD":{"name":"burst"}}'):
    c.send_frame(OP_TEXT, req.encode())
    print(re.sub(r'"duration":[0-9]+', '"duration":D', c.recv_message().decode()))
PY
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf '%s\n' '{"SH_SAVE_RSP":{"duration":D,"name":"burst","st":121}}' \
        '{"SH_END_ALL_RSP":{"cnt":50000,"st":1}}' '{"SH_LOAD_RSP":{"keys":0,"name":"burst","sessions":50000,"st":141}}')" ]
    # the timer finds them due and expires a slice; each later slice runs at
    # the next loop turn ("next slice"), or, when a slice took longer than
    # --session-check-ms (ASan on a loaded machine), the timer may come first
    # and run it: either way, slices of 20000 in order
    local slices
    for i in $(seq 1 300); do # up to 30 s: a loaded machine under ASan
        slices=$(sed -nE 's/.*debug: expiry(, next slice| timer): ([0-9]+) sessions expired$/\2/p' "$NDB_LOG" | xargs)
        [ "$slices" = "20000 20000 10000" ] && break
        sleep 0.1
    done
    [ "$slices" = "20000 20000 10000" ]
    grep -q 'expiry timer: 20000 sessions expired' "$NDB_LOG"
    req '{"SH_INFO_ALL":{}}' '{"SH_INFO_ALL_RSP":{"st":1,"totalKeys":0,"totalSessions":0}}'
}
