#!/usr/bin/env bats
# The native client's key commands: get set add rm keys count contains clear
# clear-set — exact outputs when not on a terminal, value rules, stdin
# forms, exit statuses.  (Terminal output: client_cli.bats.)

load client_helpers

setup_file() { start_server; }
teardown_file() { stop_server; }
teardown() {
    if [ -n "${OWN_PID:-}" ]; then NDB_PID=$OWN_PID stop_server; fi
}
setup() { "$NDB" clear --yes >/dev/null; }

@test "set then get: one value prints exactly, nothing else on stdout" {
    run --separate-stderr "$NDB" set username Bob
    exit_is 0 ""
    [ -z "$stderr" ]
    run --separate-stderr "$NDB" get username
    ok_out '"Bob"'
    [ -z "$stderr" ]
}

@test "set: JSON values stay JSON, anything else is a string" {
    "$NDB" set n 1987 t true z null o '{"a": [1, 2]}' s '"quoted"' w Bob e '' lead 007 arr '[1,"x"]'
    run --separate-stderr "$NDB" send '{"KV_GET":{"keys":["n","t","z","o","s","w","e","lead","arr"]}}'
    ok_out '{"KV_GET_RSP":{"keys":{"n":1987,"t":true,"z":null,"o":{"a":[1,2]},"s":"quoted","w":"Bob","e":"","lead":"007","arr":[1,"x"]},"st":1}}'
}

@test "set: numbers keep their exact text through get" {
    "$NDB" set big 18446744073709551616 tenth 0.1 huge 1e400 neg -5 negf -0.5 nested '{"v":[0.10,1E2]}'
    run --separate-stderr "$NDB" get big
    ok_out '18446744073709551616'
    run --separate-stderr "$NDB" get tenth
    ok_out '0.1'
    run --separate-stderr "$NDB" get huge
    ok_out '1e400'
    run --separate-stderr "$NDB" get neg
    ok_out '-5'
    run --separate-stderr "$NDB" get negf
    ok_out '-0.5'
    run --separate-stderr "$NDB" get nested
    ok_out '{"v":[0.10,1E2]}'
}

@test "set: text with comments is a string, not JSON" {
    "$NDB" set c '5 // five'
    run --separate-stderr "$NDB" get c
    ok_out '"5 // five"'
}

@test "set -s stores strings, --json refuses non-JSON with exit 2" {
    "$NDB" set -s n 5 --string b true
    run --separate-stderr "$NDB" get n b
    ok_out '{"n":"5","b":"true"}'
    run --separate-stderr "$NDB" set --json x abc
    exit_is 2 ""
    err_has "not valid JSON"
    run --separate-stderr "$NDB" contains x
    exit_is 1
    run --separate-stderr "$NDB" set --json x '[1]'
    exit_is 0
    run --separate-stderr "$NDB" set -s --json x 1
    exit_is 2
}

@test "set: several pairs in one request; a repeated key keeps the last value" {
    "$NDB" set a 1 b 2 a 3
    run --separate-stderr "$NDB" get a b
    ok_out '{"a":3,"b":2}'
}

@test "set: odd arguments and missing arguments are usage errors" {
    run --separate-stderr "$NDB" set a 1 b
    exit_is 2 ""
    err_has "missing VALUE"
    run --separate-stderr "$NDB" set a
    exit_is 2 ""
    run --separate-stderr "$NDB" set
    exit_is 2 ""
    err_has "missing argument"
}

@test "set KEY - reads the value from stdin, less one trailing line ending" {
    printf 'hello\n' | "$NDB" set h -
    run --separate-stderr "$NDB" get h
    ok_out '"hello"'
    echo 42 | "$NDB" set n -
    printf 'a\r\n' | "$NDB" set crlf -
    printf 'two\n\n' | "$NDB" set two -
    printf 'none' | "$NDB" set none -
    run --separate-stderr "$NDB" get n crlf two none
    ok_out '{"n":42,"crlf":"a","two":"two\n","none":"none"}'
    printf 'tab\there "q" \\ end' | "$NDB" set h2 -
    run --separate-stderr "$NDB" get -r h2
    ok_out 'tab	here "q" \ end'
    printf ' {"a" : 0.10}\n' | "$NDB" set j -
    run --separate-stderr "$NDB" get j
    ok_out '{"a":0.10}'
    printf '5\n' | "$NDB" set -s s5 -
    run --separate-stderr "$NDB" get s5
    ok_out '"5"'
    printf '' | "$NDB" set empty -
    run --separate-stderr "$NDB" get empty
    ok_out '""'
}

@test "set: text that starts like JSON but is not JSON is refused, with where it stops" {
    run --separate-stderr "$NDB" set cfg '{"a":1'
    exit_is 2 ""
    [ "$stderr" = "ndb set: VALUE is not valid JSON: it ends at byte 6 before the value is complete: '{\"a\":1' (-s stores it as a string)
Try 'ndb set --help' for more information." ]
    run --separate-stderr "$NDB" set a '[1, 2,, 3]'
    exit_is 2 ""
    err_has "ndb set: VALUE is not valid JSON: unexpected ',' at byte 6: '[1, 2,, 3]'"
    run --separate-stderr "$NDB" set a '  "unterminated'
    exit_is 2 ""
    err_has "it ends at byte 15"
    run --separate-stderr "$NDB" set a '{"a":1 /* c */}'
    exit_is 2 ""
    err_has "ndb set: VALUE holds a comment, which values may not"
    run --separate-stderr bash -c "printf '{\"a\":1\n' | '$NDB' set k -"
    exit_is 2 ""
    err_has "ndb set: standard input is not valid JSON: it ends at byte 6"
    run --separate-stderr "$NDB" contains cfg a k
    exit_is 1 ""
    # -s stores the text as it is
    "$NDB" set -s cfg '{"a":1'
    run --separate-stderr "$NDB" get cfg
    ok_out '"{\"a\":1"'
}

@test "set: a lone high surrogate escape is named as such, not the byte after it" {
    # it said "unexpected 'x' at byte 7" for "\ud800x": x is fine, the escape
    # before it is half of a pair (docs/protocol.md 1.10 refuses it)
    run --separate-stderr "$NDB" set k '"\ud800x"'
    exit_is 2 ""
    [ "${stderr_lines[0]}" = "ndb set: VALUE is not valid JSON: the escape '\\ud800' at byte 1 is half of a surrogate pair, without the other (\\ud83d\\ude00 is one character): '\"\\ud800x\"' (-s stores it as a string)" ]
    run --separate-stderr "$NDB" append k '{"n":"ab\uDBFF"}'
    exit_is 2 ""
    err_has "the escape '\\uDBFF' at byte 8 is half of a surrogate pair"
    # a pair is one character; a lone low surrogate escape is dropped (1.10)
    "$NDB" set pair '"\ud83d\ude00"' low '"a\udc00"'
    run --separate-stderr "$NDB" get -r pair
    ok_out '😀'
    run --separate-stderr "$NDB" get -r low
    ok_out 'a'
}

@test "set: a value nested deeper than ndb stores is refused, not stored as a string" {
    local deep
    deep=$(printf '%.0s[' {1..2000})$(printf '%.0s]' {1..2000})
    run --separate-stderr "$NDB" set d "$deep"
    exit_is 2 ""
    err_has "ndb set: VALUE is nested deeper than 1021 arrays/objects (at byte 1021); ndb stores at most that"
    run --separate-stderr "$NDB" set --json d "$deep"
    exit_is 2 ""
    err_has "nested deeper than 1021"
    run --separate-stderr "$NDB" contains d
    exit_is 1 ""
}

@test "every command that sends a value refuses one nested 1022 to 1024 levels: the most a stored value nests is 1021" {
    local ok deep n
    ok=$(printf '%.0s[' {1..1021})$(printf '%.0s]' {1..1021})
    for n in 1022 1024; do
        deep=$(printf "%.0s[" $(seq $n))$(printf "%.0s]" $(seq $n))
        run --separate-stderr "$NDB" set d "$deep"
        exit_is 2 ""
        [ "$stderr" = "ndb set: VALUE is nested deeper than 1021 arrays/objects (at byte 1021); ndb stores at most that
Try 'ndb set --help' for more information." ]
        run --separate-stderr "$NDB" add d "$deep"
        exit_is 2 ""
        err_has "ndb add: VALUE is nested deeper than 1021 arrays/objects (at byte 1021); ndb stores at most that"
        run --separate-stderr "$NDB" clear-set d "$deep"
        exit_is 2 ""
        err_has "ndb clear-set: VALUE is nested deeper than 1021 arrays/objects (at byte 1021)"
        run --separate-stderr "$NDB" set d - <<<"$deep"
        exit_is 2 ""
        err_has "ndb set: standard input is nested deeper than 1021 arrays/objects (at byte 1021)"
    done
    "$NDB" set o '{}' a '[]'
    run --separate-stderr "$NDB" update o '$.x' "$deep"
    exit_is 2 ""
    err_has "ndb update: VALUE is nested deeper than 1021 arrays/objects (at byte 1021)"
    run --separate-stderr "$NDB" append a "$deep"
    exit_is 2 ""
    err_has "ndb append: ITEM is nested deeper than 1021 arrays/objects (at byte 1021)"
    run --separate-stderr "$NDB" cas o '{}' "$deep"
    exit_is 2 ""
    err_has "ndb cas: VALUE is nested deeper than 1021 arrays/objects (at byte 1021)"
    run --separate-stderr "$NDB" set - <<<"{\"d\":[$ok]}"
    exit_is 2 ""
    err_has "ndb set: a value of standard input is nested deeper than 1021 arrays/objects; ndb stores at most that"
    local tkn
    tkn=$("$NDB" session new)
    run --separate-stderr "$NDB" --session "$tkn" set d "$deep"
    exit_is 2 ""
    err_has "ndb set: VALUE is nested deeper than 1021 arrays/objects (at byte 1021)"
    "$NDB" session end "$tkn"
    # 1021 levels are stored and come back whole
    run --separate-stderr "$NDB" set d "$ok"
    exit_is 0 ""
    run --separate-stderr "$NDB" get d
    ok_out "$ok"
}

@test "ndb help values states the rules, and each value command points to it" {
    run --separate-stderr "$NDB" help values
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "usage: ndb help values" ]
    [[ "$output" == *"text that starts with {, [ or \" (after blanks) must be valid JSON"* ]]
    local c
    for c in set add clear-set update append; do
        run --separate-stderr "$NDB" "$c" --help
        [[ "$output" == *"The full rules: 'ndb help values'."* ]]
    done
}

@test "set KEY - with other pairs, and '-' only once" {
    printf '[1]' | "$NDB" set a 1 b - c x
    run --separate-stderr "$NDB" get a b c
    ok_out '{"a":1,"b":[1],"c":"x"}'
    run --separate-stderr "$NDB" set a - b - </dev/null
    exit_is 2
    err_has "only once"
}

@test "a slow standard input does not count against --timeout (set KEY -, set -, get -)" {
    # --timeout bounds connecting plus the answer; the producer's time is
    # neither (it used to fail as "cannot connect ... timed out after 1 s")
    run --separate-stderr bash -c '(sleep 2; echo slow) | "$0" --timeout 1 set k -' "$NDB"
    exit_is 0 ""
    [ -z "$stderr" ]
    run --separate-stderr bash -c '(sleep 2; echo "{\"j\":1}") | "$0" --timeout 1 set -' "$NDB"
    exit_is 0 ""
    run --separate-stderr bash -c '(sleep 2; printf "k\nj\n") | "$0" --timeout 1 get -' "$NDB"
    ok_out '{"k":"slow","j":1}'
    [ -z "$stderr" ]
}

@test "set KEY - refuses stdin that is not UTF-8 text" {
    run --separate-stderr bash -c "printf '\xff\xfe' | '$NDB' set bin -"
    exit_is 2
    err_has "UTF-8"
}

@test "JSON text that stops at a character that is not ASCII or at a control character names it, not '?'" {
    # curly quotes pasted from a document
    run --separate-stderr "$NDB" set k '{“name”: "Bob"}'
    exit_is 2 ''
    [ "${stderr%%$'\n'*}" = "ndb set: VALUE is not valid JSON: unexpected curly quote '“' at byte 1 (JSON strings take straight double quotes): '{“name”: \"Bob\"}' (-s stores it as a string)" ]
    # a raw tab inside a string
    run --separate-stderr "$NDB" set k $'{"b":"x\ty"}'
    exit_is 2 ''
    [ "${stderr%%$'\n'*}" = "ndb set: VALUE is not valid JSON: unexpected control character 0x09 at byte 7 (inside a string it is written \\t): '{\"b\":\"x\\x09y\"}' (-s stores it as a string)" ]
    # a letter that is not ASCII, as itself; an invisible one by its code point
    run --separate-stderr "$NDB" set k '[é]'
    exit_is 2 ''
    [ "${stderr%%$'\n'*}" = "ndb set: VALUE is not valid JSON: unexpected 'é' at byte 1: '[é]' (-s stores it as a string)" ]
    # (U+200B as its UTF-8 bytes: $'\u200b' depends on the locale, and CI has none)
    run --separate-stderr "$NDB" set k $'[1,\xe2\x80\x8b2]'
    exit_is 2 ''
    [ "${stderr%%$'\n'*}" = "ndb set: VALUE is not valid JSON: unexpected invisible character U+200B at byte 3: '[1,"$'\xe2\x80\x8b'"2]' (-s stores it as a string)" ]
    # from standard input too, and nothing was stored
    run --separate-stderr bash -c "echo '{“a”:1}' | '$NDB' set -"
    exit_is 2 ''
    [ "${stderr%%$'\n'*}" = "ndb set: standard input is not valid JSON: unexpected curly quote '“' at byte 1 (JSON strings take straight double quotes): '{“a”:1}\\x0a'" ]
    run --separate-stderr "$NDB" get k
    exit_is 1 ''
}

@test "JSON text with a byte that is not UTF-8 is named as such, not as an unexpected '?' that -s would store" {
    # Latin-1 text in a JSON string: "unexpected '?' at byte 9 ... (-s
    # stores it as a string)", but there is no '?', and -s refuses it too
    local want="is not valid UTF-8 text: the byte \\xe9 at byte 9 is not part of a UTF-8 character (ndb stores JSON text only): '{\"a\":\"caf\\xe9\"}'"
    run --separate-stderr "$NDB" set latin $'{"a":"caf\xe9"}'
    exit_is 2 ''
    [ "${stderr%%$'\n'*}" = "ndb set: VALUE $want" ]
    run --separate-stderr bash -c 'printf "{\"a\":\"caf\xe9\"}" | "$NDB" set latin -'
    exit_is 2 ''
    [ "${stderr%%$'\n'*}" = "ndb set: standard input $want" ]
    run --separate-stderr bash -c 'printf "{\"latin\":{\"a\":\"caf\xe9\"}}" | "$NDB" set -'
    exit_is 2 ''
    [ "${stderr%%$'\n'*}" = "ndb set: standard input is not valid UTF-8 text: the byte \\xe9 at byte 18 is not part of a UTF-8 character (ndb stores JSON text only): '{\"latin\":{\"a\":\"caf\\xe9\"}}'" ]
    run --separate-stderr "$NDB" set -s latin $'{"a":"caf\xe9"}'
    exit_is 2 ''
    [ "${stderr%%$'\n'*}" = "ndb set: VALUE is not valid UTF-8 text (ndb stores JSON text only)" ]
    run --separate-stderr "$NDB" get latin
    exit_is 1 ''
}

@test "set - reads a JSON object and sets all its members" {
    printf '{"u": "Bob", "age": 26, "p": {"zip": "75001"}}' | "$NDB" set -
    run --separate-stderr "$NDB" get u age p
    ok_out '{"u":"Bob","age":26,"p":{"zip":"75001"}}'
    run --separate-stderr bash -c "echo '[1,2]' | '$NDB' set -"
    exit_is 2 ""
    err_has "not a JSON object"
    run --separate-stderr bash -c "echo 'nope' | '$NDB' set -"
    exit_is 2 ""
    run --separate-stderr bash -c "echo '{}' | '$NDB' set -s -"
    exit_is 2 ""
}

@test "set - (add -, clear-set -) says where standard input stops being JSON, not 'not a JSON object'" {
    "$NDB" set keep 1
    run --separate-stderr bash -c "printf '{\"a\":' | '$NDB' set -"
    exit_is 2 ""
    [ "${stderr_lines[0]}" = "ndb set: standard input is not valid JSON: it ends at byte 5 before the value is complete: '{\"a\":'" ]
    run --separate-stderr bash -c "printf '{\"a\":1}{\"b\":2}' | '$NDB' add -"
    exit_is 2 ""
    [ "${stderr_lines[0]}" = "ndb add: standard input is not valid JSON: unexpected '{' at byte 7: '{\"a\":1}{\"b\":2}'" ]
    run --separate-stderr bash -c "printf '{\"a\":1 /* one */}' | '$NDB' clear-set -"
    exit_is 2 ""
    [ "${stderr_lines[0]}" = "ndb clear-set: standard input holds a comment, which values may not: '{\"a\":1 /* one */}'" ]
    run --separate-stderr bash -c "printf ' \n' | '$NDB' set -"
    exit_is 2 ""
    [ "${stderr_lines[0]}" = "ndb set: standard input is empty (expected a JSON object of KEY: VALUE)" ]
    run --separate-stderr bash -c "echo '[1]' | '$NDB' set -"
    exit_is 2 ""
    [ "${stderr_lines[0]}" = "ndb set: standard input is not a JSON object (expected {KEY: VALUE, ...})" ]
    # nothing was stored by any of them
    run --separate-stderr "$NDB" keys
    ok_out '"keep"'
}

@test "a value quoted in an error shows control characters as \xhh: an escape sequence from a file never reaches the terminal" {
    run --separate-stderr bash -c "printf '{\"a\":\"\033]0;title\007\"' | '$NDB' set k -"
    exit_is 2 ""
    [ "${stderr_lines[0]}" = "ndb set: standard input is not valid JSON: unexpected control character 0x1b at byte 6 (inside a string it is written \\u001b): '{\"a\":\"\\x1b]0;title\\x07\"' (-s stores it as a string)" ]
    run --separate-stderr bash -c "printf '{\"a\":1 /* \033[2J */}' | '$NDB' set -"
    exit_is 2 ""
    [ "${stderr_lines[0]}" = "ndb set: standard input holds a comment, which values may not: '{\"a\":1 /* \\x1b[2J */}'" ]
    [[ "$stderr" != *$'\e'* ]]
    # cut at 40 bytes, as before
    run --separate-stderr "$NDB" set k "[$(printf '%060d' 0 | tr 0 1)"
    exit_is 2 ""
    [ "${stderr_lines[0]}" = "ndb set: VALUE is not valid JSON: it ends at byte 61 before the value is complete: '[111111111111111111111111111111111111111...' (-s stores it as a string)" ]
}

@test "get of a missing key: exit 1, nothing on stdout, the key named on stderr" {
    run --separate-stderr "$NDB" get nope
    exit_is 1 ""
    err_has 'key "nope" does not exist'
}

@test "get KEY PATH: a missing key that looks like a JSONPath says get takes key names" {
    # a newcomer's `ndb get user '$.name'` only said: key "$.name" does not exist
    "$NDB" set user '{"name":"Bob"}'
    run --separate-stderr "$NDB" get user '$.name'
    exit_is 1 '{"user":{"name":"Bob"}}'
    [ "$stderr" = 'ndb: key "$.name" does not exist (get takes key names, not a JSONPath: for part of a value, pipe it to jq)' ]
    run --separate-stderr "$NDB" get '$[0]'
    exit_is 1 ''
    [ "$stderr" = 'ndb: key "$[0]" does not exist (get takes key names, not a JSONPath: for part of a value, pipe it to jq)' ]
    # a key named like a path is still a key; other names get no hint
    "$NDB" set '$.name' 1
    run --separate-stderr "$NDB" get '$.name'
    ok_out 1
    run --separate-stderr "$NDB" get '$price' nope
    exit_is 1 '{}'
    [ "$stderr" = $'ndb: key "$price" does not exist\nndb: key "nope" does not exist' ]
}

@test "get of an empty string value prints \"\" (missing and empty differ)" {
    "$NDB" set e ''
    run --separate-stderr "$NDB" get e
    ok_out '""'
    run --separate-stderr "$NDB" get -r e
    ok_out ''
}

@test "get of several keys: an object of those found, in request order; exit 1 if any is missing" {
    "$NDB" set a 1 b '"x"' c null
    run --separate-stderr "$NDB" get c a b
    ok_out '{"c":null,"a":1,"b":"x"}'
    run --separate-stderr "$NDB" get a nope b
    exit_is 1 '{"a":1,"b":"x"}'
    err_has '"nope"'
}

@test "a missing key's name is quoted with its C1 controls escaped too (\\u009B), not only C0 ones" {
    # JSON escapes U+001B, but U+009B is a CSI to a terminal that takes 8-bit controls
    run --separate-stderr "$NDB" get $'k\e[1m\xc2\x9b31m\xc2\x85é'
    exit_is 1 ''
    [ "$stderr" = 'ndb: key "k\u001B[1m\u009B31m\u0085é" does not exist' ]
    run --separate-stderr "$NDB" cas $'k\xc2\x9b' 1 2
    [ "$status" -ne 0 ]
    [[ "$stderr" == *'"k\u009B"'* ]]
}

@test "a key given twice is printed or named once (as KV_GET answers it); contains prints it twice, as KV_CONTAINS" {
    "$NDB" set a 1 b 2
    run --separate-stderr "$NDB" get a nope b nope a
    exit_is 1 '{"a":1,"b":2}'
    [ "$stderr" = 'ndb: key "nope" does not exist' ]
    run --separate-stderr "$NDB" get nope nope
    exit_is 1 '{}'
    [ "$stderr" = 'ndb: key "nope" does not exist' ]
    run --separate-stderr "$NDB" get - <<<$'nope\na\nnope'
    exit_is 1 '{"a":1}'
    [ "$stderr" = 'ndb: key "nope" does not exist' ]
    run --separate-stderr "$NDB" ttl a nope nope
    exit_is 1 '{"a":null}'
    [ "$stderr" = 'ndb: key "nope" does not exist' ]
    run --separate-stderr "$NDB" persist nope b nope
    exit_is 1 ''
    [ "$stderr" = 'ndb: key "nope" does not exist' ]
    run --separate-stderr "$NDB" contains a a nope
    exit_is 1 $'"a"\n"a"'
    [ -z "$stderr" ]
    local t
    t=$("$NDB" session new)
    run --separate-stderr "$NDB" get --session "$t" x x
    exit_is 1 '{}'
    [ "$stderr" = "ndb: key \"x\" does not exist in session $t" ]
}

@test "get -r prints strings bare, other values as JSON" {
    "$NDB" set s 'line1
line2' o '{"a":"b"}' u '"caf\u00e9 \u2603"'
    run --separate-stderr "$NDB" get -r s
    ok_out 'line1
line2'
    run --separate-stderr "$NDB" --raw get o
    ok_out '{"a":"b"}'
    run --separate-stderr "$NDB" get --raw u
    ok_out 'café ☃'
}

@test "get of a key with special characters" {
    "$NDB" set 'we ird"key' 1 '' empty-name
    run --separate-stderr "$NDB" get 'we ird"key'
    ok_out '1'
    run --separate-stderr "$NDB" get ''
    ok_out '"empty-name"'
}

@test "add does not overwrite" {
    "$NDB" set age 26
    run --separate-stderr "$NDB" add age 30 city Paris
    exit_is 0 ""
    run --separate-stderr "$NDB" get age city
    ok_out '{"age":26,"city":"Paris"}'
    printf '{"age":1,"zip":"75001"}' | "$NDB" add -
    run --separate-stderr "$NDB" get age zip
    ok_out '{"age":26,"zip":"75001"}'
    printf 'x' | "$NDB" add k -
    run --separate-stderr "$NDB" get k
    ok_out '"x"'
}

@test "rm removes keys and prints how many; missing keys are not an error" {
    "$NDB" set a 1 b 2 c 3
    run --separate-stderr "$NDB" rm a nope c a
    ok_out '2'
    run --separate-stderr "$NDB" keys
    ok_out '"b"'
    run --separate-stderr "$NDB" del b
    ok_out '1'
    run --separate-stderr "$NDB" rm b
    ok_out '0'
    run --separate-stderr "$NDB" count
    ok_out '0'
    run --separate-stderr "$NDB" rm
    exit_is 2
}

@test "keys: one JSON string per line when not on a terminal, bare with -r" {
    run --separate-stderr "$NDB" keys
    ok_out ''
    "$NDB" set k1 1 k2 2 k3 3 k4 4 'new
line' 5
    "$NDB" rm k2 >/dev/null
    run --separate-stderr "$NDB" keys
    ok_out '"k1"
"k3"
"k4"
"new\nline"'
    run --separate-stderr "$NDB" keys -r
    ok_out 'k1
k3
k4
new
line'
    run --separate-stderr "$NDB" keys extra
    exit_is 2
}

@test "keys --pretty prints one JSON array" {
    "$NDB" set a 1 b 2
    run --separate-stderr "$NDB" keys --pretty
    ok_out '[
  "a",
  "b"
]'
}

@test "count" {
    run --separate-stderr "$NDB" count
    ok_out '0'
    "$NDB" set a 1 b 2
    run --separate-stderr "$NDB" count
    ok_out '2'
}

@test "contains: prints the keys that exist; exit 0 only if all exist" {
    "$NDB" set a 1 b 2
    run --separate-stderr "$NDB" contains a b
    ok_out '"a"
"b"'
    run --separate-stderr "$NDB" contains a zz b
    exit_is 1 '"a"
"b"'
    [ -z "$stderr" ]
    run --separate-stderr "$NDB" contains zz
    exit_is 1 ""
    run --separate-stderr "$NDB" contains -r a
    ok_out 'a'
}

@test "clear prints how many keys it removed" {
    "$NDB" set a 1 b 2 c 3
    run --separate-stderr "$NDB" clear
    ok_out '3'
    run --separate-stderr "$NDB" clear
    ok_out '0'
}

@test "clear-set replaces everything and prints how many keys were removed" {
    "$NDB" set a 1 b 2
    run --separate-stderr "$NDB" clear-set x 1 y hello
    ok_out '2'
    run --separate-stderr "$NDB" get x y
    ok_out '{"x":1,"y":"hello"}'
    run --separate-stderr "$NDB" contains a
    exit_is 1
    run bash -c "printf '{\"only\":true}' | '$NDB' clear-set -"
    ok_out '2'
    run --separate-stderr "$NDB" keys
    ok_out '"only"'
}

@test "clear-set --ttl: the keys it stores expire; not inside a session" {
    "$NDB" set a 1
    run --separate-stderr "$NDB" clear-set --ttl 100 x 1 y 2
    ok_out '1'
    run --separate-stderr "$NDB" ttl x y
    [ "$status" -eq 0 ]
    [[ $output =~ ^\{\"x\":(100|99\.[0-9]{1,3}),\"y\":(100|99\.[0-9]{1,3})\}$ ]]
    run --separate-stderr "$NDB" clear-set --ttl 0 z 1
    exit_is 2 ''
    err_has "ndb clear-set: invalid --ttl '0'"
    local t
    t=$("$NDB" session new)
    run --separate-stderr "$NDB" --session "$t" clear-set --ttl 5 k 1
    exit_is 2 ''
    err_has 'ndb clear-set: --ttl applies to top-level keys only (sessions expire as a whole)'
    run --separate-stderr "$NDB" keys
    ok_out $'"x"\n"y"'
}

@test "values that look like options: negative numbers are values, -- ends options" {
    "$NDB" set t -3 -- u --json
    run --separate-stderr "$NDB" get t u
    ok_out '{"t":-3,"u":"--json"}'
    run --separate-stderr "$NDB" set v --bogus
    exit_is 2
    err_has "unknown option '--bogus'"
}

@test "a large value goes through intact" {
    local big
    big=$(head -c 100000 /dev/zero | tr '\0' 'x')
    "$NDB" set big "$big"
    run --separate-stderr "$NDB" get -r big
    [ "$status" -eq 0 ]
    [ "$output" = "$big" ]
    head -c 300000 /dev/zero | tr '\0' 'y' | "$NDB" set big -
    run --separate-stderr "$NDB" get -r big
    [ "$status" -eq 0 ]
    [ "${#output}" -eq 300000 ]
}

@test "NDB_URL chooses the server, --url overrides it" {
    "$NDB" set a 1
    NDB_URL=ws://127.0.0.1:1/ run --separate-stderr "$NDB" get a
    exit_is 2 ""
    run --separate-stderr "$NDB" --url "$NDB_URL" get a
    ok_out '1'
    NDB_URL=ws://127.0.0.1:1/ run --separate-stderr "$NDB" --url "$NDB_URL" get a
    ok_out '1'
    NDB_URL=ws://127.0.0.1:1/ run --separate-stderr "$NDB" get --url="$NDB_URL" a
    ok_out '1'
}

@test "get --object prints an object however many keys; get - always does" {
    "$NDB" set user:1 '{"name":"Bob"}' user:2 '{"name":"Ann"}' other 1
    run --separate-stderr "$NDB" get --object user:1
    ok_out '{"user:1":{"name":"Bob"}}'
    run --separate-stderr "$NDB" get --object user:1 user:2
    ok_out '{"user:1":{"name":"Bob"},"user:2":{"name":"Ann"}}'
    run --separate-stderr "$NDB" get --object nope
    exit_is 1 '{}'
    err_has 'key "nope" does not exist'
    # the README's recipe: the shape does not depend on how many keys match
    run --separate-stderr bash -c "'$NDB' keys -r | grep '^user:1' | xargs -d '\n' '$NDB' get --object | jq -c 'keys'"
    ok_out '["user:1"]'
}

@test "get - reads key names from stdin, one per line; -0 NUL-separated" {
    "$NDB" set a 1 'b c' 2 $'new\nline' 3
    run --separate-stderr bash -c "printf 'a\nb c\n' | '$NDB' get -"
    ok_out '{"a":1,"b c":2}'
    run --separate-stderr bash -c "printf 'a' | '$NDB' get -"
    ok_out '{"a":1}'
    run --separate-stderr bash -c "printf 'a\nnope\n' | '$NDB' get -"
    exit_is 1 '{"a":1}'
    err_has 'key "nope" does not exist'
    run --separate-stderr bash -c "printf 'new\nline\0a\0' | '$NDB' get -0"
    ok_out '{"new\nline":3,"a":1}'
    run --separate-stderr bash -c "printf 'a\0' | '$NDB' get --null -"
    ok_out '{"a":1}'
    run --separate-stderr bash -c "printf '' | '$NDB' get -"
    ok_out '{}'
    run --separate-stderr "$NDB" get -0 a
    exit_is 2 ""
    err_has "-0 applies to key names read from standard input"
    run --separate-stderr "$NDB" get
    exit_is 2 ""
    err_has "missing argument (usage: ndb get KEY... | -)"
}

@test "get -: a CR before each newline is not part of the name (CRLF input), as for send and set KEY -" {
    "$NDB" set a 1 b 2
    run --separate-stderr "$NDB" get - < <(printf 'a\r\nb\r\n')
    ok_out '{"a":1,"b":2}'
    [ -z "$stderr" ]
    # with -0 a CR is part of the name
    run --separate-stderr "$NDB" get -0 < <(printf 'a\r\0')
    exit_is 1 '{}'
    [ "$stderr" = 'ndb: key "a\r" does not exist' ]
}

@test "keys -0 prints bare names NUL-terminated; keys --prefix filters" {
    "$NDB" set user:1 1 user:2 2 $'user:\nx' 3 other 4
    run --separate-stderr bash -c "'$NDB' keys -0 --prefix user: | tr '\0\n' '|~'"
    ok_out 'user:~x|user:1|user:2|'
    run --separate-stderr "$NDB" keys --prefix user:
    ok_out '"user:\nx"
"user:1"
"user:2"'
    run --separate-stderr "$NDB" keys --prefix=nothing
    ok_out ''
    run --separate-stderr bash -c "'$NDB' keys -0 --prefix user: | '$NDB' get -0"
    ok_out '{"user:\nx":3,"user:1":1,"user:2":2}'
    local t
    t=$("$NDB" session new)
    "$NDB" --session "$t" set s:a 1 t 2
    run --separate-stderr "$NDB" --session "$t" keys --prefix s:
    ok_out '"s:a"'
}

@test "a terminal gets format characters in JSON as \\u202E and the like (a name that reads backwards); a pipe gets them as they are" {
    # "evil\u202Etxt.exe" read "evilexe.txt" on a terminal; the zero-width
    # joiner (emoji sequences) stays
    "$NDB" send '{"KV_SET":{"keys":{"fmt:evil\u202etxt.exe":"a\u200bb","fmt:zwj\u200d":1,"fmt:tag\udb40\udc41":2}}}' >/dev/null
    on_tty "$NDB" keys -c --prefix fmt:
    ok_out $'"fmt:evil\\u202Etxt.exe"\n"fmt:tag\\uDB40\\uDC41"\n"fmt:zwj\xe2\x80\x8d"'
    run --separate-stderr "$NDB" keys --prefix fmt:
    ok_out $'"fmt:evil\xe2\x80\xaetxt.exe"\n"fmt:tag\xf3\xa0\x81\x81"\n"fmt:zwj\xe2\x80\x8d"'
    # a value the server holds with the character raw
    "$NDB" set fmt:v $'x\xe2\x80\x8by'
    on_tty "$NDB" get -c fmt:v
    ok_out '"x\u200By"'
    run --separate-stderr "$NDB" get fmt:v
    ok_out $'"x\xe2\x80\x8by"'
    "$NDB" rm fmt:evil$'\xe2\x80\xae'txt.exe fmt:zwj$'\xe2\x80\x8d' fmt:tag$'\xf3\xa0\x81\x81' fmt:v >/dev/null
}

@test "a terminal gets no control character it would obey from a key or value; a pipe gets every byte (keys -0 | xargs -0)" {
    # U+009B is CSI to a terminal taking 8-bit controls, as ESC [ is to all;
    # the server sends U+009B raw in its JSON (only C0 controls are escaped)
    # (a value keeps the text it was written with: U+009B raw in this one)
    "$NDB" send $'{"KV_SET":{"keys":{"a\\u009b31m":"v\xc2\x9b\\nline 2\\u001b[0m","b\\u001b[31m":1}}}' >/dev/null
    # JSON: the same strings, U+009B written \u009B
    TERM=dumb on_tty "$NDB" keys
    ok_out '[
  "a\u009B31m",
  "b\u001B[31m"
]'
    on_tty "$NDB" keys -c
    ok_out '"a\u009B31m"
"b\u001B[31m"'
    on_tty "$NDB" get -c $'a\xc2\x9b31m'
    ok_out '"v\u009B\nline 2\u001b[0m"'
    # bare text: each control as \xhh; -r keeps a value's line breaks
    on_tty "$NDB" keys -r
    ok_out 'a\xc2\x9b31m
b\x1b[31m'
    on_tty "$NDB" get -r $'a\xc2\x9b31m'
    ok_out 'v\xc2\x9b
line 2\x1b[0m'
    on_tty bash -c "'$NDB' keys -0 | tr '\0' '|'"
    ok_out $'a\xc2\x9b31m|b\e[31m|' # a pipe, though the terminal is at its end
    tty_script "$NDB" keys -0 >"$BATS_TEST_TMPDIR/tty.out"
    [ "$(tr '\0' '|' <"$BATS_TEST_TMPDIR/tty.out")" = 'a\xc2\x9b31m|b\x1b[31m|' ]
    # to a pipe: the exact bytes
    run --separate-stderr bash -c "'$NDB' keys -0 | od -An -c | tr -s ' \n' ' '"
    ok_out ' a 302 233 3 1 m \0 b 033 [ 3 1 m \0 '
    run --separate-stderr "$NDB" keys
    ok_out $'"a\xc2\x9b31m"\n"b\\u001B[31m"'
}

@test "ndb send and the REPL's raw requests print a server's text as it came, but on a terminal its control characters as JSON escapes them" {
    # ndb's JSON carries U+009B raw (only C0 controls are escaped)
    "$NDB" send '{"KV_SET":{"keys":{"a\u009b31m":"v\u001b[0m"}}}' >/dev/null
    on_tty "$NDB" send '{"KV_GET":{"keys":["a\u009b31m"]}}'
    ok_out '{"KV_GET_RSP":{"keys":{"a\u009B31m":"v\u001b[0m"},"st":1}}'
    run --separate-stderr "$NDB" send '{"KV_GET":{"keys":["a\u009b31m"]}}'
    ok_out $'{"KV_GET_RSP":{"keys":{"a\xc2\x9b31m":"v\\u001b[0m"},"st":1}}'
    # the REPL, compact (pretty JSON was escaped already): a raw request's answer
    printf '%s\n' '{"KV_GET":{"keys":["a\u009b31m"]}}' >"$BATS_TEST_TMPDIR/raw.ndb"
    on_tty bash -c "'$NDB' repl --compact <'$BATS_TEST_TMPDIR/raw.ndb'"
    ok_out '{"KV_GET_RSP":{"keys":{"a\u009B31m":"v\u001b[0m"},"st":1}}'
    run --separate-stderr bash -c "'$NDB' repl --compact <'$BATS_TEST_TMPDIR/raw.ndb'"
    ok_out $'{"KV_GET_RSP":{"keys":{"a\xc2\x9b31m":"v\\u001b[0m"},"st":1}}'
    # a server that is not ndb may send C0 controls raw too: ESC, BEL, DEL
    start_silent_listener 30 reply $'{"KV_COUNT_RSP":{"cnt":1,"st":1,"x":"\e]0;owned\a\x7f"}}'
    on_tty "$NDB" send --url "ws://127.0.0.1:$SILENT_PORT/" '{"KV_COUNT":{}}'
    ok_out '{"KV_COUNT_RSP":{"cnt":1,"st":1,"x":"\u001B]0;owned\u0007\u007F"}}'
    run --separate-stderr "$NDB" send --url "ws://127.0.0.1:$SILENT_PORT/" '{"KV_COUNT":{}}'
    ok_out $'{"KV_COUNT_RSP":{"cnt":1,"st":1,"x":"\e]0;owned\a\x7f"}}'
    stop_silent_listener
}

@test "-0 refuses a key name holding a NUL byte instead of splitting it in two" {
    # "a\u0000b" written bare would read back as the names a and b:
    # 'ndb keys -0 | xargs -0 ndb rm' would remove two other keys
    "$NDB" send '{"KV_SET":{"keys":{"a\u0000b":{"x":1},"a":{"x":2},"b":{"x":3}}}}' >/dev/null
    local msg="-0 cannot separate the name \"a\\u0000b\", which holds a NUL byte; list the names without -0 (one JSON-encoded name per line)"
    run --separate-stderr "$NDB" keys -0
    exit_is 2 ''
    [ "$stderr" = "ndb keys: $msg" ]
    run --separate-stderr "$NDB" keys -0 --prefix a
    exit_is 2 ''
    [ "$stderr" = "ndb keys: $msg" ]
    run --separate-stderr "$NDB" scan -0
    exit_is 2 ''
    [ "$stderr" = "ndb scan: $msg" ]
    run --separate-stderr "$NDB" find -0 '$.x'
    exit_is 2 ''
    [ "$stderr" = "ndb find: $msg" ]
    # without -0 the name stays one line; other names still work with -0
    run --separate-stderr "$NDB" keys
    ok_out '"a"
"a\u0000b"
"b"'
    run --separate-stderr bash -c "'$NDB' keys -0 --prefix b | tr '\0' '|'"
    ok_out 'b|'
    run --separate-stderr "$NDB" count
    ok_out 3
}

@test "clear needs --yes when standard input is a terminal; scripts need none" {
    "$NDB" set a 1 b 2
    on_tty "$NDB" clear
    [ "$status" -eq 2 ]
    [ "$output" = "ndb clear: this removes every key; add --yes to confirm (required when standard input is a terminal)
Try 'ndb clear --help' for more information." ]
    run --separate-stderr "$NDB" count
    ok_out '2'
    on_tty "$NDB" clear --yes
    [ "$status" -eq 0 ] && [ "$output" = "2" ]
    "$NDB" set a 1
    run --separate-stderr "$NDB" clear-keys </dev/null
    ok_out '1'
}

@test "get - of 300,000 names answers in time proportional to them (the missing-key check was quadratic)" {
    start_server --max-payload 8388608 # this test's own (teardown stops it)
    OWN_PID=$NDB_PID
    python3 -c "import json; print(json.dumps({'KV_SET':{'keys':{'n%06d' % i: 1 for i in range(300000)}}}))" | "$NDB" send >/dev/null
    # (timeout: the quadratic check took minutes here; not a time limit)
    run --separate-stderr timeout 60 "$NDB" get - < <(seq -f 'n%06g' 0 299999; echo gone)
    [ "$status" -eq 1 ]
    [ "$stderr" = 'ndb: key "gone" does not exist' ]
    [ "$(wc -c <<<"$output")" -eq 3600002 ]
}

@test "a reader that leaves early (| head -1) is no error: exit 0 and nothing on stderr; a full disk is exit 2" {
    # 20,000 keys: more output than a pipe holds, so ndb is still writing
    # when head exits and the next write fails with EPIPE
    python3 -c 'import json; print(json.dumps({"KV_SET": {"keys": {"key%05d" % i: i for i in range(20000)}}}))' |
        "$NDB" send >/dev/null
    local err="$BATS_TEST_TMPDIR/err"
    first=$("$NDB" keys 2>"$err" | head -1; echo "${PIPESTATUS[0]}")
    [ "$first" = $'"key00000"\n0' ]
    [ ! -s "$err" ]
    first=$("$NDB" send '{"KV_KEYS":{}}' '{"KV_KEYS":{}}' '{"KV_KEYS":{}}' 2>"$err" | head -c 12; echo " ${PIPESTATUS[0]}")
    [ "$first" = '{"KV_KEYS_RS 0' ]
    [ ! -s "$err" ]
    # a write that fails for another reason is still an error, with a message
    run --separate-stderr bash -c '"$NDB" keys --prefix key0000 >/dev/full'
    [ "$status" -eq 2 ]
    [ "$stderr" = "ndb: cannot write the output: No space left on device" ]
    run --separate-stderr bash -c '"$NDB" send "{\"KV_COUNT\":{}}" >/dev/full'
    [ "$status" -eq 2 ]
    [ "$stderr" = "ndb: cannot write the answers: No space left on device" ]
}
