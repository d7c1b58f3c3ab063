#!/usr/bin/env bats
# Shell completions (completions/): bash by calling _ndb with prepared
# COMP_WORDS/COMP_CWORD and reading COMPREPLY; zsh and fish syntax-checked and
# exercised (zsh with stand-ins for compadd & co., fish with `complete -C`).
# Every expectation about commands and options is taken from the command
# table itself (`ndb help --commands`, `ndb help --options`), so these tests
# prove the completions match it; key names come from a real server.

load helpers
bats_require_minimum_version 1.5.0

COMPLETIONS="$BATS_TEST_DIRNAME/../../completions"

setup_file() {
    start_server
    "$NDB" set user:1 a user:2 b other c 'two words' d >/dev/null
    SESSION_TKN=$("$NDB" session new)
    "$NDB" --session "$SESSION_TKN" set skey 1 >/dev/null
    export SESSION_TKN
}

teardown_file() { stop_server; }

setup() {
    # shellcheck source=../../completions/ndb.bash
    source "$COMPLETIONS/ndb.bash"
}

# comp LINE: complete LINE (cursor at its end) with _ndb, the way bash calls
# it; prints COMPREPLY sorted, one per line.  "$NDB" stands for `ndb`.
comp() {
    local line="$NDB ${1}"
    COMP_LINE=$line
    COMP_POINT=${#line}
    read -ra COMP_WORDS <<<"$line"
    [[ $line == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _ndb
    ((${#COMPREPLY[@]} == 0)) || printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort
}

# same WANT GOT: two newline-separated lists hold the same items.
same() {
    local want got
    want=$(printf '%s\n' "$1" | sed '/^$/d' | LC_ALL=C sort -u)
    got=$(printf '%s\n' "$2" | sed '/^$/d' | LC_ALL=C sort -u)
    if [ "$want" != "$got" ]; then
        diff <(echo "$want") <(echo "$got") >&2 || true
        return 1
    fi
}

top_commands() { "$NDB" help --commands | sed 's/ .*//' | LC_ALL=C sort -u; }

@test "bash: the completion file is valid and registers _ndb for ndb" {
    bash -n "$COMPLETIONS/ndb.bash"
    run complete -p ndb
    [ "$status" -eq 0 ]
    [[ $output == *"-F _ndb ndb"* ]]
}

@test "bash: command names are exactly those of the command table" {
    same "$(top_commands)" "$(comp "")"
    same "$(top_commands | grep '^se')" "$(comp "se")"
    [ "$(comp "cle")" = $'clear\nclear-set' ]
}

@test "bash: subcommands of a group are exactly those of the table" {
    local groups g
    groups=$("$NDB" help --commands | sed -n 's/ .*//p' | sort -u)
    [ -n "$groups" ]
    for g in $groups; do
        same "$("$NDB" help --commands | sed -n "s/^$g //p")" "$(comp "$g ")"
    done
    [ "$(comp "session n")" = new ]
    # the list README.md "Shell completion" quotes
    [ "$(comp "session " | tr '\n' ' ')" = "end exists expire info list load new save watch " ]
}

@test "bash: the options of every table command are exactly ndb help --options" {
    local c n=0
    while IFS= read -r c; do
        want=$("$NDB" help --options $c)
        [ -n "$want" ] || continue # serve, send, ...: checked below
        same "$(grep '^--' <<<"$want")" "$(comp "$c --")"
        same "$want" "$(comp "$c -")"
        n=$((n + 1))
    done < <("$NDB" help --commands)
    [ "$n" -ge 20 ]
}

@test "bash: the options of serve, send, bench, repl, passwd and journal are exactly those of their --help" {
    # these parse their own options: ndb help --options knows none of them
    local c n=0
    while IFS= read -r c; do
        same "$(raw_options "$c")" "$(comp "$c -")"
        same "$(raw_options "$c" | grep '^--')" "$(comp "$c --")"
        # ndb help --options, which reads the same --help in C, agrees
        [ "$(raw_options "$c")" = "$("$NDB" help --options "$c")" ]
        n=$((n + 1))
    done < <(raw_commands)
    [ "$n" -ge 6 ]
    [[ $(comp "serve --max-m") == *--max-memory* ]]
}

# global_options: what completes before the command, exactly: the options of
# ndb help --options help, and --session and --version (global options
# that no command's table lists).
global_options() { printf '%s\n' $("$NDB" help --options help) --session --version; }

# offers_every_option COMP: COMP (zcomp or fcomp) offers exactly the options
# of every command (the raw ones' from their own --help) and, before a
# command, the global ones
offers_every_option() {
    local c
    while IFS= read -r c; do
        same "$("$NDB" help --options $c)" "$($1 "$c -")"
    done < <("$NDB" help --commands | grep -vxF -f <(raw_commands))
    while IFS= read -r c; do
        same "$(raw_options "$c")" "$($1 "$c -")"
    done < <(raw_commands)
    same "$(global_options)" "$($1 "-")"
}

@test "bash: global options before the command" {
    same "$(global_options)" "$(comp "-")"
    grep -qx -- --client-cert <(global_options)
    # a global option's value is skipped: the next word is the command
    [ "$(comp "--timeout 3 ge")" = get ]
    [ "$(comp "--url $NDB_URL session exi")" = exists ]
}

@test "bash: option values: log levels, operations, files, directories" {
    same $'error\nwarn\ninfo\ndebug' "$(comp "serve --log-level ")"
    [ "$(comp "serve --log-level=d")" = debug ] # bash replaces what follows '='
    for l in error warn info debug; do "$NDB" serve --help | grep -q "$l"; done
    for o in get set add mixed sh_get sh_set; do "$NDB" bench --help | grep -q -- "$o"; done
    same $'get\nset\nadd\nmixed\nsh_get\nsh_set' "$(comp "bench --op ")"
    same $'off\nno\neverysec\nalways' "$(comp "serve --journal ")"
    "$NDB" serve --help | grep -q -- '--journal POLICY'
    # a positional of literal words (ndb journal's usage line: check|repair)
    same $'check\nrepair' "$(comp "journal ")"
    [ "$(comp "journal --persist-path /tmp r")" = repair ]
    cd "$BATS_TEST_TMPDIR"
    mkdir -p confdir
    touch conf.jsonc
    [ "$(comp "serve --config conf")" = $'conf.jsonc\nconfdir' ]
    [ "$(comp "serve --persist-path conf")" = confdir ]
    # an option value that is not a file, key or known list: nothing
    [ -z "$(comp "--timeout ")" ]
    [ -z "$(comp "session new --ttl ")" ]
    # security (README "Security"): roles, certificate and password files
    same $'read\nwrite\nadmin' "$(comp "passwd --role ")"
    [ "$(comp "serve --tls-cert conf")" = $'conf.jsonc\nconfdir' ]
    [ "$(comp "get --cacert conf")" = $'conf.jsonc\nconfdir' ]
    [ "$(comp "--password-file conf")" = $'conf.jsonc\nconfdir' ]
    [ "$(comp "bench --client-key conf")" = $'conf.jsonc\nconfdir' ]
    [ -z "$(comp "--user ")" ]
}

@test "bash: key names from the server" {
    same $'other\ntwo\\ words\nuser:1\nuser:2' "$(comp "get ")"
    same $'user:1\nuser:2' "$(comp "get us")"
    same $'1\n2' "$(comp "get user:")"
    same $'other\ntwo\\ words\nuser:1\nuser:2' "$(comp "rm -- ")"
    # set KEY VALUE KEY VALUE: keys at 0, 2, ..., nothing for values
    [ -z "$(comp "set user:1 ")" ]
    [ "$(comp "set user:1 x ot")" = other ]
    [ "$(comp "update us")" = $'user:1\nuser:2' ]
    [ -z "$(comp "update user:1 ")" ]
    [ "$(comp "append ot")" = other ]
    [ "$(comp "find --keys user:1,ot")" = 1,other ] # ... and ':'
    [ "$(comp "find --key=ot")" = other ]
    [ "$(comp "contains -r ot")" = other ]
    # --prefix takes the start of key names: it offered nothing
    same $'user:1\nuser:2' "$(comp "keys --prefix us")"
    [ "$(comp "scan --prefix=ot")" = other ]
    [ "$(comp "watch --values --prefix ot")" = other ]
    # no key names where the argument is not a key
    [ -z "$(comp "find ")" ]
    [ -z "$(comp "save ")" ]
}

@test "bash: key names of a session, and top-level keys for commands without one" {
    [ "$(comp "--session $SESSION_TKN get ")" = skey ]
    [ "$(comp "get --session $SESSION_TKN s")" = skey ]
    NDB_SESSION=$SESSION_TKN
    export NDB_SESSION
    [ "$(comp "get ")" = skey ]
    # find has no session form: it works on top-level keys, so do completions
    [ "$(comp "find --key ot")" = other ]
    unset NDB_SESSION
}

@test "bash: key names are not glob patterns, and thousands of them complete quickly" {
    local t start
    t=$("$NDB" session new)
    # keys that are glob patterns, beside files they would match
    "$NDB" --session "$t" set '*' 1 'zz[ab]' 2 >/dev/null
    cd "$BATS_TEST_TMPDIR"
    : >zza
    : >zzb
    same $'\\*\nzz\\[ab\\]' "$(comp "--session $t get ")"
    same 'zz\[ab\]' "$(comp "--session $t get z")"
    # 20000 keys with the typed prefix: one subshell each took minutes
    seq 0 19999 | awk -v t="$t" 'BEGIN { printf "{\"SH_SET\":{\"tkn\":%s,\"keys\":{", t }
        { printf "%s\"k%05d\":0", (NR > 1 ? "," : ""), $1 } END { print "}}}" }' | "$NDB" send >/dev/null
    start=$SECONDS
    [ "$(comp "--session $t get k" | wc -l)" -eq 20000 ]
    [ $((SECONDS - start)) -lt 15 ]
    "$NDB" session end "$t" >/dev/null
}

@test "bash, zsh, fish: session tokens from the server where a command takes TKN" {
    # session end/exists/info/save/expire/watch and --session offered
    # nothing: the tokens had to be copied from 'ndb session list'
    local t f l want
    t=$("$NDB" session new --ttl 600)
    want=$(printf '%s\n' "$SESSION_TKN" "$t")
    for f in comp zcomp fcomp; do
        case $f in
        zcomp) command -v zsh >/dev/null || continue ;;
        fcomp) command -v fish >/dev/null || continue ;;
        esac
        for l in "session end " "session exists " "session info " "session save snap " \
                 "session expire --ttl 5 " "session watch " "--session " "get --session "; do
            same "$want" "$("$f" "$l")" || { echo "$f '$l'" >&2; return 1; }
        done
        [ "$("$f" "session end $t")" = "$t" ] || { echo "$f: the typed prefix" >&2; return 1; }
        [ -z "$("$f" "session save ")" ] || { echo "$f: a NAME is no token" >&2; return 1; }
        # 'TKN... | --all': tokens and --all together are a usage error
        [ -z "$("$f" "session end --all ")" ] || { echo "$f: session end --all" >&2; return 1; }
        # '[TKN... | --all]' (session watch): the same in brackets
        [ -z "$("$f" "session watch --all ")" ] || { echo "$f: session watch --all" >&2; return 1; }
        [ -z "$("$f" "--url ws://127.0.0.1:1/ session end ")" ] || { echo "$f: another server" >&2; return 1; }
        same "$want" "$(NDB_URL=ws://127.0.0.1:1/ "$f" "-p $NDB_PORT session end ")" ||
            { echo "$f: -p chooses the server" >&2; return 1; }
    done
    "$NDB" session end "$t" >/dev/null
}

# option_specs CMD...: "SHORT|LONG|META" per option of `ndb CMD --help`
# (META empty for a flag), as the completions read them
option_specs() {
    "$NDB" "$@" --help | sed -nE 's/^ +(-([A-Za-z0-9]), )?--([A-Za-z0-9][-A-Za-z0-9]*)( ([^ ]+))?( {2,}.*)?$/\2|\3|\5/p'
}

# Every option of every command, completed the way bash would: 800 calls of
# _ndb.  They run in a bash of their own (every_option_bash): inside the test
# bats's DEBUG trap runs for each command _ndb runs, which made this one test
# take four minutes.
every_option() {
    local c s l m o base want got keys toks files dirs usage
    keys=$(comp "get ")
    [ -n "$keys" ]
    toks=$(comp "session end ")
    files=$(compgen -f -- "" | LC_ALL=C sort)
    dirs=$(compgen -d -- "" | LC_ALL=C sort)
    while IFS= read -r c; do
        base=$(comp "$c ")
        usage=$("$NDB" $c --help | head -n 1)
        while IFS='|' read -r s l m; do
            for o in ${s:+-$s} --$l; do
                case $m in
                '') want=$base
                    # 'KEY... | -': -0 (NUL-separated names) goes with '-' only
                    [[ $usage == *' | -' && $l == null ]] && want=-
                    # 'TKN... | --all': the flag stands alone
                    [[ $usage == *" | --$l" || $usage == *" | --$l]" ]] && want= ;;
                KEY | K,... | P) want=$keys ;;
                TKN) want=$toks ;;
                FILE) want=$files ;;
                DIR) want=$dirs ;;
                LEVEL) want=$'debug\nerror\ninfo\nwarn' ;;
                OP) want=$'add\nget\nmixed\nset\nsh_get\nsh_set' ;;
                ROLE) want=$'admin\nread\nwrite' ;;
                POLICY) want=$'always\neverysec\nno\noff' ;;
                *) want= ;; # a number, a name, an address: nothing to offer
                esac
                got=$(comp "$c $o ")
                [ "$got" = "$want" ] || { echo "'$c $o ' ($m): [$got] wanted [$want]" >&2; return 1; }
                echo checked
            done
        done < <(option_specs $c)
    done < <("$NDB" help --commands)
}

@test "bash: every option of every command: a flag leaves the next word to the arguments, an option's value gets its own candidates" {
    # get -0 offered key names: -0 read as a value (-5 is one), and the key
    # names as the argument after it, though -0 goes with '-' only.
    # FILE and DIR complete names of the working directory: a private one,
    # as ctest's (the build directory) changes under another test stream
    # (cmake --install writes install_manifest.txt there)
    cd "$BATS_TEST_TMPDIR"
    mkdir -p certs
    : >ndb.json
    run --separate-stderr bash -c "set -e; $(declare -f comp option_specs every_option); source \"\$1\"; every_option" \
        every_option_bash "$COMPLETIONS/ndb.bash"
    [ -z "$stderr" ] || { echo "$stderr" >&2; return 1; }
    [ "$status" -eq 0 ]
    # one check for each form of each option: a loop that stopped early
    # checked nothing after that
    local forms
    forms=$(while IFS= read -r c; do option_specs $c; done < <("$NDB" help --commands) |
        awk -F'|' '{ n += ($1 != "") + 1 } END { print n }')
    [ "${#lines[@]}" -eq "$forms" ]
    [ "$forms" -gt 500 ]
}

@test "bash, zsh, fish: a flag already typed is not offered again, nor --all once a token is typed" {
    # session end 123 --<Tab> offered --all (tokens and --all together are
    # a usage error), and get -0 -<Tab> offered -0 and --null again
    local f n=0
    for f in comp zcomp fcomp; do
        case $f in
        zcomp) command -v zsh >/dev/null || continue ;;
        fcomp) command -v fish >/dev/null || continue ;;
        esac
        [ "$("$f" "session end --a")" = --all ] || { echo "$f: session end --a" >&2; return 1; }
        # "not offered", not "nothing": with no option starting so, fish
        # offers those that merely contain it (--cacert for --a)
        ! "$f" "session end 123 --a" | grep -qx -- --all || { echo "$f: session end 123 --a" >&2; return 1; }
        ! "$f" "session end --all --a" | grep -qx -- --all || { echo "$f: session end --all --a" >&2; return 1; }
        ! "$f" "session watch 123 --a" | grep -qx -- --all || { echo "$f: session watch 123 --a" >&2; return 1; }
        [ "$("$f" "get --nu")" = --null ] || { echo "$f: get --nu" >&2; return 1; }
        ! "$f" "get -0 --nu" | grep -qx -- --null || { echo "$f: get -0 --nu" >&2; return 1; }
        ! "$f" "get --null --nu" | grep -qx -- --null || { echo "$f: get --null --nu" >&2; return 1; }
        ! "$f" "get -0 -" | grep -qxe -0 -e --null || { echo "$f: get -0 -" >&2; return 1; }
        # both forms of a flag go, and only those; options with a value stay
        same "$("$f" "get -" | grep -vxe -r -e --raw)" "$("$f" "get -r -")" || { echo "$f: get -r -" >&2; return 1; }
        same "$("$f" "get -" | grep -vxe -r -e --raw)" "$("$f" "get --raw -")" || { echo "$f: get --raw -" >&2; return 1; }
        [[ $'\n'$("$f" "get --timeout 3 -")$'\n' == *$'\n'--timeout$'\n'* ]] || { echo "$f: get --timeout 3 -" >&2; return 1; }
        n=$((n + 1))
    done
    [ "$n" = 3 ] # CI installs zsh and fish: none skipped
}

@test "bash, zsh, fish: get -0 and get - complete only what they take: '-' after -0, nothing after '-'" {
    local f
    for f in comp zcomp fcomp; do
        case $f in
        zcomp) command -v zsh >/dev/null || continue ;;
        fcomp) command -v fish >/dev/null || continue ;;
        esac
        [ "$("$f" "get -0 ")" = - ] || { echo "$f: get -0" >&2; return 1; }
        [ "$("$f" "get --null ")" = - ] || { echo "$f: get --null" >&2; return 1; }
        [ "$("$f" "get -r -0 ")" = - ] || { echo "$f: get -r -0" >&2; return 1; }
        [ -z "$("$f" "get -0 - ")" ] || { echo "$f: get -0 -" >&2; return 1; }
        [ -z "$("$f" "get - ")" ] || { echo "$f: get -" >&2; return 1; }
        same $'other\ntwo words\nuser:1\nuser:2' "$("$f" "get -r " | sed 's/\\//g')" || { echo "$f: get -r" >&2; return 1; }
        [ "$("$f" "set ot -5 ot")" = other ] || { echo "$f: -5 is a value" >&2; return 1; }
    done
}

@test "bash: a key name typed with quotes or backslashes completes as the shell reads it" {
    local t
    t=$("$NDB" session new)
    "$NDB" --session "$t" set 'a b' 1 "it's" 2 'back\slash' 3 >/dev/null
    # the typed word was compared as typed: none of these completed
    [ "$(comp "--session $t get 'a")" = 'a b' ]        # readline closes the quote
    [ "$(comp "--session $t get \"it")" = "it's" ]
    [ "$(comp "--session $t get 'it")" = "it'\\''s" ]  # 'it'\''s' is it's
    [ "$(comp "--session $t get \"back")" = 'back\\slash' ]
    [ "$(comp "--session $t get it\\'")" = "it\\'s" ]
    [ "$(comp "--session $t get back\\\\")" = 'back\\slash' ]
    # an escaped blank is no word break: 'a\ ' offered every key
    [ "$(comp "--session $t get a\\ ")" = 'a\ b' ]
    "$NDB" session end "$t" >/dev/null
}

@test "bash: -p, -H and their long forms choose the server the key names come from" {
    local url=$NDB_URL
    NDB_URL=ws://127.0.0.1:1/ # nothing there: the keys must come from -p/-H
    same $'other\ntwo\\ words\nuser:1\nuser:2' "$(comp "-p $NDB_PORT get ")"
    [ "$(comp "get -p $NDB_PORT ot")" = other ]
    [ "$(comp "-H 127.0.0.1 -p $NDB_PORT get ot")" = other ]
    [ "$(comp "--host 127.0.0.1 --port $NDB_PORT get ot")" = other ]
    [ "$(comp "--port=$NDB_PORT get ot")" = other ]
    [ "$(comp "-p$NDB_PORT get ot")" = other ]
    [ "$(comp "-p $NDB_PORT --session $SESSION_TKN get ")" = skey ]
    [ "$(comp "-p $NDB_PORT find --key ot")" = other ]
    # and a -p that names no server gives nothing, whatever NDB_URL says
    NDB_URL=$url
    [ -z "$(comp "-p 1 get ")" ]
    [ -z "$(comp "-H 127.0.0.2 -p 1 get ")" ]
}

@test "bash: a login without a password source never prompts on Tab: the key lookup gets --password-file /dev/null (only with a user)" {
    # a stand-in for ndb that records the arguments of its key lookups
    # (comp in $(...), as everywhere here: _ndb may end on a false test)
    local real=$NDB log="$BATS_TEST_TMPDIR/calls"
    NDB="$BATS_TEST_TMPDIR/ndb"
    printf '#!/bin/sh\n[ "$1" = keys ] && echo "$*" >>"%s"\nexec "%s" "$@"\n' "$log" "$real" >"$NDB"
    chmod +x "$NDB"
    local NDB_PASSWORD=
    : "$(comp "--user alice get ")"
    [ "$(cat "$log")" = "keys -r --timeout 0.5 --user alice --password-file /dev/null" ]
    : >"$log"
    : "$(NDB_USER=alice comp "get ")"
    [ "$(cat "$log")" = "keys -r --timeout 0.5 --password-file /dev/null" ]
    # a password source the user gave is used as it is
    : >"$log"
    : "$(comp "--user alice --password-file pw get ")"
    [ "$(cat "$log")" = "keys -r --timeout 0.5 --user alice --password-file pw" ]
    : >"$log"
    : "$(NDB_PASSWORD=x comp "--user alice get ")"
    [ "$(cat "$log")" = "keys -r --timeout 0.5 --user alice" ]
    # no user, no password file: without a user it is a usage error
    : >"$log"
    : "$(NDB_USER= comp "get ")"
    [ "$(cat "$log")" = "keys -r --timeout 0.5" ]
    NDB=$real
}

@test "bash: help COMMAND [SUBCOMMAND] completes command names, and values" {
    same "$( (top_commands; echo values) | LC_ALL=C sort)" "$(comp "help ")"
    [ "$(comp "help va")" = values ]
    same "$("$NDB" help --commands | sed -n 's/^session //p')" "$(comp "help session ")"
}

@test "bash: silent and quick when there is no server or it does not answer" {
    run --separate-stderr comp "--url ws://127.0.0.1:1/ get "
    [ "$status" -eq 0 ] && [ -z "$output" ] && [ -z "$stderr" ]
    # a listener that never completes the handshake: bounded by --timeout 0.5
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
    python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(8); time.sleep(20)' "$port" &
    local sink=$!
    sleep 0.3
    local t0=$SECONDS
    run --separate-stderr comp "--url ws://127.0.0.1:$port/ get "
    kill "$sink"
    wait "$sink" 2>/dev/null || true
    [ "$status" -eq 0 ] && [ -z "$output" ] && [ -z "$stderr" ]
    [ $((SECONDS - t0)) -le 3 ]
}

@test "bash: '=' and ':' split words the way bash does, without bash-completion" {
    COMP_WORDBREAKS=$'"\'><=;|&(:' # the interactive default
    [ "$(comp "get user:")" = $'1\n2' ]
    [ "$(comp "serve --log-level=w")" = warn ]
    [ "$(comp "find --keys=user:1,ot")" = 1,other ]
    [ "$(comp "--url=$NDB_URL ge")" = get ]
    [ "$(comp "--url=$NDB_URL get ot")" = other ]
}

@test "bash: with bash-completion loaded, keys containing ':' complete whole" {
    [ -r /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
    # bash splits 'user:' at the colon and '--log-level=w' at the '=';
    # bash-completion's helpers put the words together again, and the
    # candidates are trimmed back to what bash replaces
    run bash -c '
        source /usr/share/bash-completion/bash_completion
        source "$1/ndb.bash"
        COMP_WORDBREAKS=$'"'"'"\'"'"'><=;|&(:'"'"' # the interactive default
        line="$2 get user:"
        COMP_LINE=$line COMP_POINT=${#line}
        COMP_WORDS=("$2" get user : "")
        COMP_CWORD=4
        _ndb
        echo "${COMPREPLY[*]}"
        line="$2 serve --log-level=w"
        COMP_LINE=$line COMP_POINT=${#line}
        COMP_WORDS=("$2" serve --log-level = w)
        COMP_CWORD=4
        COMPREPLY=()
        _ndb
        echo "${COMPREPLY[*]}"
    ' _ "$COMPLETIONS" "$NDB"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "1 2" ] || [ "${lines[0]}" = "2 1" ]
    [ "${lines[1]}" = warn ]
}

# ---------------------------------------------------------------- zsh

# zcomp LINE: run _ndb in zsh with stand-ins for the completion system that
# print the candidates (compadd filters by prefix itself: the stand-in does
# the same).  Prints them sorted.
zcomp() {
    zsh -f -c '
        compadd() {
            local a=0
            while [[ $1 == -* ]]; do
                case $1 in -a) a=1 ;; --) shift; break ;; esac
                shift
            done
            local -a c
            if (( a )); then for n; do c+=(${(P)n}); done; else c=("$@"); fi
            print -rl -- ${(M)c:#${PREFIX}*}
        }
        _wanted() { shift 3; "$@"; }
        _describe() { print -rl -- ${(M)${(P)4}:#${PREFIX}*}; }
        _files() { print -r -- "<files>"; }
        _directories() { print -r -- "<directories>"; }
        compset() { [[ $1 == -P ]] && PREFIX=${PREFIX#${~2}}; return 0; }
        autoload -Uz is-at-least
        source "$1/_ndb"       # defines _ndb (and calls it once: harmless)
        words=(${(z)2})
        [[ $2 == *" " ]] && words+=("")
        CURRENT=$#words
        PREFIX=$words[-1]
        _ndb
    ' zcomp "$COMPLETIONS" "$NDB $1" 2>/dev/null | LC_ALL=C sort
}

@test "zsh: the completion file parses (zsh -n) and starts with #compdef" {
    command -v zsh >/dev/null || skip "zsh is not installed"
    zsh -n "$COMPLETIONS/_ndb"
    [ "$(head -n 1 "$COMPLETIONS/_ndb")" = "#compdef ndb" ]
}

@test "zsh: commands (with descriptions), subcommands, options, values, keys" {
    command -v zsh >/dev/null || skip "zsh is not installed"
    same "$(top_commands)" "$(zcomp "" | sed 's/:.*//')"
    zcomp "" | grep -qx 'get:print the values of keys'
    same "$("$NDB" help --commands | sed -n 's/^session //p')" "$(zcomp "session " | sed 's/:.*//')"
    offers_every_option zcomp
    same $'error\nwarn\ninfo\ndebug' "$(zcomp "serve --log-level ")"
    same $'read\nwrite\nadmin' "$(zcomp "passwd --role ")"
    same $'off\nno\neverysec\nalways' "$(zcomp "serve --journal ")"
    same $'check\nrepair' "$(zcomp "journal ")"
    [ "$(zcomp "help va")" = values ] # help values: it was not offered
    [ "$(zcomp "serve --config ")" = "<files>" ]
    same $'other\ntwo words\nuser:1\nuser:2' "$(zcomp "get ")"
    [ "$(zcomp "set user:1 x ot")" = other ]
    [ "$(zcomp "watch --prefix ot")" = other ]
    [ -z "$(zcomp "set user:1 ")" ]
    [ "$(zcomp "--session $SESSION_TKN get ")" = skey ]
    [ -z "$(zcomp "--url ws://127.0.0.1:1/ get ")" ]
    # -p and -H choose the server, as --url does
    [ -z "$(zcomp "-p 1 get ")" ]
    [ "$(NDB_URL=ws://127.0.0.1:1/ zcomp "-p $NDB_PORT get ot")" = other ]
    [ "$(NDB_URL=ws://127.0.0.1:1/ zcomp "-H 127.0.0.1 --port=$NDB_PORT get ot")" = other ]
    [ "$(NDB_URL=ws://127.0.0.1:1/ zcomp "-p $NDB_PORT --session $SESSION_TKN get ")" = skey ]
}

# ---------------------------------------------------------------- fish

# fcomp LINE: fish's own completion of LINE (complete -C), names only.
fcomp() {
    fish --no-config -c 'source $argv[1]; complete -C"$argv[2]"' "$COMPLETIONS/ndb.fish" "$NDB $1" 2>/dev/null |
        cut -f1 | LC_ALL=C sort
}

@test "fish: the completion file parses (fish -n)" {
    command -v fish >/dev/null || skip "fish is not installed"
    fish -n "$COMPLETIONS/ndb.fish"
}

@test "fish: commands (with descriptions), subcommands, options, values, keys" {
    command -v fish >/dev/null || skip "fish is not installed"
    [ "$(fcomp "ge")" = get ]
    same "$(top_commands)" "$(fcomp "")"
    fish --no-config -c 'source $argv[1]; complete -C"$argv[2]"' "$COMPLETIONS/ndb.fish" "$NDB ge" |
        grep -qx $'get\tprint the values of keys'
    same "$("$NDB" help --commands | sed -n 's/^session //p')" "$(fcomp "session ")"
    offers_every_option fcomp
    same $'error\nwarn\ninfo\ndebug' "$(fcomp "serve --log-level ")"
    same $'read\nwrite\nadmin' "$(fcomp "passwd --role ")"
    same $'always\neverysec\nno\noff' "$(fcomp "serve --journal ")"
    same $'check\nrepair' "$(fcomp "journal ")"
    [ "$(fcomp "help va")" = values ] # help values: it was not offered
    same $'other\ntwo words\nuser:1\nuser:2' "$(fcomp "get ")"
    [ "$(fcomp "set user:1 x ot")" = other ]
    [ "$(fcomp "watch --prefix ot")" = other ]
    [ -z "$(fcomp "set user:1 ")" ]
    [ "$(fcomp "find --keys user:1,ot")" = user:1,other ]
    [ "$(fcomp "--session $SESSION_TKN get ")" = skey ]
    [ -z "$(fcomp "--url ws://127.0.0.1:1/ get ")" ]
    # -p and -H choose the server, as --url does
    [ -z "$(fcomp "-p 1 get ")" ]
    [ "$(NDB_URL=ws://127.0.0.1:1/ fcomp "-p $NDB_PORT get ot")" = other ]
    [ "$(NDB_URL=ws://127.0.0.1:1/ fcomp "-H 127.0.0.1 --port=$NDB_PORT get ot")" = other ]
    [ "$(NDB_URL=ws://127.0.0.1:1/ fcomp "-p $NDB_PORT --session $SESSION_TKN get ")" = skey ]
}
