# examples.bash — runs the examples of the README, of the man pages ndb(1)
# and ndb-repl(1) and of the help texts against a real server, and compares
# what they print with what the documentation shows, exactly.  docs.bats
# uses it; the convention below is how every example is written.
#
# An example is a transcript:
#   $ COMMAND        a shell command; the commands of one document run in
#                    one bash, in order, so `export` and files carry over
#   > MORE           continues the command above (a here-document, ...)
#   anything else    what the command above prints: standard output and
#                    standard error together, as a pipe sees them (so JSON
#                    is compact, one document per line)
# A transcript that holds REPL prompts ("127.0.0.1:1987> ...") is a REPL
# session: it starts with "$ ndb repl [OPTIONS]" (or, in help texts, right
# at a prompt), each line after a prompt is typed into `ndb repl` on a
# terminal (tmux, no colour), and the whole screen is compared.
#
# In expected output, … (U+2026) stands for any text on that line (session
# tokens, durations, times).  The server runs on a free port: in what the
# examples print, that port is written as 1987, the default.

# examples_setup: a fresh server with persistence, `ndb` on PATH, and a
# scratch directory.  Sets EX_DIR.
examples_setup() {
    EX_DIR=$(mktemp -d "${BATS_TEST_TMPDIR:-/tmp}/examples.XXXXXX")
    mkdir -p "$EX_DIR/bin" "$EX_DIR/work" "$EX_DIR/data"
    ln -s "$NDB" "$EX_DIR/bin/ndb"
    start_server --persist-path "$EX_DIR/data"
}

# ex_pattern TEXT: TEXT as a bash pattern, with … matching anything.
ex_pattern() {
    local t=$1
    t=${t//\\/\\\\}
    t=${t//\*/\\*}
    t=${t//\?/\\?}
    t=${t//\[/\\[}
    t=${t//…/*}
    printf '%s' "$t"
}

# ex_match ACTUAL EXPECTED: line by line, … matching any text.
ex_match() {
    local -a a e
    mapfile -t a <<<"$1"
    mapfile -t e <<<"$2"
    [ "${#a[@]}" -eq "${#e[@]}" ] || return 1
    local i p
    for ((i = 0; i < ${#e[@]}; i++)); do
        p=$(ex_pattern "${e[i]}")
        # shellcheck disable=SC2053
        [[ ${a[i]} == $p ]] || return 1
    done
}

# ex_is_repl FILE: does the transcript hold REPL prompts?
ex_is_repl() { grep -qE '^127\.0\.0\.1:1987( \[session [^]]*\])?> ' "$1"; }

# run_transcript FILE WHERE: run a shell transcript; on a mismatch print
# WHERE, the command, what was expected and what came, and fail.
run_transcript() {
    local file=$1 where=$2 line n=0 i
    local -a cmds exps
    while IFS= read -r line || [ -n "$line" ]; do
        if [[ $line == '$ '* ]]; then
            cmds[n]=${line#\$ }
            exps[n]=""
            n=$((n + 1))
        elif [[ $line == '> '* || $line == '>' ]] && [ "$n" -gt 0 ] && [ -z "${exps[n - 1]}" ]; then
            cmds[n - 1]+=$'\n'"${line#> }"
        elif [ "$n" -gt 0 ]; then
            exps[n - 1]+="$line"$'\n'
        else
            echo "$where: text before the first command: $line" >&2
            return 1
        fi
    done <"$file"
    [ "$n" -gt 0 ] || { echo "$where: no command" >&2; return 1; }
    # One bash runs every command, in the scratch directory, with ndb on PATH.
    local drv="$EX_DIR/driver.sh" out="$EX_DIR/out"
    rm -rf "$out"
    mkdir -p "$out"
    {
        printf 'cd %q || exit 1\nexport PATH=%q:"$PATH"\n' "$EX_DIR/work" "$EX_DIR/bin"
        for ((i = 0; i < n; i++)); do
            printf '{ eval %q; } >%q 2>&1 </dev/null\n' "${cmds[i]}" "$out/$i"
        done
    } >"$drv"
    # bounded, whatever an example does
    NDB_URL=$NDB_URL timeout 120 bash "$drv" || [ $? -ne 124 ] || { echo "$where: timed out" >&2; return 1; }
    local got want
    for ((i = 0; i < n; i++)); do
        got=$(sed "s/127\.0\.0\.1:$NDB_PORT/127.0.0.1:1987/g" "$out/$i")
        want=${exps[i]%$'\n'}
        if ! ex_match "$got" "$want"; then
            printf '%s: example output differs\n$ %s\n--- shown ---\n%s\n--- printed ---\n%s\n' \
                "$where" "${cmds[i]}" "$want" "$got" >&2
            return 1
        fi
    done
}

# --- REPL sessions, on a terminal (tmux) ---------------------------------

ex_tm() { TMUX= tmux -L "ndb-examples-$$" "$@"; }

ex_screen() {
    ex_tm capture-pane -p -J -S - -E - -t ex | sed 's/[[:space:]]*$//' |
        sed "s/127\.0\.0\.1:$NDB_PORT/127.0.0.1:1987/g"
}

# ex_wait_prompt: until the last non-empty screen line is a prompt (bounded).
ex_wait_prompt() {
    local i last
    for ((i = 0; i < 200; i++)); do
        last=$(ex_screen | grep -v '^$' | tail -n 1)
        [[ $last =~ ^127\.0\.0\.1:1987(\ \[session\ [^]]*\])?\>$ || $last =~ ^\ *\.\.\.\>$ ]] && return 0
        sleep 0.05
    done
    echo "the REPL shows no prompt; screen:" >&2
    ex_screen >&2
    return 1
}

# run_repl_transcript FILE WHERE: the lines after each prompt are typed into
# `ndb repl` on a terminal; the screen must show FILE (from the banner, or
# from the first prompt when FILE does not start with "$ ndb repl").
run_repl_transcript() {
    local file=$1 where=$2 args="" first line
    command -v tmux >/dev/null || { echo "$where: tmux is needed to run REPL examples" >&2; return 1; }
    first=$(head -n 1 "$file")
    if [[ $first == '$ ndb repl'* ]]; then args=${first#\$ ndb repl}; fi
    local run="$EX_DIR/repl.sh"
    cat >"$run" <<EOF
#!/bin/bash
export HOME=$(printf '%q' "$EX_DIR/work") XDG_STATE_HOME=$(printf '%q' "$EX_DIR/state")
export NDB_URL=$(printf '%q' "$NDB_URL") TERM=xterm-256color LC_ALL=C.UTF-8 NO_COLOR=1
cd $(printf '%q' "$EX_DIR/work") && $(printf '%q' "$NDB") repl$args
echo "[the REPL ended]"
exec sleep 600
EOF
    ex_tm -f /dev/null new-session -d -s ex -x 200 -y 200 "bash $run"
    ex_wait_prompt || { ex_tm kill-server; return 1; }
    local typed quit=0 i
    while IFS= read -r line || [ -n "$line" ]; do
        [[ $line =~ ^127\.0\.0\.1:1987(\ \[session\ [^]]*\])?\>\ (.*)$ || $line =~ ^\ *\.\.\.\>\ (.*)$ ]] || continue
        typed=${BASH_REMATCH[-1]}
        ex_tm send-keys -t ex -l -- "$typed"
        ex_tm send-keys -t ex Enter
        if [ "$typed" = quit ] || [ "$typed" = exit ]; then
            quit=1
            for ((i = 0; i < 100; i++)); do # until the REPL has gone
                ex_screen | grep -qxF "[the REPL ended]" && break
                sleep 0.05
            done
            break
        fi
        sleep 0.05
        ex_wait_prompt || { ex_tm kill-server; return 1; }
    done <"$file"
    local got want
    got=$(ex_screen | sed '/^$/d; /^\[the REPL ended\]$/d')
    ex_tm kill-server
    if [[ $first == '$ ndb repl'* ]]; then
        want=$(tail -n +2 "$file")
    else
        want=$(cat "$file")
        got=$(sed -n '2,$p' <<<"$got") # the banner is not part of it
    fi
    # the final prompt, left waiting, is not shown in the documentation
    [ "$quit" = 1 ] || got=$(sed '$d' <<<"$got")
    if ! ex_match "$got" "$want"; then
        printf '%s: REPL example differs\n--- shown ---\n%s\n--- screen ---\n%s\n' "$where" "$want" "$got" >&2
        return 1
    fi
}

# run_example FILE WHERE: a shell transcript or a REPL session.
run_example() {
    if ex_is_repl "$1"; then run_repl_transcript "$@"; else run_transcript "$@"; fi
}

# --- extracting examples --------------------------------------------------

# md_blocks FILE DIR: each fenced block of the Markdown FILE into DIR/NNN.LANG
# (LANG = the info string, "none" if absent), with DIR/NNN.where naming the
# line and the heading above it.
md_blocks() {
    awk -v dir="$2" -v src="$1" '
        /^#+ / && !inblock { heading = $0 }
        /^ *```/ {
            if (!inblock) {
                inblock = 1; n++; ind = index($0, "`") - 1
                lang = substr($0, ind + 4); if (lang == "") lang = "none"
                f = sprintf("%s/%03d.%s", dir, n, lang)
                printf "%s:%d (%s)\n", src, NR, heading > sprintf("%s/%03d.where", dir, n)
                printf "" > f
                next
            }
            inblock = 0; close(f); next
        }
        inblock { print substr($0, ind + 1) >> f }' "$1"
}

# man_blocks FILE DIR: each .Bd -literal block of the mdoc FILE into
# DIR/NNN.ex, roff escapes undone, with DIR/NNN.where.
man_blocks() {
    awk -v dir="$2" -v src="$1" '
        /^\.Bd -literal/ { inblock = 1; n++; f = sprintf("%s/%03d.ex", dir, n)
            printf "%s:%d\n", src, NR > sprintf("%s/%03d.where", dir, n); printf "" > f; next }
        /^\.Ed/ { inblock = 0; close(f); next }
        inblock {
            gsub(/\\\(aq/, "\047"); gsub(/\\\(dq/, "\""); gsub(/\\&/, ""); gsub(/\\-/, "-")
            gsub(/\\\[u2026\]/, "\342\200\246")
            gsub(/\\e/, "\\")
            print >> f
        }' "$1"
}

# help_examples TEXT: the "Examples:" section of a help text, unindented.
help_examples() {
    awk '/^Examples:$/ { on = 1; next } on && /^  / { print substr($0, 3); next } on { on = 0 }' <<<"$1"
}
