#!/usr/bin/env bats
# The native client's JSONPath commands: find, update, append (KV_FIND,
# KV_UPDATE, KV_ARR_APPEND) — exact outputs and exit statuses.

load client_helpers

setup_file() { start_server; }
teardown_file() { stop_server; }
setup() {
    "$NDB" clear --yes >/dev/null
    "$NDB" set Devices '[{"make":"Apple","model":"iPhone 14","sensors":[{"id":"temp1"},{"id":"accel1"}]},{"make":"Samsung","model":"S23","sensors":[{"id":"temp1"},{"id":"accel1"},{"id":"thingy1"}]}]' \
        logins '[{"timestamp":1234,"location":"London"},{"timestamp":1236,"location":"Paris"}]' \
        n 5
}

@test "find prints the matching keys, one per line" {
    run --separate-stderr "$NDB" find '$[?(@.make == "Samsung")]'
    ok_out '"Devices"'
    run --separate-stderr "$NDB" find '$[*]'
    ok_out '"Devices"
"logins"'
    run --separate-stderr "$NDB" find -r '$[0]'
    ok_out 'Devices
logins'
}

@test "find -0: bare names ended by NUL bytes, for xargs -0 and get -0" {
    # README: keys and find print "-0 for NUL-separated bare names"
    "$NDB" set 'two words' '{"x":1}' $'line\nbreak' '{"x":2}'
    run --separate-stderr bash -c '"$NDB" find -0 "\$.x" | tr "\0\n" "|~"'
    ok_out 'line~break|two words|'
    run --separate-stderr bash -c '"$NDB" find --where "@.x > 1" -0 | "$NDB" get -0'
    ok_out $'{"line\\nbreak":{"x":2}}'
    run --separate-stderr "$NDB" find -0 --kv '$.x'
    exit_is 2 ''
    err_has 'ndb find: -0 lists key names; --paths and --kv print an object'
    run --separate-stderr "$NDB" find -0 '$.nope'
    exit_is 1 ''
}

@test "find with no match: exit 1, nothing printed (like grep)" {
    run --separate-stderr "$NDB" find '$[?(@.make == "Nokia")]'
    exit_is 1 ""
    [ -z "$stderr" ]
}

@test "find: a filter that matches nothing tells a person at a terminal about --where; a script sees only exit 1" {
    "$NDB" clear --yes >/dev/null
    "$NDB" set u1 '{"name":"Bob","age":30}'
    local hint="ndb find: no key matched; a filter \$[?(...)] tests the members of each value (a list's records): to test each value itself, use --where EXPR (ndb find --where '@.age > 18')"
    on_tty "$NDB" find '$[?(@.age > 18)]'
    exit_is 1 "[]
$hint"
    on_tty "$NDB" find -c '$[?(@.age > 18)]'
    exit_is 1 "$hint"
    run --separate-stderr "$NDB" find '$[?(@.age > 18)]'
    exit_is 1 ""
    [ -z "$stderr" ]
    # --paths answers {} and says the same
    on_tty "$NDB" find -c --paths '$[?(@.age > 18)]'
    exit_is 1 "{}
$hint"
    on_tty "$NDB" find -c --where '@.age > 18'
    ok_out '"u1"'
    # no hint for what is not a filter over the members, nor for --where
    on_tty "$NDB" find '$.nope'
    exit_is 1 '[]'
    on_tty "$NDB" find --where '@.age > 99'
    exit_is 1 '[]'
}

@test "find --paths names the key each path came from: {KEY: [PATH...]}" {
    run --separate-stderr "$NDB" find --paths --keys Devices '$[*].make'
    ok_out "{\"Devices\":[\"\$[0]['make']\",\"\$[1]['make']\"]}"
    "$NDB" set more '{"sensors":[{"id":"x"}]}'
    run --separate-stderr "$NDB" find --paths '$..id'
    ok_out "{\"Devices\":[\"\$[0]['sensors'][0]['id']\",\"\$[0]['sensors'][1]['id']\",\"\$[1]['sensors'][0]['id']\",\"\$[1]['sensors'][1]['id']\",\"\$[1]['sensors'][2]['id']\"],\"more\":[\"\$['sensors'][0]['id']\"]}"
    # a key listed twice is named once
    run --separate-stderr "$NDB" find --paths --keys more,more '$..id'
    ok_out "{\"more\":[\"\$['sensors'][0]['id']\"]}"
    run --separate-stderr "$NDB" find --paths '$.nope'
    exit_is 1 '{}'
}

@test "find --where tests each value itself (one record per key)" {
    "$NDB" clear --yes >/dev/null
    "$NDB" set u1 '{"name":"Bob","age":30}' u2 '{"name":"Ann","age":12}' \
        u3 '{"name":"Eve","age":40,"mail":"e@x"}' list '[{"age":50}]'
    # a filter over the members of each value finds only the list of records...
    run --separate-stderr "$NDB" find '$[?(@.age > 18)]'
    ok_out '"list"'
    # ...--where tests the value
    run --separate-stderr "$NDB" find --where '@.age > 18'
    ok_out '"u1"
"u3"'
    run --separate-stderr "$NDB" find --where '@.name == "Bob"' --kv
    ok_out '{"u1":{"name":"Bob","age":30}}'
    run --separate-stderr "$NDB" find --where "@.mail =~ /@x\$/" -r
    ok_out 'u3'
    run --separate-stderr "$NDB" find --where '@.age > 18' --keys u2,u3
    ok_out '"u3"'
    # an array value: @ is the array
    run --separate-stderr "$NDB" find --where 'count(@[?(@.age > 18)]) == 1'
    ok_out '"list"'
}

@test "find --where: values with no members never match (the documented limit)" {
    "$NDB" clear --yes >/dev/null
    "$NDB" set n 5 s '"x"' t true z null e '{}' a '[]' o '{"v":5}'
    run --separate-stderr "$NDB" find --where '@ == 5'
    exit_is 1 ""
    run --separate-stderr "$NDB" find --where '@.v == 5 || @ == 5 || !@.v'
    ok_out '"o"'
}

@test "find --where: mistakes are usage errors naming the position in EXPR" {
    run --separate-stderr "$NDB" find --where '@.age >'
    exit_is 2 ""
    [ "${stderr%%$'\n'*}" = "ndb find: invalid --where expression: it ends at position 7 before the expression is complete" ]
    run --separate-stderr "$NDB" find --where '@.a)] , $[?(@.b'
    exit_is 2 ""
    err_has "ndb find: invalid --where expression: unbalanced ')' at position 3"
    run --separate-stderr "$NDB" find --where '@.a == 1' '$'
    exit_is 2 ""
    err_has "give PATH or --where EXPR, not both"
    run --separate-stderr "$NDB" find --where '@.a == 1' --paths
    exit_is 2 ""
    err_has "--paths does not apply to --where"
}

@test "find --kv prints one object of whole values" {
    run --separate-stderr "$NDB" find --kv --keys logins,n '$[?(@.timestamp > 1235)]'
    ok_out '{"logins":[{"timestamp":1234,"location":"London"},{"timestamp":1236,"location":"Paris"}]}'
    run --separate-stderr "$NDB" find --kv '$[?(@.timestamp > 9999)]'
    exit_is 1 '{}'
}

@test "find --keys is comma-separated and repeatable; --key takes commas literally" {
    "$NDB" set 'a,b' '[1]'
    run --separate-stderr "$NDB" find --keys n --keys Devices,logins '$[0]'
    ok_out '"Devices"
"logins"'
    run --separate-stderr "$NDB" find --key 'a,b' '$[0]'
    ok_out '"a,b"'
    run --separate-stderr "$NDB" find --keys 'a,b' '$[0]'
    exit_is 1 ""
}

@test "find: invalid path is the server's PathInvalid (exit 3); bad options exit 2" {
    run --separate-stderr "$NDB" find '$[?(@.x =='
    exit_is 3 ""
    err_has "PathInvalid (4)"
    run --separate-stderr "$NDB" find --paths --kv '$'
    exit_is 2 ""
    run --separate-stderr "$NDB" find
    exit_is 2 ""
    run --separate-stderr "$NDB" find '$' '$'
    exit_is 2 ""
}

@test "update replaces the selected nodes and prints the count" {
    "$NDB" set user '{"access":[{"name":"Lab","permit":true,"level":4},{"name":"Helipad","permit":true,"level":3},{"name":"Normal","permit":true,"level":2}]}'
    run --separate-stderr "$NDB" update user '$.access[?(@.level > 2)].permit' false
    ok_out '2'
    run --separate-stderr "$NDB" get user
    ok_out '{"access":[{"name":"Lab","permit":false,"level":4},{"name":"Helipad","permit":false,"level":3},{"name":"Normal","permit":true,"level":2}]}'
    run --separate-stderr "$NDB" update user '$.access[0].name' 'Super Lab'
    ok_out '1'
    run --separate-stderr "$NDB" update -s n '$' 7
    ok_out '1'
    run --separate-stderr "$NDB" get n
    ok_out '"7"'
    printf '{"big":18446744073709551616}' | "$NDB" update n '$' -
    run --separate-stderr "$NDB" get n
    ok_out '{"big":18446744073709551616}'
    # the count is the server's: a pseudo-member counts, unchanged (help and man say so)
    "$NDB" set lk '[1,2,3]'
    run --separate-stderr "$NDB" update lk '$.length' 99
    ok_out '1'
    run --separate-stderr "$NDB" get lk
    ok_out '[1,2,3]'
    run "$NDB" help update
    [[ "$output" == *"pseudo-member such as length,"* ]]
}

@test "update: missing key exit 1; no node selected exit 1 (prints 0); bad path exit 3" {
    run --separate-stderr "$NDB" update nokey '$' 1
    exit_is 1 ""
    err_has 'key "nokey" does not exist'
    run --separate-stderr "$NDB" update Devices '$.nope' 1
    exit_is 1 "0"
    run --separate-stderr "$NDB" update Devices 'bad((' 1
    exit_is 3 ""
    err_has "PathInvalid (4)"
    run --separate-stderr "$NDB" update Devices '$'
    exit_is 2 ""
    run --separate-stderr "$NDB" update --json Devices '$' notjson
    exit_is 2 ""
}

@test "update refuses a VALUE that looks like an expression instead of storing its text" {
    "$NDB" set u '{"age":30}'
    run --separate-stderr "$NDB" update u '$.age' '@ + 1'
    exit_is 2 ""
    err_has "ndb update: VALUE '@ + 1' looks like a JSONPath expression, but update stores VALUE as given and evaluates nothing (-s stores it as a string)"
    run --separate-stderr "$NDB" update u '$.age' '$.age + 1'
    exit_is 2 ""
    run --separate-stderr "$NDB" get u
    ok_out '{"age":30}'
    # standard input follows the same rules (ndb help values)
    run --separate-stderr bash -c 'printf "@ + 1\n" | "$NDB" update u "\$.age" -'
    exit_is 2 ""
    err_has "ndb update: VALUE from standard input starts with '@' like a JSONPath expression, but update stores VALUE as given and evaluates nothing (-s stores it as a string)"
    run --separate-stderr "$NDB" get u
    ok_out '{"age":30}'
    run --separate-stderr bash -c 'printf "31\n" | "$NDB" update u "\$.age" -'
    ok_out '1'
    run --separate-stderr "$NDB" update -s u '$.age' '@ + 1'
    ok_out '1'
    run --separate-stderr "$NDB" get u
    ok_out '{"age":"@ + 1"}'
    run --separate-stderr bash -c 'printf "\$.x" | "$NDB" update -s u "\$.age" -'
    ok_out '1'
    run --separate-stderr "$NDB" get u
    ok_out '{"age":"$.x"}'
}

@test "append adds items in order, with the value rules of set" {
    "$NDB" set roles '["Admin"]' profile '{"teams":[]}'
    run --separate-stderr "$NDB" append roles Developer '{"x":1}' 2
    exit_is 0 ""
    run --separate-stderr "$NDB" get roles
    ok_out '["Admin","Developer",{"x":1},2]'
    run --separate-stderr "$NDB" append -s roles 3
    run --separate-stderr "$NDB" get roles
    ok_out '["Admin","Developer",{"x":1},2,"3"]'
    run --separate-stderr "$NDB" append profile --name teams Saracens
    exit_is 0 ""
    run --separate-stderr "$NDB" get profile
    ok_out '{"teams":["Saracens"]}'
    printf 'from stdin' | "$NDB" append roles -
    run --separate-stderr "$NDB" get -c roles
    ok_out '["Admin","Developer",{"x":1},2,"3","from stdin"]'
}

@test "append: missing key or member exit 1; not an array exit 3; usage errors" {
    run --separate-stderr "$NDB" append nokey 1
    exit_is 1 ""
    err_has 'key "nokey" does not exist'
    # Devices holds an array: it has no members to append to (the server: "value is not an object")
    run --separate-stderr "$NDB" append Devices --name nope 1
    exit_is 3 ""
    [ "$stderr" = 'ndb: ValueTypeInvalid (41): the value of key "Devices" is not an object' ]
    run --separate-stderr "$NDB" append n --name teams 1
    exit_is 3 ""
    [ "$stderr" = 'ndb: ValueTypeInvalid (41): the value of key "n" is not an object' ]
    "$NDB" set profile '{"teams":"none"}'
    run --separate-stderr "$NDB" append profile --name teams 1
    exit_is 3 ""
    [ "$stderr" = 'ndb: ValueTypeInvalid (41): member "teams" of key "profile" is not an array' ]
    run --separate-stderr "$NDB" append n 1
    exit_is 3 ""
    [ "$stderr" = 'ndb: ValueTypeInvalid (41): the value of key "n" is not an array' ]
    run --separate-stderr "$NDB" append n
    exit_is 2 ""
    run --separate-stderr "$NDB" append --json roles abc
    exit_is 2 ""
}
