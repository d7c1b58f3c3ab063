#!/usr/bin/env bats
# `ndb repl` when standard input is not a terminal (ndb repl < script.ndb):
# no banner or prompt, results exactly as the command-line client prints
# them off a terminal, raw requests, sessions with `use`, and how failures
# stop the script (exit 2 usage/connection, 3 anything else) unless
# --continue-on-error.  The interactive side is in repl_tmux.bats.

load client_helpers

setup_file() { start_server; }
teardown_file() { stop_server; }
setup() {
    "$NDB" session end --all >/dev/null
    "$NDB" clear --yes >/dev/null
}

# repl SCRIPT [ARGS...]: run `ndb repl ARGS...` with SCRIPT on stdin.
repl() {
    local script=$1
    shift
    run --separate-stderr bash -c 'printf "%s" "$1" | "$2" repl "${@:3}"' _ "$script" "$NDB" "$@"
}

@test "commands use the client's words; one result per line, no banner or prompt" {
    repl $'set a 1 b true\nget a\nget a b\nkeys\ncount\ncontains a zz\nrm a\ncount\n'
    exit_is 1 $'1\n{"a":1,"b":true}\n"a"\n"b"\n2\n"a"'
    err_has 'stopped at line 6'
}

@test "blank lines and # comments are skipped" {
    repl $'# a comment\n\n   \n  # indented comment\nset k v\n\nget k\n'
    ok_out '"v"'
    [ "$stderr" = "" ]
}

@test "shell quoting; JSON values and JSONPaths need no quotes" {
    repl $'set a {"x": [1, 2], "n": "Bob Smith"} s "two words" t \'{"q": 1}\' u it\\\'s\nget a\nget s\nget t\nget u\nfind $[?(@ == "Bob Smith")]\nfind \'$..x\'\nfind $.x --kv\n'
    ok_out $'{"x":[1,2],"n":"Bob Smith"}\n"two words"\n{"q":1}\n"it\'s"\n"a"\n"a"\n{"a":{"x":[1,2],"n":"Bob Smith"}}'
}

@test "a backslash at the end of a line joins the next, as in the shell (a command pasted from ndb(1))" {
    # the line ran at once without it: `set user:1 ... \` stored user:1, then
    # `user:2 ...` failed as an unknown command, half the change made
    repl $'set user:1 \'{"name":"Bob"}\' \\\n        user:2 \'{"name":"Ann"}\'\nget user:1 user:2\nset w ab\\\ncd\nget w\nset c 1 \\\r\n  d 2\r\nget c d\nset e "x\\\ny"\nget e\nset b \'a\\\'\nget b\n'
    ok_out $'{"user:1":{"name":"Bob"},"user:2":{"name":"Ann"}}\n"abcd"\n{"c":1,"d":2}\n"xy"\n"a\\\\"'
    [ -z "$stderr" ]
    # also right after a JSON value or a JSONPath, which kept it and failed
    # ("VALUE is not valid JSON: unexpected '\'"), the next line then run alone
    repl $'set j {"x":1}\\\n  k 2\nget j k\nfind $..x\\\n\n'
    ok_out $'{"j":{"x":1},"k":2}\n"j"'
    # a line of only a backslash joins too (it was read as a meta command:
    # "unknown command '\'"), and so does one after it
    repl $'\\\n  \\\nset v 1\nget v\n'
    ok_out '1'
    [ -z "$stderr" ]
    # a backslash on the last line leaves the input unfinished
    repl $'set a 1 \\\n'
    exit_is 2 ""
    err_has 'line 1: unfinished input at the end: a quote, bracket or backslash is not closed'
    repl $'get v\n\\\n'
    exit_is 2 '1'
    err_has 'line 2: unfinished input at the end: a quote, bracket or backslash is not closed'
    run --separate-stderr "$NDB" contains a
    exit_is 1 ""
}

@test "options work as on the command line" {
    repl $'set -s n 42\nget n\nget -r n\n--compact get n\nset --json bad nojson\n'
    exit_is 2 $'"42"\n42\n"42"'
    err_has "ndb set:"
}

@test "a raw request is sent as typed and its answer printed as received" {
    "$NDB" set a 1
    repl $'{"KV_GET":{"keys":["a"]}}\n  {"KV_COUNT":{}}\n'
    ok_out $'{"KV_GET_RSP":{"keys":{"a":1},"st":1}}\n{"KV_COUNT_RSP":{"cnt":1,"st":1}}'
}

@test "a raw request may span lines while braces, brackets or strings are open" {
    repl $'{"KV_SET":\n  {"keys": {\n    "a": [1,\n          2],\n    "b": "x } ] {"\n  }}\n}\nget a b\n{"KV_COUNT":\n// a comment with a { brace\n{}}\n'
    ok_out $'{"KV_SET_RSP":{"st":1}}\n{"a":[1,2],"b":"x } ] {"}\n{"KV_COUNT_RSP":{"cnt":2,"st":1}}'
}

@test "a raw request answered with an error status prints it and fails with 3" {
    repl $'{"KV_GET":{"keys":"x"}}\ncount\n'
    exit_is 3 '{"KV_GET_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}'
    err_has 'ValueTypeInvalid (41)'
    err_has 'stopped at line 1'
    repl $'{"KV_NOPE":{}}\n'
    exit_is 3 '{"KV_NOPE_RSP":{"m":"","st":10,"tkn":null}}'
    err_has 'CommandNotExist (10)'
}

@test "session new enters the new session; key commands then use it; use leaves" {
    repl $'set top 1\nsession new\nset a 1 b 2\nkeys\nuse\nkeys\n'
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^([1-9][0-9]*)$'\n"a"\n"b"\n"top"'$ ]]
    local t=${BASH_REMATCH[1]}
    run --separate-stderr "$NDB" --session "$t" get a b
    ok_out '{"a":1,"b":2}'
    run --separate-stderr "$NDB" contains a
    exit_is 1 ""
}

@test "use TKN enters an existing session; session info and end work inside" {
    local t
    t=$("$NDB" session new)
    "$NDB" --session "$t" set inside yes
    repl "use $t"$'\nget inside\nsession info '"$t"$'\ncount\nsession end '"$t"$'\ncount\n'
    ok_out $'"yes"\n{"expires":false,"keyCnt":1,"shared":false,"tkn":'"$t"$'}\n1\n0'
}

@test "ending the current session leaves it" {
    repl $'session new\nset a 1\nsession end --all\nset top 2\nkeys\n'
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^[1-9][0-9]*$'\n1\n"top"'$ ]]
}

@test "a session that ends under a script keeps the script in it: later key commands fail, never touch top-level keys" {
    "$NDB" set config '{"important":true}'
    local t
    t=$("$NDB" session new)
    "$NDB" --session "$t" set cart 1
    # a raw request ends the session behind the REPL's back, as another
    # client would between the script's lines
    repl "use $t"$'\nget cart\n{"SH_END":{"tkn":'"$t"$'}}\nget config\nset config 2\nuse\nget config\n' --continue-on-error
    exit_is 1 $'1\n{"SH_END_RSP":{"st":1,"tkn":'"$t"$'}}\n{"important":true}'
    [ "$stderr" = "ndb: session $t does not exist
ndb: session $t does not exist" ] || { echo "$stderr" >&2; false; }
    run --separate-stderr "$NDB" get config
    ok_out '{"important":true}'
    NDB_SESSION=$t repl $'set config 3\nget config\n' --continue-on-error
    exit_is 1 ''
    run --separate-stderr "$NDB" get config
    ok_out '{"important":true}'
}

@test "use: unknown session fails with 1 (not found), a malformed token with 2" {
    repl $'use 12345\ncount\n'
    exit_is 1 ""
    [ "$stderr" = "ndb: session 12345 does not exist
ndb repl: stopped at line 1" ]
    repl $'use abc\n'
    exit_is 2 ""
    err_has "invalid session token 'abc'"
    repl $'use 1 2\n'
    exit_is 2 ""
}

@test "\$NDB_SESSION starts the REPL inside that session" {
    local t
    t=$("$NDB" session new)
    NDB_SESSION=$t repl $'set s 1\nuse\nset top 1\nkeys\n'
    ok_out '"top"'
    run --separate-stderr "$NDB" --session "$t" keys
    ok_out '"s"'
    NDB_SESSION=x repl $'count\n'
    exit_is 2 ""
}

@test "commands without a session form refuse to run inside a session" {
    "$NDB" set a '{"x":1}'
    repl $'session new\nfind $.x\n'
    exit_is 2
    err_has "ndb find: works on top-level keys only"
    repl $'session new\nuse\nfind $.x\n'
    [ "$status" -eq 0 ]
    [[ "$output" == *$'\n"a"' ]]
}

@test "the first failure stops the script: server errors exit 3" {
    repl $'set a 1\nsession new --ttl 999999999999\nset b 2\n'
    exit_is 3 ''
    err_has "ndb: ValueSize (42): --ttl 999999999999 refused by the server"
    err_has 'stopped at line 2'
    run --separate-stderr "$NDB" contains b
    exit_is 1 ""
}

@test "a missing key or a false test stops a script with 1, as on the command line" {
    repl $'get nope\nset b 2\n'
    exit_is 1 ""
    [ "$stderr" = 'ndb: key "nope" does not exist
ndb repl: stopped at line 1' ]
    repl $'set a 1\ncontains a nope\ncount\n'
    exit_is 1 '"a"'
    # a raw request answered "no such session" is not found too
    repl $'{"SH_GET":{"tkn":12345,"keys":["a"]}}\n'
    exit_is 1 '{"SH_GET_RSP":{"m":"","st":100,"tkn":null}}'
    err_has 'SessionNotExist (100)'
}

@test "usage errors and unknown commands stop the script with 2" {
    repl $'count\nbogus\ncount\n'
    exit_is 2 '0'
    err_has "unknown command 'bogus'"
    err_has 'stopped at line 2'
    repl $'session set user bob\n'
    exit_is 2 ""
    err_has "ndb: unknown command 'session set'; a session's keys use the key commands: 'use TKN', then 'set ...'"
    repl $'get\n'
    exit_is 2 ""
    err_has 'missing argument'
    repl $'serve\n'
    exit_is 2 ""
    err_has "'serve' is not available inside the REPL"
    repl $'set a -\n'
    exit_is 2 ""
    err_has "not available in the REPL"
    # get - would read the script itself
    repl $'get -\nset a 1\n'
    exit_is 2 ""
    err_has "ndb get: '-' (read standard input) is not available in the REPL; type the key names"
    repl $'get -0\n'
    exit_is 2 ""
    repl $'\\nope\n'
    exit_is 2 ""
    err_has "unknown command '\\nope'"
}

@test "--continue-on-error runs every line and exits with the first failure" {
    repl $'get nope\nset a 1\nbogus\nget a\nrm a\n' --continue-on-error
    exit_is 1 $'1\n1'
    err_has 'key "nope" does not exist'
    err_has "unknown command 'bogus'"
    repl $'bogus\n{"KV_GET":{"keys":1}}\ncount\n' --continue-on-error
    exit_is 2 $'{"KV_GET_RSP":{"m":"Param type incorrect","st":41,"tkn":null}}\n0'
}

@test "unfinished input at the end of the script fails with 2" {
    repl $'set a 1\nget \'a\n'
    exit_is 2 ""
    err_has 'line 2: unfinished input'
    repl $'{"KV_COUNT":{\n'
    exit_is 2 ""
}

@test "quit and exit stop reading" {
    repl $'count\nquit\nbogus\n'
    ok_out '0'
    repl $'exit\nbogus\n'
    ok_out ''
    repl $'count\n\\q\nbogus\n'
    ok_out '0'
}

@test "quit, exit and \\q take no arguments: 'exit 3' is a usage error, not a silent success" {
    repl $'count\nexit 3\ncount\n'
    exit_is 2 '0'
    [ "$stderr" = $'ndb: \'exit\' takes no arguments (a script\'s exit status is that of its first failing line)\nndb repl: stopped at line 2' ]
    repl $'quit now\n'
    exit_is 2 ''
    err_has "'quit' takes no arguments"
    repl $'\\q 1\n'
    exit_is 2 ''
    [ "$stderr" = $'ndb: \'\\q\' takes no arguments\nndb repl: stopped at line 1' ]
}

@test "a script: a UTF-8 byte-order mark is skipped; a NUL byte (UTF-16) fails its line instead of cutting it" {
    repl $'\xef\xbb\xbfset bom 1\nget bom\n'
    ok_out '1'
    [ "$stderr" = "" ]
    run --separate-stderr bash -c 'printf "set nul ab\\0cd\nget nul\n" | "$1" repl' _ "$NDB"
    exit_is 2 ''
    [ "$stderr" = $'ndb: line 1 holds a NUL byte: a script is UTF-8 text (convert one saved as UTF-16: iconv -f UTF-16 -t UTF-8)\nndb repl: stopped at line 1' ]
    run --separate-stderr bash -c 'printf "set u16 1\n" | iconv -t UTF-16 | "$1" repl' _ "$NDB"
    exit_is 2 ''
    err_has 'ndb: line 1 holds a NUL byte'
    run --separate-stderr "$NDB" contains nul u16
    exit_is 1 ''
}

@test "a script whose standard input cannot be read fails with 2, not 0 as if every line had run" {
    # ndb repl < DIR (a directory where the script was meant): nothing ran
    run --separate-stderr "$NDB" repl <"$BATS_TEST_TMPDIR"
    exit_is 2 ''
    [ "$stderr" = 'ndb repl: cannot read the script from standard input: Is a directory' ]
    run --separate-stderr "$NDB" repl --continue-on-error <"$BATS_TEST_TMPDIR"
    exit_is 2 ''
}

@test "a lone '#' inside a line is refused, not stored as a key; '#red' and a quoted '#' are words" {
    repl $'set a 1 # note\n'
    exit_is 2 ''
    [ "$stderr" = $'ndb: \'#\' starts a comment only at the start of a line; quote it (\'#\') to mean the key or value #\nndb repl: stopped at line 1' ]
    run --separate-stderr "$NDB" keys
    ok_out ''
    repl $'set tag #red h \'#\'\nget tag h\n  # a comment line\n'
    ok_out '{"tag":"#red","h":"#"}'
}

@test "shell separators, pipes and redirections are refused, not stored as keys and values; quoted they are words" {
    # `set a 1; get a` stored a = "1;" and a key "get" holding "a", exit 0;
    # `set a 1 > out.txt` a key ">" holding "out.txt"
    repl $'set a 1; get a\n'
    exit_is 2 ''
    [ "$stderr" = $'ndb: the \';\' of \'1;\' would separate commands in a shell; the REPL runs one command per line (quote the word to mean a key or value)\nndb repl: stopped at line 1' ]
    local l
    for l in 'set a 1 ; get a' 'set a x;y' 'set a 1 > out.txt' 'set a 1 && get b' 'get a | jq .'; do
        repl "$l"$'\n'
        [ "$status" -eq 2 ] || { echo "$l: exit $status" >&2; return 1; }
    done
    repl $'set a 1 > out.txt\n'
    [ "${stderr_lines[0]}" = "ndb: '>' is a shell's pipe or redirection, which the REPL does not do (quote it to mean a key or value)" ]
    run --separate-stderr "$NDB" keys
    ok_out ''
    # quoted or escaped, or inside a JSON value or path, they are text
    repl $'set s \'1;\' t "x;y" u a\\;b g \'>\' j {"a":";"}\nget s t u g j\n'
    ok_out '{"s":"1;","t":"x;y","u":"a;b","g":">","j":{"a":";"}}'
}

@test "a redirection or pipe written against its word is refused too; inside a word it is text" {
    # `set b 2 c >>log` stored c = ">>log", exit 0; `get a >a.json` and
    # `get a 2>/dev/null` asked for keys ">a.json" and "2>/dev/null"
    repl $'set b 2 c >>log\n'
    exit_is 2 ''
    [ "$stderr" = $'ndb: \'>>log\' starts with a shell\'s pipe or redirection, which the REPL does not do (quote the word to mean a key or value)\nndb repl: stopped at line 1' ]
    run --separate-stderr "$NDB" keys
    ok_out ''
    local l
    for l in 'get a >a.json' 'get a 2>/dev/null' 'set a 1 <in.json' 'set a 1 2>&1' 'set a 1 &>log' 'get a |jq'; do
        repl "$l"$'\n'
        [ "$status" -eq 2 ] || { echo "$l: exit $status" >&2; return 1; }
        [[ "${stderr_lines[0]}" == *"' starts with a shell's pipe or redirection"* ]] || { echo "$l: $stderr" >&2; return 1; }
    done
    repl $'get a| jq .\n'
    [ "$status" -eq 2 ]
    [ "${stderr_lines[0]}" = "ndb: 'a|' ends with a shell's pipe or redirection, which the REPL does not do (quote the word to mean a key or value)" ]
    repl $'watch a&\n'
    [ "$status" -eq 2 ]
    repl $'set a 1 2> x\n'
    [ "${stderr_lines[0]}" = "ndb: '2>' is a shell's pipe or redirection, which the REPL does not do (quote it to mean a key or value)" ]
    run --separate-stderr "$NDB" keys
    ok_out ''
    # quoted, escaped or inside a word they are text; find --where keeps its comparison
    repl $'set s \'>x\' t \\>y u \'a|\' v a\\| w "x&" k a|b o {"n":10} m \'a\\\'\\>\nget s t u v w k m\nfind --where @.n>5\n'
    ok_out $'{"s":">x","t":">y","u":"a|","v":"a|","w":"x&","k":"a|b","m":"a\\\\>"}\n"o"'
}

@test "a JSON value or JSONPath word with a ';' outside its strings, or ending with a pipe or redirection, is refused too" {
    # words starting with { [ or $ were not looked at: `set c $HOME; get c`
    # stored c = "$HOME;" and a key "get" holding "c", exit 0; `set n $x|`
    # stored "$x|"
    repl $'set c $HOME; get c\n'
    exit_is 2 ''
    [ "$stderr" = $'ndb: the \';\' of \'$HOME;\' would separate commands in a shell; the REPL runs one command per line (quote the word to mean a key or value)\nndb repl: stopped at line 1' ]
    local l
    for l in 'set n $x|' 'add n $x&' 'set n $.a>' 'set n {"a":1}|'; do
        repl "$l"$'\n'
        [ "$status" -eq 2 ] || { echo "$l: exit $status" >&2; return 1; }
        [[ "${stderr_lines[0]}" == *"' ends with a shell's pipe or redirection"* ]] || { echo "$l: $stderr" >&2; return 1; }
    done
    repl $'set n {"a":1};\n'
    [ "${stderr_lines[0]}" = "ndb: the ';' of '{\"a\":1};' would separate commands in a shell; the REPL runs one command per line (quote the word to mean a key or value)" ]
    run --separate-stderr "$NDB" keys
    ok_out ''
    # inside their strings or brackets (a filter's regular expression), or
    # inside the word, they are text; quoted, a shell word
    repl $'set p $[\'a;b\'] q $[\'a\\\';|\'] r {"a":"x;|"} f $.a[?(@.n>5)] u $.a|b h \'$HOME;\'\nget p q r f u h\n'
    ok_out $'{"p":"$[\'a;b\']","q":"$[\'a\\\\\';|\']","r":{"a":"x;|"},"f":"$.a[?(@.n>5)]","u":"$.a|b","h":"$HOME;"}'
    repl $'find $[?(@ =~ /x;|y/)]\n'
    ok_out '"r"'
}

@test "a line typed with 'ndb' in front says to leave it out; GET suggests get" {
    repl $'count\nndb  set a "x y"  \nget a\n'
    exit_is 2 '0'
    [ "$stderr" = $'ndb: commands are typed without \'ndb\' here: set a "x y"\nndb repl: stopped at line 2' ]
    repl $'GET a\n'
    exit_is 2 ''
    err_has "ndb: unknown command 'GET'; did you mean 'get'?"
}

@test "the REPL's own words are suggested for their typos and other cases: Exit, QUIT, Use" {
    # they are in no command table: 'Exit' was offered 'session exists',
    # 'qiut' 'session list', 'QUIT' and 'Use' nothing
    local word want
    for word in Exit:exit QUIT:quit qiut:quit Use:use; do
        want=${word#*:} word=${word%%:*}
        repl "$word"$'\n'
        exit_is 2 ''
        [ "$stderr" = "ndb: unknown command '$word'; did you mean '$want'?"$'\n'"Try 'help'."$'\n'"ndb repl: stopped at line 1" ]
    done
    # the shell's ndb has no such words: nothing changes there
    run --separate-stderr "$NDB" QUIT
    exit_is 2 ''
    [ "$stderr" = $'ndb: unknown command \'QUIT\'\nTry \'ndb help\'.' ]
}

@test "a server that cannot be reached fails with 2" {
    repl $'count\n' --url ws://127.0.0.1:1/ --timeout 2
    exit_is 2 ""
    err_has 'cannot connect'
    NDB_URL=ws://127.0.0.1:1/ repl $'count\n'
    exit_is 2 ""
}

@test "help and help COMMAND print the client's own help texts" {
    local main cmd
    # ndb help's text, but the commands the REPL refuses (serve, send, ...)
    # are named as the shell's only
    main=$("$NDB" help | sed -E '/^  (serve|send|bench|repl|passwd|journal) /d; s/^Other:$/Other:\n  (serve, send, bench, repl, passwd, journal: from the shell only)/')
    cmd=$("$NDB" get --help)
    repl $'help\n'
    [ "$status" -eq 0 ]
    [[ "$output" != *"  send             send raw protocol requests"* ]]
    # and 'clear', which is the screen's in the REPL
    main=${main/$'\n  clear            remove every key\n'/$'\n  clear-keys       remove every key (after asking; \'clear\' clears the screen)\n'}
    [[ "$output" == "$main"* ]]
    [[ "$output" == *"use TKN"* ]]
    repl $'help get\n'
    ok_out "$cmd"
    repl $'help session new\n'
    ok_out "$("$NDB" session new --help)"
    repl $'get --help\n'
    ok_out "$cmd"
}

@test "the commands that help names as the shell's only are refused in the REPL" {
    local c
    for c in serve send bench repl passwd journal; do
        repl "$c"$'\n'
        exit_is 2 ""
        [ "$stderr" = "ndb: '$c' is not available inside the REPL (run 'ndb $c' from the shell)
ndb repl: stopped at line 1" ]
        # with "ndb" in front, as copied from a shell: not "typed without
        # 'ndb' here: repl -p 1989", which pointed to the same refusal
        repl "ndb $c -p 1989"$'\n'
        exit_is 2 ""
        [ "${stderr_lines[0]}" = "ndb: 'ndb $c' runs from the shell, not inside the REPL$([ "$c" = repl ] && echo " (to reach another server, quit and start 'ndb repl' with its address)")" ]
    done
}

@test "\\timing on shows the round-trip time on stderr; off stops it" {
    repl $'\\timing on\ncount\n\\timing off\ncount\n'
    ok_out $'0\n0'
    [[ "$stderr" =~ ^Time:\ [0-9]+\.[0-9]{3}\ ms$ ]]
    repl $'\\timing maybe\n'
    exit_is 2
}

@test "usage: --help, bad options and arguments" {
    run --separate-stderr "$NDB" repl --help
    [ "$status" -eq 0 ]
    [[ "$output" == "usage: ndb repl"* ]]
    run --separate-stderr "$NDB" repl --bogus </dev/null
    exit_is 2 ""
    run --separate-stderr "$NDB" repl script.ndb </dev/null
    exit_is 2 ""
    err_has 'standard input'
    run --separate-stderr "$NDB" repl --timeout abc </dev/null
    exit_is 2 ""
    # a malformed URL is refused at once (it was retried at every command)
    run --separate-stderr "$NDB" repl --url ftp://x </dev/null
    exit_is 2 ""
    [ "$stderr" = $'ndb repl: invalid URL \'ftp://x\': unsupported scheme \'ftp://\' (use ws:// or wss://)\nTry \'ndb repl --help\' for more information.' ]
    NDB_URL=ws://h:99999/ run --separate-stderr "$NDB" repl </dev/null
    exit_is 2 ""
    err_has "ndb repl: invalid URL 'ws://h:99999/' (NDB_URL): invalid port '99999' (must be 1..65535)"
    run --separate-stderr "$NDB" help repl
    [ "$status" -eq 0 ]
    [[ "$output" == "usage: ndb repl"* ]]
}

@test "not interactive: no history is written" {
    export XDG_STATE_HOME=$BATS_TEST_TMPDIR/state
    repl $'set a 1\n'
    [ ! -e "$XDG_STATE_HOME/ndb/history" ]
}

@test "clear is the screen in the REPL: in a script it says so; clear-keys empties" {
    "$NDB" set a 1 b 2
    repl $'clear\ncount\n'
    exit_is 2 ""
    [ "$stderr" = "ndb: in the REPL 'clear' clears the screen; 'clear-keys' removes every key
ndb repl: stopped at line 1" ]
    run --separate-stderr "$NDB" count
    ok_out '2'
    repl $'clear-keys\ncount\n'
    ok_out $'2\n0'
    # the REPL's help lists the database's clear under the REPL's name
    repl $'help\n'
    [[ "$output" == *$'\n  clear-keys       remove every key (after asking; \'clear\' clears the screen)\n'* ]]
    [[ "$output" != *"clear            remove every key"* ]]
    run --separate-stderr "$NDB" help
    [[ "$output" == *$'\n  clear            remove every key\n'* ]]
}

@test "every global option works in ndb repl, before or after 'repl'" {
    "$NDB" set s '"str"' o '{"a":1}'
    repl $'get s\nget o\n' -r
    ok_out $'str\n{"a":1}'
    repl $'get o\n{"KV_COUNT":{}}\n' --pretty
    ok_out $'{\n  "a": 1\n}\n{\n  "KV_COUNT_RSP": {\n    "cnt": 2,\n    "st": 1\n  }\n}'
    # a style typed on the line wins
    repl $'get -c o\n' --pretty
    ok_out '{"a":1}'
    run --separate-stderr bash -c "printf 'get s\n' | '$NDB' -r --timeout 3 repl"
    ok_out 'str'
    local t
    t=$("$NDB" session new)
    repl $'set x 1\nkeys\n' --session "$t"
    ok_out '"x"'
    run --separate-stderr "$NDB" --session "$t" get x
    ok_out '1'
    NDB_URL= repl $'count\n' -p "$NDB_PORT"
    ok_out '2'
    NDB_URL= repl $'count\n' -H 127.0.0.1 --port="$NDB_PORT" -rc
    ok_out '2'
    repl $'count\n' --url "$NDB_URL" -p 1
    exit_is 2 ""
    err_has "give --url or -H/-p, not both"
    repl $'count\n' -p 0
    exit_is 2 ""
    err_has "invalid port '0' (expected 1..65535)"
    repl $'count\n' --pretty -c
    exit_is 2 ""
}
