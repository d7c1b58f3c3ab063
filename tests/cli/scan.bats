#!/usr/bin/env bats
# KV_SCAN and SH_SCAN (ndb extensions): pages, prefixes, cursors, bad input,
# and the promise that a key existing for the whole scan is returned exactly
# once however the map is written meanwhile.

load helpers

setup() { start_server; }
teardown() { stop_server; }

@test "KV_SCAN pages through the keys in insertion order; cursor 0 ends" {
    req '{"KV_SCAN":{"cursor":0}}' '{"KV_SCAN_RSP":{"cursor":0,"keys":[],"st":1}}'
    req '{"KV_SET":{"keys":{"a":1,"user:1":2,"user:2":3,"b":4}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_SET":{"keys":{"c":5}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_SCAN":{"cursor":0,"count":2}}' '{"KV_SCAN_RSP":{"cursor":2,"keys":["a","b"],"st":1}}'
    req '{"KV_SCAN":{"cursor":2,"count":2}}' '{"KV_SCAN_RSP":{"cursor":4,"keys":["user:1","user:2"],"st":1}}'
    req '{"KV_SCAN":{"cursor":4,"count":2}}' '{"KV_SCAN_RSP":{"cursor":0,"keys":["c"],"st":1}}'
    # every member is optional: cursor 0, count 100, no prefix
    req '{"KV_SCAN":{}}' '{"KV_SCAN_RSP":{"cursor":0,"keys":["a","b","user:1","user:2","c"],"st":1}}'
    req '{"KV_SCAN":{"prefix":"user:"}}' '{"KV_SCAN_RSP":{"cursor":0,"keys":["user:1","user:2"],"st":1}}'
    req '{"KV_SCAN":{"prefix":"user:","count":1}}' '{"KV_SCAN_RSP":{"cursor":3,"keys":["user:1"],"st":1}}'
    # user:2 is the last with the prefix, but c follows: not done yet
    req '{"KV_SCAN":{"prefix":"user:","count":1,"cursor":3}}' '{"KV_SCAN_RSP":{"cursor":4,"keys":["user:2"],"st":1}}'
    req '{"KV_SCAN":{"prefix":"user:","count":1,"cursor":4}}' '{"KV_SCAN_RSP":{"cursor":0,"keys":[],"st":1}}'
    req '{"KV_SCAN":{"prefix":"nope"}}' '{"KV_SCAN_RSP":{"cursor":0,"keys":[],"st":1}}'
    # a removed key's place is skipped; the cursor still works
    req '{"KV_RMV":{"keys":["b"]}}' '{"KV_RMV_RSP":{"st":1}}'
    req '{"KV_SCAN":{"cursor":1,"count":1}}' '{"KV_SCAN_RSP":{"cursor":3,"keys":["user:1"],"st":1}}'
}

@test "KV_SCAN: a rare prefix gives short pages, never a walk of the whole map" {
    local i
    for i in $(seq 1 30); do printf '{"KV_SET":{"keys":{"k%02d":%d}}}\n' "$i" "$i"; done | "$NDB" send >/dev/null
    req '{"KV_SET":{"keys":{"zz":1}}}' '{"KV_SET_RSP":{"st":1}}'
    # count 1 looks at no more than 10 keys per page
    req '{"KV_SCAN":{"prefix":"zz","count":1}}' '{"KV_SCAN_RSP":{"cursor":10,"keys":[],"st":1}}'
    req '{"KV_SCAN":{"prefix":"zz","count":1,"cursor":10}}' '{"KV_SCAN_RSP":{"cursor":20,"keys":[],"st":1}}'
    req '{"KV_SCAN":{"prefix":"zz","count":1,"cursor":20}}' '{"KV_SCAN_RSP":{"cursor":30,"keys":[],"st":1}}'
    req '{"KV_SCAN":{"prefix":"zz","count":1,"cursor":30}}' '{"KV_SCAN_RSP":{"cursor":0,"keys":["zz"],"st":1}}'
}

@test "KV_SCAN rejects bad input with the failure shape" {
    req '{"KV_SCAN":{"count":0}}' '{"KV_SCAN_RSP":{"m":"'"'"'count'"'"' must be from 1 to 10000","st":42,"tkn":null}}'
    req '{"KV_SCAN":{"count":10001}}' '{"KV_SCAN_RSP":{"m":"'"'"'count'"'"' must be from 1 to 10000","st":42,"tkn":null}}'
    req '{"KV_SCAN":{"count":"5"}}' '{"KV_SCAN_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"KV_SCAN":{"cursor":-1}}' '{"KV_SCAN_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"KV_SCAN":{"cursor":1.5}}' '{"KV_SCAN_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"KV_SCAN":{"prefix":1}}' '{"KV_SCAN_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"KV_SCAN":[]}' '{"KV_SCAN_RSP":{"m":"","st":13,"tkn":null}}'
}

@test "KV_SCAN returns every key that exists throughout exactly once, whatever is written meanwhile" {
    local i page cursor=0 out deleted=" " n r
    for i in $(seq 0 999); do printf '{"KV_SET":{"keys":{"k%d":%d}}}\n' "$i" "$i"; done | "$NDB" send >/dev/null
    : >"$BATS_TEST_TMPDIR/seen"
    RANDOM=7
    for page in $(seq 1 200); do
        out=$("$NDB" send "{\"KV_SCAN\":{\"cursor\":$cursor,\"count\":37}}")
        cursor=$(grep -o '"cursor":[0-9]*' <<<"$out" | cut -d: -f2)
        grep -o '"[kn][0-9_]*"' <<<"$out" | tr -d '"' >>"$BATS_TEST_TMPDIR/seen"
        # between pages: remove 4 keys anywhere, add 4 new ones, overwrite 4
        : >"$BATS_TEST_TMPDIR/writes"
        for n in 1 2 3 4; do
            r=$((RANDOM % 1000))
            deleted+="k$r "
            printf '{"KV_RMV":{"keys":["k%d"]}}\n{"KV_SET":{"keys":{"n%d_%d":0}}}\n{"KV_SET":{"keys":{"k%d":"new value"}}}\n' \
                "$r" "$page" "$n" $((RANDOM % 1000)) >>"$BATS_TEST_TMPDIR/writes"
        done
        "$NDB" send <"$BATS_TEST_TMPDIR/writes" >/dev/null
        [ "$cursor" = 0 ] && break
    done
    [ "$cursor" = 0 ]
    # a key seen twice must have been removed (and set again: a new key)
    local k twice=""
    for k in $(sort "$BATS_TEST_TMPDIR/seen" | uniq -d); do [[ "$deleted" == *" $k "* ]] || twice+=" $k"; done
    [ -z "$twice" ]
    # every key never removed (an overwrite is not a removal) was seen
    local missing=0
    for i in $(seq 0 999); do
        [[ "$deleted" == *" k$i "* ]] && continue
        grep -qx "k$i" "$BATS_TEST_TMPDIR/seen" || missing=$((missing + 1))
    done
    [ "$missing" -eq 0 ]
    # the new keys were each seen at most once (never removed)
    [ -z "$(grep '^n' "$BATS_TEST_TMPDIR/seen" | sort | uniq -d)" ]
}

@test "SH_SCAN lists sessions with their SH_INFO members, a page at a time" {
    req '{"SH_SCAN":{}}' '{"SH_SCAN_RSP":{"cursor":0,"sessions":[],"st":1}}'
    local a b
    a=$("$NDB" send '{"SH_NEW":{"expiry":{"duration":600,"deleteSession":true}}}' | grep -o '"tkn":[0-9]*' | cut -d: -f2)
    b=$("$NDB" send '{"SH_NEW":{}}' | grep -o '"tkn":[0-9]*' | cut -d: -f2)
    req "{\"SH_SET\":{\"tkn\":$b,\"keys\":{\"x\":1,\"y\":2}}}" '{"SH_SET_RSP":{"st":1}}'
    run "$NDB" send '{"SH_SCAN":{"count":1}}'
    [[ "$output" =~ ^\{\"SH_SCAN_RSP\":\{\"cursor\":1,\"sessions\":\[\{\"expires\":true,\"expiry\":\{\"deleteSession\":true,\"duration\":600,\"extendOnGet\":false,\"extendOnSetAdd\":false,\"remaining\":(599|600)\},\"keyCnt\":0,\"shared\":false,\"tkn\":$a\}\],\"st\":1\}\}$ ]]
    req '{"SH_SCAN":{"cursor":1,"count":1}}' \
        "{\"SH_SCAN_RSP\":{\"cursor\":0,\"sessions\":[{\"expires\":false,\"keyCnt\":2,\"shared\":false,\"tkn\":$b}],\"st\":1}}"
    req "{\"SH_END\":{\"tkn\":$a}}" "{\"SH_END_RSP\":{\"st\":1,\"tkn\":$a}}"
    req '{"SH_SCAN":{"cursor":0}}' \
        "{\"SH_SCAN_RSP\":{\"cursor\":0,\"sessions\":[{\"expires\":false,\"keyCnt\":2,\"shared\":false,\"tkn\":$b}],\"st\":1}}"
    req '{"SH_SCAN":{"count":0}}' '{"SH_SCAN_RSP":{"m":"'"'"'count'"'"' must be from 1 to 10000","st":42,"tkn":null}}'
    req '{"SH_SCAN":{"cursor":"x"}}' '{"SH_SCAN_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
}
