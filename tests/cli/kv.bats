#!/usr/bin/env bats
# The KV_ commands of docs/protocol.md 3.1–3.9 over the wire, with exact
# responses, every validation status, and the protocol's key order; a
# KV_CLEAR of many keys frees them in slices after its answer.

load helpers

setup_file() { start_server; }
teardown_file() { stop_server; }
setup() { "$NDB" send '{"KV_CLEAR":{}}' >/dev/null; }
# A test that starts a server of its own (OWN_SERVER=1, on its own line)
# has it stopped here, even when it fails.
teardown() {
    if [ -n "${OWN_SERVER:-}" ]; then stop_server; fi
}

@test "KV_SET stores keys and answers st 1" {
    req '{"KV_SET":{"keys":{"username":"Bob","age":26,"profile":{"city":"Paris","zip":"75001"}}}}' \
        '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_GET":{"keys":["username","age","profile"]}}' \
        '{"KV_GET_RSP":{"keys":{"username":"Bob","age":26,"profile":{"city":"Paris","zip":"75001"}},"st":1}}'
}

@test "KV_SET with an empty object is fine" {
    req '{"KV_SET":{"keys":{}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_COUNT":{}}' '{"KV_COUNT_RSP":{"cnt":0,"st":1}}'
}

@test "KV_SET overwrites" {
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_SET":{"keys":{"a":[2]}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_GET":{"keys":["a"]}}' '{"KV_GET_RSP":{"keys":{"a":[2]},"st":1}}'
}

@test "KV_SET validation: wrong type 41, missing 26, extra members ignored" {
    req '{"KV_SET":{"keys":[]}}' '{"KV_SET_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"KV_SET":{"keys":null}}' '{"KV_SET_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"KV_SET":{}}' '{"KV_SET_RSP":{"m":"Missing parameter","st":26,"tkn":null}}'
    req '{"KV_SET":{"kees":{"a":1}}}' '{"KV_SET_RSP":{"m":"Missing parameter","st":26,"tkn":null}}'
    req '{"KV_SET":{"keys":{"a":1},"other":5}}' '{"KV_SET_RSP":{"st":1}}'
}

@test "KV_SET: first occurrence of a duplicated key wins" {
    req '{"KV_SET":{"keys":{"a":1,"a":2}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_GET":{"keys":["a"]}}' '{"KV_GET_RSP":{"keys":{"a":1},"st":1}}'
    req '{"KV_SET":{"keys":{"b":1,"\u0062":2}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_GET":{"keys":["b"]}}' '{"KV_GET_RSP":{"keys":{"b":1},"st":1}}'
}

@test "KV_ADD adds missing keys and leaves existing ones" {
    req '{"KV_SET":{"keys":{"age":26}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_ADD":{"keys":{"age":30,"city":"Paris"}}}' '{"KV_ADD_RSP":{"st":1}}'
    req '{"KV_GET":{"keys":["age","city"]}}' '{"KV_GET_RSP":{"keys":{"age":26,"city":"Paris"},"st":1}}'
    req '{"KV_ADD":{"keys":{"x":1,"x":2}}}' '{"KV_ADD_RSP":{"st":1}}'
    req '{"KV_GET":{"keys":["x"]}}' '{"KV_GET_RSP":{"keys":{"x":1},"st":1}}'
    req '{"KV_ADD":{"keys":5}}' '{"KV_ADD_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"KV_ADD":{}}' '{"KV_ADD_RSP":{"m":"Missing parameter","st":26,"tkn":null}}'
}

@test "KV_GET skips non-strings, omits missing keys, lists duplicates once" {
    req '{"KV_SET":{"keys":{"username":"Bob","age":26}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_GET":{"keys":["username","age","nope",5,null,["age"],"age"]}}' \
        '{"KV_GET_RSP":{"keys":{"username":"Bob","age":26},"st":1}}'
    req '{"KV_GET":{"keys":[]}}' '{"KV_GET_RSP":{"keys":{},"st":1}}'
    req '{"KV_GET":{"keys":{}}}' '{"KV_GET_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"KV_GET":{"keys":"age"}}' '{"KV_GET_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"KV_GET":{}}' '{"KV_GET_RSP":{"m":"Missing parameter","st":26,"tkn":null}}'
}

@test "KV_GET lists found keys in request order" {
    req '{"KV_SET":{"keys":{"a":1,"b":2,"c":3}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_GET":{"keys":["c","a","b"]}}' '{"KV_GET_RSP":{"keys":{"c":3,"a":1,"b":2},"st":1}}'
}

@test "KV_RMV removes, ignores missing and non-string items; empty list is 42" {
    req '{"KV_SET":{"keys":{"age":1,"b":2}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_RMV":{"keys":["age","nope",7]}}' '{"KV_RMV_RSP":{"st":1}}'
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["b"],"st":1}}'
    req '{"KV_RMV":{"keys":[]}}' '{"KV_RMV_RSP":{"m":"keys","st":42,"tkn":null}}'
    req '{"KV_RMV":{"keys":"a"}}' '{"KV_RMV_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"KV_RMV":{}}' '{"KV_RMV_RSP":{"m":"Missing parameter","st":26,"tkn":null}}'
}

@test "KV_RMV with ndb's opt-in \"cnt\":true answers how many keys it removed" {
    req '{"KV_SET":{"keys":{"a":1,"b":2,"c":3}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_RMV":{"keys":["a","nope","a",7,"b"],"cnt":true}}' '{"KV_RMV_RSP":{"cnt":2,"st":1}}'
    req '{"KV_RMV":{"keys":["a"],"cnt":true}}' '{"KV_RMV_RSP":{"cnt":0,"st":1}}'
    # without it (or with false) the protocol's answer, unchanged
    req '{"KV_RMV":{"keys":["c"],"cnt":false}}' '{"KV_RMV_RSP":{"st":1}}'
    req '{"KV_RMV":{"keys":["c"],"cnt":1}}' '{"KV_RMV_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"KV_RMV":{"keys":[],"cnt":true}}' '{"KV_RMV_RSP":{"m":"keys","st":42,"tkn":null}}'
    req '{"KV_RMV":{"cnt":true}}' '{"KV_RMV_RSP":{"m":"Missing parameter","st":26,"tkn":null}}'
}

@test "KV_CLEAR answers the number removed" {
    req '{"KV_SET":{"keys":{"a":1,"b":2,"c":3}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_CLEAR":{}}' '{"KV_CLEAR_RSP":{"cnt":3,"st":1}}'
    req '{"KV_CLEAR":{"ignored":true}}' '{"KV_CLEAR_RSP":{"cnt":0,"st":1}}'
    req '{"KV_CLEAR":[]}' '{"KV_CLEAR_RSP":{"m":"","st":13,"tkn":null}}'
}

@test "KV_COUNT" {
    req '{"KV_COUNT":{}}' '{"KV_COUNT_RSP":{"cnt":0,"st":1}}'
    req '{"KV_SET":{"keys":{"a":1,"b":2}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_COUNT":{}}' '{"KV_COUNT_RSP":{"cnt":2,"st":1}}'
}

@test "KV_CONTAINS keeps request order and repeats duplicates" {
    req '{"KV_SET":{"keys":{"k1":1,"k9":9}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_CONTAINS":{"keys":["k1","zz","k1",3,"k9"]}}' '{"KV_CONTAINS_RSP":{"contains":["k1","k1","k9"],"st":1}}'
    req '{"KV_CONTAINS":{"keys":[]}}' '{"KV_CONTAINS_RSP":{"contains":[],"st":1}}'
    req '{"KV_CONTAINS":{"keys":{}}}' '{"KV_CONTAINS_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"KV_CONTAINS":{}}' '{"KV_CONTAINS_RSP":{"m":"Missing parameter","st":26,"tkn":null}}'
}

@test "KV_KEYS uses map order: insertion, byte order within one request, a removal moves nothing" {
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":[],"st":1}}'
    req '{"KV_SET":{"keys":{"k1":1,"k2":2,"k3":3,"k4":4}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_RMV":{"keys":["k2"]}}' '{"KV_RMV_RSP":{"st":1}}'
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["k1","k3","k4"],"st":1}}'
    req '{"KV_SET":{"keys":{"k2":5}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["k1","k3","k4","k2"],"st":1}}'
    req '{"KV_CLEAR":{}}' '{"KV_CLEAR_RSP":{"cnt":4,"st":1}}'
    req '{"KV_SET":{"keys":{"d":1,"b":2,"c":3,"a":4}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["a","b","c","d"],"st":1}}'
    req '{"KV_SET":{"keys":{"a":9}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["a","b","c","d"],"st":1}}'
}

@test "KV_CLEAR_SET clears then sets, answering the number cleared" {
    req '{"KV_SET":{"keys":{"a":1,"b":2,"c":3,"d":4}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_CLEAR_SET":{"keys":{"username":"The Rock","yearBorn":1972}}}' '{"KV_CLEAR_SET_RSP":{"cnt":4,"st":1}}'
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["username","yearBorn"],"st":1}}'
    req '{"KV_CLEAR_SET":{"keys":{}}}' '{"KV_CLEAR_SET_RSP":{"cnt":2,"st":1}}'
    req '{"KV_COUNT":{}}' '{"KV_COUNT_RSP":{"cnt":0,"st":1}}'
    req '{"KV_CLEAR_SET":{"keys":[1]}}' '{"KV_CLEAR_SET_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"KV_CLEAR_SET":{}}' '{"KV_CLEAR_SET_RSP":{"m":"Missing parameter","st":26,"tkn":null}}'
}

@test "keys are any string: empty, escaped, unicode, control characters" {
    req '{"KV_SET":{"keys":{"":0,"a\"b":1,"tab\there":2,"\u00e9t\u00e9":3,"\u0001":4,"sp ace":5}}}' \
        '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_GET":{"keys":["","a\"b","tab\there","été","\u0001","sp ace"]}}' \
        '{"KV_GET_RSP":{"keys":{"":0,"a\"b":1,"tab\there":2,"été":3,"\u0001":4,"sp ace":5},"st":1}}'
    req '{"KV_CONTAINS":{"keys":["\u00e9t\u00e9"]}}' '{"KV_CONTAINS_RSP":{"contains":["été"],"st":1}}'
}

@test "SV_INFO reports version, persistence and counters" {
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    run "$NDB" send '{"SV_INFO":{"ignored":1}}'
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^\{\"SV_INFO_RSP\":\{.*\"persistEnabled\":false,.*\"serverVersion\":\"[0-9]+\.[0-9]+\.[0-9]+\",\"sessions\":[0-9]+,\"st\":1, ]]
    [[ "$output" == *'"keys":1,'* ]]
    [[ "$output" == *'"protocolVersion":"0.7.1"'* ]]
    req '{"SV_INFO":[]}' '{"SV_INFO_RSP":{"m":"","st":13,"tkn":null}}'
    req '{"SV_OTHER":{}}' '{"SV_OTHER_RSP":{"m":"","st":10,"tkn":null}}'
}

@test "KV_CLEAR of 50000 keys answers at once and frees them over the next turns, 20000 at a time" {
    OWN_SERVER=1
    start_server --log-level debug
    run python3 - "$NDB_URL" "$BATS_TEST_DIRNAME" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[2])
from wsprobe import WSConn, OP_TEXT
c = WSConn(sys.argv[1], 60)
for i in range(0, 50000, 5000):
    c.send_frame(OP_TEXT, json.dumps({"KV_SET": {"keys": {"k%d" % j: "v" * 100 for j in range(i, i + 5000)}}}).encode())
    assert c.recv_message() == b'{"KV_SET_RSP":{"st":1}}'
c.send_frame(OP_TEXT, b'{"KV_CLEAR":{}}')
print(c.recv_message().decode())
PY
    [ "$status" -eq 0 ]
    [ "$output" = '{"KV_CLEAR_RSP":{"cnt":50000,"st":1}}' ]
    # the map is empty and counts no bytes at once; the entries go later
    run "$NDB" info
    [[ $output == '{"connections":1,"keys":0,"memoryBytes":0,'* ]]
    for i in $(seq 1 50); do
        grep -q 'freed 10000 entries of cleared keys, 0 left' "$NDB_LOG" && break
        sleep 0.1
    done
    grep -q 'freed 20000 entries of cleared keys, 30000 left' "$NDB_LOG"
    grep -q 'freed 20000 entries of cleared keys, 10000 left' "$NDB_LOG"
    grep -q 'freed 10000 entries of cleared keys, 0 left' "$NDB_LOG"
    req '{"KV_COUNT":{}}' '{"KV_COUNT_RSP":{"cnt":0,"st":1}}'
}
