#!/usr/bin/env bats
# The request pipeline of docs/protocol.md 1.7: every structural error, in the
# protocol's order, with exact responses (decision 2: unknown commands always
# answer <CMD>_RSP with st 10).

load helpers

setup_file() { start_server; }
teardown_file() { stop_server; }
setup() { "$NDB" send '{"KV_CLEAR":{}}' >/dev/null; }

@test "not JSON, empty, whitespace, trailing garbage: ERR 3" {
    req 'not json' '{"ERR":{"m":"","st":3}}'
    req '' '{"ERR":{"m":"","st":3}}'
    req '   ' '{"ERR":{"m":"","st":3}}'
    req '{"KV_GET":{"keys":[]}} x' '{"ERR":{"m":"","st":3}}'
    req '{"KV_GET":{"keys":[1,]}}' '{"ERR":{"m":"","st":3}}'
    req '{"KV_SET":{"keys":{"a":"\x"}}}' '{"ERR":{"m":"","st":3}}'
    req '{"KV_SET":{"keys":{"a":"\ud800"}}}' '{"ERR":{"m":"","st":3}}'
    req '{"KV_SET":{"keys":{"a":NaN}}}' '{"ERR":{"m":"","st":3}}'
}

@test "not one command: ERR 13" {
    req '[]' '{"ERR":{"m":"","st":13}}'
    req '{}' '{"ERR":{"m":"","st":13}}'
    req '5' '{"ERR":{"m":"","st":13}}'
    req '"KV_GET"' '{"ERR":{"m":"","st":13}}'
    req '{"A":{},"B":{}}' '{"ERR":{"m":"","st":13}}'
}

@test "duplicate command member: the first wins" {
    req '{"KV_SET":{"keys":{"x":1}},"KV_SET":{"keys":{"y":1}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_CONTAINS":{"keys":["x","y"]}}' '{"KV_CONTAINS_RSP":{"contains":["x"],"st":1}}'
}

@test "body not an object, or no underscore: <CMD>_RSP 13" {
    req '{"KV_GET":5}' '{"KV_GET_RSP":{"m":"","st":13,"tkn":null}}'
    req '{"KV_SET":null}' '{"KV_SET_RSP":{"m":"","st":13,"tkn":null}}'
    req '{"KV_SET":[]}' '{"KV_SET_RSP":{"m":"","st":13,"tkn":null}}'
    req '{"KVSET":{}}' '{"KVSET_RSP":{"m":"","st":13,"tkn":null}}'
    req '{"":{}}' '{"_RSP":{"m":"","st":13,"tkn":null}}'
}

@test "unknown commands answer with the name actually sent (Q1, Q2 fixed)" {
    req '{"XX_FOO":{}}' '{"XX_FOO_RSP":{"m":"","st":10,"tkn":null}}'
    req '{"YY_BAR":{}}' '{"YY_BAR_RSP":{"m":"","st":10,"tkn":null}}'
    req '{"kv_set":{}}' '{"kv_set_RSP":{"m":"","st":10,"tkn":null}}'
    req '{"KV_FOO":{}}' '{"KV_FOO_RSP":{"m":"","st":10,"tkn":null}}'
    req '{"KV_":{}}' '{"KV__RSP":{"m":"","st":10,"tkn":null}}'
    req '{"KV_SETQ":{"keys":{"a":1}}}' '{"KV_SETQ_RSP":{"m":"","st":10,"tkn":null}}'
    req '{"KV_ADDQ":{"keys":{"a":1}}}' '{"KV_ADDQ_RSP":{"m":"","st":10,"tkn":null}}'
    req '{"SH_OPEN":{}}' '{"SH_OPEN_RSP":{"m":"","st":10,"tkn":null}}'
    req '{"SV_OTHER":{}}' '{"SV_OTHER_RSP":{"m":"","st":10,"tkn":null}}'
    req '{"X_\"Q":{}}' '{"X_\"Q_RSP":{"m":"","st":10,"tkn":null}}'
}

@test "command names are matched after decoding escapes" {
    req '{"KV\u005fCOUNT":{}}' '{"KV_COUNT_RSP":{"cnt":0,"st":1}}'
}

@test "comments are allowed anywhere whitespace is" {
    req '{"KV_GET":{"keys":["a"]} /* comment */ }' '{"KV_GET_RSP":{"keys":{},"st":1}}'
    req '// line comment
{"KV_COUNT":{}}' '{"KV_COUNT_RSP":{"cnt":0,"st":1}}'
}

@test "nesting up to 1024 levels is accepted, deeper is ERR 3" {
    # the request wrapper itself is 3 levels deep: {"KV_SET":{"keys":{"d": ...
    local inner=$((1024 - 3)) deep open close
    open=$(printf '%*s' "$inner" '' | tr ' ' '[')
    close=$(printf '%*s' "$inner" '' | tr ' ' ']')
    req "{\"KV_SET\":{\"keys\":{\"d\":${open}${close}}}}" '{"KV_SET_RSP":{"st":1}}'
    run "$NDB" send '{"KV_GET":{"keys":["d"]}}'
    [ "$output" = "{\"KV_GET_RSP\":{\"keys\":{\"d\":${open}${close}},\"st\":1}}" ]
    req "{\"KV_SET\":{\"keys\":{\"d\":[${open}${close}]}}}" '{"ERR":{"m":"","st":3}}'
    open=$(printf '%*s' 100000 '' | tr ' ' '[')
    req "$open" '{"ERR":{"m":"","st":3}}'
}
