#!/usr/bin/env bats
# Snapshots (docs/protocol.md section 6 with the fixes of section 0.1): save,
# load, start-up load, the fixtures written by another server, restricted
# names, corrupt and incomplete snapshots, and a crash in the middle of a save.

load helpers
bats_require_minimum_version 1.5.0

# The snapshots another server wrote lie in shared/, beside the repository.
# From a git worktree (checked out elsewhere) the repository is the one its
# common git directory belongs to; without git, the checkout's own parent.
fixtures_dir() {
    local common
    common=$(git -C "$BATS_TEST_DIRNAME" rev-parse --path-format=absolute --git-common-dir 2>/dev/null) &&
        [ -d "$common/../../shared/fixtures/snapshots" ] && {
        echo "$common/../../shared/fixtures/snapshots"
        return
    }
    echo "$BATS_TEST_DIRNAME/../../../shared/fixtures/snapshots"
}
FIXTURES=$(fixtures_dir)

setup() {
    P="$BATS_TEST_TMPDIR/data"
    mkdir -p "$P"
}
teardown() { stop_server; }

# the newest snapshot directory of dataset $1
newest() { ls -d "$P/$1"/*/ | sort | tail -n 1; }

@test "saves are refused with 14 while persistence is disabled, before validation" {
    start_server
    req '{"KV_SAVE":{"name":"x"}}' '{"KV_SAVE_RSP":{"m":"","st":14}}'
    req '{"KV_SAVE":{}}' '{"KV_SAVE_RSP":{"m":"","st":14}}'
    req '{"SH_SAVE":{"name":5}}' '{"SH_SAVE_RSP":{"m":"","st":14}}'
}

@test "saves are refused with 14 while persistence is disabled, before the request limits too" {
    start_server --max-keys 1 --max-depth 3
    req '{"SH_SAVE":{"name":"x","tkns":[1,2,3]}}' '{"SH_SAVE_RSP":{"m":"","st":14}}'
    req '{"KV_SAVE":{"name":[[[1]]]}}' '{"KV_SAVE_RSP":{"m":"","st":14}}'
}

@test "KV_FIND rsp kv lists a key named twice once; rsp keys twice" {
    start_server
    req '{"KV_SET":{"keys":{"a":[1]}}}' '{"KV_SET_RSP":{"st":1}}'
    req '{"KV_FIND":{"keys":["a","a"],"path":"$[0]","rsp":"kv"}}' '{"KV_FIND_RSP":{"keys":{"a":[1]},"st":1}}'
    req '{"KV_FIND":{"keys":["a","a"],"path":"$[0]","rsp":"keys"}}' '{"KV_FIND_RSP":{"keys":["a","a"],"st":1}}'
}

@test "the fixtures written by another server load, values and tokens exact" {
    [ -d "$FIXTURES" ] || skip "shared fixtures not present"
    cp -r "$FIXTURES"/kv_example "$FIXTURES"/sessions_example "$P/"
    chmod -R u+w "$P"
    start_server --persist-path "$P"
    run "$NDB" send '{"KV_LOAD":{"name":"kv_example"}}'
    [[ "$output" =~ ^\{\"KV_LOAD_RSP\":\{\"duration\":[0-9]+,\"keys\":11,\"name\":\"kv_example\",\"sessions\":0,\"st\":141\}\}$ ]]
    req '{"KV_GET":{"keys":["server_ip","server_port","server_users","pi","neg","big","flag","nothing","unicode","empty","arr"]}}' \
        '{"KV_GET_RSP":{"keys":{"server_ip":"123.456.7.8","server_port":1987,"server_users":{"admins":["user1","user2"],"banned":["user3"]},"pi":3.14159,"neg":-42,"big":18446744073709551615,"flag":true,"nothing":null,"unicode":"héllo ☃","empty":"","arr":[1,[2,[3]],{"a":{}}]},"st":1}}'
    req '{"SH_LOAD":{"name":"sessions_example"}}' '{"SH_LOAD_RSP":{"keys":4,"name":"sessions_example","sessions":2,"st":141}}'
    req '{"SH_GET":{"tkn":6718366796655183810,"keys":["username","password"]}}' \
        '{"SH_GET_RSP":{"keys":{"username":"billy","password":"billy_passy"},"st":1}}'
    req '{"SH_GET":{"tkn":16993218741316779092,"keys":["otp","attempts"]}}' '{"SH_GET_RSP":{"keys":{"otp":"123456","attempts":0},"st":1}}'
    run "$NDB" send '{"SH_INFO":{"tkn":16993218741316779092}}'
    [[ "$output" =~ ^\{\"SH_INFO_RSP\":\{\"expires\":true,\"expiry\":\{\"deleteSession\":true,\"duration\":3600,\"extendOnGet\":true,\"extendOnSetAdd\":false,\"remaining\":(3599|3600)\},\"keyCnt\":2,\"shared\":false,\"st\":1,\"tkn\":16993218741316779092\}\}$ ]]
    # loading again: existing sessions are left untouched and not counted
    req '{"SH_LOAD":{"name":"sessions_example"}}' '{"SH_LOAD_RSP":{"keys":0,"name":"sessions_example","sessions":0,"st":141}}'
}

@test "KV_LOAD works with persistence disabled, from the configured path" {
    [ -d "$FIXTURES" ] || skip "shared fixtures not present"
    cp -r "$FIXTURES"/kv_example "$P/"
    printf '{"version":5,"ip":"127.0.0.1","port":1,"maxPayload":65536,"persist":{"enabled":false,"path":"%s"}}' "$P" \
        >"$BATS_TEST_TMPDIR/c.json"
    start_server --config "$BATS_TEST_TMPDIR/c.json"
    run "$NDB" send '{"KV_LOAD":{"name":"kv_example"}}'
    [[ "$output" == *'"keys":11,"name":"kv_example","sessions":0,"st":141}}' ]]
    req '{"KV_SAVE":{"name":"x"}}' '{"KV_SAVE_RSP":{"m":"","st":14}}'
}

@test "save, restart with --load-name: every value comes back as the same text" {
    start_server --persist-path "$P"
    req '{"KV_SET":{"keys":{"i":18446744073709551616,"n":-9223372036854775809,"f":0.1,"e":1e400,"d":1.50,"s":"h\u00e9 ☃ \"q\"","t":true,"z":null,"o":{"b":1,"a":[1,{"x":{}}]},"a\"k\\ey\n":1,"":"empty key"}}}' \
        '{"KV_SET_RSP":{"st":1}}'
    run "$NDB" send '{"KV_SAVE":{"name":"all-types_1.0"}}'
    [[ "$output" =~ ^\{\"KV_SAVE_RSP\":\{\"duration\":[0-9]+,\"name\":\"all-types_1.0\",\"st\":121\}\}$ ]]
    local want
    want=$("$NDB" send '{"KV_GET":{"keys":["i","n","f","e","d","s","t","z","o","a\"k\\ey\n",""]}}')
    stop_server
    start_server --persist-path "$P" --load-name all-types_1.0
    grep -q "loaded 'all-types_1.0'" "$NDB_LOG"
    req '{"KV_GET":{"keys":["i","n","f","e","d","s","t","z","o","a\"k\\ey\n",""]}}' "$want"
    req '{"KV_COUNT":{}}' '{"KV_COUNT_RSP":{"cnt":11,"st":1}}'
    # the snapshot is in the documented format
    local snap
    snap=$(newest all-types_1.0)
    [ -f "$snap/md/md.json" ] && [ -f "$snap/data/0" ]
    grep -q '^{"complete":[0-9]*,"name":"all-types_1.0","saveDataType":0,"start":[0-9]*,"status":1,"version":2}$' "$snap/md/md.json"
    [ "$(head -c 10 "$snap/data/0")" = '{ "keys":{' ]
}

@test "sessions: save all or listed tokens (de-duplicated), restore tokens, keys and expiry" {
    start_server --persist-path "$P"
    local t1 t2
    t1=$("$NDB" send '{"SH_NEW":{}}' | grep -o '"tkn":[0-9]*' | cut -d: -f2)
    t2=$("$NDB" send '{"SH_NEW":{"expiry":{"duration":100,"deleteSession":true,"extendOnSetAdd":true}}}' | grep -o '"tkn":[0-9]*' | cut -d: -f2)
    req "{\"SH_SET\":{\"tkn\":$t1,\"keys\":{\"u\":\"billy\",\"n\":0.1}}}" '{"SH_SET_RSP":{"st":1}}'
    req "{\"SH_SET\":{\"tkn\":$t2,\"keys\":{\"otp\":\"123456\"}}}" '{"SH_SET_RSP":{"st":1}}'
    req '{"SH_SAVE":{"name":"x","tkns":[]}}' "{\"SH_SAVE_RSP\":{\"m\":\"'tkns' empty\",\"st\":42,\"tkn\":null}}"
    req '{"SH_SAVE":{"name":"x","tkns":[1,-1]}}' "{\"SH_SAVE_RSP\":{\"m\":\"'tkns' contains invalid token\",\"st\":41,\"tkn\":null}}"
    req '{"SH_SAVE":{"tkns":[1]}}' '{"SH_SAVE_RSP":{"m":"Missing parameter","st":26,"tkn":null}}'
    run "$NDB" send "{\"SH_SAVE\":{\"name\":\"one\",\"tkns\":[$t2,$t2,12345]}}"
    [[ "$output" =~ ^\{\"SH_SAVE_RSP\":\{\"duration\":[0-9]+,\"name\":\"one\",\"st\":121\}\}$ ]]
    [ "$(grep -o '"tkn":' "$(newest one)/data/0" | wc -l)" -eq 1 ]
    run "$NDB" send '{"SH_SAVE":{"name":"all"}}'
    [[ "$output" == *'"st":121}}' ]]
    stop_server
    start_server --persist-path "$P" --load-name all
    req "{\"SH_GET\":{\"tkn\":$t1,\"keys\":[\"u\",\"n\"]}}" '{"SH_GET_RSP":{"keys":{"u":"billy","n":0.1},"st":1}}'
    run "$NDB" send "{\"SH_INFO\":{\"tkn\":$t2}}"
    [[ "$output" =~ \"expiry\":\{\"deleteSession\":true,\"duration\":100,\"extendOnGet\":false,\"extendOnSetAdd\":true,\"remaining\":(99|100)\} ]]
    req '{"SH_INFO_ALL":{}}' '{"SH_INFO_ALL_RSP":{"st":1,"totalKeys":3,"totalSessions":2}}'
    req '{"SH_END_ALL":{}}' '{"SH_END_ALL_RSP":{"cnt":2,"st":1}}'
    req '{"SH_LOAD":{"name":"one"}}' '{"SH_LOAD_RSP":{"keys":1,"name":"one","sessions":1,"st":141}}'
}

@test "SH_SAVE of 400000 listed tokens is written at once, not in quadratic time; each token once, in the order listed" {
    # each token was checked against every earlier one in the save's
    # process: 60000 tokens (the default 1 MiB) took 1.5 s, 400000 more than
    # a minute, while every other save waited; the wait is a bound on a
    # hang, not a timing
    start_server --persist-path "$P" --max-payload 8M
    local t1 t2 req="$BATS_TEST_TMPDIR/save"
    t1=$("$NDB" session new)
    t2=$("$NDB" session new --ttl 100)
    "$NDB" set --session "$t1" a 1 >/dev/null
    python3 -c 'import json, sys; t1, t2 = int(sys.argv[1]), int(sys.argv[2])
ts = [t2] + [i for i in range(1, 400000) if i not in (t1, t2)] + [0, t1, t2, t1]
print(json.dumps({"SH_SAVE": {"name": "many", "tkns": ts}}, separators=(",", ":")))' "$t1" "$t2" >"$req"
    run timeout 30 "$NDB" send --timeout 20 - <"$req"
    [ "$status" -eq 0 ]
    [[ "$output" == '{"SH_SAVE_RSP":{"duration":'*',"name":"many","st":121}}' ]]
    [ "$(cat "$(newest many)/data/0")" = "[{\"keys\":{},\"sh\":{\"expiry\":{\"deleteSession\":false,\"duration\":100,\"extendOnGet\":false,\"extendOnSetAdd\":false},\"shared\":false,\"tkn\":$t2}},{\"keys\":{\"a\":1},\"sh\":{\"expiry\":{\"deleteSession\":false,\"duration\":0,\"extendOnGet\":false,\"extendOnSetAdd\":false},\"shared\":false,\"tkn\":$t1}}]" ]
}

@test "dataset names are restricted (42) on save and load; nothing escapes the persist path" {
    start_server --persist-path "$P"
    local rule="dataset names must match [A-Za-z0-9_.-]{1,200} and not be '.' or '..'"
    local n
    for n in '..' '.' '' '../escape' 'a/b' 'a b' 'é'; do
        req "{\"KV_SAVE\":{\"name\":\"$n\"}}" "{\"KV_SAVE_RSP\":{\"m\":\"$rule\",\"name\":\"$n\",\"st\":42,\"tkn\":null}}"
        req "{\"KV_LOAD\":{\"name\":\"$n\"}}" "{\"KV_LOAD_RSP\":{\"m\":\"$rule\",\"name\":\"$n\",\"st\":42,\"tkn\":null}}"
        req "{\"SH_SAVE\":{\"name\":\"$n\"}}" "{\"SH_SAVE_RSP\":{\"m\":\"$rule\",\"name\":\"$n\",\"st\":42,\"tkn\":null}}"
        req "{\"SH_LOAD\":{\"name\":\"$n\"}}" "{\"SH_LOAD_RSP\":{\"m\":\"$rule\",\"name\":\"$n\",\"st\":42,\"tkn\":null}}"
    done
    [ ! -e "$BATS_TEST_TMPDIR/escape" ]
    [ -z "$(ls -A "$P")" ]
    req '{"KV_SAVE":{"name":5}}' '{"KV_SAVE_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    req '{"KV_LOAD":{}}' '{"KV_LOAD_RSP":{"m":"Missing parameter","st":26,"tkn":null}}'
}

@test "missing datasets and type mismatches answer 142 with a reason" {
    start_server --persist-path "$P"
    req '{"KV_LOAD":{"name":"nope"}}' "{\"KV_LOAD_RSP\":{\"m\":\"dataset 'nope' does not exist in $P\",\"name\":\"nope\",\"st\":142}}"
    req '{"SH_LOAD":{"name":"nope"}}' "{\"SH_LOAD_RSP\":{\"m\":\"dataset 'nope' does not exist in $P\",\"name\":\"nope\",\"st\":142}}"
    "$NDB" send '{"KV_SAVE":{"name":"kvs"}}' '{"SH_SAVE":{"name":"shs"}}' >/dev/null
    req '{"SH_LOAD":{"name":"kvs"}}' '{"SH_LOAD_RSP":{"m":"dataset is a KV dataset (saveDataType 0): use KV_LOAD","name":"kvs","st":142}}'
    req '{"KV_LOAD":{"name":"shs"}}' '{"KV_LOAD_RSP":{"m":"dataset is a session dataset (saveDataType 1): use SH_LOAD","name":"shs","st":142}}'
}

@test "a save whose snapshot the load could not read is refused (122): save and load hold a dataset path to one bound" {
    # a persist path of 3841 bytes: a 200-byte name was saved (121) into a
    # snapshot the load then refused ("snapshot path too long", 142)
    local d="$BATS_TEST_TMPDIR" seg n190 n200
    seg=$(printf 'd%.0s' $(seq 100))
    while [ ${#d} -lt 3700 ]; do d="$d/$seg"; done
    d="$d/$(printf 'e%.0s' $(seq $((3840 - ${#d}))))"
    mkdir -p "$d"
    [ ${#d} -eq 3841 ]
    n190=$(printf 'n%.0s' $(seq 190))
    n200=$(printf 'n%.0s' $(seq 200))
    start_server --persist-path "$d"
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    local why="dataset path too long: 3841 bytes of directory, '/' and 200 of name, over 4032 (a snapshot's files go below it)"
    req "{\"KV_SAVE\":{\"name\":\"$n200\"}}" "{\"KV_SAVE_RSP\":{\"m\":\"$why\",\"name\":\"$n200\",\"st\":122}}"
    req "{\"KV_LOAD\":{\"name\":\"$n200\"}}" "{\"KV_LOAD_RSP\":{\"m\":\"$why\",\"name\":\"$n200\",\"st\":142}}"
    # within the bound, what is saved loads
    run "$NDB" send "{\"KV_SAVE\":{\"name\":\"$n190\"}}" "{\"KV_LOAD\":{\"name\":\"$n190\"}}"
    [[ "${lines[0]}" == *'"st":121}}' ]]
    [[ "${lines[1]}" == *'"keys":1,'*'"st":141}}' ]]
}

@test "a dataset holds one kind: saving the other kind under its name is refused (42), loads and retention keep working" {
    start_server --persist-path "$P" --keep-snapshots 1
    req '{"KV_SET":{"keys":{"a":1}}}' '{"KV_SET_RSP":{"st":1}}'
    "$NDB" send '{"KV_SAVE":{"name":"users"}}' '{"SH_NEW":{}}' '{"SH_SAVE":{"name":"web"}}' >/dev/null
    req '{"SH_SAVE":{"name":"users"}}' '{"SH_SAVE_RSP":{"m":"dataset holds keys (saveDataType 0): save sessions under another name","name":"users","st":42,"tkn":null}}'
    req '{"KV_SAVE":{"name":"web"}}' '{"KV_SAVE_RSP":{"m":"dataset holds sessions (saveDataType 1): save keys under another name","name":"web","st":42,"tkn":null}}'
    [ "$(ls "$P/users" | wc -l)" -eq 1 ] && [ "$(ls "$P/web" | wc -l)" -eq 1 ]
    run "$NDB" send '{"KV_LOAD":{"name":"users"}}'
    [[ "$output" == *'"keys":1,"name":"users","sessions":0,"st":141}}' ]]
    # the CLI says it in its own words, and names the command that loads the other kind
    run --separate-stderr "$NDB" session save users
    [ "$status" -eq 3 ] && [ "$stderr" = 'ndb: ValueSize (42): dataset "users" holds keys (saveDataType 0): save sessions under another name' ]
    run --separate-stderr "$NDB" load web
    [ "$status" -eq 3 ] && [ "$stderr" = "ndb: LoadError (142): \"web\" holds sessions, not keys: load it with 'ndb session load web'" ]
    run --separate-stderr "$NDB" session load users
    [ "$status" -eq 3 ] && [ "$stderr" = "ndb: LoadError (142): \"users\" holds keys, not sessions: load it with 'ndb load users'" ]
}

@test "a session data file with token 0 fails the load saying why" {
    start_server --persist-path "$P"
    "$NDB" send '{"SH_NEW":{}}' '{"SH_SAVE":{"name":"zero"}}' >/dev/null
    local f
    f="$(newest zero)data/0"
    sed -i -E 's/"tkn":[0-9]+/"tkn":0/' "$f"
    rm "$(newest zero)checksums" # edited by hand: loaded unchecked, as another server's
    run "$NDB" send '{"SH_END_ALL":{}}' '{"SH_LOAD":{"name":"zero"}}' '{"SV_INFO":{}}'
    [ "${lines[1]}" = "{\"SH_LOAD_RSP\":{\"m\":\"data file $f: session record 0 has token 0, which no session may have\",\"name\":\"zero\",\"st\":142}}" ]
    [[ "${lines[2]}" == *'"sessions":0,'* ]]
    # the type errors give the same range (they said "from 0"), and a
    # duration too large for 64 bits is not said to be a fraction
    sed -i -E 's/"tkn":0/"tkn":"7"/' "$f"
    run "$NDB" send '{"SH_LOAD":{"name":"zero"}}'
    [[ "$output" == *'session record 0 is malformed: \"tkn\" is missing or not a token (an integer from 1 to 2^64-1)"'* ]]
    sed -i -E 's/"tkn":"7"/"tkn":7/; s/"duration":[0-9]+/"duration":99999999999999999999/' "$f"
    run "$NDB" send '{"SH_LOAD":{"name":"zero"}}'
    [[ "$output" == *'session record 0 is malformed: \"expiry.duration\" is missing or not a whole number of seconds (at most 2^64-1)"'* ]]
}

@test "another server's dataset with a session written twice (Q25) loads it once: only the first copy counts against the limits" {
    # other servers write a session twice when SH_SAVE lists its token twice;
    # the second copy is skipped, but its keys were counted against
    # maxMemory and maxKeyLength, so a dataset whose sessions fit was refused
    start_server --persist-path "$P" --max-memory 500K --max-key-length 100
    local d="$P/twice/1795613510133594751"
    mkdir -p "$d/md" "$d/data"
    printf '%s' '{"complete":1795613510134,"name":"twice","saveDataType":1,"start":1795613510134,"status":1,"version":2}' >"$d/md/md.json"
    python3 -c 'import json, sys
sh = {"expiry": {"deleteSession": False, "duration": 0, "extendOnGet": False, "extendOnSetAdd": False}, "shared": False, "tkn": 77}
recs = [{"keys": {"big": "x" * 300000}, "sh": sh}, {"keys": {"big": "y" * 300000, "k" * 101: 1}, "sh": sh}]
open(sys.argv[1], "w").write(json.dumps(recs, separators=(",", ":")))' "$d/data/0"
    req '{"SH_LOAD":{"name":"twice"}}' '{"SH_LOAD_RSP":{"keys":1,"name":"twice","sessions":1,"st":141}}'
    req '{"SH_KEYS":{"tkn":77}}' '{"SH_KEYS_RSP":{"keys":["big"],"st":1}}'
    run "$NDB" --raw get --session 77 big
    [ "$output" = "$(head -c 300000 /dev/zero | tr '\0' x)" ]
}

@test "SH_LOAD of a copy of an automatic snapshot keeps the sessions' deadlines: an expired one-time password stays gone" {
    # ndb-serve(1): copy @ndb/snapshots/G/sessions to a dataset to load it
    # with SH_LOAD; its records carry "deadline" (wall-clock ns), which the
    # load ignored: every session got a new period, an OTP that expired
    # long ago was readable again
    start_server --persist-path "$P"
    local d="$P/restore/1795613510133594751" now
    now=$(date +%s%N)
    mkdir -p "$d/md" "$d/data"
    printf '%s' '{"complete":1795613510134,"name":"restore","saveDataType":1,"start":1795613510134,"status":1,"version":2}' >"$d/md/md.json"
    python3 -c 'import json, sys
now = int(sys.argv[2])
def rec(tkn, keys, duration, delete, deadline=None):
    sh = {"expiry": {"deleteSession": delete, "duration": duration, "extendOnGet": False, "extendOnSetAdd": False}, "shared": False, "tkn": tkn}
    if deadline is not None: sh = {"deadline": deadline, **sh}
    return {"keys": keys, "sh": sh}
recs = [rec(1, {"otp": "123456"}, 300, True, now - 10**9),   # expired, ends at its deadline: not loaded
        rec(2, {"cart": [1]}, 10, False, now - 25 * 10**9),  # expired, lives on: emptied, next deadline in its rhythm
        rec(3, {"user": "bob"}, 3600, True, now + 100 * 10**9),  # its deadline is kept
        rec(4, {"plain": 1}, 3600, True)]                    # no deadline (SH_SAVE): a new period
open(sys.argv[1], "w").write(json.dumps(recs, separators=(",", ":")))' "$d/data/0" "$now"
    req '{"SH_LOAD":{"name":"restore"}}' '{"SH_LOAD_RSP":{"keys":2,"name":"restore","sessions":3,"st":141}}'
    req '{"SH_EXISTS":{"tkns":[1,2,3,4]}}' '{"SH_EXISTS_RSP":{"exist":[2,3,4],"st":1}}'
    run "$NDB" send '{"SH_INFO":{"tkn":2}}' '{"SH_INFO":{"tkn":3}}' '{"SH_INFO":{"tkn":4}}'
    [[ "${lines[0]}" =~ ^\{\"SH_INFO_RSP\":\{\"expires\":true,\"expiry\":\{\"deleteSession\":false,\"duration\":10,\"extendOnGet\":false,\"extendOnSetAdd\":false,\"remaining\":[34]\},\"keyCnt\":0, ]]
    [[ "${lines[1]}" =~ \"remaining\":(98|99)\},\"keyCnt\":1, ]]
    [[ "${lines[2]}" =~ \"remaining\":(3598|3599)\},\"keyCnt\":1, ]]
    req '{"SH_GET":{"tkn":3,"keys":["user"]}}' '{"SH_GET_RSP":{"keys":{"user":"bob"},"st":1}}'
}

@test "SH_LOAD of a copied automatic snapshot: a deadline more than a period ahead (a clock ahead of ours) is cut to one period" {
    # the deadline was taken as it stood: a one-time password of 10 s from a
    # machine whose clock ran a day ahead lived a day, 100 years ahead 100 years
    start_server --persist-path "$P"
    local d="$P/ahead/1795613510133594751" now
    now=$(date +%s%N)
    mkdir -p "$d/md" "$d/data"
    printf '%s' '{"complete":1795613510134,"name":"ahead","saveDataType":1,"start":1795613510134,"status":1,"version":2}' >"$d/md/md.json"
    python3 -c 'import json, sys
now = int(sys.argv[2])
def rec(tkn, duration, deadline):
    return {"keys": {"otp": "1"}, "sh": {"deadline": deadline, "expiry": {"deleteSession": True, "duration": duration, "extendOnGet": False, "extendOnSetAdd": False}, "shared": False, "tkn": tkn}}
recs = [rec(1, 10, now + 100 * 365 * 86400 * 10**9), rec(2, 3600, now + 100 * 10**9)]
open(sys.argv[1], "w").write(json.dumps(recs, separators=(",", ":")))' "$d/data/0" "$now"
    req '{"SH_LOAD":{"name":"ahead"}}' '{"SH_LOAD_RSP":{"keys":2,"name":"ahead","sessions":2,"st":141}}'
    run "$NDB" send '{"SH_INFO":{"tkn":1}}' '{"SH_INFO":{"tkn":2}}'
    [[ "${lines[0]}" =~ \"duration\":10,\"extendOnGet\":false,\"extendOnSetAdd\":false,\"remaining\":(9|10)\},\"keyCnt\":1, ]]
    # a deadline within the period is kept as it was
    [[ "${lines[1]}" =~ \"remaining\":(98|99|100)\},\"keyCnt\":1, ]]
}

@test "another server's session with a duration past 10 years loads, cut to 10 years (Q10), with a warning" {
    # Other servers accept any duration (PROTOCOL.md Q10) and ndb reads their
    # snapshots (0.1 decision 10): refusing the dataset would lose every session.
    start_server --persist-path "$P"
    "$NDB" send '{"SH_NEW":{"expiry":{"duration":600,"deleteSession":true}}}' '{"SH_NEW":{"expiry":{"duration":60}}}' \
        '{"SH_SAVE":{"name":"long"}}' >/dev/null
    local f
    f="$(newest long)data/0"
    sed -i -E 's/"duration":600/"duration":18446744073709551615/' "$f"
    rm "$(newest long)checksums" # as another server's snapshot: none
    local t
    t=$(grep -o '"duration":18446744073709551615,[^}]*},"shared":false,"tkn":[0-9]*' "$f" | grep -o '[0-9]*$')
    req '{"SH_END_ALL":{}}' '{"SH_END_ALL_RSP":{"cnt":2,"st":1}}'
    req '{"SH_LOAD":{"name":"long"}}' '{"SH_LOAD_RSP":{"keys":0,"name":"long","sessions":2,"st":141}}'
    run "$NDB" send "{\"SH_INFO\":{\"tkn\":$t}}"
    [[ "$output" == '{"SH_INFO_RSP":{"expires":true,"expiry":{"deleteSession":true,"duration":315360000,"extendOnGet":false,"extendOnSetAdd":false,"remaining":3153'*'},"keyCnt":0,"shared":false,"st":1,"tkn":'"$t"'}}' ]]
    grep -qF "ndb: warn: data file $f: 1 session with an expiry duration over 315360000 seconds (10 years), the most ndb keeps: loaded with 315360000" "$NDB_LOG"
    # at start-up too
    stop_server
    start_server --persist-path "$P" --load-name long
    req '{"SH_INFO_ALL":{}}' '{"SH_INFO_ALL_RSP":{"st":1,"totalKeys":0,"totalSessions":2}}'
}

@test "empty datasets save and load with 141 (Q15), also at start-up" {
    start_server --persist-path "$P"
    run "$NDB" send '{"KV_SAVE":{"name":"empty"}}'
    [[ "$output" == *'"st":121}}' ]]
    [ -d "$(newest empty)/data" ] && [ -z "$(ls -A "$(newest empty)/data")" ]
    run "$NDB" send '{"KV_LOAD":{"name":"empty"}}'
    [[ "$output" =~ \"keys\":0,\"name\":\"empty\",\"sessions\":0,\"st\":141 ]]
    run "$NDB" send '{"SH_SAVE":{"name":"nosessions"}}'
    [[ "$output" =~ ^\{\"SH_SAVE_RSP\":\{\"duration\":[0-9]+,\"name\":\"nosessions\",\"st\":121\}\}$ ]]
    req '{"SH_LOAD":{"name":"nosessions"}}' '{"SH_LOAD_RSP":{"keys":0,"name":"nosessions","sessions":0,"st":141}}'
    stop_server
    start_server --persist-path "$P" --load-name empty
}

@test "a save stays the newest when the clock is behind an existing snapshot: loaded, never removed by retention" {
    start_server --persist-path "$P" --keep-snapshots 1
    req '{"KV_SET":{"keys":{"v":1}}}' '{"KV_SET_RSP":{"st":1}}'
    "$NDB" send '{"KV_SAVE":{"name":"ds"}}' >/dev/null
    # as if the clock had been far ahead when it was taken (or the
    # snapshot came from a host whose clock was)
    mv "$(newest ds)" "$P/ds/2796458628284789309"
    req '{"KV_SET":{"keys":{"v":2}}}' '{"KV_SET_RSP":{"st":1}}'
    run "$NDB" send '{"KV_SAVE":{"name":"ds"}}'
    [[ "$output" =~ ^\{\"KV_SAVE_RSP\":\{\"duration\":[0-9]+,\"name\":\"ds\",\"st\":121\}\}$ ]]
    [ "$(ls "$P/ds")" = 2796458628284789310 ]
    grep -q "save of 'ds': the clock is behind its newest snapshot 2796458628284789309; naming this one 2796458628284789310 so that it stays the newest" "$NDB_LOG"
    run "$NDB" send '{"KV_LOAD":{"name":"ds"}}'
    [[ "$output" == *'"keys":1,"name":"ds","sessions":0,"st":141}}' ]]
    req '{"KV_GET":{"keys":["v"]}}' '{"KV_GET_RSP":{"keys":{"v":2},"st":1}}'
    # at the largest name a snapshot may have, the save is refused, and the
    # log does not first claim a name past it
    mv "$P/ds/2796458628284789310" "$P/ds/9999999999999999999"
    req '{"KV_SAVE":{"name":"ds"}}' "{\"KV_SAVE_RSP\":{\"m\":\"dataset 'ds' has a snapshot named 9999999999999999999, the largest a snapshot may have: move it away\",\"name\":\"ds\",\"st\":122}}"
    ! grep -q "naming this one 10000000000000000000" "$NDB_LOG"
}

@test "entries that are not snapshots are ignored; an incomplete newest snapshot is skipped" {
    start_server --persist-path "$P"
    req '{"KV_SET":{"keys":{"v":1}}}' '{"KV_SET_RSP":{"st":1}}'
    "$NDB" send '{"KV_SAVE":{"name":"ds"}}' >/dev/null
    local good
    good=$(newest ds)
    mkdir -p "$P/ds/notes" "$P/ds/9999999999999999999/md" "$P/ds/9999999999999999999/data"
    touch "$P/ds/README"
    printf '{"complete":0,"name":"ds","saveDataType":0,"start":1,"status":0,"version":2}' >"$P/ds/9999999999999999999/md/md.json"
    printf '{ "keys":{"v":2}}' >"$P/ds/9999999999999999999/data/0"
    run "$NDB" send '{"KV_LOAD":{"name":"ds"}}'
    [[ "$output" == *'"keys":1,"name":"ds","sessions":0,"st":141}}' ]]
    req '{"KV_GET":{"keys":["v"]}}' '{"KV_GET_RSP":{"keys":{"v":1},"st":1}}'
    grep -q "skipping snapshot $P/ds/9999999999999999999: it is not complete (status 0)" "$NDB_LOG"
    grep -q "loaded 'ds' from snapshot $(basename "$good")" "$NDB_LOG"
}

@test "a corrupt or truncated data file fails the load naming the file; memory is untouched" {
    start_server --persist-path "$P"
    req '{"KV_SET":{"keys":{"a":1,"b":2,"c":3}}}' '{"KV_SET_RSP":{"st":1}}'
    "$NDB" send '{"KV_SAVE":{"name":"ds"}}' >/dev/null
    local f
    f="$(newest ds)data/0"
    truncate -s 20 "$f"
    rm "$(newest ds)checksums" # the parse finds it (with them, the checksum would: snapshot_load.bats)
    req '{"KV_CLEAR_SET":{"keys":{"mine":true}}}' '{"KV_CLEAR_SET_RSP":{"cnt":3,"st":1}}'
    run "$NDB" send '{"KV_LOAD":{"name":"ds"}}'
    [[ "$output" == "{\"KV_LOAD_RSP\":{\"m\":\"data file $f is not valid JSON (at byte 20)\",\"name\":\"ds\",\"st\":142}}" ]]
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["mine"],"st":1}}'
    # a second, valid file next to the corrupt one must not be half-applied either
    printf '{ "keys":{"x":1}}' >"$(newest ds)data/1"
    printf '[1,' >"$f"
    run "$NDB" send '{"KV_LOAD":{"name":"ds"}}'
    [[ "$output" == *'"st":142}}' ]]
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["mine"],"st":1}}'
    stop_server
    run "$NDB" serve --port 0 --persist-path "$P" --load-name ds
    [ "$status" -eq 1 ]
    [[ "$output" == *"ndb serve: cannot load 'ds' from $P: data file $f is not valid JSON"* ]]
}

@test "start-up load failures exit 1; the docs/protocol.md 7.1 spellings work" {
    run "$NDB" serve --port 0 --persist-path "$P" --load-name missing
    [ "$status" -eq 1 ]
    [ "$output" = "ndb serve: cannot load 'missing' from $P: dataset 'missing' does not exist in $P" ]
    run "$NDB" serve --port 0 --load-name ../x
    [ "$status" -eq 1 ]
    run "$NDB" serve --port 0 --load-path "$BATS_TEST_TMPDIR/nodir" --load-name x
    [ "$status" -eq 1 ]
    [[ "$output" == *"--load-path"* ]]
    [ -d "$FIXTURES" ] || skip "shared fixtures not present"
    start_server --loadName=kv_example --loadPath="$FIXTURES"
    req '{"KV_COUNT":{}}' '{"KV_COUNT_RSP":{"cnt":11,"st":1}}'
    stop_server
    start_server --loadPath="$FIXTURES/sessions_example"
    req '{"SH_INFO_ALL":{}}' '{"SH_INFO_ALL_RSP":{"st":1,"totalKeys":4,"totalSessions":2}}'
}

@test "a file system error while creating the snapshot answers 122" {
    start_server --persist-path "$P"
    touch "$P/blocked" # a plain file where the dataset directory would go
    run "$NDB" send '{"KV_SAVE":{"name":"blocked"}}'
    [[ "$output" =~ ^\{\"KV_SAVE_RSP\":\{\"m\":\"cannot\ create\ snapshot\ directory\ .*\",\"name\":\"blocked\",\"st\":122\}\}$ ]]
}

@test "SIGKILL during a large save: the previous snapshot still loads, never a partial one" {
    start_server --persist-path "$P"
    # 200,000 keys of ~100 bytes, set 1,000 per request
    python3 - "$BATS_TEST_TMPDIR/bulk" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    for r in range(200):
        keys = ",".join('"k%06d":"%s"' % (r * 1000 + i, "v" * 90) for i in range(1000))
        f.write('{"KV_SET":{"keys":{%s}}}\n' % keys)
EOF
    "$NDB" send <"$BATS_TEST_TMPDIR/bulk" >/dev/null
    req '{"KV_SET":{"keys":{"generation":1}}}' '{"KV_SET_RSP":{"st":1}}'
    run "$NDB" send '{"KV_SAVE":{"name":"big"}}'
    [[ "$output" == *'"st":121}}' ]]
    local first
    first=$(newest big)
    req '{"KV_SET":{"keys":{"generation":2,"extra":true}}}' '{"KV_SET_RSP":{"st":1}}'
    "$NDB" send --timeout 30 '{"KV_SAVE":{"name":"big"}}' >/dev/null 2>&1 &
    # kill the server as soon as the second snapshot directory appears
    local i
    for i in $(seq 1 400); do
        [ "$(ls "$P/big" | wc -l)" -ge 2 ] && break
        sleep 0.005
    done
    kill -KILL "$NDB_PID"
    wait "$NDB_PID" 2>/dev/null || true
    NDB_PID=
    wait || true
    start_server --persist-path "$P" --load-name big
    run "$NDB" send '{"KV_GET":{"keys":["generation"]}}'
    local second
    second=$(newest big)
    if grep -q '"status":1' "$second/md/md.json" && [ "$second" != "$first" ]; then
        # the save finished before the kill: the new snapshot is complete and chosen
        [ "$output" = '{"KV_GET_RSP":{"keys":{"generation":2},"st":1}}' ]
        req '{"KV_COUNT":{}}' '{"KV_COUNT_RSP":{"cnt":200002,"st":1}}'
    else
        # interrupted: the previous, complete snapshot is loaded in full
        [ "$output" = '{"KV_GET_RSP":{"keys":{"generation":1},"st":1}}' ]
        req '{"KV_COUNT":{}}' '{"KV_COUNT_RSP":{"cnt":200001,"st":1}}'
    fi
}

# snapshot NAME TYPE FILE-TEXT...: a complete snapshot written by hand, one
# data file per FILE-TEXT
snapshot() {
    local name=$1 type=$2 dir="$P/$1/1700000000000000000" i=0
    shift 2
    mkdir -p "$dir/md" "$dir/data"
    printf '{"complete":1,"name":"%s","saveDataType":%s,"start":1,"status":1,"version":2}' "$name" "$type" \
        >"$dir/md/md.json"
    for text in "$@"; do printf '%s' "$text" >"$dir/data/$i"; i=$((i + 1)); done
}

@test "a key named twice in a snapshot: the first occurrence wins and is counted once" {
    snapshot dup 0 '{ "keys":{"a":1,"b":2,"a":3}}' '{ "keys":{"c":4,"b":5}}'
    start_server --persist-path "$P"
    req '{"KV_SET":{"keys":{"a":"old","z":0}}}' '{"KV_SET_RSP":{"st":1}}'
    run "$NDB" send '{"KV_LOAD":{"name":"dup"}}'
    [[ "$output" =~ ^\{\"KV_LOAD_RSP\":\{\"duration\":[0-9]+,\"keys\":3,\"name\":\"dup\",\"sessions\":0,\"st\":141\}\}$ ]]
    req '{"KV_GET":{"keys":["a","b","c","z"]}}' '{"KV_GET_RSP":{"keys":{"a":1,"b":2,"c":4,"z":0},"st":1}}'
    req '{"KV_KEYS":{}}' '{"KV_KEYS_RSP":{"keys":["a","z","b","c"],"st":1}}'
    # sessions: a key named twice in one record, a token named twice
    snapshot sdup 1 '[{"keys":{"k":1,"k":2},"sh":{"expiry":{"deleteSession":false,"duration":0,"extendOnGet":false,"extendOnSetAdd":false},"shared":false,"tkn":7}},{"keys":{"k":9},"sh":{"expiry":{"deleteSession":false,"duration":0,"extendOnGet":false,"extendOnSetAdd":false},"shared":false,"tkn":7}}]'
    req '{"SH_LOAD":{"name":"sdup"}}' '{"SH_LOAD_RSP":{"keys":1,"name":"sdup","sessions":1,"st":141}}'
    req '{"SH_GET":{"tkn":7,"keys":["k"]}}' '{"SH_GET_RSP":{"keys":{"k":1},"st":1}}'
}

@test "what the server writes under the persist path is its user's alone (0600, directories 0700), whatever the umask" {
    # snapshots and the journal hold the data (sessions, one-time passwords):
    # with the usual umask 022 they were created 0644 and 0755, readable by
    # every user of the machine
    umask 022
    chmod 755 "$P"
    start_server --persist-path "$P" --journal everysec --save "1 1"
    "$NDB" send '{"KV_SET":{"keys":{"otp":"123456"}}}' '{"SH_NEW":{}}' '{"KV_SAVE":{"name":"kv"}}' \
        '{"SH_SAVE":{"name":"sh"}}' >/dev/null
    # the automatic snapshot, a second after the change; its line comes
    # after its retention removed journal file 1 (waiting for its checksums
    # file instead, ls could list file 1 just before it went)
    wait_log "bytes; save schedule)"
    ls "$P"/@ndb/snapshots/*/checksums "$P"/@ndb/journal/*.jnl "$P"/kv/*/data/0 "$P"/sh/*/data/0 >/dev/null
    run find "$P" -mindepth 1 -perm /077
    [ "$status" -eq 0 ]
    [ "$output" = '' ]
    [ "$(stat -c %a "$P")" = 755 ] # the directory the administrator gave keeps its mode
}
