#!/usr/bin/env bats
# KV_FIND, KV_UPDATE and KV_ARR_APPEND over the wire (docs/protocol.md
# 3.10–3.12 with the fixes of section 0.1): every example of the protocol,
# the error statuses, and exact text kept outside the edited nodes.

load helpers

setup_file() { start_server; }
teardown_file() { stop_server; }

# search_while_probed T N FILE EXPECTED: send FILE's request (a search that
# works up to one of its limits) in the background; meanwhile another
# client's KV_COUNT must be answered (N keys) within T seconds (T × SLOWDOWN),
# not after the search; then the search's answer must be EXPECTED.
# An ASan build searches about three times slower, and so did the old
# stalls these bounds tell apart: the bound scales with the build.
if ldd "$NDB" 2>/dev/null | grep -q libasan; then SLOWDOWN=3; else SLOWDOWN=1; fi
search_while_probed() {
    "$NDB" send --timeout 60 - <"$3" >"$BATS_TEST_TMPDIR/find" &
    local find=$!
    sleep 0.2
    run "$NDB" send --timeout "$(($1 * SLOWDOWN))" '{"KV_COUNT":{}}'
    wait "$find"
    [ "$status" -eq 0 ]
    [ "$output" = "{\"KV_COUNT_RSP\":{\"cnt\":$2,\"st\":1}}" ]
    [ "$(cat "$BATS_TEST_TMPDIR/find")" = "$4" ]
}

DEVICES='{"KV_SET":{"keys":{"Devices":[
  {"make":"Apple","model":"iPhone 14","sensors":[{"type":"Temperature","status":"Healthy","id":"temp1"},{"type":"Accelerometer","status":"Healthy","id":"accel1"}]},
  {"make":"Samsung","model":"S23","sensors":[{"type":"Temperature","status":"Healthy","id":"temp1"},{"type":"Accelerometer","status":"Healthy","id":"accel1"},{"type":"ThingyMaBob","status":"Disabled","id":"thingy1"}]}],
 "loginsValid":[{"timestamp":1234,"location":"London"},{"timestamp":1235,"location":"London"},{"timestamp":1236,"location":"Paris"},{"timestamp":1238,"location":"London"}]}}}'

setup() {
    "$NDB" send '{"KV_CLEAR":{}}' >/dev/null
    "$NDB" send "$(printf '%s' "$DEVICES" | tr -d '\n')" >/dev/null
}

@test "KV_FIND rsp keys: filters with == and &&" {
    req "{\"KV_FIND\":{\"rsp\":\"keys\",\"path\":\"\$[?(@.make == 'Samsung')]\"}}" '{"KV_FIND_RSP":{"keys":["Devices"],"st":1}}'
    req "{\"KV_FIND\":{\"rsp\":\"keys\",\"path\":\"\$[?(@.make == 'Apple' && @.model == 'iPhone 11')]\"}}" \
        '{"KV_FIND_RSP":{"keys":[],"st":1}}'
}

@test "KV_FIND rsp paths: length, wildcard, recursive descent" {
    req '{"KV_FIND":{"rsp":"paths","path":"$[?(@.sensors.length >= 3)]"}}' '{"KV_FIND_RSP":{"paths":["$[1]"],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","path":"$[*].make","keys":["Devices"]}}' \
        "{\"KV_FIND_RSP\":{\"paths\":[\"\$[0]['make']\",\"\$[1]['make']\"],\"st\":1}}"
    req '{"KV_FIND":{"rsp":"paths","path":"$..id","keys":["Devices"]}}' \
        "{\"KV_FIND_RSP\":{\"paths\":[\"\$[0]['sensors'][0]['id']\",\"\$[0]['sensors'][1]['id']\",\"\$[1]['sensors'][0]['id']\",\"\$[1]['sensors'][1]['id']\",\"\$[1]['sensors'][2]['id']\"],\"st\":1}}"
}

@test "KV_FIND rsp kv: whole values of matching keys, text as stored" {
    req '{"KV_FIND":{"rsp":"kv","keys":["loginsValid"],"path":"$[?(@.timestamp > 1234 && @.timestamp < 1238)]"}}' \
        '{"KV_FIND_RSP":{"keys":{"loginsValid":[{"timestamp":1234,"location":"London"},{"timestamp":1235,"location":"London"},{"timestamp":1236,"location":"Paris"},{"timestamp":1238,"location":"London"}]},"st":1}}'
}

@test "KV_FIND keys restriction: order, duplicates, non-strings and missing keys skipped" {
    req '{"KV_FIND":{"rsp":"keys","path":"$[0]","keys":["loginsValid",5,"nope","Devices","loginsValid"]}}' \
        '{"KV_FIND_RSP":{"keys":["loginsValid","Devices","loginsValid"],"st":1}}'
    req '{"KV_FIND":{"rsp":"keys","path":"$[0]","keys":[5,"nope"]}}' '{"KV_FIND_RSP":{"keys":[],"st":1}}'
    req '{"KV_FIND":{"rsp":"keys","path":"$[0]","keys":[]}}' '{"KV_FIND_RSP":{"keys":["Devices","loginsValid"],"st":1}}'
}

@test "KV_FIND validation order and messages" {
    req '{"KV_FIND":{"rsp":"x","path":"$"}}' "{\"KV_FIND_RSP\":{\"m\":\"'rsp' invalid value\",\"st\":13,\"tkn\":null}}"
    req '{"KV_FIND":{"rsp":"keys","path":""}}' "{\"KV_FIND_RSP\":{\"m\":\"'path' is empty\",\"st\":42,\"tkn\":null}}"
    req '{"KV_FIND":{"path":5,"keys":"x"}}' '{"KV_FIND_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"KV_FIND":{"rsp":"keys"}}' '{"KV_FIND_RSP":{"m":"Missing parameter","st":26,"tkn":null}}'
    req '{"KV_FIND":{"path":"$"}}' '{"KV_FIND_RSP":{"m":"Missing parameter","st":26,"tkn":null}}'
}

@test "KV_FIND: a path that decodes to \"\" is empty (42), as \"\" is; KV_UPDATE's is a compile error" {
    # a lone low surrogate escape is dropped when a string is decoded (1.10)
    req '{"KV_FIND":{"rsp":"keys","path":"\udc00"}}' "{\"KV_FIND_RSP\":{\"m\":\"'path' is empty\",\"st\":42,\"tkn\":null}}"
    req '{"KV_FIND":{"rsp":"keys","path":"\udc00\udc00","keys":["nope"]}}' \
        "{\"KV_FIND_RSP\":{\"m\":\"'path' is empty\",\"st\":42,\"tkn\":null}}"
    # rsp is checked first; a path decoding to "$" is a path
    req '{"KV_FIND":{"rsp":"x","path":"\udc00"}}' "{\"KV_FIND_RSP\":{\"m\":\"'rsp' invalid value\",\"st\":13,\"tkn\":null}}"
    req '{"KV_FIND":{"rsp":"keys","path":"\u0024\udc00","keys":["Devices"]}}' '{"KV_FIND_RSP":{"keys":["Devices"],"st":1}}'
    req '{"KV_UPDATE":{"key":"Devices","path":"\udc00","value":1}}' \
        '{"KV_UPDATE_RSP":{"m":"unexpected end of path at position 0","st":4,"tkn":null}}'
}

@test "KV_FIND: an invalid path is 4 with a message naming the position, even with nothing to search" {
    req '{"KV_FIND":{"rsp":"keys","path":"$[?(@.x =="}}' \
        '{"KV_FIND_RSP":{"m":"unexpected end of path at position 10","st":4,"tkn":null}}'
    "$NDB" send '{"KV_CLEAR":{}}'
    run "$NDB" send '{"KV_FIND":{"rsp":"keys","path":"bad(("}}'
    [[ "$output" =~ \"st\":4, ]]
    run "$NDB" send '{"KV_FIND":{"rsp":"keys","path":"$.a-b"}}'
    [[ "$output" =~ \"st\":4, ]]
}

@test "KV_FIND: a catastrophic regex fails the request with 4, quickly" {
    req '{"KV_SET":{"keys":{"r":[{"s":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"}]}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_FIND":{"rsp":"keys","keys":["r"],"path":"$[?(@.s =~ /(a+)+$/)]"}}' \
        '{"KV_FIND_RSP":{"m":"regex exceeded its step limit (10000000 steps)","st":4,"tkn":null}}'
    req '{"KV_FIND":{"rsp":"keys","keys":["r"],"path":"$[?(@.s =~ /^a+b$/)]"}}' '{"KV_FIND_RSP":{"keys":["r"],"st":1}}'
    req '{"KV_FIND":{"rsp":"keys","keys":["r"],"path":"$[?(@.s =~ /^A+B$/i)]"}}' '{"KV_FIND_RSP":{"keys":["r"],"st":1}}'
    req '{"KV_FIND":{"rsp":"keys","keys":["r"],"path":"$[?(@.s =~ /^A+B$/)]"}}' '{"KV_FIND_RSP":{"keys":[],"st":1}}'
    run "$NDB" send '{"KV_FIND":{"rsp":"keys","path":"$[?(@.s =~ /(/)]"}}'
    [[ "$output" =~ \"st\":4, ]]
}

@test "KV_UPDATE replaces every selected node and counts them" {
    req '{"KV_SET":{"keys":{"user":{"access":[{"name":"Super Secret Lab","permit":true,"level":4},{"name":"Helipad","permit":true,"level":3},{"name":"Normal Lab","permit":true,"level":2}]}}}}' \
        '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_UPDATE":{"key":"user","path":"$.access[?(@.level > 2)].permit","value":false}}' '{"KV_UPDATE_RSP":{"cnt":2,"st":1}}'
    req '{"KV_GET":{"keys":["user"]}}' \
        '{"KV_GET_RSP":{"keys":{"user":{"access":[{"name":"Super Secret Lab","permit":false,"level":4},{"name":"Helipad","permit":false,"level":3},{"name":"Normal Lab","permit":true,"level":2}]}},"st":1}}'
    req '{"KV_SET":{"keys":{"arr":[1,2]}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_UPDATE":{"key":"arr","path":"$[0,0,1]","value":9}}' '{"KV_UPDATE_RSP":{"cnt":2,"st":1}}'
    req '{"KV_GET":{"keys":["arr"]}}' '{"KV_GET_RSP":{"keys":{"arr":[9,9]},"st":1}}'
    req '{"KV_UPDATE":{"key":"arr","path":"$","value":{"whole":null}}}' '{"KV_UPDATE_RSP":{"cnt":1,"st":1}}'
    req '{"KV_GET":{"keys":["arr"]}}' '{"KV_GET_RSP":{"keys":{"arr":{"whole":null}},"st":1}}'
    req '{"KV_UPDATE":{"key":"arr","path":"$.zip","value":1}}' '{"KV_UPDATE_RSP":{"cnt":0,"st":1}}'
}

@test "KV_UPDATE keeps the exact text of everything it does not replace" {
    req '{"KV_SET":{"keys":{"f":{"a":1,"b":0.1,"c":18446744073709551616,"d":"\u00e9","e":[1.50,1e400]}}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_UPDATE":{"key":"f","path":"$.a","value":0.30}}' '{"KV_UPDATE_RSP":{"cnt":1,"st":1}}'
    req '{"KV_GET":{"keys":["f"]}}' '{"KV_GET_RSP":{"keys":{"f":{"a":0.30,"b":0.1,"c":18446744073709551616,"d":"\u00e9","e":[1.50,1e400]}},"st":1}}'
    req '{"KV_UPDATE":{"key":"f","path":"$.e.length","value":5}}' '{"KV_UPDATE_RSP":{"cnt":1,"st":1}}'
    req '{"KV_GET":{"keys":["f"]}}' '{"KV_GET_RSP":{"keys":{"f":{"a":0.30,"b":0.1,"c":18446744073709551616,"d":"\u00e9","e":[1.50,1e400]}},"st":1}}'
}

@test "KV_UPDATE errors: missing key 22, invalid path 4 (key or not), missing value 26" {
    req '{"KV_SET":{"keys":{"arr":[1,2]}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_UPDATE":{"key":"nokey","path":"$.a","value":1}}' '{"KV_UPDATE_RSP":{"cnt":0,"st":22}}'
    run "$NDB" send '{"KV_UPDATE":{"key":"nokey","path":"bad((","value":1}}'
    [[ "$output" =~ ^\{\"KV_UPDATE_RSP\":\{\"m\":\".+\",\"st\":4,\"tkn\":null\}\}$ ]]
    run "$NDB" send '{"KV_UPDATE":{"key":"arr","path":"bad((","value":1}}'
    [[ "$output" =~ ^\{\"KV_UPDATE_RSP\":\{\"m\":\".+\",\"st\":4,\"tkn\":null\}\}$ ]]
    run "$NDB" send '{"KV_UPDATE":{"key":"arr","path":"","value":1}}'
    [[ "$output" =~ \"st\":4, ]]
    req '{"KV_UPDATE":{"key":"arr","path":"$"}}' '{"KV_UPDATE_RSP":{"m":"Missing parameter","st":26,"tkn":null}}'
    req '{"KV_UPDATE":{"key":5,"path":"$","value":1}}' '{"KV_UPDATE_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"KV_GET":{"keys":["arr"]}}' '{"KV_GET_RSP":{"keys":{"arr":[1,2]},"st":1}}'
}

@test "KV_ARR_APPEND appends to an array value or a named array member" {
    req '{"KV_SET":{"keys":{"user:1234:roles":["Admin"],"profile":{"teams":[],"n":1},"empty":[]}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_ARR_APPEND":{"key":"user:1234:roles","items":["Developer","Tester"]}}' '{"KV_ARR_APPEND_RSP":{"st":1}}'
    req '{"KV_ARR_APPEND":{"key":"profile","name":"teams","items":["Saracens",{"x":0.1}]}}' '{"KV_ARR_APPEND_RSP":{"st":1}}'
    req '{"KV_ARR_APPEND":{"key":"empty","items":[]}}' '{"KV_ARR_APPEND_RSP":{"st":1}}'
    req '{"KV_ARR_APPEND":{"key":"empty","items":[18446744073709551616]}}' '{"KV_ARR_APPEND_RSP":{"st":1}}'
    req '{"KV_GET":{"keys":["user:1234:roles","profile","empty"]}}' \
        '{"KV_GET_RSP":{"keys":{"user:1234:roles":["Admin","Developer","Tester"],"profile":{"teams":["Saracens",{"x":0.1}],"n":1},"empty":[18446744073709551616]},"st":1}}'
}

@test "KV_ARR_APPEND errors: 22 missing key or member, 41 not an array or not an object" {
    req '{"KV_SET":{"keys":{"o":{"n":1},"s":"str"}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_ARR_APPEND":{"key":"nokey","items":["y"]}}' '{"KV_ARR_APPEND_RSP":{"st":22}}'
    req '{"KV_ARR_APPEND":{"key":"s","items":["y"]}}' '{"KV_ARR_APPEND_RSP":{"m":"value is not an array","st":41,"tkn":null}}'
    req '{"KV_ARR_APPEND":{"key":"s","name":"n","items":["y"]}}' '{"KV_ARR_APPEND_RSP":{"m":"value is not an object","st":41,"tkn":null}}'
    req '{"KV_ARR_APPEND":{"key":"o","name":"zz","items":["y"]}}' "{\"KV_ARR_APPEND_RSP\":{\"m\":\"'name' is not a member of the value\",\"st\":22,\"tkn\":null}}"
    req '{"KV_ARR_APPEND":{"key":"o","name":"n","items":["y"]}}' "{\"KV_ARR_APPEND_RSP\":{\"m\":\"member 'name' is not an array\",\"st\":41,\"tkn\":null}}"
    req '{"KV_ARR_APPEND":{"key":"o","items":"y"}}' '{"KV_ARR_APPEND_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"KV_ARR_APPEND":{"items":[]}}' '{"KV_ARR_APPEND_RSP":{"m":"Missing parameter","st":26,"tkn":null}}'
    req '{"KV_GET":{"keys":["o","s"]}}' '{"KV_GET_RSP":{"keys":{"o":{"n":1},"s":"str"},"st":1}}'
}

@test "KV_FIND: only an integer index expression selects an array element" {
    req '{"KV_SET":{"keys":{"arr":[1,2,3]}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["arr"],"path":"$[(1.0)]"}}' '{"KV_FIND_RSP":{"paths":[],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["arr"],"path":"$[(1)]"}}' '{"KV_FIND_RSP":{"paths":["$[1]"],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["arr"],"path":"$[(2 / 2), (3.0 / 3), (@.length - 1.0)]"}}' \
        '{"KV_FIND_RSP":{"paths":["$[1]"],"st":1}}'
}

@test "KV_FIND: a wrong-typed function argument leaves that element unselected, the query goes on" {
    req '{"KV_SET":{"keys":{"flags":{"0":false},"mixed":{"0":false,"1":8.2,"2":7.5,"3":"x"},"arr":[1,2,3]}}}' \
        '{"KV_SET_RSP":{"st":1}}'
    # floor(false) is an evaluation error, not null: != 7 does not select it
    req '{"KV_FIND":{"rsp":"paths","keys":["flags"],"path":"$[?(floor(@) != 7)]"}}' '{"KV_FIND_RSP":{"paths":[],"st":1}}'
    # the next elements are still tested (8.2 → 8 selects; 7.5 → 7 does not; "x" is an error)
    req '{"KV_FIND":{"rsp":"paths","keys":["mixed"],"path":"$[?(floor(@) != 7)]"}}' \
        "{\"KV_FIND_RSP\":{\"paths\":[\"\$['1']\"],\"st\":1}}"
    req '{"KV_FIND":{"rsp":"keys","keys":["flags","mixed","arr"],"path":"$[?(floor(@) != 7)]"}}' \
        '{"KV_FIND_RSP":{"keys":["mixed","arr"],"st":1}}'
    req '{"KV_FIND":{"rsp":"keys","keys":["flags","mixed","arr"],"path":"$[?(length(@) == null)]"}}' \
        '{"KV_FIND_RSP":{"keys":[],"st":1}}'
}

@test "KV_FIND: a match stopped by its memory or depth limit, or by a pattern's own lower limit, names that limit" {
    # ^(?:a|b)*$ is linear (300,000 steps) but keeps a backtracking point per character:
    # PCRE2's heap limit stops it, not the 10,000,000 steps the message used to name
    python3 -c 'import json; print(json.dumps({"KV_SET":{"keys":{"log":["a"*300000]}}}))' | "$NDB" send - >/dev/null
    req '{"KV_FIND":{"rsp":"keys","keys":["log"],"path":"$[?(@ =~ /^(?:a|b)*$/)]"}}' \
        '{"KV_FIND_RSP":{"m":"regex exceeded its memory limit (65536 KiB of backtracking points)","st":4,"tkn":null}}'
    req '{"KV_FIND":{"rsp":"keys","keys":["log"],"path":"$[?(@ =~ /^[ab]*$/)]"}}' '{"KV_FIND_RSP":{"keys":["log"],"st":1}}'
    # a point is kept for an alternative left to try: over 300,000 b's (the last one) there is
    # none, and the match is made (docs/protocol.md said any string of 300,000 characters failed)
    python3 -c 'import json; print(json.dumps({"KV_SET":{"keys":{"blog":["b"*300000]}}}))' | "$NDB" send - >/dev/null
    req '{"KV_FIND":{"rsp":"keys","keys":["blog"],"path":"$[?(@ =~ /^(?:a|b)*$/)]"}}' '{"KV_FIND_RSP":{"keys":["blog"],"st":1}}'
    req '{"KV_SET":{"keys":{"r":["aaaab"]}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_FIND":{"rsp":"keys","keys":["r"],"path":"$[?(@ =~ /(*LIMIT_MATCH=1)(a+)+$/)]"}}' \
        '{"KV_FIND_RSP":{"m":"regex exceeded its step limit (1 step)","st":4,"tkn":null}}'
    req '{"KV_FIND":{"rsp":"keys","keys":["r"],"path":"$[?(@ =~ /(*LIMIT_DEPTH=1)(a)+b/)]"}}' \
        '{"KV_FIND_RSP":{"m":"regex exceeded its depth limit (1 backtracking point)","st":4,"tkn":null}}'
    req '{"KV_FIND":{"rsp":"keys","keys":["r"],"path":"$[?(@ =~ /(*LIMIT_HEAP=0)(a)+b/)]"}}' \
        '{"KV_FIND_RSP":{"m":"regex exceeded its memory limit (0 KiB of backtracking points)","st":4,"tkn":null}}'
    # a pattern cannot raise a limit: PCRE2 applies the lower one
    req '{"KV_SET":{"keys":{"c":["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"]}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_FIND":{"rsp":"keys","keys":["c"],"path":"$[?(@ =~ /(*LIMIT_MATCH=20000000)(a+)+$/)]"}}' \
        '{"KV_FIND_RSP":{"m":"regex exceeded its step limit (10000000 steps)","st":4,"tkn":null}}'
}

@test "KV_FIND: compiling patterns computed at run time counts in the 1 s of regex time of the request" {
    # a case-insensitive class over most of Unicode takes PCRE2 milliseconds to compile:
    # 2,000 distinct ones (a 60 KB value) held every client up for 10 s
    python3 -c '
import json
print(json.dumps({"KV_SET":{"keys":{"pats":["(?i)[\u0100-\U0010ffff]%d" % k for k in range(2000)]}}}))' |
        "$NDB" send - >/dev/null
    local t0=$SECONDS
    req '{"KV_FIND":{"rsp":"keys","keys":["pats"],"path":"$[?(\u0027x\u0027 =~ @)]"}}' \
        '{"KV_FIND_RSP":{"m":"regular expressions exceeded their time limit (1 s per request)","st":4,"tkn":null}}'
    req '{"KV_FIND":{"rsp":"keys","keys":["pats"],"path":"$[?(tokenize(\u0027x\u0027, @))]"}}' \
        '{"KV_FIND_RSP":{"m":"regular expressions exceeded their time limit (1 s per request)","st":4,"tkn":null}}'
    (( SECONDS - t0 < 8 ))
    # a few of them are fine
    req '{"KV_SET":{"keys":{"few":["(?i)[\u0100-\udbff\udfff]0","b"]}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["few"],"path":"$[?(\u0027\u01000\u0027 =~ @)]"}}' '{"KV_FIND_RSP":{"paths":["$[0]"],"st":1}}'
    "$NDB" send '{"KV_RMV":{"keys":["pats","few"]}}' >/dev/null
}

@test "KV_FIND: case-insensitive class ranges may span 4,194,304 characters per path (PCRE2 compiles them one by one)" {
    req '{"KV_SET":{"keys":{"s":["\u0100","x"]}}}' '{"KV_SET_RSP":{"st":1}}'
    # 400 classes over most of Unicode: 3.6 KB of path held every client up for 2 s (1 MiB: minutes)
    python3 -c '
import json
print(json.dumps({"KV_FIND":{"rsp":"paths","keys":["s"],"path":"$[?(@ =~ /(?i)%s/)]" % ("[\u0100-\U0010ffff]" * 400)}}))' >"$BATS_TEST_TMPDIR/big"
    local t0=$SECONDS
    run "$NDB" send - <"$BATS_TEST_TMPDIR/big"
    [ "$output" = '{"KV_FIND_RSP":{"m":"invalid regex (case-insensitive class ranges span over 4194304 characters) at position 10","st":4,"tkn":null}}' ]
    (( SECONDS - t0 < 2 ))
    # the flag, and the literals of one path together, count the same way
    req '{"KV_FIND":{"rsp":"paths","keys":["s"],"path":"$[?(@ =~ /[\u0100-\uFFFF][\u0100-\uDBFF\uDFFF]/i || @ =~ /(?i:[\u0100-\uDBFF\uDFFF][\u0100-\uDBFF\uDFFF][\u0100-\uDBFF\uDFFF])/)]"}}' \
        '{"KV_FIND_RSP":{"m":"invalid regex (case-insensitive class ranges span over 4194304 characters) at position 39","st":4,"tkn":null}}'
    # within the bound, and without case-insensitivity, nothing changes
    req '{"KV_FIND":{"rsp":"paths","keys":["s"],"path":"$[?(@ =~ /^[\u0100-\uDBFF\uDFFF]$/i)]"}}' '{"KV_FIND_RSP":{"paths":["$[0]"],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["s"],"path":"$[?(@ =~ /^[a-z]$|[\u0100-\uDBFF\uDFFF][\u0100-\uDBFF\uDFFF][\u0100-\uDBFF\uDFFF][\u0100-\uDBFF\uDFFF]/)]"}}' \
        '{"KV_FIND_RSP":{"paths":["$[1]"],"st":1}}'
    # a pattern computed at run time over the bound does not compile: the element is not selected
    req '{"KV_SET":{"keys":{"p":{"re":"(?i)[\u0100-\uDBFF\uDFFF][\u0100-\uDBFF\uDFFF][\u0100-\uDBFF\uDFFF][\u0100-\uDBFF\uDFFF]","s":"\u0100"}}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_FIND":{"rsp":"keys","keys":["p"],"path":"$[?(@.s =~ @.re)]"}}' '{"KV_FIND_RSP":{"keys":[],"st":1}}'
    "$NDB" send '{"KV_RMV":{"keys":["s","p"]}}' >/dev/null
}

@test "KV_FIND: named groups times named groups and references are at most 2,097,152 per path (PCRE2 compares names pair by pair)" {
    req '{"KV_SET":{"keys":{"s":["2024-01-01","a"]}}}' '{"KV_SET_RSP":{"st":1}}'
    # 10,000 names of 32 bytes (370 KB of path) took PCRE2 0.8 s to compile, holding every
    # client up, and then failed anyway ("regular expression is too large")
    python3 -c '
import json
def find(path): print(json.dumps({"KV_FIND":{"rsp":"paths","keys":["s"],"path":path}}))
names = lambda k, w: "".join("(?<n%s%05d>)" % ("n" * w, i) for i in range(k))
find("$[?(@ =~ /%s/)]" % names(10000, 26))
find("$[?(@ =~ /%sb/ || @ =~ /%s/)]" % (names(1448, 0), names(22, 0)))
find("$[?(@ =~ /%s%s/)]" % (names(100, 0), "\\k<n00000>" * 20872))
find("$[?(@ =~ /%s%s/)]" % (names(100, 0), "\\k<n00000>" * 20871))
find("$[?(@ =~ /%s/)]" % names(1448, 0))' >"$BATS_TEST_TMPDIR/reqs"
    local t0=$SECONDS
    run "$NDB" send - <"$BATS_TEST_TMPDIR/reqs"
    (( SECONDS - t0 < 2 ))
    [ "${#lines[@]}" -eq 5 ]
    # one pattern, then the literals of one path together, then references counted too
    [ "${lines[0]}" = '{"KV_FIND_RSP":{"m":"invalid regex (named groups times named groups and references over 2097152) at position 10","st":4,"tkn":null}}' ]
    [ "${lines[1]}" = '{"KV_FIND_RSP":{"m":"invalid regex (named groups times named groups and references over 2097152) at position 15950","st":4,"tkn":null}}' ]
    [ "${lines[2]}" = '{"KV_FIND_RSP":{"m":"invalid regex (named groups times named groups and references over 2097152) at position 10","st":4,"tkn":null}}' ]
    # 100 x (100 + 20,871) and 1,448 x 1,448 are within the bound
    [ "${lines[3]}" = '{"KV_FIND_RSP":{"paths":["$[0]","$[1]"],"st":1}}' ]
    [ "${lines[4]}" = '{"KV_FIND_RSP":{"paths":["$[0]","$[1]"],"st":1}}' ]
    # lookbehind and lookahead are no names; ordinary named groups work as before
    req '{"KV_FIND":{"rsp":"paths","keys":["s"],"path":"$[?(@ =~ /^(?<y>\\d{4})-(?<m>\\d\\d)(?=-)(?<!x)(?<=\\d)-\\k<m>$/)]"}}' '{"KV_FIND_RSP":{"paths":["$[0]"],"st":1}}'
    # a pattern computed at run time over the bound does not compile: the element is not selected
    python3 -c '
import json
print(json.dumps({"KV_SET":{"keys":{"p":{"re":"".join("(?<%s%05d>)" % ("n" * 27, i) for i in range(10000)),"s":"x"}}}}))' >"$BATS_TEST_TMPDIR/set"
    run "$NDB" send - <"$BATS_TEST_TMPDIR/set"
    [ "$output" = '{"KV_SET_RSP":{"st":1}}' ]
    t0=$SECONDS
    req '{"KV_FIND":{"rsp":"keys","keys":["p"],"path":"$[?(@.s =~ @.re)]"}}' '{"KV_FIND_RSP":{"keys":[],"st":1}}'
    (( SECONDS - t0 < 2 ))
    "$NDB" send '{"KV_RMV":{"keys":["s","p"]}}' >/dev/null
}

@test "KV_FIND: what PCRE2 skips or reads as no pattern still counts against the case-insensitive bound: \\E, spaces under (?xx), [:…[:, comments, callouts, verb names" {
    req '{"KV_SET":{"keys":{"s":["\u0100","a"]}}}' '{"KV_SET_RSP":{"st":1}}'
    # each class spans U+0100..U+10FFFF: five of them are over the bound, however written;
    # the count read \E as the letter E, a space as a character, [:…[: as a POSIX class, and
    # the [ or \Q of a comment, a callout's string or a verb's name as starting a class or
    # quoting, and an escaped character (U+10FFFF after a backslash) as its first byte, so
    # 1,000 of them (16 KB of path) compiled, holding every client up for 4 s
    python3 -c '
import json
for pre, cls in [("(?i)", "[\u0100\\E-\\E\U0010ffff]"), ("(?xxi)", "[\u0100 - \U0010ffff]"),
                 ("(?i)", "[[:\u0100-\U0010ffff[:]"), ("(?xi)#[\\Q\n", "[\u0100-\\N{U+10FFFF}]"),
                 ("(?i)(?#[\\Q)", "[\u0100-\\N{U+10FFFF}]"), ("(?i)(?C{[\\Q})", "[\u0100-\\N{U+10FFFF}]"),
                 ("(?i)(*MARK:[\\Q)", "[\u0100-\\N{U+10FFFF}]"), ("(?i)", "[\u0100-\\\U0010ffff]")]:
    print(json.dumps({"KV_FIND":{"rsp":"paths","keys":["s"],"path":"$[?(@ =~ /%s%s/)]" % (pre, cls * 5)}}))' >"$BATS_TEST_TMPDIR/reqs"
    run "$NDB" send - <"$BATS_TEST_TMPDIR/reqs"
    [ "${#lines[@]}" -eq 8 ]
    local line
    for line in "${lines[@]}"; do
        [ "$line" = '{"KV_FIND_RSP":{"m":"invalid regex (case-insensitive class ranges span over 4194304 characters) at position 10","st":4,"tkn":null}}' ]
    done
    # \Q…\E in a class quotes characters, not all of Unicode: these are no ranges at all
    req '{"KV_FIND":{"rsp":"paths","keys":["s"],"path":"$[?(@ =~ /^[\\Qa\\E][\\Qa\\E]?[\\Qa\\E]?[\\Qa\\E]?[\\Qa\\E]?$/i)]"}}' '{"KV_FIND_RSP":{"paths":["$[1]"],"st":1}}'
    # and ordinary patterns with comments or (?x) still compile
    req '{"KV_FIND":{"rsp":"paths","keys":["s"],"path":"$[?(@ =~ /(?x) ^ [a-z0-9_-]+ $ # a name/i || @ =~ /(?#any)[\u0100-\uffff]/i)]"}}' '{"KV_FIND_RSP":{"paths":["$[0]","$[1]"],"st":1}}'
    "$NDB" send '{"KV_RMV":{"keys":["s"]}}' >/dev/null
}

@test "KV_FIND's bounds hold for the whole request: regex time over every element, steps over every key" {
    # each match stays under its step limit; 200 of them take seconds together
    python3 -c 'import json; print(json.dumps({"KV_SET":{"keys":{"r":["a"*21+"b"]*200}}}))' | "$NDB" send - >/dev/null
    req '{"KV_FIND":{"rsp":"keys","keys":["r"],"path":"$[?(@ =~ /(a+)+$/)]"}}' \
        '{"KV_FIND_RSP":{"m":"regular expressions exceeded their time limit (1 s per request)","st":4,"tkn":null}}'
    "$NDB" send '{"KV_RMV":{"keys":["r"]}}' >/dev/null
    # each key alone stays under the 20,000,000 steps; forty keys in one request do not
    python3 -c '
import json
for k in range(40): print(json.dumps({"KV_SET":{"keys":{"n%d" % k:[[i,[i]] for i in range(700)]}}}))' | "$NDB" send - >/dev/null
    req '{"KV_FIND":{"rsp":"keys","keys":["n0"],"path":"$..[?(count($..*) == -1)]"}}' '{"KV_FIND_RSP":{"keys":[],"st":1}}'
    req '{"KV_FIND":{"rsp":"keys","path":"$..[?(count($..*) == -1)]"}}' \
        '{"KV_FIND_RSP":{"m":"path evaluation exceeded its step limit (20000000 steps)","st":4,"tkn":null}}'
    # deep equality counts too: comparing two arrays of 20,000 for each of
    # 2,000 elements is 40,000,000 comparisons (seconds of a stalled server)
    python3 -c 'import json; print(json.dumps({"KV_SET":{"keys":{"eq":{"a":[1]*2000,"b":[0]*20000,"c":[0]*20000}}}}))' | "$NDB" send - >/dev/null
    req '{"KV_FIND":{"rsp":"keys","keys":["eq"],"path":"$.a[?($.b == $.c)]"}}' \
        '{"KV_FIND_RSP":{"m":"path evaluation exceeded its step limit (20000000 steps)","st":4,"tkn":null}}'
    req '{"KV_UPDATE":{"key":"eq","path":"$.a[?($.b != $.c)]","value":2}}' \
        '{"KV_UPDATE_RSP":{"m":"path evaluation exceeded its step limit (20000000 steps)","st":4,"tkn":null}}'
    req '{"KV_FIND":{"rsp":"keys","keys":["eq"],"path":"$.a[0:2][?($.b == $.c)]"}}' '{"KV_FIND_RSP":{"keys":[],"st":1}}'
    req '{"KV_FIND":{"rsp":"keys","keys":["eq"],"path":"$[?($.b == $.c)]"}}' '{"KV_FIND_RSP":{"keys":["eq"],"st":1}}'
}

@test "long strings and member names draw on the step limit by their length; other clients are answered meanwhile" {
    # a million == of two 400 KB strings, each counted as one step, held the
    # server for about 10 s; a 100 KB member name looked up a million times, 40 s
    python3 -c 'import json; print(json.dumps({"KV_SET":{"keys":{"strs":{"s":"a"*400000,"t":"a"*400000,"a":list(range(1000))},"objs":[{}]*1000}}}))' | "$NDB" send - >/dev/null
    local limit='"m":"path evaluation exceeded its step limit (20000000 steps)","st":4,"tkn":null}}'
    printf '%s\n' '{"KV_FIND":{"rsp":"keys","keys":["strs"],"path":"$.a[?($.a[?($.s == $.t)])]"}}' >"$BATS_TEST_TMPDIR/search"
    search_while_probed 2 4 "$BATS_TEST_TMPDIR/search" "{\"KV_FIND_RSP\":{$limit"
    run timeout 10 "$NDB" send --timeout 5 '{"KV_FIND":{"rsp":"keys","keys":["strs"],"path":"$.a[?($.a[?($.s < $.t)])]"}}' \
        '{"KV_UPDATE":{"key":"strs","path":"$.a[?($.a[?($.s.length == 1)])]","value":0}}'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "{\"KV_FIND_RSP\":{$limit" ]
    [ "${lines[1]}" = "{\"KV_UPDATE_RSP\":{$limit" ]
    python3 -c 'import json; print(json.dumps({"KV_FIND":{"rsp":"keys","keys":["objs"],"path":"$[?($[?(@[\x27%s\x27] == 1)])]" % ("n"*100000)}}))' >"$BATS_TEST_TMPDIR/name"
    run timeout 10 "$NDB" send --timeout 5 - <"$BATS_TEST_TMPDIR/name"
    [ "$status" -eq 0 ]
    [ "$output" = "{\"KV_FIND_RSP\":{$limit" ]
    # a few comparisons of long strings are still cheap
    req '{"KV_FIND":{"rsp":"keys","keys":["strs"],"path":"$.a[?(@ < 3 && $.s == $.t)]"}}' '{"KV_FIND_RSP":{"keys":["strs"],"st":1}}'
    # keys() copies each member name: a 400 KB one a million times was minutes
    python3 -c 'import json; print(json.dumps({"KV_SET":{"keys":{"ko":{"o":{"n"*400000:1},"a":list(range(1000))}}}}))' | "$NDB" send - >/dev/null
    run timeout 10 "$NDB" send --timeout 5 '{"KV_FIND":{"rsp":"keys","keys":["ko"],"path":"$.a[?($.a[?(keys($.o) == 1)])]"}}'
    [ "$status" -eq 0 ]
    [ "$output" = "{\"KV_FIND_RSP\":{$limit" ]
}

@test "a pattern computed at run time costs by its length each time it is used again; other clients are answered meanwhile" {
    # =~ keeps the last run-time pattern compiled and compares the next one
    # with it: with $.p of 400 KB a million times, neither the step limit nor
    # the regex time counted that comparison, and the server was held 8 s
    python3 -c 'import json; print(json.dumps({"KV_SET":{"keys":{"rx":{"p":"a"*400000,"q":"^b+$","a":[""]*1000,"s":["ab","b","bb"]}}}}))' | "$NDB" send - >/dev/null
    local limit='"m":"path evaluation exceeded its step limit (20000000 steps)","st":4,"tkn":null}}'
    printf '%s\n' '{"KV_FIND":{"rsp":"keys","keys":["rx"],"path":"$.a[?($.a[?(@ =~ $.p)])]"}}' >"$BATS_TEST_TMPDIR/search"
    search_while_probed 2 3 "$BATS_TEST_TMPDIR/search" "{\"KV_FIND_RSP\":{$limit"
    printf '%s\n' '{"KV_FIND":{"rsp":"keys","keys":["rx"],"path":"$.a[?($.a[?(tokenize(@, $.p))])]"}}' >"$BATS_TEST_TMPDIR/search"
    search_while_probed 2 3 "$BATS_TEST_TMPDIR/search" "{\"KV_FIND_RSP\":{$limit"
    # short patterns used again a million times, and a long one a few times, still answer
    req '{"KV_FIND":{"rsp":"keys","keys":["rx"],"path":"$.a[?($.a[?(@ =~ $.q)])]"}}' '{"KV_FIND_RSP":{"keys":[],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["rx"],"path":"$.s[?(@ =~ $.q)]"}}' \
        "{\"KV_FIND_RSP\":{\"paths\":[\"\$['s'][1]\",\"\$['s'][2]\"],\"st\":1}}"
    req '{"KV_FIND":{"rsp":"paths","keys":["rx"],"path":"$.s[?(@ =~ $.p)]"}}' '{"KV_FIND_RSP":{"paths":[],"st":1}}'
}

@test "each selector of a union is a step, also where it selects nothing; other clients are answered meanwhile" {
    # $..[9,9,…] with 20,000 selectors over 100,000 containers held the server
    # for 5 s (with names, 14 s): a selector that selected nothing cost no step
    python3 -c 'import json; print(json.dumps({"KV_SET":{"keys":{"wide":[{"a":{"b":[i]}} for i in range(2000)]}}}))' | "$NDB" send - >/dev/null
    local limit='"m":"path evaluation exceeded its step limit (20000000 steps)","st":4,"tkn":null}}' sel
    for sel in 9 "'x'"; do
        python3 -c 'import json, sys; print(json.dumps({"KV_FIND":{"rsp":"keys","keys":["wide"],"path":"$..[%s]" % ",".join([sys.argv[1]] * int(sys.argv[2]))}}))' "$sel" 4000 >"$BATS_TEST_TMPDIR/union"
        run timeout 10 "$NDB" send --timeout 5 - <"$BATS_TEST_TMPDIR/union"
        [ "$status" -eq 0 ]
        [ "$output" = "{\"KV_FIND_RSP\":{$limit" ]
    done
    # 200,000 selectors (400 KB) held everyone else for 6 s; now a probe is answered meanwhile
    python3 -c 'import json; print(json.dumps({"KV_FIND":{"rsp":"keys","keys":["wide"],"path":"$..[%s]" % ",".join(["9"] * 200000)}}))' >"$BATS_TEST_TMPDIR/union"
    search_while_probed 3 3 "$BATS_TEST_TMPDIR/union" "{\"KV_FIND_RSP\":{$limit"
    # ordinary unions cost a few steps a node
    req '{"KV_FIND":{"rsp":"paths","keys":["wide"],"path":"$[1999,0]..[\"b\",0,\"a\"]"}}' \
        "{\"KV_FIND_RSP\":{\"paths\":[\"\$[1999]['a']\",\"\$[1999]['a']['b']\",\"\$[1999]['a']['b'][0]\",\"\$[0]['a']\",\"\$[0]['a']['b']\",\"\$[0]['a']['b'][0]\"],\"st\":1}}"
}

@test "each node a path operand walks through is a step; other clients are answered meanwhile" {
    # $.a.a.a… 1,000 levels down, tested for each of 25,000,000 pairs of elements,
    # held the server for 65 s (490,000 pairs here: 6 s): one walk of 1,000 lookups
    # cost three steps
    python3 -c 'print("{\"KV_SET\":{\"keys\":{\"dobj\":{\"a\":%s,\"arr\":%s}}}}" % ("{\"a\":" * 1000 + "1" + "}" * 1000, list(range(700))))' | "$NDB" send - >/dev/null
    python3 -c 'import json; print(json.dumps({"KV_FIND":{"rsp":"keys","keys":["dobj"],"path":"$.arr[?($.arr[?($%s == 2)])]" % (".a" * 1001)}}))' >"$BATS_TEST_TMPDIR/walk"
    search_while_probed 3 3 "$BATS_TEST_TMPDIR/walk" '{"KV_FIND_RSP":{"m":"path evaluation exceeded its step limit (20000000 steps)","st":4,"tkn":null}}'
    # one walk per element is cheap
    python3 -c 'import json; print(json.dumps({"KV_FIND":{"rsp":"paths","keys":["dobj"],"path":"$.arr[?($%s == @)]" % (".a" * 1001)}}))' >"$BATS_TEST_TMPDIR/walk"
    run "$NDB" send - <"$BATS_TEST_TMPDIR/walk"
    [ "$status" -eq 0 ]
    [ "$output" = "{\"KV_FIND_RSP\":{\"paths\":[\"\$['arr'][1]\"],\"st\":1}}" ]
}

@test "unary minus, abs and to_number of a long number text cost by its length; other clients are answered meanwhile" {
    # each copied the 400 KB text whole for two steps: -$.n tested for each of
    # 9,000,000 pairs of elements held the server for minutes (250,000 here: 5 s)
    python3 -c 'print("{\"KV_SET\":{\"keys\":{\"dnum\":{\"n\":1%s,\"arr\":%s}}}}" % ("0" * 400000, list(range(500))))' | "$NDB" send - >/dev/null
    local limit='{"KV_FIND_RSP":{"m":"path evaluation exceeded its step limit (20000000 steps)","st":4,"tkn":null}}'
    printf '%s\n' '{"KV_FIND":{"rsp":"keys","keys":["dnum"],"path":"$.arr[?($.arr[?(-$.n)])]"}}' >"$BATS_TEST_TMPDIR/search"
    search_while_probed 3 3 "$BATS_TEST_TMPDIR/search" "$limit"
    req '{"KV_FIND":{"rsp":"keys","keys":["dnum"],"path":"$.arr[?($.arr[?(abs($.n))])]"}}' "$limit"
    req '{"KV_FIND":{"rsp":"keys","keys":["dnum"],"path":"$.arr[?($.arr[?(to_number($.n))])]"}}' "$limit"
    req '{"KV_FIND":{"rsp":"keys","keys":["dnum"],"path":"$.arr[?($.arr[?(abs(-$.n))])]"}}' "$limit"
    # a few copies are cheap, and exact
    req '{"KV_FIND":{"rsp":"paths","keys":["dnum"],"path":"$[?(abs(-@) == @ && -(-@) == to_number(@) && -@ < 0)]"}}' \
        "{\"KV_FIND_RSP\":{\"paths\":[\"\$['n']\"],\"st\":1}}"
}

@test "\$..*..*…: descent from many start nodes tells visited containers apart at once; other clients are answered meanwhile" {
    # each start node already visited was found by comparing two paths up to the
    # root: $ with ..* 25 times over 100,000 containers 1,000 levels down (a
    # 300 KB value) held the server for 7 s
    python3 -c 'print("{\"KV_SET\":{\"keys\":{\"deepw\":%s}}}" % ("[" * 1000 + ",".join(["[]"] * 100000) + "]" * 1000))' | "$NDB" send - >/dev/null
    printf '%s\n' "{\"KV_FIND\":{\"rsp\":\"keys\",\"keys\":[\"deepw\"],\"path\":\"\$$(printf '..*%.0s' $(seq 25))\"}}" >"$BATS_TEST_TMPDIR/search"
    search_while_probed 5 3 "$BATS_TEST_TMPDIR/search" '{"KV_FIND_RSP":{"keys":["deepw"],"st":1}}'
    # and each container is still reported once, in order
    req '{"KV_FIND":{"rsp":"paths","keys":["Devices"],"path":"$..sensors..*..id"}}' \
        "{\"KV_FIND_RSP\":{\"paths\":[\"\$[0]['sensors'][0]['id']\",\"\$[0]['sensors'][1]['id']\",\"\$[1]['sensors'][0]['id']\",\"\$[1]['sensors'][1]['id']\",\"\$[1]['sensors'][2]['id']\"],\"st\":1}}"
}

@test "results whose paths would pass 128 MiB answer 4; other clients are answered meanwhile" {
    # $..* on 100,000 elements 1,000 levels down copied 1,001 steps into
    # each path: 3 GB of memory and 10 s of a stalled server for a 200 KB value
    python3 -c 'print("{\"KV_SET\":{\"keys\":{\"deep\":%s,\"long\":{\"%s\":[0,0]}}}}" % ("["*1000 + ",".join(["0"]*100000) + "]"*1000, "n"*100000))' | "$NDB" send - >/dev/null
    local size='"m":"path results exceeded their size limit (128 MiB of paths)","st":4,"tkn":null}}'
    printf '%s\n' '{"KV_FIND":{"rsp":"paths","keys":["deep"],"path":"$..*"}}' >"$BATS_TEST_TMPDIR/search"
    search_while_probed 2 4 "$BATS_TEST_TMPDIR/search" "{\"KV_FIND_RSP\":{$size"
    # rsp keys and kv only count the nodes: no path is copied
    req '{"KV_FIND":{"rsp":"keys","keys":["deep"],"path":"$..*"}}' '{"KV_FIND_RSP":{"keys":["deep"],"st":1}}'
    req '{"KV_UPDATE":{"key":"deep","path":"$..*","value":1}}' "{\"KV_UPDATE_RSP\":{$size"
    req '{"KV_FIND":{"rsp":"keys","keys":["deep"],"path":"$..[?(@ == [0,0])]"}}' '{"KV_FIND_RSP":{"keys":[],"st":1}}'
    # a long member name is copied into the path of every node below it: fine for a few
    run "$NDB" send '{"KV_FIND":{"rsp":"paths","keys":["long"],"path":"$..*"}}'
    [ "$status" -eq 0 ]
    [ "${#output}" -gt 300000 ]
    [[ "$output" == *"][1]\"],\"st\":1}}" ]]
}

@test "KV_FIND: a key listed again costs a step per byte; a body past maxOutputBytes stops the search" {
    python3 -c 'import json; print(json.dumps({"KV_SET":{"keys":{"b":list(range(80000)),"long":{"n"*1000:[0]*1000}}}}))' | "$NDB" send - >/dev/null
    # 2,000 listings of a 480 KB value were parsed 2,000 times: 12 s of a held server
    python3 -c 'import json; print(json.dumps({"KV_FIND":{"rsp":"keys","keys":["b"]*2000,"path":"$.nope"}}))' >"$BATS_TEST_TMPDIR/again"
    run timeout 10 "$NDB" send --timeout 5 - <"$BATS_TEST_TMPDIR/again"
    [ "$status" -eq 0 ]
    [ "$output" = '{"KV_FIND_RSP":{"m":"path evaluation exceeded its step limit (20000000 steps)","st":4,"tkn":null}}' ]
    req '{"KV_FIND":{"rsp":"keys","keys":["b","b","b","b","b"],"path":"$[0]"}}' '{"KV_FIND_RSP":{"keys":["b","b","b","b","b"],"st":1}}'
    # the paths of "long" take 1 MB: listed 1,000 times, a body of 1 GB was built
    # before the connection was closed for it
    python3 -c 'import json; print(json.dumps({"KV_FIND":{"rsp":"paths","keys":["long"]*1000,"path":"$..*"}}))' >"$BATS_TEST_TMPDIR/big"
    local before after
    before=$(awk '/^VmHWM/ {print $2}' "/proc/$NDB_PID/status")
    run timeout 20 "$NDB" send --timeout 10 - <"$BATS_TEST_TMPDIR/big"
    [ "$status" -ne 0 ]
    [[ "$output" == *"connection closed by server (1008: output over maxOutputBytes)"* ]]
    after=$(awk '/^VmHWM/ {print $2}' "/proc/$NDB_PID/status")
    [ $((after - before)) -lt 524288 ] # KiB: the old server built 1 GB
    req '{"KV_COUNT":{}}' '{"KV_COUNT_RSP":{"cnt":4,"st":1}}'
}

@test "tokenize splits a string of 800,000 bytes (400,001 pieces)" {
    python3 -c 'import json; print(json.dumps({"KV_SET":{"keys":{"t":["a,"*400000]}}}))' | "$NDB" send - >/dev/null
    req '{"KV_FIND":{"rsp":"keys","keys":["t"],"path":"$[?(count(tokenize(@, /,/)) == 400001)]"}}' \
        '{"KV_FIND_RSP":{"keys":["t"],"st":1}}'
}

@test "duplicate member names in a stored value: only the first occurrence is seen (1.10)" {
    req '{"KV_SET":{"keys":{"d":{"x":1,"x":2,"y":3,"a":[1],"a":[2]}}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["d"],"path":"$.*"}}' \
        "{\"KV_FIND_RSP\":{\"paths\":[\"\$['x']\",\"\$['y']\",\"\$['a']\"],\"st\":1}}"
    req '{"KV_FIND":{"rsp":"paths","keys":["d"],"path":"$[?(@ == 2)]"}}' '{"KV_FIND_RSP":{"paths":[],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["d"],"path":"$..[?(@ == 2)]"}}' '{"KV_FIND_RSP":{"paths":[],"st":1}}'
    req '{"KV_UPDATE":{"key":"d","path":"$.*","value":0}}' '{"KV_UPDATE_RSP":{"cnt":3,"st":1}}'
    req '{"KV_GET":{"keys":["d"]}}' '{"KV_GET_RSP":{"keys":{"d":{"x":0,"x":2,"y":0,"a":0,"a":[2]}},"st":1}}'
    req '{"KV_SET":{"keys":{"d":{"a":[1],"a":[2]}}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_ARR_APPEND":{"key":"d","name":"a","items":[3]}}' '{"KV_ARR_APPEND_RSP":{"st":1}}'
    req '{"KV_GET":{"keys":["d"]}}' '{"KV_GET_RSP":{"keys":{"d":{"a":[1,3],"a":[2]}},"st":1}}'
    req '{"KV_CAS":{"key":"d","expect":{"a":[1,3]},"value":1}}' '{"KV_CAS_RSP":{"ok":true,"st":1}}'
}

@test "=~: a surrogate pair of escapes is one character; a lone surrogate escape is an error" {
    req '{"KV_SET":{"keys":{"e":["😀","😎","a😀b","😀😀"]}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["e"],"path":"$[?(@ =~ /^\\uD83D\\uDE00$/)]"}}' '{"KV_FIND_RSP":{"paths":["$[0]"],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["e"],"path":"$[?(@ =~ /^[\\uD83D\\uDE00-\\uD83D\\uDE4F]$/)]"}}' \
        '{"KV_FIND_RSP":{"paths":["$[0]","$[1]"],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["e"],"path":"$[?(@ =~ /^\\uD83D\\uDE00+$/)]"}}' '{"KV_FIND_RSP":{"paths":["$[0]","$[3]"],"st":1}}'
    # a pattern computed as a string is rewritten the same way
    req '{"KV_FIND":{"rsp":"paths","keys":["e"],"path":"$[?(@ =~ \"a\\\\uD83D\\\\uDE00\")]"}}' '{"KV_FIND_RSP":{"paths":["$[2]"],"st":1}}'
    # an escaped backslash followed by u is no escape
    req '{"KV_FIND":{"rsp":"paths","keys":["e"],"path":"$[?(@ =~ /\\\\uD83D/)]"}}' '{"KV_FIND_RSP":{"paths":[],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["e"],"path":"$[?(@ =~ /^\\uD83D$/)]"}}' \
        '{"KV_FIND_RSP":{"m":"invalid regex (lone surrogate escape \\uD83D; only a pair such as \\uD83D\\uDE00 stands for a character) at position 11","st":4,"tkn":null}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["e"],"path":"$[?(@ =~ /\\uDE00\\uD83D/)]"}}' \
        '{"KV_FIND_RSP":{"m":"invalid regex (lone surrogate escape \\uDE00; only a pair such as \\uD83D\\uDE00 stands for a character) at position 10","st":4,"tkn":null}}'
    # PCRE2's error positions still point into the pattern as written
    req '{"KV_FIND":{"rsp":"paths","keys":["e"],"path":"$[?(@ =~ /\\uD83D\\uDE00(/)]"}}' \
        '{"KV_FIND_RSP":{"m":"invalid regex (missing closing parenthesis) at position 23","st":4,"tkn":null}}'
}

@test "filters compare numbers exactly, whatever their size (3.14.3)" {
    req '{"KV_SET":{"keys":{"big":[18446744073709551616,100000000000000000001],"inf":[1e400],"dec":[0.1,0.10000000000000001,[18446744073709551616],{"a":-1e400}]}}}' \
        '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["big"],"path":"$[?(@ == 18446744073709551615)]"}}' '{"KV_FIND_RSP":{"paths":[],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["big"],"path":"$[?(@ == 18446744073709551616)]"}}' '{"KV_FIND_RSP":{"paths":["$[0]"],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["big"],"path":"$[?(@ == 100000000000000000000)]"}}' '{"KV_FIND_RSP":{"paths":[],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["big"],"path":"$[?(@ > 100000000000000000000)]"}}' '{"KV_FIND_RSP":{"paths":["$[1]"],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["big"],"path":"$[?(@ > 9223372036854775807)]"}}' '{"KV_FIND_RSP":{"paths":["$[0]","$[1]"],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["inf"],"path":"$[?(@ == 1.7976931348623157e308)]"}}' '{"KV_FIND_RSP":{"paths":[],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["inf"],"path":"$[?(@ > 1.7976931348623157e308)]"}}' '{"KV_FIND_RSP":{"paths":["$[0]"],"st":1}}'
    # arithmetic is on doubles: beyond their range there is no result
    req '{"KV_FIND":{"rsp":"paths","keys":["inf"],"path":"$[?(@ - @ == 0)]"}}' '{"KV_FIND_RSP":{"paths":[],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["inf"],"path":"$[?(@ - @ == null)]"}}' '{"KV_FIND_RSP":{"paths":["$[0]"],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["dec"],"path":"$[?(@ == 0.1)]"}}' '{"KV_FIND_RSP":{"paths":["$[0]"],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["dec"],"path":"$[?(@ == 0.10000000000000001)]"}}' '{"KV_FIND_RSP":{"paths":["$[1]"],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["dec"],"path":"$[?(@ == [18446744073709551615])]"}}' '{"KV_FIND_RSP":{"paths":[],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["dec"],"path":"$[?(@ == [18446744073709551616])]"}}' '{"KV_FIND_RSP":{"paths":["$[2]"],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["dec"],"path":"$[?(@ == {\"a\":-1.7976931348623157e308})]"}}' '{"KV_FIND_RSP":{"paths":[],"st":1}}'
    req '{"KV_UPDATE":{"key":"big","path":"$[?(@ == 18446744073709551616)]","value":0}}' '{"KV_UPDATE_RSP":{"cnt":1,"st":1}}'
    req '{"KV_GET":{"keys":["big"]}}' '{"KV_GET_RSP":{"keys":{"big":[0,100000000000000000001]},"st":1}}'
}

@test "numbers beyond the double range can be written in a path and read by to_number (1.10)" {
    req '{"KV_SET":{"keys":{"inf":[1e400,-1e400,1e300],"o":[{"a":-1e400},{"a":-1.7976931348623157e308}]}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["inf"],"path":"$[?(@ == 1e400)]"}}' '{"KV_FIND_RSP":{"paths":["$[0]"],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["inf"],"path":"$[?(@ < -1e399)]"}}' '{"KV_FIND_RSP":{"paths":["$[1]"],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["inf"],"path":"$[?(@ == -(1e400))]"}}' '{"KV_FIND_RSP":{"paths":["$[1]"],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["inf"],"path":"$[?(@ == to_number(\"1e400\"))]"}}' '{"KV_FIND_RSP":{"paths":["$[0]"],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["inf"],"path":"$[?(to_number(\" 1e400 \") > 1e300 && abs(-1e400) == 1e400)]"}}' \
        '{"KV_FIND_RSP":{"paths":["$[0]","$[1]","$[2]"],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["inf"],"path":"$[?(1e400 + 0 == null)]"}}' '{"KV_FIND_RSP":{"paths":["$[0]","$[1]","$[2]"],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["o"],"path":"$[?(@ == {\"a\":-1e400})]"}}' '{"KV_FIND_RSP":{"paths":["$[0]"],"st":1}}'
    req '{"KV_FIND":{"rsp":"paths","keys":["o"],"path":"$[?(contains([-1e400], @.a))]"}}' '{"KV_FIND_RSP":{"paths":["$[0]"],"st":1}}'
}
