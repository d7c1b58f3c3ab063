#!/usr/bin/env bats
# Value fidelity (docs/protocol.md 0.1 decision 3): a stored value comes back as
# the exact JSON text that was sent, minus insignificant whitespace.

load helpers

setup_file() { start_server; }
teardown_file() { stop_server; }

# roundtrip VALUE [EXPECTED]: set key v to VALUE, get it back.
roundtrip() {
    local want=${2:-$1}
    req "{\"KV_SET\":{\"keys\":{\"v\":$1}}}" '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_GET":{"keys":["v"]}}' "{\"KV_GET_RSP\":{\"keys\":{\"v\":$want},\"st\":1}}"
}

@test "integers of any size keep their text" {
    roundtrip 18446744073709551615
    roundtrip 18446744073709551616
    roundtrip -9223372036854775808
    roundtrip -9223372036854775809
    roundtrip 123456789012345678901234567890
    roundtrip 0
    roundtrip -0
}

@test "numbers keep exactly the text written" {
    roundtrip 0.1
    roundtrip 1e400
    roundtrip 1.50
    roundtrip 2.0
    roundtrip 1E+2
    roundtrip -1.5e-10
    roundtrip 0.30000000000000004
}

@test "strings keep escapes as sent and raw Unicode as sent" {
    roundtrip '"h\u00e9llo ☃"'
    roundtrip '"héllo ☃"'
    roundtrip '"\ud83d\ude00 😀"'
    roundtrip '"a\/b\\c\"d\n\t\b\f\r"'
    roundtrip '"\u0000"'
    roundtrip '""'
}

@test "literals" {
    roundtrip true
    roundtrip false
    roundtrip null
}

@test "objects keep member order and nested duplicates; whitespace and comments go" {
    roundtrip '{"surname":"Bond","forename":"James"}'
    roundtrip '{"a":1,"a":2}'
    roundtrip ' { "x" : [ 1 , { "y" : null } ] /* c */ } ' '{"x":[1,{"y":null}]}'
    roundtrip '[1,[2,[3]],{"a":{}}]'
    roundtrip '[]'
    roundtrip '{}'
}

@test "invalid UTF-8 inside a text frame closes the connection" {
    run probe raw-hex 7b224b565f534554223a7b226b657973223a7b2261223a22ff227d7d7d
    [ "$status" -eq 0 ]
    [[ "$output" == closed* ]]
    req '{"KV_COUNT":{}}' '{"KV_COUNT_RSP":{"cnt":1,"st":1}}'
}
