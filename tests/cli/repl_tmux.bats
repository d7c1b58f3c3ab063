#!/usr/bin/env bats
# `ndb repl` on a terminal, driven through tmux against a real server:
# prompt (and the session prompt), Tab completion of commands, options, key
# names and tokens, history kept across runs (file mode 0600, credential
# filter), Ctrl-R, Ctrl-C, Ctrl-D, reconnecting after a server restart,
# \timing, multi-line raw requests and coloured output.
#
# Every wait polls the screen with a bound; nothing sleeps for long.

load client_helpers

setup_file() {
    command -v tmux >/dev/null || skip "tmux is not installed"
    start_server
}
teardown_file() { stop_server; }

setup() {
    command -v tmux >/dev/null || skip "tmux is not installed"
    TSOCK="ndb-repl-test-$$-${BATS_TEST_NUMBER}"
    RHOME="$BATS_TEST_TMPDIR/home"
    RSTATE="$BATS_TEST_TMPDIR/state"
    mkdir -p "$RHOME"
    "$NDB" session end --all >/dev/null
    "$NDB" clear --yes >/dev/null
}

teardown() {
    # a REPL a test stopped (kill -STOP) is let go on, whatever failed
    if [ -n "${STOPPED_PID:-}" ]; then kill -CONT "$STOPPED_PID" 2>/dev/null || true; fi
    TMUX= tmux -L "$TSOCK" kill-server 2>/dev/null || true
    if [ -n "${OWN_SERVER:-}" ]; then stop_server; fi
    stop_silent_listener
}

tm() { TMUX= tmux -L "$TSOCK" "$@"; }

# screen: the visible text of the REPL's pane (wrapped lines joined,
# trailing blanks removed).
screen() { tm capture-pane -p -J -t "$RTARGET" | sed 's/[[:space:]]*$//'; }

# The bounds are generous (15 s) because they only cost time when a test
# fails: under the ASan build on a saturated 2-core machine a REPL can take
# seconds to start, and a tight bound would fail a correct program.
# wait_for TEXT [SECONDS]: until the screen contains TEXT (fixed string).
wait_for() {
    local i n=$(( ${2:-15} * 20 ))
    for ((i = 0; i < n; i++)); do
        [[ "$(screen)" == *"$1"* ]] && return 0
        sleep 0.05
    done
    printf 'screen lacks: %s\n--- screen ---\n%s\n' "$1" "$(screen)" >&2
    return 1
}

# wait_re REGEX [SECONDS]: until some screen line matches the ERE.
wait_re() {
    local i n=$(( ${2:-15} * 20 ))
    for ((i = 0; i < n; i++)); do
        screen | grep -Eq -- "$1" && return 0
        sleep 0.05
    done
    printf 'no screen line matches: %s\n--- screen ---\n%s\n' "$1" "$(screen)" >&2
    return 1
}

# last_line: the last non-empty line of the screen.
last_line() { screen | grep -v '^$' | tail -n 1; }

# wait_last TEXT: until the last non-empty line is exactly TEXT.
wait_last() {
    local i
    for ((i = 0; i < 300; i++)); do
        [ "$(last_line)" = "$1" ] && return 0
        sleep 0.05
    done
    printf 'last line is not: %s\n--- screen ---\n%s\n' "$1" "$(screen)" >&2
    return 1
}

# start_repl [ARGS...]: run `ndb repl ARGS` in a fresh tmux pane with its
# own HOME and XDG_STATE_HOME; the pane stays open after the REPL ends and
# shows REPL-EXIT=<status>.
start_repl() {
    RN=$(( ${RN:-0} + 1 ))
    RTARGET="repl$RN"
    local run="$BATS_TEST_TMPDIR/run-repl-$RN.sh" a args=""
    for a in "$@"; do args+=" $(printf '%q' "$a")"; done
    cat >"$run" <<EOF
#!/bin/bash
export HOME=$(printf '%q' "$RHOME") XDG_STATE_HOME=$(printf '%q' "${XDG_OVERRIDE-$RSTATE}")
export NDB_URL=$(printf '%q' "$NDB_URL") TERM=xterm-256color LC_ALL=C.UTF-8
unset NO_COLOR NDB_SESSION
$(printf '%q' "$NDB") repl$args
echo "REPL-EXIT=\$?"
exec sleep 600
EOF
    # Each run gets its own tmux session (an earlier one may still be open).
    tm -f /dev/null new-session -d -s "$RTARGET" -x 200 -y 50 "bash $run"
    [ -z "${REPL_NO_WAIT:-}" ] || return 0 # the caller waits (e.g. for a password prompt)
    wait_for "ndb repl:"
    PROMPT="127.0.0.1:$NDB_PORT>"
    wait_last "$PROMPT"
}

# type TEXT: type literally (no Enter).
type_text() { tm send-keys -t "$RTARGET" -l -- "$1"; }
key() { tm send-keys -t "$RTARGET" "$@"; }
# line TEXT: type TEXT and Enter, after the text has appeared.
line() {
    type_text "$1"
    wait_for "$1"
    key Enter
}

@test "prompt shows the server, and the session after session new / use; use leaves" {
    start_repl
    line "session new"
    wait_for "(entered session "
    wait_re "^127\.0\.0\.1:$NDB_PORT \[session [0-9]{4}(…|\.\.\.)\]>$"
    line "use"
    wait_for "(left session "
    wait_last "$PROMPT"
    local t
    t=$("$NDB" session new)
    line "use $t"
    wait_last "127.0.0.1:$NDB_PORT [session ${t:0:4}…]>"
    line "set inside 1"
    wait_last "127.0.0.1:$NDB_PORT [session ${t:0:4}…]>"
    run --separate-stderr "$NDB" --session "$t" keys
    ok_out '"inside"'
}

@test "Tab completes commands, subcommands and options from the command table" {
    start_repl
    type_text "cou"
    key Tab
    wait_last "$PROMPT count"
    key C-c
    wait_last "$PROMPT"
    type_text "session ne"
    key Tab
    wait_last "$PROMPT session new"
    type_text "--tt"
    key Tab
    wait_last "$PROMPT session new --ttl"
    key C-c
    wait_last "$PROMPT"
    type_text "find \$..x --pat" # --pa: --password-file too
    key Tab
    wait_last "$PROMPT find \$..x --paths"
    key C-c
    wait_last "$PROMPT"
    # Several candidates: listed under the line, which is kept.
    type_text "s"
    key Tab
    wait_re "^save +scan +session +set$"
    wait_last "$PROMPT s"
    key C-c
    wait_last "$PROMPT"
    # help takes a command name or 'values' (it was not offered)
    type_text "help va"
    key Tab
    wait_last "$PROMPT help values"
}

@test "Tab completes \\timing and \\q as the REPL reads them (unquoted), and offers clear-keys" {
    start_repl
    # both backslash words of help ('\timing [on|off]', 'quit, exit, \q'):
    # \q was not offered, a lone \ completed to \timing
    type_text '\'
    key Tab
    wait_re '^\\q +\\timing$'
    wait_last "$PROMPT \\"
    type_text 't'
    key Tab
    wait_last "$PROMPT \\timing"
    type_text "o"
    key Tab
    wait_re "^off +on$"
    type_text "n"
    key Tab
    wait_last "$PROMPT \\timing on"
    key Enter
    wait_for "Timing is on."
    wait_last "$PROMPT"
    type_text "clear-"
    key Tab
    wait_re "^clear-keys +clear-set$"
    wait_last "$PROMPT clear-"
    key C-c
    wait_last "$PROMPT"
    # \q completes alone (with a space), and takes no argument: a Tab after
    # it adds nothing (it added on/off's "o"), so the x typed next follows
    # the space
    type_text '\q'
    key Tab
    key Tab
    type_text 'x'
    wait_last "$PROMPT \\q x"
}

@test "Tab completes key names from the server (also in a session) and session tokens" {
    "$NDB" set alpha_key 1 'my key' 2 beta 3
    start_repl
    type_text "get al"
    key Tab
    wait_last "$PROMPT get alpha_key"
    type_text "my"
    key Tab
    wait_last "$PROMPT get alpha_key 'my key'"
    key C-c
    wait_last "$PROMPT"
    type_text "set be"
    key Tab
    wait_last "$PROMPT set beta"
    key Enter
    wait_for "ndb set: missing VALUE"
    # Inside a session: the session's keys.
    line "session new"
    wait_for "(entered session "
    line "set skey 1"
    type_text "get "
    key Tab
    wait_re "\]> get skey$"
    key C-c
    # Ctrl-C is a signal: typing on before the prompt is back can put the
    # first letters ahead of it (and line's wait_for finds 'use' on screen)
    wait_re "\]>$"
    # The token created here is offered to `use`.
    line "use"
    wait_last "$PROMPT"
    type_text "use "
    key Tab
    wait_re "^127\.0\.0\.1:$NDB_PORT> use [0-9]+$"
}

@test "Tab over 200000 key names answers at once (completion is not quadratic)" {
    local b
    for b in 0 1 2 3; do
        seq 0 49999 | awk -v b=$b 'BEGIN { printf "{\"KV_SET\":{\"keys\":{" }
            { printf "%s\"t%d_%05d\":0", (NR > 1 ? "," : ""), b, $1 } END { print "}}}" }'
    done | "$NDB" send >/dev/null
    run --separate-stderr "$NDB" count
    ok_out 200000
    start_repl
    type_text "get t2_1234"
    key Tab
    wait_re "^t2_12340 +t2_12341 +.*t2_12349$"
    type_text "5"
    key Tab
    wait_last "$PROMPT get t2_12345"
}

@test "Tab completes a key name that is not ASCII without touching the rest of the line" {
    # libedit deletes characters: the partial word is 2 bytes but 1 character
    # here, and a count taken from the start of the line deleted the blank
    # before it ("geté-accent") or glued it to the previous word.
    "$NDB" set 'é-accent' 1 'ünï' 2 x 3
    start_repl
    type_text "get é"
    key Tab
    wait_last "$PROMPT get é-accent"
    type_text "x ün"
    key Tab
    wait_last "$PROMPT get é-accent x ünï"
    key Enter
    wait_for '"ünï": 2'
    wait_last "$PROMPT"
}

@test "Tab's list shows control characters in key names as \\xHH and aligns wide characters" {
    # A key name is data any client may write: listed raw, its ESC started a
    # terminal escape sequence (here: the rest of the list in red) and its
    # newline broke the list.  Columns were padded by bytes, so a name of
    # CJK characters (3 bytes, 2 columns each) pushed the columns apart.
    "$NDB" set "$(printf 'esc\033[31mred')" 1 "$(printf 'esc\nnl')" 2 "$(printf 'esc\302\233c1')" 3
    "$NDB" set lstab 1 lstcd 2 'lst中文' 3
    "$NDB" set "$(printf 'rtl\342\200\256txt.exe')" 4 rtlb 5
    start_repl
    type_text "get esc"
    key Tab
    wait_re '^esc\\x0anl +esc\\x1b\[31mred +esc\\xc2\\x9bc1$'
    # no colour reached the terminal: the list's line holds no SGR sequence
    run bash -c "TMUX= tmux -L '$TSOCK' capture-pane -p -e -t '$RTARGET' | grep -F 'x0anl'"
    [ "$status" -eq 0 ]
    [[ "$output" != *$'\033'* ]]
    key C-u
    type_text "get lst"
    key Tab
    # 'lst中文' is 7 columns wide: the columns are 9 apart, not 11
    wait_for "lstab    lstcd    lst中文"
    # a format character as \u202E: raw, it turned the rest of the list's
    # line around ("rtl\u202Etxt.exe" read "rtlexe.txt"); nor is it put on
    # the line being typed (completed up to it)
    key C-u
    type_text "get rtl"
    key Tab
    wait_re '^rtlb +rtl\\u202Etxt\.exe$'
    [[ "$(screen)" != *$'\342\200\256'* ]]
}

@test "Tab never puts a key name's control character on the line: it completes up to it, then lists" {
    # inserted, the ESC was echoed by libedit to the terminal as is (the
    # line turned red), and a newline split the line being typed
    "$NDB" set "$(printf 'solo\033[31mred')" 1
    start_repl
    type_text "get so"
    key Tab
    wait_last "$PROMPT get solo"
    key Tab
    wait_re '^solo\\x1b\[31mred$'
    wait_last "$PROMPT get solo"
    run bash -c "TMUX= tmux -L '$TSOCK' capture-pane -p -e -t '$RTARGET'"
    [[ "$output" != *$'\033[31m'* ]]
}

@test "an event that comes while Tab fetches key names is shown, not taken for the answer" {
    "$NDB" set ev_key 0
    start_repl
    line "watch ev_key"
    wait_for "watching (id 1)"
    wait_last "$PROMPT"
    # With the REPL stopped, the event waits on its connection ahead of the
    # answer to the key-name request that Tab sends when it resumes.
    STOPPED_PID=$(pgrep -P "$(tm display -p -t "$RTARGET" '#{pane_pid}')") # the REPL, the script's one child
    kill -STOP "$STOPPED_PID"
    "$NDB" set ev_key 1
    type_text "get ev_"
    key Tab
    kill -CONT "$STOPPED_PID"
    wait_last "$PROMPT get ev_key"
    wait_for '{"id":1,"key":"ev_key","op":"set"}'
}

@test "history is kept across runs in \$XDG_STATE_HOME/ndb/history (0600), without credentials" {
    start_repl
    line "set hist_key 42"
    wait_last "$PROMPT"
    line "set password hunter2"
    wait_last "$PROMPT"
    line " set spaced 1"
    wait_last "$PROMPT"
    line "get hist_key"
    wait_last "$PROMPT"
    line "quit"
    wait_for "REPL-EXIT=0"
    local f="$RSTATE/ndb/history"
    [ "$(stat -c %a "$f")" = 600 ]
    [ "$(stat -c %a "$RSTATE/ndb")" = 700 ]
    grep -qx 'set hist_key 42' "$f"
    grep -qx 'get hist_key' "$f"
    ! grep -q 'password' "$f"
    ! grep -q 'spaced' "$f"
    # A second run recalls the lines of the first.
    start_repl
    key Up
    wait_last "$PROMPT quit"
    key Up
    wait_last "$PROMPT get hist_key"
    key Up
    wait_last "$PROMPT set hist_key 42"
    key Enter
    wait_last "$PROMPT"
}

@test "a history file that cannot be written is said once, not lost silently (a symbolic link is not followed)" {
    mkdir -p "$RSTATE/ndb"
    : >"$BATS_TEST_TMPDIR/elsewhere"
    ln -s "$BATS_TEST_TMPDIR/elsewhere" "$RSTATE/ndb/history"
    start_repl
    line "count"
    wait_for "ndb: cannot add to the history file $RSTATE/ndb/history: it is a symbolic link, which is not followed (lines are kept for this run only)"
    wait_last "$PROMPT"
    line "keys"
    wait_last "$PROMPT"
    [ "$(screen | grep -c 'cannot add to the history')" -eq 1 ]
    [ ! -s "$BATS_TEST_TMPDIR/elsewhere" ]
}

@test "without XDG_STATE_HOME the history goes to ~/.local/state/ndb/history" {
    XDG_OVERRIDE="" start_repl
    line "count"
    wait_last "$PROMPT"
    [ "$(stat -c %a "$RHOME/.local/state/ndb/history")" = 600 ]
    [ "$(stat -c %a "$RHOME/.local/state/ndb")" = 700 ]
    grep -qx count "$RHOME/.local/state/ndb/history"
}

@test "Ctrl-R searches the history backwards" {
    "$NDB" set list '[]'
    start_repl
    line "append list x"
    wait_last "$PROMPT"
    line "count"
    wait_last "$PROMPT"
    key C-r
    type_text "appe"
    wait_for "append list x"
    key Enter
    wait_last "$PROMPT"
    run --separate-stderr "$NDB" get list
    ok_out '["x","x"]'
}

@test "Ctrl-C discards the line without leaving; Ctrl-D on an empty line leaves with 0" {
    start_repl
    type_text "set cc_key 1"
    wait_last "$PROMPT set cc_key 1"
    key C-c
    wait_last "$PROMPT"
    key Enter
    wait_last "$PROMPT"
    run --separate-stderr "$NDB" contains cc_key
    exit_is 1 ""
    line "set after 1"
    wait_last "$PROMPT"
    run --separate-stderr "$NDB" contains after
    exit_is 0 '"after"'
    key C-d
    wait_for "REPL-EXIT=0"
}

@test "a line ending with a backslash continues on the next, and says so" {
    start_repl
    line "set bs_key 1 \\"
    wait_for "(the line ends with a backslash: input continues on the next; Ctrl-C discards it)"
    line "bs_two 2"
    wait_last "$PROMPT"
    run --separate-stderr "$NDB" get bs_key bs_two
    ok_out '{"bs_key":1,"bs_two":2}'
    # Tab completes on the next line with the command's words so far (it
    # did nothing there): 'get bs_two \' then 'bs_k' is the key bs_key
    line "get bs_two \\"
    wait_for "...> "
    type_text "bs_k"
    key Tab
    wait_for "...> bs_key"
    key Enter
    wait_re '"bs_key": ?1'
    wait_last "$PROMPT"
    line "set bs_three 3 \\"
    wait_for "input continues on the next"
    key C-d
    wait_for "(unfinished input discarded: it ended with a backslash; Ctrl-D again leaves)"
    wait_last "$PROMPT"
    run --separate-stderr "$NDB" contains bs_three
    exit_is 1 ""
}

@test "after a line of only a backslash, Tab completes the next line as the input's first: a command, or \\timing" {
    # such a line joins the next and adds nothing to it (ndb repl runs
    # '\' then 'count' as 'count'), but Tab took the input for a backslash
    # word and completed nothing: neither 'cou' nor '\ti'
    start_repl
    line '\'
    wait_for "input continues on the next"
    type_text "cou"
    key Tab
    wait_for "...> count"
    key Enter
    wait_re "^[0-9]+$"
    wait_last "$PROMPT"
    line '\'
    wait_for "input continues on the next"
    type_text '\ti'
    key Tab
    wait_for '...> \timing'
    type_text "o"
    key Tab
    wait_re "^off +on$"
    type_text "n"
    key Enter
    wait_for "Timing is on."
    wait_last "$PROMPT"
}

@test "Ctrl-D inside unfinished input discards it, says so and stays; the next Ctrl-D leaves" {
    start_repl
    line "set dd_key '{"
    wait_for "(input continues until the open quote or bracket is closed; Ctrl-C discards it)"
    key C-d
    wait_for "(unfinished input discarded: a quote or bracket was still open; Ctrl-D again leaves)"
    wait_last "$PROMPT"
    [[ "$(screen)" != *REPL-EXIT* ]]
    line "count"
    wait_for $'count\n0'
    wait_last "$PROMPT"
    key C-d
    wait_for "REPL-EXIT=0"
}

@test "SIGTERM or Ctrl-\\ at the prompt puts the terminal back (echo on) before the REPL dies of it" {
    local tty
    # tty_has WORD: the pane's terminal settings include WORD (echo, -echo)
    tty_has() { stty -F "$tty" -a | tr ' ;' '\n\n' | grep -qx -- "$1"; }
    start_repl
    tty=$(tm display -p -t "$RTARGET" '#{pane_tty}')
    tty_has -echo # raw mode while the prompt waits
    kill -TERM "$(pgrep -P "$(tm display -p -t "$RTARGET" '#{pane_pid}')")"
    wait_for "REPL-EXIT=143"
    tty_has echo
    tty_has icanon
    start_repl
    tty=$(tm display -p -t "$RTARGET" '#{pane_tty}')
    tty_has -echo
    key 'C-\'
    wait_for "REPL-EXIT=131"
    tty_has echo
}

@test "the server going away is reported; the next command reconnects" {
    OWN_SERVER=1
    start_server
    local port=$NDB_PORT
    start_repl
    line "set r 1"
    wait_last "$PROMPT"
    stop_server
    wait_for "lost connection to $NDB_URL"
    wait_last "$PROMPT"
    line "count"
    wait_for "cannot connect to"
    wait_last "$PROMPT"
    start_server --port "$port"
    [ "$NDB_PORT" = "$port" ]
    line "get nope"
    wait_for "(reconnected to $NDB_URL)"
    wait_last "$PROMPT"
    # the reconnection is said before the command's own message
    screen | grep -A1 -F "(reconnected to $NDB_URL)" | tail -n 1 | grep -qxF 'ndb: key "nope" does not exist'
    line "set back 1"
    wait_last "$PROMPT"
    run --separate-stderr "$NDB" keys
    ok_out '"back"'
}

@test "a shorthand --url (:PORT) is shown as the server's URL: banner, prompt, lost and reconnected" {
    OWN_SERVER=1
    start_server
    local port=$NDB_PORT
    # start_repl waits for the prompt 127.0.0.1:PORT> (it was ":PORT>")
    start_repl --url ":$port"
    wait_for "ndb repl: connected to $NDB_URL.  'help' lists"
    stop_server
    wait_for "lost connection to $NDB_URL ("
    start_server --port "$port"
    [ "$NDB_PORT" = "$port" ]
    line "count"
    wait_for "(reconnected to $NDB_URL)"
    wait_last "$PROMPT"
    [[ "$(screen)" != *":$port."* && "$(screen)" != *"to :$port"* ]]
}

@test "a server that never answers: the banner says the timeout in seconds, as the commands then do" {
    start_silent_listener 30
    REPL_NO_WAIT=1 start_repl --url "127.0.0.1:$SILENT_PORT" --timeout 0.5
    # it said "timed out after 500 ms" here, "0.5 s" at each command
    wait_for "ndb repl: not connected: cannot connect to ws://127.0.0.1:$SILENT_PORT/: timed out after 0.5 s (retried at each command)."
    PROMPT="127.0.0.1:$SILENT_PORT>"
    wait_last "$PROMPT"
    line "count"
    wait_for "ndb: cannot connect to ws://127.0.0.1:$SILENT_PORT/: timed out after 0.5 s"
    wait_last "$PROMPT"
}

@test "an idle REPL answers the server's keep-alive pings and stays connected" {
    OWN_SERVER=1
    start_server --idle-timeout 2 # ping after ~1 s of silence, hang up at 2 s
    start_repl
    line "set idle 1"
    wait_last "$PROMPT"
    sleep 4.5 # two idle periods
    [[ "$(screen)" != *"lost connection"* ]]
    line "get idle"
    wait_last "$PROMPT"
    [[ "$(screen)" != *"lost connection"* ]]
    [[ "$(screen)" != *"reconnected"* ]]
}

@test "\\timing on shows the round-trip time after each result" {
    start_repl
    line '\timing on'
    wait_for "Timing is on."
    line "count"
    wait_re "^Time: [0-9]+\.[0-9]{3} ms$"
    line '\timing off'
    wait_for "Timing is off."
}

@test "raw requests continue over lines; results are pretty and coloured; errors are one line" {
    "$NDB" set a 1
    start_repl
    line '{"KV_GET":'
    wait_re '^ +\.\.\.>$'
    line '{"keys":["a"]}}'
    wait_re '^  "KV_GET_RSP": \{$'
    wait_re '^      "a": 1$'
    tm capture-pane -p -e -t "$RTARGET" | grep -q $'\e\\[[0-9;]*m"st"'
    line "get a"
    wait_last "$PROMPT"
    line "session new --ttl 999999999999"
    wait_for "ndb: ValueSize (42): --ttl 999999999999 refused by the server"
    line "foo"
    wait_for "ndb: unknown command 'foo'"
}

@test "clear clears the screen; clear-keys asks before removing every key" {
    "$NDB" set a 1 b 2
    start_repl
    line "get a"
    wait_for "$PROMPT get a"
    line "clear"
    wait_last "$PROMPT"
    [ "$(screen | grep -vc '^$')" -eq 1 ] # only the prompt is left
    line "clear-keys"
    wait_last "Remove all 2 keys of $NDB_URL? [y/N]"
    type_text "n"
    key Enter
    wait_for "(nothing removed)"
    wait_last "$PROMPT"
    run --separate-stderr "$NDB" count
    ok_out '2'
    line "clear-keys"
    wait_last "Remove all 2 keys of $NDB_URL? [y/N]"
    type_text "y"
    key Enter
    wait_re "^2$"
    wait_last "$PROMPT"
    run --separate-stderr "$NDB" count
    ok_out '0'
}

@test "set says OK on a terminal; unknown commands point to 'help'; an open bracket says how out" {
    start_repl
    line "set a 1"
    wait_last "$PROMPT"
    [ "$(screen | grep -A1 -xF "$PROMPT set a 1" | tail -n 1)" = "OK" ]
    line "bogus"
    wait_for "ndb: unknown command 'bogus'"
    wait_last "$PROMPT"
    [ "$(screen | grep -A1 -F "unknown command 'bogus'" | tail -n 1)" = "Try 'help'." ]
    line "get"
    wait_for "Try 'help get' for more information."
    line 'find $[?('
    wait_for "(input continues until the open quote or bracket is closed; Ctrl-C discards it)"
    key C-c
    wait_last "$PROMPT"
}

@test "--user: the password is asked without echo; prompt and info show the user; SV_AUTH stays out of the history" {
    OWN_SERVER=1
    local h cfg="$BATS_TEST_TMPDIR/users.json"
    h=$(printf 'tmux-pw\n' | "$NDB" passwd --iterations 100000)
    printf '{"security":{"users":[{"name":"alice","password":"%s","role":"write"}]}}' "$h" >"$cfg"
    start_server --config "$cfg"
    REPL_NO_WAIT=1 start_repl --user alice
    wait_for "Password for alice:"
    type_text "tmux-pw"
    key Enter
    wait_for "ndb repl: connected to $NDB_URL as alice (role write)."
    PROMPT="alice@127.0.0.1:$NDB_PORT>"
    wait_last "$PROMPT"
    [[ "$(screen)" != *tmux-pw* ]]
    line "info"
    wait_for '"user": "alice"'
    wait_last "$PROMPT"
    line '{"SV_AUTH":{"user":"alice","password":"tmux-pw"}}'
    wait_for '"role": "write",'
    wait_last "$PROMPT"
    line "quit"
    wait_for "REPL-EXIT=0"
    grep -qx info "$RSTATE/ndb/history"
    ! grep -q 'tmux-pw' "$RSTATE/ndb/history"
    ! grep -q 'SV_AUTH' "$RSTATE/ndb/history"
}

@test "--user: a line logged in as another user does not make the REPL ask for its own password again" {
    OWN_SERVER=1
    local ha hb cfg="$BATS_TEST_TMPDIR/users.json"
    ha=$(printf 'alice-pw\n' | "$NDB" passwd --iterations 100000)
    hb=$(printf 'bob-pw\n' | "$NDB" passwd --iterations 100000)
    printf '{"security":{"users":[{"name":"alice","password":"%s","role":"write"},{"name":"bob","password":"%s","role":"read"}]}}' \
        "$ha" "$hb" >"$cfg"
    start_server --config "$cfg"
    REPL_NO_WAIT=1 start_repl --user alice
    wait_for "Password for alice:"
    type_text "alice-pw"
    key Enter
    PROMPT="alice@127.0.0.1:$NDB_PORT>"
    wait_last "$PROMPT"
    # bob's password is asked, and given up with Ctrl-C
    line "count --user bob"
    wait_for "Password for bob:"
    key C-c
    wait_for "no password for user 'bob'"
    wait_last "$PROMPT"
    line "set k 1"
    wait_for "OK"
    wait_last "$PROMPT"
    # bob logs in for one line; the next line is alice's again
    line "get k --user bob"
    wait_last "Password for bob:"
    type_text "bob-pw"
    key Enter
    wait_last "bob@127.0.0.1:$NDB_PORT>"
    line "info -c"
    wait_for '"role":"write"'
    wait_last "$PROMPT"
    [ "$(screen | grep -c 'Password for alice:')" -eq 1 ]
}

@test "a watch's event shows a key's C1 control as JSON escapes it (\u009B), not raw for the terminal to obey" {
    start_repl
    line "watch --prefix c"
    wait_for "watching (id 1)"
    wait_last "$PROMPT"
    "$NDB" send '{"KV_SET":{"keys":{"c\u009b31m":1}}}' >/dev/null
    wait_for '{"id":1,"key":"c\u009B31m","op":"set"}'
}

@test "Ctrl-C stops a counted watch and returns to the prompt; the watch is ended, the REPL's others go on" {
    start_repl
    line "watch --prefix bg"
    wait_for "watching (id 1); events appear between prompts; 'unwatch 1' stops it"
    wait_last "$PROMPT"
    line "watch --count 100 fg"
    # the REPL registers the watch some time after the line is typed: a set
    # made before that has no event (seen on a loaded machine), so write fg
    # until one shows, each time waiting a second for it (20 s in all)
    local i
    for i in $(seq 1 20); do
        "$NDB" set fg 1
        wait_for '{"id":2,"key":"fg","op":"set"}' 1 2>/dev/null && break
    done
    wait_for '{"id":2,"key":"fg","op":"set"}' # the watch runs, far from its count
    key C-c
    wait_for "(interrupted)"
    wait_last "$PROMPT"
    [[ "$(screen)" != *"Ctrl-C again"* ]]
    # The counted watch is gone from the connection; the background one is
    # not: its event comes, and the fg event sent before it never does.
    "$NDB" rm fg >/dev/null
    "$NDB" set bg1 1
    wait_for '{"id":1,"key":"bg1","op":"set"}'
    [[ "$(screen)" != *'"key":"fg","op":"rmv"'* ]]
    # A second watch waiting for its first event: Ctrl-C twice (once per
    # command) never leaves the REPL.
    line "watch --count 1 nokey"
    wait_for "$PROMPT watch --count 1 nokey"
    key C-c
    wait_last "$PROMPT"
    [ "$(screen | grep -cx '(interrupted)')" -eq 2 ]
    line "get nokey"
    wait_for 'ndb: key "nokey" does not exist'
    wait_last "$PROMPT"
    key C-c # at the prompt: discards the (empty) line, as before
    wait_last "$PROMPT"
    line "quit"
    wait_for "REPL-EXIT=0"
}

@test "Ctrl-C at the [y/N] question of clear-keys answers no, without leaving" {
    "$NDB" set a 1
    start_repl
    line "clear-keys"
    wait_last "Remove the 1 key of $NDB_URL? [y/N]"
    key C-c
    wait_for "(nothing removed)"
    wait_last "$PROMPT"
    [[ "$(screen)" != *"Ctrl-C again"* ]]
    run --separate-stderr "$NDB" count
    ok_out '1'
    key C-c
    wait_last "$PROMPT"
    line "count"
    wait_re "^1$"
    wait_last "$PROMPT"
    line "quit"
    wait_for "REPL-EXIT=0"
}

@test "a reconnect renews the REPL's watches (raw ones too) and says so, with their new ids" {
    OWN_SERVER=1
    start_server
    local port=$NDB_PORT
    start_repl
    line "watch --prefix a"
    wait_for "watching (id 1)"
    line "watch --prefix r"
    wait_for "watching (id 2)"
    line '{"KV_WATCH":{"keys":["solo"]}}'
    wait_for '"id": 3,'
    line "unwatch 1"
    wait_last "$PROMPT"
    stop_server
    wait_for "lost connection to $NDB_URL"
    start_server --port "$port"
    [ "$NDB_PORT" = "$port" ]
    line "count"
    wait_for "(reconnected to $NDB_URL; 2 watches renewed: watch 2 is now 1, watch 3 is now 2)"
    wait_re "^0$"
    wait_last "$PROMPT"
    "$NDB" set r1 1 solo 2 a1 3
    wait_for '{"id":1,"key":"r1","op":"set"}'
    wait_for '{"id":2,"key":"solo","op":"set"}'
    [[ "$(screen)" != *'"key":"a1"'* ]] # the watch stopped with unwatch stays stopped
    # unwatch takes the new id, and a stopped watch is not renewed again
    line "unwatch 1"
    wait_last "$PROMPT"
    stop_server
    wait_for "lost connection to $NDB_URL" # (the first one is still on the screen)
    start_server --port "$port"
    line "get nope"
    wait_for "(reconnected to $NDB_URL; 1 watch renewed: watch 2 is now 1)"
    wait_last "$PROMPT"
    # A watch the new server refuses (its session is gone) is dropped, and said so.
    local t
    t=$("$NDB" session new)
    line "session watch $t"
    # "watching (id 2)" is on the screen already (the watch of r, before the
    # reconnections): the server must not stop before the second one
    local i
    for ((i = 0; i < 400; i++)); do
        [ "$(screen | grep -c 'watching (id 2)')" -ge 2 ] && break
        sleep 0.05
    done
    [ "$(screen | grep -c 'watching (id 2)')" -eq 2 ]
    stop_server
    start_server --port "$port"
    line "count"
    wait_for "(reconnected to $NDB_URL; watch 2 ended (SessionNotExist 100): run watch again; 1 watch renewed)"
    wait_last "$PROMPT"
}

@test "--user: a reconnect logs in again, and renews the watches as that user" {
    OWN_SERVER=1
    local h cfg="$BATS_TEST_TMPDIR/users.json" pw="$BATS_TEST_TMPDIR/pw"
    h=$(printf 'tmux-pw\n' | "$NDB" passwd --iterations 100000)
    printf '{"security":{"users":[{"name":"alice","password":"%s","role":"write"}]}}' "$h" >"$cfg"
    printf 'tmux-pw\n' >"$pw"
    start_server --config "$cfg"
    local port=$NDB_PORT
    REPL_NO_WAIT=1 start_repl --user alice --password-file "$pw"
    PROMPT="alice@127.0.0.1:$NDB_PORT>"
    wait_last "$PROMPT"
    line "watch --prefix w"
    wait_for "watching (id 1)"
    stop_server
    wait_for "lost connection to $NDB_URL"
    start_server --port "$port" --config "$cfg"
    line "info -c"
    wait_for "(reconnected to $NDB_URL; 1 watch renewed)"
    wait_for '"user":"alice"'
    wait_last "$PROMPT"
    [[ "$(screen)" != *"AuthRequired"* ]]
    printf 'tmux-pw\n' | NDB_PASSWORD=tmux-pw "$NDB" --user alice set w1 1
    wait_for '{"id":1,"key":"w1","op":"set"}'
}
@test "--user: a password the server refused is read again at the next command (the file edited, or the terminal)" {
    OWN_SERVER=1
    local h1 h2 cfg1="$BATS_TEST_TMPDIR/users1.json" cfg2="$BATS_TEST_TMPDIR/users2.json" pw="$BATS_TEST_TMPDIR/pw"
    h1=$(printf 'old-pw\n' | "$NDB" passwd --iterations 100000)
    h2=$(printf 'new-pw\n' | "$NDB" passwd --iterations 100000)
    printf '{"security":{"users":[{"name":"alice","password":"%s","role":"write"}]}}' "$h1" >"$cfg1"
    printf '{"security":{"users":[{"name":"alice","password":"%s","role":"write"}]}}' "$h2" >"$cfg2"
    printf 'old-pw\n' >"$pw"
    start_server --config "$cfg1"
    local port=$NDB_PORT
    REPL_NO_WAIT=1 start_repl --user alice --password-file "$pw"
    PROMPT="alice@127.0.0.1:$NDB_PORT>"
    wait_last "$PROMPT"
    # the administrator changes the password and restarts the server ...
    stop_server
    wait_for "lost connection to $NDB_URL"
    start_server --port "$port" --config "$cfg2"
    line "count"
    wait_for "ndb: cannot log in as 'alice': AuthFailed (44): wrong user or password"
    wait_last "127.0.0.1:$NDB_PORT>"
    # ... and then the password file: the next command reads it again
    printf 'new-pw\n' >"$pw"
    line "info -c"
    wait_for '"user":"alice"'
    wait_last "$PROMPT"
    line "quit"
    wait_for "REPL-EXIT=0"
    # a password typed at the prompt is asked for again after a refusal
    REPL_NO_WAIT=1 start_repl --user alice
    wait_for "Password for alice:"
    type_text "new-pw"
    key Enter
    wait_last "$PROMPT"
    stop_server
    wait_for "lost connection to $NDB_URL"
    start_server --port "$port" --config "$cfg1"
    line "count"
    wait_for "ndb: cannot log in as 'alice': AuthFailed (44): wrong user or password"
    line "count"
    wait_last "Password for alice:"
    type_text "old-pw"
    key Enter
    wait_last "$PROMPT"
    [ "$(screen | grep -c 'Password for alice:')" -eq 2 ]
}

@test "Ctrl-C stops a command waiting for a silent server (--timeout 0); the next command reconnects and renews the watches" {
    OWN_SERVER=1
    start_server
    "$NDB" set x 1
    start_repl --timeout 0
    line "watch --prefix w"
    wait_for "watching (id 1)"
    kill -STOP "$NDB_PID"
    line "get x"
    wait_for "$PROMPT get x"
    key C-c
    wait_for "(interrupted)"
    wait_last "$PROMPT"
    kill -CONT "$NDB_PID"
    # The answer the first connection still owed does not come to this command.
    line "get x -c"
    wait_for "(reconnected to $NDB_URL; 1 watch renewed)"
    wait_re "^1$"
    wait_last "$PROMPT"
    "$NDB" set w1 1
    wait_for '{"id":1,"key":"w1","op":"set"}'
}

@test "a raw SV_AUTH that succeeds changes the prompt's user; a failed one leaves it" {
    OWN_SERVER=1
    local ha ho cfg="$BATS_TEST_TMPDIR/users.json" pw="$BATS_TEST_TMPDIR/pw"
    ha=$(printf 'app-pw\n' | "$NDB" passwd --iterations 100000)
    ho=$(printf 'ops-pw\n' | "$NDB" passwd --iterations 100000)
    printf '{"security":{"users":[{"name":"app","password":"%s","role":"write"},{"name":"ops","password":"%s","role":"admin"}]}}' \
        "$ha" "$ho" >"$cfg"
    printf 'app-pw\n' >"$pw"
    start_server --config "$cfg"
    REPL_NO_WAIT=1 start_repl --user app --password-file "$pw"
    PROMPT="app@127.0.0.1:$NDB_PORT>"
    wait_last "$PROMPT"
    line '{"SV_AUTH":{"user":"ops","password":"wrong"}}'
    wait_for '"st": 44'
    wait_last "$PROMPT"
    line "info -c"
    wait_for '"role":"write"'
    wait_last "$PROMPT"
    line '{"SV_AUTH":{"user":"ops","password":"ops-pw"}}'
    wait_for '"role": "admin",'
    wait_last "ops@127.0.0.1:$NDB_PORT>"
    # the connection, and so the login in force, is kept: info agrees
    line "info -c"
    wait_for '"role":"admin"'
    wait_last "ops@127.0.0.1:$NDB_PORT>"
}

@test "a raw SV_AUTH answered by a server that is not ndb: its user goes into the prompt quoted, as every server message is" {
    # the user of the answer went into the prompt as it came: the ESC and
    # BEL of an escape sequence in it (here one that sets the window title)
    # were written to the terminal at every prompt (the screen showed
    # "]0;ownedx@..."); now they are spaces, as in every server message
    start_silent_listener 30 reply '{"SV_AUTH_RSP":{"role":"admin","st":1,"user":"\u001b]0;owned\u0007x"}}'
    REPL_NO_WAIT=1 start_repl --url "127.0.0.1:$SILENT_PORT"
    PROMPT="127.0.0.1:$SILENT_PORT>"
    wait_last "$PROMPT"
    line '{"SV_AUTH":{"user":"x","password":"y"}}'
    wait_last " ]0;owned x@127.0.0.1:$SILENT_PORT>"
}
